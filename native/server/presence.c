/* presence.c: ONLINE, UNREACHABLE, OFFLINE; queries, subscriptions and
 * their events (SPEC A8). */
#include "presence.h"

#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "call.h"
#include "engine/engine.h"
#include "outbox.h"
#include "ids.h"
#include "log.h"
#include "rtm/rtm_codes.h"

rtmd_peer_state rtmd_presence_state(const rtmd_session *s)
{
    if (!s)
        return RTMD_PEER_OFFLINE;
    if (!s->link && s->unreachable)
        return RTMD_PEER_UNREACHABLE;
    return RTMD_PEER_ONLINE;
}

static const char *presence_state_name(rtmd_peer_state st)
{
    static const char *const names[] = { "ONLINE", "UNREACHABLE", "OFFLINE" };
    return (unsigned)st < 3u ? names[st] : "?";
}

/* ---- lists of states ---------------------------------------------------- */

/* PeerState messages for users (borrowed strings), ready to be sent. */
typedef struct {
    Rtm__Wire__PeerState *items;
    Rtm__Wire__PeerState **ptrs;
    size_t count;
} presence_list;

static void presence_list_free(presence_list *l)
{
    free(l->items);
    free(l->ptrs);
    *l = (presence_list){ NULL, NULL, 0 };
}

/* The current state of each of users[0..n) of app (known: the engine's
 * answer to RTMD_ENG_PRESENCE for them, or NULL). 0, or -1 when out of
 * memory. */
static int presence_list_make(rtmd_server *srv, const char *app, char *const *users,
                              size_t n, const uint32_t *known, presence_list *out)
{
    *out = (presence_list){ NULL, NULL, 0 };
    if (n == 0)
        return 0;
    out->items = calloc(n, sizeof *out->items);
    out->ptrs = calloc(n, sizeof *out->ptrs);
    if (!out->items || !out->ptrs) {
        presence_list_free(out);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        Rtm__Wire__PeerState init = RTM__WIRE__PEER_STATE__INIT;
        out->items[i] = init;
        out->items[i].user = users[i];
        /* known: what the engine says of other nodes' sessions (engine.h,
         * RTMD_ENG_PRESENCE); this node's it knows itself. */
        out->items[i].state =
            known && known[i] != RTMD_PRESENCE_HERE
                ? (int32_t)known[i]
                : (int32_t)rtmd_presence_state(rtmd_registry_find(&srv->sessions, app, users[i]));
        out->ptrs[i] = &out->items[i];
    }
    out->count = n;
    return 0;
}

/* Sends PeerStateEvent{l} (request_id 0) to s, if it has an open link. */
static void presence_send_event(rtmd_session *s, const presence_list *l)
{
    if (l->count == 0)
        return;
    Rtm__Wire__PeerStateEvent ev = RTM__WIRE__PEER_STATE_EVENT__INIT;
    ev.n_peers = l->count;
    ev.peers = l->ptrs;
    rtm__frame f = RTM__WIRE__FRAME__INIT;
    f.body_case = RTM__WIRE__FRAME__BODY_PEER_STATE_EVENT;
    f.peer_state_event = &ev;
    rtmd_send(s, &f);
}

/* A question of the states of users to the engine, for other nodes'
 * sessions (RTMD_ENG_PRESENCE): its users copied in ctx (an rtmd_strv);
 * then, with arg 0, a PeerStateEvent to the session call->session_id of
 * (app, user), or, with arg 1, PeerStates{code call->n} to call->answer. */
static void presence_asked(rtmd_eng_op *op);

static rtmd_call *presence_ask_new(rtmd_server *srv, const char *app, const char *user,
                                   char *const *users, size_t n)
{
    rtmd_call *call = rtmd_call_new(srv, RTMD_ENG_PRESENCE, presence_asked, app, user, NULL);
    rtmd_strv *copy = call ? calloc(1, sizeof *copy) : NULL;
    if (copy)
        copy->items = calloc(n ? n : 1, sizeof *copy->items);
    for (size_t i = 0; copy && copy->items && i < n; i++) {
        if (!(copy->items[i] = strdup(users[i])))
            break;
        copy->count++;
    }
    if (!copy || copy->count != n) {
        if (copy)
            rtmd_strv_free(copy);
        free(copy);
        if (call)
            rtmd_call_free(call);
        return NULL;
    }
    call->ctx = copy;
    call->op.in.presence.app = call->app;
    call->op.in.presence.users = copy->items;
    call->op.in.presence.n_users = n;
    return call;
}

