/*
 * drv_nats.c: NATS (nats-server 2.9, libnats 3.4) as a system under test
 * (bench.h).
 *
 * A user is a NATS connection subscribed to "p.<user>"; a peer message to u
 * is a publish on "p.u"; channel c is the subject "c.c". Connections are made
 * with NoEcho, so a sender does not get its own channel messages.
 *
 * Threads, bounded whatever the number of connections:
 * - `threads` libevent loops (loops.h) do all socket reads and writes,
 *   through libnats' libevent adapter: no read thread per connection;
 * - SendAsap: a publish asks the loop to write at once, so libnats starts no
 *   flusher thread per connection;
 * - global message delivery: libnats' pool (grown to `threads` workers)
 *   calls the message handlers instead of a thread per subscription;
 * - JOB_THREADS workers run what blocks: natsConnection_Connect (TCP, INFO,
 *   CONNECT, PING/PONG, all synchronous in libnats) and the flush that tells
 *   a subscription is in effect. That keeps connect() and join()
 *   asynchronous, and keeps flushes off the loops, whose turn delivers the
 *   PONG they wait for;
 * - libnats' own: its timer thread (pings) and its callback thread.
 *
 * libnats has no option to bind a source address, so `source` is ignored:
 * every connection comes from 127.0.0.1 (ephemeral ports suffice for one
 * server port up to ~28,000 connections).
 */
#include "bench.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The adapter is header-only and defines its functions without prototypes
 * or `static`: this file is its only includer. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-prototypes"
#include <nats/adapters/libevent.h>
#pragma GCC diagnostic pop
#include <nats/nats.h>

#include "loops.h"
#include "proc.h"

#define NATS_SERVER_PATH "/usr/sbin/nats-server"

/* Connect and flush wait for a round trip each; this many run at once, which
 * connects 10,000 endpoints in seconds. */
#define JOB_THREADS 4

/* How long a connect (TCP through PONG) or a flush may take before the
 * endpoint gives up; generous for a server busy accepting thousands. */
#define TIMEOUT_MS 10000

/* The longest user or channel name; subjects are built on the stack. */
#define NAME_MAX_LEN 200

/* ---- the server ---- */

/* nats-server's defaults otherwise suit: no monitoring port unless asked,
 * 1 MB max payload (messages are 4 KB at most), 64K connections. */
static int nats_server_start(const bench_env *env, int port, bench_server **out)
{
    char log[4096], portstr[16];
    snprintf(log, sizeof(log), "%s/nats-%d.log", env->work_dir, port);
    snprintf(portstr, sizeof(portstr), "%d", port);
    char *argv[] = {NATS_SERVER_PATH, "-a", "127.0.0.1", "-p", portstr, NULL};
    return bench_server_spawn(argv, log, port, "nats-server", out);
}

/* ---- the library ---- */

/* libnats is process-wide: opened by the first client side, closed (and its
 * threads joined) by the last, so that a run leaves no threads behind. */
static pthread_mutex_t lib_lock = PTHREAD_MUTEX_INITIALIZER;
static int lib_users;

static int lib_acquire(int threads)
{
    pthread_mutex_lock(&lib_lock);
    natsStatus s = NATS_OK;
    if (lib_users == 0)
        s = nats_Open(-1);
    /* The pool only grows: as many delivery workers as network threads. */
    if (s == NATS_OK)
        s = nats_SetMessageDeliveryPoolSize(threads);
    if (s == NATS_OK)
        lib_users++;
    pthread_mutex_unlock(&lib_lock);
    if (s != NATS_OK) {
        fprintf(stderr, "rtm-bench: nats: cannot open libnats: %s\n",
                natsStatus_GetText(s));
        return -1;
    }
    return 0;
}

static void lib_release(void)
{
    pthread_mutex_lock(&lib_lock);
    if (--lib_users == 0)
        nats_CloseAndWait(0);
    pthread_mutex_unlock(&lib_lock);
}

/* Our threads call into libnats, which keeps per-thread error state. */
static void release_thread(void *arg)
{
    nats_ReleaseThreadMemory();
}

/* ---- the client side ---- */

