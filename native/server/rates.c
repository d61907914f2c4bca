/* rates.c: the rate buckets of users and source addresses on this node. */
#include "rates.h"

#include <stdlib.h>

#include "auth.h"

/* An app id (RTMD_APP_ID_MAX), a user id (64 bytes), the separator, NUL. */
#define RATES_KEY_MAX (RTMD_APP_ID_MAX + 64 + 2)

/* The entry of key in m, made (size zeroed bytes) when it has none; NULL
 * when out of memory. */
static void *rates_entry(rtmd_map *m, const char *key, size_t size)
{
    void *v = rtmd_map_get(m, key);
    if (!v) {
        v = calloc(1, size);
        if (!v || rtmd_map_put(m, key, v) != 0) {
            free(v);
            return NULL;
        }
    }
    return v;
}

rtmd_user_rates *rtmd_rates_hold(rtmd_rates *r, const char *app, const char *user)
{
    char buf[RATES_KEY_MAX];
    const char *key = rtmd_map_key2(buf, sizeof buf, app, user);
    rtmd_user_rates *u = key ? rates_entry(&r->users, key, sizeof *u) : NULL;
    if (u)
        u->refs++;
    return u;
}

void rtmd_rates_release(rtmd_user_rates *u)
{
    if (u && u->refs > 0)
        u->refs--;
}

bool rtmd_rates_take_address(rtmd_rates *r, rtmd_rate rate, const char *host, uint64_t now_us)
{
    if (rate.count == 0)
        return true;
    rtmd_bucket *b = rates_entry(&r->addresses, host, sizeof *b);
    return !b || rtmd_bucket_take(b, rate, now_us);
}

static bool rates_user_idle(rtmd_user_rates *u, const rtmd_rate *rates, uint64_t now_us)
{
    if (u->refs > 0)
        return false;
    for (int k = 0; k < RTMD_RATE_COUNT; k++)
        if (!rtmd_bucket_idle(&u->buckets[k], now_us))
            return false;
    return rtmd_recent_joins_idle(&u->recent_joins, rates[RTMD_RATE_JOIN_SAME], now_us / 1000u);
}

void rtmd_rates_sweep(rtmd_rates *r, const rtmd_rate *rates, uint64_t now_us)
{
    size_t it;
    /* Removing the entry just stepped past is allowed (map.h). */
    for (rtmd_map_entry *e = rtmd_map_first(&r->users, &it), *next; e; e = next) {
        next = rtmd_map_next(&r->users, e, &it);
        rtmd_user_rates *u = e->value;
        if (rates_user_idle(u, rates, now_us)) {
            rtmd_recent_joins_free(&u->recent_joins);
            free(rtmd_map_del(&r->users, e->key));
        }
    }
    for (rtmd_map_entry *e = rtmd_map_first(&r->addresses, &it), *next; e; e = next) {
        next = rtmd_map_next(&r->addresses, e, &it);
        if (rtmd_bucket_idle(e->value, now_us))
            free(rtmd_map_del(&r->addresses, e->key));
    }
}

size_t rtmd_rates_users(const rtmd_rates *r)
{
    return r->users.count;
}

size_t rtmd_rates_addresses(const rtmd_rates *r)
{
    return r->addresses.count;
}

void rtmd_rates_free(rtmd_rates *r)
{
    size_t it;
    for (rtmd_map_entry *e = rtmd_map_first(&r->users, &it); e;
         e = rtmd_map_next(&r->users, e, &it)) {
        rtmd_user_rates *u = e->value;
        rtmd_recent_joins_free(&u->recent_joins);
        free(u);
    }
    for (rtmd_map_entry *e = rtmd_map_first(&r->addresses, &it); e;
         e = rtmd_map_next(&r->addresses, e, &it))
        free(e->value);
    rtmd_map_clear(&r->users);
    rtmd_map_clear(&r->addresses);
}
