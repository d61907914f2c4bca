/* server.c: the process's state, its clocks and its clean shutdown. */
#include "server.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "conn.h"
#include "call.h"
#include "engine/blobs.h"
#include "engine/engine.h"
#include "log.h"
#include "media.h"
#include "member_count.h"
#include "outbox.h"
#include "presence.h"
#include "registry.h"
#include "router.h"
#include "rtm/rtm_codes.h"
#include "session.h"
#include "engine/engine_redis.h"
#include "engine/store_sqlite.h"

/* How long a shutdown waits for the links to take their Close. */
#define RTMD_STOP_WAIT_MS 1500

uint64_t rtmd_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

uint64_t rtmd_wall_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

void rtmd_server_tick(rtmd_server *srv)
{
    srv->now.mono_us = rtmd_now_us();
    srv->now.mono_ms = srv->now.mono_us / 1000u;
    srv->now.wall_ms = rtmd_wall_us() / 1000u;
}

/* How often offline messages past --offline-ttl-s are forgotten (they are
 * also never delivered once past it). */
#define RTMD_OFFLINE_SWEEP_S 60
/* ... in steps of about this many offline queues, channels and media
 * (with Redis: each step one function call, so none holds Redis long). */
#define RTMD_SWEEP_STEP 256u

/* A deferred engine's completions are a loop callback of their own. */
static void server_wake(void *arg)
{
    rtmd_server_tick(arg);
}

static void server_sweep_step(rtmd_server *srv);

/* A step of the expiry sweep answered: the next one at the loop's next turn
 * while the engine says there is more (Redis: steps of a bounded size). */
static void server_expired(rtmd_eng_op *op)
{
    rtmd_call *call = rtmd_call_of(op);
    rtmd_server *srv = call->srv;
    bool more = op->flags & RTMD_ENG_MORE;
    srv->metrics.peer_dropped += op->count;
    if (op->count)
        rtmd_log(RTMD_LOG_INFO, "%zu offline messages expired (--offline-ttl-s %u)", op->count,
                 srv->cfg->offline_ttl_s);
    rtmd_media_expired(srv, op->users.items, op->users.count);
    rtmd_call_free(call);
    if (more && !srv->stopping) {
        srv->sweep_steps++;
        event_active(srv->sweep_next, EV_TIMEOUT, 1);
        return;
    }
    if (srv->sweep_steps)
        rtmd_log(RTMD_LOG_INFO, "expiry sweep: a pass of %u steps of about %u queues, "
                 "channels and media each", srv->sweep_steps + 1, RTMD_SWEEP_STEP);
    srv->sweep_steps = 0;
    srv->sweeping = false;
    srv->expired_once = true;
}

static void server_sweep_next_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    rtmd_server *srv = arg;
    rtmd_server_tick(srv);
    server_sweep_step(srv);
}

void rtmd_server_store_full(rtmd_server *srv, rtmd_usage kind, const char *app)
{
    static const struct {
        const char *flag, *what;
    } bounds[RTMD_USAGE_KINDS] = {
        [RTMD_USAGE_OFFLINE] = { "--offline-max-bytes", "offline messages are refused until "
                                 "some are delivered or expire" },
        [RTMD_USAGE_UNACKED] = { "--unacked-max-bytes", "peer messages to online users are "
                                 "refused until some deliveries are acknowledged" },
        [RTMD_USAGE_HISTORY] = { "--history-max-bytes", "channel messages are delivered but "
                                 "not kept for replay until some leave the window" },
        [RTMD_USAGE_CHATTRS] = { "--channel-attrs-max-bytes", "channel attribute writes that "
                                 "grow them are refused" },
    };
    const rtmd_config *cfg = srv->cfg;
    const uint64_t max[RTMD_USAGE_KINDS] = {
        [RTMD_USAGE_OFFLINE] = cfg->offline_max_bytes,
        [RTMD_USAGE_UNACKED] = cfg->unacked_max_bytes,
        [RTMD_USAGE_HISTORY] = cfg->history_max_bytes,
        [RTMD_USAGE_CHATTRS] = cfg->chattrs_max_bytes,
    };
    uint64_t more = 0;
    srv->metrics.store_full[kind]++;
    if (bounds[kind].flag &&
        rtmd_log_limit(&srv->full_log[kind], srv->now.mono_ms, 60000, &more))
        rtmd_log(RTMD_LOG_WARN, "%s%s%s%s (%llu bytes) reached: %s (%llu more since the last "
                 "such line)", app ? "app " : "", app ? app : "", app ? ": " : "",
                 bounds[kind].flag, (unsigned long long)max[kind], bounds[kind].what,
                 (unsigned long long)more);
}

