/* engine.c: the operations on the in-memory store, as engines that keep it
 * apply them, and what every engine shares. */
#include "engine.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "attrs.h"
#include "auth.h"
#include "config.h"
#include "cost.h"
#include "frame.h"
#include "ids.h"
#include "replay.h"
#include "rtm/rtm_codes.h"

void rtmd_bufv_free(rtmd_bufv *v)
{
    for (size_t i = 0; i < v->count; i++)
        free(v->items[i].buf);
    free(v->items);
    v->items = NULL;
    v->count = 0;
}

void rtmd_engine_op_clear(rtmd_eng_op *op)
{
    rtmd_attrv_free(&op->attrs);
    rtmd_banv_free(&op->bans);
    rtmd_strv_free(&op->users);
    rtmd_bufv_free(&op->frames);
    free(op->counts);
    op->counts = NULL;
    for (size_t i = 0; i < op->sessions.count; i++) {
        free(op->sessions.items[i].app);
        free(op->sessions.items[i].user);
        free(op->sessions.items[i].node);
    }
    free(op->sessions.items);
    op->sessions = (rtmd_sessionv){ NULL, 0 };
    for (size_t i = 0; i < op->ended.count; i++) {
        free(op->ended.items[i].app);
        free(op->ended.items[i].user);
        rtmd_strv_free(&op->ended.items[i].channels);
        free(op->ended.items[i].counts);
    }
    free(op->ended.items);
    op->ended = (rtmd_endedv){ NULL, 0 };
}

/* ---- peer messages ------------------------------------------------------ */

int rtmd_bufv_push(rtmd_bufv *v, uint8_t *buf, size_t len)
{
    rtmd_buf *items = realloc(v->items, (v->count + 1) * sizeof *items);
    if (!items) {
        free(buf);
        return -1;
    }
    v->items = items;
    v->items[v->count++] = (rtmd_buf){ buf, len };
    return 0;
}

/* Queues msg from `from` as the next PeerDeliver of to's session (m: its
 * meta, whose peer_seq moves on) until acknowledged, and adds the frame to
 * op->frames. 0, or -1 (RTMD_ENG_UNKEPT) when it could not be queued, or
 * -1 (RTMD_ENG_UNACKED_FULL, nothing done) when max_bytes is not 0 and the
 * deliveries not acknowledged would hold more. */
static int apply_deliver(rtmd_store *st, rtmd_user to, rtmd_session_meta *m,
                         const char *from, const Rtm__Wire__Message *msg, bool replayed,
                         size_t max, uint64_t max_bytes, rtmd_eng_op *op)
{
    Rtm__Wire__PeerDeliver d = RTM__WIRE__PEER_DELIVER__INIT;
    d.from = (char *)from;
    d.message = (Rtm__Wire__Message *)msg;
    d.seq = m->peer_seq + 1;
    d.replayed = replayed;
    rtm__frame f = RTM__WIRE__FRAME__INIT;
    f.body_case = RTM__WIRE__FRAME__BODY_PEER_DELIVER;
    f.peer_deliver = &d;
    size_t len = rtm__frame_encoded_size(&f);
    /* The check does not credit the delivery a full queue (max) drops to
     * make room: at the bound in all, such a send is refused though it
     * would not grow what is held. */
    if (max_bytes &&
        rtmd_store_usage(st, RTMD_USAGE_UNACKED, NULL) + rtmd_cost_frame(len) > max_bytes) {
        op->flags |= RTMD_ENG_UNACKED_FULL;
        return -1;
    }
    uint8_t *buf = malloc(len);
    rtmd_store_status r = RTMD_STORE_NOMEM;
    if (buf) {
        len = rtm__frame_encode(&f, buf);
        r = rtmd_store_unacked_push(st, to, d.seq, buf, len, max);
    }
    if (r != RTMD_STORE_OK && r != RTMD_STORE_LIMIT) {
        free(buf);
        op->flags |= RTMD_ENG_UNKEPT;
        return -1;
    }
    m->peer_seq = d.seq;
    if (r == RTMD_STORE_LIMIT)
        op->dropped++;
    /* Not in the list (memory): it is queued, and a resume sends it. */
    rtmd_bufv_push(&op->frames, buf, len);
    return 0;
}

/* Keeps msg for an absent user (SPEC A6): CACHED_BY_SERVER, or FAILURE
 * when the store holds offline_max_bytes or is out of memory. */