struct bench_ep {
    bench_clients *clients;
    bench_ep *next;                     /* all endpoints, under clients->lock */
    int loop;                           /* its network loop */
    int job;                            /* its worker: jobs run in order */
    _Atomic(natsConnection *) ready;    /* set once subscribed */
    natsConnection *nc;                 /* its worker only (and close) */
    natsSubscription **subs;            /* its worker only (and close) */
    int nsubs, cap;
    char user[];
};

struct bench_clients {
    bench_events events;
    void *closure;
    bench_loops *net;                   /* the libevent loops */
    bench_loops *jobs;                  /* JOB_THREADS workers */
    natsOptions **opts;                 /* per loop: the loop is an option */
    int nloops;
    atomic_uint next_loop;
    atomic_uint next_job;
    atomic_int complaints;
    atomic_bool closing;                /* failures are expected then */
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bench_ep *eps;                      /* under lock */
    long subs_made, subs_done;          /* under lock: see on_sub_done */
};

static bool name_ok(const char *name)
{
    /* A wildcard or a blank in a name would make a different subject. */
    size_t n = strlen(name);
    return n > 0 && n <= NAME_MAX_LEN && strpbrk(name, " \t\r\n*>") == NULL;
}

/* The first few failures of a client side, with libnats' last error text
 * (per thread: call this on the thread that failed). */
static void complain(bench_clients *c, const char *what, const char *name,
                     natsStatus s)
{
    if (atomic_load(&c->closing) || atomic_fetch_add(&c->complaints, 1) >= 10)
        return;
    const char *detail = nats_GetLastError(NULL);
    fprintf(stderr, "rtm-bench: nats: %s (%s): %s%s%s\n", what, name,
            natsStatus_GetText(s), detail != NULL ? ": " : "",
            detail != NULL ? detail : "");
}

static void on_async_error(natsConnection *nc, natsSubscription *sub,
                           natsStatus err, void *closure)
{
    /* Slow consumer, mostly: libnats dropped messages of a subscription
     * more than 65,536 behind. */
    complain(closure, "asynchronous error", "-", err);
}

static void on_msg(natsConnection *nc, natsSubscription *sub, natsMsg *msg,
                   void *closure)
{
    bench_ep *ep = closure;
    ep->clients->events.on_message(ep->clients->closure, ep,
                                   natsMsg_GetData(msg),
                                   (size_t)natsMsg_GetDataLength(msg));
    natsMsg_Destroy(msg);
}

/* A closed subscription's handler has returned for the last time: with a
 * delivery pool, closing does not wait for a handler running on a worker,
 * and close frees the endpoints the handlers use. */
static void on_sub_done(void *closure)
{
    bench_clients *c = closure;
    pthread_mutex_lock(&c->lock);
    c->subs_done++;
    pthread_cond_broadcast(&c->cond);
    pthread_mutex_unlock(&c->lock);
}

/* On the endpoint's worker: subscribes and waits until the server has it. */
static natsStatus subscribe(bench_ep *ep, const char *subject)
{
    if (ep->nsubs == ep->cap) {
        int cap = ep->cap == 0 ? 4 : ep->cap * 2;
        natsSubscription **subs = realloc(ep->subs, (size_t)cap * sizeof(*subs));
        if (subs == NULL)
            return NATS_NO_MEMORY;
        ep->subs = subs;
        ep->cap = cap;
    }
    natsSubscription *sub = NULL;
    natsStatus s = natsConnection_Subscribe(&sub, ep->nc, subject, on_msg, ep);
    if (s != NATS_OK)
        return s;
    ep->subs[ep->nsubs++] = sub;
    bench_clients *c = ep->clients;
    if (natsSubscription_SetOnCompleteCB(sub, on_sub_done, c) == NATS_OK) {
        pthread_mutex_lock(&c->lock);
        c->subs_made++;
        pthread_mutex_unlock(&c->lock);
    }
    return natsConnection_FlushTimeout(ep->nc, TIMEOUT_MS);
}

static void job_connect(void *arg)
{
    bench_ep *ep = arg;
    bench_clients *c = ep->clients;
    char subject[NAME_MAX_LEN + 3];
    snprintf(subject, sizeof(subject), "p.%s", ep->user);
    natsStatus s = natsConnection_Connect(&ep->nc, c->opts[ep->loop]);
    if (s == NATS_OK)
        s = subscribe(ep, subject);
    if (s == NATS_OK)
        atomic_store(&ep->ready, ep->nc);
    else
        complain(c, "connect", ep->user, s);
    c->events.on_ready(c->closure, ep, s == NATS_OK);
}

