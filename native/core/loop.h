/*
 * loop.h: the loop thread. One libevent event_base on one thread, shared by
 * any number of clients. Other threads hand it work with rtm__loop_post_task;
 * the work runs on the loop thread, in the order posted.
 */
#ifndef RTM__LOOP_H
#define RTM__LOOP_H

#include <stdbool.h>

#include "rtm/rtm.h"

struct bufferevent;
struct event_base;
struct evdns_base;

typedef void (*rtm__task_fn)(void *arg);

/* A task in the loop's queue, kept by the caller inside what it posts (a
 * command, a client's close), so that posting allocates nothing and cannot
 * fail. fn may free that storage: the loop does not touch t once fn has
 * been called. */
typedef struct rtm__task {
    struct rtm__task *next;
    rtm__task_fn fn;
    void *arg;
} rtm__task;

/* Runs fn(arg) on the loop thread, t holding its place in the queue. */
void rtm__loop_post_task(rtm_loop *loop, rtm__task *t, rtm__task_fn fn, void *arg);

struct event_base *rtm__loop_base(rtm_loop *loop);
struct evdns_base *rtm__loop_dns(rtm_loop *loop);

/*
 * Takes over a link the client is done with: what it still has to send (a
 * Logout) is written, then (TLS) close_notify is sent and the write side is
 * shut and whatever arrives is
 * read and dropped until the other side closes, at most `linger_ms`. A
 * plain close() could send a reset instead and lose the last frame. Links
 * still lingering when the loop stops are closed then. Loop thread only.
 */
void rtm__loop_linger(rtm_loop *loop, struct bufferevent *bev, int linger_ms);

/* The process-wide default loop, started by its first user. Each acquire is
 * paired with a release; the last release stops it. */
rtm_loop *rtm__loop_default_acquire(void);
void rtm__loop_default_release(void);

/* Users of an explicit loop, so that rtm_loop_destroy can refuse while
 * clients remain. */
void rtm__loop_ref(rtm_loop *loop);
void rtm__loop_unref(rtm_loop *loop);

#endif
