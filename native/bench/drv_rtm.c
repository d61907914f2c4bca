/*
 * drv_rtm.c: the "rtm", "rtm-sqlite" and "rtm-cluster" systems of
 * rtm-bench: rtmd on its in-memory store (rtm), on its durable SQLite store
 * (rtm-sqlite), or two rtmd nodes on one Redis (rtm-cluster), and clients
 * of the public C API (rtm.h) on `threads` shared loops. What an application does, no
 * shortcut: every message goes through rtm_send_peer_message or
 * rtm_channel_send_message and comes back through the callbacks.
 */
#include <pthread.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>

#include "rtm/rtm.h"

#include "bench.h"
#include "proc.h"

struct bench_clients {
    int port;
    bench_events events;
    void *closure;
    int nloops;
    rtm_loop **loops;
    int next_loop;
    /* One per server: rtm-cluster's endpoints take its two nodes in turn. */
    char params[2][256];
    int nservers, next_server;
    pthread_mutex_t lock;     /* eps, next_loop, next_server */
    bench_ep *eps;            /* every endpoint, for client_close */
};

/* A channel an endpoint holds a handle for. */
typedef struct ep_channel {
    struct ep_channel *next;
    rtm_channel *channel;
} ep_channel;

struct bench_ep {
    bench_ep *next;
    bench_clients *clients;
    rtm_client *client;
    pthread_mutex_t lock;     /* channels */
    ep_channel *channels;
};

/*
 * rtmd as a deployment would run it for load, not as a demo, on the store
 * `store` (its --store and what follows it, NULL-terminated):
 * - no per-session message or join rate (the defaults, 1500 messages per
 *   3 s, are the reference's abuse limits and would cap throughput);
 * - no cap per source address (the idle scenario puts 10,000 users on
 *   127.0.0.1);
 * - warnings only in the log;
 * - its pings as often as the clients' (bench.h), 1 s by default.
 * Grace, replay and every other default stay as they are.
 */
static int rtmd_start(const bench_env *env, int port, char *const *store,
                      bench_server **out)
{
    char rtmd[512], listen[64], log[512], heartbeat[24];
    snprintf(rtmd, sizeof(rtmd), "%s/native/server/rtmd", env->build_dir);
    snprintf(listen, sizeof(listen), "127.0.0.1:%d", port);
    snprintf(log, sizeof(log), "%s/rtmd-%d.log", env->work_dir, port);
    snprintf(heartbeat, sizeof(heartbeat), "%d", env->heartbeat_s * 1000);
    /* Every client of the bench comes from loopback: no per-address caps. */
    char *fixed[] = {rtmd, "--listen", listen,
                     "--rate", "messages=0/1", "--rate", "join=0/1",
                     "--rate", "login-per-address=0/1",
                     "--max-conns-per-ip", "0", "--heartbeat-ms", heartbeat,
                     "--log-level", "warn"};
    enum { NFIXED = sizeof(fixed) / sizeof(fixed[0]), MAX_STORE = 8 };
    char *argv[NFIXED + MAX_STORE + 1];
    int n = 0;
    for (; n < NFIXED; n++)
        argv[n] = fixed[n];
    for (int i = 0; i < MAX_STORE && store[i] != NULL; i++)
        argv[n++] = store[i];
    argv[n] = NULL;
    return bench_server_spawn(argv, log, port, "rtmd", out);
}

/* "rtm": the in-memory store, nothing on disk. The baseline. */
static int server_start_mem(const bench_env *env, int port, bench_server **out)
{
    char *store[] = {"--store", "mem", NULL};
    return rtmd_start(env, port, store, out);
}

/*
 * "rtm-sqlite": the durable store (docs/SERVER.md, Storage) in a fresh data
 * directory per server, removed when the server stops. --fsync normal: a
 * commit is written to the OS and fsynced only at checkpoints, so the
 * figures are more rtmd's own cost than this machine's disk's.
 */
static int server_start_sqlite(const bench_env *env, int port, bench_server **out)
{
    char dir[512];
    snprintf(dir, sizeof(dir), "%s/rtmd-data-%d", env->work_dir, port);
    if (bench_remove_tree(dir) != 0) {
        fprintf(stderr, "rtm-bench: could not remove the old %s\n", dir);
        return -1;
    }
    char *store[] = {"--store", "sqlite", "--data-dir", dir, "--fsync", "normal", NULL};
    if (rtmd_start(env, port, store, out) != 0) {
        bench_remove_tree(dir);
        return -1;
    }
    if (bench_server_own_dir(*out, dir) != 0) {
        bench_server_stop(*out);
        bench_remove_tree(dir);
        return -1;
    }
    return 0;
}

