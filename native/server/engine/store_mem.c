/*
 * store_mem.c: the in-memory store, for one rtmd node.
 *
 * Maps keyed by "<app id>\x1f<id>" (app ids never hold control
 * characters, see session.c): users, to a mem_user (a user's session: its
 * unacknowledged deliveries, its send answers, its attributes and its
 * channels), and channels, to a mem_channel (its members, its message seq
 * and its recent messages); offline, to a mem_offline (the messages
 * kept for a user who is away, SPEC A6); followers, to a rtmd_map of the
 * users that follow that user's presence (SPEC A8), the reverse of each
 * mem_user's subs; and chattrs, to the rtmd_attrv of a channel's attributes
 * (kept apart from channels, which are forgotten once empty and out of
 * the replay window).
 *
 * What it holds of each rtmd_usage kind is counted as it changes, in the
 * real bytes of cost.h: each record that holds such entries points at the
 * store's counters (usage).
 */
#include "store.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "bans.h"
#include "cost.h"
#include "map.h"

/* Set members map to this marker. */
static char rtmd__present;

typedef struct {
    uint64_t seq;
    uint8_t *frame;
    size_t len;
} mem_unacked;

/* A send answer: slot send_seq % RTMD_SENT_RING. */
typedef struct {
    uint64_t seq;
    int32_t code;
} mem_sent;

typedef struct {
    char *app, *user;  /* its key, split */
    size_t *usage;     /* the store's counters */
    mem_unacked *ring; /* circular, cap entries */
    size_t cap, head, count;
    uint32_t dropped;  /* unacked entries dropped since unacked_take_dropped */
    uint64_t sent_max; /* highest send_seq recorded */
    mem_sent *sent;    /* RTMD_SENT_RING slots, allocated on the first send_seq */
    rtmd_attrv attrs;  /* sorted by key */
    rtmd_map channels; /* channel name -> &rtmd__present */
    rtmd_map subs;     /* followed user id -> &rtmd__present */
    rtmd_session_meta meta;
} mem_user;

typedef struct {
    uint64_t seq;
    uint64_t at_ms;
    uint8_t *frame;
    size_t len;
} mem_hist;

typedef struct {
    size_t *usage;     /* the store's counters */
    uint64_t base, seq; /* channel_seqs */
    mem_hist *hist;    /* circular, hcap entries, oldest at hhead */
    size_t hcap, hhead, hcount;
    rtmd_map members;  /* user id -> &rtmd__present */
} mem_channel;

typedef struct {
    char *from;
    uint64_t at_ms;
    uint8_t *msg;
    size_t len;
    uint64_t session_id, seq; /* rtmd_offline_msg: 0 for a cached message */
} mem_off;

typedef struct {
    size_t *usage;     /* the store's counters */
    size_t own_cost;   /* of the queue itself and its map entry */
    mem_off *ring;     /* circular, cap entries, oldest at head */
    size_t cap, head, count;
    size_t ncached;    /* entries with session_id 0 (bounded by offline_push's max) */
    uint32_t dropped;  /* messages lost for the user since the queue began */
} mem_offline;

typedef struct {
    rtmd_store base;
    rtmd_map users;
    rtmd_map channels;
    rtmd_map offline;
    rtmd_map chattrs;  /* "<app>\x1f<channel>" -> rtmd_attrv *, sorted, not empty */
    rtmd_map chattrs_apps; /* app id -> its RTMD_USAGE_CHATTRS bytes (size_t *) */
    size_t usage[RTMD_USAGE_KINDS];
    rtmd_map followers; /* "<app>\x1f<user>" -> rtmd_map (follower user id -> present) */
    rtmd_bans bans;     /* wall-clock deadlines (bans.h) */
    rtmd_map media;     /* media id -> mem_media */
    uint64_t media_bytes;
} mem_store;

typedef struct {
    char *app;
    uint64_t size, at_ms;
} mem_media;

void rtmd_attrv_free(rtmd_attrv *v)
{
    for (size_t i = 0; i < v->count; i++) {
        free(v->items[i].key);
        free(v->items[i].value);
        free(v->items[i].by);
    }
    free(v->items);
    v->items = NULL;
    v->count = 0;
}

size_t rtmd_attrv_cost(const rtmd_attrv *v)
{
    if (v->count == 0)
        return 0;
    size_t c = rtmd_cost(v->count * sizeof *v->items);
    for (size_t i = 0; i < v->count; i++)
        c += rtmd_cost_str(v->items[i].key) + rtmd_cost_str(v->items[i].value) +
             rtmd_cost_str(v->items[i].by);
    return c;
}

size_t rtmd_chattrs_cost(const char *key, const rtmd_attrv *v)
{
    if (v->count == 0)
        return 0;
    return rtmd_attrv_cost(v) + rtmd_cost(sizeof *v) + rtmd_cost_map_entry(key);
}

const char *rtmd_usage_name(rtmd_usage kind)
{
    static const char *const names[RTMD_USAGE_KINDS] = {
        [RTMD_USAGE_OFFLINE] = "offline",       [RTMD_USAGE_UNACKED] = "unacked",
        [RTMD_USAGE_HISTORY] = "history",       [RTMD_USAGE_ATTRS] = "attributes",
        [RTMD_USAGE_CHATTRS] = "channel_attributes",
    };
    return kind < RTMD_USAGE_KINDS ? names[kind] : "?";
}

/* What a ring of cap slots of size bytes costs (nothing before its first). */
static size_t mem_ring_cost(size_t cap, size_t size)
{
    return cap ? rtmd_cost(cap * size) : 0;
}

void rtmd_banv_free(rtmd_banv *v)
{
    for (size_t i = 0; i < v->count; i++) {
        free(v->items[i].app);
        free(v->items[i].user);
    }
    free(v->items);
    v->items = NULL;
    v->count = 0;
}

void rtmd_strv_free(rtmd_strv *v)
{
    for (size_t i = 0; i < v->count; i++)
        free(v->items[i]);
    free(v->items);
    v->items = NULL;
    v->count = 0;
}

#define MEM_KEY_MAX 512

static mem_store *mem_of(rtmd_store *st)
{
    return (mem_store *)st;
}

static mem_user *mem_user_find(mem_store *m, const char *app, const char *user)
{
    char buf[MEM_KEY_MAX];
    const char *key = rtmd_map_key2(buf, sizeof buf, app, user);
    return key ? rtmd_map_get(&m->users, key) : NULL;
}

static mem_user *mem_user_of(mem_store *m, rtmd_user u)
{
    return mem_user_find(m, u.app, u.user);
}

