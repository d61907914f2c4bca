/*
 * events.c: what the application is told, as events on the client's
 * dispatcher (dispatch.h): the results of operations, exactly once each,
 * and the session's events (state changes, messages, member events,
 * replays, token notices, presence, channel attributes), each with its own
 * copies of what the wire carried. The session calls the rtm__ev_
 * functions on the loop thread; the *_run functions run on the callback
 * pool, where the application's callbacks are called.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "client.h"

/* Whether an event of c is dropped: the dispatcher is closing, or c is
 * (rtm_client_close: what had not started is not delivered). Results are
 * never dropped. */
static bool rtm__dropped(rtm_client *c, bool closing)
{
    return closing || atomic_load(&c->destroying);
}

static void rtm__chattrs_free(rtm__chattrs *v)
{
    for (size_t i = 0; i < v->count; i++) {
        free((char *)v->items[i].key);
        free((char *)v->items[i].value);
        free((char *)v->items[i].last_update_user_id);
    }
    free(v->items);
    v->items = NULL;
    v->count = 0;
}

/* Copies n wire attributes into v; false when out of memory (v freed). */
static bool rtm__chattrs_copy(rtm__chattrs *v, Rtm__Wire__Attribute *const *a, size_t n)
{
    v->count = 0;
    v->items = rtm__calloc(n ? n : 1, sizeof(*v->items));
    if (v->items == NULL)
        return false;
    for (size_t i = 0; i < n; i++) {
        rtm_channel_attribute *x = &v->items[i];
        x->key = rtm__strdup_or_empty(a[i]->key);
        x->value = rtm__strdup_or_empty(a[i]->value);
        x->last_update_user_id = rtm__strdup_or_empty(a[i]->last_update_user);
        x->last_update_ts = (int64_t)a[i]->last_update_ts;
        v->count = i + 1;
        if (x->key == NULL || x->value == NULL || x->last_update_user_id == NULL) {
            rtm__chattrs_free(v);
            return false;
        }
    }
    return true;
}

static void rtm__result_event_clear(rtm__result_event *e)
{
    for (size_t i = 0; i < e->nstrs; i++)
        free(e->strs[i]);
    free(e->strs);
    free(e->states);
    free(e->user);
    rtm__chattrs_free(&e->chattrs);
    if (e->has_media)
        rtm__media_message_free(&e->media);
    free(e->data);
    *e = (rtm__result_event){.code = e->code, .request_id = e->request_id};
}

/* Presence entries (users with states) for a callback; NULL when n is 0 or
 * out of memory. */
static rtm_peer_status *rtm__peer_status_list(char *const *users, const int *states,
                                              size_t n)
{
    rtm_peer_status *p = n ? rtm__calloc(n, sizeof(*p)) : NULL;
    for (size_t i = 0; p != NULL && i < n; i++) {
        p[i].peer_id = users[i];
        p[i].state = states[i];
    }
    return p;
}

/* Whether op has a callback to call. */
static bool rtm__has_callback(const rtm__op *op)
{
    switch (op->cb.shape) {
    case RTM__CB_RESULT: return op->cb.fn.result != NULL;
    case RTM__CB_MEMBERS: return op->cb.fn.members != NULL;
    case RTM__CB_ATTRIBUTES: return op->cb.fn.attributes != NULL;
    case RTM__CB_PEER_STATUS: return op->cb.fn.peer_status != NULL;
    case RTM__CB_MEMBER_COUNTS: return op->cb.fn.member_counts != NULL;
    case RTM__CB_CHANNEL_ATTRIBUTES: return op->cb.fn.channel_attributes != NULL;
    case RTM__CB_UPLOAD: return op->cb.fn.upload != NULL;
    case RTM__CB_DOWNLOAD: return op->cb.fn.download != NULL;
    }
    return false;
}

