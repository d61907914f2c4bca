/*
 * bench.h: rtm-bench's view of a system under test (docs/BENCHMARKS.md).
 *
 * Each system (rtm, rtm-sqlite, rtm-cluster, mosquitto, nats, raw-relay) is a driver: a server it
 * starts on loopback, and a client side that opens many endpoints (users)
 * on a few network threads. The scenarios (scenarios.c) are written once,
 * against this interface, so every system does the same work.
 *
 * Threads: every function may be called from any thread, including from
 * inside the driver's own callbacks, except client_close and server_stop,
 * which are called from the scenario's thread after all traffic stopped.
 * Callbacks (bench_events) run on the driver's threads and must not block.
 */
#ifndef RTM_BENCH_H
#define RTM_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Where things are, and what every system is asked alike. */
typedef struct bench_env {
    const char *build_dir;    /* has native/server/rtmd, native/bench/rtm-relay */
    const char *work_dir;     /* scratch for configs and server logs; exists */
    /*
     * Every system's clients heartbeat this often when idle. 1 s (rtm-bench
     * --heartbeat-s) is what rtm does by default (rtm.heartbeat_ms) so that
     * a lost link is noticed within 3 s and reported by 4 s (SPEC S7). The
     * peers' defaults are slower (MQTT deployments commonly use 30-60 s,
     * NATS 2 min); comparing idle CPU at different rates would compare the
     * rates.
     */
    int heartbeat_s;
    /* rtm-bench --profile DIR: each run of an rtm system is recorded with
     * `perf record -g` (its server and this process, where its clients
     * run) into DIR; NULL: not. scenario: the one running, for the file's
     * name. */
    const char *profile_dir;
    const char *scenario;
} bench_env;

typedef struct bench_server bench_server;   /* one server process */
typedef struct bench_clients bench_clients; /* a client side: its threads */
typedef struct bench_ep bench_ep;           /* one endpoint: a logged-in user */

/* What a client side reports. closure is the one given to client_open. */
typedef struct bench_events {
    /* The endpoint is connected and logged in (ok), or gave up (!ok). Once
     * per endpoint. */
    void (*on_ready)(void *closure, bench_ep *ep, bool ok);
    /* A join asked with join() is in effect (ok) or failed. */
    void (*on_joined)(void *closure, bench_ep *ep, bool ok);
    /* A peer message to ep, or a channel message of a channel ep joined.
     * data is borrowed until the callback returns. */
    void (*on_message)(void *closure, bench_ep *ep, const void *data, size_t len);
} bench_events;

typedef struct bench_driver {
    const char *name;         /* the system's name in results.json */

    /* Starts the server on 127.0.0.1:port, returns once it accepts
     * connections. 0 or -1 (with a message on stderr). */
    int (*server_start)(const bench_env *env, int port, bench_server **out);
    void (*server_stop)(bench_server *server);
    pid_t (*server_pid)(const bench_server *server);

    /* A client side for the server at 127.0.0.1:port, on `threads` network
     * threads (at least 1). */
    int (*client_open)(const bench_env *env, int port, int threads,
                       const bench_events *events, void *closure,
                       bench_clients **out);
    /* Disconnects and frees every endpoint, then the client side. */
    void (*client_close)(bench_clients *clients);

    /* Starts connecting `user` (and logging in), from the source address
     * `source` ("127.0.0.N"; NULL: the system's choice). Returns the
     * endpoint at once; on_ready says when it is in. NULL on failure. */
    bench_ep *(*connect)(bench_clients *clients, const char *user,
                         const char *source);
    /* Asynchronous; on_joined says when the join is in effect. */
    int (*join)(bench_ep *ep, const char *channel);
    /* Peer message to user `to`. Asynchronous, 0 when queued. Messages from
     * one endpoint to one peer arrive in order. */
    int (*send_peer)(bench_ep *ep, const char *to, const void *data, size_t len);
    /* Channel message to everybody in `channel` but (where the system can
     * tell) the sender. Asynchronous, 0 when queued. */
    int (*publish)(bench_ep *ep, const char *channel, const void *data, size_t len);

    /* Endpoints one client process may hold within its 20,000 open files
     * (the idle scenario spreads more over several); 0: 15,000. */
    int max_per_process;

    /* For a system whose servers share a store (rtm-cluster: Redis), what
     * that store has run so far for the server at 127.0.0.1:port: its
     * function calls (one per operation) and all its commands. 0, or -1.
     * NULL for the others. */
    int (*store_counts)(int port, int64_t *fcalls, int64_t *commands);
} bench_driver;

extern const bench_driver bench_driver_rtm;          /* "rtm": rtmd --store mem */
extern const bench_driver bench_driver_rtm_sqlite;   /* "rtm-sqlite": --store sqlite */
extern const bench_driver bench_driver_rtm_cluster;  /* "rtm-cluster": 2 nodes, Redis */
extern const bench_driver bench_driver_mosquitto0;   /* "mosquitto", QoS 0 */
extern const bench_driver bench_driver_mosquitto1;   /* "mosquitto-qos1" */
extern const bench_driver bench_driver_nats;
extern const bench_driver bench_driver_relay;        /* "raw-relay" */

#endif
