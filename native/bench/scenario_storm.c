/*
 * scenario_storm.c: reconnect-storm, rtm only (the others have no
 * reconnection of this kind to compare): storm_clients clients are in, rtmd
 * is stopped for storm_down_ms, longer than the 4 s after which an
 * interruption is reported (SPEC S7), so every client goes RECONNECTING;
 * then rtmd starts again on the same port and the clients come back on
 * their own (SPEC S8). Figures, from the restart: the time until all are
 * CONNECTED again, and when the first, median and 90th-percentile client
 * was back: the spread the backoff's jitter gives the attempts. The goal is
 * all back within the backoff cap (rtm.reconnect_max_ms, 8 s) plus 1 s.
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rtm/rtm.h"

#include "proc.h"
#include "scenarios.h"
#include "stats.h"

/* rtm's default backoff cap (docs/PARAMETERS.md), which the goal is of. */
enum { BACKOFF_CAP_MS = 8000 };

typedef struct storm {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int connected, reconnecting;  /* clients now in each state */
    int64_t *back_ns;             /* per client: CONNECTED after RECONNECTING */
} storm;

typedef struct storm_client {
    storm *s;
    int index;
    int state;
} storm_client;

static void on_state(rtm_client *c, int state, int reason, void *closure)
{
    (void)c;
    (void)reason;
    storm_client *sc = closure;
    storm *s = sc->s;
    pthread_mutex_lock(&s->lock);
    if (sc->state == RTM_CONNECTION_STATE_CONNECTED)
        s->connected--;
    if (sc->state == RTM_CONNECTION_STATE_RECONNECTING)
        s->reconnecting--;
    if (state == RTM_CONNECTION_STATE_CONNECTED) {
        s->connected++;
        if (sc->state == RTM_CONNECTION_STATE_RECONNECTING)
            s->back_ns[sc->index] = bench_now_ns();
    }
    if (state == RTM_CONNECTION_STATE_RECONNECTING)
        s->reconnecting++;
    sc->state = state;
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->lock);
}

/* Waits until *count reaches n, at most timeout_ms; lock held. */
static bool wait_count(storm *s, const int *count, int n, int timeout_ms)
{
    int64_t deadline = bench_now_ns() + (int64_t)timeout_ms * 1000000;
    while (*count < n) {
        if (bench_now_ns() >= deadline)
            return false;
        struct timespec ts = {(time_t)(deadline / 1000000000), (long)(deadline % 1000000000)};
        pthread_cond_timedwait(&s->cond, &s->lock, &ts);
    }
    return true;
}

int bench_reconnect_storm(const bench_env *env, const bench_size *size,
                          bench_results *r)
{
    const bench_driver *d = &bench_driver_rtm;
    int n = size->storm_clients;
    storm s = {0};
    pthread_mutex_init(&s.lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&s.cond, &ca);
    pthread_condattr_destroy(&ca);
    s.back_ns = calloc((size_t)n, sizeof(*s.back_ns));
    storm_client *scs = calloc((size_t)n, sizeof(*scs));
    rtm_client **clients = calloc((size_t)n, sizeof(*clients));
    rtm_loop **loops = calloc((size_t)size->client_threads, sizeof(*loops));
    bench_server *server = NULL;
    int rc = -1, created = 0, nloops = 0;
    int port = bench_free_port();
    if (s.back_ns == NULL || scs == NULL || clients == NULL || loops == NULL ||
        d->server_start(env, port, &server) != 0)
        goto out;
    for (; nloops < size->client_threads; nloops++)
        if (rtm_loop_create(&loops[nloops]) != RTM_OK)
            goto out;
    char params[96];
    snprintf(params, sizeof(params), "{\"rtm.server\":\"127.0.0.1:%d\"}", port);
    for (; created < n; created++) {
        scs[created] = (storm_client){&s, created, RTM_CONNECTION_STATE_DISCONNECTED};
        rtm_config cfg;
        rtm_config_init(&cfg);
        rtm_client_callbacks cbs;
        rtm_client_callbacks_init(&cbs);
        cfg.app_id = "rtm-bench";
        cbs.on_connection_state_changed = on_state;
        cfg.closure = &scs[created];
        cfg.parameters = params;
        cfg.loop = loops[created % nloops];
        cfg.callbacks = &cbs;
        if (rtm_client_create(&cfg, &clients[created]) != RTM_OK)
            goto out;
        char user[32];
        snprintf(user, sizeof(user), "s%d", created);
        rtm_login(clients[created], NULL, user, NULL, NULL);
    }
    pthread_mutex_lock(&s.lock);
    bool in = wait_count(&s, &s.connected, n, 30000 + n * 10);
    pthread_mutex_unlock(&s.lock);
    if (!in) {
        fprintf(stderr, "rtm-bench: reconnect-storm: %d of %d logged in\n", s.connected, n);
        goto out;
    }
    d->server_stop(server);
    server = NULL;
    bench_sleep_ms(size->storm_down_ms);
    pthread_mutex_lock(&s.lock);
    int down = s.reconnecting;
    pthread_mutex_unlock(&s.lock);
    if (down < n) {
        fprintf(stderr, "rtm-bench: reconnect-storm: %d of %d reconnecting after %d ms down\n",
                down, n, size->storm_down_ms);
        goto out;
    }
    int64_t restart = bench_now_ns();
    if (d->server_start(env, port, &server) != 0)
        goto out;
    pthread_mutex_lock(&s.lock);
    in = wait_count(&s, &s.connected, n, 60000);
    pthread_mutex_unlock(&s.lock);
    if (!in) {
        fprintf(stderr, "rtm-bench: reconnect-storm: %d of %d back after 60 s\n", s.connected, n);
        goto out;
    }
    double *back = calloc((size_t)n, sizeof(double));
    if (back == NULL)
        goto out;
    for (int i = 0; i < n; i++)
        back[i] = (double)(s.back_ns[i] - restart) / 1e9;
    bench_results_add(r, "reconnect-storm", "rtm", "seconds_to_all_connected",
                      bench_percentile(back, (size_t)n, 100));
    bench_results_add(r, "reconnect-storm", "rtm", "first_back_s", back[0]);
    bench_results_add(r, "reconnect-storm", "rtm", "p50_back_s",
                      bench_percentile(back, (size_t)n, 50));
    bench_results_add(r, "reconnect-storm", "rtm", "p90_back_s",
                      bench_percentile(back, (size_t)n, 90));
    bench_results_add(r, "reconnect-storm", "rtm", "goal_s", (BACKOFF_CAP_MS + 1000) / 1e3);
    free(back);
    rc = 0;
out:
    for (int i = 0; i < created; i++)
        rtm_client_destroy(clients[i]);
    for (int i = 0; i < nloops; i++)
        rtm_loop_destroy(loops[i]);
    if (server != NULL)
        d->server_stop(server);
    free(s.back_ns);
    free(scs);
    free(clients);
    free(loops);
    pthread_cond_destroy(&s.cond);
    pthread_mutex_destroy(&s.lock);
    return rc;
}
