/*
 * rates.h: where the request rates of this node are counted
 * (docs/SERVER.md, "Limits").
 *
 * A user's rates (ratelimit.h) are kept by (app id, user id), never by
 * session or link: logging in again, from the same instance or another,
 * starts from the buckets the user already had. Logins are also counted by
 * source address (RTMD_RATE_LOGIN_ADDRESS), before the token is checked.
 *
 * An entry lives while a session holds it, and after that until its buckets
 * are idle; the offline sweep (server.c, once a minute) frees the idle ones,
 * so the table holds about the users of the last minute.
 */
#ifndef RTMD_RATES_H
#define RTMD_RATES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "map.h"
#include "ratelimit.h"

struct rtmd_server;

/* One user's buckets. */
typedef struct {
    unsigned refs;                     /* the sessions that hold it */
    rtmd_bucket buckets[RTMD_RATE_COUNT];
    rtmd_recent_joins recent_joins;    /* for RTMD_RATE_JOIN_SAME */
} rtmd_user_rates;

typedef struct {
    rtmd_map users;     /* "app\x1fuser" -> rtmd_user_rates */
    rtmd_map addresses; /* numeric source address -> rtmd_bucket (logins) */
} rtmd_rates;

/* The buckets of user of app, made when it has none, with one more
 * reference; NULL when out of memory. */
rtmd_user_rates *rtmd_rates_hold(rtmd_rates *r, const char *app, const char *user);
/* Drops a reference rtmd_rates_hold gave (NULL: nothing). */
void rtmd_rates_release(rtmd_user_rates *u);

/* Counts one login from host (a numeric address) at now_us; false when
 * the address is over rate. Out of memory, the login is let through. */
bool rtmd_rates_take_address(rtmd_rates *r, rtmd_rate rate, const char *host,
                             uint64_t now_us);

/* Frees the entries no session holds whose buckets are idle at now_us:
 * forgetting them changes no later answer. rates are the --rate values. */
void rtmd_rates_sweep(rtmd_rates *r, const rtmd_rate *rates, uint64_t now_us);
/* Entries held: users, addresses (for /metrics and tests). */
size_t rtmd_rates_users(const rtmd_rates *r);
size_t rtmd_rates_addresses(const rtmd_rates *r);
/* Frees everything (shutdown; no session may hold an entry after it). */
void rtmd_rates_free(rtmd_rates *r);

#endif
