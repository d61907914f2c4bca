/* engine_redis.c: the engine over Redis (engine_redis.h). Each operation
 * is one FCALL of a function of redis_lib.lua, on one connection
 * (redis_conn.h), so operations complete in the order submitted: Redis
 * answers in order. The functions all answer the same array (see
 * redis_lib.lua), read back into the op here. */
#include "engine_redis.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <hiredis/hiredis.h>

#include "attrs.h"
#include "config.h"
#include "frame.h"
#include "ids.h"
#include "log.h"
#include "redis_conn.h"
#include "redis_inbox.h"
#include "rtm/rtm_codes.h"

/* The library's text and version (generated from redis_lib.lua by
 * embed.cmake): its functions are rtmd_VERSION_NAME. */
extern const char rtmd_redis_lib[];
extern const size_t rtmd_redis_lib_len;
extern const char rtmd_redis_lib_version[];

/* The data layout this rtmd reads and writes (redis_lib.lua, LAYOUT). */
#define REDIS_LAYOUT "1"

typedef struct {
    rtmd_engine base;
    rtmd_redis *redis;
    rtmd_engine_redis_config cfg;
    bool ready;        /* the library is loaded on the current connection */
    bool setup_failed; /* its SELECT or FUNCTION LOAD did not succeed */
    struct event *setup_again; /* a failed setup is tried again (a Redis
                                * still loading its AOF answers -LOADING) */
    uint32_t setup_wait_ms;    /* the next wait before a setup again */
    char *node;
    rtmd_redis_inbox *inbox;
    uint64_t inbox_seq;        /* the number of the last inbox item */
    rtmd_engine_redis_stats stats;
} redis_engine;

static uint64_t redis_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* An operation on its way: the op (whose inputs may be gone once submit
 * returned, engine.h) and what its answer needs of them: the encoded
 * message of a send, whose frames are made of it. */
typedef struct {
    redis_engine *e;
    rtmd_eng_op *op;
    uint8_t *msg;
    size_t msg_len;
    uint64_t submitted_us;
} redis_call;

static void redis_call_free(redis_call *c)
{
    free(c->msg);
    free(c);
}

/* ---- arguments ------------------------------------------------------------ */

/* An FCALL's arguments: strings borrowed from the op, numbers and packed
 * messages owned here. */
typedef struct {
    const char **argv;
    size_t *len;
    int argc, cap;
    char **owned;
    int nowned;
    bool nomem;
} fargs;

static void fargs_add(fargs *a, const char *s, size_t n)
{
    if (a->nomem)
        return;
    if (a->argc == a->cap) {
        int cap = a->cap ? a->cap * 2 : 32;
        const char **argv = realloc(a->argv, (size_t)cap * sizeof *argv);
        if (argv)
            a->argv = argv;
        size_t *len = argv ? realloc(a->len, (size_t)cap * sizeof *len) : NULL;
        if (!len) {
            a->nomem = true;
            return;
        }
        a->len = len;
        a->cap = cap;
    }
    a->argv[a->argc] = s;
    a->len[a->argc++] = n;
}

static void fargs_str(fargs *a, const char *s)
{
    s = s ? s : "";
    fargs_add(a, s, strlen(s));
}

/* Takes buf over (freed with the arguments). */
static void fargs_own(fargs *a, char *buf, size_t n)
{
    char **owned = buf ? realloc(a->owned, (size_t)(a->nowned + 1) * sizeof *owned) : NULL;
    if (!owned) {
        free(buf);
        a->nomem = true;
        return;
    }
    a->owned = owned;
    a->owned[a->nowned++] = buf;
    fargs_add(a, buf, n);
}

static void fargs_u64(fargs *a, uint64_t v)
{
    char *buf = malloc(21);
    if (buf)
        snprintf(buf, 21, "%" PRIu64, v);
    fargs_own(a, buf, buf ? strlen(buf) : 0);
}

static void fargs_bool(fargs *a, bool v)
{
    fargs_add(a, v ? "1" : "0", 1);
}

/* An encoded Message, kept in the call for the answer's frames. */
static void fargs_msg(fargs *a, const Rtm__Wire__Message *m, redis_call *c)
{
    size_t n = m ? rtm__wire__message__get_packed_size(m) : 0;
    if (!(c->msg = malloc(n ? n : 1))) {
        a->nomem = true;
        return;
    }
    if (n)
        rtm__wire__message__pack(m, c->msg);
    c->msg_len = n;
    fargs_add(a, (const char *)c->msg, n);
}

/* A send_seq as the functions take it (redis_lib.lua, dec_lt): its slot in
 * the ring of answers, and itself + RTMD_SENT_RING, saturated. */
static void fargs_send_seq_ring(fargs *a, uint64_t send_seq)
{
    fargs_u64(a, send_seq % RTMD_SENT_RING);
    fargs_u64(a, send_seq > UINT64_MAX - RTMD_SENT_RING ? UINT64_MAX : send_seq + RTMD_SENT_RING);
}

static void fargs_meta(fargs *a, const rtmd_session_meta *m)
{
    fargs_u64(a, m->instance_id);
    fargs_u64(a, m->id);
    fargs_u64(a, m->link_seq);
    fargs_u64(a, m->login_wall_ms);
    fargs_u64(a, m->token_expires_at);
    fargs_u64(a, m->peer_seq);
}

static void fargs_free(fargs *a)
{
    for (int i = 0; i < a->nowned; i++)
        free(a->owned[i]);
    free(a->owned);
    free(a->argv);
    free(a->len);
}

/* A SetAttributes: the code of the request itself (attrs.c: its keys and
 * values, and its own size, which its result can only pass), the bounds of
 * the result, then the op and its key/value pairs or keys, from which the
 * function makes the result (redis_lib.lua, attrs_apply). */
static void fargs_change(fargs *a, const Rtm__Wire__SetAttributes *change, size_t total_max)
{
    rtmd_attrv none = { NULL, 0 }, alone = { NULL, 0 };
    int refused = rtmd_attrs_apply(&none, change, total_max, NULL, 0, &alone);
    rtmd_attrv_free(&alone);
    fargs_u64(a, (uint64_t)refused);
    fargs_u64(a, RTM__ATTR_COUNT_MAX);
    fargs_u64(a, total_max);
}