/* PeerStates{code, l's states (NULL: none)} to to. */
static void presence_reply_states(rtmd_later *to, int code, const presence_list *l)
{
    Rtm__Wire__PeerStates ps = RTM__WIRE__PEER_STATES__INIT;
    ps.code = code;
    ps.n_peers = l ? l->count : 0;
    ps.peers = l ? l->ptrs : NULL;
    rtm__frame f = RTM__WIRE__FRAME__INIT;
    f.body_case = RTM__WIRE__FRAME__BODY_PEER_STATES;
    f.peer_states = &ps;
    rtmd_later_reply(to, &f);
}

static void presence_asked(rtmd_eng_op *op)
{
    rtmd_call *call = rtmd_call_of(op);
    rtmd_strv *users = call->ctx;
    presence_list l = { NULL, NULL, 0 };
    int failed = op->code != 0 ||
                 presence_list_make(call->srv, call->app, users->items, users->count,
                                    op->counts, &l) != 0;
    if (call->arg == 0) {
        rtmd_session *s = rtmd_call_session(call);
        if (failed)
            rtmd_log(RTMD_LOG_ERROR, "%s/%s: cannot tell it %zu peer states", call->app,
                     call->user, users->count);
        else if (s)
            presence_send_event(s, &l);
    } else {
        presence_reply_states(&call->answer,
                              failed ? RTM_QUERY_PEERS_ONLINE_STATUS_ERR_FAILURE : (int)call->n,
                              failed ? NULL : &l);
    }
    presence_list_free(&l);
    rtmd_strv_free(users);
    free(users);
    rtmd_call_free(call);
}

/* Sends s the current state of users[0..n) as one PeerStateEvent: those of
 * other nodes' sessions asked of the engine first. */
static void presence_tell(rtmd_server *srv, rtmd_session *s, char *const *users, size_t n)
{
    rtmd_call *call = n ? presence_ask_new(srv, s->app_id, s->user_id, users, n) : NULL;
    if (!call) {
        if (n)
            rtmd_log(RTMD_LOG_ERROR, "%s/%s: out of memory sending %zu peer states", s->app_id,
                     s->user_id, n);
        return;
    }
    call->arg = 0;
    call->session_id = s->id;
    rtmd_call_submit(call);
}

/* ---- events ------------------------------------------------------------- */

/* The user's subscribers, listed, are sent its state: those of this node
 * here, the others' by the engine in the same step (FOLLOWERS' frame). */
static void presence_announce_done(rtmd_eng_op *op)
{
    rtmd_call *call = rtmd_call_of(op);
    uint8_t *buf = call->ctx;
    rtmd_fan_out(call->srv, call->app, NULL, &op->users, buf, (size_t)call->n);
    free(buf);
    rtmd_call_free(call);
}

void rtmd_presence_announce(rtmd_server *srv, const char *app, const char *user,
                            rtmd_peer_state to)
{
    rtmd_log(RTMD_LOG_DEBUG, "%s/%s: now %s to its subscribers", app, user,
             presence_state_name(to));
    Rtm__Wire__PeerState st = RTM__WIRE__PEER_STATE__INIT;
    st.user = (char *)user;
    st.state = (int32_t)to;
    Rtm__Wire__PeerState *ptr = &st;
    Rtm__Wire__PeerStateEvent ev = RTM__WIRE__PEER_STATE_EVENT__INIT;
    ev.n_peers = 1;
    ev.peers = &ptr;
    rtm__frame f = RTM__WIRE__FRAME__INIT;
    f.body_case = RTM__WIRE__FRAME__BODY_PEER_STATE_EVENT;
    f.peer_state_event = &ev;
    size_t len = 0;
    uint8_t *buf = rtmd_encode(&f, &len);
    rtmd_call *call =
        buf ? rtmd_call_new(srv, RTMD_ENG_FOLLOWERS, presence_announce_done, app, user, NULL)
            : NULL;
    if (!call) {
        free(buf);
        rtmd_log(RTMD_LOG_ERROR, "%s/%s: out of memory telling its subscribers", app, user);
        return;
    }
    call->arg = (int)to;
    call->ctx = buf;
    call->n = len;
    call->op.in.followers.of = (rtmd_user){ call->app, call->user };
    call->op.in.followers.state = (int)to;
    call->op.in.followers.frame = buf;
    call->op.in.followers.len = len;
    rtmd_call_submit(call);
}

