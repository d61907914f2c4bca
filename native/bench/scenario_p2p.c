/*
 * scenario_p2p.c: p2p-latency and p2p-throughput, two users talking through
 * the server.
 *
 * p2p-latency: a ping-pong of 100-byte messages between "a0" and "b0"; each
 * receiver answers from inside its message callback, so exactly one message
 * is in flight. Every hop's one-way latency (send call to the start of the
 * receiver's callback) is a sample; a tenth of the round trips first are a
 * warm-up and not kept.
 *
 * p2p-throughput: "s0" sends to "r0" as fast as a window allows (at most
 * throughput_window sent and not yet received), 100 B, then 4 KB;
 * messages per second from the first send to the last arrival.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proc.h"
#include "scenarios.h"
#include "stats.h"
#include "world.h"

enum { SMALL = 100, LARGE = 4096, CONNECT_MS = 20000, STALL_MS = 10000 };

/* ------------------------------------------------------------------ */
/* p2p-latency                                                         */

typedef struct latency {
    bench_ep *a, *b;
    long round_trips;         /* total, warm-up included */
    long warmup;
    long done;                /* round trips completed; under w->lock */
    double *samples;          /* one-way latencies, ns */
    size_t nsamples;          /* only the callbacks touch it: one at a time */
} latency;

static void latency_message(world *w, bench_ep *ep, const void *data, size_t len)
{
    latency *l = w->scenario;
    int64_t now = bench_now_ns();
    bench_msg h;
    if (!bench_msg_read(data, len, &h))
        return;
    if (h.seq >= l->warmup)
        l->samples[l->nsamples++] = (double)(now - h.sent_ns);
    char buf[SMALL];
    if (ep == l->b) {
        bench_msg_fill(buf, sizeof(buf), h.seq);
        w->d->send_peer(l->b, "a0", buf, sizeof(buf));
        return;
    }
    pthread_mutex_lock(&w->lock);
    long done = ++l->done;
    pthread_cond_broadcast(&w->cond);
    pthread_mutex_unlock(&w->lock);
    if (done < l->round_trips) {
        bench_msg_fill(buf, sizeof(buf), (uint32_t)done);
        w->d->send_peer(l->a, "b0", buf, sizeof(buf));
    }
}

int bench_p2p_latency(const bench_driver *d, const bench_env *env,
                      const bench_size *size, bench_results *r)
{
    latency l = {0};
    l.warmup = size->latency_round_trips / 10;
    l.round_trips = size->latency_round_trips + l.warmup;
    l.samples = calloc((size_t)l.round_trips * 2, sizeof(double));
    world w;
    if (l.samples == NULL ||
        world_open(&w, d, env, true, 0, size->client_threads, latency_message, &l) != 0) {
        free(l.samples);
        return -1;
    }
    int rc = -1;
    if (world_connect(&w, "a", 0, 1, 1, 0, &l.a, CONNECT_MS) != 0 ||
        world_connect(&w, "b", 0, 1, 1, 0, &l.b, CONNECT_MS) != 0)
        goto out;
    char buf[SMALL];
    bench_msg_fill(buf, sizeof(buf), 0);
    if (d->send_peer(l.a, "b0", buf, sizeof(buf)) != 0)
        goto out;
    long done = world_wait(&w, &l.done, l.round_trips, STALL_MS);
    if (done < l.round_trips) {
        fprintf(stderr, "rtm-bench: %s: p2p-latency stalled after %ld of %ld round trips\n",
                d->name, done, l.round_trips);
        goto out;
    }
    /* Every callback has returned: the last one counted before sending
     * nothing more. */
    double us[3];
    const double pct[3] = {50, 99, 99.9};
    for (int i = 0; i < 3; i++)
        us[i] = bench_percentile(l.samples, l.nsamples, pct[i]) / 1000.0;
    bench_results_add(r, "p2p-latency", d->name, "p50_us", us[0]);
    bench_results_add(r, "p2p-latency", d->name, "p99_us", us[1]);
    bench_results_add(r, "p2p-latency", d->name, "p999_us", us[2]);
    rc = 0;
out:
    world_close(&w);
    free(l.samples);
    return rc;
}

