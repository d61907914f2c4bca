/*
 * drv_mosquitto.c: mosquitto 2.0 (MQTT v5) as a system under test (bench.h).
 *
 * A user is an MQTT client that subscribes to "p/<user>" when it connects;
 * a peer message to u is a PUBLISH to "p/u"; a channel c is the topic
 * "c/c", joined with the no-local option so that a sender does not get its
 * own channel messages. bench_driver_mosquitto0 does all of it at QoS 0,
 * bench_driver_mosquitto1 at QoS 1 (publishes and subscriptions).
 *
 * libmosquitto's own loop (mosquitto_loop_start) is a thread per client, and
 * the scenarios open thousands. Here every handle belongs to one of the
 * client side's loop threads (loops.h), which drives it with the external
 * loop calls: mosquitto_loop_read on EV_READ, mosquitto_loop_write on
 * EV_WRITE while mosquitto_want_write, mosquitto_loop_misc (keepalive) from a
 * one-second timer. A handle is only ever touched by its loop thread, since
 * libmosquitto in this mode does not expect two threads to drive one: calls
 * from other threads are posted to it.
 */
#include "bench.h"

#include <errno.h>
#include <event2/event.h>
#include <mosquitto.h>
#include <mqtt_protocol.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loops.h"
#include "proc.h"

#define MOSQUITTO_PATH "/usr/sbin/mosquitto"

/* The keepalive (seconds): libmosquitto sends PINGREQ after this long
 * without traffic, and mosquitto drops a client silent for 1.5x. It is the
 * environment's heartbeat_s, but libmosquitto refuses a keepalive under
 * 5 s (MOSQ_ERR_INVAL): at the default 1 s mosquitto's clients heartbeat 5
 * times less often than the others (docs/BENCHMARKS.md). */
#define KEEPALIVE_MIN_S 5

/* How often each loop runs mosquitto_loop_misc on its handles: the keepalive
 * check is in whole seconds anyway. */
#define MISC_PERIOD_MS 1000

/* QoS 1 messages in flight per connection and direction (MQTT v5 Receive
 * Maximum and send maximum). libmosquitto's default, 20, would make a
 * windowed throughput test measure the library's default instead of the
 * scenario's window. But the protocol's largest, 65535, is worse: on every
 * publish and every PUBACK libmosquitto 2.0 walks its list of outgoing
 * messages (message__release_to_inflight), and with 1,000 unacknowledged the
 * walk alone took the client's CPU: 3,000 msg/s instead of 45,000 (100 B,
 * one sender, window 1,000). With 128, messages beyond wait in the same list
 * but the walk stops after the 128 in flight; throughput is flat from 50 to
 * 500 and 128 in flight outlast a loopback round trip at these rates. */
#define MAX_INFLIGHT 128

/* The longest user or channel name; topics are built on the stack. */
#define NAME_MAX_LEN 200

/* ---- the server ---- */

/*
 * The broker's configuration, each line for a reason:
 * - listener on 127.0.0.1 only: the benchmark is loopback.
 * - allow_anonymous: the other systems run without authentication too.
 * - persistence false: nothing is written to disk (the default, said here).
 * - max_connections -1: no limit; the idle scenario opens 10,000.
 * - max_inflight_messages 0: the broker sets no Receive Maximum of its own
 *   in CONNACK (it would be 20), so MAX_INFLIGHT applies both ways.
 * - max_queued_messages 0: no limit on what waits for a client. With the
 *   default 1000, mosquitto silently drops QoS 0 messages (and QoS 1 above
 *   the queue) for a client that is behind, and QoS 1 messages beyond
 *   MAX_INFLIGHT wait in that queue: a burst would become loss instead of
 *   backpressure. The scenarios' windows bound the queues.
 * - set_tcp_nodelay: Nagle off, as rtmd and nats-server have it; otherwise
 *   small messages wait for the previous segment's ACK.
 * - connection_messages false: no log line per connect of 10,000 clients.
 * - log_dest stderr: into the log file bench_spawn opens.
 */
