/* session.c: login, resume, logout, lost links and the grace of sessions
 * without a link (SPEC S12, S13, S16); the session table is the store's. */
#include "session.h"

#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>
#include <time.h>
#include <string.h>

#include "auth.h"
#include "call.h"
#include "conn.h"
#include "ids.h"
#include "log.h"
#include "outbox.h"
#include "presence.h"
#include "router.h"
#include "rtm/rtm_codes.h"
#include "server.h"
#include "token_expiry.h"

const char *rtmd_session_name(const rtmd_session *s, char *buf, size_t size)
{
    snprintf(buf, size, "%s/%s", s->app_id, s->user_id);
    return buf;
}

static void session_free(rtmd_session *s)
{
    rtmd_token_expiry_free(s);
    rtmd_presence_free(s);
    rtmd_rates_release(s->rates);
    free(s->app_id);
    free(s->user_id);
    free(s);
}

static bool session_rate_take(rtmd_server *srv, rtmd_user_rates *u, const char *app,
                              const char *user, rtmd_rate_kind kind)
{
    rtmd_rate rate = srv->cfg->rates[kind];
    if (rtmd_bucket_take(&u->buckets[kind], rate, srv->now.mono_us))
        return true;
    srv->metrics.rate_refused[kind]++;
    rtmd_log(RTMD_LOG_DEBUG, "%s/%s: over the %s rate (%u per %u ms): refused", app, user,
             rtmd_rate_name(kind), rate.count, rate.period_ms);
    return false;
}

bool rtmd_session_rate_take(rtmd_server *srv, rtmd_session *s, rtmd_rate_kind kind)
{
    return session_rate_take(srv, s->rates, s->app_id, s->user_id, kind);
}

void rtmd_session_rate_give_back(rtmd_server *srv, rtmd_session *s, rtmd_rate_kind kind)
{
    rtmd_bucket_give_back(&s->rates->buckets[kind], srv->cfg->rates[kind]);
}

/* Session ids: counted from a random start, so that an id a client kept
 * from an earlier run of rtmd is not given out again. */
static uint64_t session_next_id(void)
{
    static uint64_t next;
    if (next == 0 && getrandom(&next, sizeof next, 0) != sizeof next)
        next = (uint64_t)time(NULL) << 20;
    if (++next == 0)
        next = 1;
    return next;
}

static rtmd_session *session_new(rtmd_server *srv, const char *app, const char *user,
                                  uint64_t instance)
{
    rtmd_session *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->srv = srv;
    s->app_id = strdup(app);
    s->user_id = strdup(user);
    s->instance_id = instance;
    s->id = session_next_id();
    s->login_wall_ms = srv->now.wall_ms;
    s->rates = rtmd_rates_hold(&srv->rates, app, user);
    if (!s->app_id || !s->user_id || !s->rates) {
        session_free(s);
        return NULL;
    }
    return s;
}

/* ---- grace -------------------------------------------------------------- */

static void grace_cb(evutil_socket_t fd, short what, void *arg);

/* The session that holds grace node n. */
static rtmd_session *grace_session(rtmd_grace_node *n)
{
    return (rtmd_session *)((char *)n - offsetof(rtmd_session, grace));
}

/* Arms the server's grace timer for the earliest deadline (or disarms it). */
static void grace_arm(rtmd_server *srv)
{
    if (!srv->grace_timer)
        return;
    uint64_t at = rtmd_grace_next(&srv->grace), now = srv->now.mono_ms;
    if (at == RTMD_NEVER) {
        event_del(srv->grace_timer);
        return;
    }
    uint64_t wait = at > now ? at - now : 0;
    struct timeval tv = { (time_t)(wait / 1000), (suseconds_t)(wait % 1000) * 1000 };
    evtimer_add(srv->grace_timer, &tv);
}

static void grace_unlink(rtmd_server *srv, rtmd_session *s)
{
    if (!s->grace.in)
        return;
    bool was_head = srv->grace.head == &s->grace;
    rtmd_grace_leave(&srv->grace, &s->grace);
    if (was_head)
        grace_arm(srv);
}

/* Puts s on the grace list, its deadline counted from the last data
 * received on its lost link (SPEC S13). 0, or -1 when the timer cannot be
 * created. */
