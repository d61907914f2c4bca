/* session.c: login, logout and lost links; the session table is the store's. */
#include "session.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "conn.h"
#include "ids.h"
#include "log.h"
#include "router.h"
#include "rtm/rtm_codes.h"
#include "server.h"

const char *rtmd_session_name(const rtmd_session *s, char *buf, size_t size)
{
    snprintf(buf, size, "%s/%s", s->app_id, s->user_id);
    return buf;
}

static void session_free(rtmd_session *s)
{
    free(s->app_id);
    free(s->user_id);
    free(s);
}

static rtmd_session *session_new(const char *app, const char *user, uint64_t instance)
{
    rtmd_session *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->app_id = strdup(app);
    s->user_id = strdup(user);
    s->instance_id = instance;
    if (!s->app_id || !s->user_id) {
        session_free(s);
        return NULL;
    }
    return s;
}

/* Ends s: out of its channels (with notify, member-left events), out of the
 * store, freed. */
static void session_end(rtmd_server *srv, rtmd_session *s, bool notify)
{
    if (s->link)
        rtmd_conn_detach(s->link);
    rtmd_router_leave_all(srv, s, notify);
    rtmd_store_session_remove(srv->store, s);
    session_free(s);
}

static void session_answer(rtmd_conn *c, uint32_t request_id, int code, bool resumed)
{
    Rtm__Wire__LoginResult r = RTM__WIRE__LOGIN_RESULT__INIT;
    r.code = code;
    r.resumed = resumed;
    r.server_ts = rtmd_wall_ms();
    rtm__frame f = RTM__WIRE__FRAME__INIT;
    f.request_id = request_id;
    f.body_case = RTM__WIRE__FRAME__BODY_LOGIN_RESULT;
    f.login_result = &r;
    rtmd_conn_send(c, &f);
}

void rtmd_session_login(rtmd_server *srv, rtmd_conn *c, uint32_t request_id,
                        const Rtm__Wire__Login *login)
{
    char who[200];
    const char *app = login->app_id ? login->app_id : "";
    const char *user = login->user_id ? login->user_id : "";
    int code = rtmd_auth_check_app(srv->cfg, app);
    if (code == RTM_LOGIN_ERR_OK && !rtm__user_id_valid(user))
        code = RTM_LOGIN_ERR_INVALID_ARGUMENT;
    if (code == RTM_LOGIN_ERR_OK)
        code = rtmd_auth_check_token(srv->cfg, app, user, login->token ? login->token : "");
    if (code != RTM_LOGIN_ERR_OK) {
        rtmd_log(RTMD_LOG_INFO, "%s: login refused: %s", rtmd_conn_name(c),
                 rtm_code_name(RTM_FAMILY_LOGIN_ERR, code));
        session_answer(c, request_id, code, false);
        return;
    }

    if (rtmd_conn_session(c)) {
        /* A link carries one session: a second login on it is refused. */
        session_answer(c, request_id, RTM_LOGIN_ERR_ALREADY_LOGIN, false);
        return;
    }

    rtmd_store_status st = RTMD_STORE_OK;
    rtmd_session *s = rtmd_store_session_find(srv->store, app, user);
    bool resumed = false;
    if (s && s->instance_id == login->instance_id) {
        /* The same client instance is back (its old link was lost or is
         * about to be noticed lost): it takes the session over. */
        rtmd_conn *old = s->link;
        if (old) {
            rtmd_conn_detach(old);
            rtmd_log(RTMD_LOG_INFO, "%s %s: taken over by %s", rtmd_conn_name(old),
                     rtmd_session_name(s, who, sizeof who), rtmd_conn_name(c));
            rtmd_conn_close(old, 0, NULL);
        }
        resumed = true;
    } else if (s) {
        /* SPEC S16: another instance logs in as the same user; the old one is
         * kicked. The user id stays online, so its channels are left without
         * member events; the new session starts with none. */
        rtmd_conn *old = s->link;
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
    if (!s) {
        s = session_new(app, user, login->instance_id);
        st = s ? rtmd_store_session_add(srv->store, s) : RTMD_STORE_NOMEM;
        if (st != RTMD_STORE_OK) {
            rtmd_log(RTMD_LOG_ERROR, "%s: cannot create the session of %s/%s (%d)",
                     rtmd_conn_name(c), app, user, (int)st);
            if (s)
                session_free(s);
            session_answer(c, request_id, RTM_LOGIN_ERR_UNKNOWN, false);
            return;
        }
    }
    rtmd_conn_attach(c, s);
    rtmd_log(RTMD_LOG_INFO, "%s %s: logged in (instance %016" PRIx64 "%s)",
             rtmd_conn_name(c), rtmd_session_name(s, who, sizeof who), s->instance_id,
             resumed ? ", session resumed" : "");
    session_answer(c, request_id, RTM_LOGIN_ERR_OK, resumed);
}

void rtmd_session_logout(rtmd_server *srv, rtmd_conn *c, uint32_t request_id)
{
    char who[200];
    rtmd_session *s = rtmd_conn_session(c);
    Rtm__Wire__Result r = RTM__WIRE__RESULT__INIT;
    r.code = RTM_LOGOUT_ERR_OK;
    rtm__frame f = RTM__WIRE__FRAME__INIT;
    f.request_id = request_id;
    f.body_case = RTM__WIRE__FRAME__BODY_RESULT;
    f.result = &r;
    rtmd_conn_send(c, &f);
    rtmd_log(RTMD_LOG_INFO, "%s %s: logged out", rtmd_conn_name(c),
             rtmd_session_name(s, who, sizeof who));
    session_end(srv, s, true);
    rtmd_conn_close(c, 0, NULL);
}

void rtmd_session_link_lost(rtmd_server *srv, rtmd_session *s)
{
    char who[200];
    /* No grace yet (SPEC S12/S13 come later): the session ends at once and
     * the other members of its channels see it leave. */
    rtmd_log(RTMD_LOG_INFO, "%s: link lost, session ended",
             rtmd_session_name(s, who, sizeof who));
    session_end(srv, s, true);
}

static void session_collect(rtmd_session *s, void *closure)
{
    rtmd_session ***cursor = closure;
    *(*cursor)++ = s;
}

void rtmd_session_free_all(rtmd_server *srv)
{
    size_t n = rtmd_store_session_count(srv->store);
    if (n == 0)
        return;
    rtmd_session **all = calloc(n, sizeof *all);
    if (!all) {
        rtmd_log(RTMD_LOG_ERROR, "out of memory freeing %zu sessions", n);
        return;
    }
    rtmd_session **cursor = all;
    rtmd_store_session_foreach(srv->store, session_collect, &cursor);
    for (size_t i = 0; i < n; i++) {
        if (all[i]->link)
            rtmd_conn_detach(all[i]->link);
        rtmd_store_session_remove(srv->store, all[i]);
        session_free(all[i]);
    }
    free(all);
}
