/*
 * events_bench.c: rtm-events-bench, the C half of the Java events benchmark
 * (java/bench/EventsBench.java, `make bench-java`). Not a test.
 *
 *   rtm-events-bench send SERVER FROM TO COUNT WINDOW INTERVAL_US
 *       logs in as FROM and sends COUNT peer messages to TO, at most WINDOW
 *       unanswered at a time, one every INTERVAL_US microseconds (0: as fast
 *       as the window allows). Each text is "SEQ SENT_NS", SENT_NS being
 *       CLOCK_MONOTONIC in nanoseconds just before rtm_send_peer_message
 *       (the clock of Java's System.nanoTime on Linux). Prints one line:
 *       "sent N failed F ms T".
 *   rtm-events-bench recv SERVER USER COUNT TIMEOUT_MS
 *       logs in as USER, prints "ready", and receives peer messages in a C
 *       callback until COUNT arrived: the same measure as the Java
 *       listener of EventsBench, printed as one line
 *       "received N seconds S rate R lat_median_us M lat_p99_us P order_errors E".
 *
 * Exit code 0, or 1 when something failed (login, timeout), with a message.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rtm/rtm.h"

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* ------------------------------------------------------------------ */
/* A client and a result to wait for                                   */

typedef struct bench {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int login_code;           /* -1 until the login result */
    /* send */
    long outstanding;
    long failed;
    long answered;
    /* recv */
    long want;
    long received;
    long order_errors;
    long last_seq;
    int64_t first_ns, last_ns;
    int64_t *lat_ns;          /* want entries */
} bench;

static void on_login(rtm_client *c, int code, void *closure)
{
    bench *b = closure;
    pthread_mutex_lock(&b->lock);
    b->login_code = code;
    pthread_cond_broadcast(&b->cond);
    pthread_mutex_unlock(&b->lock);
}

static void on_sent(rtm_client *c, int code, void *closure)
{
    bench *b = closure;
    pthread_mutex_lock(&b->lock);
    b->outstanding--;
    b->answered++;
    if (code != 0)
        b->failed++;
    pthread_cond_broadcast(&b->cond);
    pthread_mutex_unlock(&b->lock);
}

/* The C callback measured: what EventsBench's Java listener does too (parse
 * the text, take the time, keep the latency, count). */
static void on_message(rtm_client *c, const rtm_message *m, const char *peer,
                       void *closure)
{
    int64_t t = now_ns();
    bench *b = closure;
    if (m->type != RTM_MESSAGE_TYPE_TEXT || m->text == NULL)
        return;
    long seq = 0;
    long long sent = 0;
    if (sscanf(m->text, "%ld %lld", &seq, &sent) != 2)
        return;
    pthread_mutex_lock(&b->lock);
    if (b->received < b->want) {
        if (b->received == 0)
            b->first_ns = t;
        b->last_ns = t;
        b->lat_ns[b->received] = t - sent;
        if (seq != b->last_seq + 1)
            b->order_errors++;
        b->last_seq = seq;
        b->received++;
        if (b->received == b->want)
            pthread_cond_broadcast(&b->cond);
    }
    pthread_mutex_unlock(&b->lock);
}