/*
 * "rtm-cluster": two rtmd nodes on one redis-server (docs/CLUSTER.md). The
 * endpoints take the nodes in turn as they connect, so the two users of a
 * p2p scenario are on different nodes, and a fan-out's members are half on
 * the sender's node, half on the other. Redis is run as CLUSTER.md says
 * (AOF, noeviction) but with appendfsync everysec, as rtm-sqlite has
 * --fsync normal: the figures are rtmd's and Redis's work, not this disk's.
 * The first node is the server the scenarios measure (server_pid); idle
 * leaves this system out (main.c), as it counts one process's memory.
 *
 * The scenarios that run it open their clients in the process that started
 * the servers, so the second node's port is found here, by the first's.
 */
enum { CLUSTERS_MAX = 4 };
static struct cluster {
    int port, other_port, redis_port;
} clusters[CLUSTERS_MAX];
static pthread_mutex_t clusters_lock = PTHREAD_MUTEX_INITIALIZER;

static struct cluster cluster_of(int port)
{
    struct cluster found = {0};
    pthread_mutex_lock(&clusters_lock);
    for (int i = 0; i < CLUSTERS_MAX && found.port == 0; i++)
        if (clusters[i].port == port)
            found = clusters[i];
    pthread_mutex_unlock(&clusters_lock);
    return found;
}

static void cluster_forget(int port)
{
    pthread_mutex_lock(&clusters_lock);
    for (int i = 0; i < CLUSTERS_MAX; i++)
        if (clusters[i].port == port)
            clusters[i].port = 0;
    pthread_mutex_unlock(&clusters_lock);
}

static int cluster_remember(struct cluster c)
{
    int rc = -1;
    pthread_mutex_lock(&clusters_lock);
    for (int i = 0; i < CLUSTERS_MAX && rc != 0; i++)
        if (clusters[i].port == 0 || clusters[i].port == c.port) {
            clusters[i] = c;
            rc = 0;
        }
    pthread_mutex_unlock(&clusters_lock);
    if (rc != 0)
        fprintf(stderr, "rtm-bench: rtm-cluster: more than %d clusters at once\n",
                CLUSTERS_MAX);
    return rc;
}

static int server_start_cluster(const bench_env *env, int port, bench_server **out)
{
    char dir[512], a_dir[600], b_dir[600], redis_log[600];
    snprintf(dir, sizeof(dir), "%s/rtm-cluster-%d", env->work_dir, port);
    snprintf(a_dir, sizeof(a_dir), "%s/a", dir);
    snprintf(b_dir, sizeof(b_dir), "%s/b", dir);
    if (bench_remove_tree(dir) != 0 || mkdir(dir, 0700) != 0) {
        fprintf(stderr, "rtm-bench: could not make a new %s\n", dir);
        return -1;
    }
    struct cluster c = {port, bench_free_port(), bench_free_port()};
    if (c.other_port < 0 || c.redis_port < 0 || c.other_port == c.redis_port ||
        c.other_port == port || c.redis_port == port) {
        fprintf(stderr, "rtm-bench: rtm-cluster: no free ports\n");
        bench_remove_tree(dir);
        return -1;
    }
    char redis_port[16], url[64];
    snprintf(redis_port, sizeof(redis_port), "%d", c.redis_port);
    snprintf(url, sizeof(url), "redis://127.0.0.1:%d", c.redis_port);
    snprintf(redis_log, sizeof(redis_log), "%s/redis-%d.log", env->work_dir, c.redis_port);
    char *redis_argv[] = {"/usr/bin/redis-server", "--port", redis_port, "--bind", "127.0.0.1",
                          "--dir", dir, "--appendonly", "yes", "--appendfsync", "everysec",
                          "--maxmemory-policy", "noeviction", "--save", "",
                          "--daemonize", "no", NULL};
    char *a_store[] = {"--store", url, "--node-id", "a", "--data-dir", a_dir, NULL};
    char *b_store[] = {"--store", url, "--node-id", "b", "--data-dir", b_dir, NULL};
    bench_server *redis = NULL, *a = NULL, *b = NULL;
    if (bench_server_spawn(redis_argv, redis_log, c.redis_port, "redis-server", &redis) != 0)
        goto fail;
    if (rtmd_start(env, port, a_store, &a) != 0 ||
        rtmd_start(env, c.other_port, b_store, &b) != 0 || cluster_remember(c) != 0 ||
        bench_server_own_dir(a, dir) != 0)
        goto fail;
    /* Stopped after the first node: the second, then Redis. */
    bench_server_attach(a, b);
    bench_server_attach(a, redis);
    *out = a;
    return 0;
fail:
    cluster_forget(port);
    bench_server_stop(a);
    bench_server_stop(b);
    bench_server_stop(redis);
    bench_remove_tree(dir);
    return -1;
}

