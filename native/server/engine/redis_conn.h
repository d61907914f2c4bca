/*
 * redis_conn.h: one connection from rtmd to Redis, on the loop thread,
 * through hiredis's asynchronous API and its libevent adapter (issue 16:
 * the engine of several nodes stands on it), with what hiredis 0.14 lacks:
 *
 *   - a deadline for every command: Redis answers in order, so when the
 *     oldest command waits past its deadline, every command waiting gets
 *     RTMD_REDIS_TIMEOUT and the connection is dropped (an answer that came
 *     later would be taken for another command's);
 *   - reconnection, for ever: at once when a connection that had answered
 *     and lasted backoff_min_ms is lost (not at a deadline), else after a
 *     backoff that doubles from backoff_min_ms to backoff_max_ms until a
 *     connection answers; while down, a command fails at once with
 *     RTMD_REDIS_DOWN.
 *
 * Every callback runs on the loop thread; each command's callback runs
 * exactly once (also from rtmd_redis_free, with RTMD_REDIS_DOWN).
 */
#ifndef RTMD_REDIS_CONN_H
#define RTMD_REDIS_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct event_base;
struct redisReply;

typedef struct rtmd_redis rtmd_redis;

enum {
    RTMD_REDIS_OK = 0,
    RTMD_REDIS_TIMEOUT = 1, /* no answer within the deadline */
    RTMD_REDIS_DOWN = 2     /* no connection, or it was lost before the answer */
};

/* A command's answer: reply (borrowed for the call) when err is OK. An
 * error reply of Redis's (-ERR ...) is a reply, with err OK. */
typedef void (*rtmd_redis_reply_fn)(rtmd_redis *r, const struct redisReply *reply, int err,
                                    void *arg);

typedef struct {
    const char *address;     /* "unix:PATH" or "HOST:PORT" */
    uint32_t timeout_ms;     /* each command's deadline */
    uint32_t backoff_min_ms; /* the first wait before a reconnection */
    uint32_t backoff_max_ms;
    /* The connection came up (true) or went down (false); may be NULL. */
    void (*changed)(rtmd_redis *r, bool up, void *arg);
    void *arg;
    /* Given to Redis (CLIENT SETNAME) before anything else each time the
     * connection comes up, so CLIENT LIST says whose it is; may be NULL.
     * Redis allows no spaces in it. */
    const char *name;
} rtmd_redis_config;

/* Starts connecting. NULL for an address of no known form, or out of
 * memory. The config is copied. */
rtmd_redis *rtmd_redis_new(struct event_base *base, const rtmd_redis_config *cfg);
/* Sends a command (argv as RESP bulk strings). Its callback comes once. */
void rtmd_redis_command(rtmd_redis *r, int argc, const char **argv, const size_t *argvlen,
                        rtmd_redis_reply_fn fn, void *arg);
bool rtmd_redis_up(const rtmd_redis *r);
/* Ends the connection: waiting commands get RTMD_REDIS_DOWN. */
void rtmd_redis_free(rtmd_redis *r);

#endif