static void fargs_change_items(fargs *a, const Rtm__Wire__SetAttributes *change)
{
    fargs_u64(a, change ? (uint64_t)change->op : 0);
    if (!change)
        return;
    if (change->op == RTM__WIRE__SET_ATTRIBUTES__OP__OP_DELETE) {
        for (size_t i = 0; i < change->n_keys; i++)
            fargs_str(a, change->keys[i]);
        return;
    }
    for (size_t i = 0; i < change->n_attributes; i++) {
        const Rtm__Wire__Attribute *at = change->attributes[i];
        fargs_str(a, at && at->key ? at->key : "");
        fargs_str(a, at && at->value ? at->value : "");
    }
}

static void fargs_strs(fargs *a, char *const *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        fargs_str(a, v[i]);
}

/* The function an op calls and its arguments after FCALL name 0. */
static const char *redis_build(const rtmd_eng_op *op, fargs *a, redis_call *c)
{
    switch (op->kind) {
    case RTMD_ENG_ATTRS_GET:
        fargs_str(a, op->in.attrs_get.of.app);
        fargs_str(a, op->in.attrs_get.of.user);
        fargs_strs(a, op->in.attrs_get.keys, op->in.attrs_get.n_keys);
        return "attrs_get";
    case RTMD_ENG_ATTRS_SET:
        fargs_str(a, op->in.attrs_set.of.app);
        fargs_str(a, op->in.attrs_set.of.user);
        fargs_change(a, op->in.attrs_set.change, RTM__ATTR_TOTAL_MAX);
        fargs_change_items(a, op->in.attrs_set.change);
        return "attrs_set";
    case RTMD_ENG_CHATTRS_GET:
        fargs_str(a, op->in.chattrs_get.app);
        fargs_str(a, op->in.chattrs_get.channel);
        fargs_strs(a, op->in.chattrs_get.keys, op->in.chattrs_get.n_keys);
        return "chattrs_get";
    case RTMD_ENG_CHATTRS_SET: {
        const struct rtmd_eng_chattrs_set *in = &op->in.chattrs_set;
        fargs_str(a, in->app);
        fargs_str(a, in->channel);
        fargs_change(a, in->change, RTM__CHATTR_TOTAL_MAX);
        fargs_str(a, in->by);
        fargs_u64(a, in->ts);
        fargs_u64(a, in->max_bytes);
        fargs_change_items(a, in->change);
        return "chattrs_set";
    }
    case RTMD_ENG_SUBSCRIBE:
        fargs_str(a, op->in.subscribe.of.app);
        fargs_str(a, op->in.subscribe.of.user);
        fargs_bool(a, op->in.subscribe.unsubscribe);
        fargs_u64(a, op->in.subscribe.max);
        fargs_strs(a, op->in.subscribe.users, op->in.subscribe.n_users);
        return "subscribe";
    case RTMD_ENG_SUBSCRIBED:
        fargs_str(a, op->in.subscribed.of.app);
        fargs_str(a, op->in.subscribed.of.user);
        return "subscribed";
    case RTMD_ENG_FOLLOWERS:
        fargs_str(a, op->in.followers.of.app);
        fargs_str(a, op->in.followers.of.user);
        fargs_u64(a, (uint64_t)op->in.followers.state);
        fargs_add(a, op->in.followers.frame ? (const char *)op->in.followers.frame : "",
                  op->in.followers.frame ? op->in.followers.len : 0);
        return "followers";
    case RTMD_ENG_NODE_BEAT:
        fargs_u64(a, op->in.node_beat.timeout_ms);
        fargs_u64(a, op->in.node_beat.grace_ms);
        fargs_bool(a, op->in.node_beat.rejoin);
        return "beat";
    case RTMD_ENG_NODES:
        return "nodes";
    case RTMD_ENG_PRESENCE:
        fargs_str(a, op->in.presence.app);
        fargs_strs(a, op->in.presence.users, op->in.presence.n_users);
        return "presence";
    case RTMD_ENG_MEDIA_PUT:
        fargs_str(a, op->in.media_put.app);
        fargs_str(a, op->in.media_put.id);
        fargs_u64(a, op->in.media_put.size);
        fargs_u64(a, op->in.media_put.at_ms);
        fargs_u64(a, op->in.media_put.max_bytes);
        return "media_put";
    case RTMD_ENG_MEDIA_GET:
        fargs_str(a, op->in.media_get.app);
        fargs_str(a, op->in.media_get.id);
        fargs_u64(a, op->in.media_get.horizon_ms);
        return "media_get";
    case RTMD_ENG_SEND_TO:
        fargs_str(a, op->in.send_to.app);
        fargs_str(a, op->in.send_to.except);
        fargs_add(a, (const char *)op->in.send_to.frame, op->in.send_to.len);
        fargs_strs(a, op->in.send_to.users, op->in.send_to.n_users);
        return "send_to";
    case RTMD_ENG_EXPIRE:
        fargs_u64(a, op->in.expire.offline_horizon_ms);
        fargs_u64(a, op->in.expire.channels_horizon_ms);
        fargs_u64(a, op->in.expire.media_horizon_ms);
        fargs_u64(a, op->in.expire.budget);
        return "expire";
    case RTMD_ENG_LOGIN: {
        const struct rtmd_eng_login *in = &op->in.login;
        fargs_str(a, in->of.app);
        fargs_str(a, in->of.user);
        fargs_bool(a, in->create);
        fargs_meta(a, &in->meta);
        fargs_u64(a, in->session_id);
        fargs_u64(a, in->peer_received);
        fargs_u64(a, in->offline_horizon_ms);
        fargs_u64(a, in->channel_horizon_ms);
        fargs_u64(a, in->max_unacked);
        fargs_u64(a, in->replay_max);
        for (size_t i = 0; i < in->n_cursors; i++) {
            const Rtm__Wire__ChannelCursor *cur = in->cursors[i];
            if (!cur || !cur->channel)
                continue;
            fargs_str(a, cur->channel);
            fargs_u64(a, cur->last_seq);
        }
        return "login";
    }
    case RTMD_ENG_SESSION_SAVE:
        fargs_str(a, op->in.session_save.of.app);
        fargs_str(a, op->in.session_save.of.user);
        fargs_meta(a, &op->in.session_save.meta);
        return "session_save";
    case RTMD_ENG_SESSIONS:
        fargs_bool(a, op->in.sessions.all);
        return "sessions";
    case RTMD_ENG_KICK:
        fargs_str(a, op->in.kick.of.app);
        fargs_str(a, op->in.kick.of.user);
        return "kick";
    case RTMD_ENG_SESSION_END:
        fargs_str(a, op->in.session_end.of.app);
        fargs_str(a, op->in.session_end.of.user);
        fargs_u64(a, op->in.session_end.session_id);
        return "session_end";
    case RTMD_ENG_PEER_SEND: {
        const struct rtmd_eng_peer_send *in = &op->in.peer_send;
        fargs_str(a, in->from.app);
        fargs_str(a, in->from.user);
        fargs_str(a, in->to);
        fargs_u64(a, in->send_seq);
        fargs_u64(a, (uint64_t)in->refused);
        fargs_u64(a, in->max_unacked);
        fargs_u64(a, in->offline_max);
        fargs_u64(a, in->offline_max_bytes);
        fargs_u64(a, in->unacked_max_bytes);
        fargs_msg(a, in->msg, c);
        fargs_u64(a, in->msg ? in->msg->server_ts : 0);
        fargs_send_seq_ring(a, in->send_seq);
        return "peer_send";
    }
    case RTMD_ENG_PEER_ACK:
        fargs_str(a, op->in.peer_ack.of.app);
        fargs_str(a, op->in.peer_ack.of.user);
        fargs_u64(a, op->in.peer_ack.seq);
        return "peer_ack";
    case RTMD_ENG_JOIN: {
        const struct rtmd_eng_join *in = &op->in.join;
        fargs_str(a, in->of.app);
        fargs_str(a, in->of.user);
        fargs_str(a, in->channel);
        fargs_u64(a, in->max_per_user);
        fargs_u64(a, in->seq_base);
        fargs_bool(a, in->same_too_often);
        fargs_bool(a, in->replay);
        fargs_u64(a, in->last_seq);
        fargs_u64(a, in->horizon_ms);
        fargs_u64(a, in->replay_max);
        fargs_u64(a, RTMD_MEMBER_EVENTS_MAX);
        return "join";
    }
    case RTMD_ENG_LEAVE:
        fargs_str(a, op->in.leave.of.app);
        fargs_str(a, op->in.leave.of.user);
        fargs_str(a, op->in.leave.channel);
        fargs_u64(a, RTMD_MEMBER_EVENTS_MAX - 1);
        return "leave";
    case RTMD_ENG_CHANNEL_SEND: {
        const struct rtmd_eng_channel_send *in = &op->in.channel_send;
        fargs_str(a, in->from.app);
        fargs_str(a, in->from.user);
        fargs_str(a, in->channel);
        fargs_u64(a, in->send_seq);
        fargs_u64(a, (uint64_t)in->refused);
        fargs_bool(a, in->over_rate);
        fargs_u64(a, in->now_ms);
        fargs_u64(a, in->replay_max);
        fargs_u64(a, in->horizon_ms);
        fargs_u64(a, in->history_max_bytes);
        fargs_msg(a, in->msg, c);
        fargs_send_seq_ring(a, in->send_seq);
        return "channel_send";
    }
    case RTMD_ENG_MEMBERS:
        fargs_str(a, op->in.members.of.app);
        fargs_str(a, op->in.members.of.user);
        fargs_str(a, op->in.members.channel);
        return "members";
    case RTMD_ENG_MEMBER_COUNTS:
        fargs_str(a, op->in.member_counts.app);
        for (size_t i = 0; i < op->in.member_counts.n_channels; i++)
            fargs_str(a, op->in.member_counts.channels[i]);
        return "member_counts";
    case RTMD_ENG_APP_CHANNELS:
        fargs_str(a, op->in.app_channels.app);
        return "app_channels";
    case RTMD_ENG_BAN_SET:
        fargs_str(a, op->in.ban_set.of.app);
        fargs_str(a, op->in.ban_set.of.user);
        fargs_u64(a, op->in.ban_set.until_ms);
        return "ban_set";
    case RTMD_ENG_BAN_LIFT:
        fargs_str(a, op->in.ban_lift.of.app);
        fargs_str(a, op->in.ban_lift.of.user);
        fargs_u64(a, op->in.ban_lift.now_ms);
        return "ban_lift";
    case RTMD_ENG_BANNED:
        fargs_str(a, op->in.banned.of.app);
        fargs_str(a, op->in.banned.of.user);
        fargs_u64(a, op->in.banned.now_ms);
        return "banned";
    case RTMD_ENG_BANS_LIST:
        fargs_u64(a, op->in.bans_list.now_ms);
        return "bans_list";
    }
    return NULL;
}