static int grace_enter(rtmd_server *srv, rtmd_session *s)
{
    if (!srv->grace_timer) {
        srv->grace_timer = evtimer_new(srv->base, grace_cb, srv);
        if (!srv->grace_timer)
            return -1;
    }
    rtmd_grace_enter(&srv->grace, &s->grace,
                     rtmd_grace_deadline(s->last_rx_ms, srv->cfg->session_grace_ms));
    if (srv->grace.head == &s->grace)
        grace_arm(srv);
    return 0;
}

/* Ends s: out of the grace list, out of its channels (with notify,
 * member-left events), its unacknowledged peer messages kept for its user's
 * next login (SPEC S9), out of the store (send answers, attributes and
 * subscriptions with it), freed. With notify its user's subscribers see it
 * OFFLINE (SPEC A8). */
static void session_end(rtmd_server *srv, rtmd_session *s, bool notify)
{
    grace_unlink(srv, s);
    if (s->link)
        rtmd_conn_detach(s->link);
    rtmd_router_session_end(srv, s, notify);
    rtmd_registry_remove(&srv->sessions, s);
    if (notify)
        rtmd_presence_announce(srv, s->app_id, s->user_id, RTMD_PEER_OFFLINE);
    session_free(s);
}

/* LoginResult{code} to the link that asked. */
static void session_answer(rtmd_server *srv, rtmd_later *l, int code, bool resumed,
                           uint64_t session_id)
{
    rtmd_metrics_login(&srv->metrics, code);
    Rtm__Wire__LoginResult r = RTM__WIRE__LOGIN_RESULT__INIT;
    r.code = code;
    r.resumed = resumed;
    r.session_id = session_id;
    r.server_ts = srv->now.wall_ms;
    rtm__frame f = RTM__WIRE__FRAME__INIT;
    f.body_case = RTM__WIRE__FRAME__BODY_LOGIN_RESULT;
    f.login_result = &r;
    rtmd_later_reply(l, &f);
}

/* Sends s, taken up again by a login (its RTMD_ENG_LOGIN op), what it
 * missed (replay.h) and its ReplayDone. */
static void session_replayed(rtmd_server *srv, rtmd_session *s, const rtmd_eng_op *op)
{
    srv->metrics.replays++;
    rtmd_send_replay_begin(s, false);
    for (size_t i = 0; i < op->frames.count; i++)
        rtmd_send_encoded(s, op->frames.items[i].buf, op->frames.items[i].len);
    Rtm__Wire__ReplayDone done = RTM__WIRE__REPLAY_DONE__INIT;
    done.peer_messages = op->replay.peer_messages;
    done.peer_dropped = op->replay.peer_dropped;
    done.channel_messages = op->replay.channel_messages;
    done.channel_skipped = op->replay.channel_skipped;
    rtm__frame f = RTM__WIRE__FRAME__INIT;
    f.body_case = RTM__WIRE__FRAME__BODY_REPLAY_DONE;
    f.replay_done = &done;
    rtmd_send(s, &f);
    rtmd_send_replay_end(s);
    char who[200];
    rtmd_log(RTMD_LOG_INFO,
             "%s: replayed %u peer and %u channel messages (%u channel skipped, %u peer "
             "dropped)",
             rtmd_session_name(s, who, sizeof who), done.peer_messages, done.channel_messages,
             done.channel_skipped, done.peer_dropped);
}

/* A login between its engine calls (in its call's ctx): a copy of the
 * Login, and what the first steps found. */
typedef struct {
    Rtm__Wire__Login *login;
    rtmd_peer_state before;   /* what the user's subscribers saw (SPEC A8) */
    bool resumed, created;
} session_login_ctx;

static void session_login_free(rtmd_call *call)
{
    session_login_ctx *ctx = call->ctx;
    if (ctx) {
        rtm__wire__login__free_unpacked(ctx->login, NULL);
        free(ctx);
    }
    rtmd_call_free(call);
}

