/* redis_conn.c: a connection to Redis with deadlines and reconnection
 * (redis_conn.h). */
#include "redis_conn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <hiredis/adapters/libevent.h>

#include "log.h"

/* A command waiting for its answer, in the order sent. */
typedef struct pending {
    struct pending *next;
    rtmd_redis *r;
    rtmd_redis_reply_fn fn;
    void *arg;
    uint64_t deadline_us;    /* CLOCK_MONOTONIC */
    bool done;               /* its callback ran (timeout): hiredis's is a no-op */
} pending;

struct rtmd_redis {
    struct event_base *base;
    rtmd_redis_config cfg;
    char *address;
    char *name;              /* cfg.name's copy, or NULL */
    char host[256];
    int port;                /* 0: unix socket at host */
    redisAsyncContext *ac;   /* NULL while down */
    bool up;                 /* connected */
    pending *head, *tail;    /* waiting, in order */
    struct event *deadline;  /* the oldest waiting command's */
    struct event *retry;     /* the next connection attempt */
    uint32_t backoff_ms;
    uint64_t up_since_us;    /* when the connection came up (CLOCK_MONOTONIC) */
    bool answered;           /* this connection answered a command */
    bool dropped;            /* ... and was dropped at a deadline */
    bool freeing;
    /* Commands that could not be sent, failed DOWN from an event of their
     * own once those sent before them are answered (in order). */
    pending *failed_head, *failed_tail;
    struct event *fail_ev;
};

static uint64_t redis_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void redis_connect(rtmd_redis *r);
static void redis_on_setname(rtmd_redis *r, const redisReply *reply, int err, void *arg);
static void redis_send(rtmd_redis *r, int argc, const char **argv, const size_t *argvlen,
                       rtmd_redis_reply_fn fn, void *arg);
static void redis_fail_cb(evutil_socket_t fd, short what, void *arg);

static void redis_changed(rtmd_redis *r, bool up)
{
    if (r->up == up)
        return;
    r->up = up;
    rtmd_log(up ? RTMD_LOG_INFO : RTMD_LOG_WARN, "redis %s: %s", r->address,
             up ? "connected" : "connection lost");
    if (r->cfg.changed)
        r->cfg.changed(r, up, r->cfg.arg);
}

static void redis_arm_deadline(rtmd_redis *r)
{
    pending *p = r->head;
    while (p && p->done)
        p = p->next;
    if (!p) {
        evtimer_del(r->deadline);
        return;
    }
    uint64_t now = redis_now_us(), wait = p->deadline_us > now ? p->deadline_us - now : 0;
    struct timeval left = { (time_t)(wait / 1000000u), (suseconds_t)(wait % 1000000u) };
    evtimer_add(r->deadline, &left);
}

/* Unlinks p, the head (Redis answers in order). */
static void redis_unlink(rtmd_redis *r, pending *p)
{
    for (pending **pp = &r->head; *pp; pp = &(*pp)->next)
        if (*pp == p) {
            *pp = p->next;
            if (r->tail == p) {
                r->tail = NULL;
                for (pending *q = r->head; q; q = q->next)
                    r->tail = q;
            }
            return;
        }
}

/* hiredis's callback for a command: its reply, or NULL when the
 * connection went (or is being freed). Exactly once per command. */
static void redis_on_reply(redisAsyncContext *ac, void *reply, void *privdata)
{
    pending *p = privdata;
    rtmd_redis *r = p->r;
    (void)ac;
    redis_unlink(r, p);
    /* A Redis that answers (more than the name, which a Redis whose
     * writes are paused answers too): the backoff starts over. */
    if (reply && p->fn != redis_on_setname) {
        r->answered = true;
        r->backoff_ms = 0;
    }
    if (!p->done)
        p->fn(r, reply, reply ? RTMD_REDIS_OK : RTMD_REDIS_DOWN, p->arg);
    free(p);
    if (!r->freeing)
        redis_arm_deadline(r);
}

/* The next connection attempt: at once (a connection that had worked was
 * lost: Redis restarted, or a CLIENT KILL), else after the backoff, which
 * doubles until a connection answers. */
