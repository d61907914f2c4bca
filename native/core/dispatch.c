/*
 * dispatch.c: the clients' serial queues on one shared, elastic pool of
 * callback threads (dispatch.h).
 *
 * Queues. A dispatcher is a queue of events. One that has events and no
 * thread on it waits in the pool's run queue, once. A pool thread takes the
 * dispatcher at the head, runs at most RTM__BATCH of its events one after
 * the other, and puts it back at the tail if more are waiting. A dispatcher
 * is on one thread at a time, so its events run in order and never two at
 * once; a busy one does not starve the others.
 *
 * Size. RTM__POOL_MIN threads wait for work from the start; an idle one is
 * woken last in, first out, so that the threads above the minimum are the
 * ones left idle, and exit after idle_ms. A callback may block (it is the
 * application's code), and SPEC B3 says that must not delay other clients:
 * a monitor thread, after .NET's starvation detector, adds a thread when
 * work is waiting and every pool thread has been inside its current
 * callback for starve_ms or more: one thread for each dispatcher then
 * waiting, up to RTM__POOL_MAX. Past the cap, waiting dispatchers take the
 * threads as their callbacks return, in turn. Each callback
 * restarts its thread's clock, so many short callbacks (load) never grow
 * the pool: only blocked threads do. The monitor waits without a timeout
 * unless work is waiting with no thread idle, so an idle process, however
 * many clients it has, wakes no thread.
 *
 * Lifetime. The pool starts with the first dispatcher and stops after the
 * last one is freed: its threads exit and whoever stops it joins them. The
 * last dispatcher closed from inside its own callback is freed on a pool
 * thread, which cannot join itself: it joins the others, then detaches
 * itself and exits. A thread that exits when idle is joined by the monitor.
 *
 * One lock guards the pool and every dispatcher's queue. It is held for a
 * few pointer moves per event, never during a callback.
 */
#include "dispatch.h"
#include "alloc.h"
#include "spin.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#define RTM__POOL_MIN 2
#define RTM__POOL_MAX 128
#define RTM__BATCH 64          /* events of one dispatcher per turn */
#define RTM__STARVE_MS 50      /* inside one callback this long: blocked */
#define RTM__IDLE_MS 5000      /* idle this long, a thread above MIN exits */

/* Where a dispatcher is. */
enum {
    RTM__D_IDLE,      /* no events, no thread */
    RTM__D_QUEUED,    /* in the run queue */
    RTM__D_RUNNING,   /* on a pool thread */
    RTM__D_DRAINED    /* closing and empty: its closer frees it */
};

struct rtm__dispatch {
    rtm__dispatch *next;       /* in the run queue */
    rtm__event *head;
    rtm__event *tail;
    pthread_cond_t *closer;    /* a close from another thread waits on it */
    void (*final)(void *);
    void *final_arg;
    unsigned char state;
    bool closing;
};

/* A slot for a pool thread. */
enum { RTM__W_FREE, RTM__W_LIVE, RTM__W_EXITED /* to be joined */ };

typedef struct rtm__worker {
    pthread_t thread;
    pthread_cond_t wake;       /* it waits for work on it, when idle */
    struct rtm__worker *up;    /* in the idle stack, towards the top */
    struct rtm__worker *down;
    uint64_t since_ms;         /* start of its current callback; 0: none */
    unsigned char state;
    bool woken;                /* taken off the idle stack by a waker */
} rtm__worker;

enum { RTM__P_STOPPED, RTM__P_UP, RTM__P_STOPPING };

static struct {
    pthread_mutex_t lock;
    pthread_cond_t monitor_wake;
    pthread_cond_t stopped;    /* a start waits for a stop to finish */
    int phase;
    rtm__dispatch *head;       /* the run queue */
    rtm__dispatch *tail;
    size_t dispatchers;
    unsigned threads;          /* LIVE slots */
    unsigned idle;             /* on the idle stack */
    unsigned spinning;         /* looking for work before they sleep */
    _Atomic unsigned queued;   /* dispatchers in the run queue, for them */
    rtm__spin spin;            /* how long they look (spin.h) */
    uint64_t empty_since_ns;   /* the run queue went empty; 0: it is not */
    unsigned exited;           /* EXITED slots */
    rtm__worker *idle_top;
    bool has_monitor;
    bool monitor_asleep;       /* waiting without a timeout */
    pthread_t monitor;
    unsigned starve_ms;
    unsigned idle_ms;
    unsigned long grown;
    rtm__worker workers[RTM__POOL_MAX];
} rtm__pool = {
    .lock = PTHREAD_MUTEX_INITIALIZER,
    .stopped = PTHREAD_COND_INITIALIZER,
    .starve_ms = RTM__STARVE_MS,
    .idle_ms = RTM__IDLE_MS,
    .spin = RTM__SPIN_INIT,
};