/* ---- the answer --------------------------------------------------------------- */

/* The code of an operation that did not run, or whose outcome is unknown
 * (Redis down, no answer in time, an error): its kind's failure. */
static int redis_failure_code(rtmd_eng_kind kind)
{
    switch (kind) {
    case RTMD_ENG_ATTRS_GET:
    case RTMD_ENG_ATTRS_SET:
    case RTMD_ENG_CHATTRS_GET:
    case RTMD_ENG_CHATTRS_SET:
        return RTM_ATTRIBUTE_OPERATION_ERR_FAILURE;
    case RTMD_ENG_SUBSCRIBE:
        return RTM_PEER_SUBSCRIPTION_STATUS_ERR_FAILURE;
    case RTMD_ENG_PEER_SEND:
        return RTM_PEER_MESSAGE_ERR_FAILURE;
    case RTMD_ENG_JOIN:
        return RTM_JOIN_CHANNEL_ERR_FAILURE;
    case RTMD_ENG_LEAVE:
        return RTM_LEAVE_CHANNEL_ERR_FAILURE;
    case RTMD_ENG_CHANNEL_SEND:
        return RTM_CHANNEL_MESSAGE_ERR_FAILURE;
    default:
        return RTMD_STORE_NOMEM;
    }
}

static bool reply_is(const redisReply *r, int type)
{
    return r && r->type == type;
}

static uint64_t reply_u64(const redisReply *r)
{
    if (reply_is(r, REDIS_REPLY_INTEGER))
        return r->integer > 0 ? (uint64_t)r->integer : 0;
    if (reply_is(r, REDIS_REPLY_STRING))
        return strtoull(r->str, NULL, 10);
    return 0;
}