typedef struct join_job {
    bench_ep *ep;
    char subject[];
} join_job;

static void job_join(void *arg)
{
    join_job *j = arg;
    bench_ep *ep = j->ep;
    bench_clients *c = ep->clients;
    natsStatus s = ep->nc != NULL ? subscribe(ep, j->subject) : NATS_NOT_YET_CONNECTED;
    if (s != NATS_OK)
        complain(c, "join", j->subject, s);
    c->events.on_joined(c->closure, ep, s == NATS_OK);
    free(j);
}

static bench_ep *nats_connect(bench_clients *c, const char *user, const char *source)
{
    (void)source; /* libnats cannot bind a source address: see the top */
    if (!name_ok(user)) {
        fprintf(stderr, "rtm-bench: nats: bad user name '%s'\n", user);
        return NULL;
    }
    size_t n = strlen(user);
    bench_ep *ep = calloc(1, sizeof(*ep) + n + 1);
    if (ep == NULL)
        return NULL;
    memcpy(ep->user, user, n + 1);
    ep->clients = c;
    ep->loop = (int)(atomic_fetch_add(&c->next_loop, 1) % (unsigned)c->nloops);
    ep->job = (int)(atomic_fetch_add(&c->next_job, 1) % JOB_THREADS);
    atomic_init(&ep->ready, NULL);
    pthread_mutex_lock(&c->lock);
    ep->next = c->eps;
    c->eps = ep;
    pthread_mutex_unlock(&c->lock);
    /* Once listed, close frees it, posted or not. */
    if (bench_loops_post(c->jobs, ep->job, job_connect, ep) != 0)
        return NULL;
    return ep;
}

static int nats_join(bench_ep *ep, const char *channel)
{
    if (!name_ok(channel))
        return -1;
    size_t n = strlen(channel) + 3;
    join_job *j = malloc(sizeof(*j) + n);
    if (j == NULL)
        return -1;
    j->ep = ep;
    snprintf(j->subject, n, "c.%s", channel);
    if (bench_loops_post(ep->clients->jobs, ep->job, job_join, j) != 0) {
        free(j);
        return -1;
    }
    return 0;
}

/* Any thread: libnats locks the connection, appends to its buffer and asks
 * the loop for EV_WRITE. */
static int publish(bench_ep *ep, const char *prefix, const char *name,
                   const void *data, size_t len)
{
    natsConnection *nc = atomic_load(&ep->ready);
    if (nc == NULL || !name_ok(name))
        return -1;
    char subject[NAME_MAX_LEN + 3];
    snprintf(subject, sizeof(subject), "%s%s", prefix, name);
    natsStatus s = natsConnection_Publish(nc, subject, data, (int)len);
    if (s != NATS_OK) {
        complain(ep->clients, "publish", subject, s);
        return -1;
    }
    return 0;
}

static int nats_send_peer(bench_ep *ep, const char *to, const void *data, size_t len)
{
    return publish(ep, "p.", to, data, len);
}

static int nats_publish(bench_ep *ep, const char *channel, const void *data, size_t len)
{
    return publish(ep, "c.", channel, data, len);
}

/* Heartbeats: the client pings every heartbeat_ms (bench.h; libnats'
 * default is 2 minutes). */
static natsOptions *make_options(bench_clients *c, int port, int heartbeat_ms,
                                 struct event_base *base)
{
    char url[64];
    snprintf(url, sizeof(url), "nats://127.0.0.1:%d", port);
    natsOptions *o = NULL;
    natsStatus s = natsOptions_Create(&o);
    if (s == NATS_OK)
        s = natsOptions_SetURL(o, url);
    if (s == NATS_OK)
        s = natsOptions_SetEventLoop(o, base, natsLibevent_Attach,
                                     natsLibevent_Read, natsLibevent_Write,
                                     natsLibevent_Detach);
    if (s == NATS_OK)
        s = natsOptions_UseGlobalMessageDelivery(o, true);
    if (s == NATS_OK)
        s = natsOptions_SetSendAsap(o, true);
    if (s == NATS_OK)
        s = natsOptions_SetNoEcho(o, true);
    /* A benchmark does not measure reconnection, and each reconnecting
     * connection would get a thread. */
    if (s == NATS_OK)
        s = natsOptions_SetAllowReconnect(o, false);
    if (s == NATS_OK)
        s = natsOptions_SetPingInterval(o, heartbeat_ms);
    if (s == NATS_OK)
        s = natsOptions_SetTimeout(o, TIMEOUT_MS);
    if (s == NATS_OK)
        s = natsOptions_SetErrorHandler(o, on_async_error, c);
    if (s != NATS_OK) {
        fprintf(stderr, "rtm-bench: nats: options: %s\n", natsStatus_GetText(s));
        natsOptions_Destroy(o);
        return NULL;
    }
    return o;
}