static pthread_once_t rtm__pool_once = PTHREAD_ONCE_INIT;

static _Thread_local rtm__dispatch *rtm__current; /* whose callback runs */
static _Thread_local rtm__worker *rtm__self;      /* on a pool thread */
static _Thread_local bool rtm__orphan;  /* it stopped the pool: exits */

/* The timed waits measure on the monotonic clock. */
static void rtm__pool_init(void)
{
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&rtm__pool.monitor_wake, &attr);
    for (size_t i = 0; i < RTM__POOL_MAX; i++)
        pthread_cond_init(&rtm__pool.workers[i].wake, &attr);
    pthread_condattr_destroy(&attr);
}

static uint64_t rtm__ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t rtm__ms(void)
{
    return rtm__ns() / 1000000u;
}

static int rtm__wait_until(pthread_cond_t *c, uint64_t ms)
{
    struct timespec ts = {.tv_sec = (time_t)(ms / 1000u),
                          .tv_nsec = (long)(ms % 1000u) * 1000000L};
    return pthread_cond_timedwait(c, &rtm__pool.lock, &ts);
}

/* ------------------------------------------------------------------ */
/* The pool; everything below runs with the lock held.                 */

static void *rtm__worker_main(void *arg);

/* Wakes the monitor when work waits with no thread idle. */
static void rtm__monitor_poke(void)
{
    if (rtm__pool.monitor_asleep && rtm__pool.head != NULL && rtm__pool.idle == 0 &&
        rtm__pool.spinning == 0) {
        rtm__pool.monitor_asleep = false;
        pthread_cond_signal(&rtm__pool.monitor_wake);
    }
}

static void rtm__idle_unlink(rtm__worker *w)
{
    if (w->up != NULL)
        w->up->down = w->down;
    else
        rtm__pool.idle_top = w->down;
    if (w->down != NULL)
        w->down->up = w->up;
    w->up = w->down = NULL;
    rtm__pool.idle--;
}

/* A dispatcher enters the run queue: the last idle thread in takes it, or,
 * with none idle, the monitor watches. */
static void rtm__enqueue(rtm__dispatch *d)
{
    d->state = RTM__D_QUEUED;
    d->next = NULL;
    if (rtm__pool.tail != NULL)
        rtm__pool.tail->next = d;
    else
        rtm__pool.head = d;
    rtm__pool.tail = d;
    if (rtm__pool.empty_since_ns != 0) {
        rtm__spin_learn(&rtm__pool.spin, rtm__ns() - rtm__pool.empty_since_ns);
        rtm__pool.empty_since_ns = 0;
    }
    unsigned queued = atomic_fetch_add_explicit(&rtm__pool.queued, 1, memory_order_release) + 1;
    if (queued <= rtm__pool.spinning)
        return; /* the spinning thread takes it, no wake-up needed */
    rtm__worker *w = rtm__pool.idle_top;
    if (w != NULL) {
        rtm__idle_unlink(w);
        w->woken = true;
        pthread_cond_signal(&w->wake);
    } else {
        rtm__monitor_poke();
    }
}

static int rtm__spawn(void)
{
    rtm__worker *w = NULL;
    for (size_t i = 0; i < RTM__POOL_MAX && w == NULL; i++)
        if (rtm__pool.workers[i].state == RTM__W_FREE)
            w = &rtm__pool.workers[i];
    if (w == NULL)
        return -1;
    w->state = RTM__W_LIVE;
    w->since_ms = 0;
    w->woken = false;
    if (pthread_create(&w->thread, NULL, rtm__worker_main, w) != 0) {
        w->state = RTM__W_FREE;
        return -1;
    }
    rtm__pool.threads++;
    return 0;
}

/* Stops the pool: every thread exits and is joined, but the caller's own if
 * it is a pool thread: it is left to exit, detached (rtm__orphan). Drops the
 * lock while joining. */