static char *reply_strdup(const redisReply *r)
{
    if (!reply_is(r, REDIS_REPLY_STRING))
        return strdup("");
    char *s = malloc(r->len + 1);
    if (s) {
        memcpy(s, r->str, r->len);
        s[r->len] = '\0';
    }
    return s;
}

/* A list of strings; -1 when out of memory. */
static int reply_strv(const redisReply *r, rtmd_strv *out)
{
    if (!reply_is(r, REDIS_REPLY_ARRAY) || r->elements == 0)
        return 0;
    if (!(out->items = calloc(r->elements, sizeof *out->items)))
        return -1;
    for (size_t i = 0; i < r->elements; i++) {
        if (!(out->items[i] = reply_strdup(r->element[i])))
            return -1;
        out->count++;
    }
    return 0;
}

/* Encodes one frame of the answer ({kind, seq, from, msg, replayed,
 * channel}) into op->frames; -1 when it does not decode or memory is out. */
static int reply_frame(const redisReply *e, const redis_call *c, rtmd_eng_op *op)
{
    if (!reply_is(e, REDIS_REPLY_ARRAY) || e->elements != 6 ||
        !reply_is(e->element[0], REDIS_REPLY_STRING) || e->element[0]->len != 1 ||
        !reply_is(e->element[2], REDIS_REPLY_STRING) ||
        !reply_is(e->element[3], REDIS_REPLY_STRING) ||
        !reply_is(e->element[5], REDIS_REPLY_STRING))
        return -1;
    char kind = e->element[0]->str[0];
    char *from = reply_strdup(e->element[2]), *channel = reply_strdup(e->element[5]);
    /* 'P' and 'C': the operation's own message (the call's copy). */
    bool own = kind == 'P' || kind == 'C';
    Rtm__Wire__Message *msg = NULL;
    if (!own || c->msg)
        msg = own ? rtm__wire__message__unpack(NULL, c->msg_len, c->msg)
                  : rtm__wire__message__unpack(NULL, e->element[3]->len,
                                               (const uint8_t *)e->element[3]->str);
    int rc = -1;
    if (!from || !channel || !msg)
        goto out;
    Rtm__Wire__PeerDeliver pd = RTM__WIRE__PEER_DELIVER__INIT;
    Rtm__Wire__ChannelDeliver cd = RTM__WIRE__CHANNEL_DELIVER__INIT;
    rtm__frame f = RTM__WIRE__FRAME__INIT;
    bool replayed = reply_u64(e->element[4]) != 0;
    if (kind == 'p' || kind == 'P') {
        pd.from = from;
        pd.message = msg;
        pd.seq = reply_u64(e->element[1]);
        pd.replayed = replayed;
        f.body_case = RTM__WIRE__FRAME__BODY_PEER_DELIVER;
        f.peer_deliver = &pd;
    } else if (kind == 'c' || kind == 'C') {
        cd.channel = channel;
        cd.from = from;
        cd.message = msg;
        cd.seq = reply_u64(e->element[1]);
        cd.replayed = replayed;
        f.body_case = RTM__WIRE__FRAME__BODY_CHANNEL_DELIVER;
        f.channel_deliver = &cd;
    } else {
        goto out;
    }
    size_t len = rtm__frame_encoded_size(&f);
    uint8_t *buf = malloc(len);
    if (buf) {
        len = rtm__frame_encode(&f, buf);
        rc = rtmd_bufv_push(&op->frames, buf, len);
    }
out:
    if (msg)
        rtm__wire__message__free_unpacked(msg, NULL);
    free(from);
    free(channel);
    return rc;
}

/* Reads the answer into op: 0, or -1 when it is not the array every
 * function answers (or memory is out). */