static rtm_client *start(bench *b, const char *server, const char *user)
{
    pthread_mutex_init(&b->lock, NULL);
    pthread_cond_init(&b->cond, NULL);
    b->login_code = -1;
    char params[256];
    snprintf(params, sizeof(params), "{\"rtm.server\":\"%s\"}", server);
    rtm_config cfg;
    rtm_config_init(&cfg);
    rtm_client_callbacks cbs;
    rtm_client_callbacks_init(&cbs);
    cfg.app_id = "events-bench";
    cfg.parameters = params;
    cbs.on_message_received = on_message;
    cfg.closure = b;
    rtm_client *c = NULL;
    cfg.callbacks = &cbs;
    if (rtm_client_create(&cfg, &c) != RTM_OK) {
        fprintf(stderr, "rtm-events-bench: cannot create a client for %s\n", server);
        return NULL;
    }
    rtm_login(c, NULL, user, on_login, b);
    pthread_mutex_lock(&b->lock);
    while (b->login_code < 0)
        pthread_cond_wait(&b->cond, &b->lock);
    int code = b->login_code;
    pthread_mutex_unlock(&b->lock);
    if (code != 0) {
        fprintf(stderr, "rtm-events-bench: login of %s failed: %s\n", user,
                rtm_code_name(RTM_FAMILY_LOGIN_ERR, code));
        rtm_client_destroy(c);
        return NULL;
    }
    return c;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static void sleep_until(int64_t t)
{
    struct timespec ts = {(time_t)(t / 1000000000), (long)(t % 1000000000)};
    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
}

static int do_send(const char *server, const char *from, const char *to,
                   long count, long window, long interval_us)
{
    bench b;
    memset(&b, 0, sizeof(b));
    rtm_client *c = start(&b, server, from);
    if (c == NULL)
        return 1;
    int64_t t0 = now_ns();
    for (long i = 1; i <= count; i++) {
        if (interval_us > 0)
            sleep_until(t0 + (int64_t)(i - 1) * interval_us * 1000);
        pthread_mutex_lock(&b.lock);
        while (b.outstanding >= window)
            pthread_cond_wait(&b.cond, &b.lock);
        b.outstanding++;
        pthread_mutex_unlock(&b.lock);
        char text[64];
        snprintf(text, sizeof(text), "%ld %lld", i, (long long)now_ns());
        rtm_message m = {0};
        m.type = RTM_MESSAGE_TYPE_TEXT;
        m.text = text;
        rtm_send_peer_message(c, to, &m, on_sent, &b);
    }
    pthread_mutex_lock(&b.lock);
    while (b.answered < count)
        pthread_cond_wait(&b.cond, &b.lock);
    long failed = b.failed;
    pthread_mutex_unlock(&b.lock);
    printf("sent %ld failed %ld ms %.1f\n", count, failed,
           (double)(now_ns() - t0) / 1e6);
    fflush(stdout);
    rtm_client_destroy(c);
    return failed == 0 ? 0 : 1;
}

static int do_recv(const char *server, const char *user, long count,
                   long timeout_ms)
{
    bench b;
    memset(&b, 0, sizeof(b));
    b.want = count;
    b.lat_ns = calloc((size_t)count, sizeof(int64_t));
    if (b.lat_ns == NULL)
        return 1;
    rtm_client *c = start(&b, server, user);
    if (c == NULL)
        return 1;
    printf("ready\n");
    fflush(stdout);
    int64_t deadline = now_ns() + (int64_t)timeout_ms * 1000000;
    pthread_mutex_lock(&b.lock);
    while (b.received < b.want) {
        /* Polled (1 ms) rather than a timed wait: the measure is taken in
         * the callback, so the waiter's wake-up is not part of it. */
        pthread_mutex_unlock(&b.lock);
        struct timespec tick = {0, 1000000};
        nanosleep(&tick, NULL);
        pthread_mutex_lock(&b.lock);
        if (now_ns() > deadline)
            break;
    }
    long got = b.received;
    pthread_mutex_unlock(&b.lock);
    rtm_client_destroy(c); /* no callback runs after this */
    if (got < count) {
        fprintf(stderr, "rtm-events-bench: %ld of %ld messages in %ld ms\n",
                got, count, timeout_ms);
        return 1;
    }
    double secs = (double)(b.last_ns - b.first_ns) / 1e9;
    qsort(b.lat_ns, (size_t)count, sizeof(int64_t), cmp_i64);
    printf("received %ld seconds %.6f rate %.1f lat_median_us %.1f "
           "lat_p99_us %.1f order_errors %ld\n",
           count, secs, secs > 0 ? (double)(count - 1) / secs : 0.0,
           (double)b.lat_ns[count / 2] / 1e3,
           (double)b.lat_ns[(count * 99) / 100] / 1e3, b.order_errors);
    free(b.lat_ns);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 8 && strcmp(argv[1], "send") == 0)
        return do_send(argv[2], argv[3], argv[4], atol(argv[5]), atol(argv[6]),
                       atol(argv[7]));
    if (argc == 6 && strcmp(argv[1], "recv") == 0)
        return do_recv(argv[2], argv[3], atol(argv[4]), atol(argv[5]));
    fprintf(stderr,
            "usage: rtm-events-bench send SERVER FROM TO COUNT WINDOW INTERVAL_US\n"
            "       rtm-events-bench recv SERVER USER COUNT TIMEOUT_MS\n");
    return 2;
}
