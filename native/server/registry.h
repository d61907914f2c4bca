/*
 * registry.h: the sessions this rtmd node holds, by (app id, user id).
 *
 * A session here is the node's own object (rtmd_session, session.h): the
 * link it is bound to, its timers (grace, presence, token), its request
 * rates. What the system knows of the user (that it has a session, its
 * queues, attributes, channels, subscriptions) is the store's, keyed by the
 * same (app id, user id) and never by this object.
 */
#ifndef RTMD_REGISTRY_H
#define RTMD_REGISTRY_H

#include <stddef.h>

#include "map.h"

struct rtmd_session;

typedef struct {
    rtmd_map map; /* "app\x1fuser" -> rtmd_session */
} rtmd_registry;

typedef void (*rtmd_registry_fn)(struct rtmd_session *s, void *closure);

/* The session of user of app on this node, or NULL. */
struct rtmd_session *rtmd_registry_find(const rtmd_registry *r, const char *app,
                                        const char *user);
/* Adds s under (s->app_id, s->user_id), which must be free. 0, or -1 when
 * out of memory. */
int rtmd_registry_add(rtmd_registry *r, struct rtmd_session *s);
/* Removes s (nothing when it is not the one registered). */
void rtmd_registry_remove(rtmd_registry *r, struct rtmd_session *s);
size_t rtmd_registry_count(const rtmd_registry *r);
/* Calls fn for every session; fn must not add or remove sessions. */
void rtmd_registry_foreach(const rtmd_registry *r, rtmd_registry_fn fn, void *closure);
/* Frees the table, not the sessions. */
void rtmd_registry_free(rtmd_registry *r);

#endif