static void server_sweep_step(rtmd_server *srv)
{
    rtmd_call *call = rtmd_call_new(srv, RTMD_ENG_EXPIRE, server_expired, NULL, NULL, NULL);
    if (!call) {
        rtmd_log(RTMD_LOG_ERROR, "out of memory expiring offline messages");
        srv->sweeping = false;
        return;
    }
    call->op.in.expire.budget = RTMD_SWEEP_STEP;
    uint64_t ttl = (uint64_t)srv->cfg->offline_ttl_s * 1000u, now = srv->now.wall_ms;
    call->op.in.expire.offline_horizon_ms = now > ttl ? now - ttl : 0;
    /* Channels without members whose history left the replay window. */
    call->op.in.expire.channels_horizon_ms =
        rtmd_history_horizon(now, srv->cfg->replay_window_ms);
    uint64_t media_ttl = (uint64_t)srv->cfg->media_ttl_s * 1000u;
    call->op.in.expire.media_horizon_ms = now > media_ttl ? now - media_ttl : 0;
    rtmd_call_submit(call);
}

static void rtmd_server_offline_sweep(evutil_socket_t fd, short what, void *arg)
{
    rtmd_server *srv = arg;
    rtmd_server_tick(srv);
    rtmd_rates_sweep(&srv->rates, srv->cfg->rates, srv->now.mono_us);
    if (srv->sweeping) /* the last pass is still going */
        return;
    srv->sweeping = true;
    server_sweep_step(srv);
}

/* The data directory: --data-dir, else systemd's $STATE_DIRECTORY (the
 * first of its list), else the default. */
static const char *server_data_dir(const rtmd_config *cfg)
{
    static char dir[4096];
    if (cfg->data_dir)
        return cfg->data_dir;
    const char *env = getenv("STATE_DIRECTORY");
    if (env && *env) {
        snprintf(dir, sizeof dir, "%.*s", (int)strcspn(env, ":"), env);
        return dir;
    }
    return RTMD_DEFAULT_DATA_DIR;
}

/* Creates dir and its missing parents (mode 0700 for what it creates). */
static int server_mkdirs(const char *dir)
{
    char path[4096];
    if (snprintf(path, sizeof path, "%s", dir) >= (int)sizeof path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(path, 0700) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    return mkdir(path, 0700) != 0 && errno != EEXIST ? -1 : 0;
}

/* Takes the lock that keeps a second rtmd off the same database: an
 * exclusive flock on lock_path, held until the process ends, with the
 * holder's pid written in. */
static int server_lock(rtmd_server *srv, const char *lock_path)
{
    int fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        rtmd_log(RTMD_LOG_ERROR, "cannot open the lock file %s: %s (the data directory "
                 "must be writable by rtmd's user)", lock_path, strerror(errno));
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        char pid[32] = "";
        ssize_t n = pread(fd, pid, sizeof pid - 1, 0);
        pid[n > 0 ? n : 0] = '\0';
        pid[strcspn(pid, "\n")] = '\0';
        rtmd_log(RTMD_LOG_ERROR, "%s: the data is in use by another rtmd%s%s%s", lock_path,
                 pid[0] ? " (pid " : "", pid, pid[0] ? ")" : "");
        close(fd);
        return -1;
    }
    char pid[32];
    int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, (size_t)n, 0) != n)
        rtmd_log(RTMD_LOG_WARN, "cannot write the pid into %s", lock_path);
    srv->lock_fd = fd;
    return 0;
}