static int apply_keep_offline(rtmd_store *st, rtmd_eng_op *op)
{
    const struct rtmd_eng_peer_send *in = &op->in.peer_send;
    Rtm__Wire__Message kept = *in->msg;
    kept.offline = true;
    size_t len = rtm__wire__message__get_packed_size(&kept);
    if (rtmd_store_usage(st, RTMD_USAGE_OFFLINE, NULL) + rtmd_cost_offline(len, in->from.user) >
        in->offline_max_bytes) {
        op->flags |= RTMD_ENG_OFFLINE_FULL;
        return RTM_PEER_MESSAGE_ERR_FAILURE;
    }
    uint8_t *buf = malloc(len ? len : 1);
    if (!buf)
        return RTM_PEER_MESSAGE_ERR_FAILURE;
    rtm__wire__message__pack(&kept, buf);
    rtmd_offline_msg m = { in->from.user, kept.server_ts, buf, len, 0, 0 };
    rtmd_store_status r = rtmd_store_offline_push(st, in->from.app, in->to, &m,
                                                  in->offline_max);
    free(buf);
    if (r == RTMD_STORE_LIMIT)
        op->dropped++;
    else if (r != RTMD_STORE_OK)
        return RTM_PEER_MESSAGE_ERR_FAILURE;
    return RTM_PEER_MESSAGE_ERR_CACHED_BY_SERVER;
}

/* A send exactly once (SPEC B1): the answer of send_seq (0: none) if it
 * was processed already (RESENT: nothing else is done), else body's,
 * remembered under send_seq. */
static int apply_once(rtmd_store *st, rtmd_user from, uint64_t send_seq, rtmd_eng_op *op,
                      int (*body)(rtmd_store *st, rtmd_eng_op *op))
{
    int code;
    if (send_seq && rtmd_store_sent_lookup(st, from, send_seq, &code)) {
        op->flags |= RTMD_ENG_RESENT;
        return code;
    }
    code = body(st, op);
    if (send_seq && rtmd_store_sent_record(st, from, send_seq, code) != RTMD_STORE_OK)
        op->flags |= RTMD_ENG_UNRECORDED;
    return code;
}

/* A PeerSend: the node's refusal, or its delivery to the receiver's
 * session (online or in its grace: S9, S12), or its keeping for an absent
 * receiver (A6). */
static int apply_peer_send(rtmd_store *st, rtmd_eng_op *op)
{
    const struct rtmd_eng_peer_send *in = &op->in.peer_send;
    rtmd_user to = { in->from.app, in->to };
    rtmd_session_meta m;
    if (in->refused)
        return in->refused;
    if (rtmd_store_session_meta_get(st, to, &m)) {
        op->session_id = m.id;
        return apply_deliver(st, to, &m, in->from.user, in->msg, false, in->max_unacked,
                             in->unacked_max_bytes, op) == 0
                   ? RTM_PEER_MESSAGE_ERR_OK
                   : RTM_PEER_MESSAGE_ERR_FAILURE;
    }
    if (in->offline_max > 0)
        return apply_keep_offline(st, op);
    return RTM_PEER_MESSAGE_ERR_PEER_UNREACHABLE;
}

typedef struct {
    rtmd_store *st;
    rtmd_eng_op *op;
    const struct rtmd_eng_login *in;
    rtmd_session_meta meta;
} offline_pass;

/* offline_take's callback: one kept message queued to the new session,
 * unless it is one of the ended session the client had and says it
 * received. */
static void apply_offline_one(const rtmd_offline_msg *o, void *closure)
{
    offline_pass *p = closure;
    const struct rtmd_eng_login *in = p->in;
    if (o->session_id != 0 && o->session_id == in->session_id && o->seq <= in->peer_received) {
        p->op->offline.had++;
        return;
    }
    Rtm__Wire__Message *m = rtm__wire__message__unpack(NULL, o->len, o->msg);
    if (!m) {
        p->op->flags |= RTMD_ENG_UNKEPT; /* cannot be decoded: dropped */
        return;
    }
    /* Accepted already: moved from one queue to the other, never refused. */
    if (apply_deliver(p->st, in->of, &p->meta, o->from, m, o->session_id != 0,
                      in->max_unacked, 0, p->op) == 0) {
        if (o->session_id != 0)
            p->op->offline.kept++;
        else
            p->op->offline.cached++;
    }
    rtm__wire__message__free_unpacked(m, NULL);
}

/* What was kept for the user of a session just made (login, meta: its
 * meta) is queued to it. */
static void apply_offline_take(rtmd_store *st, const struct rtmd_eng_login *in, rtmd_eng_op *op,
                               const rtmd_session_meta *meta)
{
    offline_pass p = { st, op, in, *meta };
    op->offline.dropped = rtmd_store_offline_take(st, in->of.app, in->of.user,
                                                  in->offline_horizon_ms, apply_offline_one, &p,
                                                  &op->offline.expired);
}

/* Keeps in v only the entries whose key is one of keys (all when n_keys is
 * 0), in their order. */