static void rtm__pool_stop(void)
{
    rtm__pool.phase = RTM__P_STOPPING;
    for (size_t i = 0; i < RTM__POOL_MAX; i++)
        pthread_cond_signal(&rtm__pool.workers[i].wake);
    pthread_cond_signal(&rtm__pool.monitor_wake);
    if (rtm__pool.has_monitor) {
        /* First the monitor: it may be joining threads that exited. */
        pthread_t monitor = rtm__pool.monitor;
        pthread_mutex_unlock(&rtm__pool.lock);
        pthread_join(monitor, NULL);
        pthread_mutex_lock(&rtm__pool.lock);
        rtm__pool.has_monitor = false;
    }
    pthread_t join[RTM__POOL_MAX];
    size_t n = 0;
    for (size_t i = 0; i < RTM__POOL_MAX; i++) {
        rtm__worker *w = &rtm__pool.workers[i];
        if (w->state != RTM__W_FREE && w != rtm__self)
            join[n++] = w->thread;
        if (w != rtm__self)
            w->state = RTM__W_FREE;
    }
    pthread_mutex_unlock(&rtm__pool.lock);
    for (size_t i = 0; i < n; i++)
        pthread_join(join[i], NULL);
    pthread_mutex_lock(&rtm__pool.lock);
    if (rtm__self != NULL) {
        rtm__self->state = RTM__W_FREE;
        rtm__orphan = true;
    }
    rtm__pool.threads = rtm__pool.idle = rtm__pool.exited = 0;
    rtm__pool.idle_top = NULL;
    rtm__pool.phase = RTM__P_STOPPED;
    pthread_cond_broadcast(&rtm__pool.stopped);
}

static void *rtm__monitor_main(void *arg);

static int rtm__pool_start(void)
{
    rtm__pool.phase = RTM__P_UP;
    rtm__pool.monitor_asleep = false;
    for (int i = 0; i < RTM__POOL_MIN; i++)
        if (rtm__spawn() != 0)
            goto fail;
    if (pthread_create(&rtm__pool.monitor, NULL, rtm__monitor_main, NULL) != 0)
        goto fail;
    rtm__pool.has_monitor = true;
    return 0;
fail:
    rtm__pool_stop();
    return -1;
}

static void rtm__pool_release(void)
{
    if (--rtm__pool.dispatchers == 0)
        rtm__pool_stop();
}

/* Runs a turn of d on pool thread w: at most RTM__BATCH events, then puts
 * it back in the queue, leaves it idle, or finishes its close. */
static void rtm__run(rtm__worker *w, rtm__dispatch *d)
{
    for (int n = 0; n < RTM__BATCH && d->head != NULL; n++) {
        rtm__event *e = d->head;
        d->head = e->next;
        if (d->head == NULL)
            d->tail = NULL;
        bool closing = d->closing;
        bool allocated = e->allocated; /* fn may free e when it is not */
        w->since_ms = rtm__ms();
        pthread_mutex_unlock(&rtm__pool.lock);
        rtm__current = d;
        e->fn(e->arg, closing);
        rtm__current = NULL;
        if (allocated)
            free(e);
        pthread_mutex_lock(&rtm__pool.lock);
        w->since_ms = 0;
    }
    if (d->head != NULL) {
        rtm__enqueue(d);
        return;
    }
    if (!d->closing) {
        d->state = RTM__D_IDLE;
        return;
    }
    d->state = RTM__D_DRAINED;
    if (d->closer != NULL) { /* d is the closer's now */
        pthread_cond_signal(d->closer);
        return;
    }
    /* Closed from inside its own callback: the rest is this thread's. */
    pthread_mutex_unlock(&rtm__pool.lock);
    d->final(d->final_arg);
    free(d);
    pthread_mutex_lock(&rtm__pool.lock);
    rtm__pool_release();
}

/* Before it sleeps, a pool thread looks for work for as long as spin.h
 * says, the lock released, unless another thread does: at most one spins
 * at a time, and only after a callback, so an idle process spins not at
 * all. True when work came (the lock is held again either way). */
static bool rtm__spin_for_work(void)
{
    if (rtm__pool.spinning > 0)
        return false;
    rtm__pool.spinning++;
    uint64_t t0 = rtm__ns();
    if (rtm__pool.empty_since_ns == 0)
        rtm__pool.empty_since_ns = t0;
    uint64_t limit = rtm__spin_limit(&rtm__pool.spin);
    pthread_mutex_unlock(&rtm__pool.lock);
    bool found = false;
    for (unsigned i = 0; !found; i++) {
        found = atomic_load_explicit(&rtm__pool.queued, memory_order_acquire) > 0;
        if (!found && (i & 63) == 63 && rtm__ns() - t0 > limit)
            break;
        __builtin_ia32_pause();
    }
    pthread_mutex_lock(&rtm__pool.lock);
    rtm__pool.spinning--;
    return rtm__pool.head != NULL;
}

