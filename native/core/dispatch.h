/*
 * dispatch.h: a client's callback thread. Events posted to it run one at a
 * time, in the order posted, on a thread of its own, so application code
 * never runs on the loop thread (SPEC B3).
 */
#ifndef RTM__DISPATCH_H
#define RTM__DISPATCH_H

#include <stdbool.h>

typedef struct rtm__dispatch rtm__dispatch;

/* Runs an event. closing is true once the dispatcher is being closed: the
 * event then frees what it holds and calls only what must still be called
 * (results, so that closures can be freed). */
typedef void (*rtm__event_fn)(void *arg, bool closing);

rtm__dispatch *rtm__dispatch_new(void);

/* Queues an event. Returns 0, or -1 (out of memory, or closed). */
int rtm__dispatch_post(rtm__dispatch *d, rtm__event_fn fn, void *arg);

/* True on the dispatcher's own thread, inside a callback. */
bool rtm__dispatch_on_thread(const rtm__dispatch *d);

/*
 * Closes the dispatcher: the events still queued run with closing = true,
 * then final(arg) runs and the dispatcher is freed. Called from another
 * thread, it waits for all of that. Called from the dispatcher's own thread
 * (a callback destroying its client), it returns at once, and the rest
 * happens once the current callback has returned.
 */
void rtm__dispatch_close(rtm__dispatch *d, void (*final)(void *), void *arg);

#endif
