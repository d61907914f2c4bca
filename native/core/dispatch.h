/*
 * dispatch.h: a client's callbacks as a serial queue. Events posted to a
 * dispatcher run one at a time, in the order posted, never two of one
 * dispatcher at once, on the threads of a callback pool that all
 * dispatchers of the process share, so application code never runs on the
 * loop thread (SPEC B3). The pool starts with the first dispatcher and stops
 * after the last one is closed; it grows when every one of its threads has
 * been inside one callback for a while and work is waiting, so a callback
 * that blocks does not hold up other dispatchers (dispatch.c).
 */
#ifndef RTM__DISPATCH_H
#define RTM__DISPATCH_H

#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rtm__dispatch rtm__dispatch;

/* Runs an event. closing is true once the dispatcher is being closed: the
 * event then frees what it holds and calls only what must still be called
 * (results, so that closures can be freed). */
typedef void (*rtm__event_fn)(void *arg, bool closing);

/* A new dispatcher, or NULL (out of memory, or the pool's threads could not
 * be started). */
rtm__dispatch *rtm__dispatch_new(void);

/* Queues an event. Returns 0, or -1 (out of memory). An event posted while
 * d is closing (before final ran) runs too, with closing = true. */
int rtm__dispatch_post(rtm__dispatch *d, rtm__event_fn fn, void *arg);

/* An event in a queue. rtm__dispatch_post allocates one; a caller that
 * must not fail to post (an operation's result, which runs exactly once)
 * keeps one inside what it posts and queues it with
 * rtm__dispatch_post_event, which cannot fail. fn may free that storage:
 * the dispatcher does not touch e once fn has been called. */
typedef struct rtm__event {
    struct rtm__event *next;
    rtm__event_fn fn;
    void *arg;
    bool allocated;           /* by rtm__dispatch_post, freed after fn */
} rtm__event;

void rtm__dispatch_post_event(rtm__dispatch *d, rtm__event *e, rtm__event_fn fn,
                              void *arg);

/* True inside a callback of d (on the pool thread running it). */
bool rtm__dispatch_on_thread(const rtm__dispatch *d);

/*
 * Closes the dispatcher: the events still queued run with closing = true,
 * then final(arg) runs and the dispatcher is freed. Called from another
 * thread, it waits for all of that. Called from inside one of d's own
 * callbacks (a callback destroying its client), it returns at once, and the
 * rest happens once the current callback has returned.
 */
void rtm__dispatch_close(rtm__dispatch *d, void (*final)(void *), void *arg);

/* For tests. The starvation threshold (a thread inside one callback this
 * long, with work waiting, counts as blocked) and the idle time after which
 * a thread above the minimum exits, in ms; 0 restores a default. Takes
 * effect from the next wait of the pool's threads. */
void rtm__dispatch_pool_tune(unsigned threshold_ms, unsigned idle_ms);

/* For tests: the pool as it is now. */
typedef struct rtm__pool_stats {
    unsigned threads;     /* pool threads alive (the monitor not counted) */
    unsigned idle;        /* ... of which waiting for work */
    unsigned long grown;  /* threads added for starvation, since the start
                           * of the process */
    unsigned min, max;    /* the bounds of threads */
} rtm__pool_stats;
void rtm__dispatch_pool_stats(rtm__pool_stats *out);

#ifdef __cplusplus
}
#endif

#endif