/* Calls op's callback, by its shape, with its result. */
static void rtm__call_back(rtm__op *op)
{
    rtm__result_event *e = &op->result;
    rtm_client *c = op->client;
    switch (op->cb.shape) {
    case RTM__CB_RESULT:
        op->cb.fn.result(c, e->code, op->closure);
        break;
    case RTM__CB_MEMBERS:
        op->cb.fn.members(op->channel, e->code, (const char *const *)e->strs, e->nstrs,
                          op->closure);
        break;
    case RTM__CB_ATTRIBUTES: {
        size_t n = e->nstrs / 2;
        rtm_attribute *attrs = n ? rtm__calloc(n, sizeof(*attrs)) : NULL;
        int code = n && attrs == NULL ? rtm__failure_code(op->kind) : e->code;
        for (size_t i = 0; attrs != NULL && i < n; i++) {
            attrs[i].key = e->strs[2 * i];
            attrs[i].value = e->strs[2 * i + 1];
        }
        op->cb.fn.attributes(c, code, e->user, attrs, attrs != NULL ? n : 0, op->closure);
        free(attrs);
        break;
    }
    case RTM__CB_PEER_STATUS: {
        rtm_peer_status *peers = rtm__peer_status_list(e->strs, e->states, e->nstrs);
        int code = e->nstrs && peers == NULL ? rtm__failure_code(op->kind) : e->code;
        op->cb.fn.peer_status(c, code, peers, peers != NULL ? e->nstrs : 0, op->closure);
        free(peers);
        break;
    }
    case RTM__CB_MEMBER_COUNTS: {
        rtm_channel_member_count *counts =
            e->nstrs ? rtm__calloc(e->nstrs, sizeof(*counts)) : NULL;
        for (size_t i = 0; counts != NULL && i < e->nstrs; i++) {
            counts[i].channel_id = e->strs[i];
            counts[i].count = e->states[i];
        }
        int code = e->nstrs && counts == NULL ? rtm__failure_code(op->kind) : e->code;
        op->cb.fn.member_counts(c, code, counts, counts != NULL ? e->nstrs : 0, op->closure);
        free(counts);
        break;
    }
    case RTM__CB_CHANNEL_ATTRIBUTES:
        op->cb.fn.channel_attributes(c, e->code, e->user, e->chattrs.items, e->chattrs.count,
                                     op->closure);
        break;
    case RTM__CB_UPLOAD:
        op->cb.fn.upload(c, e->code, e->code == 0 && e->has_media ? &e->media : NULL,
                         e->request_id, op->closure);
        break;
    case RTM__CB_DOWNLOAD:
        op->cb.fn.download(c, e->code, e->code == 0 ? e->data : NULL,
                           e->code == 0 ? e->len : 0, e->request_id, op->closure);
        break;
    }
}

static void rtm__result_run(void *arg, bool closing)
{
    /* Results always run, closing or not: the application frees its
     * closures there. */
    rtm__op *op = arg;
    if (rtm__has_callback(op))
        rtm__call_back(op);
    if (op->channel != NULL)
        rtm__channel_unref(op->channel);
    rtm__result_event_clear(&op->result);
    free(op);
}

/* Copies presence entries into users/states (count in *n); false when out
 * of memory (what was copied is kept for the caller to free). */
static bool rtm__states_copy(char ***users, int **states, size_t *n,
                             Rtm__Wire__PeerState *const *peers, size_t count)
{
    *users = rtm__calloc(count ? count : 1, sizeof(char *));
    *states = rtm__calloc(count ? count : 1, sizeof(int));
    if (*users == NULL || *states == NULL)
        return false;
    for (size_t i = 0; i < count; i++) {
        if (((*users)[i] = rtm__strdup(peers[i]->user)) == NULL)
            return false;
        (*states)[i] = peers[i]->state;
        *n = i + 1;
    }
    return true;
}

/* Copies a MemberCounts answer into e: channels in strs, counts in states.
 * False when out of memory. */
static bool rtm__counts_copy(rtm__result_event *e, const Rtm__Wire__MemberCounts *mc)
{
    size_t n = mc->n_counts;
    e->strs = rtm__calloc(n ? n : 1, sizeof(char *));
    e->states = rtm__calloc(n ? n : 1, sizeof(int));
    if (e->strs == NULL || e->states == NULL)
        return false;
    for (size_t i = 0; i < n; i++) {
        if ((e->strs[i] = rtm__strdup(mc->counts[i]->channel)) == NULL)
            return false;
        e->states[i] = mc->counts[i]->count > INT32_MAX ? INT32_MAX : (int)mc->counts[i]->count;
        e->nstrs = i + 1;
    }
    return true;
}