/* A mem_user's sets of ids that have a reverse index: its channels (the
 * channel's members) and its subscriptions (the followers of a user). */
#define MEM_CHANNELS offsetof(mem_user, channels)
#define MEM_SUBS offsetof(mem_user, subs)

/* Removes user from the reverse entry of id (of app). */
typedef void (*mem_drop_fn)(mem_store *m, const char *app, const char *id, const char *user);

/* The set at offset off of s's record, or NULL when s is not in the store. */
static rtmd_map *mem_user_set(rtmd_store *st, rtmd_user who, size_t off)
{
    mem_user *u = mem_user_of(mem_of(st), who);
    return u ? (rtmd_map *)((char *)u + off) : NULL;
}

/* The value of key in index, or a new zeroed one of size bytes put there
 * (*fresh then true); NULL when out of memory. */
static void *mem_get_or_new(rtmd_map *index, const char *key, size_t size, bool *fresh)
{
    void *v = rtmd_map_get(index, key);
    *fresh = false;
    if (v)
        return v;
    v = calloc(1, size);
    if (!v || rtmd_map_put(index, key, v) != 0) {
        free(v);
        return NULL;
    }
    *fresh = true;
    return v;
}

static mem_channel *mem_channel_find(mem_store *m, const char *app, const char *ch)
{
    char buf[MEM_KEY_MAX];
    const char *key = rtmd_map_key2(buf, sizeof buf, app, ch);
    return key ? rtmd_map_get(&m->channels, key) : NULL;
}

/* The channel keyed key, made when it is not there (*fresh then true). */
static mem_channel *mem_channel_of(mem_store *m, const char *key, bool *fresh)
{
    mem_channel *c = mem_get_or_new(&m->channels, key, sizeof *c, fresh);
    if (c && *fresh)
        c->usage = m->usage;
    return c;
}

static void mem_unacked_drop_oldest(mem_user *u)
{
    mem_unacked *e = &u->ring[u->head];
    u->usage[RTMD_USAGE_UNACKED] -= rtmd_cost_frame(e->len);
    free(e->frame);
    u->head = (u->head + 1) % u->cap;
    u->count--;
}

static void mem_unacked_clear(mem_user *u)
{
    while (u->count)
        mem_unacked_drop_oldest(u);
    u->head = 0;
}

static void mem_hist_drop_oldest(mem_channel *c)
{
    mem_hist *e = &c->hist[c->hhead];
    c->usage[RTMD_USAGE_HISTORY] -= rtmd_cost_frame(e->len);
    free(e->frame);
    c->hhead = (c->hhead + 1) % c->hcap;
    c->hcount--;
}

static void mem_channel_free(mem_channel *c)
{
    while (c->hcount)
        mem_hist_drop_oldest(c);
    if (c->usage)
        c->usage[RTMD_USAGE_HISTORY] -= mem_ring_cost(c->hcap, sizeof *c->hist);
    free(c->hist);
    rtmd_map_clear(&c->members);
    free(c);
}

static void mem_user_free_data(mem_user *u)
{
    rtmd_map_clear(&u->channels);
    rtmd_map_clear(&u->subs);
    if (u->usage) {
        mem_unacked_clear(u);
        u->usage[RTMD_USAGE_UNACKED] -= mem_ring_cost(u->cap, sizeof *u->ring);
        u->usage[RTMD_USAGE_ATTRS] -= rtmd_attrv_cost(&u->attrs);
    }
    free(u->ring);
    free(u->sent);
    rtmd_attrv_free(&u->attrs);
    free(u->app);
    free(u->user);
    free(u);
}

/* Removes user from channel ch, freeing the channel when it empties and
 * has no history. */
static void mem_channel_drop(mem_store *m, const char *app, const char *ch,
                             const char *user)
{
    char buf[MEM_KEY_MAX];
    const char *key = rtmd_map_key2(buf, sizeof buf, app, ch);
    mem_channel *c = key ? rtmd_map_get(&m->channels, key) : NULL;
    if (!c)
        return;
    rtmd_map_del(&c->members, user);
    if (c->members.count == 0 && c->hcount == 0) {
        rtmd_map_del(&m->channels, key);
        mem_channel_free(c);
    }
}

/* Removes follower from the followers of (app, user), forgetting the set
 * when it empties. */
static void mem_follower_drop(mem_store *m, const char *app, const char *user,
                              const char *follower)
{
    char buf[MEM_KEY_MAX];
    const char *key = rtmd_map_key2(buf, sizeof buf, app, user);
    rtmd_map *set = key ? rtmd_map_get(&m->followers, key) : NULL;
    if (!set)
        return;
    rtmd_map_del(set, follower);
    if (set->count == 0) {
        rtmd_map_del(&m->followers, key);
        rtmd_map_clear(set);
        free(set);
    }
}

/* Takes u out of the reverse entry of every id in set. */
static void mem_user_drop_all(mem_store *m, mem_user *u, rtmd_map *set, mem_drop_fn drop)
{
    size_t it;
    for (rtmd_map_entry *e = rtmd_map_first(set, &it); e; e = rtmd_map_next(set, e, &it))
        drop(m, u->app, e->key, u->user);
}

static void mem_user_free(mem_store *m, mem_user *u)
{
    mem_user_drop_all(m, u, &u->channels, mem_channel_drop);
    mem_user_drop_all(m, u, &u->subs, mem_follower_drop);
    mem_user_free_data(u);
}

/* Removes id from s's set at off and s from id's reverse entry: OK, or
 * ABSENT when it was not there. */
static rtmd_store_status mem_user_set_del(rtmd_store *st, rtmd_user u, size_t off,
                                          const char *id, mem_drop_fn drop)
{
    rtmd_map *set = mem_user_set(st, u, off);
    if (!set || !rtmd_map_del(set, id))
        return RTMD_STORE_ABSENT;
    drop(mem_of(st), u.app, id, u.user);
    return RTMD_STORE_OK;
}

static bool mem_user_set_has(rtmd_store *st, rtmd_user u, size_t off, const char *id)
{
    rtmd_map *set = mem_user_set(st, u, off);
    return set && rtmd_map_get(set, id) != NULL;
}

/* ---- offline messages (SPEC A6) ------------------------------------------ */

static void mem_off_free(mem_store *m, mem_offline *q, mem_off *o)
{
    m->usage[RTMD_USAGE_OFFLINE] -= rtmd_cost_offline(o->len, o->from);
    if (o->session_id == 0)
        q->ncached--;
    free(o->from);
    free(o->msg);
}

