/* presence.c: ONLINE, UNREACHABLE, OFFLINE; queries, subscriptions and
 * their events (SPEC A8). */
#include "presence.h"

#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

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

/* The current state of each of users[0..n) of app. 0, or -1 when out of
 * memory. */
static int presence_list_make(rtmd_server *srv, const char *app, char *const *users,
                              size_t n, presence_list *out)
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
        out->items[i].state = (int32_t)rtmd_presence_state(
            rtmd_registry_find(&srv->sessions, app, users[i]));
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

/* Sends s the current state of users[0..n) as one PeerStateEvent. */
static void presence_tell(rtmd_server *srv, rtmd_session *s, char *const *users, size_t n)
{
    presence_list l;
    if (presence_list_make(srv, s->app_id, users, n, &l) != 0) {
        rtmd_log(RTMD_LOG_ERROR, "%s/%s: out of memory sending %zu peer states", s->app_id,
                 s->user_id, n);
        return;
    }
    presence_send_event(s, &l);
    presence_list_free(&l);
}

/* ---- events ------------------------------------------------------------- */

typedef struct {
    rtmd_server *srv;
    const presence_list *l;
} presence_announce_ctx;

static void presence_announce_cb(rtmd_user follower, void *closure)
{
    presence_announce_ctx *ctx = closure;
    rtmd_session *s = rtmd_registry_find(&ctx->srv->sessions, follower.app, follower.user);
    if (s)
        presence_send_event(s, ctx->l);
}

