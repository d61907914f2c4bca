/* engine_mem.c: the in-memory engine: each operation is applied to the
 * store at once; it completes inside submit or, deferred, a set delay
 * later (engine.h). */
#include "engine.h"

#include <stdlib.h>
#include <time.h>

#include <event2/event.h>

/* A deferred operation, applied already, and when it completes (CLOCK_MONOTONIC µs). */
typedef struct {
    rtmd_eng_op *op;
    uint64_t due_us;
} mem_pending;

typedef struct {
    rtmd_engine base;
    rtmd_store *store;
    /* Deferred: */
    uint32_t delay_us;
    struct event *timer;
    void (*on_wake)(void *);
    void *wake_arg;
    mem_pending *ring; /* circular, cap entries, oldest at head */
    size_t cap, head, count;
} mem_engine;

static uint64_t mem_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void mem_arm(mem_engine *e, uint64_t now_us)
{
    uint64_t due = e->ring[e->head].due_us, wait = due > now_us ? due - now_us : 0;
    struct timeval tv = { (time_t)(wait / 1000000u), (suseconds_t)(wait % 1000000u) };
    evtimer_add(e->timer, &tv);
}

/* Completes the oldest pending operation. */
static void mem_complete_one(mem_engine *e)
{
    rtmd_eng_op *op = e->ring[e->head].op;
    e->head = (e->head + 1) % e->cap;
    e->count--;
    op->done(op); /* may submit more */
}

static void mem_timer_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    mem_engine *e = arg;
    if (e->on_wake)
        e->on_wake(e->wake_arg);
    uint64_t now = mem_now_us();
    while (e->count && e->ring[e->head].due_us <= now)
        mem_complete_one(e);
    if (e->count)
        mem_arm(e, now);
}

static void mem_submit(rtmd_engine *eng, rtmd_eng_op *op)
{
    mem_engine *e = (mem_engine *)eng;
    rtmd_engine_apply(e->store, op);
    if (!e->timer) {
        op->done(op);
        return;
    }
    if (e->count == e->cap) {
        size_t cap = e->cap ? e->cap * 2 : 64;
        mem_pending *ring = malloc(cap * sizeof *ring);
        if (!ring) {
            /* Out of memory: complete the queue and this one now, in order. */
            while (e->count)
                mem_complete_one(e);
            op->done(op);
            return;
        }
        for (size_t i = 0; i < e->count; i++)
            ring[i] = e->ring[(e->head + i) % e->cap];
        free(e->ring);
        e->ring = ring;
        e->cap = cap;
        e->head = 0;
    }
    uint64_t now = mem_now_us();
    e->ring[(e->head + e->count) % e->cap] = (mem_pending){ op, now + e->delay_us };
    if (e->count++ == 0)
        mem_arm(e, now);
}

static void mem_destroy(rtmd_engine *eng)
{
    mem_engine *e = (mem_engine *)eng;
    while (e->count) /* every operation completes once */
        mem_complete_one(e);
    if (e->timer)
        event_free(e->timer);
    free(e->ring);
    free(e);
}

static const rtmd_engine_ops mem_ops = { mem_submit, mem_destroy };

rtmd_engine *rtmd_engine_mem_new(rtmd_store *st)
{
    return rtmd_engine_mem_deferred(st, NULL, 0, NULL, NULL);
}

rtmd_engine *rtmd_engine_mem_deferred(rtmd_store *st, struct event_base *base, uint32_t delay_us,
                                      void (*on_wake)(void *), void *arg)
{
    mem_engine *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    e->base.ops = &mem_ops;
    e->store = st;
    if (base && delay_us > 0) {
        if (!(e->timer = evtimer_new(base, mem_timer_cb, e))) {
            free(e);
            return NULL;
        }
        e->delay_us = delay_us;
        e->on_wake = on_wake;
        e->wake_arg = arg;
    }
    return &e->base;
}