static void server_stop_cluster(bench_server *server)
{
    cluster_forget(bench_server_port(server));
    bench_server_stop(server);
}

/* The calls of Redis's INFO commandstats, INFO's own left out: FCALLs (one
 * per operation of an rtmd node) in *fcalls, every command (those the
 * functions run included) in *commands. */
static int store_counts(int port, int64_t *fcalls, int64_t *commands)
{
    struct cluster c = cluster_of(port);
    if (c.port == 0)
        return -1;
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "redis-cli -p %d INFO commandstats 2>/dev/null", c.redis_port);
    FILE *p = popen(cmd, "r");
    if (p == NULL)
        return -1;
    *fcalls = *commands = 0;
    char line[512], name[128];
    long long calls;
    int lines = 0;
    while (fgets(line, sizeof(line), p) != NULL) {
        if (sscanf(line, "cmdstat_%127[^:]:calls=%lld", name, &calls) != 2)
            continue;
        lines++;
        if (strcmp(name, "info") == 0)
            continue;
        *commands += calls;
        if (strcmp(name, "fcall") == 0)
            *fcalls += calls;
    }
    return pclose(p) == 0 && lines > 0 ? 0 : -1;
}

static int client_open(const bench_env *env, int port, int threads,
                       const bench_events *events, void *closure,
                       bench_clients **out)
{
    bench_clients *c = calloc(1, sizeof(*c));
    if (c == NULL)
        return -1;
    c->port = port;
    c->events = *events;
    c->closure = closure;
    c->nloops = threads < 1 ? 1 : threads;
    pthread_mutex_init(&c->lock, NULL);
    /* Heartbeats (bench.h), and the timings that follow from them as the
     * defaults follow from 1 s: a link silent 3 heartbeats is lost, and
     * reported after 4 (SPEC S7). */
    int hb = env->heartbeat_s * 1000;
    struct cluster cl = cluster_of(port);
    int ports[2] = {port, cl.other_port};
    c->nservers = cl.port != 0 ? 2 : 1;
    for (int i = 0; i < c->nservers; i++)
        snprintf(c->params[i], sizeof(c->params[i]),
                 "{\"rtm.server\":\"127.0.0.1:%d\",\"rtm.heartbeat_ms\":%d,"
                 "\"rtm.link_timeout_ms\":%d,\"rtm.interrupt_report_ms\":%d}",
                 ports[i], hb, 3 * hb, 4 * hb);
    c->loops = calloc((size_t)c->nloops, sizeof(*c->loops));
    if (c->loops == NULL)
        goto fail;
    for (int i = 0; i < c->nloops; i++)
        if (rtm_loop_create(&c->loops[i]) != RTM_OK)
            goto fail;
    *out = c;
    return 0;
fail:
    for (int i = 0; c->loops != NULL && i < c->nloops; i++)
        if (c->loops[i] != NULL)
            rtm_loop_destroy(c->loops[i]);
    free(c->loops);
    pthread_mutex_destroy(&c->lock);
    free(c);
    return -1;
}

