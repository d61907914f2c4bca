/*
 * engine_redis.h: the engine over Redis (issue 16), shared by every rtmd
 * node that names the same Redis. What the system keeps lives in Redis,
 * and each operation of engine.h is one Redis Function of redis_lib.lua,
 * run by Redis alone and whole (docs/CLUSTER.md has the layout). The node
 * keeps nothing of it between two operations.
 *
 * An operation submitted while the connection is down, or whose answer does
 * not come within timeout_ms, completes with its kind's failure code and
 * the flag RTMD_ENG_UNAVAILABLE: inside submit while down, else when the
 * deadline passes. One that timed out may still have taken effect; the
 * send_seq of a client's retry makes that safe (SPEC B1).
 */
#ifndef RTMD_ENGINE_REDIS_H
#define RTMD_ENGINE_REDIS_H

#include <stdbool.h>
#include <stdint.h>

#include "engine.h"

struct event_base;

/* What another node's operation left for a session of this node (its
 * inbox, redis_inbox.h): the frame to send, a PeerDeliver for the session
 * session_id of (app, user) or a ChannelDeliver for the members listed
 * (this node's members of the channel) but the sender; or that the session
 * session_id of (app, user) is another node's now: its client went there
 * (MOVED), or another instance logged in there (KICKED, S16). */
typedef struct {
    enum {
        RTMD_ROUTE_PEER,
        RTMD_ROUTE_CHANNEL,
        RTMD_ROUTE_EVENT, /* the frame to the members listed but `from` (an
                           * event another node sent: RTMD_ENG_SEND_TO) */
        RTMD_ROUTE_MOVED,
        RTMD_ROUTE_KICKED,
        RTMD_ROUTE_BANNED, /* the session is to be kicked (BANNED_BY_SERVER) and
                            * ended here: RTMD_ENG_KICK, the admin API */
        RTMD_ROUTE_MEDIA_EXPIRED, /* the bytes of media_id, an upload this
                                   * node took, are to go (another node's
                                   * sweep) */
        RTMD_ROUTE_GAP /* items of the inbox went missing (its cap): what they
                        * carried is in their sessions' queues and history,
                        * which a resume replays (no other field) */
    } kind;
    const char *app, *user, *from, *media_id;
    uint64_t session_id;
    const rtmd_strv *members;
    const uint8_t *frame;
    size_t len;
} rtmd_engine_route;

typedef struct {
    const char *address;     /* "unix:PATH" or "HOST:PORT"; read by _new only */
    uint32_t db;             /* the database (SELECT), 0 by default */
    const char *node;        /* this node's id (copied): 1-64 of [A-Za-z0-9._-] */
    uint32_t timeout_ms;     /* an operation's deadline */
    uint32_t backoff_min_ms; /* reconnection (redis_conn.h) */
    uint32_t backoff_max_ms;
    /* The engine can run operations (true: the library is loaded and the
     * layout is this rtmd's) or no longer can (false); may be NULL. */
    void (*ready)(bool ready, void *arg);
    /* An item of the node's inbox, in the order the operations that left
     * them ran in Redis, after the answers of every operation this node
     * had submitted before it came. May be NULL. */
    void (*route)(const rtmd_engine_route *r, void *arg);
    void *arg;
} rtmd_engine_redis_config;

/* Starts connecting; operations fail until it is ready. NULL for an address
 * of no known form, or out of memory. */
rtmd_engine *rtmd_engine_redis_new(struct event_base *base, const rtmd_engine_redis_config *cfg);
bool rtmd_engine_redis_ready(const rtmd_engine *e);

/* What the engine did (/metrics): operations answered by Redis and those
 * that failed (RTMD_ENG_UNAVAILABLE), the time from submit to completion of
 * the answered ones, and those waiting now. */
typedef struct {
    uint64_t ok, failed;
    uint64_t latency_us_total, latency_us_max;
    uint64_t in_flight;
    uint64_t routed;      /* inbox items handled */
    uint64_t route_gaps;  /* inbox items found missing (the stream's cap) */
} rtmd_engine_redis_stats;

void rtmd_engine_redis_stats_get(const rtmd_engine *e, rtmd_engine_redis_stats *out);

#endif