/* ------------------------------------------------------------------ */
/* p2p-throughput                                                      */

typedef struct throughput {
    bench_ep *s, *r;
    long sent;                /* under w->lock */
    long received;            /* under w->lock */
    long window;
    bool sender_waits;        /* under w->lock */
    long order_errors;
    uint32_t next_seq;        /* the receiver's callbacks only */
    int64_t last_ns;          /* under w->lock */
} throughput;

static void throughput_message(world *w, bench_ep *ep, const void *data, size_t len)
{
    (void)ep;
    throughput *t = w->scenario;
    bench_msg h;
    if (!bench_msg_read(data, len, &h))
        return;
    if (h.seq != t->next_seq)
        t->order_errors++;
    t->next_seq = h.seq + 1;
    int64_t now = bench_now_ns();
    pthread_mutex_lock(&w->lock);
    t->received++;
    t->last_ns = now;
    /* Wake the sender when half the window is free, not at every message:
     * a wake-up per message would measure the condition variable. */
    if ((t->sender_waits && t->sent - t->received <= t->window / 2) ||
        t->received == t->sent)
        pthread_cond_broadcast(&w->cond);
    pthread_mutex_unlock(&w->lock);
}

/* One pass of `count` messages of `bytes`; messages per second, or NAN. */
static double throughput_pass(world *w, throughput *t, long count, size_t bytes)
{
    char *buf = malloc(bytes);
    if (buf == NULL)
        return NAN;
    pthread_mutex_lock(&w->lock);
    t->sent = t->received = 0;
    t->next_seq = 0;
    pthread_mutex_unlock(&w->lock);
    int64_t start = bench_now_ns();
    for (long i = 0; i < count; i++) {
        pthread_mutex_lock(&w->lock);
        while (t->sent - t->received >= t->window) {
            t->sender_waits = true;
            pthread_cond_wait(&w->cond, &w->lock);
        }
        t->sender_waits = false;
        t->sent++;
        pthread_mutex_unlock(&w->lock);
        bench_msg_fill(buf, bytes, (uint32_t)i);
        if (w->d->send_peer(t->s, "r0", buf, bytes) != 0) {
            free(buf);
            return NAN;
        }
    }
    free(buf);
    long got = world_wait(w, &t->received, count, STALL_MS);
    if (got < count) {
        fprintf(stderr, "rtm-bench: %s: p2p-throughput: %ld of %ld %zu-byte messages arrived\n",
                w->d->name, got, count, bytes);
        return NAN;
    }
    pthread_mutex_lock(&w->lock);
    int64_t elapsed = t->last_ns - start;
    pthread_mutex_unlock(&w->lock);
    return (double)count * 1e9 / (double)elapsed;
}

int bench_p2p_throughput(const bench_driver *d, const bench_env *env,
                         const bench_size *size, bench_results *r)
{
    throughput t = {0};
    t.window = size->throughput_window;
    world w;
    if (world_open(&w, d, env, true, 0, size->client_threads, throughput_message, &t) != 0)
        return -1;
    int rc = -1;
    if (world_connect(&w, "s", 0, 1, 1, 0, &t.s, CONNECT_MS) != 0 ||
        world_connect(&w, "r", 0, 1, 1, 0, &t.r, CONNECT_MS) != 0)
        goto out;
    world_store_mark mark = world_store_mark_now(&w);
    double small = throughput_pass(&w, &t, size->throughput_msgs, SMALL);
    if (!isnan(small))
        world_store_report(&w, mark, size->throughput_msgs, r, "p2p-throughput");
    double large = throughput_pass(&w, &t, size->throughput_msgs / 4, LARGE);
    if (t.order_errors > 0)
        fprintf(stderr, "rtm-bench: %s: p2p-throughput: %ld messages out of order\n",
                d->name, t.order_errors);
    bench_results_add(r, "p2p-throughput", d->name, "msgs_per_s", small);
    bench_results_add(r, "p2p-throughput", d->name, "msgs_per_s_4k", large);
    bench_results_add(r, "p2p-throughput", d->name, "mb_per_s_4k",
                      large * LARGE / 1e6);
    rc = isnan(small) || isnan(large) ? -1 : 0;
out:
    world_close(&w);
    return rc;
}