static void mem_off_drop_oldest(mem_store *m, mem_offline *q)
{
    mem_off_free(m, q, &q->ring[q->head]);
    q->head = (q->head + 1) % q->cap;
    q->count--;
}

/* Drops the oldest cached entry: the entries before it move up one slot. */
static void mem_off_drop_oldest_cached(mem_store *m, mem_offline *q)
{
    size_t k = 0;
    while (k < q->count && q->ring[(q->head + k) % q->cap].session_id != 0)
        k++;
    if (k == q->count)
        return;
    mem_off_free(m, q, &q->ring[(q->head + k) % q->cap]);
    for (; k > 0; k--)
        q->ring[(q->head + k) % q->cap] = q->ring[(q->head + k - 1) % q->cap];
    q->head = (q->head + 1) % q->cap;
    q->count--;
}

static void mem_offline_free(mem_store *m, mem_offline *q)
{
    while (q->count)
        mem_off_drop_oldest(m, q);
    m->usage[RTMD_USAGE_OFFLINE] -= mem_ring_cost(q->cap, sizeof *q->ring) + q->own_cost;
    free(q->ring);
    free(q);
}

static mem_offline *mem_offline_of(mem_store *m, const char *app, const char *user)
{
    char buf[MEM_KEY_MAX];
    const char *key = rtmd_map_key2(buf, sizeof buf, app, user);
    bool fresh;
    mem_offline *q = key ? mem_get_or_new(&m->offline, key, sizeof(mem_offline), &fresh) : NULL;
    if (q && fresh) {
        q->usage = m->usage;
        q->own_cost = rtmd_cost(sizeof *q) + rtmd_cost_map_entry(key);
        m->usage[RTMD_USAGE_OFFLINE] += q->own_cost;
    }
    return q;
}

static rtmd_store_status mem_offline_push(rtmd_store *st, const char *app, const char *user,
                                          const rtmd_offline_msg *in, size_t max)
{
    mem_store *m = mem_of(st);
    bool cached = in->session_id == 0;
    if (cached && max == 0)
        return RTMD_STORE_LIMIT;
    mem_offline *q = mem_offline_of(m, app, user);
    if (!q)
        return RTMD_STORE_NOMEM;
    mem_off o = { strdup(in->from), in->at_ms, malloc(in->len ? in->len : 1), in->len,
                  in->session_id, in->seq };
    if (!o.from || !o.msg) {
        free(o.from);
        free(o.msg);
        return RTMD_STORE_NOMEM; /* an empty new queue is kept: harmless */
    }
    memcpy(o.msg, in->msg, in->len);
    if (q->count == q->cap) {
        size_t cap = q->cap ? q->cap * 2 : 4;
        mem_off *ring = malloc(cap * sizeof *ring);
        if (!ring) {
            free(o.from);
            free(o.msg);
            return RTMD_STORE_NOMEM;
        }
        for (size_t i = 0; i < q->count; i++)
            ring[i] = q->ring[(q->head + i) % q->cap];
        m->usage[RTMD_USAGE_OFFLINE] += mem_ring_cost(cap, sizeof *ring) -
                                        mem_ring_cost(q->cap, sizeof *ring);
        free(q->ring);
        q->ring = ring;
        q->cap = cap;
        q->head = 0;
    }
    rtmd_store_status st_ = RTMD_STORE_OK;
    if (cached && q->ncached >= max) {
        mem_off_drop_oldest_cached(m, q);
        q->dropped++;
        st_ = RTMD_STORE_LIMIT;
    }
    q->ring[(q->head + q->count) % q->cap] = o;
    q->count++;
    if (cached)
        q->ncached++;
    m->usage[RTMD_USAGE_OFFLINE] += rtmd_cost_offline(o.len, o.from);
    return st_;
}

static rtmd_store_status mem_offline_dropped_add(rtmd_store *st, const char *app,
                                                 const char *user, uint32_t n)
{
    if (n == 0)
        return RTMD_STORE_OK;
    mem_offline *q = mem_offline_of(mem_of(st), app, user);
    if (!q)
        return RTMD_STORE_NOMEM;
    q->dropped += n;
    return RTMD_STORE_OK;
}

static uint32_t mem_offline_take(rtmd_store *st, const char *app, const char *user,
                                 uint64_t horizon_ms, rtmd_offline_fn fn, void *closure,
                                 uint32_t *expired)
{
    mem_store *m = mem_of(st);
    char buf[MEM_KEY_MAX];
    const char *key = rtmd_map_key2(buf, sizeof buf, app, user);
    mem_offline *q = key ? rtmd_map_del(&m->offline, key) : NULL;
    *expired = 0;
    if (!q)
        return 0;
    for (size_t i = 0; i < q->count; i++) {
        const mem_off *o = &q->ring[(q->head + i) % q->cap];
        rtmd_offline_msg msg = { o->from, o->at_ms, o->msg, o->len, o->session_id, o->seq };
        if (o->at_ms >= horizon_ms)
            fn(&msg, closure);
        else
            (*expired)++;
    }
    uint32_t dropped = q->dropped + *expired;
    mem_offline_free(m, q);
    return dropped;
}

static size_t mem_offline_expire(rtmd_store *st, uint64_t horizon_ms)
{
    mem_store *m = mem_of(st);
    size_t dropped = 0, it, nempty = 0;
    char **empty = NULL;
    for (rtmd_map_entry *e = rtmd_map_first(&m->offline, &it); e;
         e = rtmd_map_next(&m->offline, e, &it)) {
        mem_offline *q = e->value;
        while (q->count && q->ring[q->head].at_ms < horizon_ms) {
            mem_off_drop_oldest(m, q);
            q->dropped++;
            dropped++;
        }
        /* A queue that only counts drops stays: the user learns of them at
         * its next login (SPEC S9). */
        if (q->count == 0 && q->dropped == 0) {
            char **more = realloc(empty, (nempty + 1) * sizeof *more);
            if (!more)
                continue; /* forgotten at the next sweep */
            empty = more;
            empty[nempty++] = e->key;
        }
    }
    /* Removing while iterating is not allowed: collected above. */
    for (size_t i = 0; i < nempty; i++) {
        mem_offline *q = rtmd_map_del(&m->offline, empty[i]);
        mem_offline_free(m, q);
    }
    free(empty);
    return dropped;
}