static void *rtm__worker_main(void *arg)
{
    rtm__worker *w = arg;
    rtm__self = w;
    pthread_setname_np(pthread_self(), "rtm-callback");
    pthread_mutex_lock(&rtm__pool.lock);
    while (rtm__pool.phase == RTM__P_UP) {
        rtm__dispatch *d = rtm__pool.head;
        if (d != NULL) {
            atomic_fetch_sub_explicit(&rtm__pool.queued, 1, memory_order_relaxed);
            rtm__pool.head = d->next;
            if (rtm__pool.head == NULL)
                rtm__pool.tail = NULL;
            d->next = NULL;
            d->state = RTM__D_RUNNING;
            rtm__monitor_poke();
            rtm__run(w, d);
            if (rtm__orphan) {
                pthread_mutex_unlock(&rtm__pool.lock);
                pthread_detach(pthread_self());
                return NULL;
            }
            continue;
        }
        if (rtm__spin_for_work())
            continue;
        /* Idle, on top of the stack, until woken or, above the minimum,
         * until idle_ms passed. */
        w->woken = false;
        w->up = NULL;
        w->down = rtm__pool.idle_top;
        if (w->down != NULL)
            w->down->up = w;
        rtm__pool.idle_top = w;
        rtm__pool.idle++;
        bool timed_out = false;
        uint64_t until = rtm__ms() + rtm__pool.idle_ms;
        while (!w->woken && !timed_out && rtm__pool.phase == RTM__P_UP) {
            if (rtm__pool.threads > RTM__POOL_MIN)
                timed_out = rtm__wait_until(&w->wake, until) == ETIMEDOUT;
            else
                pthread_cond_wait(&w->wake, &rtm__pool.lock);
        }
        if (!w->woken)
            rtm__idle_unlink(w);
        if (timed_out && rtm__pool.phase == RTM__P_UP && rtm__pool.head == NULL &&
            rtm__pool.threads > RTM__POOL_MIN) {
            w->state = RTM__W_EXITED;
            rtm__pool.threads--;
            rtm__pool.exited++;
            rtm__pool.monitor_asleep = false;
            pthread_cond_signal(&rtm__pool.monitor_wake);
            break;
        }
    }
    /* Stopping, or exited when idle: joined by the stopper or the monitor. */
    pthread_mutex_unlock(&rtm__pool.lock);
    return NULL;
}

/* Joins the threads that exited when idle. */
static void rtm__reap(void)
{
    pthread_t join[RTM__POOL_MAX];
    size_t n = 0;
    for (size_t i = 0; i < RTM__POOL_MAX; i++) {
        rtm__worker *w = &rtm__pool.workers[i];
        if (w->state == RTM__W_EXITED) {
            join[n++] = w->thread;
            w->state = RTM__W_FREE;
        }
    }
    rtm__pool.exited = 0;
    pthread_mutex_unlock(&rtm__pool.lock);
    for (size_t i = 0; i < n; i++)
        pthread_join(join[i], NULL);
    pthread_mutex_lock(&rtm__pool.lock);
}

/*
 * The starvation detector. While work waits with no thread idle, it looks
 * every starve_ms at most: if every pool thread has been inside its current
 * callback that long, one more thread. Otherwise it sleeps until poked
 * (rtm__monitor_poke), after one more look, so that a steady load pokes it
 * at most once per starve_ms.
 */
static void *rtm__monitor_main(void *arg)
{
    pthread_setname_np(pthread_self(), "rtm-cb-monitor");
    pthread_mutex_lock(&rtm__pool.lock);
    bool look = false;
    while (rtm__pool.phase == RTM__P_UP) {
        if (rtm__pool.exited > 0) {
            rtm__reap();
            continue;
        }
        uint64_t now = rtm__ms();
        if (rtm__pool.head != NULL && rtm__pool.idle == 0) {
            look = true;
            bool blocked = rtm__pool.threads > 0;
            uint64_t youngest = 0;
            for (size_t i = 0; i < RTM__POOL_MAX && blocked; i++) {
                const rtm__worker *w = &rtm__pool.workers[i];
                if (w->state != RTM__W_LIVE)
                    continue;
                if (w->since_ms == 0)
                    blocked = false;
                else if (w->since_ms > youngest)
                    youngest = w->since_ms;
            }
            uint64_t starve = rtm__pool.starve_ms;
            if (blocked && now >= youngest + starve) {
                /* A thread for each dispatcher waiting, all at once: one
                 * at a time, a waiting client would stand behind every
                 * blocked one ahead of it for starve_ms each. */
                unsigned want = atomic_load_explicit(&rtm__pool.queued, memory_order_relaxed);
                unsigned added = 0;
                while (added < want && rtm__pool.threads < RTM__POOL_MAX && rtm__spawn() == 0)
                    added++;
                rtm__pool.grown += added;
                if (added > 0)
                    continue;
                blocked = false; /* at the cap: look again later */
            }
            rtm__wait_until(&rtm__pool.monitor_wake,
                            blocked ? youngest + starve : now + starve);
        } else if (look) {
            look = false;
            rtm__wait_until(&rtm__pool.monitor_wake, now + rtm__pool.starve_ms);
        } else {
            rtm__pool.monitor_asleep = true;
            while (rtm__pool.monitor_asleep && rtm__pool.phase == RTM__P_UP)
                pthread_cond_wait(&rtm__pool.monitor_wake, &rtm__pool.lock);
            rtm__pool.monitor_asleep = false;
            look = true;
        }
    }
    pthread_mutex_unlock(&rtm__pool.lock);
    return NULL;
}

