/* admin.c: the admin API: routing, bearer authentication and the endpoints
 * (admin.h; docs/SERVER.md, "Admin API"). */
#include "admin.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/queue.h>
#include <netdb.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "auth.h"
#include "call.h"
#include "engine/engine.h"
#include "ids.h"
#include "log.h"
#include "router.h"
#include "rtm/rtm_codes.h"
#include "session.h"

/* Bounds on what a request may send: no endpoint takes a body, and the
 * request line and headers of a curl call are well under a KiB. */
#define ADMIN_MAX_HEADERS 8192
#define ADMIN_MAX_BODY 4096
/* The longest ban: ten years. */
#define ADMIN_MAX_BAN_S 315360000u
/* Path segments of the longest route. */
#define ADMIN_MAX_SEGMENTS 3
/* evhttp names the other status codes we use, not this one. */
#define ADMIN_HTTP_UNAUTHORIZED 401

/* An admin connection, from its bufferevent (made here for evhttp,
 * admin_bev_cb) to its close (evhttp's close callback, admin_link_closed). */
typedef struct admin_link {
    struct admin_link *prev, *next;
    struct rtmd_admin *a;
    struct bufferevent *bev;
    struct evhttp_connection *evcon; /* NULL until adopted */
    struct event *adopt;       /* right after evhttp made the connection */
    struct event *deadline;    /* the request is to be whole by then */
    /* The engine call its request waits for (one at a time: a connection
     * has one request): told when the connection goes, so that its answer
     * is not sent to a request evhttp freed. */
    rtmd_call *pending;
} admin_link;

struct rtmd_admin {
    rtmd_server *srv;
    struct evhttp *http;
    struct evconnlistener *listener;
    unsigned char secret[SHA256_DIGEST_LENGTH]; /* SHA-256 of the secret */
    admin_link *links;
    unsigned nlinks;
    bool full;                 /* at RTMD_ADMIN_MAX_CONNS */
    bool fd_pause;             /* accept() found no descriptor: a pause */
    bool accepting;
    bool closing;              /* evhttp_free is freeing the links */
    struct event *resume;      /* the end of fd_pause */
    rtmd_log_limiter full_log, deadline_log;
};

/* What a handler gets: the request, its path parameter ({user} or
 * {channel}, decoded; NULL when the route has none) and its query. */
typedef struct {
    rtmd_server *srv;
    struct evhttp_request *req;
    const char *param;
    struct evkeyvalq *query;
} admin_call;

/* ---- answers ------------------------------------------------------------ */

static void admin_reply(struct evhttp_request *req, int status, const char *type,
                        struct evbuffer *body)
{
    evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", type);
    evhttp_send_reply(req, status, NULL, body);
}

/* Sends body (freed here) as JSON; 500 when it could not be built. */
static void admin_json(struct evhttp_request *req, int status, cJSON *body)
{
    if (!req) { /* its connection went while the engine worked */
        cJSON_Delete(body);
        return;
    }
    char *text = body ? cJSON_PrintUnformatted(body) : NULL;
    cJSON_Delete(body);
    struct evbuffer *out = text ? evbuffer_new() : NULL;
    if (!out || evbuffer_add_printf(out, "%s\n", text) < 0) {
        rtmd_log(RTMD_LOG_ERROR, "admin: out of memory answering a request");
        evhttp_send_error(req, HTTP_INTERNAL, NULL);
    } else {
        admin_reply(req, status, "application/json", out);
    }
    if (out)
        evbuffer_free(out);
    cJSON_free(text);
}

/* Sends o with 200 when it was built whole; 500 (o freed) when building it
 * ran out of memory. */
static void admin_json_ok(struct evhttp_request *req, cJSON *o, bool built)
{
    if (!built) {
        cJSON_Delete(o);
        o = NULL;
    }
    admin_json(req, HTTP_OK, o);
}

/* {"error": message} */
static void admin_error(struct evhttp_request *req, int status, const char *message)
{
    cJSON *o = cJSON_CreateObject();
    if (o && !cJSON_AddStringToObject(o, "error", message)) {
        cJSON_Delete(o);
        o = NULL;
    }
    admin_json(req, status, o);
}

/* {"app": app, "user": user} plus what the caller adds; NULL when out of
 * memory. */
