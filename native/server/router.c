/* router.c: peer messages and channels, between sessions. */
#include "router.h"

#include <stdlib.h>
#include <string.h>

#include "call.h"
#include "ids.h"
#include "log.h"
#include "member_count.h"
#include "outbox.h"
#include "presence.h"
#include "rtm/rtm_codes.h"

/* A call signal (SPEC C1): a known kind about a named invitation, its texts
 * within their bounds; its message carries nothing else. */
static bool router_call_valid(const Rtm__Wire__Message *m)
{
    const Rtm__Wire__CallSignal *c = m->call;
    if ((m->text && *m->text) || m->raw.len || (m->description && *m->description))
        return false;
    if (c->kind < RTM__WIRE__CALL_SIGNAL__KIND__CALL_INVITE ||
        c->kind > RTM__WIRE__CALL_SIGNAL__KIND__CALL_END || c->call_id == 0)
        return false;
    if ((c->content && strlen(c->content) > RTM__INVITATION_TEXT_MAX) ||
        (c->response && strlen(c->response) > RTM__INVITATION_TEXT_MAX))
        return false;
    return !c->channel_id || !*c->channel_id || rtm__channel_id_valid(c->channel_id);
}

/* A message that may be sent: call signals only to peers. */
static bool router_message_valid(const Rtm__Wire__Message *m, bool to_peer)
{
    if (!m)
        return false;
    if (m->call)
        return to_peer && router_call_valid(m);
    if (m->type == RTM__MESSAGE_TYPE_FILE || m->type == RTM__MESSAGE_TYPE_IMAGE)
        return m->media &&
               rtm__media_message_valid(m->media->media_id,
                                        m->media->file_name ? strlen(m->media->file_name) : 0,
                                        m->media->thumbnail.len,
                                        m->text ? strlen(m->text) : 0, m->raw.len,
                                        m->description ? strlen(m->description) : 0);
    if (m->media)
        return false;
    return rtm__message_valid(m->text ? strlen(m->text) : 0, m->raw.len,
                              m->description ? strlen(m->description) : 0);
}

/* (app, user) joined or left channel, which has count members after it:
 * the count changes (member_count.c) and, when members are listed (NULL:
 * nobody is told), the others get a MemberEvent, unless the channel has
 * more than RTMD_MEMBER_EVENTS_MAX members with the user (the reference's
 * 512). */
static void router_member_event(rtmd_server *srv, const char *app, const char *user,
                                const char *channel, bool joined, size_t count,
                                const rtmd_strv *members)
{
    rtmd_member_count_changed(srv, app, channel, count);
    if (!members || count + (joined ? 0 : 1) > RTMD_MEMBER_EVENTS_MAX)
        return;
    Rtm__Wire__MemberEvent ev = RTM__WIRE__MEMBER_EVENT__INIT;
    ev.channel = (char *)channel;
    ev.user = (char *)user;
    ev.joined = joined;
    rtm__frame f = RTM__WIRE__FRAME__INIT;
    f.body_case = RTM__WIRE__FRAME__BODY_MEMBER_EVENT;
    f.member_event = &ev;
    size_t len;
    uint8_t *buf = rtmd_encode(&f, &len);
    if (!buf) {
        rtmd_log(RTMD_LOG_ERROR, "out of memory sending a member event of %s", channel);
        return;
    }
    rtmd_send_event(srv, app, user, members, buf, len);
    free(buf);
}

/* ---- exactly-once sends (SPEC B1) --------------------------------------- */

/* The end of a PeerSend or ChannelSend call: true when it was a re-send of
 * a send_seq processed already (answered with its first code, nothing else
 * done), which gives back the rate it took (call->arg: it took one). */
