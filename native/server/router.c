/* router.c: peer messages and channels, between sessions. */
#include "router.h"

#include <stdlib.h>
#include <string.h>

#include "ids.h"
#include "log.h"
#include "member_count.h"
#include "outbox.h"
#include "replay.h"
#include "rtm/rtm_codes.h"

static bool router_message_valid(const Rtm__Wire__Message *m)
{
    if (!m)
        return false;
    return rtm__message_valid(m->text ? strlen(m->text) : 0, m->raw.len,
                              m->description ? strlen(m->description) : 0);
}

/* s joined or left channel: its count changes (member_count.c) and, with
 * notify, the other members get a MemberEvent, unless the channel has more
 * than RTMD_MEMBER_EVENTS_MAX members (the reference's 512). */
static void router_member_event(rtmd_server *srv, rtmd_session *s, const char *channel,
                                bool joined, bool notify)
{
    rtmd_member_count_changed(srv, s->app_id, channel);
    size_t with_s = rtmd_store_channel_member_count(srv->store, s->app_id, channel) +
                    (joined ? 0 : 1);
    if (!notify || with_s > RTMD_MEMBER_EVENTS_MAX)
        return;
    Rtm__Wire__MemberEvent ev = RTM__WIRE__MEMBER_EVENT__INIT;
    ev.channel = (char *)channel;
    ev.user = s->user_id;
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
    rtmd_fan_out(srv, s->app_id, s->user_id, channel, buf, len);
    free(buf);
}

/* ---- exactly-once sends (SPEC B1) --------------------------------------- */

/* Whether send_seq was processed already; if so, answers with its code. */
static bool router_resent(const rtmd_req *rq, uint64_t send_seq)
{
    rtmd_server *srv = rq->srv;
    rtmd_session *s = rq->s;
    int code;
    if (send_seq == 0 || !rtmd_store_sent_lookup(srv->store, rtmd_session_user(s), send_seq, &code))
        return false;
    rtmd_log(RTMD_LOG_DEBUG, "%s/%s: send_seq %llu sent again: answered %d, not delivered",
             s->app_id, s->user_id, (unsigned long long)send_seq, code);
    rtmd_reply_result(rq, code);
    return true;
}

/* Remembers the answer of send_seq, then answers. */
static void router_answer_send(const rtmd_req *rq, uint64_t send_seq, int code)
{
    rtmd_server *srv = rq->srv;
    rtmd_session *s = rq->s;
    if (send_seq && rtmd_store_sent_record(srv->store, rtmd_session_user(s), send_seq, code) != RTMD_STORE_OK)
        rtmd_log(RTMD_LOG_ERROR, "%s/%s: cannot remember the answer of send_seq %llu",
                 s->app_id, s->user_id, (unsigned long long)send_seq);
    rtmd_reply_result(rq, code);
}

/* ---- peers -------------------------------------------------------------- */

/* What is forwarded of a sender's message: its known fields, stamped with
 * the server's time. Fields the server does not know (protobuf-c keeps them)
 * are not passed on: some encodings of one (field 0 with an overlong tag)
 * decode but do not encode back, and the receivers would refuse the frame
 * and lose their link (SPEC B5). */
static Rtm__Wire__Message router_forwarded(rtmd_server *srv, const Rtm__Wire__Message *m)
{
    Rtm__Wire__Message out = RTM__WIRE__MESSAGE__INIT;
    out.type = m->type;
    out.text = m->text;
    out.raw = m->raw;
    out.description = m->description;
    out.server_ts = srv->now.wall_ms;
    out.offline = false;
    return out;
}

/* Sends a peer message to `to` as its next PeerDeliver, kept until
 * acknowledged to be re-delivered after a reconnection (S9). 0, or -1 when
 * it could not be kept (logged). */