static void presence_become_unreachable(rtmd_server *srv, rtmd_session *s)
{
    char who[200];
    s->unreachable = true;
    rtmd_log(RTMD_LOG_INFO, "%s: nothing received for %u ms: unreachable",
             rtmd_session_name(s, who, sizeof who), srv->cfg->unreachable_ms);
    rtmd_presence_announce(srv, s->app_id, s->user_id, RTMD_PEER_UNREACHABLE);
}

static void presence_timer_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    rtmd_session *s = arg;
    rtmd_server_tick(s->srv);
    if (!s->link && s->grace.in && !s->unreachable)
        presence_become_unreachable(s->srv, s);
}

void rtmd_presence_link_lost(rtmd_server *srv, rtmd_session *s)
{
    uint64_t at = rtmd_unreachable_at(s->last_rx_ms, srv->cfg->unreachable_ms, s->grace.until);
    if (s->link || !s->grace.in || s->unreachable || at == RTMD_NEVER)
        return; /* the grace ends first: OFFLINE then */
    uint64_t now = srv->now.mono_ms;
    if (at <= now) {
        presence_become_unreachable(srv, s);
        return;
    }
    if (!s->presence_timer) {
        s->presence_timer = evtimer_new(srv->base, presence_timer_cb, s);
        if (!s->presence_timer) {
            rtmd_log(RTMD_LOG_ERROR, "out of memory for a presence timer");
            return;
        }
    }
    uint64_t wait = at - now;
    struct timeval tv = { (time_t)(wait / 1000u), (suseconds_t)(wait % 1000u * 1000u) };
    evtimer_add(s->presence_timer, &tv);
}

void rtmd_presence_link_back(rtmd_session *s)
{
    s->unreachable = false;
    if (s->presence_timer)
        event_del(s->presence_timer);
}

static void presence_resumed_done(rtmd_eng_op *op)
{
    rtmd_call *call = rtmd_call_of(op);
    rtmd_session *s = rtmd_call_session(call);
    if (op->code != RTMD_STORE_OK)
        rtmd_log(RTMD_LOG_ERROR, "%s/%s: cannot list its subscriptions", call->app,
                 call->user);
    else if (s)
        presence_tell(call->srv, s, op->users.items, op->users.count);
    rtmd_call_free(call);
}

void rtmd_presence_resumed(rtmd_server *srv, rtmd_session *s)
{
    rtmd_call *call = rtmd_call_new(srv, RTMD_ENG_SUBSCRIBED, presence_resumed_done,
                                    s->app_id, s->user_id, NULL);
    if (!call) {
        rtmd_log(RTMD_LOG_ERROR, "%s/%s: out of memory listing its subscriptions", s->app_id,
                 s->user_id);
        return;
    }
    call->session_id = s->id;
    call->op.in.subscribed.of = (rtmd_user){ call->app, call->user };
    rtmd_call_submit(call);
}

void rtmd_presence_free(rtmd_session *s)
{
    if (s->presence_timer)
        event_free(s->presence_timer);
    s->presence_timer = NULL;
}

/* ---- requests ----------------------------------------------------------- */

static bool presence_ids_valid(char *const *users, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!rtm__user_id_valid(users[i]))
            return false;
    return true;
}

/* Answers PeerStates{code, the states of users[0..n)} (to, taken over);
 * FAILURE (1 in both families) when out of memory. */
static void presence_answer_states(rtmd_server *srv, rtmd_later *to, const char *app, int code,
                                   char *const *users, size_t n)
{
    rtmd_call *call = presence_ask_new(srv, app, NULL, users, n);
    if (!call) {
        presence_reply_states(to, n ? RTM_QUERY_PEERS_ONLINE_STATUS_ERR_FAILURE : code, NULL);
        return;
    }
    call->arg = 1;
    call->n = (uint64_t)code;
    call->answer = *to;
    *to = (rtmd_later){ 0 };
    rtmd_call_submit(call);
}