static bool router_resent(rtmd_call *call, uint64_t send_seq)
{
    const rtmd_eng_op *op = &call->op;
    if (op->flags & RTMD_ENG_UNRECORDED)
        rtmd_log(RTMD_LOG_ERROR, "%s/%s: cannot remember the answer of send_seq %llu",
                 call->app, call->user, (unsigned long long)send_seq);
    if (!(op->flags & RTMD_ENG_RESENT))
        return false;
    rtmd_log(RTMD_LOG_DEBUG, "%s/%s: send_seq %llu sent again: answered %d, not delivered",
             call->app, call->user, (unsigned long long)send_seq, op->code);
    rtmd_session *s = call->arg ? rtmd_call_session(call) : NULL;
    if (s)
        rtmd_session_rate_give_back(call->srv, s, RTMD_RATE_MESSAGES);
    return true;
}

/* ---- peers -------------------------------------------------------------- */

/* What is forwarded of a sender's message: its known fields, stamped with
 * the server's time. Fields the server does not know (protobuf-c keeps them)
 * are not passed on: some encodings of one (field 0 with an overlong tag)
 * decode but do not encode back, and the receivers would refuse the frame
 * and lose their link (SPEC B5). */
static Rtm__Wire__Message router_forwarded(rtmd_server *srv, const Rtm__Wire__Message *m,
                                           Rtm__Wire__CallSignal *call,
                                           Rtm__Wire__MediaInfo *media)
{
    Rtm__Wire__Message out = RTM__WIRE__MESSAGE__INIT;
    out.type = m->type;
    out.text = m->text;
    out.raw = m->raw;
    out.description = m->description;
    out.server_ts = srv->now.wall_ms;
    out.offline = false;
    if (m->media) {
        Rtm__Wire__MediaInfo i = RTM__WIRE__MEDIA_INFO__INIT;
        i.media_id = m->media->media_id;
        i.size = m->media->size;
        i.file_name = m->media->file_name;
        i.thumbnail = m->media->thumbnail;
        i.width = m->media->width;
        i.height = m->media->height;
        i.thumbnail_width = m->media->thumbnail_width;
        i.thumbnail_height = m->media->thumbnail_height;
        *media = i;
        out.media = media;
    }
    if (m->call) {
        Rtm__Wire__CallSignal c = RTM__WIRE__CALL_SIGNAL__INIT;
        c.kind = m->call->kind;
        c.call_id = m->call->call_id;
        c.content = m->call->content;
        c.channel_id = m->call->channel_id;
        c.response = m->call->response;
        c.end = m->call->end;
        *call = c;
        out.call = call;
    }
    return out;
}

/* Sends the PeerDelivers a peer operation queued for user `to` to its
 * session, if it is on this node with an open link: otherwise they wait in
 * its queue for its resume (S9). Logs and counts what the operation met. */
static void router_deliver_frames(rtmd_server *srv, const char *app, const char *to,
                                  const rtmd_eng_op *op)
{
    rtmd_session *r = op->session_id ? rtmd_registry_find(&srv->sessions, app, to) : NULL;
    for (size_t i = 0; r && r->id == op->session_id && i < op->frames.count; i++)
        rtmd_send_encoded(r, op->frames.items[i].buf, op->frames.items[i].len);
    uint64_t more = 0;
    /* SPEC S9: reported in the user's next ReplayDone (peer_dropped), and
     * counted; a receiver that does not read can make this happen for
     * every message, so the line is logged at most once a second. */
    if (op->dropped) {
        srv->metrics.peer_dropped += op->dropped;
        if (rtmd_log_limit(&srv->dropped_log, srv->now.mono_ms, 1000, &more))
            rtmd_log(op->session_id ? RTMD_LOG_WARN : RTMD_LOG_INFO,
                     "%s/%s: more than %u %s peer messages: the oldest dropped (%llu such "
                     "drops not logged before this line)",
                     app, to, op->session_id ? srv->cfg->max_unacked : srv->cfg->offline_max,
                     op->session_id ? "unacknowledged" : "offline", (unsigned long long)more);
    }
    if (op->flags & RTMD_ENG_UNKEPT)
        rtmd_log(RTMD_LOG_ERROR, "%s/%s: a peer message could not be queued (out of memory, "
                 "or a kept one that does not decode): dropped", app, to);
}