/* A copy of login, or NULL when out of memory. */
static Rtm__Wire__Login *session_login_copy(const Rtm__Wire__Login *login)
{
    size_t n = rtm__wire__login__get_packed_size(login);
    uint8_t *buf = malloc(n ? n : 1);
    if (!buf)
        return NULL;
    rtm__wire__login__pack(login, buf);
    Rtm__Wire__Login *copy = rtm__wire__login__unpack(NULL, n, buf);
    free(buf);
    return copy;
}

/* The last step: the session, saved, is bound to the link and answered;
 * it is sent what it missed. */
static void session_saved(rtmd_eng_op *op)
{
    rtmd_call *call = rtmd_call_of(op);
    rtmd_server *srv = call->srv;
    session_login_ctx *ctx = call->ctx;
    rtmd_session *s = rtmd_call_session(call);
    rtmd_conn *c = call->answer.link;
    char who[200];
    if (!s) { /* ended meanwhile (a kick, another login) */
        session_answer(srv, &call->answer, RTM_LOGIN_ERR_UNKNOWN, false, 0);
        session_login_free(call);
        return;
    }
    if (op->flags & RTMD_ENG_TAKEN) {
        /* The session was another node's: its client came here (issue 16).
         * It keeps its id; it is resumed if the client named it. */
        ctx->created = false;
        ctx->resumed = ctx->login->session_id != 0 && ctx->login->session_id == op->session_id;
        s->id = op->session_id;
    }
    if (ctx->created && op->code != RTMD_STORE_OK) {
        rtmd_log(RTMD_LOG_ERROR, "%s: cannot create the session of %s/%s (%d)",
                 rtmd_conn_name(c), call->app, call->user, op->code);
        rtmd_registry_remove(&srv->sessions, s);
        session_free(s);
        session_answer(srv, &call->answer, RTM_LOGIN_ERR_UNKNOWN, false, 0);
        session_login_free(call);
        return;
    }
    if (op->flags & RTMD_ENG_UNAVAILABLE) {
        /* A session taken up again without its replay: the client is not
         * told it resumed with nothing missed. It stays in its grace, and
         * the client's next login takes it up (its link, if any, was
         * detached above). */
        rtmd_log(RTMD_LOG_WARN, "%s: resume of %s/%s failed: the store is unavailable",
                 rtmd_conn_name(c), call->app, call->user);
        s->last_rx_ms = srv->now.mono_ms;
        rtmd_session_link_lost(srv, s);
        session_answer(srv, &call->answer, RTM_LOGIN_ERR_UNKNOWN, false, 0);
        session_login_free(call);
        return;
    }
    if (op->code != RTMD_STORE_OK)
        rtmd_log(RTMD_LOG_ERROR, "%s/%s: cannot save the session", call->app, call->user);
    uint64_t token_expires_at = call->n;
    if (!rtmd_conn_is_open(c)) {
        /* The link went while the session was saved: as if it was lost
         * right after the login (SPEC S12). */
        s->last_rx_ms = srv->now.mono_ms;
        rtmd_session_link_lost(srv, s);
        session_login_free(call);
        return;
    }
    rtmd_conn_attach(c, s);
    rtmd_log(RTMD_LOG_INFO, "%s %s: logged in (instance %016" PRIx64 "%s)",
             rtmd_conn_name(c), rtmd_session_name(s, who, sizeof who), s->instance_id,
             ctx->resumed ? ", session resumed" : "");
    session_answer(srv, &call->answer, RTM_LOGIN_ERR_OK, ctx->resumed, s->id);
    if (!ctx->created)
        session_replayed(srv, s, op);
    if (ctx->resumed)
        rtmd_presence_resumed(srv, s);
    if (ctx->before != RTMD_PEER_ONLINE)
        rtmd_presence_announce(srv, s->app_id, s->user_id, RTMD_PEER_ONLINE);
    if (ctx->created)
        rtmd_router_offline_delivered(srv, s, op);
    rtmd_token_expiry_set(srv, s, token_expires_at);
    session_login_free(call);
}

/* The node's steps once the user is known not to be banned: the session
 * the login takes (resumed, taken over from another instance, or new),
 * then its save. */
