/*
 * scenario_fanout.c: one sender, a channel of fanout_members members.
 *
 * The sender ("f0", itself a member: rtm only lets members send to a
 * channel, and no system echoes to the sender) publishes fanout_msgs
 * 100-byte messages, at most fanout_window of them not yet delivered to
 * every member, so the latencies are those of a busy server, not of a queue
 * growing without bound. Figures: deliveries per second (first publish to
 * last delivery) and the delivery latency (publish call to the start of the
 * member's callback).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "proc.h"
#include "scenarios.h"
#include "stats.h"
#include "world.h"

enum { BYTES = 100, STALL_MS = 10000 };

typedef struct fanout {
    long members;
    long delivered;           /* under w->lock */
    long window_deliveries;   /* the sender waits above this many in flight */
    bool sender_waits;        /* under w->lock */
    long sent;                /* messages; under w->lock */
    int64_t last_ns;          /* under w->lock */
    double *samples;          /* latencies, ns; index under w->lock */
    long nsamples, cap;
} fanout;

static void fanout_message(world *w, bench_ep *ep, const void *data, size_t len)
{
    (void)ep;
    fanout *f = w->scenario;
    int64_t now = bench_now_ns();
    bench_msg h;
    if (!bench_msg_read(data, len, &h))
        return;
    pthread_mutex_lock(&w->lock);
    if (f->nsamples < f->cap)
        f->samples[f->nsamples++] = (double)(now - h.sent_ns);
    f->delivered++;
    f->last_ns = now;
    if (f->sender_waits &&
        f->sent * f->members - f->delivered <= f->window_deliveries / 2)
        pthread_cond_broadcast(&w->cond);
    else if (f->delivered == f->sent * f->members)
        pthread_cond_broadcast(&w->cond);
    pthread_mutex_unlock(&w->lock);
}

int bench_fanout(const bench_driver *d, const bench_env *env,
                 const bench_size *size, bench_results *r)
{
    fanout f = {0};
    int n = size->fanout_members;
    /* The sender is a member too; it gets none of its own messages. */
    f.members = n - 1;
    f.window_deliveries = (long)size->fanout_window * f.members;
    f.cap = (long)size->fanout_msgs * f.members;
    f.samples = calloc((size_t)f.cap, sizeof(double));
    bench_ep **eps = calloc((size_t)n, sizeof(*eps));
    world w;
    if (f.samples == NULL || eps == NULL ||
        world_open(&w, d, env, true, 0, size->client_threads, fanout_message, &f) != 0) {
        free(f.samples);
        free(eps);
        return -1;
    }
    int rc = -1;
    int timeout = 20000 + n * 20;
    if (world_connect(&w, "f", 0, n, 1, WORLD_LOGIN_WINDOW, eps, timeout) != 0 ||
        world_join(&w, eps, n, "fan", timeout) != 0)
        goto out;
    char buf[BYTES];
    world_store_mark mark = world_store_mark_now(&w);
    int64_t start = bench_now_ns();
    for (long i = 0; i < size->fanout_msgs; i++) {
        pthread_mutex_lock(&w.lock);
        while (f.sent * f.members - f.delivered >= f.window_deliveries) {
            f.sender_waits = true;
            pthread_cond_wait(&w.cond, &w.lock);
        }
        f.sender_waits = false;
        f.sent++;
        pthread_mutex_unlock(&w.lock);
        bench_msg_fill(buf, sizeof(buf), (uint32_t)i);
        if (d->publish(eps[0], "fan", buf, sizeof(buf)) != 0) {
            fprintf(stderr, "rtm-bench: %s: fanout: publish failed\n", d->name);
            goto out;
        }
    }
    long got = world_wait(&w, &f.delivered, f.cap, STALL_MS);
    if (got < f.cap) {
        fprintf(stderr, "rtm-bench: %s: fanout: %ld of %ld deliveries\n", d->name, got, f.cap);
        goto out;
    }
    pthread_mutex_lock(&w.lock);
    double seconds = (double)(f.last_ns - start) / 1e9;
    pthread_mutex_unlock(&w.lock);
    bench_results_add(r, "fanout", d->name, "deliveries_per_s", (double)got / seconds);
    world_store_report(&w, mark, size->fanout_msgs, r, "fanout");
    bench_results_add(r, "fanout", d->name, "p50_us",
                      bench_percentile(f.samples, (size_t)f.nsamples, 50) / 1000.0);
    bench_results_add(r, "fanout", d->name, "p99_us",
                      bench_percentile(f.samples, (size_t)f.nsamples, 99) / 1000.0);
    rc = 0;
out:
    world_close(&w);
    free(f.samples);
    free(eps);
    return rc;
}