static void keep_keys(rtmd_attrv *v, char *const *keys, size_t n_keys)
{
    if (n_keys == 0)
        return;
    size_t kept = 0;
    for (size_t i = 0; i < v->count; i++) {
        bool wanted = false;
        for (size_t k = 0; !wanted && k < n_keys; k++)
            wanted = keys[k] && strcmp(keys[k], v->items[i].key) == 0;
        if (wanted) {
            v->items[kept++] = v->items[i];
            continue;
        }
        free(v->items[i].key);
        free(v->items[i].value);
        free(v->items[i].by);
    }
    v->count = kept;
}

/* Each returns the operation's AttributeOperationError. */
static int apply_attrs_get(rtmd_store *st, rtmd_user of, rtmd_attrv *out)
{
    if (!rtmd_store_session_has(st, of))
        return RTM_ATTRIBUTE_OPERATION_ERR_USER_NOT_FOUND;
    return rtmd_store_attrs_get(st, of, out) == RTMD_STORE_OK
               ? RTM_ATTRIBUTE_OPERATION_ERR_OK
               : RTM_ATTRIBUTE_OPERATION_ERR_FAILURE;
}

static int apply_attrs_set(rtmd_store *st, rtmd_user of,
                           const Rtm__Wire__SetAttributes *change)
{
    rtmd_attrv cur = { 0 }, next = { 0 };
    int code = apply_attrs_get(st, of, &cur);
    if (code == RTM_ATTRIBUTE_OPERATION_ERR_USER_NOT_FOUND)
        code = RTM_ATTRIBUTE_OPERATION_ERR_FAILURE; /* the asker has no session */
    if (code == 0)
        code = rtmd_attrs_apply(&cur, change, RTM__ATTR_TOTAL_MAX, NULL, 0, &next);
    if (code == 0 && rtmd_store_attrs_put(st, of, &next) != RTMD_STORE_OK)
        code = RTM_ATTRIBUTE_OPERATION_ERR_FAILURE;
    rtmd_attrv_free(&cur);
    rtmd_attrv_free(&next);
    return code;
}

/* Whether the channel attributes of app would hold more than max bytes
 * (RTMD_USAGE_CHATTRS) once channel's are next instead of cur. A change
 * that does not grow them always fits. */
static bool chattrs_over(rtmd_store *st, const char *app, const char *channel,
                         const rtmd_attrv *cur, const rtmd_attrv *next, uint64_t max)
{
    char buf[RTMD_APP_ID_MAX + RTM__ID_MAX + 2];
    const char *key = rtmd_map_key2(buf, sizeof buf, app, channel);
    if (!key)
        return true;
    size_t was = rtmd_chattrs_cost(key, cur), now = rtmd_chattrs_cost(key, next);
    return now > was && rtmd_store_usage(st, RTMD_USAGE_CHATTRS, app) - was + now > max;
}

/* A SetChannelAttributes: the attributes after it in op->attrs. */
static int apply_chattrs_set(rtmd_store *st, rtmd_eng_op *op)
{
    const struct rtmd_eng_chattrs_set *in = &op->in.chattrs_set;
    rtmd_attrv cur = { 0 }, next = { 0 };
    int code = 0;
    if (rtmd_store_chattrs_get(st, in->app, in->channel, &cur) != RTMD_STORE_OK)
        code = RTM_ATTRIBUTE_OPERATION_ERR_FAILURE;
    else
        code = rtmd_attrs_apply(&cur, in->change, RTM__CHATTR_TOTAL_MAX, in->by, in->ts, &next);
    if (code == 0 && chattrs_over(st, in->app, in->channel, &cur, &next, in->max_bytes)) {
        op->flags |= RTMD_ENG_CHATTRS_FULL;
        code = RTM_ATTRIBUTE_OPERATION_ERR_SIZE_OVERFLOW;
    }
    if (code == 0 &&
        (rtmd_store_chattrs_put(st, in->app, in->channel, &next) != RTMD_STORE_OK ||
         rtmd_store_chattrs_get(st, in->app, in->channel, &op->attrs) != RTMD_STORE_OK))
        code = RTM_ATTRIBUTE_OPERATION_ERR_FAILURE;
    rtmd_attrv_free(&cur);
    rtmd_attrv_free(&next);
    return code;
}

/* ---- sessions ----------------------------------------------------------- */

static int apply_session_end(rtmd_store *st, rtmd_eng_op *op);

/* A session the node that asks to create one does not hold (one left by an
 * operation that failed, or another node's): taken up when it is the same
 * client instance's (TAKEN: its id, resumed when the client names it, else
 * with all it holds), else ended for the new one (REPLACED, S16). *in is
 * changed accordingly. */
static void apply_login_found(rtmd_store *st, struct rtmd_eng_login *in, rtmd_eng_op *op)
{
    rtmd_session_meta old;
    if (!rtmd_store_session_meta_get(st, in->of, &old))
        return;
    if (old.instance_id == in->meta.instance_id) {
        op->flags |= RTMD_ENG_TAKEN;
        in->create = false;
        in->meta.id = old.id;
        if (in->session_id != old.id) {
            in->peer_received = 0;
            in->n_cursors = 0;
        }
        return;
    }
    rtmd_eng_op end = { .kind = RTMD_ENG_SESSION_END };
    end.in.session_end.of = in->of;
    end.in.session_end.session_id = old.id;
    rtmd_engine_op_reset(&end);
    apply_session_end(st, &end);
    rtmd_engine_op_clear(&end);
    op->flags |= RTMD_ENG_REPLACED;
}