static void router_peer_sent(rtmd_eng_op *op)
{
    rtmd_call *call = rtmd_call_of(op);
    rtmd_server *srv = call->srv;
    if (!router_resent(call, op->in.peer_send.send_seq)) {
        router_deliver_frames(srv, call->app, call->id, op);
        if (op->flags & RTMD_ENG_OFFLINE_FULL)
            rtmd_server_store_full(srv, RTMD_USAGE_OFFLINE, NULL);
        if (op->flags & RTMD_ENG_UNACKED_FULL)
            rtmd_server_store_full(srv, RTMD_USAGE_UNACKED, NULL);
        if (op->code == RTM_PEER_MESSAGE_ERR_OK ||
            op->code == RTM_PEER_MESSAGE_ERR_CACHED_BY_SERVER)
            srv->metrics.messages_peer++;
    }
    rtmd_later_result(&call->answer, op->code);
    rtmd_call_free(call);
}

/* A session in grace (no link) is still online (SPEC S12): its messages
 * are queued and re-delivered when it resumes (S9). A re-sent send_seq is
 * answered with its first code, whatever the checks now say (B1). */
void rtmd_router_peer_send(const rtmd_req *rq, const rtm__frame *f)
{
    rtmd_server *srv = rq->srv;
    rtmd_session *s = rq->s;
    const Rtm__Wire__PeerSend *ps = f->peer_send;
    int refused = 0;
    if (!rtm__user_id_valid(ps->to))
        refused = RTM_PEER_MESSAGE_ERR_INVALID_USERID;
    else if (!router_message_valid(ps->message, true))
        refused = RTM_PEER_MESSAGE_ERR_INVALID_MESSAGE;
    else if (!rtmd_request_rate_ok(rq))
        refused = RTM_PEER_MESSAGE_ERR_TOO_OFTEN;
    rtmd_call *call = rtmd_call_new(srv, RTMD_ENG_PEER_SEND, router_peer_sent, s->app_id,
                                    s->user_id, refused ? NULL : ps->to);
    if (!call) {
        rtmd_log(RTMD_LOG_ERROR, "%s/%s: out of memory sending a peer message", s->app_id,
                 s->user_id);
        rtmd_reply_result(rq, RTM_PEER_MESSAGE_ERR_FAILURE);
        return;
    }
    call->arg = refused == 0; /* it counted against the rate */
    Rtm__Wire__Message fwd;
    Rtm__Wire__CallSignal fwd_call;
    Rtm__Wire__MediaInfo fwd_media;
    if (!refused)
        fwd = router_forwarded(srv, ps->message, &fwd_call, &fwd_media);
    const rtmd_config *cfg = srv->cfg;
    call->op.in.peer_send = (struct rtmd_eng_peer_send){
        .from = { call->app, call->user },
        .to = call->id,
        .send_seq = ps->send_seq,
        .msg = refused ? NULL : &fwd,
        .refused = refused,
        .max_unacked = cfg->max_unacked,
        .unacked_max_bytes = cfg->unacked_max_bytes,
        .offline_max = ps->enable_offline ? cfg->offline_max : 0,
        .offline_max_bytes = cfg->offline_max_bytes,
    };
    rtmd_call_submit_for(rq, call);
}

/* A call whose completion has nothing to do. */
static void router_call_free(rtmd_eng_op *op)
{
    rtmd_call_free(rtmd_call_of(op));
}

void rtmd_router_peer_ack(const rtmd_req *rq, const rtm__frame *f)
{
    if (f->peer_ack->seq <= rq->s->acked_seq)
        return; /* nothing new: already acknowledged */
    rtmd_call *call = rtmd_call_new(rq->srv, RTMD_ENG_PEER_ACK, router_call_free, NULL, NULL,
                                    NULL);
    if (!call) {
        rtmd_log(RTMD_LOG_ERROR, "%s/%s: out of memory taking an acknowledgement",
                 rq->s->app_id, rq->s->user_id);
        return;
    }
    call->op.in.peer_ack.of = rtmd_session_user(rq->s);
    call->op.in.peer_ack.seq = f->peer_ack->seq;
    rq->s->acked_seq = f->peer_ack->seq;
    rtmd_call_submit(call);
}

