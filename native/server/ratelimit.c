/* ratelimit.c: token buckets and the recent joins of a user. */
#include "ratelimit.h"

#include <stdlib.h>
#include <string.h>

#include "hash.h"

static const struct {
    const char *name;
    rtmd_rate rate;
} limits_kinds[RTMD_RATE_COUNT] = {
    /* The reference's documented rates (java-api-1x.md, "Limits"). Login:
     * its 2 a second in the long run, with a burst of 10 for a user's
     * several devices at once (the library holds each client to 2 a
     * second, SPEC A2). */
    [RTMD_RATE_LOGIN] = { "login", { 10, 5000 } },
    [RTMD_RATE_RENEW_TOKEN] = { "renew-token", { 2, 1000 } },
    [RTMD_RATE_JOIN] = { "join", { 50, 3000 } },
    [RTMD_RATE_JOIN_SAME] = { "join-same-channel", { 2, 5000 } },
    [RTMD_RATE_MESSAGES] = { "messages", { 1500, 3000 } },
    [RTMD_RATE_ATTR_WRITES] = { "attribute-writes", { 100, 5000 } },
    [RTMD_RATE_ATTR_READS] = { "attribute-reads", { 400, 5000 } },
    [RTMD_RATE_QUERY_PEERS] = { "query-peers", { 100, 5000 } },
    /* Ours, where the reference documents none. A burst of 1000 logins from
     * one address (a NAT's users back after an outage: --max-conns-per-ip
     * is 1024), then 100 a second. */
    [RTMD_RATE_LOGIN_ADDRESS] = { "login-per-address", { 1000, 10000 } },
    /* As many leaves as joins. */
    [RTMD_RATE_LEAVE] = { "leave", { 50, 3000 } },
    /* A member list costs ~0.25 µs per member (0.74 ms for 3,000): 10 a
     * second keep a user under 1 % of the loop. */
    [RTMD_RATE_GET_MEMBERS] = { "get-members", { 50, 5000 } },
    [RTMD_RATE_MEMBER_COUNT] = { "member-count", { 50, 5000 } },
    /* As presence queries. */
    [RTMD_RATE_SUBSCRIPTIONS] = { "subscriptions", { 100, 5000 } },
};

const char *rtmd_rate_name(rtmd_rate_kind kind)
{
    return kind < RTMD_RATE_COUNT ? limits_kinds[kind].name : "?";
}

rtmd_rate_kind rtmd_rate_find(const char *name)
{
    for (int k = 0; k < RTMD_RATE_COUNT; k++)
        if (strcmp(limits_kinds[k].name, name) == 0)
            return (rtmd_rate_kind)k;
    return RTMD_RATE_COUNT;
}

rtmd_rate rtmd_rate_default(rtmd_rate_kind kind)
{
    return kind < RTMD_RATE_COUNT ? limits_kinds[kind].rate : (rtmd_rate){ 0, 1000 };
}

/* GCRA: each request moves the theoretical arrival time (TAT) on by the
 * emission interval T = period/count; a request is allowed while the TAT is
 * at most period - T ahead of now, which lets a burst of count through.
 * Kept in ns: with COUNT at most 10^6 and a period of at least 1 ms, T is
 * never 0. The interval T: */
static uint64_t bucket_step(rtmd_rate rate)
{
    uint64_t t = (uint64_t)rate.period_ms * 1000000u / rate.count;
    return t ? t : 1;
}

bool rtmd_bucket_take(rtmd_bucket *b, rtmd_rate rate, uint64_t now_us)
{
    if (rate.count == 0)
        return true;
    uint64_t now = now_us * 1000u;
    uint64_t period = (uint64_t)rate.period_ms * 1000000u;
    uint64_t t = bucket_step(rate);
    uint64_t tat = b->tat_ns > now ? b->tat_ns : now;
    if (tat - now > period - t)
        return false;
    b->tat_ns = tat + t;
    return true;
}

void rtmd_bucket_give_back(rtmd_bucket *b, rtmd_rate rate)
{
    if (rate.count == 0)
        return;
    uint64_t t = bucket_step(rate);
    b->tat_ns = b->tat_ns > t ? b->tat_ns - t : 0;
}

bool rtmd_bucket_idle(const rtmd_bucket *b, uint64_t now_us)
{
    return b->tat_ns <= now_us * 1000u;
}

/* ---- recent joins ------------------------------------------------------- */

/* Joins kept at most: beyond it the oldest is forgotten. The join rate keeps
 * a session far below it; this only bounds a server run without one. */
#define RECENT_JOINS_MAX 1024u

struct rtmd_recent_join {
    uint64_t hash; /* of the channel id (hash.h: keyed, so not chosen to collide) */
    uint64_t at_ms;
};

/* Forgets the joins older than the period (the list is in time order). */
static void recent_prune(rtmd_recent_joins *r, rtmd_rate rate, uint64_t now_ms)
{
    size_t old = 0;
    while (old < r->count && r->items[old].at_ms + rate.period_ms <= now_ms)
        old++;
    if (old == 0)
        return;
    r->count -= old;
    memmove(r->items, r->items + old, r->count * sizeof *r->items);
    if (r->count == 0) {
        free(r->items);
        r->items = NULL;
        r->cap = 0;
    }
}

bool rtmd_recent_joins_allow(rtmd_recent_joins *r, rtmd_rate rate, const char *channel,
                             uint64_t now_ms)
{
    if (rate.count == 0)
        return true;
    recent_prune(r, rate, now_ms);
    uint64_t h = rtmd_hash_str(channel);
    uint32_t n = 0;
    for (size_t i = 0; i < r->count; i++)
        if (r->items[i].hash == h)
            n++;
    return n < rate.count;
}

int rtmd_recent_joins_add(rtmd_recent_joins *r, rtmd_rate rate, const char *channel,
                          uint64_t now_ms)
{
    if (rate.count == 0)
        return 0;
    recent_prune(r, rate, now_ms);
    if (r->count == RECENT_JOINS_MAX) {
        r->count--;
        memmove(r->items, r->items + 1, r->count * sizeof *r->items);
    }
    if (r->count == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 4;
        struct rtmd_recent_join *items = realloc(r->items, cap * sizeof *items);
        if (!items)
            return -1;
        r->items = items;
        r->cap = cap;
    }
    r->items[r->count].hash = rtmd_hash_str(channel);
    r->items[r->count].at_ms = now_ms;
    r->count++;
    return 0;
}

bool rtmd_recent_joins_idle(rtmd_recent_joins *r, rtmd_rate rate, uint64_t now_ms)
{
    recent_prune(r, rate, now_ms);
    return r->count == 0;
}

void rtmd_recent_joins_free(rtmd_recent_joins *r)
{
    free(r->items);
    r->items = NULL;
    r->count = r->cap = 0;
}