/* The recovery times of the durable store, as of now. */
static rtmd_store_sqlite_config server_store_config(rtmd_server *srv, const char *path)
{
    const rtmd_config *cfg = srv->cfg;
    uint64_t now = srv->now.wall_ms, ttl = (uint64_t)cfg->offline_ttl_s * 1000u;
    return (rtmd_store_sqlite_config){
        .path = path,
        .fsync = cfg->fsync == RTMD_FSYNC_NORMAL ? RTMD_SQLW_FSYNC_NORMAL
                                                 : RTMD_SQLW_FSYNC_FULL,
        .now_wall_ms = now,
        .history_horizon_ms = rtmd_history_horizon(now, cfg->replay_window_ms),
        .history_max = cfg->replay_max,
        .offline_horizon_ms = now > ttl ? now - ttl : 0,
        .durable = rtmd_server_durable,
        .closure = srv,
    };
}

/* Opens the store --store names; 0 or -1 (logged). */
static int server_open_store(rtmd_server *srv)
{
    const rtmd_config *cfg = srv->cfg;
    if (cfg->store == RTMD_STORE_MEM) {
        srv->store = rtmd_store_mem_new();
        if (!srv->store) {
            rtmd_log(RTMD_LOG_ERROR, "out of memory creating the store");
            return -1;
        }
        rtmd_log(RTMD_LOG_WARN, "store: memory only (--store mem): nothing survives rtmd");
        return 0;
    }
    /* The database and its lock: --store sqlite:PATH and PATH.lock, else
     * both in the data directory. A Redis store keeps its data in Redis:
     * the data directory holds the lock and the media files. */
    char path[4096], lock[4200];
    if (cfg->store_path) {
        snprintf(path, sizeof path, "%s", cfg->store_path);
        snprintf(lock, sizeof lock, "%s.lock", path);
    } else {
        const char *dir = server_data_dir(cfg);
        if (server_mkdirs(dir) != 0) {
            rtmd_log(RTMD_LOG_ERROR, "cannot create the data directory %s: %s (give "
                     "--data-dir DIR, or --store mem to keep nothing)", dir, strerror(errno));
            return -1;
        }
        int n = snprintf(path, sizeof path, "%s/%s", dir, RTMD_DATA_FILE);
        if (n < 0 || (size_t)n >= sizeof path) {
            rtmd_log(RTMD_LOG_ERROR, "the data directory's path is too long: %s", dir);
            return -1;
        }
        snprintf(lock, sizeof lock, "%s/%s", dir, RTMD_LOCK_FILE);
    }
    if (server_lock(srv, lock) != 0)
        return -1;
    if (cfg->store == RTMD_STORE_REDIS)
        return 0;
    /* It holds users' messages: readable by rtmd's user only (SQLite gives
     * its WAL the file's mode). */
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd >= 0)
        close(fd);
    srv->store_path = strdup(path);
    rtmd_store_sqlite_config sc = server_store_config(srv, path);
    char err[1024];
    srv->store = srv->store_path ? rtmd_store_sqlite_open(srv->base, &sc, err, sizeof err)
                                 : NULL;
    if (!srv->store) {
        rtmd_log(RTMD_LOG_ERROR, "store: %s", srv->store_path ? err : "out of memory");
        return -1;
    }
    rtmd_log(RTMD_LOG_INFO, "store: writing with fsync %s",
             cfg->fsync == RTMD_FSYNC_NORMAL ? "normal" : "full");
    return 0;
}

/* A failure within this long of the last reload counts as the same
 * trouble (a disk still full): the next reload waits, from 100 ms doubling
 * to this. */
#define RTMD_STORE_AGAIN_MS 10000u
#define RTMD_STORE_BACKOFF_MIN_MS 100u
#define RTMD_STORE_BACKOFF_MAX_MS 5000u

/* Reloads the store from its file and restores the sessions, as a start
 * does; stops rtmd when the file can no longer be read or written. */
static void server_store_reload(rtmd_server *srv)
{
    rtmd_store_sqlite_config sc = server_store_config(srv, srv->store_path);
    bool paused = srv->store_recovering;
    srv->store_recovering = false;
    if (rtmd_store_sqlite_reload(srv->store, &sc) != 0) {
        rtmd_log(RTMD_LOG_ERROR, "store: cannot go on without a store that writes: "
                 "stopping");
        srv->exit_code = 1;
        srv->gate_off = true; /* the last Close frames wait for nothing */
        rtmd_server_stop(srv);
        return;
    }
    srv->store_reloaded_ms = srv->now.mono_ms;
    rtmd_session_recover_all(srv);
    if (paused && !srv->stopping)
        rtmd_listener_set_enabled(srv, true);
}

