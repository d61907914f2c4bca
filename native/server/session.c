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
#include "conn.h"
#include "ids.h"
#include "log.h"
#include "outbox.h"
#include "presence.h"
#include "replay.h"
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
    rtmd_recent_joins_free(&s->recent_joins);
    free(s->app_id);
    free(s->user_id);
    free(s);
}

bool rtmd_session_rate_take(rtmd_server *srv, rtmd_session *s, rtmd_rate_kind kind)
{
    rtmd_rate rate = srv->cfg->rates[kind];
    if (rtmd_bucket_take(&s->rates[kind], rate, srv->now.mono_us))
        return true;
    rtmd_log(RTMD_LOG_DEBUG, "%s/%s: over the %s rate (%u per %u ms): refused", s->app_id,
             s->user_id, rtmd_rate_name(kind), rate.count, rate.period_ms);
    return false;
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
    if (!s->app_id || !s->user_id) {
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
    rtmd_router_leave_all(srv, s, notify);
    rtmd_router_keep_undelivered(srv, s);
    rtmd_store_session_remove(srv->store, rtmd_session_user(s));
    rtmd_registry_remove(&srv->sessions, s);
    if (notify)
        rtmd_presence_announce(srv, s->app_id, s->user_id, RTMD_PEER_OFFLINE);
    session_free(s);
}

static void session_answer(const rtmd_req *rq, int code, bool resumed, uint64_t session_id)
{
    rtmd_metrics_login(&rq->srv->metrics, code);
    Rtm__Wire__LoginResult r = RTM__WIRE__LOGIN_RESULT__INIT;
    r.code = code;
    r.resumed = resumed;
    r.session_id = session_id;
    r.server_ts = rq->srv->now.wall_ms;
    rtm__frame f = RTM__WIRE__FRAME__INIT;
    f.body_case = RTM__WIRE__FRAME__BODY_LOGIN_RESULT;
    f.login_result = &r;
    rtmd_reply(rq, &f);
}

void rtmd_session_login(const rtmd_req *rq, const rtm__frame *f)
{
    rtmd_server *srv = rq->srv;
    rtmd_conn *c = rq->link;
    const Rtm__Wire__Login *login = f->login;
    char who[200];
    const char *app = login->app_id ? login->app_id : "";
    const char *user = login->user_id ? login->user_id : "";
    int code = rtmd_auth_check_app(srv->cfg, app);
    if (code == RTM_LOGIN_ERR_OK && !rtm__user_id_valid(user))
        code = RTM_LOGIN_ERR_INVALID_ARGUMENT;
    uint64_t token_expires_at = 0;
    if (code == RTM_LOGIN_ERR_OK)
        code = rtmd_auth_check_token(srv->cfg, app, user, login->token ? login->token : "",
                                     srv->now.wall_ms / 1000u, &token_expires_at);
    bool banned = code == RTM_LOGIN_ERR_OK &&
                  rtmd_store_ban_active(srv->store, (rtmd_user){ app, user },
                                        srv->now.wall_ms);
    if (banned)
        code = RTM_LOGIN_ERR_REJECTED; /* SPEC A1: banned through the admin API */
    if (code != RTM_LOGIN_ERR_OK) {
        rtmd_log(RTMD_LOG_INFO, "%s: login refused: %s%s", rtmd_conn_name(c),
                 rtm_code_name(RTM_FAMILY_LOGIN_ERR, code), banned ? " (banned)" : "");
        session_answer(rq, code, false, 0);
        return;
    }

    if (rq->s) {
        /* A link carries one session: a second login on it is refused. */
        session_answer(rq, RTM_LOGIN_ERR_ALREADY_LOGIN, false, 0);
        return;
    }

    rtmd_store_status st = RTMD_STORE_OK;
    rtmd_session *s = rtmd_registry_find(&srv->sessions, app, user);
    bool resumed = false;
    if (s && s->instance_id == login->instance_id && login->link_seq != 0 &&
        login->link_seq <= s->link_seq) {
        /* A link the client gave up, whose login arrived late: a newer link
         * of the same instance is (or was) in already. */
        rtmd_log(RTMD_LOG_INFO, "%s %s: stale login (link %u, session at link %u) refused",
                 rtmd_conn_name(c), rtmd_session_name(s, who, sizeof who),
                 (unsigned)login->link_seq, (unsigned)s->link_seq);
        session_answer(rq, RTM_LOGIN_ERR_REJECTED, false, 0);
        return;
    }
    /* What the user's subscribers saw before (SPEC A8). */
    rtmd_peer_state before = rtmd_presence_state(s);
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
        resumed = login->session_id != 0 && login->session_id == s->id;
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
    bool created = !s;
    if (!s) {
        s = session_new(srv, app, user, login->instance_id);
        st = s ? rtmd_store_session_add(srv->store, rtmd_session_user(s)) : RTMD_STORE_NOMEM;
        if (st == RTMD_STORE_OK && rtmd_registry_add(&srv->sessions, s) != 0) {
            rtmd_store_session_remove(srv->store, rtmd_session_user(s));
            st = RTMD_STORE_NOMEM;
        }
        if (st != RTMD_STORE_OK) {
            rtmd_log(RTMD_LOG_ERROR, "%s: cannot create the session of %s/%s (%d)",
                     rtmd_conn_name(c), app, user, (int)st);
            if (s)
                session_free(s);
            session_answer(rq, RTM_LOGIN_ERR_UNKNOWN, false, 0);
            return;
        }
    }
    s->link_seq = login->link_seq;
    rtmd_session_save(srv, s, token_expires_at);
    rtmd_conn_attach(c, s);
    rtmd_log(RTMD_LOG_INFO, "%s %s: logged in (instance %016" PRIx64 "%s)",
             rtmd_conn_name(c), rtmd_session_name(s, who, sizeof who), s->instance_id,
             resumed ? ", session resumed" : "");
    session_answer(rq, RTM_LOGIN_ERR_OK, resumed, s->id);
    if (resumed) {
        rtmd_replay_resume(srv, s, login);
        rtmd_presence_resumed(srv, s);
    } else if (!created) {
        /* The same client, on a session made by a login it gave up (its
         * answer never reached it): all that session holds is new to it
         * (SPEC S9), its cursors speak of another session. */
        Rtm__Wire__Login fresh = *login;
        fresh.peer_received = 0;
        fresh.n_channels = 0;
        rtmd_replay_resume(srv, s, &fresh);
    }
    if (before != RTMD_PEER_ONLINE)
        rtmd_presence_announce(srv, s->app_id, s->user_id, RTMD_PEER_ONLINE);
    if (created)
        rtmd_router_deliver_offline(srv, s, login);
    rtmd_token_expiry_set(srv, s, token_expires_at);
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

void rtmd_session_save(rtmd_server *srv, rtmd_session *s, uint64_t token_expires_at)
{
    rtmd_session_meta m = {
        .instance_id = s->instance_id,
        .id = s->id,
        .link_seq = s->link_seq,
        .login_wall_ms = s->login_wall_ms,
        .token_expires_at = token_expires_at,
        .peer_seq = s->peer_seq,
    };
    if (rtmd_store_session_meta_put(srv->store, rtmd_session_user(s), &m) != RTMD_STORE_OK)
        rtmd_log(RTMD_LOG_ERROR, "%s/%s: cannot save the session", s->app_id, s->user_id);
}

/* One stored session back on this node, in a grace counted from now. */
static void session_recover(rtmd_user u, const rtmd_session_meta *m, void *closure)
{
    rtmd_server *srv = closure;
    rtmd_session *s = session_new(srv, u.app, u.user, m->instance_id);
    if (!s || rtmd_registry_add(&srv->sessions, s) != 0) {
        rtmd_log(RTMD_LOG_ERROR, "%s/%s: out of memory restoring the session", u.app, u.user);
        if (s)
            session_free(s);
        return;
    }
    if (m->id)
        s->id = m->id;
    s->link_seq = m->link_seq;
    s->login_wall_ms = m->login_wall_ms ? m->login_wall_ms : srv->now.wall_ms;
    s->token_expires_at = m->token_expires_at;
    s->peer_seq = m->peer_seq;
    s->last_rx_ms = srv->now.mono_ms;
    if (grace_enter(srv, s) != 0)
        rtmd_log(RTMD_LOG_ERROR, "%s/%s: cannot create the grace timer", u.app, u.user);
    else
        rtmd_presence_link_lost(srv, s);
}

void rtmd_session_recover_all(rtmd_server *srv)
{
    size_t before = rtmd_registry_count(&srv->sessions);
    rtmd_store_sessions_foreach(srv->store, session_recover, srv);
    size_t n = rtmd_registry_count(&srv->sessions) - before;
    if (n)
        rtmd_log(RTMD_LOG_INFO, "%zu sessions restored, each kept %u ms for its client's "
                 "return", n, srv->cfg->session_grace_ms);
}