static size_t mem_usage(rtmd_store *st, rtmd_usage kind, const char *app)
{
    mem_store *m = mem_of(st);
    if (kind >= RTMD_USAGE_KINDS)
        return 0;
    if (kind == RTMD_USAGE_CHATTRS && app) {
        const size_t *n = rtmd_map_get(&m->chattrs_apps, app);
        return n ? *n : 0;
    }
    return m->usage[kind];
}

static void mem_destroy(rtmd_store *st)
{
    mem_store *m = mem_of(st);
    size_t it;
    /* Channels first: mem_user_free would look them up one by one. */
    for (rtmd_map_entry *e = rtmd_map_first(&m->channels, &it); e;
         e = rtmd_map_next(&m->channels, e, &it))
        mem_channel_free(e->value);
    rtmd_map_clear(&m->channels);
    for (rtmd_map_entry *e = rtmd_map_first(&m->users, &it); e;
         e = rtmd_map_next(&m->users, e, &it))
        mem_user_free_data(e->value);
    rtmd_map_clear(&m->users);
    for (rtmd_map_entry *e = rtmd_map_first(&m->offline, &it); e;
         e = rtmd_map_next(&m->offline, e, &it))
        mem_offline_free(m, e->value);
    rtmd_map_clear(&m->offline);
    for (rtmd_map_entry *e = rtmd_map_first(&m->followers, &it); e;
         e = rtmd_map_next(&m->followers, e, &it)) {
        rtmd_map_clear(e->value);
        free(e->value);
    }
    rtmd_map_clear(&m->followers);
    for (rtmd_map_entry *e = rtmd_map_first(&m->chattrs, &it); e;
         e = rtmd_map_next(&m->chattrs, e, &it)) {
        rtmd_attrv_free(e->value);
        free(e->value);
    }
    rtmd_map_clear(&m->chattrs);
    for (rtmd_map_entry *e = rtmd_map_first(&m->chattrs_apps, &it); e;
         e = rtmd_map_next(&m->chattrs_apps, e, &it))
        free(e->value);
    rtmd_map_clear(&m->chattrs_apps);
    rtmd_bans_free(&m->bans);
    for (rtmd_map_entry *e = rtmd_map_first(&m->media, &it); e;
         e = rtmd_map_next(&m->media, e, &it)) {
        mem_media *md = e->value;
        free(md->app);
        free(md);
    }
    rtmd_map_clear(&m->media);
    free(m);
}

static rtmd_store_status mem_session_add(rtmd_store *st, rtmd_user who)
{
    mem_store *m = mem_of(st);
    char buf[MEM_KEY_MAX];
    const char *k = rtmd_map_key2(buf, sizeof buf, who.app, who.user);
    if (!k)
        return RTMD_STORE_LIMIT;
    if (rtmd_map_get(&m->users, k))
        return RTMD_STORE_EXISTS;
    mem_user *u = calloc(1, sizeof *u);
    if (!u)
        return RTMD_STORE_NOMEM;
    u->usage = m->usage;
    u->app = strdup(who.app);
    u->user = strdup(who.user);
    if (!u->app || !u->user || rtmd_map_put(&m->users, k, u) != 0) {
        mem_user_free_data(u);
        return RTMD_STORE_NOMEM;
    }
    return RTMD_STORE_OK;
}

static void mem_session_remove(rtmd_store *st, rtmd_user who)
{
    mem_store *m = mem_of(st);
    char buf[MEM_KEY_MAX];
    const char *k = rtmd_map_key2(buf, sizeof buf, who.app, who.user);
    mem_user *u = k ? rtmd_map_del(&m->users, k) : NULL;
    if (u)
        mem_user_free(m, u);
}

static bool mem_session_has(rtmd_store *st, rtmd_user who)
{
    return mem_user_of(mem_of(st), who) != NULL;
}

static size_t mem_session_count(rtmd_store *st)
{
    return mem_of(st)->users.count;
}

static rtmd_store_status mem_session_meta_put(rtmd_store *st, rtmd_user who,
                                              const rtmd_session_meta *meta)
{
    mem_user *u = mem_user_of(mem_of(st), who);
    if (!u)
        return RTMD_STORE_ABSENT;
    uint64_t peer_seq = u->meta.peer_seq;
    u->meta = *meta;
    if (u->meta.peer_seq < peer_seq)
        u->meta.peer_seq = peer_seq;
    return RTMD_STORE_OK;
}

static bool mem_session_meta_get(rtmd_store *st, rtmd_user who, rtmd_session_meta *out)
{
    const mem_user *u = mem_user_of(mem_of(st), who);
    if (u)
        *out = u->meta;
    return u != NULL;
}

static void mem_sessions_foreach(rtmd_store *st, rtmd_session_fn fn, void *closure)
{
    const rtmd_map *users = &mem_of(st)->users;
    size_t it;
    for (rtmd_map_entry *e = rtmd_map_first(users, &it); e; e = rtmd_map_next(users, e, &it)) {
        const mem_user *u = e->value;
        fn((rtmd_user){ u->app, u->user }, &u->meta, closure);
    }
}

static uint64_t mem_barrier(rtmd_store *st)
{
    (void)st;
    return 0;
}

static rtmd_store_status mem_unacked_push(rtmd_store *st, rtmd_user who, uint64_t seq,
                                          const uint8_t *frame, size_t len, size_t max)
{
    mem_user *u = mem_user_of(mem_of(st), who);
    if (!u)
        return RTMD_STORE_ABSENT;
    if (u->meta.peer_seq < seq)
        u->meta.peer_seq = seq; /* given out, kept or not */
    if (max == 0)
        return RTMD_STORE_LIMIT;
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy)
        return RTMD_STORE_NOMEM;
    memcpy(copy, frame, len);
    rtmd_store_status st_ = RTMD_STORE_OK;
    if (u->count >= max) {
        /* Full: drop the oldest. */
        mem_unacked_drop_oldest(u);
        u->dropped++;
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
        u->usage[RTMD_USAGE_UNACKED] += mem_ring_cost(cap, sizeof *ring) -
                                        mem_ring_cost(u->cap, sizeof *ring);
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
    u->usage[RTMD_USAGE_UNACKED] += rtmd_cost_frame(len);
    return st_;
}

static void mem_unacked_ack(rtmd_store *st, rtmd_user who, uint64_t seq)
{
    mem_user *u = mem_user_of(mem_of(st), who);
    if (!u)
        return;
    while (u->count && u->ring[u->head].seq <= seq)
        mem_unacked_drop_oldest(u);
}

static size_t mem_unacked_count(rtmd_store *st, rtmd_user who)
{
    mem_user *u = mem_user_of(mem_of(st), who);
    return u ? u->count : 0;
}