void rtmd_router_offline_delivered(rtmd_server *srv, rtmd_session *s, const rtmd_eng_op *op)
{
    /* What was kept for the user comes at once, as a replay. */
    rtmd_send_replay_begin(s, false);
    router_deliver_frames(srv, s->app_id, s->user_id, op);
    srv->metrics.peer_dropped += op->offline.expired;
    uint32_t dropped = op->offline.dropped;
    if (op->offline.kept || op->offline.cached || op->offline.had || dropped)
        rtmd_log(RTMD_LOG_INFO,
                 "%s/%s: delivered %u peer messages kept from an ended session and %u "
                 "offline ones (%u it had, %u dropped while it was away)",
                 s->app_id, s->user_id, op->offline.kept, op->offline.cached,
                 op->offline.had, dropped);
    /* SPEC S9: a client back after its session ended (it names the session
     * it had) is told what was re-delivered and what a bound dropped. */
    if (op->in.login.session_id != 0 || dropped != 0) {
        Rtm__Wire__ReplayDone done = RTM__WIRE__REPLAY_DONE__INIT;
        done.peer_messages = op->offline.kept;
        done.peer_dropped = dropped;
        rtm__frame f = RTM__WIRE__FRAME__INIT;
        f.body_case = RTM__WIRE__FRAME__BODY_REPLAY_DONE;
        f.replay_done = &done;
        rtmd_send(s, &f);
    }
    rtmd_send_replay_end(s);
}

/* ---- channels ----------------------------------------------------------- */

static void router_joined(rtmd_eng_op *op)
{
    rtmd_call *call = rtmd_call_of(op);
    rtmd_server *srv = call->srv;
    rtmd_session *s = rtmd_call_session(call);
    const char *ch = call->id;
    rtmd_rate same = srv->cfg->rates[RTMD_RATE_JOIN_SAME];
    if (op->code == RTM_JOIN_CHANNEL_ERR_JOIN_SAME_CHANNEL_TOO_OFTEN)
        rtmd_log(RTMD_LOG_DEBUG, "%s/%s: joined %s %u times in %u ms: refused", call->app,
                 call->user, ch, same.count, same.period_ms);
    uint32_t id = call->answer.id;
    rtmd_later_result(&call->answer, op->code);
    if (op->code == RTM_JOIN_CHANNEL_ERR_OK) {
        if (s && rtmd_recent_joins_add(&s->rates->recent_joins, same, ch, srv->now.mono_ms) != 0)
            rtmd_log(RTMD_LOG_ERROR, "%s/%s: out of memory counting a join of %s",
                     call->app, call->user, ch);
        router_member_event(srv, call->app, call->user, ch, true, op->count, &op->users);
    }
    if (op->code == RTM_JOIN_CHANNEL_ERR_OK && op->in.join.replay && s) {
        /* SPEC S10 after S13: a rejoin replays what the client missed of
         * the channel, then a ReplayDone that answers the Join too. */
        rtmd_send_replay_begin(s, true);
        for (size_t i = 0; i < op->frames.count; i++)
            rtmd_send_encoded(s, op->frames.items[i].buf, op->frames.items[i].len);
        Rtm__Wire__ReplayDone done = RTM__WIRE__REPLAY_DONE__INIT;
        done.channel_messages = op->replay.channel_messages;
        done.channel_skipped = op->replay.channel_skipped;
        rtm__frame f = RTM__WIRE__FRAME__INIT;
        f.body_case = RTM__WIRE__FRAME__BODY_REPLAY_DONE;
        f.replay_done = &done;
        f.request_id = id;
        rtmd_send(s, &f);
        rtmd_send_replay_end(s);
        rtmd_log(RTMD_LOG_INFO, "%s/%s: rejoined %s: replayed %u channel messages (%u skipped)",
                 call->app, call->user, ch, done.channel_messages, done.channel_skipped);
    }
    rtmd_call_free(call);
}