/* A login's session: made or taken up, saved, and what it is owed
 * queued (a new one) or replayed (one taken up again); all of it or, when
 * a new session cannot be made, nothing. */
static int apply_login(rtmd_store *st, rtmd_eng_op *op)
{
    struct rtmd_eng_login in = op->in.login;
    rtmd_store_status r;
    if (in.create && rtmd_store_session_has(st, in.of))
        apply_login_found(st, &in, op);
    if (in.create && (r = rtmd_store_session_add(st, in.of)) != RTMD_STORE_OK)
        return r;
    if ((r = rtmd_store_session_meta_put(st, in.of, &in.meta)) != RTMD_STORE_OK) {
        if (in.create)
            rtmd_store_session_remove(st, in.of);
        return r;
    }
    rtmd_session_meta meta;
    if (!rtmd_store_session_meta_get(st, in.of, &meta))
        return RTMD_STORE_ABSENT;
    op->session_id = meta.id;
    if (in.create)
        apply_offline_take(st, &in, op, &meta);
    else
        rtmd_replay_resume(st, &in, op);
    return RTMD_STORE_OK;
}

/* sessions_foreach's callback: one more session in op->sessions (a NULL
 * list once out of memory). */
static void apply_session_one(rtmd_user u, const rtmd_session_meta *m, void *closure)
{
    rtmd_sessionv *v = closure;
    if (!v->items)
        return;
    rtmd_session_entry *items = realloc(v->items, (v->count + 1) * sizeof *items);
    char *app = strdup(u.app), *user = strdup(u.user);
    if (!items || !app || !user) {
        free(app);
        free(user);
        if (items)
            v->items = items;
        for (size_t i = 0; i < v->count; i++) {
            free(v->items[i].app);
            free(v->items[i].user);
        }
        free(v->items);
        *v = (rtmd_sessionv){ NULL, 0 };
        return;
    }
    v->items = items;
    v->items[v->count++] = (rtmd_session_entry){ app, user, NULL, *m };
}

static int apply_sessions(rtmd_store *st, rtmd_eng_op *op)
{
    if (!(op->sessions.items = malloc(sizeof *op->sessions.items)))
        return RTMD_STORE_NOMEM;
    rtmd_store_sessions_foreach(st, apply_session_one, &op->sessions);
    return op->sessions.items ? RTMD_STORE_OK : RTMD_STORE_NOMEM;
}

static int apply_app_channels(rtmd_store *st, rtmd_eng_op *op)
{
    const char *app = op->in.app_channels.app;
    rtmd_store_status r = rtmd_store_app_channels(st, app, &op->users);
    if (r != RTMD_STORE_OK)
        return r;
    if (!(op->counts = calloc(op->users.count ? op->users.count : 1, sizeof *op->counts)))
        return RTMD_STORE_NOMEM;
    for (size_t i = 0; i < op->users.count; i++)
        op->counts[i] = (uint32_t)rtmd_store_channel_member_count(st, app, op->users.items[i]);
    return RTMD_STORE_OK;
}

/* ---- channels ----------------------------------------------------------- */

/* op->count: the members of (app, ch); op->users: the members themselves
 * when there are at most list_max (a MemberEvent goes to no more). */
static void apply_members_after(rtmd_store *st, const char *app, const char *ch,
                                size_t list_max, rtmd_eng_op *op)
{
    op->count = rtmd_store_channel_member_count(st, app, ch);
    if (op->count <= list_max &&
        rtmd_store_channel_members(st, app, ch, &op->users) != RTMD_STORE_OK)
        op->users = (rtmd_strv){ NULL, 0 };
}

static int apply_join(rtmd_store *st, rtmd_eng_op *op)
{
    const struct rtmd_eng_join *in = &op->in.join;
    if (rtmd_store_channel_has(st, in->of, in->channel))
        return RTM_JOIN_CHANNEL_ERR_ALREADY_JOINED;
    if (in->same_too_often)
        return RTM_JOIN_CHANNEL_ERR_JOIN_SAME_CHANNEL_TOO_OFTEN;
    switch (rtmd_store_channel_join(st, in->of, in->channel, in->max_per_user, in->seq_base)) {
    case RTMD_STORE_OK: break;
    case RTMD_STORE_EXISTS: return RTM_JOIN_CHANNEL_ERR_ALREADY_JOINED;
    case RTMD_STORE_LIMIT: return RTM_JOIN_CHANNEL_ERR_EXCEED_LIMIT;
    default: return RTM_JOIN_CHANNEL_ERR_FAILURE;
    }
    apply_members_after(st, in->of.app, in->channel, RTMD_MEMBER_EVENTS_MAX, op);
    if (in->replay)
        rtmd_replay_channel(st, in->of, in->channel, in->last_seq, in->horizon_ms,
                            in->replay_max, op);
    return RTM_JOIN_CHANNEL_ERR_OK;
}