static void client_close(bench_clients *c)
{
    bench_ep *ep = c->eps;
    while (ep != NULL) {
        bench_ep *next = ep->next;
        /* Destroy releases the channels and waits for the callbacks. */
        rtm_client_destroy(ep->client);
        for (ep_channel *ch = ep->channels; ch != NULL;) {
            ep_channel *n = ch->next;
            free(ch);
            ch = n;
        }
        pthread_mutex_destroy(&ep->lock);
        free(ep);
        ep = next;
    }
    for (int i = 0; i < c->nloops; i++)
        rtm_loop_destroy(c->loops[i]);
    free(c->loops);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

static void on_peer_message(rtm_client *client, const rtm_message *msg,
                            const char *peer_id, void *closure)
{
    (void)client;
    (void)peer_id;
    bench_ep *ep = closure;
    ep->clients->events.on_message(ep->clients->closure, ep, msg->raw, msg->raw_len);
}

static void on_channel_message(rtm_channel *channel, const rtm_message *msg,
                               const char *from, void *closure)
{
    (void)channel;
    (void)from;
    bench_ep *ep = closure;
    ep->clients->events.on_message(ep->clients->closure, ep, msg->raw, msg->raw_len);
}

static void on_login(rtm_client *client, int code, void *closure)
{
    (void)client;
    bench_ep *ep = closure;
    /* The world counts failures and reports them; a storm of logins that
     * time out would otherwise print thousands of lines. */
    ep->clients->events.on_ready(ep->clients->closure, ep, code == 0);
}

static void on_join(rtm_client *client, int code, void *closure)
{
    (void)client;
    bench_ep *ep = closure;
    ep->clients->events.on_joined(ep->clients->closure, ep, code == 0);
}

/* The source address is not used: each server process holds fewer links
 * than the ephemeral ports of one source address (28,000), so one is
 * enough, and the client has no setting for it. */
static bench_ep *connect_ep(bench_clients *c, const char *user, const char *source)
{
    (void)source;
    bench_ep *ep = calloc(1, sizeof(*ep));
    if (ep == NULL)
        return NULL;
    ep->clients = c;
    pthread_mutex_init(&ep->lock, NULL);
    rtm_config cfg;
    rtm_config_init(&cfg);
    rtm_client_callbacks cbs;
    rtm_client_callbacks_init(&cbs);
    cfg.app_id = "rtm-bench";
    cbs.on_message_received = on_peer_message;
    cfg.closure = ep;
    pthread_mutex_lock(&c->lock);
    cfg.parameters = c->params[c->next_server];
    c->next_server = (c->next_server + 1) % c->nservers;
    cfg.loop = c->loops[c->next_loop];
    c->next_loop = (c->next_loop + 1) % c->nloops;
    pthread_mutex_unlock(&c->lock);
    cfg.callbacks = &cbs;
    if (rtm_client_create(&cfg, &ep->client) != RTM_OK) {
        pthread_mutex_destroy(&ep->lock);
        free(ep);
        return NULL;
    }
    pthread_mutex_lock(&c->lock);
    ep->next = c->eps;
    c->eps = ep;
    pthread_mutex_unlock(&c->lock);
    /* A refusal calls on_login too, which reports it. */
    rtm_login(ep->client, NULL, user, on_login, ep);
    return ep;
}

static rtm_channel *find_channel(bench_ep *ep, const char *channel)
{
    pthread_mutex_lock(&ep->lock);
    rtm_channel *found = NULL;
    for (ep_channel *ch = ep->channels; ch != NULL && found == NULL; ch = ch->next)
        if (strcmp(rtm_channel_id(ch->channel), channel) == 0)
            found = ch->channel;
    pthread_mutex_unlock(&ep->lock);
    return found;
}

static int join(bench_ep *ep, const char *channel)
{
    static const rtm_channel_callbacks callbacks = {
        .size = sizeof(rtm_channel_callbacks),
        .on_message_received = on_channel_message,
    };
    ep_channel *ch = calloc(1, sizeof(*ch));
    if (ch == NULL)
        return -1;
    ch->channel = rtm_channel_create(ep->client, channel, &callbacks, ep);
    if (ch->channel == NULL) {
        free(ch);
        return -1;
    }
    pthread_mutex_lock(&ep->lock);
    ch->next = ep->channels;
    ep->channels = ch;
    pthread_mutex_unlock(&ep->lock);
    rtm_channel_join(ch->channel, on_join, ep);
    return 0;
}

static void raw_message(rtm_message *m, const void *data, size_t len)
{
    memset(m, 0, sizeof(*m));
    m->type = RTM_MESSAGE_TYPE_RAW;
    m->raw = data;
    m->raw_len = len;
}

static int send_peer(bench_ep *ep, const char *to, const void *data, size_t len)
{
    rtm_message m;
    raw_message(&m, data, len);
    return rtm_send_peer_message(ep->client, to, &m, NULL, NULL) == 0 ? 0 : -1;
}

static int publish(bench_ep *ep, const char *channel, const void *data, size_t len)
{
    rtm_channel *ch = find_channel(ep, channel);
    if (ch == NULL)
        return -1;
    rtm_message m;
    raw_message(&m, data, len);
    return rtm_channel_send_message(ch, &m, NULL, NULL) == 0 ? 0 : -1;
}

/* The three differ in their servers only: what they share. */
#define RTM_SHARED                                                                        \
    .server_pid = bench_server_pid, .client_open = client_open,                           \
    .client_close = client_close, .connect = connect_ep, .join = join,                    \
    .send_peer = send_peer, .publish = publish

const bench_driver bench_driver_rtm = {
    .name = "rtm",
    .server_start = server_start_mem,
    .server_stop = bench_server_stop,
    RTM_SHARED,
};

const bench_driver bench_driver_rtm_sqlite = {
    .name = "rtm-sqlite",
    .server_start = server_start_sqlite,
    .server_stop = bench_server_stop,
    RTM_SHARED,
};

const bench_driver bench_driver_rtm_cluster = {
    .name = "rtm-cluster",
    .server_start = server_start_cluster,
    .server_stop = server_stop_cluster,
    .store_counts = store_counts,
    RTM_SHARED,
};