void rtmd_router_join(const rtmd_req *rq, const rtm__frame *f)
{
    rtmd_server *srv = rq->srv;
    rtmd_session *s = rq->s;
    const Rtm__Wire__Join *j = f->join;
    const char *ch = j->channel;
    if (!rtm__channel_id_valid(ch)) {
        rtmd_reply_result(rq, RTM_JOIN_CHANNEL_ERR_INVALID_ARGUMENT);
        return;
    }
    /* Every join counts against the join rate; only the joins that succeed
     * count against the same channel's (they are what the others see). */
    if (!rtmd_request_rate_ok(rq)) {
        rtmd_reply_result(rq, RTM_JOIN_CHANNEL_ERR_TOO_OFTEN);
        return;
    }
    rtmd_call *call = rtmd_call_new(srv, RTMD_ENG_JOIN, router_joined, s->app_id, s->user_id, ch);
    if (!call) {
        rtmd_reply_result(rq, RTM_JOIN_CHANNEL_ERR_FAILURE);
        return;
    }
    const rtmd_config *cfg = srv->cfg;
    call->op.in.join = (struct rtmd_eng_join){
        .of = { call->app, call->user },
        .channel = call->id,
        .max_per_user = RTMD_MAX_CHANNELS_PER_SESSION,
        .seq_base = rtmd_wall_us(),
        .same_too_often = !rtmd_recent_joins_allow(&s->rates->recent_joins,
                                                   cfg->rates[RTMD_RATE_JOIN_SAME], ch,
                                                   srv->now.mono_ms),
        .replay = j->replay,
        .last_seq = j->last_seq,
        /* The replay window before its login (the reconnection). */
        .horizon_ms = rtmd_history_horizon(s->login_wall_ms, cfg->replay_window_ms),
        .replay_max = cfg->replay_max,
    };
    rtmd_call_submit_for(rq, call);
}

static void router_left(rtmd_eng_op *op)
{
    rtmd_call *call = rtmd_call_of(op);
    rtmd_later_result(&call->answer, op->code);
    if (op->code == RTM_LEAVE_CHANNEL_ERR_OK)
        router_member_event(call->srv, call->app, call->user, call->id, false, op->count,
                            &op->users);
    rtmd_call_free(call);
}

void rtmd_router_leave(const rtmd_req *rq, const rtm__frame *f)
{
    rtmd_session *s = rq->s;
    const char *ch = f->leave->channel ? f->leave->channel : "";
    /* LeaveChannelError has no TOO_OFTEN: over the rate is REJECTED. */
    if (!rtmd_request_rate_ok(rq)) {
        rtmd_reply_result(rq, RTM_LEAVE_CHANNEL_ERR_REJECTED);
        return;
    }
    rtmd_call *call = rtmd_call_new(rq->srv, RTMD_ENG_LEAVE, router_left, s->app_id, s->user_id,
                                    ch);
    if (!call) {
        rtmd_reply_result(rq, RTM_LEAVE_CHANNEL_ERR_FAILURE);
        return;
    }
    call->op.in.leave.of = (rtmd_user){ call->app, call->user };
    call->op.in.leave.channel = call->id;
    rtmd_call_submit_for(rq, call);
}

static void router_channel_sent(rtmd_eng_op *op)
{
    rtmd_call *call = rtmd_call_of(op);
    rtmd_server *srv = call->srv;
    if (!router_resent(call, op->in.channel_send.send_seq)) {
        rtmd_session *s = call->arg && (op->flags & RTMD_ENG_NOT_MEMBER)
                              ? rtmd_call_session(call)
                              : NULL;
        if (s) /* refused before its rate was counted */
            rtmd_session_rate_give_back(srv, s, RTMD_RATE_MESSAGES);
        for (size_t i = 0; i < op->frames.count; i++)
            rtmd_fan_out(srv, call->app, call->user, &op->users, op->frames.items[i].buf,
                         op->frames.items[i].len);
        if (op->flags & RTMD_ENG_UNHISTORIED)
            rtmd_log(RTMD_LOG_ERROR, "out of memory keeping a message of channel %s", call->id);
        if (op->flags & RTMD_ENG_HISTORY_FULL)
            rtmd_server_store_full(srv, RTMD_USAGE_HISTORY, NULL);
        if (op->code == RTM_CHANNEL_MESSAGE_ERR_OK)
            srv->metrics.messages_channel++;
    }
    rtmd_later_result(&call->answer, op->code);
    rtmd_call_free(call);
}

