/* registry.c: the sessions this node holds. */
#include "registry.h"

#include "auth.h"
#include "session.h"

/* An app id (RTMD_APP_ID_MAX), a user id (64 bytes), the separator, NUL. */
#define REGISTRY_KEY_MAX (RTMD_APP_ID_MAX + 64 + 2)

rtmd_session *rtmd_registry_find(const rtmd_registry *r, const char *app, const char *user)
{
    char buf[REGISTRY_KEY_MAX];
    const char *key = rtmd_map_key2(buf, sizeof buf, app, user);
    return key ? rtmd_map_get(&r->map, key) : NULL;
}

int rtmd_registry_add(rtmd_registry *r, rtmd_session *s)
{
    char buf[REGISTRY_KEY_MAX];
    const char *key = rtmd_map_key2(buf, sizeof buf, s->app_id, s->user_id);
    return key && rtmd_map_put(&r->map, key, s) == 0 ? 0 : -1;
}

void rtmd_registry_remove(rtmd_registry *r, rtmd_session *s)
{
    char buf[REGISTRY_KEY_MAX];
    const char *key = rtmd_map_key2(buf, sizeof buf, s->app_id, s->user_id);
    if (key && rtmd_map_get(&r->map, key) == s)
        rtmd_map_del(&r->map, key);
}

size_t rtmd_registry_count(const rtmd_registry *r)
{
    return r->map.count;
}

void rtmd_registry_foreach(const rtmd_registry *r, rtmd_registry_fn fn, void *closure)
{
    size_t it;
    for (rtmd_map_entry *e = rtmd_map_first(&r->map, &it); e;
         e = rtmd_map_next(&r->map, e, &it))
        fn(e->value, closure);
}

void rtmd_registry_free(rtmd_registry *r)
{
    rtmd_map_clear(&r->map);
}