static int router_push_to(rtmd_server *srv, rtmd_session *to, const char *from,
                          Rtm__Wire__Message *msg, bool replayed)
{
    Rtm__Wire__PeerDeliver d = RTM__WIRE__PEER_DELIVER__INIT;
    d.from = (char *)from;
    d.message = msg;
    d.seq = to->peer_seq + 1;
    d.replayed = replayed;
    rtm__frame f = RTM__WIRE__FRAME__INIT;
    f.body_case = RTM__WIRE__FRAME__BODY_PEER_DELIVER;
    f.peer_deliver = &d;
    size_t len;
    uint8_t *buf = rtmd_encode(&f, &len);
    if (!buf)
        return -1;
    rtmd_store_status st = rtmd_store_unacked_push(srv->store, rtmd_session_user(to), d.seq, buf, len,
                                                   srv->cfg->max_unacked);
    if (st != RTMD_STORE_OK && st != RTMD_STORE_LIMIT) {
        rtmd_log(RTMD_LOG_ERROR, "%s/%s: cannot keep peer message %llu (%d)", to->app_id,
                 to->user_id, (unsigned long long)d.seq, (int)st);
        free(buf);
        return -1;
    }
    to->peer_seq = d.seq;
    if (st == RTMD_STORE_LIMIT) {
        /* Reported in the session's next ReplayDone (peer_dropped). */
        srv->metrics.peer_dropped++;
        rtmd_log(RTMD_LOG_WARN,
                 "%s/%s: more than %u unacknowledged peer messages; the oldest dropped",
                 to->app_id, to->user_id, srv->cfg->max_unacked);
    }
    /* Not sent now (no link, or it just failed): it is in the queue, and
     * the resume re-delivers it. */
    rtmd_send_encoded(to, buf, len);
    free(buf);
    return 0;
}

/* Keeps a message for a user who is away (SPEC A6): CACHED_BY_SERVER, or
 * FAILURE when the store is over --offline-max-bytes or out of memory. */
static int router_keep_offline(rtmd_server *srv, rtmd_session *s, const char *to,
                               Rtm__Wire__Message *fwd)
{
    const rtmd_config *cfg = srv->cfg;
    fwd->offline = true;
    size_t len = rtm__wire__message__get_packed_size(fwd);
    if (rtmd_store_offline_bytes(srv->store) + len > cfg->offline_max_bytes) {
        uint64_t now = srv->now.mono_ms;
        if (srv->offline_full_logged_ms == 0 || now >= srv->offline_full_logged_ms + 60000) {
            rtmd_log(RTMD_LOG_WARN, "offline messages hold --offline-max-bytes (%llu bytes): "
                     "refusing more until some are delivered or expire",
                     (unsigned long long)cfg->offline_max_bytes);
            srv->offline_full_logged_ms = now;
        }
        return RTM_PEER_MESSAGE_ERR_FAILURE;
    }
    uint8_t *buf = malloc(len ? len : 1);
    if (!buf)
        return RTM_PEER_MESSAGE_ERR_FAILURE;
    rtm__wire__message__pack(fwd, buf);
    rtmd_offline_msg kept = { s->user_id, fwd->server_ts, buf, len, 0, 0 };
    rtmd_store_status st = rtmd_store_offline_push(srv->store, s->app_id, to, &kept,
                                                   cfg->offline_max);
    free(buf);
    if (st == RTMD_STORE_LIMIT) {
        /* SPEC S9: reported at the receiver's next login (peer_dropped). */
        srv->metrics.peer_dropped++;
        rtmd_log(RTMD_LOG_INFO, "%s/%s: more than %u offline messages: the oldest dropped",
                 s->app_id, to, cfg->offline_max);
    } else if (st != RTMD_STORE_OK)
        return RTM_PEER_MESSAGE_ERR_FAILURE;
    return RTM_PEER_MESSAGE_ERR_CACHED_BY_SERVER;
}