static int apply_leave(rtmd_store *st, rtmd_eng_op *op)
{
    rtmd_user of = op->in.leave.of;
    const char *ch = op->in.leave.channel;
    if (rtmd_store_channel_leave(st, of, ch) != RTMD_STORE_OK)
        return RTM_LEAVE_CHANNEL_ERR_NOT_IN_CHANNEL;
    apply_members_after(st, of.app, ch, RTMD_MEMBER_EVENTS_MAX - 1, op);
    return RTM_LEAVE_CHANNEL_ERR_OK;
}

/* op->users: the channels of `of`, left; op->counts: their members after. */
static int apply_leave_all(rtmd_store *st, rtmd_user of, rtmd_eng_op *op)
{
    rtmd_store_status r = rtmd_store_session_channels(st, of, &op->users);
    if (r != RTMD_STORE_OK)
        return r;
    op->counts = calloc(op->users.count ? op->users.count : 1, sizeof *op->counts);
    for (size_t i = 0; i < op->users.count; i++) {
        const char *ch = op->users.items[i];
        rtmd_store_channel_leave(st, of, ch);
        if (op->counts)
            op->counts[i] = (uint32_t)rtmd_store_channel_member_count(st, of.app, ch);
    }
    return op->counts ? RTMD_STORE_OK : RTMD_STORE_NOMEM;
}

typedef struct {
    rtmd_store *st;
    rtmd_eng_op *op;
} keep_pass;

/* unacked_foreach's callback: one PeerDeliver of an ending session, kept
 * for its user with the session's id and its seq there. */
static void apply_keep_one(uint64_t seq, uint64_t at_ms, const uint8_t *frame, size_t len,
                           void *closure)
{
    (void)at_ms;
    keep_pass *p = closure;
    rtmd_eng_op *op = p->op;
    rtm__frame *f = NULL;
    uint8_t *msg = NULL;
    if (len < RTM__FRAME_HEADER ||
        rtm__frame_unpack(frame + RTM__FRAME_HEADER, len - RTM__FRAME_HEADER, &f) !=
            RTM__FRAME_OK ||
        f->body_case != RTM__WIRE__FRAME__BODY_PEER_DELIVER || !f->peer_deliver->message) {
        op->dropped++;
        goto done;
    }
    const Rtm__Wire__PeerDeliver *d = f->peer_deliver;
    size_t n = rtm__wire__message__get_packed_size(d->message);
    if (!(msg = malloc(n ? n : 1))) {
        op->dropped++;
        goto done;
    }
    rtm__wire__message__pack(d->message, msg);
    rtmd_offline_msg o = { d->from ? d->from : "", d->message->server_ts, msg, n,
                           op->in.session_end.session_id, seq };
    rtmd_user of = op->in.session_end.of;
    if (rtmd_store_offline_push(p->st, of.app, of.user, &o, 0) == RTMD_STORE_OK)
        op->offline.kept++;
    else
        op->dropped++;
done:
    free(msg);
    rtm__frame_free(f);
}

/* The session of `of` ends (SPEC S9, S13): it leaves its channels, the
 * peer messages it had not acknowledged are kept for its user's next login
 * with the count of those lost, and it is forgotten with its send answers,
 * attributes and subscriptions. */
static int apply_session_end(rtmd_store *st, rtmd_eng_op *op)
{
    rtmd_user of = op->in.session_end.of;
    if (!rtmd_store_session_has(st, of))
        return RTMD_STORE_ABSENT;
    int code = apply_leave_all(st, of, op);
    keep_pass p = { st, op };
    uint32_t dropped = rtmd_store_unacked_take_dropped(st, of);
    rtmd_store_unacked_foreach(st, of, apply_keep_one, &p);
    op->offline.dropped = dropped + op->dropped;
    if (op->offline.dropped &&
        rtmd_store_offline_dropped_add(st, of.app, of.user, op->offline.dropped) !=
            RTMD_STORE_OK)
        code = RTMD_STORE_NOMEM;
    rtmd_store_session_remove(st, of);
    return code;
}

/* Keeps a channel message in the channel's history with its next seq and
 * puts its ChannelDeliver in op->frames, for the members in op->users. */
