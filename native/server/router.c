/* router.c: peer messages and channels, between sessions. */
#include "router.h"

#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "ids.h"
#include "log.h"
#include "member_count.h"
#include "replay.h"
#include "rtm/rtm_codes.h"
#include "token_expiry.h"

static void router_result(rtmd_session *s, uint32_t request_id, int code)
{
    Rtm__Wire__Result r = RTM__WIRE__RESULT__INIT;
    r.code = code;
    rtm__frame f = RTM__WIRE__FRAME__INIT;
    f.request_id = request_id;
    f.body_case = RTM__WIRE__FRAME__BODY_RESULT;
    f.result = &r;
    rtmd_conn_send(s->link, &f);
}

static bool router_message_valid(const Rtm__Wire__Message *m)
{
    if (!m)
        return false;
    return rtm__message_valid(m->text ? strlen(m->text) : 0, m->raw.len,
                              m->description ? strlen(m->description) : 0);
}

/* Encodes f once into a new buffer; NULL when out of memory. */
static uint8_t *router_encode(const rtm__frame *f, size_t *len)
{
    *len = rtm__frame_encoded_size(f);
    uint8_t *buf = malloc(*len);
    if (buf)
        *len = rtm__frame_encode(f, buf);
    return buf;
}

void rtmd_router_fan_out(rtmd_server *srv, const char *app_id, const char *except,
                         const char *channel, const uint8_t *buf, size_t len)
{
    rtmd_strv members;
    if (rtmd_store_channel_members(srv->store, app_id, channel, &members) ==
        RTMD_STORE_NOMEM) {
        rtmd_log(RTMD_LOG_ERROR, "out of memory listing channel %s", channel);
        return;
    }
    for (size_t i = 0; i < members.count; i++) {
        if (except && strcmp(members.items[i], except) == 0)
            continue;
        rtmd_session *to = rtmd_store_session_find(srv->store, app_id, members.items[i]);
        if (to && rtmd_conn_is_open(to->link))
            rtmd_conn_send_encoded(to->link, buf, len);
    }
    rtmd_strv_free(&members);
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
    uint8_t *buf = router_encode(&f, &len);
    if (!buf) {
        rtmd_log(RTMD_LOG_ERROR, "out of memory sending a member event of %s", channel);
        return;
    }
    rtmd_router_fan_out(srv, s->app_id, s->user_id, channel, buf, len);
    free(buf);
}

/* ---- exactly-once sends (SPEC B1) --------------------------------------- */

/* Whether send_seq was processed already; if so, answers with its code. */
static bool router_resent(rtmd_server *srv, rtmd_session *s, uint32_t rid,
                          uint64_t send_seq)
{
    int code;
    if (send_seq == 0 || !rtmd_store_sent_lookup(srv->store, s, send_seq, &code))
        return false;
    rtmd_log(RTMD_LOG_DEBUG, "%s/%s: send_seq %llu sent again: answered %d, not delivered",
             s->app_id, s->user_id, (unsigned long long)send_seq, code);
    router_result(s, rid, code);
    return true;
}

/* Remembers the answer of send_seq, then answers. */
static void router_answer_send(rtmd_server *srv, rtmd_session *s, uint32_t rid,
                               uint64_t send_seq, int code)
{
    if (send_seq && rtmd_store_sent_record(srv->store, s, send_seq, code) != RTMD_STORE_OK)
        rtmd_log(RTMD_LOG_ERROR, "%s/%s: cannot remember the answer of send_seq %llu",
                 s->app_id, s->user_id, (unsigned long long)send_seq);
    router_result(s, rid, code);
}

/* ---- peers -------------------------------------------------------------- */

/* What is forwarded of a sender's message: its known fields, stamped with
 * the server's time. Fields the server does not know (protobuf-c keeps them)
 * are not passed on: some encodings of one (field 0 with an overlong tag)
 * decode but do not encode back, and the receivers would refuse the frame
 * and lose their link (SPEC B5). */