static void server_store_reload_cb(evutil_socket_t fd, short what, void *arg)
{
    rtmd_server *srv = arg;
    rtmd_server_tick(srv);
    server_store_reload(srv);
}

/* A failed batch: what the clients were told is being taken back. Every
 * link is answered FAILURE for the requests whose answers were held and
 * closed; the node forgets its sessions, reloads the store from its file
 * and restores them, as a restart does: clients come back and resume. When
 * the store failed again soon after a reload, the reload waits a backoff,
 * accepting no link meanwhile, so that clients do not storm a store that
 * cannot write. */
static void server_store_recover(evutil_socket_t fd, short what, void *arg)
{
    rtmd_server *srv = arg;
    rtmd_server_tick(srv);
    if (srv->store_recovering || srv->stopping)
        return;
    rtmd_log(RTMD_LOG_ERROR, "store: a write failed: answering the requests it held "
             "with FAILURE, closing %zu links, reloading", srv->nconns);
    rtmd_conn_fail_held(srv);
    rtmd_session_forget_all(srv);
    uint64_t now = srv->now.mono_ms;
    bool again = srv->store_reloaded_ms && now - srv->store_reloaded_ms < RTMD_STORE_AGAIN_MS;
    if (!again) {
        srv->store_backoff_ms = 0;
        server_store_reload(srv);
        return;
    }
    srv->store_backoff_ms = srv->store_backoff_ms == 0 ? RTMD_STORE_BACKOFF_MIN_MS
                            : srv->store_backoff_ms >= RTMD_STORE_BACKOFF_MAX_MS / 2
                                ? RTMD_STORE_BACKOFF_MAX_MS
                                : srv->store_backoff_ms * 2;
    if (!srv->recover_timer)
        srv->recover_timer = evtimer_new(srv->base, server_store_reload_cb, srv);
    struct timeval tv = { (time_t)(srv->store_backoff_ms / 1000),
                          (suseconds_t)(srv->store_backoff_ms % 1000) * 1000 };
    if (!srv->recover_timer || evtimer_add(srv->recover_timer, &tv) != 0) {
        server_store_reload(srv);
        return;
    }
    srv->store_recovering = true;
    rtmd_listener_set_enabled(srv, false);
    rtmd_log(RTMD_LOG_WARN, "store: failed again within %u ms of the last reload: "
             "reloading in %u ms, accepting no link meanwhile", RTMD_STORE_AGAIN_MS,
             srv->store_backoff_ms);
}

void rtmd_server_durable(uint64_t batch, bool ok, void *closure)
{
    rtmd_server *srv = closure;
    rtmd_server_tick(srv);
    if (ok) {
        rtmd_conn_release_held(srv, batch);
        return;
    }
    if (!srv->recover_ev)
        srv->recover_ev = event_new(srv->base, -1, 0, server_store_recover, srv);
    if (srv->recover_ev && !srv->stopping && !srv->store_recovering)
        event_active(srv->recover_ev, EV_TIMEOUT, 1);
}

static void server_wait_timeout(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    *(bool *)arg = true;
}

/* Runs the loop until done(srv) or wait_ms passed (before serving: a
 * start that needs an answer of Redis's). Whether done. */
static bool server_wait_for(rtmd_server *srv, bool (*done)(rtmd_server *), uint32_t wait_ms)
{
    bool over = false;
    struct event *t = evtimer_new(srv->base, server_wait_timeout, &over);
    struct timeval tv = { (time_t)(wait_ms / 1000), (suseconds_t)(wait_ms % 1000) * 1000 };
    if (!t || evtimer_add(t, &tv) != 0) {
        if (t)
            event_free(t);
        return done(srv);
    }
    while (!done(srv) && !over)
        event_base_loop(srv->base, EVLOOP_ONCE);
    event_free(t);
    rtmd_server_tick(srv);
    return done(srv);
}

static bool server_engine_ready(rtmd_server *srv)
{
    return rtmd_engine_redis_ready(srv->engine);
}

