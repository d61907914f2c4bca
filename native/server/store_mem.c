/*
 * store_mem.c: the in-memory store, for one rtmd node.
 *
 * Two maps keyed by "<app id>\x1f<id>" (app ids never hold control
 * characters, see session.c): users, to a mem_user (the session, its
 * unacknowledged deliveries and its channels), and channels, to a
 * mem_channel (its members and its message seq).
 */
#include "store.h"

#include <stdlib.h>
#include <string.h>

#include "map.h"
#include "session.h"

#define RTMD__KEY_SEP '\x1f'

/* Set members map to this marker. */
static char rtmd__present;

typedef struct {
    uint64_t seq;
    uint8_t *frame;
    size_t len;
} mem_unacked;

typedef struct {
    rtmd_session *s;
    mem_unacked *ring; /* circular, cap entries */
    size_t cap, head, count;
    rtmd_map channels; /* channel name -> &rtmd__present */
} mem_user;

typedef struct {
    uint64_t seq;
    rtmd_map members; /* user id -> &rtmd__present */
} mem_channel;

typedef struct {
    rtmd_store base;
    rtmd_map users;
    rtmd_map channels;
} mem_store;

void rtmd_strv_free(rtmd_strv *v)
{
    for (size_t i = 0; i < v->count; i++)
        free(v->items[i]);
    free(v->items);
    v->items = NULL;
    v->count = 0;
}

/* "<app>\x1f<id>" in buf, or NULL when it does not fit (ids are bounded
 * long before, so this only guards). */
static const char *mem_key(char *buf, size_t size, const char *app, const char *id)
{
    size_t a = strlen(app), b = strlen(id);
    if (a + b + 2 > size)
        return NULL;
    memcpy(buf, app, a);
    buf[a] = RTMD__KEY_SEP;
    memcpy(buf + a + 1, id, b + 1);
    return buf;
}

#define MEM_KEY_MAX 512

static mem_store *mem_of(rtmd_store *st)
{
    return (mem_store *)st;
}

static mem_user *mem_user_find(mem_store *m, const char *app, const char *user)
{
    char buf[MEM_KEY_MAX];
    const char *key = mem_key(buf, sizeof buf, app, user);
    return key ? rtmd_map_get(&m->users, key) : NULL;
}

static mem_user *mem_user_of(mem_store *m, rtmd_session *s)
{
    mem_user *u = mem_user_find(m, s->app_id, s->user_id);
    return u && u->s == s ? u : NULL;
}

static mem_channel *mem_channel_find(mem_store *m, const char *app, const char *ch)
{
    char buf[MEM_KEY_MAX];
    const char *key = mem_key(buf, sizeof buf, app, ch);
    return key ? rtmd_map_get(&m->channels, key) : NULL;
}

static void mem_unacked_clear(mem_user *u)
{
    for (size_t i = 0; i < u->count; i++)
        free(u->ring[(u->head + i) % u->cap].frame);
    u->head = 0;
    u->count = 0;
}

/* Removes user from channel ch, freeing the channel when it empties. */
static void mem_channel_drop(mem_store *m, const char *app, const char *ch,
                             const char *user)
{
    char buf[MEM_KEY_MAX];
    const char *key = mem_key(buf, sizeof buf, app, ch);
    mem_channel *c = key ? rtmd_map_get(&m->channels, key) : NULL;
    if (!c)
        return;
    rtmd_map_del(&c->members, user);
    if (c->members.count == 0) {
        rtmd_map_del(&m->channels, key);
        rtmd_map_clear(&c->members);
        free(c);
    }
}

static void mem_user_free(mem_store *m, mem_user *u)
{
    size_t it;
    for (rtmd_map_entry *e = rtmd_map_first(&u->channels, &it); e;
         e = rtmd_map_next(&u->channels, e, &it))
        mem_channel_drop(m, u->s->app_id, e->key, u->s->user_id);
    rtmd_map_clear(&u->channels);
    mem_unacked_clear(u);
    free(u->ring);
    free(u);
}

static void mem_destroy(rtmd_store *st)
{
    mem_store *m = mem_of(st);
    size_t it;
    /* Channels first: mem_user_free would look them up one by one. */
    for (rtmd_map_entry *e = rtmd_map_first(&m->channels, &it); e;
         e = rtmd_map_next(&m->channels, e, &it)) {
        mem_channel *c = e->value;
        rtmd_map_clear(&c->members);
        free(c);
    }
    rtmd_map_clear(&m->channels);
    for (rtmd_map_entry *e = rtmd_map_first(&m->users, &it); e;
         e = rtmd_map_next(&m->users, e, &it)) {
        mem_user *u = e->value;
        rtmd_map_clear(&u->channels);
        mem_unacked_clear(u);
        free(u->ring);
        free(u);
    }
    rtmd_map_clear(&m->users);
    free(m);
}