static void session_ban_checked(rtmd_eng_op *op)
{
    rtmd_call *call = rtmd_call_of(op);
    rtmd_server *srv = call->srv;
    session_login_ctx *ctx = call->ctx;
    rtmd_conn *c = call->answer.link;
    const Rtm__Wire__Login *login = ctx->login;
    char who[200];
    if (!rtmd_conn_is_open(c)) { /* gone meanwhile: nobody to log in */
        session_login_free(call);
        return;
    }
    if (op->flags & RTMD_ENG_UNAVAILABLE) {
        /* Whether the user is banned is not known: not banned, not let in. */
        rtmd_log(RTMD_LOG_WARN, "%s: login of %s/%s failed: the store is unavailable",
                 rtmd_conn_name(c), call->app, call->user);
        session_answer(srv, &call->answer, RTM_LOGIN_ERR_UNKNOWN, false, 0);
        session_login_free(call);
        return;
    }
    if (op->code != 0) {
        rtmd_log(RTMD_LOG_INFO, "%s: login refused: %s (banned)", rtmd_conn_name(c),
                 rtm_code_name(RTM_FAMILY_LOGIN_ERR, RTM_LOGIN_ERR_REJECTED));
        /* SPEC A1: banned through the admin API */
        session_answer(srv, &call->answer, RTM_LOGIN_ERR_REJECTED, false, 0);
        session_login_free(call);
        return;
    }
    if (rtmd_conn_session(c)) {
        /* A link carries one session: a second login on it is refused. */
        session_answer(srv, &call->answer, RTM_LOGIN_ERR_ALREADY_LOGIN, false, 0);
        session_login_free(call);
        return;
    }

    rtmd_session *s = rtmd_registry_find(&srv->sessions, call->app, call->user);
    if (s && s->instance_id == login->instance_id && login->link_seq != 0 &&
        login->link_seq <= s->link_seq) {
        /* A link the client gave up, whose login arrived late: a newer link
         * of the same instance is (or was) in already. */
        rtmd_log(RTMD_LOG_INFO, "%s %s: stale login (link %u, session at link %u) refused",
                 rtmd_conn_name(c), rtmd_session_name(s, who, sizeof who),
                 (unsigned)login->link_seq, (unsigned)s->link_seq);
        session_answer(srv, &call->answer, RTM_LOGIN_ERR_REJECTED, false, 0);
        session_login_free(call);
        return;
    }
    ctx->before = rtmd_presence_state(s);
    if (s && s->instance_id == login->instance_id) {
        /* The same client instance is back (SPEC S12: within the grace, or
         * its old link is about to be noticed lost): it takes the session
         * over, and is sent what it missed (replay.c). */
        rtmd_conn *old = s->link;
        if (old) {
            rtmd_conn_detach(old);
            rtmd_log(RTMD_LOG_INFO, "%s %s: taken over by %s", rtmd_conn_name(old),
                     rtmd_session_name(s, who, sizeof who), rtmd_conn_name(c));
            rtmd_conn_close(old, 0, NULL);
        }
        grace_unlink(srv, s);
        rtmd_presence_link_back(s);
        /* Resumed only if it is the session the client had: one made
         * meanwhile by a late login of an abandoned link is new to it. */
        ctx->resumed = login->session_id != 0 && login->session_id == s->id;
    } else if (s) {
        /* SPEC S16: another instance logs in as the same user; the old one is
         * kicked (in grace it has no link to be told). The user id stays
         * online, so its channels are left without member events and its
         * subscribers are told nothing (unless it was UNREACHABLE); the new
         * session starts with no channel and no subscription. */
        rtmd_conn *old = s->link;
        if (!old)
            rtmd_log(RTMD_LOG_INFO,
                     "%s: session of instance %016" PRIx64 " (in grace) replaced by "
                     "instance %016" PRIx64 " on %s",
                     rtmd_session_name(s, who, sizeof who), s->instance_id,
                     (uint64_t)login->instance_id, rtmd_conn_name(c));
        if (old) {
            rtmd_conn_detach(old);
            rtmd_log(RTMD_LOG_INFO,
                     "%s %s: instance %016" PRIx64 " replaced by instance %016" PRIx64
                     " on %s",
                     rtmd_conn_name(old), rtmd_session_name(s, who, sizeof who),
                     s->instance_id, (uint64_t)login->instance_id, rtmd_conn_name(c));
            rtmd_conn_kick(old, RTM_CONNECTION_CHANGE_REASON_REMOTE_LOGIN);
        }
        session_end(srv, s, false);
        s = NULL;
    }
    ctx->created = !s;
    if (!s) {
        s = session_new(srv, call->app, call->user, login->instance_id);
        if (!s || rtmd_registry_add(&srv->sessions, s) != 0) {
            rtmd_log(RTMD_LOG_ERROR, "%s: out of memory creating the session of %s/%s",
                     rtmd_conn_name(c), call->app, call->user);
            if (s)
                session_free(s);
            session_answer(srv, &call->answer, RTM_LOGIN_ERR_UNKNOWN, false, 0);
            session_login_free(call);
            return;
        }
    }
    call->session_id = s->id; /* the session it logs into */
    s->link_seq = login->link_seq;
    uint64_t ttl = (uint64_t)srv->cfg->offline_ttl_s * 1000u;
    /* The second call: the session made (with what was kept for its user)
     * or taken up (with what it missed), and saved, in one step, so that
     * nothing sent meanwhile comes between. A session made by a login the
     * same client gave up (its answer never reached it) is taken up with all
     * it holds (SPEC S9): the client's cursors speak of another session. */
    bool fresh = !ctx->created && !ctx->resumed;
    rtmd_engine_op_clear(op);
    op->kind = RTMD_ENG_LOGIN;
    op->done = session_saved;
    op->in.login = (struct rtmd_eng_login){
        .of = { call->app, call->user },
        .create = ctx->created,
        .session_id = login->session_id,
        .peer_received = fresh ? 0 : login->peer_received,
        .cursors = fresh ? NULL : login->channels,
        .n_cursors = fresh ? 0 : login->n_channels,
        .offline_horizon_ms = srv->now.wall_ms > ttl ? srv->now.wall_ms - ttl : 0,
        .channel_horizon_ms = rtmd_history_horizon(srv->now.wall_ms, srv->cfg->replay_window_ms),
        .max_unacked = srv->cfg->max_unacked,
        .replay_max = srv->cfg->replay_max,
    };
    rtmd_session_meta_of(s, call->n, &op->in.login.meta);
    rtmd_call_submit(call);
}