static void mem_unacked_clear_op(rtmd_store *st, rtmd_user who)
{
    mem_user *u = mem_user_of(mem_of(st), who);
    if (u)
        mem_unacked_clear(u);
}

static void mem_unacked_foreach(rtmd_store *st, rtmd_user who, rtmd_frame_fn fn,
                                void *closure)
{
    mem_user *u = mem_user_of(mem_of(st), who);
    if (!u)
        return;
    for (size_t i = 0; i < u->count; i++) {
        const mem_unacked *e = &u->ring[(u->head + i) % u->cap];
        fn(e->seq, 0, e->frame, e->len, closure);
    }
}

static uint32_t mem_unacked_take_dropped(rtmd_store *st, rtmd_user who)
{
    mem_user *u = mem_user_of(mem_of(st), who);
    if (!u)
        return 0;
    uint32_t n = u->dropped;
    u->dropped = 0;
    return n;
}

static bool mem_sent_lookup(rtmd_store *st, rtmd_user who, uint64_t seq, int *code)
{
    mem_user *u = mem_user_of(mem_of(st), who);
    if (!u || seq == 0 || seq > u->sent_max)
        return false;
    if (u->sent_max - seq >= RTMD_SENT_RING) {
        /* Fell out of the ring: processed long ago; its answer is lost. */
        *code = 0;
        return true;
    }
    const mem_sent *e = &u->sent[seq % RTMD_SENT_RING];
    if (e->seq != seq)
        return false; /* within the ring but never processed */
    *code = e->code;
    return true;
}

static rtmd_store_status mem_sent_record(rtmd_store *st, rtmd_user who, uint64_t seq,
                                         int code)
{
    mem_user *u = mem_user_of(mem_of(st), who);
    if (!u)
        return RTMD_STORE_ABSENT;
    if (seq == 0 || (seq <= u->sent_max && u->sent_max - seq >= RTMD_SENT_RING))
        return RTMD_STORE_OK;
    if (!u->sent) {
        u->sent = calloc(RTMD_SENT_RING, sizeof *u->sent);
        if (!u->sent)
            return RTMD_STORE_NOMEM;
    }
    u->sent[seq % RTMD_SENT_RING] = (mem_sent){ seq, code };
    if (seq > u->sent_max)
        u->sent_max = seq;
    return RTMD_STORE_OK;
}

static rtmd_store_status mem_attrs_copy(const rtmd_attrv *in, rtmd_attrv *out)
{
    out->items = NULL;
    out->count = 0;
    if (in->count == 0)
        return RTMD_STORE_OK;
    out->items = calloc(in->count, sizeof *out->items);
    if (!out->items)
        return RTMD_STORE_NOMEM;
    for (size_t i = 0; i < in->count; i++) {
        out->items[i].key = strdup(in->items[i].key);
        out->items[i].value = strdup(in->items[i].value);
        out->items[i].by = in->items[i].by ? strdup(in->items[i].by) : NULL;
        out->items[i].ts = in->items[i].ts;
        out->count++;
        if (!out->items[i].key || !out->items[i].value ||
            (in->items[i].by && !out->items[i].by)) {
            rtmd_attrv_free(out);
            return RTMD_STORE_NOMEM;
        }
    }
    return RTMD_STORE_OK;
}

static int mem_attr_cmp(const void *a, const void *b)
{
    return strcmp(((const rtmd_attr *)a)->key, ((const rtmd_attr *)b)->key);
}

static rtmd_store_status mem_attrs_get(rtmd_store *st, rtmd_user who, rtmd_attrv *out)
{
    mem_user *u = mem_user_of(mem_of(st), who);
    if (!u) {
        out->items = NULL;
        out->count = 0;
        return RTMD_STORE_ABSENT;
    }
    return mem_attrs_copy(&u->attrs, out);
}

/* A sorted copy of in into *out. */
static rtmd_store_status mem_attrs_sorted(const rtmd_attrv *in, rtmd_attrv *out)
{
    rtmd_store_status r = mem_attrs_copy(in, out);
    if (r == RTMD_STORE_OK && out->count > 1)
        qsort(out->items, out->count, sizeof *out->items, mem_attr_cmp);
    return r;
}

static rtmd_store_status mem_attrs_put(rtmd_store *st, rtmd_user who, const rtmd_attrv *in)
{
    mem_user *u = mem_user_of(mem_of(st), who);
    if (!u)
        return RTMD_STORE_ABSENT;
    rtmd_attrv copy;
    rtmd_store_status r = mem_attrs_sorted(in, &copy);
    if (r != RTMD_STORE_OK)
        return r;
    u->usage[RTMD_USAGE_ATTRS] += rtmd_attrv_cost(&copy) - rtmd_attrv_cost(&u->attrs);
    rtmd_attrv_free(&u->attrs);
    u->attrs = copy;
    return RTMD_STORE_OK;
}

static rtmd_store_status mem_chattrs_get(rtmd_store *st, const char *app, const char *ch,
                                         rtmd_attrv *out)
{
    char buf[MEM_KEY_MAX];
    const char *key = rtmd_map_key2(buf, sizeof buf, app, ch);
    const rtmd_attrv *v = key ? rtmd_map_get(&mem_of(st)->chattrs, key) : NULL;
    if (!v) {
        out->items = NULL;
        out->count = 0;
        return RTMD_STORE_OK;
    }
    return mem_attrs_copy(v, out);
}

static void mem_chattrs_free(rtmd_attrv *v)
{
    if (v)
        rtmd_attrv_free(v);
    free(v);
}

/* Moves app's channel attribute bytes from `from` to `to` (its counter is
 * made on the first, forgotten at 0). -1 when out of memory (unchanged). */
static int mem_chattrs_account(mem_store *m, const char *app, size_t from, size_t to)
{
    size_t *n = rtmd_map_get(&m->chattrs_apps, app);
    if (!n) {
        if (to == 0)
            return 0;
        n = calloc(1, sizeof *n);
        if (!n || rtmd_map_put(&m->chattrs_apps, app, n) != 0) {
            free(n);
            return -1;
        }
    }
    *n += to - from;
    m->usage[RTMD_USAGE_CHATTRS] += to - from;
    if (*n == 0)
        free(rtmd_map_del(&m->chattrs_apps, app));
    return 0;
}