static rtmd_session *mem_session_find(rtmd_store *st, const char *app, const char *user)
{
    mem_user *u = mem_user_find(mem_of(st), app, user);
    return u ? u->s : NULL;
}

static rtmd_store_status mem_session_add(rtmd_store *st, rtmd_session *s)
{
    mem_store *m = mem_of(st);
    char buf[MEM_KEY_MAX];
    const char *key = mem_key(buf, sizeof buf, s->app_id, s->user_id);
    if (!key)
        return RTMD_STORE_LIMIT;
    if (rtmd_map_get(&m->users, key))
        return RTMD_STORE_EXISTS;
    mem_user *u = calloc(1, sizeof *u);
    if (!u)
        return RTMD_STORE_NOMEM;
    u->s = s;
    if (rtmd_map_put(&m->users, key, u) != 0) {
        free(u);
        return RTMD_STORE_NOMEM;
    }
    return RTMD_STORE_OK;
}

static void mem_session_remove(rtmd_store *st, rtmd_session *s)
{
    mem_store *m = mem_of(st);
    mem_user *u = mem_user_of(m, s);
    if (!u)
        return;
    char buf[MEM_KEY_MAX];
    rtmd_map_del(&m->users, mem_key(buf, sizeof buf, s->app_id, s->user_id));
    mem_user_free(m, u);
}

static size_t mem_session_count(rtmd_store *st)
{
    return mem_of(st)->users.count;
}

static void mem_session_foreach(rtmd_store *st, rtmd_session_fn fn, void *closure)
{
    mem_store *m = mem_of(st);
    size_t it;
    for (rtmd_map_entry *e = rtmd_map_first(&m->users, &it); e;
         e = rtmd_map_next(&m->users, e, &it))
        fn(((mem_user *)e->value)->s, closure);
}

static rtmd_store_status mem_unacked_push(rtmd_store *st, rtmd_session *s, uint64_t seq,
                                          const uint8_t *frame, size_t len, size_t max)
{
    mem_user *u = mem_user_of(mem_of(st), s);
    if (!u)
        return RTMD_STORE_ABSENT;
    if (max == 0)
        return RTMD_STORE_LIMIT;
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy)
        return RTMD_STORE_NOMEM;
    memcpy(copy, frame, len);
    rtmd_store_status st_ = RTMD_STORE_OK;
    if (u->count >= max) {
        /* Full: drop the oldest. */
        free(u->ring[u->head].frame);
        u->head = (u->head + 1) % u->cap;
        u->count--;
        st_ = RTMD_STORE_LIMIT;
    }
    if (u->count == u->cap) {
        size_t cap = u->cap ? u->cap * 2 : 16;
        if (cap > max)
            cap = max;
        mem_unacked *ring = malloc(cap * sizeof *ring);
        if (!ring) {
            free(copy);
            return RTMD_STORE_NOMEM;
        }
        for (size_t i = 0; i < u->count; i++)
            ring[i] = u->ring[(u->head + i) % u->cap];
        free(u->ring);
        u->ring = ring;
        u->cap = cap;
        u->head = 0;
    }
    mem_unacked *slot = &u->ring[(u->head + u->count) % u->cap];
    slot->seq = seq;
    slot->frame = copy;
    slot->len = len;
    u->count++;
    return st_;
}

static void mem_unacked_ack(rtmd_store *st, rtmd_session *s, uint64_t seq)
{
    mem_user *u = mem_user_of(mem_of(st), s);
    if (!u)
        return;
    while (u->count && u->ring[u->head].seq <= seq) {
        free(u->ring[u->head].frame);
        u->head = (u->head + 1) % u->cap;
        u->count--;
    }
}

static size_t mem_unacked_count(rtmd_store *st, rtmd_session *s)
{
    mem_user *u = mem_user_of(mem_of(st), s);
    return u ? u->count : 0;
}

static void mem_unacked_clear_op(rtmd_store *st, rtmd_session *s)
{
    mem_user *u = mem_user_of(mem_of(st), s);
    if (u)
        mem_unacked_clear(u);
}