static void free_clients(bench_clients *c)
{
    bench_loops_stop(c->jobs);
    bench_loops_stop(c->net);
    if (c->opts != NULL)
        for (int i = 0; i < c->nloops; i++)
            natsOptions_Destroy(c->opts[i]);
    free(c->opts);
    pthread_cond_destroy(&c->cond);
    pthread_mutex_destroy(&c->lock);
    free(c);
    lib_release();
}

static int nats_client_open(const bench_env *env, int port, int threads,
                            const bench_events *events, void *closure,
                            bench_clients **out)
{
    if (threads < 1)
        threads = 1;
    if (lib_acquire(threads) != 0)
        return -1;
    bench_clients *c = calloc(1, sizeof(*c));
    if (c == NULL) {
        lib_release();
        return -1;
    }
    c->events = *events;
    c->closure = closure;
    c->nloops = threads;
    pthread_mutex_init(&c->lock, NULL);
    pthread_cond_init(&c->cond, NULL);
    c->net = bench_loops_start(threads, release_thread);
    c->jobs = bench_loops_start(JOB_THREADS, release_thread);
    c->opts = calloc((size_t)threads, sizeof(*c->opts));
    bool ok = c->net != NULL && c->jobs != NULL && c->opts != NULL;
    for (int i = 0; ok && i < threads; i++)
        ok = (c->opts[i] = make_options(c, port, env->heartbeat_s * 1000,
                                        bench_loops_base(c->net, i))) != NULL;
    if (!ok) {
        free_clients(c);
        return -1;
    }
    *out = c;
    return 0;
}

static void no_op(void *arg)
{
}

static void nats_client_close(bench_clients *c)
{
    if (c == NULL)
        return;
    atomic_store(&c->closing, true);
    /* Connects and joins still queued run (and fail or succeed) first. */
    for (int i = 0; i < JOB_THREADS; i++)
        bench_loops_call(c->jobs, i, no_op, NULL);
    /* Closing a connection closes its socket, detaches it from its loop
     * (which still runs) and closes its subscriptions. */
    for (bench_ep *ep = c->eps; ep != NULL; ep = ep->next)
        if (ep->nc != NULL)
            natsConnection_Close(ep->nc);
    pthread_mutex_lock(&c->lock);
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += TIMEOUT_MS / 1000;
    while (c->subs_done < c->subs_made &&
           pthread_cond_timedwait(&c->cond, &c->lock, &deadline) == 0) {
    }
    if (c->subs_done < c->subs_made)
        fprintf(stderr, "rtm-bench: nats: %ld subscriptions still delivering "
                "at close\n", c->subs_made - c->subs_done);
    pthread_mutex_unlock(&c->lock);
    bench_ep *ep = c->eps;
    while (ep != NULL) {
        bench_ep *next = ep->next;
        for (int i = 0; i < ep->nsubs; i++)
            natsSubscription_Destroy(ep->subs[i]);
        free(ep->subs);
        natsConnection_Destroy(ep->nc);
        free(ep);
        ep = next;
    }
    c->eps = NULL;
    nats_ReleaseThreadMemory();
    free_clients(c);
}

const bench_driver bench_driver_nats = {
    .name = "nats",
    .server_start = nats_server_start,
    .server_stop = bench_server_stop,
    .server_pid = bench_server_pid,
    .client_open = nats_client_open,
    .client_close = nats_client_close,
    .connect = nats_connect,
    .join = nats_join,
    .send_peer = nats_send_peer,
    .publish = nats_publish,
};