void rtmd_presence_query(const rtmd_req *rq, const rtm__frame *f)
{
    const Rtm__Wire__QueryPeers *q = f->query_peers;
    int code = RTM_QUERY_PEERS_ONLINE_STATUS_ERR_OK;
    if (q->n_users == 0 || q->n_users > RTMD_QUERY_PEERS_MAX ||
        !presence_ids_valid(q->users, q->n_users))
        code = RTM_QUERY_PEERS_ONLINE_STATUS_ERR_INVALID_ARGUMENT;
    else if (!rtmd_request_rate_ok(rq))
        code = RTM_QUERY_PEERS_ONLINE_STATUS_ERR_TOO_OFTEN;
    rtmd_later now = rtmd_reply_later(rq);
    presence_answer_states(rq->srv, &now, rq->s->app_id, code, q->users,
                           code == RTM_QUERY_PEERS_ONLINE_STATUS_ERR_OK ? q->n_users : 0);
}

static void presence_subscribe_done(rtmd_eng_op *op)
{
    rtmd_call *call = rtmd_call_of(op);
    rtmd_log(RTMD_LOG_DEBUG, "%s/%s: %s %zu users: %s (%zu new, %zu in all)", call->app,
             call->user, op->in.subscribe.unsubscribe ? "unsubscribe from" : "subscribe to",
             op->in.subscribe.n_users,
             rtm_code_name(RTM_FAMILY_PEER_SUBSCRIPTION_STATUS_ERR, op->code), op->users.count,
             op->count);
    rtmd_later_result(&call->answer, op->code);
    /* The states of the users it now follows, right after the answer. */
    rtmd_session *s = rtmd_call_session(call);
    if (op->code == RTM_PEER_SUBSCRIPTION_STATUS_ERR_OK && s)
        presence_tell(call->srv, s, op->users.items, op->users.count);
    rtmd_call_free(call);
}

void rtmd_presence_subscribe(const rtmd_req *rq, const rtm__frame *f)
{
    const Rtm__Wire__Subscribe *sub = f->subscribe;
    if (sub->n_users == 0 || !presence_ids_valid(sub->users, sub->n_users)) {
        rtmd_reply_result(rq, RTM_PEER_SUBSCRIPTION_STATUS_ERR_INVALID_ARGUMENT);
        return;
    }
    if (!rtmd_request_rate_ok(rq)) {
        rtmd_reply_result(rq, RTM_PEER_SUBSCRIPTION_STATUS_ERR_TOO_OFTEN);
        return;
    }
    rtmd_call *call = rtmd_call_new(rq->srv, RTMD_ENG_SUBSCRIBE, presence_subscribe_done,
                                    rq->s->app_id, rq->s->user_id, NULL);
    if (!call) {
        rtmd_reply_result(rq, RTM_PEER_SUBSCRIPTION_STATUS_ERR_FAILURE);
        return;
    }
    call->op.in.subscribe.of = (rtmd_user){ call->app, call->user };
    call->op.in.subscribe.users = sub->users;
    call->op.in.subscribe.n_users = sub->n_users;
    call->op.in.subscribe.unsubscribe = sub->unsubscribe;
    call->op.in.subscribe.max = RTMD_SUBSCRIPTIONS_MAX;
    rtmd_call_submit_for(rq, call);
}

static void presence_get_subscribed_done(rtmd_eng_op *op)
{
    rtmd_call *call = rtmd_call_of(op);
    int code = op->code == RTMD_STORE_OK ? RTM_QUERY_PEERS_BY_SUBSCRIPTION_OPTION_ERR_OK
                                         : RTM_QUERY_PEERS_BY_SUBSCRIPTION_OPTION_ERR_FAILURE;
    presence_answer_states(call->srv, &call->answer, call->app, code, op->users.items,
                           code == 0 ? op->users.count : 0);
    rtmd_call_free(call);
}

void rtmd_presence_get_subscribed(const rtmd_req *rq, const rtm__frame *f)
{
    bool over_rate = !rtmd_request_rate_ok(rq);
    rtmd_call *call = over_rate ? NULL
                                : rtmd_call_new(rq->srv, RTMD_ENG_SUBSCRIBED,
                                                presence_get_subscribed_done, rq->s->app_id,
                                                rq->s->user_id, NULL);
    if (!call) {
        rtmd_later now = rtmd_reply_later(rq);
        presence_answer_states(rq->srv, &now, rq->s->app_id,
                               over_rate ? RTM_QUERY_PEERS_BY_SUBSCRIPTION_OPTION_ERR_TOO_OFTEN
                                         : RTM_QUERY_PEERS_BY_SUBSCRIPTION_OPTION_ERR_FAILURE,
                               NULL, 0);
        return;
    }
    call->op.in.subscribed.of = (rtmd_user){ call->app, call->user };
    rtmd_call_submit_for(rq, call);
}
