/* world.c: a server, a client side and its endpoints (world.h). */
#include "world.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proc.h"
#include "results.h"

static void on_ready(void *closure, bench_ep *ep, bool ok)
{
    (void)ep;
    world *w = closure;
    pthread_mutex_lock(&w->lock);
    if (ok)
        w->ready++;
    else
        w->failed++;
    pthread_cond_broadcast(&w->cond);
    pthread_mutex_unlock(&w->lock);
}

static void on_joined(void *closure, bench_ep *ep, bool ok)
{
    (void)ep;
    world *w = closure;
    pthread_mutex_lock(&w->lock);
    if (ok)
        w->joined++;
    else
        w->join_failed++;
    pthread_cond_broadcast(&w->cond);
    pthread_mutex_unlock(&w->lock);
}

static void on_message(void *closure, bench_ep *ep, const void *data, size_t len)
{
    world *w = closure;
    if (w->on_message != NULL)
        w->on_message(w, ep, data, len);
}

static const bench_events world_events = {on_ready, on_joined, on_message};

/* perf record -g of the server and of this process (the clients) into
 * PROFILE_DIR/SCENARIO-SYSTEM-N.data, once it has begun writing (it takes
 * a moment to attach: the first of the run is not in it). */
static void world_profile_start(world *w)
{
    static int runs;
    char file[700], log[720], pids[64];
    snprintf(file, sizeof(file), "%s/%s-%s-%d.data", w->env->profile_dir,
             w->env->scenario ? w->env->scenario : "run", w->d->name, ++runs);
    snprintf(log, sizeof(log), "%s.log", file);
    snprintf(pids, sizeof(pids), "%d,%d", (int)w->d->server_pid(w->server), (int)getpid());
    char *argv[] = {"/usr/bin/perf", "record", "-g", "-o", file, "-p", pids, NULL};
    w->perf = bench_spawn(argv, log);
    if (w->perf <= 0) {
        w->perf = 0;
        return;
    }
    struct stat sb;
    for (int i = 0; i < 200 && (stat(file, &sb) != 0 || sb.st_size == 0); i++)
        bench_sleep_ms(10);
    printf("  profile: %s\n", file);
    fflush(stdout);
}

/* Ends the recording (SIGINT: perf writes what it has, then exits). */
static void world_profile_stop(world *w)
{
    if (w->perf <= 0)
        return;
    kill(w->perf, SIGINT);
    int status;
    while (waitpid(w->perf, &status, 0) < 0 && errno == EINTR)
        ;
    w->perf = 0;
}

int world_open(world *w, const bench_driver *d, const bench_env *env,
               bool server, int port, int threads, world_message_fn fn,
               void *scenario)
{
    memset(w, 0, sizeof(*w));
    w->d = d;
    w->env = env;
    w->on_message = fn;
    w->scenario = scenario;
    pthread_mutex_init(&w->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&w->cond, &ca);
    pthread_condattr_destroy(&ca);
    w->port = server ? bench_free_port() : port;
    if (w->port < 0 || (server && d->server_start(env, w->port, &w->server) != 0)) {
        fprintf(stderr, "rtm-bench: %s: the server did not start\n", d->name);
        goto fail;
    }
    if (d->client_open(env, w->port, threads, &world_events, w, &w->clients) != 0) {
        fprintf(stderr, "rtm-bench: %s: no client side\n", d->name);
        if (w->server != NULL)
            d->server_stop(w->server);
        goto fail;
    }
    if (env->profile_dir != NULL && w->server != NULL && strncmp(d->name, "rtm", 3) == 0)
        world_profile_start(w);
    return 0;
fail:
    pthread_cond_destroy(&w->cond);
    pthread_mutex_destroy(&w->lock);
    return -1;
}

void world_close(world *w)
{
    world_profile_stop(w);
    w->d->client_close(w->clients);
    if (w->server != NULL)
        w->d->server_stop(w->server);
    pthread_cond_destroy(&w->cond);
    pthread_mutex_destroy(&w->lock);
}

/* Waits on w->cond until pred(w, arg) or the deadline; lock held. */
static bool wait_deadline(world *w, int64_t deadline_ns, bool (*pred)(world *, int),
                          int arg)
{
    while (!pred(w, arg)) {
        if (bench_now_ns() >= deadline_ns)
            return false;
        struct timespec ts;
        ts.tv_sec = (time_t)(deadline_ns / 1000000000);
        ts.tv_nsec = (long)(deadline_ns % 1000000000);
        pthread_cond_timedwait(&w->cond, &w->lock, &ts);
    }
    return true;
}

static bool all_ready(world *w, int n)
{
    return w->ready + w->failed >= n;
}

static bool all_joined(world *w, int n)
{
    return w->joined + w->join_failed >= n;
}