/* Copies n strings into e; false when out of memory. */
static bool rtm__result_copy(rtm__result_event *e, char *const *strs, size_t n)
{
    e->strs = rtm__calloc(n ? n : 1, sizeof(char *));
    if (e->strs == NULL)
        return false;
    for (size_t i = 0; i < n; i++) {
        if ((e->strs[i] = rtm__strdup(strs[i])) == NULL)
            return false;
        e->nstrs = i + 1;
    }
    return true;
}

void rtm__complete(rtm_client *c, rtm__op *op, int code, const rtm__frame *answer)
{
    /* Nobody to tell (a message sent without a callback): nothing to
     * post, and nothing for the callback thread to free but op. A
     * channel's op still goes through the queue: its reference is dropped
     * there, in order with the channel's events. */
    if (!rtm__has_callback(op) && op->channel == NULL) {
        free(op);
        return;
    }
    rtm__result_event *e = &op->result;
    e->code = code;
    bool ok = true;
    if (answer != NULL && code == 0 &&
        answer->body_case == RTM__WIRE__FRAME__BODY_MEMBERS) {
        ok = rtm__result_copy(e, answer->members->users,
                              answer->members->n_users);
    } else if (answer != NULL &&
               answer->body_case == RTM__WIRE__FRAME__BODY_ATTRIBUTES) {
        const Rtm__Wire__Attributes *a = answer->attributes;
        size_t n = code == 0 ? a->n_attributes : 0;
        char **flat = rtm__calloc(2 * n + 1, sizeof(char *));
        for (size_t i = 0; flat != NULL && i < n; i++) {
            flat[2 * i] = a->attributes[i]->key;
            flat[2 * i + 1] = a->attributes[i]->value;
        }
        ok = flat != NULL && rtm__result_copy(e, flat, 2 * n) &&
             (e->user = rtm__strdup(a->user)) != NULL;
        free(flat);
    } else if (answer != NULL && code == 0 &&
               answer->body_case == RTM__WIRE__FRAME__BODY_PEER_STATES) {
        ok = rtm__states_copy(&e->strs, &e->states, &e->nstrs, answer->peer_states->peers,
                              answer->peer_states->n_peers);
    } else if (answer != NULL && code == 0 &&
               answer->body_case == RTM__WIRE__FRAME__BODY_MEMBER_COUNTS) {
        ok = rtm__counts_copy(e, answer->member_counts);
    } else if (answer != NULL &&
               answer->body_case == RTM__WIRE__FRAME__BODY_CHANNEL_ATTRIBUTES) {
        const Rtm__Wire__ChannelAttributes *a = answer->channel_attributes;
        ok = (e->user = rtm__strdup_or_empty(a->channel)) != NULL &&
             rtm__chattrs_copy(&e->chattrs, a->attributes, code == 0 ? a->n_attributes : 0);
    }
    if (!ok) {
        rtm__log(c, RTM_LOG_ERROR, "out of memory copying a result");
        rtm__result_event_clear(e);
        e->code = rtm__failure_code(op->kind);
    }
    rtm__dispatch_post_event(c->dispatch, &op->event, rtm__result_run, op);
}

void rtm__complete_media(rtm_client *c, rtm__op *op, int code)
{
    if (!rtm__has_callback(op)) {
        rtm__result_event_clear(&op->result);
        free(op);
        return;
    }
    op->result.code = code;
    rtm__dispatch_post_event(c->dispatch, &op->event, rtm__result_run, op);
}

typedef struct {
    rtm_client *client;
    int state;
    int reason;
} rtm__state_event;

static void rtm__state_run(void *arg, bool closing)
{
    rtm__state_event *e = arg;
    rtm_client *c = e->client;
    if (!rtm__dropped(c, closing) && c->cb.on_connection_state_changed != NULL)
        c->cb.on_connection_state_changed(c, e->state, e->reason, c->closure);
    free(e);
}