static rtmd_store_status mem_chattrs_put(rtmd_store *st, const char *app, const char *ch,
                                         const rtmd_attrv *in)
{
    mem_store *m = mem_of(st);
    char buf[MEM_KEY_MAX];
    const char *key = rtmd_map_key2(buf, sizeof buf, app, ch);
    if (!key)
        return RTMD_STORE_LIMIT;
    rtmd_attrv *old = rtmd_map_get(&m->chattrs, key);
    size_t was = old ? rtmd_chattrs_cost(key, old) : 0;
    if (in->count == 0) {
        mem_chattrs_account(m, app, was, 0); /* never allocates */
        mem_chattrs_free(rtmd_map_del(&m->chattrs, key));
        return RTMD_STORE_OK;
    }
    rtmd_attrv *copy = malloc(sizeof *copy);
    if (!copy)
        return RTMD_STORE_NOMEM;
    rtmd_store_status r = mem_attrs_sorted(in, copy);
    if (r != RTMD_STORE_OK) {
        free(copy);
        return r;
    }
    size_t now = rtmd_chattrs_cost(key, copy);
    if (mem_chattrs_account(m, app, was, now) != 0) {
        mem_chattrs_free(copy);
        return RTMD_STORE_NOMEM;
    }
    if (rtmd_map_put(&m->chattrs, key, copy) != 0) {
        mem_chattrs_account(m, app, now, was); /* back: its counter is there */
        mem_chattrs_free(copy);
        return RTMD_STORE_NOMEM;
    }
    mem_chattrs_free(old);
    return RTMD_STORE_OK;
}

static size_t mem_chattrs_count(rtmd_store *st)
{
    return mem_of(st)->chattrs.count;
}

static rtmd_store_status mem_channel_join(rtmd_store *st, rtmd_user who,
                                          const char *ch, size_t max_per_user,
                                          uint64_t seq_base)
{
    mem_store *m = mem_of(st);
    mem_user *u = mem_user_of(m, who);
    if (!u)
        return RTMD_STORE_ABSENT;
    if (rtmd_map_get(&u->channels, ch))
        return RTMD_STORE_EXISTS;
    if (u->channels.count >= max_per_user)
        return RTMD_STORE_LIMIT;
    char buf[MEM_KEY_MAX];
    const char *key = rtmd_map_key2(buf, sizeof buf, who.app, ch);
    if (!key)
        return RTMD_STORE_LIMIT;
    bool fresh;
    mem_channel *c = mem_channel_of(m, key, &fresh);
    if (!c)
        return RTMD_STORE_NOMEM;
    if (fresh)
        c->base = c->seq = seq_base;
    if (rtmd_map_put(&c->members, who.user, &rtmd__present) != 0)
        goto nomem;
    if (rtmd_map_put(&u->channels, ch, &rtmd__present) != 0) {
        rtmd_map_del(&c->members, who.user);
        goto nomem;
    }
    return RTMD_STORE_OK;
nomem:
    if (fresh) {
        rtmd_map_del(&m->channels, key);
        mem_channel_free(c);
    }
    return RTMD_STORE_NOMEM;
}

static rtmd_store_status mem_channel_leave(rtmd_store *st, rtmd_user who, const char *ch)
{
    return mem_user_set_del(st, who, MEM_CHANNELS, ch, mem_channel_drop);
}

static bool mem_channel_has(rtmd_store *st, rtmd_user who, const char *ch)
{
    return mem_user_set_has(st, who, MEM_CHANNELS, ch);
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

static size_t mem_channel_member_count(rtmd_store *st, const char *app, const char *ch)
{
    mem_channel *c = mem_channel_find(mem_of(st), app, ch);
    return c ? c->members.count : 0;
}

static rtmd_store_status mem_app_channels(rtmd_store *st, const char *app, rtmd_strv *out)
{
    const rtmd_map *chs = &mem_of(st)->channels;
    size_t alen = strlen(app), it;
    out->items = NULL;
    out->count = 0;
    for (rtmd_map_entry *e = rtmd_map_first(chs, &it); e; e = rtmd_map_next(chs, e, &it)) {
        const mem_channel *c = e->value;
        if (strncmp(e->key, app, alen) != 0 || e->key[alen] != RTMD_MAP_KEY_SEP ||
            c->members.count == 0)
            continue;
        char **items = realloc(out->items, (out->count + 1) * sizeof *items);
        char *name = items ? strdup(e->key + alen + 1) : NULL;
        if (items)
            out->items = items;
        if (!name) {
            rtmd_strv_free(out);
            return RTMD_STORE_NOMEM;
        }
        out->items[out->count++] = name;
    }
    if (out->count > 1)
        qsort(out->items, out->count, sizeof *out->items, mem_strcmp);
    return RTMD_STORE_OK;
}

/* The ids of s's set at off, sorted; ABSENT (and none) when s is not in the
 * store. */
static rtmd_store_status mem_user_set_keys(rtmd_store *st, rtmd_user who, size_t off,
                                           rtmd_strv *out)
{
    rtmd_map *set = mem_user_set(st, who, off);
    if (!set) {
        out->items = NULL;
        out->count = 0;
        return RTMD_STORE_ABSENT;
    }
    return mem_keys(set, out);
}

static rtmd_store_status mem_session_channels(rtmd_store *st, rtmd_user who,
                                              rtmd_strv *out)
{
    return mem_user_set_keys(st, who, MEM_CHANNELS, out);
}

static uint64_t mem_channel_next_seq(rtmd_store *st, const char *app, const char *ch)
{
    mem_channel *c = mem_channel_find(mem_of(st), app, ch);
    return c ? ++c->seq : 0;
}

rtmd_store_status rtmd_store_mem_channel_restore(rtmd_store *st, const char *app,
                                                 const char *ch, uint64_t base,
                                                 uint64_t last)
{
    char buf[MEM_KEY_MAX];
    const char *key = rtmd_map_key2(buf, sizeof buf, app, ch);
    if (!key)
        return RTMD_STORE_LIMIT;
    bool fresh;
    mem_channel *c = mem_channel_of(mem_of(st), key, &fresh);
    if (!c)
        return RTMD_STORE_NOMEM;
    c->base = base;
    c->seq = last > base ? last : base;
    return RTMD_STORE_OK;
}

static bool mem_channel_seqs(rtmd_store *st, const char *app, const char *ch,
                             uint64_t *base, uint64_t *last)
{
    mem_channel *c = mem_channel_find(mem_of(st), app, ch);
    if (!c)
        return false;
    *base = c->base;
    *last = c->seq;
    return true;
}

static void mem_hist_expire(mem_channel *c, uint64_t horizon_ms)
{
    while (c->hcount && c->hist[c->hhead].at_ms < horizon_ms)
        mem_hist_drop_oldest(c);
}

static size_t mem_channels_expire(rtmd_store *st, uint64_t horizon_ms)
{
    mem_store *m = mem_of(st);
    size_t it, n = 0;
    rtmd_map_entry *e = rtmd_map_first(&m->channels, &it);
    while (e) {
        /* The entry just stepped past may be removed (map.h). */
        rtmd_map_entry *next = rtmd_map_next(&m->channels, e, &it);
        mem_channel *c = e->value;
        /* Every channel's history, so that what left the window stops
         * counting against --history-max-bytes; those without members are
         * forgotten once it is empty. */
        mem_hist_expire(c, horizon_ms);
        if (c->members.count == 0) {
            if (c->hcount == 0) {
                rtmd_map_del(&m->channels, e->key);
                mem_channel_free(c);
                n++;
            }
        }
        e = next;
    }
    return n;
}

static rtmd_store_status mem_history_push(rtmd_store *st, const char *app, const char *ch,
                                          uint64_t seq, uint64_t at_ms,
                                          const uint8_t *frame, size_t len, size_t max,
                                          uint64_t horizon_ms, uint64_t max_bytes)
{
    mem_channel *c = mem_channel_find(mem_of(st), app, ch);
    if (!c)
        return RTMD_STORE_ABSENT;
    mem_hist_expire(c, horizon_ms);
    if (max == 0)
        return RTMD_STORE_OK;
    /* What it adds, less the oldest a full history drops for it. */
    size_t adds = rtmd_cost_frame(len);
    size_t frees = c->hcount >= max ? rtmd_cost_frame(c->hist[c->hhead].len) : 0;
    if (adds > frees && c->usage[RTMD_USAGE_HISTORY] + (adds - frees) > max_bytes)
        return RTMD_STORE_LIMIT;
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy)
        return RTMD_STORE_NOMEM;
    memcpy(copy, frame, len);
    while (c->hcount >= max)
        mem_hist_drop_oldest(c);
    if (c->hcount == c->hcap) {
        size_t cap = c->hcap ? c->hcap * 2 : 4;
        if (cap > max)
            cap = max;
        mem_hist *h = malloc(cap * sizeof *h);
        if (!h) {
            free(copy);
            return RTMD_STORE_NOMEM;
        }
        for (size_t i = 0; i < c->hcount; i++)
            h[i] = c->hist[(c->hhead + i) % c->hcap];
        c->usage[RTMD_USAGE_HISTORY] += mem_ring_cost(cap, sizeof *h) -
                                        mem_ring_cost(c->hcap, sizeof *h);
        free(c->hist);
        c->hist = h;
        c->hcap = cap;
        c->hhead = 0;
    }
    c->hist[(c->hhead + c->hcount) % c->hcap] = (mem_hist){ seq, at_ms, copy, len };
    c->hcount++;
    c->usage[RTMD_USAGE_HISTORY] += rtmd_cost_frame(len);
    return RTMD_STORE_OK;
}

