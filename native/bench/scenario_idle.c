/*
 * scenario_idle.c: idle and login-storm.
 *
 * N clients log in at once (login-storm: logins per second until all are
 * in), then stay connected and idle with their heartbeats running (idle:
 * server memory per connection from the servers' RSS growth, client memory
 * per client from the client processes' RSS growth, server CPU while
 * idle).
 *
 * The clients run in worker processes (rtm-bench idle-worker), not in
 * rtm-bench itself, so that each starts with a fresh heap and its RSS growth
 * is the clients' alone. A process may hold at most 20,000 open files here,
 * so above PER_PROCESS clients (fewer for a driver that says so) there are
 * several servers (each its own process, on its own port) and one worker
 * per server; the figures are summed over them.
 */
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "proc.h"
#include "scenarios.h"
#include "stats.h"
#include "world.h"

/* Clients per worker and per server process, unless the driver says
 * fewer: under the 20,000 open files of a process with room for the rest. */
enum { PER_PROCESS = 15000, SOURCES = 4 };

typedef struct worker {
    pid_t pid;
    int to, from;
    long count;
    /* Its report: logins, time to log them all in, its RSS before and
     * after, its threads. */
    long in;
    double login_ns, rss0, rss1, threads;
} worker;

/* Reads one line of w's stdout, at most timeout_ms. */
static int read_report(worker *w, int timeout_ms)
{
    char line[256];
    size_t n = 0;
    int64_t deadline = bench_now_ns() + (int64_t)timeout_ms * 1000000;
    while (n < sizeof(line) - 1) {
        int left = (int)((deadline - bench_now_ns()) / 1000000);
        struct pollfd p = {w->from, POLLIN, 0};
        if (left <= 0 || poll(&p, 1, left) <= 0)
            return -1;
        ssize_t got = read(w->from, line + n, 1);
        if (got <= 0)
            return -1;
        if (line[n] == '\n')
            break;
        n++;
    }
    line[n] = '\0';
    if (sscanf(line, "in %ld %lf %lf %lf %lf", &w->in, &w->login_ns, &w->rss0,
               &w->rss1, &w->threads) != 5)
        return -1;
    return 0;
}