void rtm__ev_state_changed(void *ud, int state, int reason)
{
    rtm_client *c = ud;
    /* C7: logged out (a logout ended them already, telling the peers),
     * kicked or banned: the open invitations end first. */
    if (state == RTM_CONNECTION_STATE_DISCONNECTED || state == RTM_CONNECTION_STATE_ABORTED)
        rtm__calls_end_all(c->calls, rtm__now(), false);
    /* Transfers are bound to a link that is gone (or going). */
    if (state != RTM_CONNECTION_STATE_CONNECTED)
        rtm__media_end_all(c, false);
    rtm__state_event *e = rtm__malloc(sizeof(*e));
    if (e != NULL) {
        e->client = c;
        e->state = state;
        e->reason = reason;
    }
    if (e == NULL || rtm__dispatch_post(c->dispatch, rtm__state_run, e) != 0) {
        free(e);
        rtm__log(c, RTM_LOG_CRITICAL, "out of memory: a state change is lost");
    }
}

void rtm__ev_op_done(void *ud, uint64_t op, rtm__op_kind kind, int code,
                             const rtm__frame *answer)
{
    rtm_client *c = ud;
    if (kind == RTM__OP_CALL_SIGNAL) /* op is the signal's token */
        rtm__calls_sent(c->calls, rtm__now(), op, code);
    else if (kind == RTM__OP_MEDIA_UPLOAD || kind == RTM__OP_MEDIA_DOWNLOAD)
        rtm__media_begun(c, op, code, answer); /* op is the transfer's serial */
    else
        rtm__complete(c, (rtm__op *)(uintptr_t)op, code, answer);
}

/* A message (peer, or a channel's) or a channel's member event, with its
 * own copies. */
typedef enum {
    RTM__EV_MESSAGE,        /* a peer message when channel is NULL */
    RTM__EV_MEDIA_MESSAGE,  /* a file or image message, the same way */
    RTM__EV_MEMBER_JOINED,
    RTM__EV_MEMBER_LEFT,
    RTM__EV_MEMBER_COUNT
} rtm__message_kind;

typedef struct {
    rtm_client *client;
    rtm_channel *channel;   /* holds a reference; NULL for a peer message */
    rtm__message_kind kind;
    union {
        struct {
            char *from;
            rtm_message msg;
            rtm_media_message media; /* MEDIA_MESSAGE */
        } message;          /* MESSAGE, MEDIA_MESSAGE */
        char *user;         /* MEMBER_JOINED, MEMBER_LEFT */
        int count;          /* MEMBER_COUNT */
    } u;
} rtm__message_event;

static void rtm__message_event_free(rtm__message_event *e)
{
    switch (e->kind) {
    case RTM__EV_MESSAGE:
        free(e->u.message.from);
        free((char *)e->u.message.msg.text);
        free((void *)e->u.message.msg.raw);
        free((char *)e->u.message.msg.description);
        break;
    case RTM__EV_MEDIA_MESSAGE:
        free(e->u.message.from);
        rtm__media_message_free(&e->u.message.media);
        break;
    case RTM__EV_MEMBER_JOINED:
    case RTM__EV_MEMBER_LEFT:
        free(e->u.user);
        break;
    case RTM__EV_MEMBER_COUNT:
        break;
    }
    if (e->channel != NULL)
        rtm__channel_unref(e->channel);
    free(e);
}

