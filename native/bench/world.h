/*
 * world.h: what every scenario sets up: a system's server on a free port,
 * a client side for it, and endpoints connected and joined, waited for with
 * a deadline. Messages carry a header with the time they were sent
 * (CLOCK_MONOTONIC, one process) so that the receiver takes the latency.
 */
#ifndef RTM_BENCH_WORLD_H
#define RTM_BENCH_WORLD_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "bench.h"

typedef struct world world;

/* A scenario's handler of every message, on the driver's threads. */
typedef void (*world_message_fn)(world *w, bench_ep *ep, const void *data, size_t len);

struct world {
    const bench_driver *d;
    const bench_env *env;
    int port;
    bench_server *server;     /* NULL when the world only has clients */
    bench_clients *clients;
    world_message_fn on_message;
    void *scenario;           /* the scenario's state */
    /* Counters under lock, broadcast on cond when they change. */
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int ready, failed;        /* endpoints in, and given up */
    int joined, join_failed;
    pid_t perf;               /* perf record of an rtm system's run, or 0 */
};

/* The header at the start of every message the scenarios send. */
typedef struct bench_msg {
    int64_t sent_ns;
    uint32_t seq;
} bench_msg;

/* Starts d's server on a free port (server: true) or uses `port`, and opens
 * a client side on `threads` threads. 0 or -1 (with a message). */
int world_open(world *w, const bench_driver *d, const bench_env *env,
               bool server, int port, int threads, world_message_fn on_message,
               void *scenario);
/* Closes the client side, then stops the server. */
void world_close(world *w);

/* How many logins a storm keeps in flight at once, per client process: a
 * real fleet does not start 100,000 logins in the same millisecond, and
 * on 2 cores so many at once would time out (6 s, SPEC S5) before the
 * server answered them. */
#define WORLD_LOGIN_WINDOW 1000

/* Connects users PREFIX<first> .. PREFIX<first+n-1> into eps (sources
 * spread over 127.0.0.1 .. 127.0.0.nsources), at most `window` of them
 * connecting at a time (0: all at once), and waits until all are in, at
 * most timeout_ms. 0, or -1 when one failed or the time ran out. */
int world_connect(world *w, const char *prefix, int first, int n, int nsources,
                  int window, bench_ep **eps, int timeout_ms);
/* eps[0..n-1] join `channel`; waits as world_connect does. */
int world_join(world *w, bench_ep **eps, int n, const char *channel, int timeout_ms);

/* Waits until *counter (under w->lock) reaches target, or `stall_ms`
 * passed without it changing. Returns its last value. */
long world_wait(world *w, const long *counter, long target, int stall_ms);

/* What the shared store of the world's servers had run at a moment
 * (bench.h, store_counts); ok is false for a system without one. */
typedef struct world_store_mark {
    bool ok;
    int64_t fcalls, commands;
} world_store_mark;
world_store_mark world_store_mark_now(world *w);
/* Records, for a system with a shared store, its function calls and
 * commands per message since `since` (`messages` of them), as the
 * scenario's metrics store_fcalls_per_msg and store_cmds_per_msg. */
struct bench_results;
void world_store_report(world *w, world_store_mark since, long messages,
                        struct bench_results *r, const char *scenario);

/* Fills buf (len >= sizeof(bench_msg)) with a header stamped now and a
 * pattern after it. */
void bench_msg_fill(void *buf, size_t len, uint32_t seq);
/* Reads the header of a received message; false when it is too short. */
bool bench_msg_read(const void *data, size_t len, bench_msg *out);

#endif
