/* proc.c: processes and /proc (proc.h). */
#include "proc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdbool.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int64_t bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void bench_sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

pid_t bench_spawn(char *const argv[], const char *log_path)
{
    int log_fd = -1;
    if (log_path != NULL) {
        log_fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (log_fd < 0) {
            fprintf(stderr, "rtm-bench: %s: %s\n", log_path, strerror(errno));
            return -1;
        }
    }
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "rtm-bench: fork: %s\n", strerror(errno));
        if (log_fd >= 0)
            close(log_fd);
        return -1;
    }
    if (pid == 0) {
        if (log_fd >= 0) {
            dup2(log_fd, STDOUT_FILENO);
            dup2(log_fd, STDERR_FILENO);
        }
        execv(argv[0], argv);
        fprintf(stderr, "rtm-bench: %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    if (log_fd >= 0)
        close(log_fd);
    return pid;
}

pid_t bench_spawn_piped(char *const argv[], int *to_child, int *from_child)
{
    int in[2], out[2];
    if (pipe2(in, O_CLOEXEC) != 0)
        return -1;
    if (pipe2(out, O_CLOEXEC) != 0) {
        close(in[0]);
        close(in[1]);
        return -1;
    }
    pid_t pid = fork();
    if (pid == 0) {
        /* dup2 clears close-on-exec on the copies. */
        dup2(in[0], STDIN_FILENO);
        dup2(out[1], STDOUT_FILENO);
        execv(argv[0], argv);
        fprintf(stderr, "rtm-bench: %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    if (pid < 0) {
        fprintf(stderr, "rtm-bench: fork: %s\n", strerror(errno));
        close(in[1]);
        close(out[0]);
        return -1;
    }
    *to_child = in[1];
    *from_child = out[0];
    return pid;
}

static int try_connect(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int rc = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
    close(fd);
    return rc;
}

struct bench_server {
    pid_t pid;
    int port;
    char *dir;                /* removed after the process, or NULL */
    struct bench_server *companions; /* stopped after it, in order */
    struct bench_server *next;       /* in its owner's companions */
};

int bench_server_spawn(char *const argv[], const char *log_path, int port,
                       const char *name, struct bench_server **out)
{
    struct bench_server *s = calloc(1, sizeof(*s));
    if (s == NULL)
        return -1;
    s->pid = bench_spawn(argv, log_path);
    s->port = port;
    if (s->pid < 0 || bench_wait_port(port, s->pid, 10000) != 0) {
        fprintf(stderr, "rtm-bench: %s did not start, see %s\n", name, log_path);
        bench_stop(s->pid);
        free(s);
        return -1;
    }
    *out = s;
    return 0;
}

void bench_server_stop(struct bench_server *s)
{
    if (s == NULL)
        return;
    bench_stop(s->pid);
    while (s->companions != NULL) {
        struct bench_server *c = s->companions;
        s->companions = c->next;
        bench_server_stop(c);
    }
    if (s->dir != NULL && bench_remove_tree(s->dir) != 0)
        fprintf(stderr, "rtm-bench: could not remove %s\n", s->dir);
    free(s->dir);
    free(s);
}

pid_t bench_server_pid(const struct bench_server *s)
{
    return s->pid;
}

int bench_server_port(const struct bench_server *s)
{
    return s->port;
}

void bench_server_attach(struct bench_server *s, struct bench_server *companion)
{
    struct bench_server **last = &s->companions;
    while (*last != NULL)
        last = &(*last)->next;
    *last = companion;
}

int bench_server_own_dir(struct bench_server *s, const char *dir)
{
    char *copy = strdup(dir);
    if (copy == NULL)
        return -1;
    free(s->dir);
    s->dir = copy;
    return 0;
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st;
    (void)type;
    (void)ftw;
    return remove(path) != 0 && errno != ENOENT ? -1 : 0;
}

int bench_remove_tree(const char *path)
{
    /* Depth first (a directory after what it holds), not following links. */
    if (nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS) == 0)
        return 0;
    return errno == ENOENT ? 0 : -1;
}

int bench_wait_port(int port, pid_t pid, int timeout_ms)
{
    int64_t deadline = bench_now_ns() + (int64_t)timeout_ms * 1000000;
    for (;;) {
        if (try_connect(port) == 0)
            return 0;
        int status;
        if (pid > 0 && waitpid(pid, &status, WNOHANG) == pid) {
            fprintf(stderr, "rtm-bench: server (pid %d) exited before it listened\n",
                    (int)pid);
            return -1;
        }
        if (bench_now_ns() > deadline) {
            fprintf(stderr, "rtm-bench: nothing listens on port %d after %d ms\n",
                    port, timeout_ms);
            return -1;
        }
        bench_sleep_ms(10);
    }
}

void bench_stop(pid_t pid)
{
    if (pid <= 0)
        return;
    kill(pid, SIGTERM);
    for (int i = 0; i < 500; i++) {
        if (waitpid(pid, NULL, WNOHANG) == pid)
            return;
        bench_sleep_ms(10);
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
}

/* The first port of the kernel's ephemeral range, 32768 by default. */
static int ephemeral_low(void)
{
    FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "re");
    int lo = 32768, hi;
    if (f != NULL) {
        if (fscanf(f, "%d %d", &lo, &hi) != 2)
            lo = 32768;
        fclose(f);
    }
    return lo;
}

/* Whether 127.0.0.1:port can be bound now. */
static bool port_free(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return false;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool ok = bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
    close(fd);
    return ok;
}

/*
 * A random port below the ephemeral range, so that the kernel cannot hand
 * it to an outgoing connection or another port-0 bind (the idle scenario
 * and the tests running beside it open thousands of connections) between
 * now and the moment the server binds it.
 */
int bench_free_port(void)
{
    int hi = ephemeral_low() - 1, lo = hi / 2;
    if (lo < 1024)
        lo = 1024;
    for (int tries = 0; tries < 200 && hi > lo; tries++) {
        unsigned r;
        if (getrandom(&r, sizeof(r), 0) != sizeof(r))
            r = (unsigned)bench_now_ns();
        int port = lo + (int)(r % (unsigned)(hi - lo + 1));
        if (port_free(port))
            return port;
    }
    fprintf(stderr, "rtm-bench: no free port below %d\n", hi + 1);
    return -1;
}

/* The value of a "Name:   value" line of /proc/PID/status, or -1. */
static long status_field(pid_t pid, const char *name)
{
    char path[64];
    if (pid == 0)
        snprintf(path, sizeof(path), "/proc/self/status");
    else
        snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "re");
    if (f == NULL)
        return -1;
    char line[256];
    size_t n = strlen(name);
    long value = -1;
    while (fgets(line, sizeof(line), f) != NULL) {
        if (strncmp(line, name, n) == 0 && line[n] == ':') {
            value = strtol(line + n + 1, NULL, 10);
            break;
        }
    }
    fclose(f);
    return value;
}

int64_t bench_rss(pid_t pid)
{
    long kb = status_field(pid, "VmRSS");
    return kb < 0 ? -1 : (int64_t)kb * 1024;
}

int bench_threads(pid_t pid)
{
    return (int)status_field(pid, "Threads");
}

int64_t bench_cpu_ns(pid_t pid)
{
    char path[64];
    if (pid == 0)
        snprintf(path, sizeof(path), "/proc/self/stat");
    else
        snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "re");
    if (f == NULL)
        return -1;
    char buf[1024];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    /* The name (field 2) may hold spaces; fields resume after its ')'. */
    char *p = strrchr(buf, ')');
    if (p == NULL)
        return -1;
    unsigned long utime = 0, stime = 0;
    /* Fields 3..13, then utime (14) and stime (15). */
    if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
               &utime, &stime) != 2)
        return -1;
    long hz = sysconf(_SC_CLK_TCK);
    return (int64_t)(utime + stime) * (1000000000 / hz);
}

long bench_raise_nofile(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return -1;
    if (rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    return (long)rl.rlim_cur;
}