static void rtm__message_run(void *arg, bool closing)
{
    rtm__message_event *e = arg;
    rtm_client *c = e->client;
    rtm_channel *ch = e->channel;
    if (rtm__dropped(c, closing) || (ch != NULL && atomic_load(&ch->released))) {
        rtm__message_event_free(e);
        return;
    }
    switch (e->kind) {
    case RTM__EV_MESSAGE:
        if (ch == NULL && c->cb.on_message_received != NULL)
            c->cb.on_message_received(c, &e->u.message.msg, e->u.message.from, c->closure);
        else if (ch != NULL && ch->cb.on_message_received != NULL)
            ch->cb.on_message_received(ch, &e->u.message.msg, e->u.message.from,
                                       ch->closure);
        break;
    case RTM__EV_MEDIA_MESSAGE:
        if (ch == NULL && c->cb.on_media_message_received != NULL)
            c->cb.on_media_message_received(c, &e->u.message.media, e->u.message.from,
                                            c->closure);
        else if (ch != NULL && ch->cb.on_media_message_received != NULL)
            ch->cb.on_media_message_received(ch, &e->u.message.media, e->u.message.from,
                                             ch->closure);
        break;
    case RTM__EV_MEMBER_JOINED:
        if (ch->cb.on_member_joined != NULL)
            ch->cb.on_member_joined(ch, e->u.user, ch->closure);
        break;
    case RTM__EV_MEMBER_LEFT:
        if (ch->cb.on_member_left != NULL)
            ch->cb.on_member_left(ch, e->u.user, ch->closure);
        break;
    case RTM__EV_MEMBER_COUNT:
        if (ch->cb.on_member_count_updated != NULL)
            ch->cb.on_member_count_updated(ch, e->u.count, ch->closure);
        break;
    }
    rtm__message_event_free(e);
}

/* Copies a wire message into msg. Returns false when out of memory (what
 * was copied is msg's, to be freed). */
static bool rtm__copy_message(rtm_message *msg, const Rtm__Wire__Message *m)
{
    msg->type = (int)m->type;
    msg->server_received_ts = (int64_t)m->server_ts;
    msg->offline = m->offline;
    if (m->type == RTM_MESSAGE_TYPE_RAW) {
        /* One byte more, so that an empty raw message is not NULL. */
        void *raw = rtm__malloc(m->raw.len + 1);
        if (raw == NULL)
            return false;
        if (m->raw.len > 0)
            memcpy(raw, m->raw.data, m->raw.len);
        msg->raw = raw;
        msg->raw_len = m->raw.len;
        msg->description = rtm__strdup_or_empty(m->description);
        return msg->description != NULL;
    }
    msg->text = rtm__strdup_or_empty(m->text);
    return msg->text != NULL;
}

/* Posts e, or frees it (and its copies, and its channel's reference) and
 * logs what was lost. */
static void rtm__post_message_event(rtm_client *c, rtm__message_event *e, bool copied,
                                    const char *what)
{
    if (copied && rtm__dispatch_post(c->dispatch, rtm__message_run, e) == 0)
        return;
    rtm__log(c, RTM_LOG_ERROR, "out of memory: %s is lost", what);
    rtm__message_event_free(e);
}

/* A new event of kind for ch (its reference is the event's from now on,
 * even when this fails), or NULL when out of memory. */
static rtm__message_event *rtm__message_event_new(rtm_client *c, rtm_channel *ch,
                                                  rtm__message_kind kind, const char *what)
{
    rtm__message_event *e = rtm__calloc(1, sizeof(*e));
    if (e == NULL) {
        rtm__log(c, RTM_LOG_ERROR, "out of memory: %s is lost", what);
        if (ch != NULL)
            rtm__channel_unref(ch);
        return NULL;
    }
    e->client = c;
    e->channel = ch;
    e->kind = kind;
    return e;
}

/* A message, peer (ch NULL) or of channel ch. */
static void rtm__post_message(rtm_client *c, rtm_channel *ch, const char *from,
                              const Rtm__Wire__Message *m)
{
    bool media = m->media != NULL &&
                 (m->type == RTM_MESSAGE_TYPE_FILE || m->type == RTM_MESSAGE_TYPE_IMAGE);
    rtm__message_event *e = rtm__message_event_new(
        c, ch, media ? RTM__EV_MEDIA_MESSAGE : RTM__EV_MESSAGE, "a message");
    if (e == NULL)
        return;
    e->u.message.from = rtm__strdup_or_empty(from);
    bool copied = e->u.message.from != NULL &&
                  (media ? rtm__media_message_from_wire(&e->u.message.media, m)
                         : rtm__copy_message(&e->u.message.msg, m));
    rtm__post_message_event(c, e, copied, "a message");
}

