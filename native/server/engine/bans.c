/* bans.c: the users banned through the admin API (bans.h). */
#include "bans.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BAN_KEY_MAX 512

typedef struct {
    uint64_t until_ms; /* 0: until lifted */
} rtmd_ban;

static bool ban_expired(const rtmd_ban *ban, uint64_t now_ms)
{
    return ban->until_ms != 0 && ban->until_ms <= now_ms;
}

int rtmd_bans_add(rtmd_bans *b, const char *app, const char *user, uint64_t until_ms)
{
    char buf[BAN_KEY_MAX];
    const char *key = rtmd_map_key2(buf, sizeof buf, app, user);
    if (!key)
        return -1;
    rtmd_ban *ban = rtmd_map_get(&b->map, key);
    if (ban) {
        ban->until_ms = until_ms;
        return 0;
    }
    ban = malloc(sizeof *ban);
    if (!ban)
        return -1;
    ban->until_ms = until_ms;
    if (rtmd_map_put(&b->map, key, ban) != 0) {
        free(ban);
        return -1;
    }
    return 0;
}

bool rtmd_bans_remove(rtmd_bans *b, const char *app, const char *user, uint64_t now_ms)
{
    char buf[BAN_KEY_MAX];
    const char *key = rtmd_map_key2(buf, sizeof buf, app, user);
    rtmd_ban *ban = key ? rtmd_map_del(&b->map, key) : NULL;
    bool was = ban && !ban_expired(ban, now_ms);
    free(ban);
    return was;
}

bool rtmd_bans_active(rtmd_bans *b, const char *app, const char *user, uint64_t now_ms)
{
    char buf[BAN_KEY_MAX];
    const char *key = rtmd_map_key2(buf, sizeof buf, app, user);
    rtmd_ban *ban = key ? rtmd_map_get(&b->map, key) : NULL;
    if (ban && ban_expired(ban, now_ms)) {
        free(rtmd_map_del(&b->map, key));
        ban = NULL;
    }
    return ban != NULL;
}

void rtmd_bans_foreach(rtmd_bans *b, uint64_t now_ms, rtmd_ban_fn fn, void *closure)
{
    size_t it;
    rtmd_map_entry *e = rtmd_map_first(&b->map, &it);
    while (e) {
        /* The map cannot lose an entry under its iterator: step first. */
        rtmd_map_entry *next = rtmd_map_next(&b->map, e, &it);
        rtmd_ban *ban = e->value;
        if (ban_expired(ban, now_ms)) {
            free(rtmd_map_del(&b->map, e->key));
        } else {
            char app[BAN_KEY_MAX];
            snprintf(app, sizeof app, "%s", e->key);
            char *sep = strchr(app, RTMD_MAP_KEY_SEP);
            *sep = '\0';
            fn(app, sep + 1, ban->until_ms, closure);
        }
        e = next;
    }
}

void rtmd_bans_free(rtmd_bans *b)
{
    size_t it;
    for (rtmd_map_entry *e = rtmd_map_first(&b->map, &it); e; e = rtmd_map_next(&b->map, e, &it))
        free(e->value);
    rtmd_map_clear(&b->map);
}