static int redis_read(const redisReply *r, const redis_call *c, rtmd_eng_op *op)
{
    if (!reply_is(r, REDIS_REPLY_ARRAY) || r->elements != 13)
        return -1;
    redisReply **el = r->element;
    op->code = (int)(reply_is(el[0], REDIS_REPLY_INTEGER) ? el[0]->integer : -1);
    op->flags = (unsigned)reply_u64(el[1]);
    op->session_id = reply_u64(el[2]);
    op->dropped = (uint32_t)reply_u64(el[3]);
    op->count = (size_t)reply_u64(el[4]);
    if (reply_strv(el[5], &op->users) != 0)
        return -1;
    bool counted = op->kind == RTMD_ENG_MEMBER_COUNTS || op->kind == RTMD_ENG_SESSION_END ||
                   op->kind == RTMD_ENG_APP_CHANNELS || op->kind == RTMD_ENG_PRESENCE ||
                   op->kind == RTMD_ENG_NODES;
    size_t ncounts = reply_is(el[6], REDIS_REPLY_ARRAY) ? el[6]->elements : 0;
    if (op->kind == RTMD_ENG_NODES && ncounts != 3 * op->users.count)
        return -1; /* three per node (engine.h) */
    if (op->kind == RTMD_ENG_NODE_BEAT) { /* the system's totals (64 bits), or none */
        if (ncounts && ncounts != RTMD_USAGE_KINDS)
            return -1;
        op->has_totals = ncounts != 0;
        for (size_t i = 0; i < ncounts; i++)
            op->usage[i] = reply_u64(el[6]->element[i]);
        ncounts = 0;
    }
    if (counted || ncounts) {
        if (!(op->counts = calloc(ncounts ? ncounts : 1, sizeof *op->counts)))
            return -1;
        for (size_t i = 0; i < ncounts; i++)
            op->counts[i] = (uint32_t)reply_u64(el[6]->element[i]);
    }
    if (reply_is(el[7], REDIS_REPLY_ARRAY))
        for (size_t i = 0; i < el[7]->elements; i++)
            if (reply_frame(el[7]->element[i], c, op) != 0)
                op->flags |= RTMD_ENG_UNKEPT; /* not sent now; a resume sends it */
    if (reply_is(el[8], REDIS_REPLY_ARRAY) && el[8]->elements == 5) {
        op->offline.kept = (uint32_t)reply_u64(el[8]->element[0]);
        op->offline.cached = (uint32_t)reply_u64(el[8]->element[1]);
        op->offline.had = (uint32_t)reply_u64(el[8]->element[2]);
        op->offline.dropped = (uint32_t)reply_u64(el[8]->element[3]);
        op->offline.expired = (uint32_t)reply_u64(el[8]->element[4]);
    }
    if (reply_is(el[9], REDIS_REPLY_ARRAY) && el[9]->elements == 4) {
        op->replay.peer_messages = (uint32_t)reply_u64(el[9]->element[0]);
        op->replay.peer_dropped = (uint32_t)reply_u64(el[9]->element[1]);
        op->replay.channel_messages = (uint32_t)reply_u64(el[9]->element[2]);
        op->replay.channel_skipped = (uint32_t)reply_u64(el[9]->element[3]);
    }
    if (reply_is(el[10], REDIS_REPLY_ARRAY) && el[10]->elements) {
        size_t n = el[10]->elements;
        if (!(op->attrs.items = calloc(n, sizeof *op->attrs.items)))
            return -1;
        for (size_t i = 0; i < n; i++) {
            const redisReply *t = el[10]->element[i];
            if (!reply_is(t, REDIS_REPLY_ARRAY) || t->elements != 4)
                return -1;
            rtmd_attr *at = &op->attrs.items[op->attrs.count++];
            at->key = reply_strdup(t->element[0]);
            at->value = reply_strdup(t->element[1]);
            /* by: only channel attributes have one. */
            if (reply_is(t->element[2], REDIS_REPLY_STRING) && t->element[2]->len)
                at->by = reply_strdup(t->element[2]);
            at->ts = reply_u64(t->element[3]);
            if (!at->key || !at->value)
                return -1;
        }
    }
    if (reply_is(el[11], REDIS_REPLY_ARRAY) && el[11]->elements) {
        size_t n = el[11]->elements;
        if (!(op->bans.items = calloc(n, sizeof *op->bans.items)))
            return -1;
        for (size_t i = 0; i < n; i++) {
            const redisReply *b = el[11]->element[i];
            if (!reply_is(b, REDIS_REPLY_ARRAY) || b->elements != 3)
                return -1;
            rtmd_ban_entry *e = &op->bans.items[op->bans.count];
            e->app = reply_strdup(b->element[0]);
            e->user = reply_strdup(b->element[1]);
            e->until_ms = reply_u64(b->element[2]);
            op->bans.count++;
            if (!e->app || !e->user)
                return -1;
        }
    }
    if ((op->kind == RTMD_ENG_NODE_BEAT || op->kind == RTMD_ENG_KICK) &&
        reply_is(el[12], REDIS_REPLY_ARRAY) && el[12]->elements) {
        size_t n = el[12]->elements;
        if (!(op->ended.items = calloc(n, sizeof *op->ended.items)))
            return -1;
        for (size_t i = 0; i < n; i++) {
            const redisReply *s = el[12]->element[i];
            if (!reply_is(s, REDIS_REPLY_ARRAY) || s->elements != 5)
                return -1;
            rtmd_ended_session *e = &op->ended.items[op->ended.count++];
            e->app = reply_strdup(s->element[0]);
            e->user = reply_strdup(s->element[1]);
            e->session_id = reply_u64(s->element[2]);
            if (!e->app || !e->user || reply_strv(s->element[3], &e->channels) != 0)
                return -1;
            size_t nc = reply_is(s->element[4], REDIS_REPLY_ARRAY) ? s->element[4]->elements : 0;
            if (!(e->counts = calloc(nc ? nc : 1, sizeof *e->counts)))
                return -1;
            for (size_t k = 0; k < nc; k++)
                e->counts[k] = (uint32_t)reply_u64(s->element[4]->element[k]);
        }
    }
    if (op->kind == RTMD_ENG_SESSIONS) {
        size_t n = reply_is(el[12], REDIS_REPLY_ARRAY) ? el[12]->elements : 0;
        if (!(op->sessions.items = calloc(n ? n : 1, sizeof *op->sessions.items)))
            return -1;
        for (size_t i = 0; i < n; i++) {
            const redisReply *s = el[12]->element[i];
            if (!reply_is(s, REDIS_REPLY_ARRAY) || s->elements != 9)
                return -1;
            rtmd_session_entry *e = &op->sessions.items[op->sessions.count];
            e->app = reply_strdup(s->element[0]);
            e->user = reply_strdup(s->element[1]);
            e->node = reply_strdup(s->element[8]);
            op->sessions.count++;
            if (!e->app || !e->user || !e->node)
                return -1;
            e->meta.instance_id = reply_u64(s->element[2]);
            e->meta.id = reply_u64(s->element[3]);
            e->meta.link_seq = (uint32_t)reply_u64(s->element[4]);
            e->meta.login_wall_ms = reply_u64(s->element[5]);
            e->meta.token_expires_at = reply_u64(s->element[6]);
            e->meta.peer_seq = reply_u64(s->element[7]);
        }
    }
    return 0;
}

/* ---- bytewise order ---------------------------------------------------------- */

typedef struct {
    char *s;
    uint32_t count;
} redis_sort_item;

static int redis_sort_cmp(const void *a, const void *b)
{
    return strcmp(((const redis_sort_item *)a)->s, ((const redis_sort_item *)b)->s);
}

static int redis_attr_cmp(const void *a, const void *b)
{
    return strcmp(((const rtmd_attr *)a)->key, ((const rtmd_attr *)b)->key);
}

/* Sorts op->users bytewise (strcmp, as the mem engine's), with op->counts
 * alongside when it has them; -1 when out of memory. */
static int redis_sort_users(rtmd_eng_op *op)
{
    size_t n = op->users.count;
    if (n < 2)
        return 0;
    redis_sort_item *v = malloc(n * sizeof *v);
    if (!v)
        return -1;
    for (size_t i = 0; i < n; i++)
        v[i] = (redis_sort_item){ op->users.items[i], op->counts ? op->counts[i] : 0 };
    qsort(v, n, sizeof *v, redis_sort_cmp);
    for (size_t i = 0; i < n; i++) {
        op->users.items[i] = v[i].s;
        if (op->counts)
            op->counts[i] = v[i].count;
    }
    free(v);
    return 0;
}

