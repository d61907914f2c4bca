/*
 * scenarios.h: the work rtm-bench measures (docs/BENCHMARKS.md). Each
 * function is one run of one scenario on one system: it starts the system's
 * server, does the work, records its figures in `r` under the scenario's
 * name and the driver's name, and stops the server. 0, or -1 when the run
 * failed (with a message; its figures are then missing).
 */
#ifndef RTM_BENCH_SCENARIOS_H
#define RTM_BENCH_SCENARIOS_H

#include "bench.h"
#include "results.h"

/* How much work: BENCH_SIZE tiny (make test), quick (default), full. */
typedef struct bench_size {
    const char *name;
    int runs;                 /* runs of each scenario and system */
    int latency_round_trips;  /* p2p-latency, after a tenth as warm-up */
    int throughput_msgs;      /* p2p-throughput, 100 B (a quarter for 4 KB) */
    int throughput_window;    /* sent but not yet received, at most */
    int fanout_members;
    int fanout_msgs;
    int fanout_window;        /* messages sent but not yet fully delivered */
    int idle_clients;         /* idle and login-storm */
    int idle_seconds;         /* server CPU measured over this long */
    int storm_clients;        /* reconnect-storm */
    int storm_down_ms;        /* how long rtmd stays down */
    int java_events;          /* java-events: messages per run */
    int client_threads;       /* network threads of a client side */
} bench_size;

/* "tiny", "quick" or "full"; NULL for another name. */
const bench_size *bench_size_named(const char *name);

int bench_p2p_latency(const bench_driver *d, const bench_env *env,
                      const bench_size *size, bench_results *r);
int bench_p2p_throughput(const bench_driver *d, const bench_env *env,
                         const bench_size *size, bench_results *r);
int bench_fanout(const bench_driver *d, const bench_env *env,
                 const bench_size *size, bench_results *r);
/* idle and login-storm: one run connects idle_clients at once (the storm),
 * then holds them idle. */
int bench_idle(const bench_driver *d, const bench_env *env,
               const bench_size *size, bench_results *r);
/* The client side of bench_idle, in a process of its own (rtm-bench
 * idle-worker): connects users u<first>..., reports on stdout, idles until
 * its stdin closes. The process's exit code. */
int bench_idle_worker(const bench_driver *d, const bench_env *env, int port,
                      long first, long count, int threads, int sources);
/* rtm only (scenario_storm.c): rtmd restarted under idle clients. */
int bench_reconnect_storm(const bench_env *env, const bench_size *size,
                          bench_results *r);

#endif