static bool server_sessions_recovered(rtmd_server *srv)
{
    return srv->sessions_recovered;
}

static bool server_expired_once(rtmd_server *srv)
{
    return srv->expired_once;
}

static bool server_beat_answered(rtmd_server *srv)
{
    return !srv->beat_pending && !srv->beat_rejoin;
}

/* This node's id among those sharing a Redis: --node-id, else the one
 * kept in DATA_DIR/node-id, made at the first start (so that a restart is
 * the same node and takes its sessions back). 0 or -1 (logged). */
static int server_node_id(rtmd_server *srv)
{
    const rtmd_config *cfg = srv->cfg;
    if (cfg->node_id) {
        snprintf(srv->node_id, sizeof srv->node_id, "%s", cfg->node_id);
        return 0;
    }
    char path[4200];
    snprintf(path, sizeof path, "%s/node-id", server_data_dir(cfg));
    FILE *f = fopen(path, "r");
    if (f) {
        char line[128] = "";
        bool got = fgets(line, sizeof line, f) != NULL;
        fclose(f);
        line[strcspn(line, "\r\n")] = '\0';
        if (!got || !rtmd_node_id_valid(line)) {
            rtmd_log(RTMD_LOG_ERROR, "%s does not hold a node id (1-%u of A-Z a-z 0-9 . _ -)",
                     path, RTMD_NODE_ID_MAX);
            return -1;
        }
        snprintf(srv->node_id, sizeof srv->node_id, "%s", line);
        return 0;
    }
    uint8_t r[8];
    if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r) {
        rtmd_log(RTMD_LOG_ERROR, "no randomness for a node id: %s", strerror(errno));
        return -1;
    }
    for (size_t i = 0; i < sizeof r; i++)
        snprintf(srv->node_id + 2 * i, 3, "%02x", r[i]);
    char tmp[4300];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    f = fopen(tmp, "w");
    if (!f || fprintf(f, "%s\n", srv->node_id) < 0 || fflush(f) != 0 || fsync(fileno(f)) != 0 ||
        fclose(f) != 0 || rename(tmp, path) != 0) {
        rtmd_log(RTMD_LOG_ERROR, "cannot write %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* An item another node left for a session here (engine_redis.h). */
static void server_route(const rtmd_engine_route *r, void *arg)
{
    rtmd_server *srv = arg;
    rtmd_server_tick(srv);
    if (r->kind == RTMD_ROUTE_CHANNEL || r->kind == RTMD_ROUTE_EVENT) {
        rtmd_fan_out(srv, r->app, r->from && *r->from ? r->from : NULL, r->members, r->frame,
                     r->len);
        return;
    }
    if (r->kind == RTMD_ROUTE_GAP) {
        rtmd_log(RTMD_LOG_WARN, "closing this node's %zu links so that their clients resume "
                 "and are replayed what the missing inbox items carried", srv->nconns);
        rtmd_conn_resync_all(srv, "this node missed messages for its sessions: resume");
        return;
    }
    if (r->kind == RTMD_ROUTE_MEDIA_EXPIRED) {
        char *id = (char *)r->media_id;
        if (rtmd_blob_id_valid(id))
            rtmd_media_expired(srv, &id, 1);
        return;
    }
    /* A session of another id, or without its link: it is in its queue, and
     * a resume sends it (S9). */
    rtmd_session *s = rtmd_registry_find(&srv->sessions, r->app, r->user);
    if (!s || s->id != r->session_id)
        return;
    if (r->kind == RTMD_ROUTE_PEER) {
        rtmd_send_encoded(s, r->frame, r->len);
    } else if (r->kind == RTMD_ROUTE_BANNED) {
        rtmd_log(RTMD_LOG_INFO, "admin (another node): %s/%s kicked", r->app, r->user);
        rtmd_session_kick(srv, s, RTM_CONNECTION_CHANGE_REASON_BANNED_BY_SERVER);
    } else {
        rtmd_session_let_go(srv, s, r->kind == RTMD_ROUTE_KICKED);
    }
}

static void server_redis_ready(bool ready, void *arg)
{
    rtmd_server *srv = arg;
    rtmd_server_tick(srv);
    rtmd_log(ready ? RTMD_LOG_INFO : RTMD_LOG_WARN, "store: redis %s", ready
             ? "ready" : "unavailable: requests that need it fail until it is back");
}

/* ---- node liveness (a Redis store, docs/CLUSTER.md) ------------------- */

static void server_beat(evutil_socket_t fd, short what, void *arg);

static void server_beaten(rtmd_eng_op *op)
{
    rtmd_call *call = rtmd_call_of(op);
    rtmd_server *srv = call->srv;
    srv->beat_pending = false;
    if (op->flags & RTMD_ENG_UNAVAILABLE) {
        rtmd_call_free(call);
        return; /* Redis away: the next beat says it again */
    }
    if (call->op.in.node_beat.rejoin && op->code == 0) {
        if (srv->beat_fenced)
            rtmd_log(RTMD_LOG_INFO, "node %s joined again", srv->node_id);
        srv->beat_rejoin = srv->beat_fenced = false;
    }
    if (op->code == 1 && !srv->beat_rejoin) {
        /* Declared dead while it could not say it was alive (a pause): the
         * others took its sessions over, so it lets go of them all, its
         * links too, unended; its clients log in again, here or elsewhere.
         * It writes nothing until it joins again (the functions refuse). */
        rtmd_log(RTMD_LOG_ERROR, "node %s was declared dead (silent past --node-timeout-ms "
                 "%u): dropping its %zu links and %zu sessions, joining again", srv->node_id,
                 srv->cfg->node_timeout_ms, srv->nconns, rtmd_registry_count(&srv->sessions));
        rtmd_session_forget_all(srv);
        rtmd_conn_close_all(srv);
        srv->beat_rejoin = srv->beat_fenced = true;
    }
    if (op->has_totals)
        for (int k = 0; k < RTMD_USAGE_KINDS; k++)
            srv->shared_usage[k] = op->usage[k];
    /* The sessions of a node it declared dead: their links are lost with
     * it; they wait for their clients in their grace (SPEC A8, S12). */
    for (size_t i = 0; i < op->users.count; i++) {
        char *au = op->users.items[i], *slash = strrchr(au, '/');
        if (!slash)
            continue;
        *slash = '\0';
        rtmd_log(RTMD_LOG_INFO, "%s/%s: its node was declared dead: unreachable, kept %u ms "
                 "for its client", au, slash + 1, srv->cfg->session_grace_ms);
        rtmd_presence_announce(srv, au, slash + 1, RTMD_PEER_UNREACHABLE);
    }
    for (size_t i = 0; i < op->ended.count; i++) {
        const rtmd_ended_session *e = &op->ended.items[i];
        rtmd_log(RTMD_LOG_INFO, "%s/%s: its node is dead and it did not come back within "
                 "%u ms: session ended", e->app, e->user, srv->cfg->session_grace_ms);
        rtmd_router_tell_ended(srv, e);
    }
    bool again = srv->beat_rejoin && srv->beat_fenced;
    rtmd_call_free(call);
    if (again) /* at once: until then it serves nothing */
        server_beat(-1, 0, srv);
}

static void server_beat(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    rtmd_server *srv = arg;
    rtmd_server_tick(srv);
    if (srv->beat_pending || srv->stopping)
        return;
    rtmd_call *call = rtmd_call_new(srv, RTMD_ENG_NODE_BEAT, server_beaten, NULL, NULL, NULL);
    if (!call) {
        rtmd_log(RTMD_LOG_ERROR, "out of memory saying this node is alive");
        return;
    }
    srv->beat_pending = true;
    call->op.in.node_beat.timeout_ms = srv->cfg->node_timeout_ms;
    call->op.in.node_beat.grace_ms = srv->cfg->session_grace_ms;
    call->op.in.node_beat.rejoin = srv->beat_rejoin;
    rtmd_call_submit(call);
}

/* Beats at once (joining: whatever it was, it starts afresh), then four
 * times per --node-timeout-ms. 0 or -1 (logged). */
static int server_beat_start(rtmd_server *srv)
{
    uint32_t every = srv->cfg->node_timeout_ms / 4;
    struct timeval tv = { (time_t)(every / 1000), (suseconds_t)(every % 1000) * 1000 };
    srv->beat_timer = event_new(srv->base, -1, EV_PERSIST, server_beat, srv);
    if (!srv->beat_timer || event_add(srv->beat_timer, &tv) != 0) {
        rtmd_log(RTMD_LOG_ERROR, "cannot arm the node's heartbeat");
        return -1;
    }
    srv->beat_rejoin = true;
    server_beat(-1, 0, srv);
    return 0;
}

/* The engine --store names: over the node's store, or over Redis, which
 * it waits for (--redis-wait-ms). 0 or -1 (logged). */
static int server_open_engine(rtmd_server *srv)
{
    const rtmd_config *cfg = srv->cfg;
    if (cfg->store != RTMD_STORE_REDIS) {
        srv->engine = rtmd_engine_mem_deferred(srv->store, srv->base, cfg->engine_delay_us,
                                               server_wake, srv);
        if (!srv->engine)
            rtmd_log(RTMD_LOG_ERROR, "out of memory creating the engine");
        return srv->engine ? 0 : -1;
    }
    char address[512];
    rtmd_engine_redis_config rc = { .address = address,
                                    .node = srv->node_id,
                                    .timeout_ms = cfg->redis_timeout_ms,
                                    .backoff_min_ms = 100,
                                    .backoff_max_ms = 2000,
                                    .ready = server_redis_ready,
                                    .route = server_route,
                                    .arg = srv };
    if (rtmd_redis_url_parse(cfg->redis_url, address, sizeof address, &rc.db) != 0 ||
        !(srv->engine = rtmd_engine_redis_new(srv->base, &rc))) {
        rtmd_log(RTMD_LOG_ERROR, "store: cannot use %s", cfg->redis_url);
        return -1;
    }
    if (!server_wait_for(srv, server_engine_ready, cfg->redis_wait_ms)) {
        rtmd_log(RTMD_LOG_ERROR, "store: redis at %s not ready within %u ms (--redis-wait-ms)",
                 cfg->redis_url, cfg->redis_wait_ms);
        return -1;
    }
    rtmd_log(RTMD_LOG_INFO, "store: redis at %s, database %u, operations failing after %u ms; "
             "this node is %s", cfg->redis_url, (unsigned)rc.db, cfg->redis_timeout_ms,
             srv->node_id);
    return 0;
}

int rtmd_server_init(rtmd_server *srv, const rtmd_config *cfg, struct event_base *base)
{
    *srv = (rtmd_server){ .cfg = cfg, .base = base, .lock_fd = -1 };
    rtmd_server_tick(srv);
    if (server_open_store(srv) != 0)
        return -1;
    /* A node sharing a Redis has a name; its media files' parts carry it. */
    if (cfg->store == RTMD_STORE_REDIS && server_node_id(srv) != 0)
        return -1;
    /* Media files: --media-dir, else beside the database (DIR/media, or
     * PATH.media for --store sqlite:PATH). */
    char media_dir[4200] = "";
    if (cfg->media_dir)
        snprintf(media_dir, sizeof media_dir, "%s", cfg->media_dir);
    else if (cfg->store != RTMD_STORE_MEM)
        snprintf(media_dir, sizeof media_dir, cfg->store_path ? "%s.media" : "%s/media",
                 cfg->store_path ? cfg->store_path : server_data_dir(cfg));
    if (rtmd_media_open(srv, cfg->store == RTMD_STORE_MEM ? NULL : media_dir) != 0)
        return -1;
    if (server_open_engine(srv) != 0)
        return -1;
    /* Joining first: a node declared dead in an earlier life is fenced
     * until then, and its calls refused. */
    if (cfg->store == RTMD_STORE_REDIS &&
        (server_beat_start(srv) != 0 ||
         !server_wait_for(srv, server_beat_answered, cfg->redis_timeout_ms + 1000u))) {
        rtmd_log(RTMD_LOG_ERROR, "store: this node could not join the others");
        return -1;
    }
    rtmd_session_recover_all(srv);
    if (!server_wait_for(srv, server_sessions_recovered, cfg->redis_timeout_ms + 1000u)) {
        rtmd_log(RTMD_LOG_ERROR, "store: the sessions could not be listed");
        return -1;
    }
    /* What expired while rtmd was down (a durable store's own start did it
     * already, media files included): gone before serving. */
    if (!(srv->sweep_next = event_new(base, -1, 0, server_sweep_next_cb, srv))) {
        rtmd_log(RTMD_LOG_ERROR, "out of memory arming the expiry sweep");
        return -1;
    }
    if (cfg->store == RTMD_STORE_REDIS) {
        rtmd_server_offline_sweep(-1, 0, srv);
        server_wait_for(srv, server_expired_once, cfg->redis_timeout_ms + 1000u);
    }
    struct timeval every = { RTMD_OFFLINE_SWEEP_S, 0 };
    srv->offline_sweep = event_new(base, -1, EV_PERSIST, rtmd_server_offline_sweep, srv);
    if (!srv->offline_sweep || event_add(srv->offline_sweep, &every) != 0) {
        rtmd_log(RTMD_LOG_ERROR, "cannot arm the offline message sweep");
        return -1;
    }
    return 0;
}

static void rtmd_server_stop_timeout(evutil_socket_t fd, short what, void *arg)
{
    rtmd_server *srv = arg;
    rtmd_server_tick(srv);
    rtmd_log(RTMD_LOG_WARN, "%zu links still closing after %d ms; dropping them",
             srv->nconns, RTMD_STOP_WAIT_MS);
    event_base_loopbreak(srv->base);
}

void rtmd_server_stop(rtmd_server *srv)
{
    if (srv->stopping)
        return;
    srv->stopping = true;
    rtmd_log(RTMD_LOG_INFO, "shutting down: closing %zu links", srv->nconns);
    rtmd_listener_close(srv);
    rtmd_conn_close_all(srv);
    if (srv->nconns == 0) {
        event_base_loopbreak(srv->base);
        return;
    }
    srv->stop_timer = evtimer_new(srv->base, rtmd_server_stop_timeout, srv);
    struct timeval tv = { RTMD_STOP_WAIT_MS / 1000, (RTMD_STOP_WAIT_MS % 1000) * 1000 };
    if (!srv->stop_timer || evtimer_add(srv->stop_timer, &tv) != 0)
        event_base_loopbreak(srv->base);
}

void rtmd_server_link_gone(rtmd_server *srv)
{
    if (srv->stopping && srv->nconns == 0)
        event_base_loopbreak(srv->base);
}

void rtmd_server_free(rtmd_server *srv)
{
    rtmd_listener_close(srv);
    rtmd_conn_free_all(srv);
    rtmd_listener_free_tls(srv);
    if (srv->engine) {
        rtmd_engine_destroy(srv->engine);
        srv->engine = NULL;
    }
    rtmd_media_close(srv); /* after the engine's last media calls */
    rtmd_session_forget_all(srv); /* with any store: a Redis one is not the node's */
    if (srv->store) {
        rtmd_store_destroy(srv->store); /* a durable one syncs first */
        srv->store = NULL;
    }
    free(srv->store_path);
    srv->store_path = NULL;
    if (srv->lock_fd >= 0) {
        close(srv->lock_fd);
        srv->lock_fd = -1;
    }
    if (srv->recover_ev) {
        event_free(srv->recover_ev);
        srv->recover_ev = NULL;
    }
    if (srv->recover_timer) {
        event_free(srv->recover_timer);
        srv->recover_timer = NULL;
    }
    rtmd_registry_free(&srv->sessions);
    rtmd_rates_free(&srv->rates);
    if (srv->grace_timer) {
        event_free(srv->grace_timer);
        srv->grace_timer = NULL;
    }
    rtmd_member_count_free(srv);
    if (srv->offline_sweep) {
        event_free(srv->offline_sweep);
        srv->offline_sweep = NULL;
    }
    if (srv->sweep_next) {
        event_free(srv->sweep_next);
        srv->sweep_next = NULL;
    }
    if (srv->beat_timer) {
        event_free(srv->beat_timer);
        srv->beat_timer = NULL;
    }
    if (srv->accept_pause) {
        event_free(srv->accept_pause);
        srv->accept_pause = NULL;
    }
    rtmd_map_clear(&srv->conns_per_ip);
    if (srv->stop_timer) {
        event_free(srv->stop_timer);
        srv->stop_timer = NULL;
    }
}