/* The engine's lists that engine.h says are sorted: sorted here (Redis's
 * Lua compares strings by the locale Redis runs in). */
static int redis_sort(rtmd_eng_op *op)
{
    switch (op->kind) {
    case RTMD_ENG_JOIN:
    case RTMD_ENG_LEAVE:
    case RTMD_ENG_CHANNEL_SEND:
    case RTMD_ENG_CHATTRS_SET:
    case RTMD_ENG_MEMBERS:
    case RTMD_ENG_SUBSCRIBED:
    case RTMD_ENG_SESSION_END:
    case RTMD_ENG_APP_CHANNELS:
        if (redis_sort_users(op) != 0)
            return -1;
        break;
    default:
        break;
    }
    if (op->attrs.count > 1)
        qsort(op->attrs.items, op->attrs.count, sizeof *op->attrs.items, redis_attr_cmp);
    return 0;
}

static void redis_fail(rtmd_eng_op *op)
{
    rtmd_engine_op_clear(op);
    rtmd_engine_op_reset(op);
    op->code = redis_failure_code(op->kind);
    op->flags = RTMD_ENG_UNAVAILABLE;
}

static void redis_on_answer(rtmd_redis *r, const redisReply *reply, int err, void *arg)
{
    (void)r;
    redis_call *c = arg;
    rtmd_eng_op *op = c->op;
    redis_engine *e = c->e;
    e->stats.in_flight--;
    if (err != RTMD_REDIS_OK) {
        redis_fail(op);
    } else if (reply_is(reply, REDIS_REPLY_ERROR)) {
        rtmd_log(RTMD_LOG_ERROR, "redis engine: operation %d: %s", (int)op->kind, reply->str);
        redis_fail(op);
    } else if (redis_read(reply, c, op) != 0 || redis_sort(op) != 0) {
        rtmd_log(RTMD_LOG_ERROR, "redis engine: operation %d: an answer of no known form",
                 (int)op->kind);
        redis_fail(op);
    }
    /* Joined again after being declared dead: its inbox was dropped with
     * what it held, so its numbers start over (no gap to see in them). */
    if (op->kind == RTMD_ENG_NODE_BEAT && op->in.node_beat.rejoin && op->code == 0 &&
        !(op->flags & RTMD_ENG_UNAVAILABLE))
        e->inbox_seq = 0;
    if (op->flags & RTMD_ENG_UNAVAILABLE) {
        e->stats.failed++;
    } else {
        uint64_t took = redis_now_us() - c->submitted_us;
        e->stats.ok++;
        e->stats.latency_us_total += took;
        if (took > e->stats.latency_us_max)
            e->stats.latency_us_max = took;
    }
    redis_call_free(c);
    op->done(op);
}

/* An operation that cannot be sent (out of memory) fails once those
 * before it completed: after a PING's answer, which comes after theirs. */
static void redis_on_ping(rtmd_redis *r, const redisReply *reply, int err, void *arg)
{
    (void)r;
    (void)reply;
    (void)err;
    redis_call *c = arg;
    rtmd_eng_op *op = c->op;
    c->e->stats.failed++;
    redis_call_free(c);
    redis_fail(op);
    op->done(op);
}

/* What is done when even the call cannot be made: the op fails, after
 * those before it (a PING's answer comes after theirs). */
static void redis_on_ping_bare(rtmd_redis *r, const redisReply *reply, int err, void *arg)
{
    (void)r;
    (void)reply;
    (void)err;
    rtmd_eng_op *op = arg;
    redis_fail(op);
    op->done(op);
}

static void redis_submit(rtmd_engine *eng, rtmd_eng_op *op)
{
    redis_engine *e = (redis_engine *)eng;
    rtmd_engine_op_reset(op);
    const char *ping = "PING";
    size_t ping_len = 4;
    redis_call *c = calloc(1, sizeof *c);
    if (!c) {
        rtmd_redis_command(e->redis, 1, &ping, &ping_len, redis_on_ping_bare, op);
        return;
    }
    c->e = e;
    c->op = op;
    c->submitted_us = redis_now_us();
    fargs a = { 0 };
    fargs_add(&a, "FCALL", 5);
    fargs_add(&a, "", 0); /* the function, below */
    fargs_add(&a, "0", 1);
    fargs_str(&a, e->node); /* every function's first argument */
    const char *fn = redis_build(op, &a, c);
    /* Not ready (the functions not loaded, or the layout not this rtmd's):
     * failed, after those before it. */
    if (!fn || a.nomem || !e->ready) {
        fargs_free(&a);
        rtmd_redis_command(e->redis, 1, &ping, &ping_len, redis_on_ping, c);
        return;
    }
    char name[64];
    snprintf(name, sizeof name, "rtmd_%s_%s", rtmd_redis_lib_version, fn);
    a.argv[1] = name;
    a.len[1] = strlen(name);
    e->stats.in_flight++;
    rtmd_redis_command(e->redis, a.argc, a.argv, a.len, redis_on_answer, c);
    fargs_free(&a);
}

/* ---- the inbox ------------------------------------------------------------------------ */

/* A batch of the inbox, waiting for the answers of what this node
 * submitted before it. */
typedef struct {
    redis_engine *e;
    rtmd_redis_inbox *in;
    const rtmd_inbox_entry *entries;
    size_t count;
} redis_batch;

static uint64_t inbox_u64(const rtmd_inbox_entry *en, const char *name)
{
    const char *v = rtmd_inbox_get(en, name, NULL);
    return v ? strtoull(v, NULL, 10) : 0;
}

