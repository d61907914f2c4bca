/*
 * loops.h: a few libevent loop threads for a driver's client side.
 *
 * The peers' client libraries (libmosquitto, libnats) and the raw relay's
 * bufferevents are driven from these threads instead of a thread per
 * connection. Other threads hand a loop work
 * with bench_loops_post; it runs on that loop's thread in the order posted.
 * The drivers also use a set of loops as a small pool of workers for calls
 * that block (libnats' connect and flush).
 */
#ifndef RTM_BENCH_LOOPS_H
#define RTM_BENCH_LOOPS_H

#include <stdbool.h>

struct event_base;

typedef struct bench_loops bench_loops;
typedef void (*bench_loop_fn)(void *arg);

/* Starts n loop threads (n >= 1). at_exit, if not NULL, runs on each of them
 * just before it ends. NULL (with a message) on failure. */
bench_loops *bench_loops_start(int n, bench_loop_fn at_exit);

int bench_loops_count(const bench_loops *loops);
struct event_base *bench_loops_base(bench_loops *loops, int i);

/* True on loop i's thread. */
bool bench_loops_on(const bench_loops *loops, int i);

/* Runs fn(arg) on loop i's thread, after what was posted before. 0, or -1
 * when out of memory. Any thread. */
int bench_loops_post(bench_loops *loops, int i, bench_loop_fn fn, void *arg);

/* Runs fn(arg) on loop i's thread and waits until it returned: everything
 * posted before has run then. Not from a loop thread. 0 or -1. */
int bench_loops_call(bench_loops *loops, int i, bench_loop_fn fn, void *arg);

/* Stops and joins the threads and frees the loops. Work posted before runs
 * first; work posted meanwhile by other threads is dropped. Events a caller
 * added to a loop are the caller's to free before. */
void bench_loops_stop(bench_loops *loops);

#endif