static void mem_history_foreach(rtmd_store *st, const char *app, const char *ch,
                                uint64_t horizon_ms, rtmd_frame_fn fn, void *closure)
{
    mem_channel *c = mem_channel_find(mem_of(st), app, ch);
    if (!c)
        return;
    mem_hist_expire(c, horizon_ms);
    for (size_t i = 0; i < c->hcount; i++) {
        const mem_hist *e = &c->hist[(c->hhead + i) % c->hcap];
        fn(e->seq, e->at_ms, e->frame, e->len, closure);
    }
}

/* ---- presence subscriptions (SPEC A8) ----------------------------------- */

static rtmd_store_status mem_sub_add(rtmd_store *st, rtmd_user who, const char *user)
{
    mem_store *m = mem_of(st);
    mem_user *u = mem_user_of(m, who);
    if (!u)
        return RTMD_STORE_ABSENT;
    if (rtmd_map_get(&u->subs, user))
        return RTMD_STORE_EXISTS;
    char buf[MEM_KEY_MAX];
    const char *key = rtmd_map_key2(buf, sizeof buf, who.app, user);
    if (!key)
        return RTMD_STORE_LIMIT;
    bool fresh;
    rtmd_map *set = mem_get_or_new(&m->followers, key, sizeof *set, &fresh);
    if (!set)
        return RTMD_STORE_NOMEM;
    if (rtmd_map_put(set, who.user, &rtmd__present) == 0) {
        if (rtmd_map_put(&u->subs, user, &rtmd__present) == 0)
            return RTMD_STORE_OK;
        rtmd_map_del(set, who.user);
    }
    if (fresh) {
        rtmd_map_del(&m->followers, key);
        rtmd_map_clear(set);
        free(set);
    }
    return RTMD_STORE_NOMEM;
}

static rtmd_store_status mem_sub_remove(rtmd_store *st, rtmd_user who, const char *user)
{
    return mem_user_set_del(st, who, MEM_SUBS, user, mem_follower_drop);
}

static bool mem_sub_has(rtmd_store *st, rtmd_user who, const char *user)
{
    return mem_user_set_has(st, who, MEM_SUBS, user);
}

static size_t mem_sub_count(rtmd_store *st, rtmd_user who)
{
    rtmd_map *set = mem_user_set(st, who, MEM_SUBS);
    return set ? set->count : 0;
}

static rtmd_store_status mem_sub_list(rtmd_store *st, rtmd_user who, rtmd_strv *out)
{
    return mem_user_set_keys(st, who, MEM_SUBS, out);
}

static void mem_followers_foreach(rtmd_store *st, const char *app, const char *user,
                                  rtmd_user_fn fn, void *closure)
{
    char buf[MEM_KEY_MAX];
    const char *key = rtmd_map_key2(buf, sizeof buf, app, user);
    rtmd_map *set = key ? rtmd_map_get(&mem_of(st)->followers, key) : NULL;
    if (!set)
        return;
    size_t it;
    for (rtmd_map_entry *e = rtmd_map_first(set, &it); e; e = rtmd_map_next(set, e, &it))
        fn((rtmd_user){ app, e->key }, closure);
}

/* ---- bans (SPEC A1) ------------------------------------------------------- */

static rtmd_store_status mem_ban_put(rtmd_store *st, rtmd_user who, uint64_t until_ms)
{
    return rtmd_bans_add(&mem_of(st)->bans, who.app, who.user, until_ms) == 0
               ? RTMD_STORE_OK
               : RTMD_STORE_NOMEM;
}