/* One item: its frame made and handed to the node. */
static void redis_route_one(redis_engine *e, const rtmd_inbox_entry *en)
{
    uint64_t n = inbox_u64(en, "n");
    if (e->inbox_seq && n > e->inbox_seq + 1) {
        e->stats.route_gaps += n - e->inbox_seq - 1;
        rtmd_log(RTMD_LOG_WARN, "redis inbox: %llu items missing (the stream's cap): their "
                 "messages come to their sessions at a resume",
                 (unsigned long long)(n - e->inbox_seq - 1));
        rtmd_engine_route gap = { .kind = RTMD_ROUTE_GAP };
        if (e->cfg.route)
            e->cfg.route(&gap, e->cfg.arg);
    }
    if (n > e->inbox_seq)
        e->inbox_seq = n;
    e->stats.routed++;
    const char *k = rtmd_inbox_get(en, "k", NULL), *app = rtmd_inbox_get(en, "a", NULL);
    if (!k || !app || !e->cfg.route)
        return;
    if (k[0] == 'e') { /* an event frame for some of this node's users */
        size_t blen = 0;
        const char *b = rtmd_inbox_get(en, "b", &blen);
        rtmd_strv users = { NULL, 0 };
        size_t nu = 0;
        for (size_t i = 0; i < en->count; i++)
            nu += strcmp(en->fields[i].name, "w") == 0;
        if (!b || !(users.items = calloc(nu ? nu : 1, sizeof *users.items)))
            return;
        for (size_t i = 0; i < en->count; i++)
            if (strcmp(en->fields[i].name, "w") == 0)
                users.items[users.count++] = en->fields[i].value; /* borrowed */
        rtmd_engine_route ev = { .kind = RTMD_ROUTE_EVENT, .app = app,
                                 .from = rtmd_inbox_get(en, "x", NULL), .members = &users,
                                 .frame = (const uint8_t *)b, .len = blen };
        e->cfg.route(&ev, e->cfg.arg);
        free(users.items);
        return;
    }
    if (k[0] == 'd') {
        rtmd_engine_route expired = { .kind = RTMD_ROUTE_MEDIA_EXPIRED, .app = app,
                                      .media_id = rtmd_inbox_get(en, "i", NULL) };
        if (expired.media_id)
            e->cfg.route(&expired, e->cfg.arg);
        return;
    }
    if (k[0] == 'x' || k[0] == 'r' || k[0] == 'b') {
        rtmd_engine_route moved = { .kind = k[0] == 'x'   ? RTMD_ROUTE_MOVED
                                            : k[0] == 'r' ? RTMD_ROUTE_KICKED
                                                          : RTMD_ROUTE_BANNED,
                                    .app = app,
                                    .user = rtmd_inbox_get(en, "u", NULL),
                                    .session_id = inbox_u64(en, "s") };
        if (moved.user)
            e->cfg.route(&moved, e->cfg.arg);
        return;
    }
    const char *from = rtmd_inbox_get(en, "f", NULL);
    size_t mlen = 0;
    const char *m = rtmd_inbox_get(en, "m", &mlen);
    if (!from || !m)
        return;
    Rtm__Wire__Message *msg = rtm__wire__message__unpack(NULL, mlen, (const uint8_t *)m);
    if (!msg) {
        rtmd_log(RTMD_LOG_ERROR, "redis inbox: a message that does not decode: dropped");
        return;
    }
    rtmd_engine_route route = { .app = app, .from = from };
    rtmd_strv members = { NULL, 0 };
    Rtm__Wire__PeerDeliver pd = RTM__WIRE__PEER_DELIVER__INIT;
    Rtm__Wire__ChannelDeliver cd = RTM__WIRE__CHANNEL_DELIVER__INIT;
    rtm__frame f = RTM__WIRE__FRAME__INIT;
    if (k[0] == 'p') {
        route.kind = RTMD_ROUTE_PEER;
        route.user = rtmd_inbox_get(en, "u", NULL);
        route.session_id = inbox_u64(en, "s");
        pd.from = (char *)from;
        pd.message = msg;
        pd.seq = inbox_u64(en, "q");
        f.body_case = RTM__WIRE__FRAME__BODY_PEER_DELIVER;
        f.peer_deliver = &pd;
    } else {
        route.kind = RTMD_ROUTE_CHANNEL;
        cd.channel = (char *)rtmd_inbox_get(en, "c", NULL);
        cd.from = (char *)from;
        cd.message = msg;
        cd.seq = inbox_u64(en, "q");
        f.body_case = RTM__WIRE__FRAME__BODY_CHANNEL_DELIVER;
        f.channel_deliver = &cd;
        size_t nu = 0;
        for (size_t i = 0; i < en->count; i++)
            nu += strcmp(en->fields[i].name, "u") == 0;
        members.items = calloc(nu ? nu : 1, sizeof *members.items);
        for (size_t i = 0; members.items && i < en->count; i++)
            if (strcmp(en->fields[i].name, "u") == 0)
                members.items[members.count++] = en->fields[i].value; /* borrowed */
        route.members = &members;
    }
    size_t len = rtm__frame_encoded_size(&f);
    uint8_t *buf = (route.kind == RTMD_ROUTE_PEER ? route.user != NULL
                                                  : cd.channel != NULL && members.items != NULL)
                       ? malloc(len)
                       : NULL;
    if (buf) {
        route.len = rtm__frame_encode(&f, buf);
        route.frame = buf;
        e->cfg.route(&route, e->cfg.arg);
    }
    free(buf);
    free(members.items);
    rtm__wire__message__free_unpacked(msg, NULL);
}

/* The answers of what was submitted before the batch came: its items go
 * out, then the next batch is read. */
static void redis_on_barrier(rtmd_redis *r, const redisReply *reply, int err, void *arg)
{
    (void)r;
    (void)reply;
    (void)err;
    redis_batch *b = arg;
    for (size_t i = 0; i < b->count; i++)
        redis_route_one(b->e, &b->entries[i]);
    rtmd_redis_inbox *in = b->in;
    free(b);
    rtmd_redis_inbox_next(in);
}

/* A batch read: handled once every answer due before it has come (a PING
 * on the operations' connection answers after them), so that a session
 * this node made in Redis before the items were left is known here. */
static void redis_on_inbox(rtmd_redis_inbox *in, const rtmd_inbox_entry *entries, size_t n,
                           void *arg)
{
    redis_engine *e = arg;
    redis_batch *b = malloc(sizeof *b);
    if (!b) {
        rtmd_redis_inbox_next(in); /* lost to this node; resumes carry them */
        return;
    }
    *b = (redis_batch){ e, in, entries, n };
    const char *ping = "PING";
    size_t ping_len = 4;
    rtmd_redis_command(e->redis, 1, &ping, &ping_len, redis_on_barrier, b);
}

/* ---- the library -------------------------------------------------------------------- */

static void redis_set_ready(redis_engine *e, bool ready)
{
    if (e->ready == ready)
        return;
    e->ready = ready;
    if (e->cfg.ready)
        e->cfg.ready(ready, e->cfg.arg);
}