/* ------------------------------------------------------------------ */
/* Dispatchers                                                         */

rtm__dispatch *rtm__dispatch_new(void)
{
    pthread_once(&rtm__pool_once, rtm__pool_init);
    rtm__dispatch *d = rtm__calloc(1, sizeof(*d));
    if (d == NULL)
        return NULL;
    pthread_mutex_lock(&rtm__pool.lock);
    while (rtm__pool.phase == RTM__P_STOPPING)
        pthread_cond_wait(&rtm__pool.stopped, &rtm__pool.lock);
    if (rtm__pool.phase == RTM__P_STOPPED && rtm__pool_start() != 0) {
        pthread_mutex_unlock(&rtm__pool.lock);
        free(d);
        return NULL;
    }
    rtm__pool.dispatchers++;
    pthread_mutex_unlock(&rtm__pool.lock);
    return d;
}

/* Appends e, its fields set, to d's queue. */
static void rtm__queue(rtm__dispatch *d, rtm__event *e, rtm__event_fn fn, void *arg,
                       bool allocated)
{
    e->next = NULL;
    e->fn = fn;
    e->arg = arg;
    e->allocated = allocated;
    pthread_mutex_lock(&rtm__pool.lock);
    if (d->tail)
        d->tail->next = e;
    else
        d->head = e;
    d->tail = e;
    if (d->state == RTM__D_IDLE)
        rtm__enqueue(d);
    pthread_mutex_unlock(&rtm__pool.lock);
}

int rtm__dispatch_post(rtm__dispatch *d, rtm__event_fn fn, void *arg)
{
    rtm__event *e = rtm__malloc(sizeof(*e));
    if (e == NULL)
        return -1;
    rtm__queue(d, e, fn, arg, true);
    return 0;
}

void rtm__dispatch_post_event(rtm__dispatch *d, rtm__event *e, rtm__event_fn fn,
                              void *arg)
{
    rtm__queue(d, e, fn, arg, false);
}

bool rtm__dispatch_on_thread(const rtm__dispatch *d)
{
    return rtm__current == d;
}

void rtm__dispatch_close(rtm__dispatch *d, void (*final)(void *), void *arg)
{
    pthread_mutex_lock(&rtm__pool.lock);
    d->closing = true;
    d->final = final;
    d->final_arg = arg;
    if (rtm__current == d) { /* rtm__run finishes it after this callback */
        pthread_mutex_unlock(&rtm__pool.lock);
        return;
    }
    if (d->state != RTM__D_IDLE) {
        pthread_cond_t done;
        pthread_cond_init(&done, NULL);
        d->closer = &done;
        while (d->state != RTM__D_DRAINED)
            pthread_cond_wait(&done, &rtm__pool.lock);
        pthread_cond_destroy(&done);
    }
    pthread_mutex_unlock(&rtm__pool.lock);
    final(arg);
    free(d);
    pthread_mutex_lock(&rtm__pool.lock);
    rtm__pool_release();
    pthread_mutex_unlock(&rtm__pool.lock);
}

void rtm__dispatch_pool_tune(unsigned threshold_ms, unsigned idle_ms)
{
    pthread_mutex_lock(&rtm__pool.lock);
    rtm__pool.starve_ms = threshold_ms ? threshold_ms : RTM__STARVE_MS;
    rtm__pool.idle_ms = idle_ms ? idle_ms : RTM__IDLE_MS;
    pthread_mutex_unlock(&rtm__pool.lock);
}

void rtm__dispatch_pool_stats(rtm__pool_stats *out)
{
    pthread_mutex_lock(&rtm__pool.lock);
    out->threads = rtm__pool.threads;
    out->idle = rtm__pool.idle;
    out->grown = rtm__pool.grown;
    out->min = RTM__POOL_MIN;
    out->max = RTM__POOL_MAX;
    pthread_mutex_unlock(&rtm__pool.lock);
}