void rtm__ev_peer_message(void *ud, const Rtm__Wire__PeerDeliver *m)
{
    rtm__post_message(ud, NULL, m->from, m->message);
}

void rtm__ev_channel_message(void *ud, const Rtm__Wire__ChannelDeliver *m)
{
    rtm_client *c = ud;
    rtm_channel *ch = rtm__channel_lookup(c, m->channel);
    if (ch != NULL)
        rtm__post_message(c, ch, m->from, m->message);
}

void rtm__ev_member_event(void *ud, const Rtm__Wire__MemberEvent *m)
{
    rtm_client *c = ud;
    rtm_channel *ch = rtm__channel_lookup(c, m->channel);
    if (ch == NULL)
        return;
    rtm__message_event *e = rtm__message_event_new(
        c, ch, m->joined ? RTM__EV_MEMBER_JOINED : RTM__EV_MEMBER_LEFT, "a member event");
    if (e == NULL)
        return;
    e->u.user = rtm__strdup_or_empty(m->user);
    rtm__post_message_event(c, e, e->u.user != NULL, "a member event");
}

void rtm__ev_member_count(void *ud, const Rtm__Wire__MemberCountEvent *m)
{
    rtm_client *c = ud;
    rtm_channel *ch = rtm__channel_lookup(c, m->channel);
    if (ch == NULL)
        return;
    rtm__message_event *e = rtm__message_event_new(c, ch, RTM__EV_MEMBER_COUNT,
                                                   "a member count");
    if (e == NULL)
        return;
    e->u.count = m->count > INT32_MAX ? INT32_MAX : (int)m->count;
    rtm__post_message_event(c, e, true, "a member count");
}

typedef struct {
    rtm_client *client;
    rtm_replay_info info;
} rtm__replay_event;

static void rtm__replay_run(void *arg, bool closing)
{
    rtm__replay_event *e = arg;
    rtm_client *c = e->client;
    if (!rtm__dropped(c, closing) && c->cb.on_replay_done != NULL)
        c->cb.on_replay_done(c, &e->info, c->closure);
    free(e);
}

void rtm__ev_replay_done(void *ud, const Rtm__Wire__ReplayDone *r)
{
    rtm_client *c = ud;
    rtm__replay_event *e = rtm__malloc(sizeof(*e));
    if (e != NULL) {
        e->client = c;
        e->info.peer_messages = r->peer_messages;
        e->info.channel_messages = r->channel_messages;
        e->info.channel_skipped = r->channel_skipped;
        e->info.peer_dropped = r->peer_dropped;
    }
    if (e == NULL || rtm__dispatch_post(c->dispatch, rtm__replay_run, e) != 0) {
        free(e);
        rtm__log(c, RTM_LOG_ERROR, "out of memory: a replay report is lost");
    }
}

/* The two token notices (SPEC S15), with no payload but seconds_left. */
typedef struct {
    rtm_client *client;
    bool expired;           /* onTokenExpired, else onTokenPrivilegeWillExpire */
    uint32_t seconds_left;
} rtm__token_event;

static void rtm__token_run(void *arg, bool closing)
{
    rtm__token_event *e = arg;
    rtm_client *c = e->client;
    bool deliver = !rtm__dropped(c, closing);
    if (deliver && e->expired && c->cb.on_token_expired != NULL)
        c->cb.on_token_expired(c, c->closure);
    else if (deliver && !e->expired && c->cb.on_token_privilege_will_expire != NULL)
        c->cb.on_token_privilege_will_expire(c, e->seconds_left, c->closure);
    free(e);
}

static void rtm__post_token_event(rtm_client *c, bool expired, uint32_t left)
{
    rtm__token_event *e = rtm__malloc(sizeof(*e));
    if (e != NULL) {
        e->client = c;
        e->expired = expired;
        e->seconds_left = left;
    }
    if (e == NULL || rtm__dispatch_post(c->dispatch, rtm__token_run, e) != 0) {
        free(e);
        rtm__log(c, RTM_LOG_ERROR, "out of memory: a token notice is lost");
    }
}