void rtmd_presence_announce(rtmd_server *srv, const char *app, const char *user,
                            rtmd_peer_state to)
{
    Rtm__Wire__PeerState st = RTM__WIRE__PEER_STATE__INIT;
    st.user = (char *)user;
    st.state = (int32_t)to;
    Rtm__Wire__PeerState *ptr = &st;
    presence_list l = { &st, &ptr, 1 };
    rtmd_log(RTMD_LOG_DEBUG, "%s/%s: now %s to its subscribers", app, user,
             presence_state_name(to));
    presence_announce_ctx ctx = { srv, &l };
    rtmd_store_followers_foreach(srv->store, app, user, presence_announce_cb, &ctx);
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

void rtmd_presence_resumed(rtmd_server *srv, rtmd_session *s)
{
    rtmd_strv subs;
    if (rtmd_store_sub_list(srv->store, rtmd_session_user(s), &subs) != RTMD_STORE_OK) {
        rtmd_log(RTMD_LOG_ERROR, "%s/%s: cannot list its subscriptions", s->app_id,
                 s->user_id);
        return;
    }
    presence_tell(srv, s, subs.items, subs.count);
    rtmd_strv_free(&subs);
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

/* Answers PeerStates{code, the states of users[0..n)}; FAILURE (1 in both
 * families) when out of memory. */
static void presence_answer_states(const rtmd_req *rq, int code, char *const *users,
                                   size_t n)
{
    presence_list l = { NULL, NULL, 0 };
    if (presence_list_make(rq->srv, rq->s->app_id, users, n, &l) != 0)
        code = RTM_QUERY_PEERS_ONLINE_STATUS_ERR_FAILURE;
    Rtm__Wire__PeerStates ps = RTM__WIRE__PEER_STATES__INIT;
    ps.code = code;
    ps.n_peers = l.count;
    ps.peers = l.ptrs;
    rtm__frame f = RTM__WIRE__FRAME__INIT;
    f.body_case = RTM__WIRE__FRAME__BODY_PEER_STATES;
    f.peer_states = &ps;
    rtmd_reply(rq, &f);
    presence_list_free(&l);
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
    presence_answer_states(rq, code, q->users,
                           code == RTM_QUERY_PEERS_ONLINE_STATUS_ERR_OK ? q->n_users : 0);
}

static int presence_strcmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* How many distinct users of users[0..n) s does not follow yet; SIZE_MAX
 * when out of memory. */
static size_t presence_count_new(rtmd_server *srv, rtmd_session *s, char *const *users,
                                 size_t n)
{
    char **sorted = malloc(n * sizeof *sorted);
    if (!sorted)
        return SIZE_MAX;
    memcpy(sorted, users, n * sizeof *sorted);
    qsort(sorted, n, sizeof *sorted, presence_strcmp);
    size_t fresh = 0;
    for (size_t i = 0; i < n; i++)
        if ((i == 0 || strcmp(sorted[i - 1], sorted[i]) != 0) &&
            !rtmd_store_sub_has(srv->store, rtmd_session_user(s), sorted[i]))
            fresh++;
    free(sorted);
    return fresh;
}

/* Adds the subscriptions of users[0..n), all or none; *added (n slots)
 * gets the users newly added, in the order asked. A
 * PeerSubscriptionStatusError code. */
static int presence_add(rtmd_server *srv, rtmd_session *s, char *const *users, size_t n,
                        char **added, size_t *nadded)
{
    *nadded = 0;
    size_t fresh = presence_count_new(srv, s, users, n);
    if (fresh == SIZE_MAX)
        return RTM_PEER_SUBSCRIPTION_STATUS_ERR_FAILURE;
    if (rtmd_store_sub_count(srv->store, rtmd_session_user(s)) + fresh > RTMD_SUBSCRIPTIONS_MAX)
        return RTM_PEER_SUBSCRIPTION_STATUS_ERR_OVERFLOW;
    for (size_t i = 0; i < n; i++) {
        rtmd_store_status st = rtmd_store_sub_add(srv->store, rtmd_session_user(s), users[i]);
        if (st == RTMD_STORE_OK) {
            added[(*nadded)++] = users[i];
        } else if (st != RTMD_STORE_EXISTS) {
            while (*nadded)
                rtmd_store_sub_remove(srv->store, rtmd_session_user(s), added[--*nadded]);
            return RTM_PEER_SUBSCRIPTION_STATUS_ERR_FAILURE;
        }
    }
    return RTM_PEER_SUBSCRIPTION_STATUS_ERR_OK;
}

void rtmd_presence_subscribe(const rtmd_req *rq, const rtm__frame *f)
{
    rtmd_server *srv = rq->srv;
    rtmd_session *s = rq->s;
    const Rtm__Wire__Subscribe *sub = f->subscribe;
    char who[200];
    int code = RTM_PEER_SUBSCRIPTION_STATUS_ERR_OK;
    char **added = NULL;
    size_t nadded = 0;
    if (sub->n_users == 0 || !presence_ids_valid(sub->users, sub->n_users)) {
        code = RTM_PEER_SUBSCRIPTION_STATUS_ERR_INVALID_ARGUMENT;
    } else if (sub->unsubscribe) {
        for (size_t i = 0; i < sub->n_users; i++)
            rtmd_store_sub_remove(srv->store, rtmd_session_user(s), sub->users[i]);
    } else if (!(added = malloc(sub->n_users * sizeof *added))) {
        code = RTM_PEER_SUBSCRIPTION_STATUS_ERR_FAILURE;
    } else {
        code = presence_add(srv, s, sub->users, sub->n_users, added, &nadded);
    }
    rtmd_log(RTMD_LOG_DEBUG, "%s: %s %zu users: %s (%zu new, %zu in all)",
             rtmd_session_name(s, who, sizeof who),
             sub->unsubscribe ? "unsubscribe from" : "subscribe to", sub->n_users,
             rtm_code_name(RTM_FAMILY_PEER_SUBSCRIPTION_STATUS_ERR, code), nadded,
             rtmd_store_sub_count(srv->store, rtmd_session_user(s)));
    rtmd_reply_result(rq, code);
    if (code == RTM_PEER_SUBSCRIPTION_STATUS_ERR_OK)
        presence_tell(srv, s, added, nadded);
    free(added);
}

void rtmd_presence_get_subscribed(const rtmd_req *rq, const rtm__frame *f)
{
    rtmd_strv subs;
    if (rtmd_store_sub_list(rq->srv->store, rtmd_session_user(rq->s), &subs) != RTMD_STORE_OK) {
        presence_answer_states(rq, RTM_QUERY_PEERS_BY_SUBSCRIPTION_OPTION_ERR_FAILURE, NULL,
                               0);
        return;
    }
    presence_answer_states(rq, RTM_QUERY_PEERS_BY_SUBSCRIPTION_OPTION_ERR_OK, subs.items,
                           subs.count);
    rtmd_strv_free(&subs);
}