static rtmd_store_status mem_ban_lift(rtmd_store *st, rtmd_user who, uint64_t now_ms)
{
    return rtmd_bans_remove(&mem_of(st)->bans, who.app, who.user, now_ms) ? RTMD_STORE_OK
                                                                          : RTMD_STORE_ABSENT;
}

static bool mem_ban_active(rtmd_store *st, rtmd_user who, uint64_t now_ms)
{
    return rtmd_bans_active(&mem_of(st)->bans, who.app, who.user, now_ms);
}

typedef struct {
    rtmd_banv *out;
    size_t cap;
    bool nomem;
} mem_bans_ctx;

static void mem_bans_collect(const char *app, const char *user, uint64_t until_ms,
                             void *closure)
{
    mem_bans_ctx *ctx = closure;
    rtmd_banv *v = ctx->out;
    if (ctx->nomem)
        return;
    if (v->count == ctx->cap) {
        size_t cap = ctx->cap ? ctx->cap * 2 : 8;
        rtmd_ban_entry *items = realloc(v->items, cap * sizeof *items);
        if (!items) {
            ctx->nomem = true;
            return;
        }
        v->items = items;
        ctx->cap = cap;
    }
    rtmd_ban_entry *e = &v->items[v->count];
    e->app = strdup(app);
    e->user = strdup(user);
    e->until_ms = until_ms;
    if (!e->app || !e->user) {
        free(e->app);
        free(e->user);
        ctx->nomem = true;
        return;
    }
    v->count++;
}

static rtmd_store_status mem_bans_list(rtmd_store *st, uint64_t now_ms, rtmd_banv *out)
{
    *out = (rtmd_banv){ NULL, 0 };
    mem_bans_ctx ctx = { out, 0, false };
    rtmd_bans_foreach(&mem_of(st)->bans, now_ms, mem_bans_collect, &ctx);
    if (ctx.nomem) {
        rtmd_banv_free(out);
        return RTMD_STORE_NOMEM;
    }
    return RTMD_STORE_OK;
}

/* ---- media -------------------------------------------------------------- */

static rtmd_store_status mem_media_put(rtmd_store *st, const char *app, const char *id,
                                       uint64_t size, uint64_t at_ms)
{
    mem_store *m = mem_of(st);
    if (rtmd_map_get(&m->media, id))
        return RTMD_STORE_EXISTS;
    mem_media *md = calloc(1, sizeof *md);
    if (!md || !(md->app = strdup(app)) || rtmd_map_put(&m->media, id, md) != 0) {
        if (md)
            free(md->app);
        free(md);
        return RTMD_STORE_NOMEM;
    }
    md->size = size;
    md->at_ms = at_ms;
    m->media_bytes += size;
    return RTMD_STORE_OK;
}

static bool mem_media_get(rtmd_store *st, const char *app, const char *id, uint64_t *size,
                          uint64_t *at_ms)
{
    const mem_media *md = rtmd_map_get(&mem_of(st)->media, id);
    if (!md || (app && strcmp(md->app, app) != 0))
        return false;
    if (size)
        *size = md->size;
    if (at_ms)
        *at_ms = md->at_ms;
    return true;
}

static size_t mem_media_expire(rtmd_store *st, uint64_t horizon_ms, rtmd_strv *out)
{
    mem_store *m = mem_of(st);
    size_t it, n = 0;
    for (rtmd_map_entry *e = rtmd_map_first(&m->media, &it); e;) {
        mem_media *md = e->value;
        rtmd_map_entry *next = rtmd_map_next(&m->media, e, &it);
        if (md->at_ms < horizon_ms) {
            char **items = realloc(out->items, (out->count + 1) * sizeof *items);
            char *id = items ? strdup(e->key) : NULL;
            if (items)
                out->items = items;
            if (!id)
                break; /* kept for the next sweep */
            out->items[out->count++] = id;
            m->media_bytes -= md->size;
            rtmd_map_del(&m->media, id); /* the entry just stepped past */
            free(md->app);
            free(md);
            n++;
        }
        e = next;
    }
    return n;
}

static uint64_t mem_media_bytes(rtmd_store *st)
{
    return mem_of(st)->media_bytes;
}

static const rtmd_store_ops mem_ops = {
    .destroy = mem_destroy,
    .session_add = mem_session_add,
    .session_remove = mem_session_remove,
    .session_count = mem_session_count,
    .session_has = mem_session_has,
    .session_meta_put = mem_session_meta_put,
    .session_meta_get = mem_session_meta_get,
    .sessions_foreach = mem_sessions_foreach,
    .barrier = mem_barrier,
    .unacked_push = mem_unacked_push,
    .unacked_ack = mem_unacked_ack,
    .unacked_count = mem_unacked_count,
    .unacked_clear = mem_unacked_clear_op,
    .unacked_foreach = mem_unacked_foreach,
    .unacked_take_dropped = mem_unacked_take_dropped,
    .sent_lookup = mem_sent_lookup,
    .sent_record = mem_sent_record,
    .attrs_get = mem_attrs_get,
    .attrs_put = mem_attrs_put,
    .chattrs_get = mem_chattrs_get,
    .chattrs_put = mem_chattrs_put,
    .chattrs_count = mem_chattrs_count,
    .channel_join = mem_channel_join,
    .channels_expire = mem_channels_expire,
    .channel_leave = mem_channel_leave,
    .channel_has = mem_channel_has,
    .channel_members = mem_channel_members,
    .app_channels = mem_app_channels,
    .channel_member_count = mem_channel_member_count,
    .session_channels = mem_session_channels,
    .channel_next_seq = mem_channel_next_seq,
    .channel_seqs = mem_channel_seqs,
    .history_push = mem_history_push,
    .history_foreach = mem_history_foreach,
    .offline_push = mem_offline_push,
    .offline_dropped_add = mem_offline_dropped_add,
    .offline_take = mem_offline_take,
    .offline_expire = mem_offline_expire,
    .usage = mem_usage,
    .sub_add = mem_sub_add,
    .sub_remove = mem_sub_remove,
    .sub_has = mem_sub_has,
    .sub_count = mem_sub_count,
    .sub_list = mem_sub_list,
    .followers_foreach = mem_followers_foreach,
    .ban_put = mem_ban_put,
    .ban_lift = mem_ban_lift,
    .ban_active = mem_ban_active,
    .bans_list = mem_bans_list,
    .media_put = mem_media_put,
    .media_get = mem_media_get,
    .media_expire = mem_media_expire,
    .media_bytes = mem_media_bytes,
};

rtmd_store *rtmd_store_mem_new(void)
{
    mem_store *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->base.ops = &mem_ops;
    return &m->base;
}