int bench_idle(const bench_driver *d, const bench_env *env,
               const bench_size *size, bench_results *r)
{
    long n = size->idle_clients;
    long per = d->max_per_process > 0 ? d->max_per_process : PER_PROCESS;
    int k = (int)((n + per - 1) / per);
    bench_server **servers = calloc((size_t)k, sizeof(*servers));
    worker *workers = calloc((size_t)k, sizeof(*workers));
    int *ports = calloc((size_t)k, sizeof(*ports));
    int rc = -1, started = 0, spawned = 0;
    if (servers == NULL || workers == NULL || ports == NULL)
        goto out;
    double server_rss0 = 0;
    for (; started < k; started++) {
        ports[started] = bench_free_port();
        if (d->server_start(env, ports[started], &servers[started]) != 0)
            goto out;
        server_rss0 += (double)bench_rss(d->server_pid(servers[started]));
    }
    char self[512];
    ssize_t len = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (len <= 0)
        goto out;
    self[len] = '\0';
    for (; spawned < k; spawned++) {
        worker *w = &workers[spawned];
        w->count = n / k + (spawned < n % k);
        char port[16], first[24], count[24], threads[16], sources[16], heartbeat[16];
        snprintf(port, sizeof(port), "%d", ports[spawned]);
        snprintf(first, sizeof(first), "%ld", (long)spawned * per);
        snprintf(count, sizeof(count), "%ld", w->count);
        snprintf(threads, sizeof(threads), "%d", size->client_threads);
        snprintf(sources, sizeof(sources), "%d", SOURCES);
        snprintf(heartbeat, sizeof(heartbeat), "%d", env->heartbeat_s);
        char *argv[] = {self, "idle-worker", (char *)d->name, port, first, count,
                        threads, sources, heartbeat, (char *)env->build_dir,
                        (char *)env->work_dir, NULL};
        w->pid = bench_spawn_piped(argv, &w->to, &w->from);
        if (w->pid < 0)
            goto out;
    }
    /* A login takes a round trip, a storm of them some seconds. */
    int timeout = 60000 + (int)(n / per) * 30000;
    double slowest = 0, client_growth = 0, threads = 0;
    for (int i = 0; i < k; i++) {
        if (read_report(&workers[i], timeout) != 0 || workers[i].in != workers[i].count) {
            fprintf(stderr, "rtm-bench: %s: idle: worker %d did not log its clients in\n",
                    d->name, i);
            goto out;
        }
        slowest = fmax(slowest, workers[i].login_ns);
        client_growth += workers[i].rss1 - workers[i].rss0;
        threads = fmax(threads, workers[i].threads);
    }
    /* Let the servers settle: the first heartbeats, buffers sized. The
     * clients logged in over a while, so it takes a heartbeat period for
     * their heartbeats to be spread evenly; and the CPU is measured over
     * two periods at least, so that they are all in it. */
    bench_sleep_ms(1000 * env->heartbeat_s);
    int idle_s = size->idle_seconds > 2 * env->heartbeat_s ? size->idle_seconds
                                                           : 2 * env->heartbeat_s;
    double server_rss1 = 0, cpu0 = 0, cpu1 = 0;
    for (int i = 0; i < k; i++) {
        pid_t pid = d->server_pid(servers[i]);
        server_rss1 += (double)bench_rss(pid);
        cpu0 += (double)bench_cpu_ns(pid);
    }
    int64_t t0 = bench_now_ns();
    bench_sleep_ms(idle_s * 1000);
    for (int i = 0; i < k; i++)
        cpu1 += (double)bench_cpu_ns(d->server_pid(servers[i]));
    double idle_ns = (double)(bench_now_ns() - t0);
    bench_results_add(r, "login-storm", d->name, "logins_per_s", (double)n * 1e9 / slowest);
    bench_results_add(r, "idle", d->name, "server_bytes_per_conn",
                      bench_per_item(server_rss0, server_rss1, (double)n));
    bench_results_add(r, "idle", d->name, "client_bytes_per_client",
                      bench_per_item(0, client_growth, (double)n));
    bench_results_add(r, "idle", d->name, "server_cpu_pct", (cpu1 - cpu0) * 100.0 / idle_ns);
    bench_results_add(r, "idle", d->name, "client_threads", threads);
    bench_results_add(r, "idle", d->name, "connections", (double)n);
    rc = 0;
out:
    for (int i = 0; i < spawned; i++) {
        /* Its stdin closed, a worker disconnects its clients and exits. */
        close(workers[i].to);
        close(workers[i].from);
        if (waitpid(workers[i].pid, NULL, 0) < 0)
            kill(workers[i].pid, SIGKILL);
    }
    for (int i = 0; i < started; i++)
        d->server_stop(servers[i]);
    free(servers);
    free(workers);
    free(ports);
    return rc;
}

int bench_idle_worker(const bench_driver *d, const bench_env *env, int port,
                      long first, long count, int threads, int sources)
{
    bench_ep **eps = calloc((size_t)count, sizeof(*eps));
    if (eps == NULL)
        return 1;
    bench_raise_nofile();
    double rss0 = (double)bench_rss(0);
    world w;
    if (world_open(&w, d, env, false, port, threads, NULL, NULL) != 0) {
        free(eps);
        return 1;
    }
    int64_t t0 = bench_now_ns();
    int timeout = 60000 + (int)(count / 1000) * 2000;
    if (world_connect(&w, "u", (int)first, (int)count, sources, WORLD_LOGIN_WINDOW, eps,
                      timeout) != 0) {
        printf("failed\n");
        fflush(stdout);
        world_close(&w);
        free(eps);
        return 1;
    }
    int64_t login_ns = bench_now_ns() - t0;
    /* The clients' first heartbeats and buffers, as the server's. */
    bench_sleep_ms(1000);
    printf("in %ld %lld %lld %lld %d\n", count, (long long)login_ns, (long long)rss0,
           (long long)bench_rss(0), bench_threads(0));
    fflush(stdout);
    /* Idle until rtm-bench closes our stdin. */
    char c;
    while (read(STDIN_FILENO, &c, 1) > 0) {
    }
    world_close(&w);
    free(eps);
    return 0;
}