/* Delivers a PeerSend; returns its PeerMessageError code. */
static int router_peer_deliver(const rtmd_req *rq, Rtm__Wire__PeerSend *ps)
{
    rtmd_server *srv = rq->srv;
    rtmd_session *s = rq->s;
    if (!rtm__user_id_valid(ps->to))
        return RTM_PEER_MESSAGE_ERR_INVALID_USERID;
    if (!router_message_valid(ps->message))
        return RTM_PEER_MESSAGE_ERR_INVALID_MESSAGE;
    if (!rtmd_request_rate_ok(rq))
        return RTM_PEER_MESSAGE_ERR_TOO_OFTEN;
    Rtm__Wire__Message fwd = router_forwarded(srv, ps->message);
    /* A session in grace (no link) is still online (SPEC S12): its messages
     * are queued and re-delivered when it resumes (S9). */
    rtmd_session *to = rtmd_registry_find(&srv->sessions, s->app_id, ps->to);
    int code;
    if (!to)
        code = ps->enable_offline && srv->cfg->offline_max > 0
                   ? router_keep_offline(srv, s, ps->to, &fwd)
                   : RTM_PEER_MESSAGE_ERR_PEER_UNREACHABLE;
    else
        code = router_push_to(srv, to, s->user_id, &fwd, false) == 0 ? RTM_PEER_MESSAGE_ERR_OK
                                                              : RTM_PEER_MESSAGE_ERR_FAILURE;
    if (code == RTM_PEER_MESSAGE_ERR_OK || code == RTM_PEER_MESSAGE_ERR_CACHED_BY_SERVER)
        srv->metrics.messages_peer++;
    return code;
}

typedef struct {
    rtmd_server *srv;
    rtmd_session *s;
    const Rtm__Wire__Login *login;
    uint32_t kept, cached, had; /* delivered: of ended sessions, cached; skipped */
} router_offline_ctx;

/* offline_take's callback: one kept message to the session now in, unless
 * it is one of the ended session this client had and says it received. */
static void router_offline_one(const rtmd_offline_msg *o, void *closure)
{
    router_offline_ctx *ctx = closure;
    if (o->session_id != 0 && o->session_id == ctx->login->session_id &&
        o->seq <= ctx->login->peer_received) {
        ctx->had++;
        return;
    }
    Rtm__Wire__Message *m = rtm__wire__message__unpack(NULL, o->len, o->msg);
    if (!m) {
        rtmd_log(RTMD_LOG_ERROR, "%s/%s: a kept peer message cannot be decoded; dropped",
                 ctx->s->app_id, ctx->s->user_id);
        return;
    }
    if (router_push_to(ctx->srv, ctx->s, o->from, m, o->session_id != 0) == 0) {
        if (o->session_id != 0)
            ctx->kept++;
        else
            ctx->cached++;
    }
    rtm__wire__message__free_unpacked(m, NULL);
}

void rtmd_router_deliver_offline(rtmd_server *srv, rtmd_session *s,
                                 const Rtm__Wire__Login *login)
{
    router_offline_ctx ctx = { srv, s, login, 0, 0, 0 };
    uint64_t ttl = (uint64_t)srv->cfg->offline_ttl_s * 1000u, now = srv->now.wall_ms;
    uint32_t expired;
    uint32_t dropped = rtmd_store_offline_take(srv->store, s->app_id, s->user_id,
                                               now > ttl ? now - ttl : 0,
                                               router_offline_one, &ctx, &expired);
    srv->metrics.peer_dropped += expired;
    if (ctx.kept || ctx.cached || ctx.had || dropped)
        rtmd_log(RTMD_LOG_INFO,
                 "%s/%s: delivered %u peer messages kept from an ended session and %u "
                 "offline ones (%u it had, %u dropped while it was away)",
                 s->app_id, s->user_id, ctx.kept, ctx.cached, ctx.had, dropped);
    /* SPEC S9: a client back after its session ended (it names the session
     * it had) is told what was re-delivered and what a bound dropped. */
    if (login->session_id == 0 && dropped == 0)
        return;
    Rtm__Wire__ReplayDone done = RTM__WIRE__REPLAY_DONE__INIT;
    done.peer_messages = ctx.kept;
    done.peer_dropped = dropped;
    rtm__frame f = RTM__WIRE__FRAME__INIT;
    f.body_case = RTM__WIRE__FRAME__BODY_REPLAY_DONE;
    f.replay_done = &done;
    rtmd_send(s, &f);
}