void rtmd_session_login(const rtmd_req *rq, const rtm__frame *f)
{
    rtmd_server *srv = rq->srv;
    rtmd_conn *c = rq->link;
    const Rtm__Wire__Login *login = f->login;
    const char *app = login->app_id ? login->app_id : "";
    const char *user = login->user_id ? login->user_id : "";
    /* SPEC A2's login rate: by source address first, before any work, then
     * by user once the token is good (so that nobody without one can use
     * up another user's logins). */
    int code = RTM_LOGIN_ERR_OK;
    if (!rtmd_rates_take_address(&srv->rates, srv->cfg->rates[RTMD_RATE_LOGIN_ADDRESS],
                                 rtmd_conn_host(c), srv->now.mono_us)) {
        srv->metrics.rate_refused[RTMD_RATE_LOGIN_ADDRESS]++;
        code = RTM_LOGIN_ERR_TOO_OFTEN;
    }
    if (code == RTM_LOGIN_ERR_OK)
        code = rtmd_auth_check_app(srv->cfg, app);
    if (code == RTM_LOGIN_ERR_OK && !rtm__user_id_valid(user))
        code = RTM_LOGIN_ERR_INVALID_ARGUMENT;
    uint64_t token_expires_at = 0;
    if (code == RTM_LOGIN_ERR_OK)
        code = rtmd_auth_check_token(srv->cfg, app, user, login->token ? login->token : "",
                                     srv->now.wall_ms / 1000u, &token_expires_at);
    if (code == RTM_LOGIN_ERR_OK) {
        rtmd_user_rates *u = rtmd_rates_hold(&srv->rates, app, user);
        if (!u)
            code = RTM_LOGIN_ERR_UNKNOWN;
        else if (!session_rate_take(srv, u, app, user, RTMD_RATE_LOGIN))
            code = RTM_LOGIN_ERR_TOO_OFTEN;
        rtmd_rates_release(u);
    }
    rtmd_later answer = rtmd_reply_later(rq);
    if (code != RTM_LOGIN_ERR_OK) {
        rtmd_log(RTMD_LOG_INFO, "%s: login refused: %s", rtmd_conn_name(c),
                 rtm_code_name(RTM_FAMILY_LOGIN_ERR, code));
        session_answer(srv, &answer, code, false, 0);
        return;
    }
    /* The first call: a ban (SPEC A1) refuses it before anything changes. */
    rtmd_call *call = rtmd_call_new(srv, RTMD_ENG_BANNED, session_ban_checked, app, user, NULL);
    session_login_ctx *ctx = call ? calloc(1, sizeof *ctx) : NULL;
    if (ctx)
        ctx->login = session_login_copy(login);
    if (!ctx || !ctx->login) {
        rtmd_log(RTMD_LOG_ERROR, "%s: out of memory logging in", rtmd_conn_name(c));
        free(ctx);
        rtmd_call_free(call);
        session_answer(srv, &answer, RTM_LOGIN_ERR_UNKNOWN, false, 0);
        return;
    }
    call->ctx = ctx;
    call->answer = answer;
    call->n = token_expires_at;
    call->op.in.banned.of = (rtmd_user){ call->app, call->user };
    call->op.in.banned.now_ms = srv->now.wall_ms;
    rtmd_call_submit(call);
}