void rtm__ev_token_expired(void *ud)
{
    rtm__post_token_event(ud, true, 0);
}

void rtm__ev_token_will_expire(void *ud, uint32_t seconds_left)
{
    rtm__post_token_event(ud, false, seconds_left);
}

/* onPeersOnlineStatusChanged, with its own copies. */
typedef struct {
    rtm_client *client;
    char **users;
    int *states;
    size_t n;
} rtm__presence_event;

static void rtm__presence_event_free(rtm__presence_event *e)
{
    for (size_t i = 0; i < e->n; i++)
        free(e->users[i]);
    free(e->users);
    free(e->states);
    free(e);
}

static void rtm__presence_run(void *arg, bool closing)
{
    rtm__presence_event *e = arg;
    rtm_client *c = e->client;
    rtm_peer_status *peers = rtm__peer_status_list(e->users, e->states, e->n);
    if (peers == NULL && e->n)
        rtm__log(c, RTM_LOG_ERROR, "out of memory: a presence change is lost");
    else if (!rtm__dropped(c, closing) && c->cb.on_peers_online_status_changed != NULL)
        c->cb.on_peers_online_status_changed(c, peers, e->n, c->closure);
    free(peers);
    rtm__presence_event_free(e);
}

void rtm__ev_peer_states(void *ud, const Rtm__Wire__PeerStateEvent *ev)
{
    rtm_client *c = ud;
    rtm__presence_event *e = rtm__calloc(1, sizeof(*e));
    if (e != NULL)
        e->client = c;
    if (e == NULL || !rtm__states_copy(&e->users, &e->states, &e->n, ev->peers, ev->n_peers) ||
        rtm__dispatch_post(c->dispatch, rtm__presence_run, e) != 0) {
        if (e != NULL)
            rtm__presence_event_free(e);
        rtm__log(c, RTM_LOG_ERROR, "out of memory: a presence change is lost");
    }
}

/* A channel's attributes after a change made with notify. */
typedef struct {
    rtm_channel *channel;   /* holds a reference */
    rtm__chattrs list;
} rtm__chattrs_event;

static void rtm__chattrs_event_free(rtm__chattrs_event *e)
{
    rtm__chattrs_free(&e->list);
    rtm__channel_unref(e->channel);
    free(e);
}

static void rtm__chattrs_run(void *arg, bool closing)
{
    rtm__chattrs_event *e = arg;
    rtm_channel *ch = e->channel;
    if (!rtm__dropped(ch->client, closing) && !atomic_load(&ch->released) &&
        ch->cb.on_attributes_updated != NULL)
        ch->cb.on_attributes_updated(ch, e->list.items, e->list.count, ch->closure);
    rtm__chattrs_event_free(e);
}

void rtm__ev_channel_attributes(void *ud, const Rtm__Wire__ChannelAttributesEvent *ev)
{
    rtm_client *c = ud;
    rtm_channel *ch = rtm__channel_lookup(c, ev->channel ? ev->channel : "");
    if (ch == NULL)
        return;
    rtm__chattrs_event *e = rtm__calloc(1, sizeof(*e));
    if (e == NULL) {
        rtm__channel_unref(ch);
    } else {
        e->channel = ch;
        if (rtm__chattrs_copy(&e->list, ev->attributes, ev->n_attributes) &&
            rtm__dispatch_post(c->dispatch, rtm__chattrs_run, e) == 0)
            return;
        rtm__chattrs_event_free(e);
    }
    rtm__log(c, RTM_LOG_ERROR, "out of memory: a channel attributes event is lost");
}

static void rtm__channel_closed_run(void *arg, bool closing)
{
    /* Runs closing or not, like a result: the application frees the
     * channel's closure there. */
    rtm_channel *ch = arg;
    if (ch->cb.on_closed != NULL)
        ch->cb.on_closed(ch, ch->closure);
    rtm__channel_unref(ch);
}

void rtm__ev_channel_closed(rtm_channel *ch)
{
    rtm__dispatch_post_event(ch->client->dispatch, &ch->close_event, rtm__channel_closed_run,
                             ch);
}