/* A setup that failed on a connection still up is tried again after a
 * wait that doubles from the first to the last (a Redis loading its AOF
 * answers -LOADING for a while; another rtmd's layout stays). */
#define REDIS_SETUP_AGAIN_MS 200u
#define REDIS_SETUP_AGAIN_MAX_MS 10000u

static void redis_on_layout(rtmd_redis *r, const redisReply *reply, int err, void *arg)
{
    redis_engine *e = arg;
    if (err == RTMD_REDIS_OK && reply_is(reply, REDIS_REPLY_ERROR))
        rtmd_log(RTMD_LOG_ERROR, "redis engine: %s", reply->str);
    bool ok = err == RTMD_REDIS_OK && reply_is(reply, REDIS_REPLY_ARRAY) && !e->setup_failed;
    redis_set_ready(e, ok);
    if (ok) {
        e->setup_wait_ms = 0;
    } else if (rtmd_redis_up(r)) {
        e->setup_wait_ms = e->setup_wait_ms ? e->setup_wait_ms * 2 : REDIS_SETUP_AGAIN_MS;
        if (e->setup_wait_ms > REDIS_SETUP_AGAIN_MAX_MS)
            e->setup_wait_ms = REDIS_SETUP_AGAIN_MAX_MS;
        struct timeval tv = { (time_t)(e->setup_wait_ms / 1000),
                              (suseconds_t)(e->setup_wait_ms % 1000) * 1000 };
        evtimer_add(e->setup_again, &tv);
    }
}

/* The answer of a SELECT or FUNCTION LOAD: an error is logged, and makes
 * the LAYOUT call that follows them fail (or, for a SELECT, the functions
 * run on database 0: it is refused too, below). */
static void redis_on_load(rtmd_redis *r, const redisReply *reply, int err, void *arg)
{
    (void)r;
    redis_engine *e = arg;
    if (err == RTMD_REDIS_OK && reply_is(reply, REDIS_REPLY_ERROR) &&
        !strstr(reply->str, "already exists")) {
        rtmd_log(RTMD_LOG_ERROR, "redis engine: %s", reply->str);
        e->setup_failed = true;
    }
}

/* The connection is up: the database is selected, the library loaded
 * (again: Redis may have been restarted from a file without it, or another
 * rtmd version loaded another), then the layout checked. Operations
 * submitted meanwhile follow these on the connection. */
static void redis_setup(redis_engine *e)
{
    rtmd_redis *r = e->redis;
    e->setup_failed = false;
    if (e->cfg.db) {
        char db[16];
        snprintf(db, sizeof db, "%u", (unsigned)e->cfg.db);
        const char *select[] = { "SELECT", db };
        size_t select_len[] = { 6, strlen(db) };
        rtmd_redis_command(r, 2, select, select_len, redis_on_load, e);
    }
    /* Without REPLACE: a library of this name is this very text. */
    const char *load[] = { "FUNCTION", "LOAD", rtmd_redis_lib };
    size_t load_len[] = { 8, 4, rtmd_redis_lib_len };
    rtmd_redis_command(r, 3, load, load_len, redis_on_load, e);
    char fn[64];
    snprintf(fn, sizeof fn, "rtmd_%s_layout", rtmd_redis_lib_version);
    const char *layout[] = { "FCALL", fn, "0", e->node, REDIS_LAYOUT };
    size_t layout_len[] = { 5, strlen(fn), 1, strlen(e->node), strlen(REDIS_LAYOUT) };
    rtmd_redis_command(r, 5, layout, layout_len, redis_on_layout, e);
}

static void redis_setup_again(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    redis_engine *e = arg;
    if (rtmd_redis_up(e->redis) && !e->ready)
        redis_setup(e);
}

static void redis_changed(rtmd_redis *r, bool up, void *arg)
{
    (void)r;
    redis_engine *e = arg;
    if (!up) {
        evtimer_del(e->setup_again);
        redis_set_ready(e, false);
        return;
    }
    redis_setup(e);
}

static void redis_destroy(rtmd_engine *eng)
{
    redis_engine *e = (redis_engine *)eng;
    e->cfg.ready = NULL; /* nothing is told from here on */
    e->cfg.route = NULL;
    /* The operations' connection first: a batch waiting on its PING ends
     * with the inbox still there. */
    if (e->redis)
        rtmd_redis_free(e->redis);
    rtmd_redis_inbox_free(e->inbox);
    if (e->setup_again)
        event_free(e->setup_again);
    free(e->node);
    free(e);
}

static const rtmd_engine_ops redis_ops = { redis_submit, redis_destroy };

rtmd_engine *rtmd_engine_redis_new(struct event_base *base, const rtmd_engine_redis_config *cfg)
{
    redis_engine *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    e->base.ops = &redis_ops;
    e->cfg = *cfg;
    e->cfg.address = NULL; /* read here only */
    e->cfg.node = NULL;
    rtmd_redis_inbox_config ic = { cfg->address, cfg->db, cfg->node ? cfg->node : "",
                                   cfg->timeout_ms, redis_on_inbox, e };
    char name[128];
    snprintf(name, sizeof name, "rtmd:%s:ops", cfg->node ? cfg->node : "");
    rtmd_redis_config rc = { cfg->address, cfg->timeout_ms, cfg->backoff_min_ms,
                             cfg->backoff_max_ms, redis_changed, e, name };
    if (!(e->node = strdup(cfg->node ? cfg->node : "")) ||
        !(e->setup_again = evtimer_new(base, redis_setup_again, e)) ||
        !(e->redis = rtmd_redis_new(base, &rc)) || !(e->inbox = rtmd_redis_inbox_new(base, &ic))) {
        redis_destroy(&e->base);
        return NULL;
    }
    return &e->base;
}

bool rtmd_engine_redis_ready(const rtmd_engine *eng)
{
    const redis_engine *e = (const redis_engine *)eng;
    /* At a start, also the inbox: from then on nothing left for this node
     * is lost. */
    return e->ready && rtmd_redis_inbox_cleared(e->inbox);
}

void rtmd_engine_redis_stats_get(const rtmd_engine *eng, rtmd_engine_redis_stats *out)
{
    *out = ((const redis_engine *)eng)->stats;
}