void rtmd_session_let_go(rtmd_server *srv, rtmd_session *s, bool kicked)
{
    char who[200];
    rtmd_log(RTMD_LOG_INFO, "%s: %s on another node", rtmd_session_name(s, who, sizeof who),
             kicked ? "another instance logged in (kicked)" : "its client is");
    grace_unlink(srv, s);
    rtmd_conn *link = s->link;
    if (link) {
        rtmd_conn_detach(link);
        if (kicked)
            rtmd_conn_kick(link, RTM_CONNECTION_CHANGE_REASON_REMOTE_LOGIN);
        else
            rtmd_conn_close(link, 0, NULL);
    }
    rtmd_registry_remove(&srv->sessions, s);
    session_free(s);
}

void rtmd_session_kick(rtmd_server *srv, rtmd_session *s, int reason)
{
    rtmd_conn *link = s->link;
    if (link) {
        rtmd_conn_detach(link);
        rtmd_conn_kick(link, reason);
    }
    session_end(srv, s, true);
}

void rtmd_session_logout(const rtmd_req *rq, const rtm__frame *req)
{
    rtmd_server *srv = rq->srv;
    rtmd_conn *c = rq->link;
    char who[200];
    rtmd_session *s = rq->s;
    rtmd_reply_result(rq, RTM_LOGOUT_ERR_OK);
    rtmd_log(RTMD_LOG_INFO, "%s %s: logged out", rtmd_conn_name(c),
             rtmd_session_name(s, who, sizeof who));
    session_end(srv, s, true);
    rtmd_conn_close(c, 0, NULL);
}

void rtmd_session_link_lost(rtmd_server *srv, rtmd_session *s)
{
    char who[200];
    uint32_t grace = srv->cfg->session_grace_ms;
    if (grace > 0 && grace_enter(srv, s) == 0) {
        /* SPEC S12: still online and in its channels, nobody is told. */
        uint64_t now = srv->now.mono_ms;
        rtmd_log(RTMD_LOG_INFO, "%s: link lost, session kept for %llu ms more (%u ms "
                 "from its last data)", rtmd_session_name(s, who, sizeof who),
                 (unsigned long long)(s->grace.until > now ? s->grace.until - now : 0),
                 grace);
        rtmd_presence_link_lost(srv, s);
        return;
    }
    if (grace > 0)
        rtmd_log(RTMD_LOG_ERROR, "%s: cannot create the grace timer",
                 rtmd_session_name(s, who, sizeof who));
    rtmd_log(RTMD_LOG_INFO, "%s: link lost, session ended",
             rtmd_session_name(s, who, sizeof who));
    session_end(srv, s, true);
}

/* SPEC S13: the sessions whose grace is over end; the other members of
 * their channels see them leave. */