static void redis_schedule_retry(rtmd_redis *r, bool at_once)
{
    if (r->freeing)
        return;
    uint32_t ms = 0;
    if (!at_once) {
        ms = r->backoff_ms ? r->backoff_ms : r->cfg.backoff_min_ms;
        r->backoff_ms = ms * 2 > r->cfg.backoff_max_ms ? r->cfg.backoff_max_ms : ms * 2;
    }
    struct timeval tv = { (time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000 };
    evtimer_add(r->retry, &tv);
}

static void redis_on_setname(rtmd_redis *r, const redisReply *reply, int err, void *arg)
{
    (void)arg;
    if (err == RTMD_REDIS_OK && reply->type == REDIS_REPLY_ERROR)
        rtmd_log(RTMD_LOG_WARN, "redis %s: CLIENT SETNAME %s: %s", r->address, r->name,
                 reply->str);
}

static void redis_on_connect(const redisAsyncContext *ac, int status)
{
    rtmd_redis *r = ac->data;
    if (status != REDIS_OK) {
        rtmd_log(RTMD_LOG_WARN, "redis %s: cannot connect: %s", r->address, ac->errstr);
        r->ac = NULL; /* hiredis frees it */
        redis_schedule_retry(r, false);
        return;
    }
    r->up_since_us = redis_now_us();
    r->answered = r->dropped = false;
    if (r->name) {
        const char *argv[] = { "CLIENT", "SETNAME", r->name };
        size_t len[] = { 6, 7, strlen(r->name) };
        redis_send(r, 3, argv, len, redis_on_setname, NULL);
    }
    redis_changed(r, true);
}

static void redis_on_disconnect(const redisAsyncContext *ac, int status)
{
    rtmd_redis *r = ac->data;
    (void)status;
    r->ac = NULL; /* hiredis frees it, having failed what waited */
    redis_changed(r, false);
    /* At once only after a connection that worked: not after a silent
     * Redis's (a deadline), and at most once per backoff_min_ms for a Redis
     * that closes each connection it takes (maxclients). */
    redis_schedule_retry(r, r->answered && !r->dropped &&
                                redis_now_us() - r->up_since_us >=
                                    (uint64_t)r->cfg.backoff_min_ms * 1000u);
}

static void redis_retry_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    redis_connect(arg);
}

/* The oldest command waited past its deadline: every one waiting fails
 * TIMEOUT, and the connection goes (a late answer would be misread). */
static void redis_deadline_cb(evutil_socket_t fd, short what, void *arg)
{
    rtmd_redis *r = arg;
    (void)fd;
    (void)what;
    rtmd_log(RTMD_LOG_WARN, "redis %s: no answer within %u ms: dropping the connection",
             r->address, r->cfg.timeout_ms);
    r->dropped = true;
    for (pending *p = r->head; p; p = p->next)
        if (!p->done) {
            p->done = true;
            p->fn(r, NULL, RTMD_REDIS_TIMEOUT, p->arg);
        }
    if (r->ac) {
        redisAsyncContext *ac = r->ac;
        r->ac = NULL;
        redisAsyncFree(ac); /* runs redis_on_reply (NULL) for each, then onDisconnect */
    }
}

static void redis_connect(rtmd_redis *r)
{
    redisAsyncContext *ac = r->port ? redisAsyncConnect(r->host, r->port)
                                    : redisAsyncConnectUnix(r->host);
    if (!ac || ac->err) {
        rtmd_log(RTMD_LOG_WARN, "redis %s: cannot connect: %s", r->address,
                 ac ? ac->errstr : "out of memory");
        if (ac)
            redisAsyncFree(ac);
        redis_schedule_retry(r, false);
        return;
    }
    ac->data = r;
    if (redisLibeventAttach(ac, r->base) != REDIS_OK) {
        redisAsyncFree(ac);
        redis_schedule_retry(r, false);
        return;
    }
    redisAsyncSetConnectCallback(ac, redis_on_connect);
    redisAsyncSetDisconnectCallback(ac, redis_on_disconnect);
    r->ac = ac;
}