static int write_config(const char *path, int port)
{
    FILE *f = fopen(path, "we");
    if (f == NULL) {
        fprintf(stderr, "rtm-bench: %s: %s\n", path, strerror(errno));
        return -1;
    }
    fprintf(f,
            "# rtm-bench: mosquitto for a loopback benchmark (drv_mosquitto.c)\n"
            "listener %d 127.0.0.1\n"
            "max_connections -1\n"
            "allow_anonymous true\n"
            "persistence false\n"
            "max_inflight_messages 0\n"
            "max_queued_messages 0\n"
            "set_tcp_nodelay true\n"
            "connection_messages false\n"
            "log_dest stderr\n",
            port);
    if (fclose(f) != 0) {
        fprintf(stderr, "rtm-bench: %s: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

static int mq_server_start(const bench_env *env, int port, bench_server **out)
{
    char conf[4096], log[4096];
    snprintf(conf, sizeof(conf), "%s/mosquitto-%d.conf", env->work_dir, port);
    snprintf(log, sizeof(log), "%s/mosquitto-%d.log", env->work_dir, port);
    if (write_config(conf, port) != 0)
        return -1;
    char *argv[] = {MOSQUITTO_PATH, "-c", conf, NULL};
    return bench_server_spawn(argv, log, port, "mosquitto", out);
}

/* ---- the client side ---- */

typedef struct mq_loop mq_loop;

struct bench_ep {
    bench_clients *clients;
    mq_loop *loop;
    bench_ep *prev, *next;    /* the loop's endpoints; loop thread only */
    struct mosquitto *mosq;
    struct event *rev, *wev;  /* on fd, while connected */
    int fd;                   /* the socket the events watch, or -1 */
    bool writing;             /* wev added */
    bool reported;            /* on_ready called */
    bool complained;          /* one message per endpoint about failures */
    int own_mid;              /* the SUBSCRIBE to "p/<user>" */
    char *source;
    char user[];
};

struct mq_loop {
    bench_clients *clients;
    int index;
    struct event *misc;       /* every MISC_PERIOD_MS */
    bench_ep *eps;            /* loop thread only */
};

struct bench_clients {
    bench_events events;
    void *closure;
    int port;
    int qos;
    int keepalive_s;
    bench_loops *loops;
    atomic_uint next_loop;    /* round robin */
    atomic_uint next_id;      /* client ids */
    atomic_bool closing;      /* failures are expected then */
    int nloops;
    mq_loop mloops[];
};

static pthread_once_t lib_once = PTHREAD_ONCE_INIT;
static void lib_init(void)
{
    mosquitto_lib_init();
}

static bool name_ok(const char *name)
{
    /* A wildcard in a name would make its subscription match others. */
    size_t n = strlen(name);
    return n > 0 && n <= NAME_MAX_LEN && strpbrk(name, "+#") == NULL;
}

static void complain(bench_ep *ep, const char *what, int rc)
{
    if (ep->complained || atomic_load(&ep->clients->closing))
        return;
    ep->complained = true;
    fprintf(stderr, "rtm-bench: mosquitto: %s (%s): %s\n", what, ep->user,
            mosquitto_strerror(rc));
}

static void report_ready(bench_ep *ep, bool ok)
{
    if (ep->reported)
        return;
    ep->reported = true;
    ep->clients->events.on_ready(ep->clients->closure, ep, ok);
}

/* Stops watching the socket libmosquitto closed. It did so just now on this
 * thread, so the number was not reused yet. */
static void unwatch(bench_ep *ep)
{
    if (ep->fd < 0)
        return;
    event_del(ep->rev);
    event_del(ep->wev);
    ep->writing = false;
    ep->fd = -1;
}

/* Watches for EV_WRITE exactly while libmosquitto has something to send. */
static void update_write(bench_ep *ep)
{
    if (ep->fd < 0)
        return;
    if (mosquitto_socket(ep->mosq) != ep->fd) {
        unwatch(ep);
        return;
    }
    bool want = mosquitto_want_write(ep->mosq);
    if (want && !ep->writing)
        event_add(ep->wev, NULL);
    else if (!want && ep->writing)
        event_del(ep->wev);
    ep->writing = want;
}

static void on_writable(evutil_socket_t fd, short what, void *arg)
{
    bench_ep *ep = arg;
    mosquitto_loop_write(ep->mosq, 1);
    update_write(ep);
}

static void on_readable(evutil_socket_t fd, short what, void *arg)
{
    bench_ep *ep = arg;
    /* One packet per call, as in libmosquitto's own loop; the socket stays
     * readable (level-triggered) while more is buffered. */
    mosquitto_loop_read(ep->mosq, 1);
    /* What the callbacks queued (PUBACKs, replies sent from on_message,
     * the first SUBSCRIBE) is only queued while in a callback: send it now
     * rather than a loop turn later. */
    if (ep->fd >= 0 && mosquitto_socket(ep->mosq) == ep->fd &&
        mosquitto_want_write(ep->mosq))
        mosquitto_loop_write(ep->mosq, 1);
    update_write(ep);
}

static void on_misc(evutil_socket_t fd, short what, void *arg)
{
    mq_loop *l = arg;
    for (bench_ep *ep = l->eps; ep != NULL; ep = ep->next) {
        if (ep->fd < 0)
            continue;
        mosquitto_loop_misc(ep->mosq);
        update_write(ep);
    }
}

static void on_connect(struct mosquitto *mosq, void *obj, int rc)
{
    bench_ep *ep = obj;
    if (rc != 0) {
        fprintf(stderr, "rtm-bench: mosquitto: %s refused: %s\n", ep->user,
                mosquitto_reason_string(rc));
        report_ready(ep, false);
        return;
    }
    char topic[NAME_MAX_LEN + 3];
    snprintf(topic, sizeof(topic), "p/%s", ep->user);
    rc = mosquitto_subscribe_v5(mosq, &ep->own_mid, topic,
                                ep->clients->qos, 0, NULL);
    if (rc != MOSQ_ERR_SUCCESS) {
        complain(ep, "subscribe", rc);
        report_ready(ep, false);
    }
}

static void on_disconnect(struct mosquitto *mosq, void *obj, int rc)
{
    bench_ep *ep = obj;
    unwatch(ep);
    complain(ep, ep->reported ? "connection lost" : "connect", rc);
    report_ready(ep, false);
}

static void on_subscribe(struct mosquitto *mosq, void *obj, int mid,
                         int count, const int *granted)
{
    bench_ep *ep = obj;
    /* MQTT v5: a reason code per topic, 0x80 and above a refusal. */
    bool ok = count >= 1 && granted[0] < 0x80;
    if (mid == ep->own_mid)
        report_ready(ep, ok);
    else
        ep->clients->events.on_joined(ep->clients->closure, ep, ok);
}

static void on_message(struct mosquitto *mosq, void *obj,
                       const struct mosquitto_message *msg)
{
    bench_ep *ep = obj;
    ep->clients->events.on_message(ep->clients->closure, ep, msg->payload,
                                   (size_t)msg->payloadlen);
}

/* On the loop thread: the endpoint joins its loop and connects. */
static void run_connect(void *arg)
{
    bench_ep *ep = arg;
    mq_loop *l = ep->loop;
    ep->next = l->eps;
    if (l->eps != NULL)
        l->eps->prev = ep;
    l->eps = ep;

    /* Non-blocking: the TCP connect is under way and CONNECT is queued when
     * this returns. */
    int rc = mosquitto_connect_bind_async(ep->mosq, "127.0.0.1",
                                          ep->clients->port, ep->clients->keepalive_s,
                                          ep->source);
    if (rc != MOSQ_ERR_SUCCESS) {
        complain(ep, "connect", rc);
        report_ready(ep, false);
        return;
    }
    int fd = mosquitto_socket(ep->mosq);
    struct event_base *base = bench_loops_base(ep->clients->loops, l->index);
    ep->rev = event_new(base, fd, EV_READ | EV_PERSIST, on_readable, ep);
    ep->wev = event_new(base, fd, EV_WRITE | EV_PERSIST, on_writable, ep);
    if (ep->rev == NULL || ep->wev == NULL || event_add(ep->rev, NULL) != 0) {
        complain(ep, "connect", MOSQ_ERR_NOMEM);
        report_ready(ep, false);
        return;
    }
    ep->fd = fd;
    update_write(ep);
}

static bench_ep *mq_connect(bench_clients *c, const char *user, const char *source)
{
    if (!name_ok(user)) {
        fprintf(stderr, "rtm-bench: mosquitto: bad user name '%s'\n", user);
        return NULL;
    }
    size_t n = strlen(user);
    bench_ep *ep = calloc(1, sizeof(*ep) + n + 1);
    if (ep == NULL)
        return NULL;
    memcpy(ep->user, user, n + 1);
    ep->clients = c;
    ep->fd = -1;
    ep->loop = &c->mloops[atomic_fetch_add(&c->next_loop, 1) % (unsigned)c->nloops];
    if (source != NULL && (ep->source = strdup(source)) == NULL) {
        free(ep);
        return NULL;
    }
    /* Client ids are unique per process even if a user connects twice: a
     * second CONNECT with the same id would take over the first session. */
    char id[NAME_MAX_LEN + 32];
    snprintf(id, sizeof(id), "%s.%u.%u", user, (unsigned)getpid(),
             atomic_fetch_add(&c->next_id, 1));
    ep->mosq = mosquitto_new(id, true, ep);
    if (ep->mosq == NULL) {
        free(ep->source);
        free(ep);
        return NULL;
    }
    mosquitto_int_option(ep->mosq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5);
    mosquitto_int_option(ep->mosq, MOSQ_OPT_TCP_NODELAY, 1);
    mosquitto_int_option(ep->mosq, MOSQ_OPT_RECEIVE_MAXIMUM, MAX_INFLIGHT);
    mosquitto_int_option(ep->mosq, MOSQ_OPT_SEND_MAXIMUM, MAX_INFLIGHT);
    mosquitto_connect_callback_set(ep->mosq, on_connect);
    mosquitto_disconnect_callback_set(ep->mosq, on_disconnect);
    mosquitto_subscribe_callback_set(ep->mosq, on_subscribe);
    mosquitto_message_callback_set(ep->mosq, on_message);
    if (bench_loops_post(c->loops, ep->loop->index, run_connect, ep) != 0) {
        mosquitto_destroy(ep->mosq);
        free(ep->source);
        free(ep);
        return NULL;
    }
    return ep;
}

/* A publish or a subscribe, on the endpoint's loop thread. */
static int run_op(bench_ep *ep, bool subscribe, const char *topic,
                  const void *data, size_t len)
{
    int rc;
    if (ep->fd < 0)
        rc = MOSQ_ERR_NO_CONN;
    else if (subscribe)
        rc = mosquitto_subscribe_v5(ep->mosq, NULL, topic, ep->clients->qos,
                                    MQTT_SUB_OPT_NO_LOCAL, NULL);
    else
        rc = mosquitto_publish(ep->mosq, NULL, topic, (int)len, data,
                               ep->clients->qos, false);
    update_write(ep);
    return rc;
}

/* An operation posted from another thread. */
typedef struct mq_op {
    bench_ep *ep;
    bool subscribe;
    size_t len;
    char *topic;              /* in buf, after the payload */
    unsigned char buf[];
} mq_op;

static void run_posted(void *arg)
{
    mq_op *op = arg;
    bench_ep *ep = op->ep;
    int rc = run_op(ep, op->subscribe, op->topic, op->buf, op->len);
    if (rc != MOSQ_ERR_SUCCESS) {
        complain(ep, op->subscribe ? "subscribe" : "publish", rc);
        if (op->subscribe && !atomic_load(&ep->clients->closing))
            ep->clients->events.on_joined(ep->clients->closure, ep, false);
    }
    free(op);
}

/* Runs the operation now on the endpoint's own loop thread (from inside a
 * callback, say), else posts it there. */
static int post_op(bench_ep *ep, bool subscribe, const char *prefix,
                   const char *name, const void *data, size_t len)
{
    if (!name_ok(name))
        return -1;
    char topic[NAME_MAX_LEN + 3];
    snprintf(topic, sizeof(topic), "%s%s", prefix, name);
    bench_clients *c = ep->clients;
    if (bench_loops_on(c->loops, ep->loop->index)) {
        int rc = run_op(ep, subscribe, topic, data, len);
        if (rc != MOSQ_ERR_SUCCESS) {
            complain(ep, subscribe ? "subscribe" : "publish", rc);
            return -1;
        }
        return 0;
    }
    size_t tlen = strlen(topic) + 1;
    mq_op *op = malloc(sizeof(*op) + len + tlen);
    if (op == NULL)
        return -1;
    op->ep = ep;
    op->subscribe = subscribe;
    op->len = len;
    if (len > 0)
        memcpy(op->buf, data, len);
    op->topic = (char *)op->buf + len;
    memcpy(op->topic, topic, tlen);
    if (bench_loops_post(c->loops, ep->loop->index, run_posted, op) != 0) {
        free(op);
        return -1;
    }
    return 0;
}

static int mq_join(bench_ep *ep, const char *channel)
{
    return post_op(ep, true, "c/", channel, NULL, 0);
}

static int mq_send_peer(bench_ep *ep, const char *to, const void *data, size_t len)
{
    return post_op(ep, false, "p/", to, data, len);
}

static int mq_publish(bench_ep *ep, const char *channel, const void *data, size_t len)
{
    return post_op(ep, false, "c/", channel, data, len);
}

static int client_open(const bench_env *env, int port, int threads, int qos,
                       const bench_events *events, void *closure,
                       bench_clients **out)
{
    pthread_once(&lib_once, lib_init);
    if (threads < 1)
        threads = 1;
    bench_clients *c = calloc(1, sizeof(*c) + (size_t)threads * sizeof(mq_loop));
    if (c == NULL)
        return -1;
    c->events = *events;
    c->closure = closure;
    c->port = port;
    c->qos = qos;
    c->keepalive_s = env->heartbeat_s < KEEPALIVE_MIN_S ? KEEPALIVE_MIN_S : env->heartbeat_s;
    c->nloops = threads;
    c->loops = bench_loops_start(threads, NULL);
    if (c->loops == NULL) {
        free(c);
        return -1;
    }
    struct timeval period = {MISC_PERIOD_MS / 1000, (MISC_PERIOD_MS % 1000) * 1000};
    for (int i = 0; i < threads; i++) {
        mq_loop *l = &c->mloops[i];
        l->clients = c;
        l->index = i;
        l->misc = event_new(bench_loops_base(c->loops, i), -1, EV_PERSIST,
                            on_misc, l);
        if (l->misc == NULL || event_add(l->misc, &period) != 0) {
            fprintf(stderr, "rtm-bench: mosquitto: cannot start timers\n");
            for (int j = 0; j <= i; j++)
                if (c->mloops[j].misc != NULL)
                    event_free(c->mloops[j].misc);
            bench_loops_stop(c->loops);
            free(c);
            return -1;
        }
    }
    *out = c;
    return 0;
}

static int mq_client_open0(const bench_env *env, int port, int threads,
                           const bench_events *events, void *closure,
                           bench_clients **out)
{
    return client_open(env, port, threads, 0, events, closure, out);
}

static int mq_client_open1(const bench_env *env, int port, int threads,
                           const bench_events *events, void *closure,
                           bench_clients **out)
{
    return client_open(env, port, threads, 1, events, closure, out);
}

/* On the loop thread, after everything posted to it: disconnects its
 * endpoints. No callback of theirs runs after this. */
static void disconnect_loop(void *arg)
{
    mq_loop *l = arg;
    event_free(l->misc);
    l->misc = NULL;
    for (bench_ep *ep = l->eps; ep != NULL; ep = ep->next) {
        /* The DISCONNECT below would report one. */
        mosquitto_disconnect_callback_set(ep->mosq, NULL);
        if (ep->fd >= 0) {
            unwatch(ep);
            /* Sent at once (nothing else is queued after the traffic
             * stopped); the broker then ends the session without a
             * "connection lost". */
            mosquitto_disconnect(ep->mosq);
        }
    }
}

/* On the loop thread, once no loop runs callbacks any more, and after what
 * callbacks on other loops posted to this one: frees its endpoints. */
static void free_loop(void *arg)
{
    mq_loop *l = arg;
    bench_ep *ep = l->eps;
    while (ep != NULL) {
        bench_ep *next = ep->next;
        if (ep->rev != NULL)
            event_free(ep->rev);
        if (ep->wev != NULL)
            event_free(ep->wev);
        mosquitto_destroy(ep->mosq);
        free(ep->source);
        free(ep);
        ep = next;
    }
    l->eps = NULL;
}

static void mq_client_close(bench_clients *c)
{
    if (c == NULL)
        return;
    atomic_store(&c->closing, true);
    /* Two rounds, so that even if traffic had not quite stopped, a callback
     * on one loop cannot reach an endpoint another loop freed. */
    for (int i = 0; i < c->nloops; i++)
        bench_loops_call(c->loops, i, disconnect_loop, &c->mloops[i]);
    for (int i = 0; i < c->nloops; i++)
        bench_loops_call(c->loops, i, free_loop, &c->mloops[i]);
    bench_loops_stop(c->loops);
    free(c);
}

/* libmosquitto opens a socket pair per client besides its connection: 3
 * open files a client, so 6,000 fit in a process's 20,000. */
#define MAX_PER_PROCESS 6000

const bench_driver bench_driver_mosquitto0 = {
    .name = "mosquitto",
    .server_start = mq_server_start,
    .server_stop = bench_server_stop,
    .server_pid = bench_server_pid,
    .client_open = mq_client_open0,
    .client_close = mq_client_close,
    .connect = mq_connect,
    .join = mq_join,
    .send_peer = mq_send_peer,
    .publish = mq_publish,
    .max_per_process = MAX_PER_PROCESS,
};

const bench_driver bench_driver_mosquitto1 = {
    .name = "mosquitto-qos1",
    .server_start = mq_server_start,
    .server_stop = bench_server_stop,
    .server_pid = bench_server_pid,
    .client_open = mq_client_open1,
    .client_close = mq_client_close,
    .connect = mq_connect,
    .join = mq_join,
    .send_peer = mq_send_peer,
    .publish = mq_publish,
    .max_per_process = MAX_PER_PROCESS,
};
