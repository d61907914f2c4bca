/*
 * ratelimit.h: the request rate limits (docs/SERVER.md, "Limits").
 *
 * Each limit is COUNT requests per PERIOD, enforced as a token bucket in
 * its GCRA form (one timestamp per limit): a burst of COUNT is let through,
 * and after it one request per PERIOD/COUNT. A refused request does not use
 * up anything. The buckets are kept per user and per source address
 * (rates.h), so that logging in again does not reset them.
 *
 * The same-channel join limit (2 joins of one channel per 5 s) needs the
 * times of the recent joins: a short list per user, pruned as it goes.
 */
#ifndef RTMD_RATELIMIT_H
#define RTMD_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A configured rate: count per period_ms; count 0: no limit. */
typedef struct {
    uint32_t count;
    uint32_t period_ms;
} rtmd_rate;

/* The limits a user is held to (SPEC and the reference's rate limits), and
 * the logins of one source address. */
typedef enum {
    RTMD_RATE_LOGIN,           /* logins of a user, counted once its token is good */
    RTMD_RATE_LOGIN_ADDRESS,   /* logins from one source address, any user */
    RTMD_RATE_RENEW_TOKEN,     /* RenewToken */
    RTMD_RATE_JOIN,            /* joins, any channel */
    RTMD_RATE_JOIN_SAME,       /* joins of one channel */
    RTMD_RATE_LEAVE,           /* leaves */
    RTMD_RATE_MESSAGES,        /* peer and channel messages together */
    RTMD_RATE_GET_MEMBERS,     /* GetMembers */
    RTMD_RATE_MEMBER_COUNT,    /* GetMemberCount */
    RTMD_RATE_ATTR_WRITES,     /* set/add/delete/clear of user and channel attributes */
    RTMD_RATE_ATTR_READS,      /* gets of user and channel attributes */
    RTMD_RATE_QUERY_PEERS,     /* presence queries (QueryPeers) */
    RTMD_RATE_SUBSCRIPTIONS,   /* (un)subscribing to presence, and listing it */
    RTMD_RATE_COUNT
} rtmd_rate_kind;

/* The --rate name of a kind ("login", "join", "messages", ...). */
const char *rtmd_rate_name(rtmd_rate_kind kind);
/* The kind named name, or RTMD_RATE_COUNT. */
rtmd_rate_kind rtmd_rate_find(const char *name);
/* The default of a kind (the reference's documented value). */
rtmd_rate rtmd_rate_default(rtmd_rate_kind kind);

/* A token bucket: the theoretical arrival time of the next request, in
 * monotonic ns (0: idle). */
typedef struct {
    uint64_t tat_ns;
} rtmd_bucket;

/* Whether one more request is allowed at now_us (monotonic µs); if so, it
 * is counted. */
bool rtmd_bucket_take(rtmd_bucket *b, rtmd_rate rate, uint64_t now_us);
/* Gives back the last request rtmd_bucket_take let through, as if it had
 * not been made (one that turned out to be a re-send). */
void rtmd_bucket_give_back(rtmd_bucket *b, rtmd_rate rate);
/* Whether b at now_us is as a new bucket would be (so it can be forgotten). */
bool rtmd_bucket_idle(const rtmd_bucket *b, uint64_t now_us);

/* The recent joins of a user, for RTMD_RATE_JOIN_SAME. */
typedef struct {
    struct rtmd_recent_join *items;
    size_t count, cap;
} rtmd_recent_joins;

/* Whether joining channel at now_ms stays within rate (fewer than
 * rate.count joins of it in the last rate.period_ms). Does not count it. */
bool rtmd_recent_joins_allow(rtmd_recent_joins *r, rtmd_rate rate, const char *channel,
                             uint64_t now_ms);
/* Counts a join of channel at now_ms. 0, or -1 when out of memory (the
 * join is then not counted). */
int rtmd_recent_joins_add(rtmd_recent_joins *r, rtmd_rate rate, const char *channel,
                          uint64_t now_ms);
/* Whether r holds no join that still counts at now_ms. */
bool rtmd_recent_joins_idle(rtmd_recent_joins *r, rtmd_rate rate, uint64_t now_ms);
void rtmd_recent_joins_free(rtmd_recent_joins *r);

#endif