typedef struct {
    rtmd_server *srv;
    rtmd_session *s;          /* the session that ends */
    uint32_t kept, failed;
} router_keep_ctx;

/* unacked_foreach's callback: one PeerDeliver of an ending session, kept
 * for its user with the session's id and its seq there. */
static void router_keep_one(uint64_t seq, uint64_t at_ms, const uint8_t *frame, size_t len,
                            void *closure)
{
    router_keep_ctx *ctx = closure;
    rtm__frame *f = NULL;
    uint8_t *msg = NULL;
    if (len < RTM__FRAME_HEADER ||
        rtm__frame_unpack(frame + RTM__FRAME_HEADER, len - RTM__FRAME_HEADER, &f) !=
            RTM__FRAME_OK ||
        f->body_case != RTM__WIRE__FRAME__BODY_PEER_DELIVER || !f->peer_deliver->message) {
        ctx->failed++;
        goto done;
    }
    const Rtm__Wire__PeerDeliver *d = f->peer_deliver;
    size_t n = rtm__wire__message__get_packed_size(d->message);
    msg = malloc(n ? n : 1);
    if (!msg) {
        ctx->failed++;
        goto done;
    }
    rtm__wire__message__pack(d->message, msg);
    rtmd_offline_msg o = { d->from ? d->from : "", d->message->server_ts, msg, n,
                           ctx->s->id, seq };
    if (rtmd_store_offline_push(ctx->srv->store, ctx->s->app_id, ctx->s->user_id, &o, 0) ==
        RTMD_STORE_OK)
        ctx->kept++;
    else
        ctx->failed++;
done:
    free(msg);
    rtm__frame_free(f);
}

void rtmd_router_keep_undelivered(rtmd_server *srv, rtmd_session *s)
{
    router_keep_ctx ctx = { srv, s, 0, 0 };
    uint32_t dropped = rtmd_store_unacked_take_dropped(srv->store, rtmd_session_user(s));
    rtmd_store_unacked_foreach(srv->store, rtmd_session_user(s), router_keep_one, &ctx);
    dropped += ctx.failed;
    if (dropped && rtmd_store_offline_dropped_add(srv->store, s->app_id, s->user_id,
                                                  dropped) != RTMD_STORE_OK)
        rtmd_log(RTMD_LOG_ERROR, "%s/%s: out of memory counting %u dropped peer messages",
                 s->app_id, s->user_id, dropped);
    srv->metrics.peer_dropped += ctx.failed;
    if (ctx.kept || dropped)
        rtmd_log(dropped ? RTMD_LOG_WARN : RTMD_LOG_INFO,
                 "%s/%s: session ended with %u peer messages unacknowledged: kept for the "
                 "next login (%u dropped)", s->app_id, s->user_id, ctx.kept, dropped);
}

void rtmd_router_peer_send(const rtmd_req *rq, const rtm__frame *f)
{
    Rtm__Wire__PeerSend *ps = f->peer_send;
    if (router_resent(rq, ps->send_seq))
        return;
    router_answer_send(rq, ps->send_seq, router_peer_deliver(rq, ps));
}

void rtmd_router_peer_ack(const rtmd_req *rq, const rtm__frame *f)
{
    rtmd_store_unacked_ack(rq->srv->store, rtmd_session_user(rq->s), f->peer_ack->seq);
}

/* ---- channels ----------------------------------------------------------- */

/* SPEC S10 after S13: a rejoin replays what the client missed of the
 * channel, from the replay window before its login (the reconnection). */