int world_connect(world *w, const char *prefix, int first, int n, int nsources,
                  int window, bench_ep **eps, int timeout_ms)
{
    int64_t deadline = bench_now_ns() + (int64_t)timeout_ms * 1000000;
    pthread_mutex_lock(&w->lock);
    int before = w->ready + w->failed, target = before + n;
    pthread_mutex_unlock(&w->lock);
    for (int i = 0; i < n; i++) {
        if (window > 0 && i >= window) {
            pthread_mutex_lock(&w->lock);
            bool room = wait_deadline(w, deadline, all_ready, before + i - window + 1);
            pthread_mutex_unlock(&w->lock);
            if (!room)
                break;
        }
        char user[64], source[32];
        snprintf(user, sizeof(user), "%s%d", prefix, first + i);
        snprintf(source, sizeof(source), "127.0.0.%d", 1 + i % (nsources < 1 ? 1 : nsources));
        eps[i] = w->d->connect(w->clients, user, source);
        if (eps[i] == NULL) {
            fprintf(stderr, "rtm-bench: %s: cannot connect %s\n", w->d->name, user);
            return -1;
        }
    }
    pthread_mutex_lock(&w->lock);
    bool in = wait_deadline(w, deadline, all_ready, target);
    int failed = w->failed, ready = w->ready;
    pthread_mutex_unlock(&w->lock);
    if (!in || failed > 0) {
        fprintf(stderr, "rtm-bench: %s: %d of %d in, %d failed, within %d ms\n",
                w->d->name, ready - before, n, failed, timeout_ms);
        return -1;
    }
    return 0;
}

int world_join(world *w, bench_ep **eps, int n, const char *channel, int timeout_ms)
{
    int64_t deadline = bench_now_ns() + (int64_t)timeout_ms * 1000000;
    pthread_mutex_lock(&w->lock);
    int target = w->joined + w->join_failed + n;
    pthread_mutex_unlock(&w->lock);
    for (int i = 0; i < n; i++)
        if (w->d->join(eps[i], channel) != 0) {
            fprintf(stderr, "rtm-bench: %s: cannot join %s\n", w->d->name, channel);
            return -1;
        }
    pthread_mutex_lock(&w->lock);
    bool in = wait_deadline(w, deadline, all_joined, target);
    int failed = w->join_failed, joined = w->joined;
    pthread_mutex_unlock(&w->lock);
    if (!in || failed > 0) {
        fprintf(stderr, "rtm-bench: %s: %d of %d joined, %d failed\n", w->d->name,
                joined, target, failed);
        return -1;
    }
    return 0;
}

long world_wait(world *w, const long *counter, long target, int stall_ms)
{
    pthread_mutex_lock(&w->lock);
    long last = *counter;
    int64_t deadline = bench_now_ns() + (int64_t)stall_ms * 1000000;
    while (*counter < target) {
        if (*counter != last) {
            last = *counter;
            deadline = bench_now_ns() + (int64_t)stall_ms * 1000000;
        } else if (bench_now_ns() >= deadline) {
            break;
        }
        struct timespec ts;
        ts.tv_sec = (time_t)(deadline / 1000000000);
        ts.tv_nsec = (long)(deadline % 1000000000);
        pthread_cond_timedwait(&w->cond, &w->lock, &ts);
    }
    long value = *counter;
    pthread_mutex_unlock(&w->lock);
    return value;
}

void bench_msg_fill(void *buf, size_t len, uint32_t seq)
{
    /* The rest is a pattern, not zeros, so that no layer can compress it
     * into something cheaper than what an application sends. */
    unsigned char *p = buf;
    for (size_t i = sizeof(bench_msg); i < len; i++)
        p[i] = (unsigned char)(i * 131 + seq);
    bench_msg h = {bench_now_ns(), seq};
    memcpy(buf, &h, sizeof(h));
}

bool bench_msg_read(const void *data, size_t len, bench_msg *out)
{
    if (len < sizeof(*out))
        return false;
    memcpy(out, data, sizeof(*out));
    return true;
}

world_store_mark world_store_mark_now(world *w)
{
    world_store_mark m = {false, 0, 0};
    if (w->d->store_counts != NULL)
        m.ok = w->d->store_counts(w->port, &m.fcalls, &m.commands) == 0;
    return m;
}

void world_store_report(world *w, world_store_mark since, long messages,
                        struct bench_results *r, const char *scenario)
{
    world_store_mark now = world_store_mark_now(w);
    if (!since.ok || !now.ok || messages <= 0)
        return;
    bench_results_add(r, scenario, w->d->name, "store_fcalls_per_msg",
                      (double)(now.fcalls - since.fcalls) / (double)messages);
    bench_results_add(r, scenario, w->d->name, "store_cmds_per_msg",
                      (double)(now.commands - since.commands) / (double)messages);
}