static int apply_channel_deliver(rtmd_store *st, rtmd_eng_op *op)
{
    const struct rtmd_eng_channel_send *in = &op->in.channel_send;
    Rtm__Wire__ChannelDeliver d = RTM__WIRE__CHANNEL_DELIVER__INIT;
    d.channel = (char *)in->channel;
    d.from = (char *)in->from.user;
    d.message = (Rtm__Wire__Message *)in->msg;
    d.seq = rtmd_store_channel_next_seq(st, in->from.app, in->channel);
    rtm__frame f = RTM__WIRE__FRAME__INIT;
    f.body_case = RTM__WIRE__FRAME__BODY_CHANNEL_DELIVER;
    f.channel_deliver = &d;
    size_t len = rtm__frame_encoded_size(&f);
    uint8_t *buf = malloc(len);
    if (!buf)
        return RTM_CHANNEL_MESSAGE_ERR_FAILURE;
    len = rtm__frame_encode(&f, buf);
    if (rtmd_store_channel_members(st, in->from.app, in->channel, &op->users) != RTMD_STORE_OK)
        op->users = (rtmd_strv){ NULL, 0 };
    /* Members in grace get it from the history when they resume (S10);
     * one not kept is counted as skipped in their ReplayDone. */
    rtmd_store_status kept = rtmd_store_history_push(st, in->from.app, in->channel, d.seq,
                                                     in->now_ms, buf, len, in->replay_max,
                                                     in->horizon_ms, in->history_max_bytes);
    if (kept == RTMD_STORE_LIMIT)
        op->flags |= RTMD_ENG_HISTORY_FULL;
    else if (kept == RTMD_STORE_NOMEM)
        op->flags |= RTMD_ENG_UNHISTORIED;
    rtmd_bufv_push(&op->frames, buf, len);
    return RTM_CHANNEL_MESSAGE_ERR_OK;
}

/* A ChannelSend: the node's refusal, or FAILURE for a sender outside the
 * channel (the 1.x codes have no NOT_IN_CHANNEL for messages), or the
 * node's TOO_OFTEN, or its delivery to the members and the history. */
static int apply_channel_send(rtmd_store *st, rtmd_eng_op *op)
{
    const struct rtmd_eng_channel_send *in = &op->in.channel_send;
    if (in->refused)
        return in->refused;
    if (!rtmd_store_channel_has(st, in->from, in->channel)) {
        op->flags |= RTMD_ENG_NOT_MEMBER;
        return RTM_CHANNEL_MESSAGE_ERR_FAILURE;
    }
    if (in->over_rate)
        return RTM_CHANNEL_MESSAGE_ERR_TOO_OFTEN;
    return apply_channel_deliver(st, op);
}

/* MEMBERS: ABSENT when of.user is given and is not a member (or there is
 * no such channel). */
static int apply_members(rtmd_store *st, rtmd_eng_op *op)
{
    rtmd_user of = op->in.members.of;
    const char *ch = op->in.members.channel;
    if (of.user && !rtmd_store_channel_has(st, of, ch))
        return RTMD_STORE_ABSENT;
    return rtmd_store_channel_members(st, of.app, ch, &op->users);
}

static int apply_member_counts(rtmd_store *st, rtmd_eng_op *op)
{
    size_t n = op->in.member_counts.n_channels;
    op->counts = calloc(n ? n : 1, sizeof *op->counts);
    op->users.items = calloc(n ? n : 1, sizeof *op->users.items);
    if (!op->counts || !op->users.items)
        return RTMD_STORE_NOMEM;
    for (size_t i = 0; i < n; i++) {
        const char *ch = op->in.member_counts.channels[i];
        if (!(op->users.items[i] = strdup(ch)))
            return RTMD_STORE_NOMEM;
        op->users.count++;
        op->counts[i] = (uint32_t)rtmd_store_channel_member_count(st, op->in.member_counts.app,
                                                                  ch);
    }
    return RTMD_STORE_OK;
}

static int apply_strcmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* How many distinct users of users[0..n) `of` does not follow yet;
 * SIZE_MAX when out of memory. */
static size_t apply_count_new(rtmd_store *st, rtmd_user of, char *const *users, size_t n)
{
    char **sorted = malloc(n * sizeof *sorted);
    if (!sorted)
        return SIZE_MAX;
    memcpy(sorted, users, n * sizeof *sorted);
    qsort(sorted, n, sizeof *sorted, apply_strcmp);
    size_t fresh = 0;
    for (size_t i = 0; i < n; i++)
        if ((i == 0 || strcmp(sorted[i - 1], sorted[i]) != 0) &&
            !rtmd_store_sub_has(st, of, sorted[i]))
            fresh++;
    free(sorted);
    return fresh;
}

/* Adds the subscriptions of users[0..n), all or none; *added gets copies of
 * the users newly added, in the order asked. */