static rtmd_store_status mem_channel_join(rtmd_store *st, rtmd_session *s,
                                          const char *ch, size_t max_per_user)
{
    mem_store *m = mem_of(st);
    mem_user *u = mem_user_of(m, s);
    if (!u)
        return RTMD_STORE_ABSENT;
    if (rtmd_map_get(&u->channels, ch))
        return RTMD_STORE_EXISTS;
    if (u->channels.count >= max_per_user)
        return RTMD_STORE_LIMIT;
    char buf[MEM_KEY_MAX];
    const char *key = mem_key(buf, sizeof buf, s->app_id, ch);
    if (!key)
        return RTMD_STORE_LIMIT;
    mem_channel *c = rtmd_map_get(&m->channels, key);
    bool fresh = false;
    if (!c) {
        c = calloc(1, sizeof *c);
        if (!c || rtmd_map_put(&m->channels, key, c) != 0) {
            free(c);
            return RTMD_STORE_NOMEM;
        }
        fresh = true;
    }
    if (rtmd_map_put(&c->members, s->user_id, &rtmd__present) != 0)
        goto nomem;
    if (rtmd_map_put(&u->channels, ch, &rtmd__present) != 0) {
        rtmd_map_del(&c->members, s->user_id);
        goto nomem;
    }
    return RTMD_STORE_OK;
nomem:
    if (fresh) {
        rtmd_map_del(&m->channels, key);
        rtmd_map_clear(&c->members);
        free(c);
    }
    return RTMD_STORE_NOMEM;
}

static rtmd_store_status mem_channel_leave(rtmd_store *st, rtmd_session *s, const char *ch)
{
    mem_store *m = mem_of(st);
    mem_user *u = mem_user_of(m, s);
    if (!u || !rtmd_map_del(&u->channels, ch))
        return RTMD_STORE_ABSENT;
    mem_channel_drop(m, s->app_id, ch, s->user_id);
    return RTMD_STORE_OK;
}

static bool mem_channel_has(rtmd_store *st, rtmd_session *s, const char *ch)
{
    mem_user *u = mem_user_of(mem_of(st), s);
    return u && rtmd_map_get(&u->channels, ch) != NULL;
}

static int mem_strcmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Copies the keys of set into out, sorted. */
static rtmd_store_status mem_keys(const rtmd_map *set, rtmd_strv *out)
{
    out->items = NULL;
    out->count = 0;
    if (set->count == 0)
        return RTMD_STORE_OK;
    out->items = calloc(set->count, sizeof *out->items);
    if (!out->items)
        return RTMD_STORE_NOMEM;
    size_t it;
    for (rtmd_map_entry *e = rtmd_map_first(set, &it); e; e = rtmd_map_next(set, e, &it)) {
        out->items[out->count] = strdup(e->key);
        if (!out->items[out->count]) {
            rtmd_strv_free(out);
            return RTMD_STORE_NOMEM;
        }
        out->count++;
    }
    qsort(out->items, out->count, sizeof *out->items, mem_strcmp);
    return RTMD_STORE_OK;
}

static rtmd_store_status mem_channel_members(rtmd_store *st, const char *app,
                                             const char *ch, rtmd_strv *out)
{
    mem_channel *c = mem_channel_find(mem_of(st), app, ch);
    if (!c) {
        out->items = NULL;
        out->count = 0;
        return RTMD_STORE_ABSENT;
    }
    return mem_keys(&c->members, out);
}

static rtmd_store_status mem_session_channels(rtmd_store *st, rtmd_session *s,
                                              rtmd_strv *out)
{
    mem_user *u = mem_user_of(mem_of(st), s);
    if (!u) {
        out->items = NULL;
        out->count = 0;
        return RTMD_STORE_ABSENT;
    }
    return mem_keys(&u->channels, out);
}

static uint64_t mem_channel_next_seq(rtmd_store *st, const char *app, const char *ch)
{
    mem_channel *c = mem_channel_find(mem_of(st), app, ch);
    return c ? ++c->seq : 0;
}

static const rtmd_store_ops mem_ops = {
    .destroy = mem_destroy,
    .session_find = mem_session_find,
    .session_add = mem_session_add,
    .session_remove = mem_session_remove,
    .session_count = mem_session_count,
    .session_foreach = mem_session_foreach,
    .unacked_push = mem_unacked_push,
    .unacked_ack = mem_unacked_ack,
    .unacked_count = mem_unacked_count,
    .unacked_clear = mem_unacked_clear_op,
    .channel_join = mem_channel_join,
    .channel_leave = mem_channel_leave,
    .channel_has = mem_channel_has,
    .channel_members = mem_channel_members,
    .session_channels = mem_session_channels,
    .channel_next_seq = mem_channel_next_seq,
};

rtmd_store *rtmd_store_mem_new(void)
{
    mem_store *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->base.ops = &mem_ops;
    return &m->base;
}
