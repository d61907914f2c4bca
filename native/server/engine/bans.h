/*
 * bans.h: a table of bans, the in-memory store's (store_mem.c).
 *
 * A ban is keyed by (app id, user id) and lasts until a deadline, or until
 * it is lifted; the times are the caller's (the store passes wall-clock ms,
 * so that a ban means the same after a restart). While it lasts, the user's
 * logins are refused with LOGIN_ERR_REJECTED (session.c). Expired bans are
 * forgotten lazily: when they are looked up or listed.
 */
#ifndef RTMD_BANS_H
#define RTMD_BANS_H

#include <stdbool.h>
#include <stdint.h>

#include "map.h"

typedef struct {
    rtmd_map map; /* "app\x1fuser" -> rtmd_ban (owned) */
} rtmd_bans;

/* Called for each ban: until_ms is its monotonic deadline, 0 for none. */
typedef void (*rtmd_ban_fn)(const char *app, const char *user, uint64_t until_ms,
                            void *closure);

/* Bans user of app until until_ms (monotonic ms; 0: until lifted), replacing
 * an earlier ban. 0, or -1 when out of memory. */
int rtmd_bans_add(rtmd_bans *b, const char *app, const char *user, uint64_t until_ms);
/* Lifts a ban; false when there was none (or it had expired by now_ms). */
bool rtmd_bans_remove(rtmd_bans *b, const char *app, const char *user, uint64_t now_ms);
/* Whether user of app is banned at now_ms. */
bool rtmd_bans_active(rtmd_bans *b, const char *app, const char *user, uint64_t now_ms);
/* Forgets the bans expired at now_ms, then calls fn for every other one
 * (in no particular order). */
void rtmd_bans_foreach(rtmd_bans *b, uint64_t now_ms, rtmd_ban_fn fn, void *closure);
void rtmd_bans_free(rtmd_bans *b);

#endif