static int apply_subscribe(rtmd_store *st, rtmd_user of, char *const *users, size_t n,
                           size_t max, rtmd_strv *added)
{
    size_t fresh = apply_count_new(st, of, users, n);
    if (fresh == SIZE_MAX || !(added->items = calloc(n ? n : 1, sizeof *added->items)))
        return RTM_PEER_SUBSCRIPTION_STATUS_ERR_FAILURE;
    if (rtmd_store_sub_count(st, of) + fresh > max)
        return RTM_PEER_SUBSCRIPTION_STATUS_ERR_OVERFLOW;
    for (size_t i = 0; i < n; i++) {
        rtmd_store_status s = rtmd_store_sub_add(st, of, users[i]);
        if (s == RTMD_STORE_EXISTS)
            continue;
        if (s == RTMD_STORE_OK && (added->items[added->count] = strdup(users[i]))) {
            added->count++;
            continue;
        }
        if (s == RTMD_STORE_OK)
            rtmd_store_sub_remove(st, of, users[i]);
        while (added->count > 0) {
            char *u = added->items[--added->count];
            rtmd_store_sub_remove(st, of, u);
            free(u);
        }
        return RTM_PEER_SUBSCRIPTION_STATUS_ERR_FAILURE;
    }
    return RTM_PEER_SUBSCRIPTION_STATUS_ERR_OK;
}

/* followers_foreach's callback: one more user in a strv (items NULL once
 * out of memory). */
static void apply_follower(rtmd_user u, void *closure)
{
    rtmd_strv *v = closure;
    if (!v->items)
        return;
    char **items = realloc(v->items, (v->count + 1) * sizeof *items);
    char *copy = items ? strdup(u.user) : NULL;
    if (items)
        v->items = items;
    if (!copy) {
        rtmd_strv_free(v);
        return;
    }
    v->items[v->count++] = copy;
}

static rtmd_store_status apply_followers(rtmd_store *st, rtmd_user of, rtmd_strv *out)
{
    out->items = malloc(sizeof *out->items);
    out->count = 0;
    if (!out->items)
        return RTMD_STORE_NOMEM;
    rtmd_store_followers_foreach(st, of.app, of.user, apply_follower, out);
    return out->items ? RTMD_STORE_OK : RTMD_STORE_NOMEM;
}

void rtmd_engine_op_reset(rtmd_eng_op *op)
{
    op->attrs = (rtmd_attrv){ NULL, 0 };
    op->bans = (rtmd_banv){ NULL, 0 };
    op->users = (rtmd_strv){ NULL, 0 };
    op->count = 0;
    op->frames = (rtmd_bufv){ NULL, 0 };
    op->session_id = 0;
    op->flags = 0;
    op->dropped = 0;
    op->counts = NULL;
    op->sessions = (rtmd_sessionv){ NULL, 0 };
    op->ended = (rtmd_endedv){ NULL, 0 };
    memset(&op->offline, 0, sizeof op->offline);
    memset(&op->replay, 0, sizeof op->replay);
}