static void router_join_replay(const rtmd_req *rq, const Rtm__Wire__Join *j)
{
    rtmd_server *srv = rq->srv;
    rtmd_session *s = rq->s;
    Rtm__Wire__ReplayDone done = RTM__WIRE__REPLAY_DONE__INIT;
    rtmd_replay_channel(srv, s, j->channel, j->last_seq,
                        rtmd_history_horizon(s->login_wall_ms, srv->cfg->replay_window_ms),
                        &done.channel_messages, &done.channel_skipped);
    rtm__frame f = RTM__WIRE__FRAME__INIT;
    f.body_case = RTM__WIRE__FRAME__BODY_REPLAY_DONE;
    f.replay_done = &done;
    rtmd_reply(rq, &f);
    rtmd_log(RTMD_LOG_INFO, "%s/%s: rejoined %s: replayed %u channel messages (%u skipped)",
             s->app_id, s->user_id, j->channel, done.channel_messages,
             done.channel_skipped);
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
    rtmd_rate same = srv->cfg->rates[RTMD_RATE_JOIN_SAME];
    uint64_t now = srv->now.mono_ms;
    int code;
    if (!rtmd_request_rate_ok(rq)) {
        code = RTM_JOIN_CHANNEL_ERR_TOO_OFTEN;
    } else if (rtmd_store_channel_has(srv->store, rtmd_session_user(s), ch)) {
        code = RTM_JOIN_CHANNEL_ERR_ALREADY_JOINED;
    } else if (!rtmd_recent_joins_allow(&s->recent_joins, same, ch, now)) {
        rtmd_log(RTMD_LOG_DEBUG, "%s/%s: joined %s %u times in %u ms: refused", s->app_id,
                 s->user_id, ch, same.count, same.period_ms);
        code = RTM_JOIN_CHANNEL_ERR_JOIN_SAME_CHANNEL_TOO_OFTEN;
    } else {
        switch (rtmd_store_channel_join(srv->store, rtmd_session_user(s), ch, RTMD_MAX_CHANNELS_PER_SESSION,
                                        rtmd_wall_us())) {
        case RTMD_STORE_OK: code = RTM_JOIN_CHANNEL_ERR_OK; break;
        case RTMD_STORE_EXISTS: code = RTM_JOIN_CHANNEL_ERR_ALREADY_JOINED; break;
        case RTMD_STORE_LIMIT: code = RTM_JOIN_CHANNEL_ERR_EXCEED_LIMIT; break;
        default: code = RTM_JOIN_CHANNEL_ERR_FAILURE; break;
        }
    }
    rtmd_reply_result(rq, code);
    if (code == RTM_JOIN_CHANNEL_ERR_OK) {
        if (rtmd_recent_joins_add(&s->recent_joins, same, ch, now) != 0)
            rtmd_log(RTMD_LOG_ERROR, "%s/%s: out of memory counting a join of %s",
                     s->app_id, s->user_id, ch);
        router_member_event(srv, s, ch, true, true);
        if (j->replay)
            router_join_replay(rq, j);
    }
}

void rtmd_router_leave(const rtmd_req *rq, const rtm__frame *f)
{
    const char *ch = f->leave->channel;
    if (rtmd_store_channel_leave(rq->srv->store, rtmd_session_user(rq->s), ch) != RTMD_STORE_OK) {
        rtmd_reply_result(rq, RTM_LEAVE_CHANNEL_ERR_NOT_IN_CHANNEL);
        return;
    }
    rtmd_reply_result(rq, RTM_LEAVE_CHANNEL_ERR_OK);
    router_member_event(rq->srv, rq->s, ch, false, true);
}

/* Sends a ChannelSend to the other members and keeps it in the channel's
 * history; returns its ChannelMessageError code. */