rtmd_redis *rtmd_redis_new(struct event_base *base, const rtmd_redis_config *cfg)
{
    rtmd_redis *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->base = base;
    r->cfg = *cfg;
    if (!r->cfg.timeout_ms)
        r->cfg.timeout_ms = 1000;
    if (!r->cfg.backoff_min_ms)
        r->cfg.backoff_min_ms = 100;
    if (r->cfg.backoff_max_ms < r->cfg.backoff_min_ms)
        r->cfg.backoff_max_ms = r->cfg.backoff_min_ms;
    const char *a = cfg->address ? cfg->address : "";
    if (strncmp(a, "unix:", 5) == 0 && a[5]) {
        snprintf(r->host, sizeof r->host, "%s", a + 5);
    } else {
        const char *colon = strrchr(a, ':');
        char *end = NULL;
        long port = colon ? strtol(colon + 1, &end, 10) : 0;
        if (!colon || colon == a || !end || *end || port <= 0 || port > 65535 ||
            (size_t)(colon - a) >= sizeof r->host) {
            free(r);
            return NULL;
        }
        snprintf(r->host, sizeof r->host, "%.*s", (int)(colon - a), a);
        r->port = (int)port;
    }
    r->address = strdup(a);
    r->cfg.name = NULL;
    if (cfg->name && !(r->name = strdup(cfg->name))) {
        rtmd_redis_free(r);
        return NULL;
    }
    r->deadline = evtimer_new(base, redis_deadline_cb, r);
    r->retry = evtimer_new(base, redis_retry_cb, r);
    r->fail_ev = event_new(base, -1, 0, redis_fail_cb, r);
    if (!r->address || !r->deadline || !r->retry || !r->fail_ev) {
        rtmd_redis_free(r);
        return NULL;
    }
    redis_connect(r);
    return r;
}

bool rtmd_redis_up(const rtmd_redis *r)
{
    return r->up && r->ac;
}

/* The commands that could not be sent, failed DOWN in order. */
static void redis_fail_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    rtmd_redis *r = arg;
    while (r->failed_head) {
        pending *p = r->failed_head;
        r->failed_head = p->next;
        if (!r->failed_head)
            r->failed_tail = NULL;
        p->fn(r, NULL, RTMD_REDIS_DOWN, p->arg);
        free(p);
    }
}

/* A command that cannot be sent fails DOWN: at once when nothing sent or
 * failed before it is still to be answered, else after those (a callback
 * that sends while the connection's waiting commands are being failed
 * must not overtake them). */
static void redis_fail_now_or_later(rtmd_redis *r, pending *p, rtmd_redis_reply_fn fn,
                                    void *arg)
{
    if (!r->head && !r->failed_head) {
        free(p);
        fn(r, NULL, RTMD_REDIS_DOWN, arg);
        return;
    }
    if (!p && !(p = calloc(1, sizeof *p))) {
        fn(r, NULL, RTMD_REDIS_DOWN, arg); /* out of memory: at once */
        return;
    }
    p->r = r;
    p->fn = fn;
    p->arg = arg;
    p->next = NULL;
    if (r->failed_tail)
        r->failed_tail->next = p;
    else
        r->failed_head = p;
    r->failed_tail = p;
    event_active(r->fail_ev, EV_TIMEOUT, 1);
}

/* Sends a command on the connection, whether or not it is up yet (the
 * first of a new connection is sent before it is said to be up). */
static void redis_send(rtmd_redis *r, int argc, const char **argv, const size_t *argvlen,
                       rtmd_redis_reply_fn fn, void *arg)
{
    pending *p = calloc(1, sizeof *p);
    if (!p || !r->ac || r->failed_head) {
        redis_fail_now_or_later(r, p, fn, arg);
        return;
    }
    p->r = r;
    p->fn = fn;
    p->arg = arg;
    p->deadline_us = redis_now_us() + (uint64_t)r->cfg.timeout_ms * 1000u;
    if (redisAsyncCommandArgv(r->ac, redis_on_reply, p, argc, argv, argvlen) != REDIS_OK) {
        redis_fail_now_or_later(r, p, fn, arg);
        return;
    }
    if (r->tail)
        r->tail->next = p;
    else
        r->head = p;
    r->tail = p;
    if (!evtimer_pending(r->deadline, NULL))
        redis_arm_deadline(r);
}

void rtmd_redis_command(rtmd_redis *r, int argc, const char **argv, const size_t *argvlen,
                        rtmd_redis_reply_fn fn, void *arg)
{
    if (!r->up) {
        redis_fail_now_or_later(r, NULL, fn, arg);
        return;
    }
    redis_send(r, argc, argv, argvlen, fn, arg);
}

void rtmd_redis_free(rtmd_redis *r)
{
    if (!r)
        return;
    r->freeing = true;
    if (r->ac) {
        redisAsyncContext *ac = r->ac;
        r->ac = NULL;
        redisAsyncFree(ac); /* the waiting commands get RTMD_REDIS_DOWN */
    }
    redis_fail_cb(-1, 0, r); /* what waited to fail, in order, after the sent */
    if (r->deadline)
        event_free(r->deadline);
    if (r->retry)
        event_free(r->retry);
    if (r->fail_ev)
        event_free(r->fail_ev);
    free(r->address);
    free(r->name);
    free(r);
}