static void grace_cb(evutil_socket_t fd, short what, void *arg)
{
    rtmd_server *srv = arg;
    rtmd_server_tick(srv);
    char who[200];
    rtmd_grace_node *n;
    while ((n = rtmd_grace_pop_due(&srv->grace, srv->now.mono_ms))) {
        rtmd_session *s = grace_session(n);
        rtmd_log(RTMD_LOG_INFO, "%s: not back within %u ms, session ended",
                 rtmd_session_name(s, who, sizeof who), srv->cfg->session_grace_ms);
        session_end(srv, s, true);
    }
    grace_arm(srv);
}

static void session_collect(rtmd_session *s, void *closure)
{
    rtmd_session ***cursor = closure;
    *(*cursor)++ = s;
}

void rtmd_session_forget_all(rtmd_server *srv)
{
    size_t n = rtmd_registry_count(&srv->sessions);
    if (n == 0)
        return;
    rtmd_session **all = calloc(n, sizeof *all);
    if (!all) {
        rtmd_log(RTMD_LOG_ERROR, "out of memory freeing %zu sessions", n);
        return;
    }
    rtmd_session **cursor = all;
    rtmd_registry_foreach(&srv->sessions, session_collect, &cursor);
    for (size_t i = 0; i < n; i++) {
        if (all[i]->link)
            rtmd_conn_detach(all[i]->link);
        rtmd_registry_remove(&srv->sessions, all[i]);
        session_free(all[i]);
    }
    free(all);
    srv->grace = (rtmd_grace_list){ NULL, NULL, 0 };
    if (srv->grace_timer)
        event_del(srv->grace_timer);
}

void rtmd_session_meta_of(const rtmd_session *s, uint64_t token_expires_at,
                          rtmd_session_meta *m)
{
    *m = (rtmd_session_meta){
        .instance_id = s->instance_id,
        .id = s->id,
        .link_seq = s->link_seq,
        .login_wall_ms = s->login_wall_ms,
        .token_expires_at = token_expires_at,
        /* peer_seq: the store's own (store.h) */
    };
}

/* One stored session back on this node, in a grace counted from now. */
static void session_recover(rtmd_server *srv, const rtmd_session_entry *e)
{
    const rtmd_session_meta *m = &e->meta;
    rtmd_session *s = session_new(srv, e->app, e->user, m->instance_id);
    if (!s || rtmd_registry_add(&srv->sessions, s) != 0) {
        rtmd_log(RTMD_LOG_ERROR, "%s/%s: out of memory restoring the session", e->app,
                 e->user);
        if (s)
            session_free(s);
        return;
    }
    if (m->id)
        s->id = m->id;
    s->link_seq = m->link_seq;
    s->login_wall_ms = m->login_wall_ms ? m->login_wall_ms : srv->now.wall_ms;
    s->token_expires_at = m->token_expires_at;
    s->last_rx_ms = srv->now.mono_ms;
    if (grace_enter(srv, s) != 0)
        rtmd_log(RTMD_LOG_ERROR, "%s/%s: cannot create the grace timer", e->app, e->user);
    else
        rtmd_presence_link_lost(srv, s);
}

static void session_recovered(rtmd_eng_op *op)
{
    rtmd_call *call = rtmd_call_of(op);
    rtmd_server *srv = call->srv;
    size_t before = rtmd_registry_count(&srv->sessions);
    if (op->code != RTMD_STORE_OK)
        rtmd_log(RTMD_LOG_ERROR, "out of memory listing the sessions to restore");
    for (size_t i = 0; i < op->sessions.count; i++)
        session_recover(srv, &op->sessions.items[i]);
    size_t n = rtmd_registry_count(&srv->sessions) - before;
    if (n)
        rtmd_log(RTMD_LOG_INFO, "%zu sessions restored, each kept %u ms for its client's "
                 "return", n, srv->cfg->session_grace_ms);
    srv->sessions_recovered = true;
    rtmd_call_free(call);
}

void rtmd_session_recover_all(rtmd_server *srv)
{
    srv->sessions_recovered = false;
    rtmd_call *call = rtmd_call_new(srv, RTMD_ENG_SESSIONS, session_recovered, NULL, NULL, NULL);
    if (!call) {
        rtmd_log(RTMD_LOG_ERROR, "out of memory restoring the sessions");
        return;
    }
    rtmd_call_submit(call);
}