/* To the other members and into the channel's history (S10), exactly once
 * (B1, B2); the members in grace get it from the history when they
 * resume. */
void rtmd_router_channel_send(const rtmd_req *rq, const rtm__frame *f)
{
    rtmd_server *srv = rq->srv;
    rtmd_session *s = rq->s;
    const Rtm__Wire__ChannelSend *cs = f->channel_send;
    int refused =
        router_message_valid(cs->message, false) ? 0 : RTM_CHANNEL_MESSAGE_ERR_INVALID_MESSAGE;
    bool over_rate = !refused && !rtmd_request_rate_ok(rq);
    rtmd_call *call = rtmd_call_new(srv, RTMD_ENG_CHANNEL_SEND, router_channel_sent, s->app_id,
                                    s->user_id, cs->channel ? cs->channel : "");
    if (!call) {
        rtmd_log(RTMD_LOG_ERROR, "%s/%s: out of memory sending a channel message", s->app_id,
                 s->user_id);
        rtmd_reply_result(rq, RTM_CHANNEL_MESSAGE_ERR_FAILURE);
        return;
    }
    call->arg = !refused && !over_rate; /* it counted against the rate */
    Rtm__Wire__Message fwd;
    Rtm__Wire__CallSignal no_call; /* refused above */
    Rtm__Wire__MediaInfo fwd_media;
    if (!refused)
        fwd = router_forwarded(srv, cs->message, &no_call, &fwd_media);
    const rtmd_config *cfg = srv->cfg;
    uint64_t now = srv->now.wall_ms; /* the message's server_ts */
    call->op.in.channel_send = (struct rtmd_eng_channel_send){
        .from = { call->app, call->user },
        .channel = call->id,
        .send_seq = cs->send_seq,
        .msg = refused ? NULL : &fwd,
        .refused = refused,
        .over_rate = over_rate,
        .now_ms = now,
        .replay_max = cfg->replay_max,
        .horizon_ms = rtmd_history_horizon(now, cfg->replay_window_ms),
        .history_max_bytes = cfg->history_max_bytes,
    };
    rtmd_call_submit_for(rq, call);
}

static void router_members_done(rtmd_eng_op *op)
{
    rtmd_call *call = rtmd_call_of(op);
    Rtm__Wire__Members m = RTM__WIRE__MEMBERS__INIT;
    m.code = op->code == RTMD_STORE_OK       ? RTM_GET_MEMBERS_ERR_OK
             : op->code == RTMD_STORE_ABSENT ? RTM_GET_MEMBERS_ERR_NOT_IN_CHANNEL
                                             : RTM_GET_MEMBERS_ERR_FAILURE;
    /* A large channel: the first RTMD_MEMBER_EVENTS_MAX (sorted), as the
     * reference does. */
    rtmd_strv *users = &op->users;
    while (users->count > RTMD_MEMBER_EVENTS_MAX)
        free(users->items[--users->count]);
    m.users = users->items;
    m.n_users = users->count;
    rtm__frame f = RTM__WIRE__FRAME__INIT;
    f.body_case = RTM__WIRE__FRAME__BODY_MEMBERS;
    f.members = &m;
    rtmd_later_reply(&call->answer, &f);
    rtmd_call_free(call);
}