void rtmd_engine_apply(rtmd_store *st, rtmd_eng_op *op)
{
    rtmd_engine_op_reset(op);
    switch (op->kind) {
    case RTMD_ENG_ATTRS_GET:
        op->code = apply_attrs_get(st, op->in.attrs_get.of, &op->attrs);
        keep_keys(&op->attrs, op->in.attrs_get.keys, op->in.attrs_get.n_keys);
        break;
    case RTMD_ENG_ATTRS_SET:
        op->code = apply_attrs_set(st, op->in.attrs_set.of, op->in.attrs_set.change);
        break;
    case RTMD_ENG_CHATTRS_GET:
        op->code = rtmd_store_chattrs_get(st, op->in.chattrs_get.app,
                                          op->in.chattrs_get.channel,
                                          &op->attrs) == RTMD_STORE_OK
                       ? RTM_ATTRIBUTE_OPERATION_ERR_OK
                       : RTM_ATTRIBUTE_OPERATION_ERR_FAILURE;
        keep_keys(&op->attrs, op->in.chattrs_get.keys, op->in.chattrs_get.n_keys);
        break;
    case RTMD_ENG_CHATTRS_SET:
        op->code = apply_chattrs_set(st, op);
        if (op->code == 0 && rtmd_store_channel_members(st, op->in.chattrs_set.app,
                                                        op->in.chattrs_set.channel,
                                                        &op->users) != RTMD_STORE_OK)
            op->users = (rtmd_strv){ NULL, 0 }; /* nobody to tell */
        break;
    case RTMD_ENG_BAN_SET:
        op->code = rtmd_store_ban_put(st, op->in.ban_set.of, op->in.ban_set.until_ms);
        break;
    case RTMD_ENG_BAN_LIFT:
        op->code = rtmd_store_ban_lift(st, op->in.ban_lift.of, op->in.ban_lift.now_ms);
        break;
    case RTMD_ENG_BANS_LIST:
        op->code = rtmd_store_bans_list(st, op->in.bans_list.now_ms, &op->bans);
        break;
    case RTMD_ENG_SUBSCRIBE:
        if (op->in.subscribe.unsubscribe) {
            for (size_t i = 0; i < op->in.subscribe.n_users; i++)
                rtmd_store_sub_remove(st, op->in.subscribe.of, op->in.subscribe.users[i]);
            op->code = RTM_PEER_SUBSCRIPTION_STATUS_ERR_OK;
        } else {
            op->code = apply_subscribe(st, op->in.subscribe.of, op->in.subscribe.users,
                                       op->in.subscribe.n_users, op->in.subscribe.max,
                                       &op->users);
        }
        op->count = rtmd_store_sub_count(st, op->in.subscribe.of);
        break;
    case RTMD_ENG_SUBSCRIBED:
        op->code = rtmd_store_sub_list(st, op->in.subscribed.of, &op->users);
        break;
    case RTMD_ENG_FOLLOWERS:
        op->code = apply_followers(st, op->in.followers.of, &op->users);
        break;
    case RTMD_ENG_PEER_SEND:
        op->code = apply_once(st, op->in.peer_send.from, op->in.peer_send.send_seq, op,
                              apply_peer_send);
        break;
    case RTMD_ENG_PEER_ACK:
        rtmd_store_unacked_ack(st, op->in.peer_ack.of, op->in.peer_ack.seq);
        op->code = RTMD_STORE_OK;
        break;
    case RTMD_ENG_LOGIN:
        op->code = apply_login(st, op);
        break;
    case RTMD_ENG_JOIN:
        op->code = apply_join(st, op);
        break;
    case RTMD_ENG_LEAVE:
        op->code = apply_leave(st, op);
        break;
    case RTMD_ENG_SESSION_END:
        op->code = apply_session_end(st, op);
        break;
    case RTMD_ENG_CHANNEL_SEND:
        op->code = apply_once(st, op->in.channel_send.from, op->in.channel_send.send_seq, op,
                              apply_channel_send);
        break;
    case RTMD_ENG_MEMBERS:
        op->code = apply_members(st, op);
        break;
    case RTMD_ENG_MEMBER_COUNTS:
        op->code = apply_member_counts(st, op);
        break;
    case RTMD_ENG_BANNED:
        op->code = rtmd_store_ban_active(st, op->in.banned.of, op->in.banned.now_ms);
        break;
    case RTMD_ENG_SESSION_SAVE:
        op->code = rtmd_store_session_meta_put(st, op->in.session_save.of,
                                               &op->in.session_save.meta);
        break;
    case RTMD_ENG_SESSIONS:
        op->code = apply_sessions(st, op);
        break;
    case RTMD_ENG_APP_CHANNELS:
        op->code = apply_app_channels(st, op);
        break;
    case RTMD_ENG_MEDIA_PUT:
        if (rtmd_store_media_bytes(st) + op->in.media_put.size > op->in.media_put.max_bytes)
            op->code = RTMD_STORE_LIMIT;
        else
            op->code = rtmd_store_media_put(st, op->in.media_put.app, op->in.media_put.id,
                                            op->in.media_put.size, op->in.media_put.at_ms);
        break;
    case RTMD_ENG_MEDIA_GET: {
        uint64_t size = 0, at = 0;
        op->code = rtmd_store_media_get(st, op->in.media_get.app, op->in.media_get.id, &size,
                                        &at) && at >= op->in.media_get.horizon_ms
                       ? RTMD_STORE_OK
                       : RTMD_STORE_ABSENT;
        op->count = (size_t)size;
        break;
    }
    case RTMD_ENG_SEND_TO: /* one node: the node sent to its own */
        op->code = 0;
        break;
    case RTMD_ENG_NODE_BEAT: /* one node: never dead while it runs */
        op->code = 0;
        break;
    case RTMD_ENG_NODES: /* one node, without a name: the admin API tells it */
        op->code = RTMD_STORE_ABSENT;
        break;
    case RTMD_ENG_PRESENCE: /* one node: it knows them all */
        op->counts = calloc(op->in.presence.n_users ? op->in.presence.n_users : 1,
                            sizeof *op->counts);
        for (size_t i = 0; op->counts && i < op->in.presence.n_users; i++)
            op->counts[i] = RTMD_PRESENCE_HERE;
        op->code = op->counts ? 0 : RTMD_STORE_NOMEM;
        break;
    case RTMD_ENG_KICK: /* one node: its sessions are the node's own */
        op->code = rtmd_store_session_has(st, op->in.kick.of) ? RTMD_STORE_EXISTS
                                                              : RTMD_STORE_ABSENT;
        break;
    case RTMD_ENG_EXPIRE:
        op->count = rtmd_store_offline_expire(st, op->in.expire.offline_horizon_ms);
        rtmd_store_channels_expire(st, op->in.expire.channels_horizon_ms);
        rtmd_store_media_expire(st, op->in.expire.media_horizon_ms, &op->users);
        op->code = 0;
        break;
    }
}