static int router_channel_deliver(const rtmd_req *rq, Rtm__Wire__ChannelSend *cs)
{
    rtmd_server *srv = rq->srv;
    rtmd_session *s = rq->s;
    if (!router_message_valid(cs->message))
        return RTM_CHANNEL_MESSAGE_ERR_INVALID_MESSAGE;
    /* The 1.x codes have no NOT_IN_CHANNEL for messages: FAILURE. */
    if (!rtmd_store_channel_has(srv->store, rtmd_session_user(s), cs->channel))
        return RTM_CHANNEL_MESSAGE_ERR_FAILURE;
    if (!rtmd_request_rate_ok(rq))
        return RTM_CHANNEL_MESSAGE_ERR_TOO_OFTEN;
    Rtm__Wire__Message fwd = router_forwarded(srv, cs->message);
    Rtm__Wire__ChannelDeliver d = RTM__WIRE__CHANNEL_DELIVER__INIT;
    d.channel = cs->channel;
    d.from = s->user_id;
    d.message = &fwd;
    d.seq = rtmd_store_channel_next_seq(srv->store, s->app_id, cs->channel);
    rtm__frame f = RTM__WIRE__FRAME__INIT;
    f.body_case = RTM__WIRE__FRAME__BODY_CHANNEL_DELIVER;
    f.channel_deliver = &d;
    size_t len;
    uint8_t *buf = rtmd_encode(&f, &len);
    if (!buf)
        return RTM_CHANNEL_MESSAGE_ERR_FAILURE;
    /* Members in grace get it from the history when they resume (S10). */
    rtmd_fan_out(srv, s->app_id, s->user_id, cs->channel, buf, len);
    uint64_t now = srv->now.wall_ms; /* the message's server_ts */
    if (rtmd_store_history_push(srv->store, s->app_id, cs->channel, d.seq, now, buf, len,
                                srv->cfg->replay_max,
                                rtmd_history_horizon(now, srv->cfg->replay_window_ms)) ==
        RTMD_STORE_NOMEM)
        rtmd_log(RTMD_LOG_ERROR, "out of memory keeping message %llu of channel %s",
                 (unsigned long long)d.seq, cs->channel);
    free(buf);
    srv->metrics.messages_channel++;
    return RTM_CHANNEL_MESSAGE_ERR_OK;
}

void rtmd_router_channel_send(const rtmd_req *rq, const rtm__frame *f)
{
    Rtm__Wire__ChannelSend *cs = f->channel_send;
    if (router_resent(rq, cs->send_seq))
        return;
    router_answer_send(rq, cs->send_seq, router_channel_deliver(rq, cs));
}

void rtmd_router_get_members(const rtmd_req *rq, const rtm__frame *req)
{
    rtmd_server *srv = rq->srv;
    rtmd_session *s = rq->s;
    const char *ch = req->get_members->channel;
    Rtm__Wire__Members m = RTM__WIRE__MEMBERS__INIT;
    rtmd_strv users = { NULL, 0 };
    if (!rtmd_store_channel_has(srv->store, rtmd_session_user(s), ch))
        m.code = RTM_GET_MEMBERS_ERR_NOT_IN_CHANNEL;
    else if (rtmd_store_channel_members(srv->store, s->app_id, ch, &users) != RTMD_STORE_OK)
        m.code = RTM_GET_MEMBERS_ERR_FAILURE;
    /* A large channel: the first RTMD_MEMBER_EVENTS_MAX (sorted), as the
     * reference does. */
    while (users.count > RTMD_MEMBER_EVENTS_MAX)
        free(users.items[--users.count]);
    m.users = users.items;
    m.n_users = users.count;
    rtm__frame f = RTM__WIRE__FRAME__INIT;
    f.body_case = RTM__WIRE__FRAME__BODY_MEMBERS;
    f.members = &m;
    rtmd_reply(rq, &f);
    rtmd_strv_free(&users);
}

void rtmd_router_leave_all(rtmd_server *srv, rtmd_session *s, bool notify)
{
    rtmd_strv channels;
    if (rtmd_store_session_channels(srv->store, rtmd_session_user(s), &channels) != RTMD_STORE_OK)
        return;
    for (size_t i = 0; i < channels.count; i++) {
        rtmd_store_channel_leave(srv->store, rtmd_session_user(s), channels.items[i]);
        router_member_event(srv, s, channels.items[i], false, notify);
    }
    rtmd_strv_free(&channels);
}