void rtmd_router_get_members(const rtmd_req *rq, const rtm__frame *req)
{
    rtmd_session *s = rq->s;
    const char *ch = req->get_members->channel ? req->get_members->channel : "";
    bool over_rate = !rtmd_request_rate_ok(rq);
    rtmd_call *call = over_rate ? NULL
                                : rtmd_call_new(rq->srv, RTMD_ENG_MEMBERS, router_members_done,
                                                s->app_id, s->user_id, ch);
    if (!call) {
        Rtm__Wire__Members m = RTM__WIRE__MEMBERS__INIT;
        m.code = over_rate ? RTM_GET_MEMBERS_ERR_TOO_OFTEN : RTM_GET_MEMBERS_ERR_FAILURE;
        rtm__frame f = RTM__WIRE__FRAME__INIT;
        f.body_case = RTM__WIRE__FRAME__BODY_MEMBERS;
        f.members = &m;
        rtmd_reply(rq, &f);
        return;
    }
    call->op.in.members.of = (rtmd_user){ call->app, call->user };
    call->op.in.members.channel = call->id;
    rtmd_call_submit_for(rq, call);
}

/* A MemberEvent{joined = false} of call->user, who left channel call->id
 * (call->n members after it), to the members listed. */
static void router_left_told(rtmd_eng_op *op)
{
    rtmd_call *call = rtmd_call_of(op);
    router_member_event(call->srv, call->app, call->user, call->id, false, (size_t)call->n,
                        op->code == RTMD_STORE_OK ? &op->users : NULL);
    rtmd_call_free(call);
}

void rtmd_router_tell_ended(rtmd_server *srv, const rtmd_ended_session *e)
{
    rtmd_router_tell_left(srv, e->app, e->user, &e->channels, e->counts, true);
    rtmd_presence_announce(srv, e->app, e->user, RTMD_PEER_OFFLINE);
}

void rtmd_router_tell_left(rtmd_server *srv, const char *app, const char *user,
                           const rtmd_strv *channels, const uint32_t *counts, bool notify)
{
    for (size_t i = 0; counts && i < channels->count; i++) {
        const char *ch = channels->items[i];
        size_t count = counts[i];
        rtmd_call *tell = notify && count + 1 <= RTMD_MEMBER_EVENTS_MAX
                              ? rtmd_call_new(srv, RTMD_ENG_MEMBERS, router_left_told, app,
                                              user, ch)
                              : NULL;
        if (!tell) {
            rtmd_member_count_changed(srv, app, ch, count);
            continue;
        }
        tell->n = count;
        tell->op.in.members.of = (rtmd_user){ tell->app, NULL };
        tell->op.in.members.channel = tell->id;
        rtmd_call_submit(tell);
    }
}

static void router_session_ended(rtmd_eng_op *op)
{
    rtmd_call *call = rtmd_call_of(op);
    rtmd_server *srv = call->srv;
    rtmd_router_tell_left(srv, call->app, call->user, &op->users, op->counts, call->arg);
    if (op->code != RTMD_STORE_OK && op->code != RTMD_STORE_ABSENT)
        rtmd_log(RTMD_LOG_ERROR, "%s/%s: out of memory ending the session (%d)", call->app,
                 call->user, op->code);
    srv->metrics.peer_dropped += op->dropped;
    uint32_t kept = op->offline.kept, dropped = op->offline.dropped;
    if (kept || dropped)
        rtmd_log(dropped ? RTMD_LOG_WARN : RTMD_LOG_INFO,
                 "%s/%s: session ended with %u peer messages unacknowledged: kept for the "
                 "next login (%u dropped)", call->app, call->user, kept, dropped);
    rtmd_call_free(call);
}

void rtmd_router_session_end(rtmd_server *srv, rtmd_session *s, bool notify)
{
    rtmd_call *call = rtmd_call_new(srv, RTMD_ENG_SESSION_END, router_session_ended,
                                    s->app_id, s->user_id, NULL);
    if (!call) {
        rtmd_log(RTMD_LOG_ERROR, "%s/%s: out of memory ending the session", s->app_id,
                 s->user_id);
        return;
    }
    call->arg = notify;
    call->op.in.session_end.of = (rtmd_user){ call->app, call->user };
    call->op.in.session_end.session_id = s->id;
    rtmd_call_submit(call);
}