static cJSON *admin_user_object(const char *app, const char *user)
{
    cJSON *o = cJSON_CreateObject();
    if (o && (!cJSON_AddStringToObject(o, "app", app) ||
              !cJSON_AddStringToObject(o, "user", user))) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

/* ---- arguments ---------------------------------------------------------- */

/* The query's app id, checked as a login's would be; NULL (answered 400)
 * when missing or not served. */
static const char *admin_app(const admin_call *call)
{
    const char *app = evhttp_find_header(call->query, "app");
    if (!app) {
        admin_error(call->req, HTTP_BADREQUEST, "missing app (?app=ID)");
        return NULL;
    }
    if (rtmd_auth_check_app(call->srv->cfg, app) != RTM_LOGIN_ERR_OK) {
        admin_error(call->req, HTTP_BADREQUEST, "invalid or unknown app id");
        return NULL;
    }
    return app;
}

/* The app and the {user} of a /users/{user}/... call; false (answered 400)
 * when either is bad. */
static bool admin_app_user(const admin_call *call, const char **app)
{
    *app = admin_app(call);
    if (!*app)
        return false;
    if (!rtm__user_id_valid(call->param)) {
        admin_error(call->req, HTTP_BADREQUEST, "invalid user id");
        return false;
    }
    return true;
}

/* ---- endpoints ---------------------------------------------------------- */

static void admin_healthz(const admin_call *call)
{
    struct evbuffer *out = evbuffer_new();
    if (!out || evbuffer_add(out, "ok\n", 3) != 0)
        evhttp_send_error(call->req, HTTP_INTERNAL, NULL);
    else
        admin_reply(call->req, HTTP_OK, "text/plain; charset=utf-8", out);
    if (out)
        evbuffer_free(out);
}

static void admin_metrics(const admin_call *call)
{
    struct evbuffer *out = evbuffer_new();
    if (!out || rtmd_metrics_render(call->srv, out) != 0)
        evhttp_send_error(call->req, HTTP_INTERNAL, NULL);
    else
        admin_reply(call->req, HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", out);
    if (out)
        evbuffer_free(out);
}

/* GET /users[?app=ID]: collecting the sessions, then sorting them. */
typedef struct {
    rtmd_session **items;
    size_t count;
    const char *app; /* NULL: every app */
} admin_sessions;

static void admin_collect_session(rtmd_session *s, void *closure)
{
    admin_sessions *all = closure;
    if (!all->app || strcmp(all->app, s->app_id) == 0)
        all->items[all->count++] = s;
}

static int admin_session_cmp(const void *a, const void *b)
{
    const rtmd_session *x = *(rtmd_session *const *)a, *y = *(rtmd_session *const *)b;
    int c = strcmp(x->app_id, y->app_id);
    return c ? c : strcmp(x->user_id, y->user_id);
}

static int admin_entry_cmp(const void *a, const void *b)
{
    const rtmd_session_entry *x = a, *y = b;
    int c = strcmp(x->app, y->app);
    return c ? c : strcmp(x->user, y->user);
}

static rtmd_call *admin_op_new(const admin_call *call, rtmd_eng_kind kind, rtmd_eng_done done,
                               const char *app, const char *user, const char *id);
static void admin_op_free(rtmd_call *a);
static bool admin_unavailable(rtmd_call *a, const rtmd_eng_op *op);

/* The users of every node (a Redis store): each with its node, and whether
 * it is in its grace when it is this node's (null: another node knows). */
static void admin_users_done(rtmd_eng_op *op)
{
    rtmd_call *a = rtmd_call_of(op);
    if (admin_unavailable(a, op))
        return;
    cJSON *o = op->code == RTMD_STORE_OK ? cJSON_CreateObject() : NULL;
    cJSON *users = o ? cJSON_AddArrayToObject(o, "users") : NULL;
    if (op->sessions.count > 1)
        qsort(op->sessions.items, op->sessions.count, sizeof *op->sessions.items,
              admin_entry_cmp);
    for (size_t i = 0; users && i < op->sessions.count; i++) {
        const rtmd_session_entry *e = &op->sessions.items[i];
        if (a->user[0] && strcmp(a->user, e->app) != 0) /* ?app= */
            continue;
        rtmd_session *s = rtmd_registry_find(&a->srv->sessions, e->app, e->user);
        cJSON *u = admin_user_object(e->app, e->user);
        bool ok = u && (s ? cJSON_AddBoolToObject(u, "in_grace", s->grace.in)
                          : cJSON_AddNullToObject(u, "in_grace")) &&
                  cJSON_AddStringToObject(u, "node", e->node ? e->node : "");
        if (!ok || !cJSON_AddItemToArray(users, u)) {
            cJSON_Delete(u);
            users = NULL;
        }
    }
    admin_json_ok(a->ctx, o, users != NULL);
    admin_op_free(a);
}

static void admin_users(const admin_call *call)
{
    if (call->srv->cfg->store == RTMD_STORE_REDIS) {
        const char *only = evhttp_find_header(call->query, "app");
        rtmd_call *a = admin_op_new(call, RTMD_ENG_SESSIONS, admin_users_done, NULL,
                                    only ? only : "", NULL);
        if (!a)
            return;
        a->op.in.sessions.all = true;
        rtmd_call_submit(a);
        return;
    }
    admin_sessions all = { NULL, 0, evhttp_find_header(call->query, "app") };
    size_t n = rtmd_registry_count(&call->srv->sessions);
    all.items = calloc(n ? n : 1, sizeof *all.items);
    cJSON *o = all.items ? cJSON_CreateObject() : NULL;
    cJSON *users = o ? cJSON_AddArrayToObject(o, "users") : NULL;
    if (users) {
        rtmd_registry_foreach(&call->srv->sessions, admin_collect_session, &all);
        if (all.count > 1)
            qsort(all.items, all.count, sizeof *all.items, admin_session_cmp);
    }
    for (size_t i = 0; users && i < all.count; i++) {
        cJSON *u = admin_user_object(all.items[i]->app_id, all.items[i]->user_id);
        if (!u || !cJSON_AddBoolToObject(u, "in_grace", all.items[i]->grace.in) ||
            !cJSON_AddItemToArray(users, u)) {
            cJSON_Delete(u);
            users = NULL;
        }
    }
    free(all.items);
    admin_json_ok(call->req, o, users != NULL);
}

static rtmd_admin *admin_of_process;

/* The link of a request's connection, or NULL (one evhttp made itself). */
static admin_link *admin_link_of(struct evhttp_request *req)
{
    struct evhttp_connection *evcon = evhttp_request_get_connection(req);
    for (admin_link *l = admin_of_process ? admin_of_process->links : NULL; l; l = l->next)
        if (l->evcon && l->evcon == evcon)
            return l;
    return NULL;
}

/* An admin request's engine call (call.h) about (app, user, id), its HTTP
 * request in ctx, or NULL once the connection went (an engine over the
 * network completes later: the answers then go nowhere). NULL, answered,
 * when out of memory. Each done callback ends with admin_op_free. */
static rtmd_call *admin_req_op_new(rtmd_server *srv, struct evhttp_request *req,
                                   rtmd_eng_kind kind, rtmd_eng_done done, const char *app,
                                   const char *user, const char *id)
{
    rtmd_call *a = rtmd_call_new(srv, kind, done, app, user, id);
    if (!a) {
        rtmd_log(RTMD_LOG_ERROR, "admin: out of memory for %s",
                 req ? evhttp_request_get_uri(req) : "a request");
        admin_json_ok(req, NULL, false);
        return NULL;
    }
    a->ctx = req;
    admin_link *l = req ? admin_link_of(req) : NULL;
    if (l)
        l->pending = a;
    return a;
}

static rtmd_call *admin_op_new(const admin_call *call, rtmd_eng_kind kind, rtmd_eng_done done,
                               const char *app, const char *user, const char *id)
{
    return admin_req_op_new(call->srv, call->req, kind, done, app, user, id);
}

static void admin_op_free(rtmd_call *a)
{
    for (admin_link *l = admin_of_process ? admin_of_process->links : NULL; l; l = l->next)
        if (l->pending == a)
            l->pending = NULL;
    rtmd_call_free(a);
}

/* What a kick (or a ban, kicking) answers: {app, user, kicked} (a ban:
 * with its seconds). */
/* An operation the store could not run (Redis down or too slow): 503, and
 * the call freed; true when it was one. */
static bool admin_unavailable(rtmd_call *a, const rtmd_eng_op *op)
{
    if (!(op->flags & RTMD_ENG_UNAVAILABLE))
        return false;
    if (a->ctx)
        admin_error(a->ctx, HTTP_SERVUNAVAIL, "the store is unavailable; try again");
    admin_op_free(a);
    return true;
}

static void admin_kicked_answer(struct evhttp_request *req, const char *app, const char *user,
                                bool ban, uint64_t seconds, bool kicked)
{
    if (!ban && !kicked) {
        admin_error(req, HTTP_NOTFOUND, "user not online");
        return;
    }
    cJSON *o = admin_user_object(app, user);
    bool built = o &&
                 (!ban || (seconds ? cJSON_AddNumberToObject(o, "seconds", (double)seconds)
                                   : cJSON_AddNullToObject(o, "seconds"))) &&
                 cJSON_AddBoolToObject(o, "kicked", kicked);
    admin_json_ok(req, o, built);
}

/* Kicks (app, user) here if its session is this node's (SPEC A1: ABORTED,
 * BANNED_BY_SERVER); whether it was. */
static bool admin_kick_here(rtmd_server *srv, const char *app, const char *user)
{
    rtmd_session *s = rtmd_registry_find(&srv->sessions, app, user);
    if (!s)
        return false;
    rtmd_log(RTMD_LOG_INFO, "admin: %s/%s kicked", app, user);
    rtmd_session_kick(srv, s, RTM_CONNECTION_CHANGE_REASON_BANNED_BY_SERVER);
    return true;
}

static void admin_remote_kick_done(rtmd_eng_op *op)
{
    rtmd_call *a = rtmd_call_of(op);
    /* A kick Redis could not confirm is 503 (it may have been done); a
     * ban is in force, and says kicked false. */
    if (!a->arg && admin_unavailable(a, op))
        return;
    bool kicked = op->code == RTMD_STORE_OK;
    for (size_t i = 0; i < op->ended.count; i++) {
        rtmd_log(RTMD_LOG_INFO, "admin: %s/%s, in the grace of a dead node, ended", a->app,
                 a->user);
        rtmd_router_tell_ended(a->srv, &op->ended.items[i]);
    }
    if (kicked && !op->ended.count)
        rtmd_log(RTMD_LOG_INFO, "admin: %s/%s kicked on its node", a->app, a->user);
    else if (op->code == RTMD_STORE_EXISTS) /* this node's after all */
        kicked = admin_kick_here(a->srv, a->app, a->user);
    admin_kicked_answer(a->ctx, a->app, a->user, a->arg, a->n, kicked);
    admin_op_free(a);
}

/* Kicks (app, user) wherever its session is, then answers req (NULL:
 * nobody): here, or on the node holding it, through the engine. */
static void admin_kick_anywhere(rtmd_server *srv, struct evhttp_request *req, const char *app,
                                const char *user, bool ban, uint64_t seconds)
{
    bool here = admin_kick_here(srv, app, user);
    if (here || srv->cfg->store != RTMD_STORE_REDIS) {
        admin_kicked_answer(req, app, user, ban, seconds, here);
        return;
    }
    rtmd_call *a =
        admin_req_op_new(srv, req, RTMD_ENG_KICK, admin_remote_kick_done, app, user, NULL);
    if (!a)
        return;
    a->arg = ban;
    a->n = seconds;
    a->op.in.kick.of = (rtmd_user){ a->app, a->user };
    rtmd_call_submit(a);
}

static void admin_kick(const admin_call *call)
{
    const char *app;
    if (!admin_app_user(call, &app))
        return;
    admin_kick_anywhere(call->srv, call->req, app, call->param, false, 0);
}

static void admin_channels_done(rtmd_eng_op *op)
{
    rtmd_call *a = rtmd_call_of(op);
    if (admin_unavailable(a, op))
        return;
    cJSON *o = op->code == RTMD_STORE_OK ? cJSON_CreateObject() : NULL;
    cJSON *list = o && cJSON_AddStringToObject(o, "app", a->app)
                      ? cJSON_AddArrayToObject(o, "channels") : NULL;
    for (size_t i = 0; list && i < op->users.count; i++) {
        cJSON *ch = cJSON_CreateObject();
        if (!ch || !cJSON_AddStringToObject(ch, "channel", op->users.items[i]) ||
            !cJSON_AddNumberToObject(ch, "members", (double)op->counts[i]) ||
            !cJSON_AddItemToArray(list, ch)) {
            cJSON_Delete(ch);
            list = NULL;
        }
    }
    admin_json_ok(a->ctx, o, list != NULL);
    admin_op_free(a);
}

static void admin_channels(const admin_call *call)
{
    const char *app = admin_app(call);
    if (!app)
        return;
    rtmd_call *a = admin_op_new(call, RTMD_ENG_APP_CHANNELS, admin_channels_done, app, NULL,
                                 NULL);
    if (!a)
        return;
    a->op.in.app_channels.app = a->app;
    rtmd_call_submit(a);
}

static void admin_members_done(rtmd_eng_op *op)
{
    rtmd_call *a = rtmd_call_of(op);
    if (admin_unavailable(a, op))
        return;
    if (op->code == RTMD_STORE_ABSENT) {
        admin_error(a->ctx, HTTP_NOTFOUND, "no such channel");
        admin_op_free(a);
        return;
    }
    cJSON *o = op->code == RTMD_STORE_OK ? cJSON_CreateObject() : NULL;
    cJSON *list = o && cJSON_AddStringToObject(o, "app", a->app) &&
                          cJSON_AddStringToObject(o, "channel", a->id)
                      ? cJSON_CreateStringArray((const char *const *)op->users.items,
                                                (int)op->users.count)
                      : NULL;
    bool built = list && cJSON_AddItemToObject(o, "members", list);
    if (!built)
        cJSON_Delete(list);
    admin_json_ok(a->ctx, o, built);
    admin_op_free(a);
}

static void admin_members(const admin_call *call)
{
    const char *app = admin_app(call);
    if (!app)
        return;
    if (!rtm__channel_id_valid(call->param)) {
        admin_error(call->req, HTTP_BADREQUEST, "invalid channel id");
        return;
    }
    rtmd_call *a = admin_op_new(call, RTMD_ENG_MEMBERS, admin_members_done, app, NULL,
                                call->param);
    if (!a)
        return;
    a->op.in.members.of = (rtmd_user){ a->app, NULL };
    a->op.in.members.channel = a->id;
    rtmd_call_submit(a);
}

static void admin_ban_done(rtmd_eng_op *op)
{
    rtmd_call *a = rtmd_call_of(op);
    if (admin_unavailable(a, op))
        return;
    if (op->code != RTMD_STORE_OK) {
        rtmd_log(RTMD_LOG_ERROR, "admin: cannot ban %s/%s (%d)", a->app, a->user, op->code);
        admin_json_ok(a->ctx, NULL, false);
        admin_op_free(a);
        return;
    }
    if (a->n)
        rtmd_log(RTMD_LOG_INFO, "admin: %s/%s banned for %llu s", a->app, a->user,
                 (unsigned long long)a->n);
    else
        rtmd_log(RTMD_LOG_INFO, "admin: %s/%s banned until lifted", a->app, a->user);
    /* SPEC A1: ABORTED, BANNED_BY_SERVER, wherever it is; its next logins
     * are refused. */
    struct evhttp_request *req = a->ctx;
    rtmd_server *srv = a->srv;
    char app[RTMD_APP_ID_MAX + 1], user[RTM__ID_MAX + 1];
    snprintf(app, sizeof app, "%s", a->app);
    snprintf(user, sizeof user, "%s", a->user);
    uint64_t seconds = a->n;
    admin_op_free(a);
    admin_kick_anywhere(srv, req, app, user, true, seconds);
}

static void admin_ban(const admin_call *call)
{
    const char *app;
    if (!admin_app_user(call, &app))
        return;
    const char *secs = evhttp_find_header(call->query, "seconds");
    unsigned long long seconds = 0;
    if (secs) {
        char *end = NULL;
        errno = 0;
        seconds = strtoull(secs, &end, 10);
        if (!isdigit((unsigned char)secs[0]) || *end || errno || seconds < 1 ||
            seconds > ADMIN_MAX_BAN_S) {
            admin_error(call->req, HTTP_BADREQUEST, "seconds: expected 1 to 315360000");
            return;
        }
    }
    rtmd_call *a = admin_op_new(call, RTMD_ENG_BAN_SET, admin_ban_done, app, call->param, NULL);
    if (!a)
        return;
    a->n = seconds;
    /* Wall clock: a ban lasts as long across a restart. */
    a->op.in.ban_set.of = (rtmd_user){ a->app, a->user };
    a->op.in.ban_set.until_ms = seconds ? call->srv->now.wall_ms + seconds * 1000u : 0;
    rtmd_call_submit(a);
}

static void admin_unban_done(rtmd_eng_op *op)
{
    rtmd_call *a = rtmd_call_of(op);
    if (admin_unavailable(a, op))
        return;
    if (op->code == RTMD_STORE_ABSENT) {
        admin_error(a->ctx, HTTP_NOTFOUND, "user not banned");
    } else if (op->code != RTMD_STORE_OK) {
        admin_json_ok(a->ctx, NULL, false);
    } else {
        rtmd_log(RTMD_LOG_INFO, "admin: %s/%s unbanned", a->app, a->user);
        cJSON *o = admin_user_object(a->app, a->user);
        admin_json_ok(a->ctx, o, o && cJSON_AddBoolToObject(o, "banned", false));
    }
    admin_op_free(a);
}

static void admin_unban(const admin_call *call)
{
    const char *app;
    if (!admin_app_user(call, &app))
        return;
    rtmd_call *a = admin_op_new(call, RTMD_ENG_BAN_LIFT, admin_unban_done, app, call->param,
                                NULL);
    if (!a)
        return;
    a->op.in.ban_lift.of = (rtmd_user){ a->app, a->user };
    a->op.in.ban_lift.now_ms = call->srv->now.wall_ms;
    rtmd_call_submit(a);
}

static void admin_bans_done(rtmd_eng_op *op)
{
    rtmd_call *a = rtmd_call_of(op);
    if (admin_unavailable(a, op))
        return;
    uint64_t now = a->srv->now.wall_ms;
    cJSON *o = op->code == RTMD_STORE_OK ? cJSON_CreateObject() : NULL;
    cJSON *list = o ? cJSON_AddArrayToObject(o, "bans") : NULL;
    for (size_t i = 0; list && i < op->bans.count; i++) {
        const rtmd_ban_entry *b = &op->bans.items[i];
        cJSON *u = admin_user_object(b->app, b->user);
        /* Whole seconds left, rounded up: a ban is never listed as 0 s. */
        uint64_t left_ms = b->until_ms > now ? b->until_ms - now : 0;
        if (!u ||
            !(b->until_ms ? cJSON_AddNumberToObject(u, "seconds_left",
                                                    (double)((left_ms + 999u) / 1000u))
                          : cJSON_AddNullToObject(u, "seconds_left")) ||
            !cJSON_AddItemToArray(list, u)) {
            cJSON_Delete(u);
            list = NULL;
        }
    }
    admin_json_ok(a->ctx, o, list != NULL);
    admin_op_free(a);
}

static void admin_bans(const admin_call *call)
{
    rtmd_call *a = admin_op_new(call, RTMD_ENG_BANS_LIST, admin_bans_done, NULL, NULL, NULL);
    if (!a)
        return;
    a->op.in.bans_list.now_ms = call->srv->now.wall_ms;
    rtmd_call_submit(a);
}

/* GET /nodes: the nodes sharing the store, by name; with a store of one
 * node, this one (no name). */
typedef struct {
    const char *name;
    const uint32_t *counts; /* sessions, dead, ms left (RTMD_ENG_NODES) */
} admin_node_row;

static int admin_node_cmp(const void *a, const void *b)
{
    return strcmp(((const admin_node_row *)a)->name, ((const admin_node_row *)b)->name);
}

/* {"node","self","state","deadline_ms","sessions"}; name and left_ms may be
 * NULL (null). */
static cJSON *admin_node_object(const char *name, bool self, bool dead, const uint32_t *left_ms,
                                uint32_t sessions)
{
    cJSON *n = cJSON_CreateObject();
    bool ok = n && (name ? cJSON_AddStringToObject(n, "node", name) != NULL
                         : cJSON_AddNullToObject(n, "node") != NULL) &&
              cJSON_AddBoolToObject(n, "self", self) &&
              cJSON_AddStringToObject(n, "state", dead ? "dead" : "alive") &&
              (left_ms ? cJSON_AddNumberToObject(n, "deadline_ms", *left_ms) != NULL
                       : cJSON_AddNullToObject(n, "deadline_ms") != NULL) &&
              cJSON_AddNumberToObject(n, "sessions", sessions);
    if (!ok) {
        cJSON_Delete(n);
        return NULL;
    }
    return n;
}

/* Adds item to the array list; false (item freed) when either is NULL. */
static bool admin_add(cJSON *list, cJSON *item)
{
    if (list && item && cJSON_AddItemToArray(list, item))
        return true;
    cJSON_Delete(item);
    return false;
}

static void admin_nodes_done(rtmd_eng_op *op)
{
    rtmd_call *a = rtmd_call_of(op);
    if (admin_unavailable(a, op))
        return;
    size_t n = op->users.count;
    cJSON *o = op->code == RTMD_STORE_OK && op->counts ? cJSON_CreateObject() : NULL;
    cJSON *list = o ? cJSON_AddArrayToObject(o, "nodes") : NULL;
    admin_node_row *rows = list ? calloc(n ? n : 1, sizeof *rows) : NULL;
    bool built = rows != NULL;
    for (size_t i = 0; rows && i < n; i++)
        rows[i] = (admin_node_row){ op->users.items[i], &op->counts[3 * i] };
    if (rows && n > 1)
        qsort(rows, n, sizeof *rows, admin_node_cmp);
    for (size_t i = 0; built && i < n; i++) {
        const uint32_t *c = rows[i].counts;
        built = admin_add(list, admin_node_object(rows[i].name,
                                                  strcmp(rows[i].name, a->srv->node_id) == 0,
                                                  c[1] != 0, c[1] ? NULL : &c[2], c[0]));
    }
    built = built && cJSON_AddNumberToObject(o, "orphaned_sessions", (double)op->count);
    free(rows);
    admin_json_ok(a->ctx, o, built);
    admin_op_free(a);
}

static void admin_nodes(const admin_call *call)
{
    if (call->srv->cfg->store == RTMD_STORE_REDIS) {
        rtmd_call *a = admin_op_new(call, RTMD_ENG_NODES, admin_nodes_done, NULL, NULL, NULL);
        if (a)
            rtmd_call_submit(a);
        return;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON *list = o ? cJSON_AddArrayToObject(o, "nodes") : NULL;
    uint32_t sessions = (uint32_t)rtmd_registry_count(&call->srv->sessions);
    bool built = admin_add(list, admin_node_object(NULL, true, false, NULL, sessions)) &&
                 cJSON_AddNumberToObject(o, "orphaned_sessions", 0);
    admin_json_ok(call->req, o, built);
}

/* ---- routing ------------------------------------------------------------ */

typedef struct {
    /* The path's segments; "*" takes any one segment, the call's param. */
    const char *path[ADMIN_MAX_SEGMENTS];
    enum evhttp_cmd_type method;
    void (*handler)(const admin_call *call);
    bool open; /* served without the secret */
} admin_route;

static const admin_route admin_routes[] = {
    { { "healthz" }, EVHTTP_REQ_GET, admin_healthz, true },
    { { "metrics" }, EVHTTP_REQ_GET, admin_metrics, false },
    { { "users" }, EVHTTP_REQ_GET, admin_users, false },
    { { "channels" }, EVHTTP_REQ_GET, admin_channels, false },
    { { "channels", "*", "members" }, EVHTTP_REQ_GET, admin_members, false },
    { { "users", "*", "kick" }, EVHTTP_REQ_POST, admin_kick, false },
    { { "users", "*", "ban" }, EVHTTP_REQ_POST, admin_ban, false },
    { { "users", "*", "ban" }, EVHTTP_REQ_DELETE, admin_unban, false },
    { { "bans" }, EVHTTP_REQ_GET, admin_bans, false },
    { { "nodes" }, EVHTTP_REQ_GET, admin_nodes, false },
};
#define ADMIN_NROUTES (sizeof admin_routes / sizeof admin_routes[0])

/* The decoded segments of a path ("/users/a%20b/kick" -> users, "a b",
 * kick). Returns their count, or -1 for a path no route has (too many
 * segments, an empty one, a NUL byte); free with admin_path_free. */
static int admin_path_split(const char *path, char *seg[ADMIN_MAX_SEGMENTS])
{
    int n = 0;
    if (!path || path[0] != '/')
        return -1;
    for (const char *p = path + 1;; n++) {
        const char *end = strchr(p, '/');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        char raw[256];
        size_t out_len = 0;
        if (n == ADMIN_MAX_SEGMENTS || len == 0 || len >= sizeof raw)
            break;
        memcpy(raw, p, len);
        raw[len] = '\0';
        seg[n] = evhttp_uridecode(raw, 0, &out_len);
        if (!seg[n] || out_len != strlen(seg[n])) {
            free(seg[n]);
            break;
        }
        if (!end)
            return n + 1;
        p = end + 1;
    }
    while (n > 0)
        free(seg[--n]);
    return -1;
}

static void admin_path_free(char *seg[ADMIN_MAX_SEGMENTS], int n)
{
    for (int i = 0; i < n; i++)
        free(seg[i]);
}

/* Whether the route's path is seg[0..n); its "*" segment, if any, to *param. */
static bool admin_route_matches(const admin_route *r, char *seg[], int n, const char **param)
{
    int len = 0;
    while (len < ADMIN_MAX_SEGMENTS && r->path[len])
        len++;
    if (len != n)
        return false;
    for (int i = 0; i < n; i++) {
        if (strcmp(r->path[i], "*") == 0)
            *param = seg[i];
        else if (strcmp(r->path[i], seg[i]) != 0)
            return false;
    }
    return true;
}

/* Whether the request carries "Authorization: Bearer SECRET". The digests
 * are compared, so the time taken says nothing of the secret, not even
 * its length. */
static bool admin_authorized(const rtmd_admin *a, struct evhttp_request *req)
{
    const char *h = evhttp_find_header(evhttp_request_get_input_headers(req), "Authorization");
    if (!h || strncasecmp(h, "Bearer ", 7) != 0)
        return false;
    h += 7;
    while (*h == ' ')
        h++;
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256((const unsigned char *)h, strlen(h), digest);
    return CRYPTO_memcmp(digest, a->secret, sizeof digest) == 0;
}

static const char *admin_method_name(enum evhttp_cmd_type m)
{
    switch (m) {
    case EVHTTP_REQ_GET: return "GET";
    case EVHTTP_REQ_POST: return "POST";
    case EVHTTP_REQ_DELETE: return "DELETE";
    default: return "?";
    }
}

/* ---- connections ------------------------------------------------------- */

/* "HOST:PORT" of fd's peer, or "?". */
static void admin_peer(evutil_socket_t fd, char *buf, size_t size)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    char host[64], port[16];
    if (fd < 0 || getpeername(fd, (struct sockaddr *)&ss, &len) != 0 ||
        getnameinfo((struct sockaddr *)&ss, len, host, sizeof host, port, sizeof port,
                    NI_NUMERICHOST | NI_NUMERICSERV) != 0)
        snprintf(buf, size, "?");
    else
        snprintf(buf, size, ss.ss_family == AF_INET6 ? "[%s]:%s" : "%s:%s", host, port);
}

/* The request was not whole at its deadline: its connection is closed. */
static void admin_deadline_cb(evutil_socket_t unused, short what, void *arg)
{
    admin_link *l = arg;
    rtmd_admin *a = l->a;
    rtmd_server_tick(a->srv);
    a->srv->metrics.admin_timed_out++;
    uint64_t unlogged;
    if (rtmd_log_limit(&a->deadline_log, a->srv->now.mono_ms, 1000, &unlogged)) {
        char peer[96];
        admin_peer(bufferevent_getfd(l->bev), peer, sizeof peer);
        rtmd_log(RTMD_LOG_WARN, "admin: %s: no whole request within %u ms: closed (%llu "
                 "closed so since the last such line)", peer, a->srv->cfg->admin_timeout_ms,
                 (unsigned long long)unlogged + 1);
    }
    if (l->evcon)
        evhttp_connection_free(l->evcon); /* and l, through admin_link_closed */
}

/* Accepting iff neither at the cap nor pausing for descriptors. A
 * listener not accepting leaves new connections in the kernel's backlog,
 * costing rtmd no descriptor, until it accepts again (Go's LimitListener). */
static void admin_apply(rtmd_admin *a)
{
    bool on = !a->full && !a->fd_pause;
    if (on == a->accepting || !a->listener || a->closing) /* closing: evhttp frees it */
        return;
    a->accepting = on;
    (on ? evconnlistener_enable : evconnlistener_disable)(a->listener);
}

static void admin_set_full(rtmd_admin *a)
{
    bool full = a->nlinks >= RTMD_ADMIN_MAX_CONNS;
    if (full && !a->full) {
        a->srv->metrics.admin_full++;
        uint64_t unlogged;
        if (rtmd_log_limit(&a->full_log, a->srv->now.mono_ms, 1000, &unlogged))
            rtmd_log(RTMD_LOG_WARN, "admin: %u connections at once, the most it holds: new "
                     "ones wait until one closes (%llu times so since the last such line)",
                     RTMD_ADMIN_MAX_CONNS, (unsigned long long)unlogged + 1);
    }
    a->full = full;
    admin_apply(a);
}

/* evhttp hands the listener's callbacks its own pointer, not ours:
 * admin_of_process (above) is the admin API of this process, for
 * admin_listener_error_cb. */

static void admin_resume_cb(evutil_socket_t unused, short what, void *arg)
{
    rtmd_admin *a = arg;
    a->fd_pause = false;
    admin_apply(a);
}

/* accept() failed. For want of descriptors (which the budget of config.h
 * keeps from happening) the listener pauses as the links' do, rather than
 * spin on the connection that stays pending. */
static void admin_listener_error_cb(struct evconnlistener *l, void *arg)
{
    rtmd_admin *a = admin_of_process;
    int err = EVUTIL_SOCKET_ERROR();
    if (!a || a->http != arg)
        return;
    uint64_t unlogged;
    if (rtmd_log_limit(&a->srv->accept_error_log, a->srv->now.mono_ms, 1000, &unlogged))
        rtmd_log(RTMD_LOG_ERROR, "admin: accept failed: %s (%llu failures since the last "
                 "such line)", evutil_socket_error_to_string(err),
                 (unsigned long long)unlogged + 1);
    if (err != EMFILE && err != ENFILE && err != ENOBUFS && err != ENOMEM)
        return;
    struct timeval tv = { 0, RTMD_ACCEPT_PAUSE_MS * 1000 };
    if (a->resume && evtimer_add(a->resume, &tv) == 0) {
        a->fd_pause = true;
        admin_apply(a);
    }
}

static void admin_link_free(admin_link *l)
{
    rtmd_admin *a = l->a;
    if (l->pending)
        l->pending->ctx = NULL; /* its answer goes nowhere */
    if (l->adopt)
        event_free(l->adopt);
    if (l->deadline)
        event_free(l->deadline);
    if (l->prev)
        l->prev->next = l->next;
    else
        a->links = l->next;
    if (l->next)
        l->next->prev = l->prev;
    a->nlinks--;
    free(l);
    admin_set_full(a);
}

/* evhttp frees the connection. */
static void admin_link_closed(struct evhttp_connection *evcon, void *arg)
{
    admin_link_free(arg);
}

/* Runs in the loop turn that accepted the connection, once evhttp has made
 * it: evhttp's callbacks on the bufferevent carry the connection, on which
 * the close callback is set. A reference on the bufferevent, taken in
 * admin_bev_cb, kept it readable should evhttp have dropped the connection
 * at once (the callbacks are then cleared). */
static void admin_adopt_cb(evutil_socket_t unused, short what, void *arg)
{
    admin_link *l = arg;
    bufferevent_data_cb readcb = NULL;
    void *evcon = NULL;
    bufferevent_getcb(l->bev, &readcb, NULL, NULL, &evcon);
    struct bufferevent *bev = l->bev;
    if (readcb && evcon && evhttp_connection_get_bufferevent(evcon) == bev) {
        l->evcon = evcon;
        evhttp_connection_set_closecb(evcon, admin_link_closed, l);
    } else {
        admin_link_free(l);
    }
    bufferevent_decref(bev);
}

/* evhttp's bufferevent for a connection it accepted (evhttp_set_bevcb), so
 * that the connection is counted and has its deadline. NULL when out of
 * memory: evhttp then makes one of its own, and that connection goes
 * uncounted (logged). */
static struct bufferevent *admin_bev_cb(struct event_base *base, void *arg)
{
    rtmd_admin *a = arg;
    admin_link *l = calloc(1, sizeof *l);
    if (l) {
        l->a = a;
        l->deadline = evtimer_new(base, admin_deadline_cb, l);
        l->adopt = l->deadline ? event_new(base, -1, 0, admin_adopt_cb, l) : NULL;
        l->bev = l->adopt ? bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE) : NULL;
    }
    if (!l || !l->bev) {
        rtmd_log(RTMD_LOG_ERROR, "admin: out of memory for a connection: it is served "
                 "uncounted and without its deadline");
        if (l && l->adopt)
            event_free(l->adopt);
        if (l && l->deadline)
            event_free(l->deadline);
        free(l);
        return NULL;
    }
    l->next = a->links;
    if (a->links)
        a->links->prev = l;
    a->links = l;
    a->nlinks++;
    bufferevent_incref(l->bev);
    event_active(l->adopt, EV_TIMEOUT, 1);
    uint32_t ms = a->srv->cfg->admin_timeout_ms;
    struct timeval tv = { (time_t)(ms / 1000u), (suseconds_t)(ms % 1000u) * 1000 };
    if (evtimer_add(l->deadline, &tv) != 0)
        rtmd_log(RTMD_LOG_ERROR, "admin: cannot arm a connection's deadline");
    admin_set_full(a);
    return l->bev;
}

/* The request is whole: its deadline is met, and its connection is closed
 * after the answer (one request per connection). */
static void admin_request_whole(rtmd_admin *a, struct evhttp_request *req)
{
    struct evhttp_connection *evcon = evhttp_request_get_connection(req);
    for (admin_link *l = a->links; l; l = l->next)
        if (l->evcon == evcon)
            evtimer_del(l->deadline);
    evhttp_add_header(evhttp_request_get_output_headers(req), "Connection", "close");
}

/* Whether the request's length is said once: two Content-Length headers,
 * or one beside a Transfer-Encoding, are read one way by evhttp (the first)
 * and maybe another by a proxy in front, which could then smuggle a request
 * after the body (RFC 9112, 6.3). */
static bool admin_length_unambiguous(struct evhttp_request *req)
{
    const struct evkeyvalq *h = evhttp_request_get_input_headers(req);
    int lengths = 0;
    bool encoded = false;
    for (const struct evkeyval *kv = TAILQ_FIRST(h); kv; kv = TAILQ_NEXT(kv, next)) {
        if (strcasecmp(kv->key, "Content-Length") == 0)
            lengths++;
        else if (strcasecmp(kv->key, "Transfer-Encoding") == 0)
            encoded = true;
    }
    return lengths <= 1 && !(lengths == 1 && encoded);
}

static void admin_request_cb(struct evhttp_request *req, void *arg)
{
    rtmd_admin *a = arg;
    rtmd_server_tick(a->srv);
    admin_request_whole(a, req);
    if (!admin_length_unambiguous(req)) {
        /* What follows on the link cannot be trusted either: it is closed
         * after the answer, as every admin connection is. */
        admin_error(req, HTTP_BADREQUEST, "ambiguous length: Content-Length twice, or with "
                                          "Transfer-Encoding");
        return;
    }
    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
    char *seg[ADMIN_MAX_SEGMENTS];
    int n = admin_path_split(evhttp_uri_get_path(uri), seg);
    enum evhttp_cmd_type method = evhttp_request_get_command(req);
    const admin_route *route = NULL;
    const char *param = NULL;
    bool path_known = false, open = false;
    char allow[64] = "";
    for (size_t i = 0; n >= 0 && i < ADMIN_NROUTES; i++) {
        const admin_route *r = &admin_routes[i];
        if (!admin_route_matches(r, seg, n, &param))
            continue;
        path_known = true;
        open = r->open;
        snprintf(allow + strlen(allow), sizeof allow - strlen(allow), "%s%s",
                 allow[0] ? ", " : "", admin_method_name(r->method));
        if (r->method == method)
            route = r;
    }
    if (!open && !admin_authorized(a, req)) {
        /* Unknown paths too: nothing is said to a caller without the secret. */
        char *host = NULL;
        ev_uint16_t port = 0;
        evhttp_connection_get_peer(evhttp_request_get_connection(req), &host, &port);
        rtmd_log(RTMD_LOG_WARN, "admin: %s:%u: %s without the right bearer secret: 401",
                 host ? host : "?", (unsigned)port, evhttp_request_get_uri(req));
        evhttp_add_header(evhttp_request_get_output_headers(req), "WWW-Authenticate",
                          "Bearer");
        admin_error(req, ADMIN_HTTP_UNAUTHORIZED, "unauthorized");
    } else if (!path_known) {
        admin_error(req, HTTP_NOTFOUND, "not found");
    } else if (!route) {
        evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", allow);
        admin_error(req, HTTP_BADMETHOD, "method not allowed");
    } else {
        struct evkeyvalq query;
        TAILQ_INIT(&query);
        const char *q = evhttp_uri_get_query(uri);
        if (q && evhttp_parse_query_str(q, &query) != 0) {
            admin_error(req, HTTP_BADREQUEST, "malformed query");
        } else {
            admin_call call = { a->srv, req, param, &query };
            route->handler(&call);
        }
        evhttp_clear_headers(&query);
    }
    if (n > 0)
        admin_path_free(seg, n);
}

/* ---- opening ------------------------------------------------------------ */

/* Reads the secret (the first line of path, blanks trimmed) into its
 * digest. 0, or -1 (logged). */
static int admin_read_secret(const char *path, unsigned char digest[SHA256_DIGEST_LENGTH])
{
    FILE *f = fopen(path, "r");
    if (!f) {
        rtmd_log(RTMD_LOG_ERROR, "cannot read the admin secret file %s: %s", path,
                 strerror(errno));
        return -1;
    }
    struct stat sb;
    if (fstat(fileno(f), &sb) == 0 && (sb.st_mode & (S_IRWXG | S_IRWXO)))
        rtmd_log(RTMD_LOG_WARN, "the admin secret file %s can be read by other users "
                 "(chmod 600 %s)", path, path);
    char line[1024];
    if (!fgets(line, sizeof line, f))
        line[0] = '\0';
    fclose(f);
    char *p = line, *e = line + strlen(line);
    while (isspace((unsigned char)*p))
        p++;
    while (e > p && isspace((unsigned char)e[-1]))
        e--;
    size_t n = (size_t)(e - p);
    int rc = 0;
    if (n < RTMD_ADMIN_SECRET_MIN) {
        rtmd_log(RTMD_LOG_ERROR, "the admin secret in %s is shorter than %u characters",
                 path, RTMD_ADMIN_SECRET_MIN);
        rc = -1;
    } else {
        SHA256((const unsigned char *)p, n, digest);
    }
    OPENSSL_cleanse(line, sizeof line);
    return rc;
}

int rtmd_admin_open(rtmd_server *srv)
{
    const rtmd_config *cfg = srv->cfg;
    if (!cfg->admin_secret_file) {
        rtmd_log(RTMD_LOG_INFO, "admin API off (no --admin-secret-file)");
        return 0;
    }
    rtmd_admin *a = calloc(1, sizeof *a);
    if (!a) {
        rtmd_log(RTMD_LOG_ERROR, "out of memory opening the admin API");
        return -1;
    }
    a->srv = srv;
    srv->admin = a;
    if (admin_read_secret(cfg->admin_secret_file, a->secret) != 0)
        return -1;
    a->http = evhttp_new(srv->base);
    char bound[96];
    struct evconnlistener *l =
        a->http ? rtmd_listener_bind(srv, cfg->admin_listen, NULL, bound, sizeof bound) : NULL;
    if (!l)
        return -1;
    a->resume = evtimer_new(srv->base, admin_resume_cb, a);
    if (!a->resume || !evhttp_bind_listener(a->http, l)) {
        evconnlistener_free(l);
        rtmd_log(RTMD_LOG_ERROR, "out of memory opening the admin API");
        return -1;
    }
    a->listener = l;
    a->accepting = true;
    admin_of_process = a;
    evconnlistener_set_error_cb(l, admin_listener_error_cb);
    evhttp_set_bevcb(a->http, admin_bev_cb, a);
    evhttp_set_max_headers_size(a->http, ADMIN_MAX_HEADERS);
    evhttp_set_max_body_size(a->http, ADMIN_MAX_BODY);
    /* The idle timeout, beside each request's total deadline (admin_link). */
    uint32_t ms = cfg->admin_timeout_ms;
    struct timeval idle = { (time_t)(ms / 1000u), (suseconds_t)(ms % 1000u) * 1000 };
    evhttp_set_timeout_tv(a->http, &idle);
    /* Every method reaches admin_request_cb, which answers 405 to those a
     * path does not take (evhttp would answer 501 to some). */
    evhttp_set_allowed_methods(a->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD |
                                            EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
                                            EVHTTP_REQ_OPTIONS | EVHTTP_REQ_TRACE |
                                            EVHTTP_REQ_CONNECT | EVHTTP_REQ_PATCH);
    evhttp_set_gencb(a->http, admin_request_cb, a);
    rtmd_log(RTMD_LOG_INFO, "admin API listening on %s", bound);
    return 0;
}

void rtmd_admin_close(rtmd_server *srv)
{
    rtmd_admin *a = srv->admin;
    if (!a)
        return;
    a->closing = true;
    if (a->http)
        evhttp_free(a->http); /* the adopted links, through admin_link_closed */
    while (a->links) { /* those evhttp had not made yet */
        struct bufferevent *bev = a->links->bev;
        admin_link_free(a->links);
        bufferevent_decref(bev);
    }
    if (a->resume)
        event_free(a->resume);
    if (admin_of_process == a)
        admin_of_process = NULL;
    OPENSSL_cleanse(a->secret, sizeof a->secret);
    free(a);
    srv->admin = NULL;
}