static Rtm__Wire__Message router_forwarded(const Rtm__Wire__Message *m)
{
    Rtm__Wire__Message out = RTM__WIRE__MESSAGE__INIT;
    out.type = m->type;
    out.text = m->text;
    out.raw = m->raw;
    out.description = m->description;
    out.server_ts = rtmd_wall_ms();
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
    uint8_t *buf = router_encode(&f, &len);
    if (!buf)
        return -1;
    rtmd_store_status st = rtmd_store_unacked_push(srv->store, to, d.seq, buf, len,
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
    if (rtmd_conn_is_open(to->link))
        rtmd_conn_send_encoded(to->link, buf, len);
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
        uint64_t now = rtmd_now_ms();
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
static int router_peer_deliver(rtmd_server *srv, rtmd_session *s, Rtm__Wire__PeerSend *ps)
{
    if (!rtm__user_id_valid(ps->to))
        return RTM_PEER_MESSAGE_ERR_INVALID_USERID;
    if (!router_message_valid(ps->message))
        return RTM_PEER_MESSAGE_ERR_INVALID_MESSAGE;
    if (!rtmd_session_rate_take(srv, s, RTMD_RATE_MESSAGES))
        return RTM_PEER_MESSAGE_ERR_TOO_OFTEN;
    Rtm__Wire__Message fwd = router_forwarded(ps->message);
    /* A session in grace (no link) is still online (SPEC S12): its messages
     * are queued and re-delivered when it resumes (S9). */
    rtmd_session *to = rtmd_store_session_find(srv->store, s->app_id, ps->to);
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
    uint64_t ttl = (uint64_t)srv->cfg->offline_ttl_s * 1000u, now = rtmd_wall_ms();
    uint32_t dropped = rtmd_store_offline_take(srv->store, s->app_id, s->user_id,
                                               now > ttl ? now - ttl : 0,
                                               router_offline_one, &ctx);
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
    rtmd_conn_send(s->link, &f);
}

/* unacked_foreach's callback: one PeerDeliver of an ending session, kept
 * for its user with the session's id and its seq there. */
typedef struct {
    rtmd_server *srv;
    rtmd_session *s;
    uint32_t kept, failed;
} router_keep_ctx;

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
    uint32_t dropped = rtmd_store_unacked_take_dropped(srv->store, s);
    rtmd_store_unacked_foreach(srv->store, s, router_keep_one, &ctx);
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

static void router_peer_send(rtmd_server *srv, rtmd_session *s, uint32_t rid,
                             Rtm__Wire__PeerSend *ps)
{
    if (router_resent(srv, s, rid, ps->send_seq))
        return;
    router_answer_send(srv, s, rid, ps->send_seq, router_peer_deliver(srv, s, ps));
}

static void router_peer_ack(rtmd_server *srv, rtmd_session *s, const Rtm__Wire__PeerAck *a)
{
    rtmd_store_unacked_ack(srv->store, s, a->seq);
}

/* ---- channels ----------------------------------------------------------- */

/* SPEC S10 after S13: a rejoin replays what the client missed of the
 * channel, from the replay window before its login (the reconnection). */
static void router_join_replay(rtmd_server *srv, rtmd_session *s, uint32_t rid,
                               const Rtm__Wire__Join *j)
{
    Rtm__Wire__ReplayDone done = RTM__WIRE__REPLAY_DONE__INIT;
    uint64_t window = srv->cfg->replay_window_ms;
    rtmd_replay_channel(srv, s, j->channel, j->last_seq,
                        s->login_ms > window ? s->login_ms - window : 0,
                        &done.channel_messages, &done.channel_skipped);
    rtm__frame f = RTM__WIRE__FRAME__INIT;
    f.request_id = rid;
    f.body_case = RTM__WIRE__FRAME__BODY_REPLAY_DONE;
    f.replay_done = &done;
    rtmd_conn_send(s->link, &f);
    rtmd_log(RTMD_LOG_INFO, "%s/%s: rejoined %s: replayed %u channel messages (%u skipped)",
             s->app_id, s->user_id, j->channel, done.channel_messages,
             done.channel_skipped);
}

static void router_join(rtmd_server *srv, rtmd_session *s, uint32_t rid,
                        const Rtm__Wire__Join *j)
{
    const char *ch = j->channel;
    if (!rtm__channel_id_valid(ch)) {
        router_result(s, rid, RTM_JOIN_CHANNEL_ERR_INVALID_ARGUMENT);
        return;
    }
    /* Every join counts against the join rate; only the joins that succeed
     * count against the same channel's (they are what the others see). */
    rtmd_rate same = srv->cfg->rates[RTMD_RATE_JOIN_SAME];
    uint64_t now = rtmd_now_ms();
    int code;
    if (!rtmd_session_rate_take(srv, s, RTMD_RATE_JOIN)) {
        code = RTM_JOIN_CHANNEL_ERR_TOO_OFTEN;
    } else if (rtmd_store_channel_has(srv->store, s, ch)) {
        code = RTM_JOIN_CHANNEL_ERR_ALREADY_JOINED;
    } else if (!rtmd_recent_joins_allow(&s->recent_joins, same, ch, now)) {
        rtmd_log(RTMD_LOG_DEBUG, "%s/%s: joined %s %u times in %u ms: refused", s->app_id,
                 s->user_id, ch, same.count, same.period_ms);
        code = RTM_JOIN_CHANNEL_ERR_JOIN_SAME_CHANNEL_TOO_OFTEN;
    } else {
        switch (rtmd_store_channel_join(srv->store, s, ch, RTMD_MAX_CHANNELS_PER_SESSION,
                                        rtmd_wall_us())) {
        case RTMD_STORE_OK: code = RTM_JOIN_CHANNEL_ERR_OK; break;
        case RTMD_STORE_EXISTS: code = RTM_JOIN_CHANNEL_ERR_ALREADY_JOINED; break;
        case RTMD_STORE_LIMIT: code = RTM_JOIN_CHANNEL_ERR_EXCEED_LIMIT; break;
        default: code = RTM_JOIN_CHANNEL_ERR_FAILURE; break;
        }
    }
    router_result(s, rid, code);
    if (code == RTM_JOIN_CHANNEL_ERR_OK) {
        if (rtmd_recent_joins_add(&s->recent_joins, same, ch, now) != 0)
            rtmd_log(RTMD_LOG_ERROR, "%s/%s: out of memory counting a join of %s",
                     s->app_id, s->user_id, ch);
        router_member_event(srv, s, ch, true, true);
        if (j->replay)
            router_join_replay(srv, s, rid, j);
    }
}

static void router_leave(rtmd_server *srv, rtmd_session *s, uint32_t rid, const char *ch)
{
    if (rtmd_store_channel_leave(srv->store, s, ch) != RTMD_STORE_OK) {
        router_result(s, rid, RTM_LEAVE_CHANNEL_ERR_NOT_IN_CHANNEL);
        return;
    }
    router_result(s, rid, RTM_LEAVE_CHANNEL_ERR_OK);
    router_member_event(srv, s, ch, false, true);
}

/* Sends a ChannelSend to the other members and keeps it in the channel's
 * history; returns its ChannelMessageError code. */
static int router_channel_deliver(rtmd_server *srv, rtmd_session *s,
                                  Rtm__Wire__ChannelSend *cs)
{
    if (!router_message_valid(cs->message))
        return RTM_CHANNEL_MESSAGE_ERR_INVALID_MESSAGE;
    /* The 1.x codes have no NOT_IN_CHANNEL for messages: FAILURE. */
    if (!rtmd_store_channel_has(srv->store, s, cs->channel))
        return RTM_CHANNEL_MESSAGE_ERR_FAILURE;
    if (!rtmd_session_rate_take(srv, s, RTMD_RATE_MESSAGES))
        return RTM_CHANNEL_MESSAGE_ERR_TOO_OFTEN;
    Rtm__Wire__Message fwd = router_forwarded(cs->message);
    Rtm__Wire__ChannelDeliver d = RTM__WIRE__CHANNEL_DELIVER__INIT;
    d.channel = cs->channel;
    d.from = s->user_id;
    d.message = &fwd;
    d.seq = rtmd_store_channel_next_seq(srv->store, s->app_id, cs->channel);
    rtm__frame f = RTM__WIRE__FRAME__INIT;
    f.body_case = RTM__WIRE__FRAME__BODY_CHANNEL_DELIVER;
    f.channel_deliver = &d;
    size_t len;
    uint8_t *buf = router_encode(&f, &len);
    if (!buf)
        return RTM_CHANNEL_MESSAGE_ERR_FAILURE;
    /* Members in grace get it from the history when they resume (S10). */
    rtmd_router_fan_out(srv, s->app_id, s->user_id, cs->channel, buf, len);
    uint64_t now = rtmd_now_ms(), window = srv->cfg->replay_window_ms;
    if (rtmd_store_history_push(srv->store, s->app_id, cs->channel, d.seq, now, buf, len,
                                srv->cfg->replay_max,
                                now > window ? now - window : 0) == RTMD_STORE_NOMEM)
        rtmd_log(RTMD_LOG_ERROR, "out of memory keeping message %llu of channel %s",
                 (unsigned long long)d.seq, cs->channel);
    free(buf);
    srv->metrics.messages_channel++;
    return RTM_CHANNEL_MESSAGE_ERR_OK;
}

static void router_channel_send(rtmd_server *srv, rtmd_session *s, uint32_t rid,
                                Rtm__Wire__ChannelSend *cs)
{
    if (router_resent(srv, s, rid, cs->send_seq))
        return;
    router_answer_send(srv, s, rid, cs->send_seq, router_channel_deliver(srv, s, cs));
}

static void router_get_members(rtmd_server *srv, rtmd_session *s, uint32_t rid,
                               const char *ch)
{
    Rtm__Wire__Members m = RTM__WIRE__MEMBERS__INIT;
    rtmd_strv users = { NULL, 0 };
    if (!rtmd_store_channel_has(srv->store, s, ch))
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
    f.request_id = rid;
    f.body_case = RTM__WIRE__FRAME__BODY_MEMBERS;
    f.members = &m;
    rtmd_conn_send(s->link, &f);
    rtmd_strv_free(&users);
}

bool rtmd_router_request(rtmd_server *srv, rtmd_session *s, rtm__frame *f)
{
    uint32_t rid = f->request_id;
    switch (f->body_case) {
    case RTM__WIRE__FRAME__BODY_PEER_SEND:
        router_peer_send(srv, s, rid, f->peer_send);
        return true;
    case RTM__WIRE__FRAME__BODY_PEER_ACK:
        router_peer_ack(srv, s, f->peer_ack);
        return true;
    case RTM__WIRE__FRAME__BODY_JOIN:
        router_join(srv, s, rid, f->join);
        return true;
    case RTM__WIRE__FRAME__BODY_LEAVE:
        router_leave(srv, s, rid, f->leave->channel);
        return true;
    case RTM__WIRE__FRAME__BODY_CHANNEL_SEND:
        router_channel_send(srv, s, rid, f->channel_send);
        return true;
    case RTM__WIRE__FRAME__BODY_GET_MEMBERS:
        router_get_members(srv, s, rid, f->get_members->channel);
        return true;
    case RTM__WIRE__FRAME__BODY_GET_MEMBER_COUNT:
        rtmd_member_count_request(srv, s, rid, f->get_member_count);
        return true;
    case RTM__WIRE__FRAME__BODY_RENEW_TOKEN:
        rtmd_token_renew(srv, s, rid, f->renew_token);
        return true;
    default:
        return false;
    }
}

void rtmd_router_leave_all(rtmd_server *srv, rtmd_session *s, bool notify)
{
    rtmd_strv channels;
    if (rtmd_store_session_channels(srv->store, s, &channels) != RTMD_STORE_OK)
        return;
    for (size_t i = 0; i < channels.count; i++) {
        rtmd_store_channel_leave(srv->store, s, channels.items[i]);
        router_member_event(srv, s, channels.items[i], false, notify);
    }
    rtmd_strv_free(&channels);
}
