/*
 * store.h: the server's shared state behind one interface.
 *
 * Sessions (who is online, per app id), the delivered but unacknowledged peer
 * messages of each session and channel membership live here and nowhere
 * else: no other module touches these tables. The interface is a table of
 * functions (rtmd_store_ops) so that a store shared by several rtmd nodes
 * (Redis is planned) can replace the in-memory one (store_mem.c).
 *
 * The session objects themselves (rtmd_session, session.h) are created and
 * freed by session.c; the store indexes them by (app id, user id) and keeps
 * their per-user data. A session may exist without a link.
 *
 * Every call runs on the event-loop thread. Strings passed in are copied;
 * string lists handed out (rtmd_strv) are the caller's to free.
 */
#ifndef RTMD_STORE_H
#define RTMD_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct rtmd_session rtmd_session;
typedef struct rtmd_store rtmd_store;

typedef enum {
    RTMD_STORE_OK = 0,
    RTMD_STORE_EXISTS = 1,  /* already a member / already present */
    RTMD_STORE_ABSENT = 2,  /* not a member / not present */
    RTMD_STORE_LIMIT = 3,   /* a bound was reached */
    RTMD_STORE_NOMEM = -1
} rtmd_store_status;

/* An owned list of owned strings. */
typedef struct {
    char **items;
    size_t count;
} rtmd_strv;

void rtmd_strv_free(rtmd_strv *v);

typedef void (*rtmd_session_fn)(rtmd_session *s, void *closure);

typedef struct rtmd_store_ops {
    void (*destroy)(rtmd_store *st);

    /* Sessions, keyed by (s->app_id, s->user_id). */
    rtmd_session *(*session_find)(rtmd_store *st, const char *app_id,
                                  const char *user_id);
    rtmd_store_status (*session_add)(rtmd_store *st, rtmd_session *s);
    /* Forgets s with its unacknowledged messages and, silently, its channel
     * memberships. Does not free s. */
    void (*session_remove)(rtmd_store *st, rtmd_session *s);
    size_t (*session_count)(rtmd_store *st);
    /* Calls fn for every session; fn must not add or remove sessions. */
    void (*session_foreach)(rtmd_store *st, rtmd_session_fn fn, void *closure);

    /* Peer deliveries not yet acknowledged (PeerAck), per session, in seq
     * order. `frame` is the encoded PeerDeliver. At most `max` are kept:
     * when full the oldest is dropped and LIMIT returned. */
    rtmd_store_status (*unacked_push)(rtmd_store *st, rtmd_session *s,
                                      uint64_t seq, const uint8_t *frame,
                                      size_t len, size_t max);
    /* Drops every entry whose seq <= seq. */
    void (*unacked_ack)(rtmd_store *st, rtmd_session *s, uint64_t seq);
    size_t (*unacked_count)(rtmd_store *st, rtmd_session *s);
    void (*unacked_clear)(rtmd_store *st, rtmd_session *s);

    /* Channel membership, per app id. join: OK, EXISTS, LIMIT (the session
     * is in max_per_user channels already) or NOMEM. leave: OK or ABSENT. An
     * emptied channel is forgotten, with its seq. */
    rtmd_store_status (*channel_join)(rtmd_store *st, rtmd_session *s,
                                      const char *channel, size_t max_per_user);
    rtmd_store_status (*channel_leave)(rtmd_store *st, rtmd_session *s,
                                       const char *channel);
    bool (*channel_has)(rtmd_store *st, rtmd_session *s, const char *channel);
    /* The user ids of a channel of s's app, sorted (bytewise). */
    rtmd_store_status (*channel_members)(rtmd_store *st, const char *app_id,
                                         const char *channel, rtmd_strv *out);
    /* The channels of s, sorted. */
    rtmd_store_status (*session_channels)(rtmd_store *st, rtmd_session *s,
                                          rtmd_strv *out);
    /* The next message seq of a channel (1, 2, ...); 0 if it does not exist. */
    uint64_t (*channel_next_seq)(rtmd_store *st, const char *app_id,
                                 const char *channel);
} rtmd_store_ops;

struct rtmd_store {
    const rtmd_store_ops *ops;
};

/* The in-memory store (store_mem.c). NULL when out of memory. */
rtmd_store *rtmd_store_mem_new(void);

/* Thin wrappers, so that callers read as plain calls. */
static inline void rtmd_store_destroy(rtmd_store *st) { st->ops->destroy(st); }
static inline rtmd_session *rtmd_store_session_find(rtmd_store *st, const char *app,
                                                    const char *user)
{ return st->ops->session_find(st, app, user); }
static inline rtmd_store_status rtmd_store_session_add(rtmd_store *st, rtmd_session *s)
{ return st->ops->session_add(st, s); }
static inline void rtmd_store_session_remove(rtmd_store *st, rtmd_session *s)
{ st->ops->session_remove(st, s); }
static inline size_t rtmd_store_session_count(rtmd_store *st)
{ return st->ops->session_count(st); }
static inline void rtmd_store_session_foreach(rtmd_store *st, rtmd_session_fn fn,
                                              void *closure)
{ st->ops->session_foreach(st, fn, closure); }
static inline rtmd_store_status rtmd_store_unacked_push(rtmd_store *st, rtmd_session *s,
                                                        uint64_t seq, const uint8_t *frame,
                                                        size_t len, size_t max)
{ return st->ops->unacked_push(st, s, seq, frame, len, max); }
static inline void rtmd_store_unacked_ack(rtmd_store *st, rtmd_session *s, uint64_t seq)
{ st->ops->unacked_ack(st, s, seq); }
static inline size_t rtmd_store_unacked_count(rtmd_store *st, rtmd_session *s)
{ return st->ops->unacked_count(st, s); }
static inline void rtmd_store_unacked_clear(rtmd_store *st, rtmd_session *s)
{ st->ops->unacked_clear(st, s); }
static inline rtmd_store_status rtmd_store_channel_join(rtmd_store *st, rtmd_session *s,
                                                        const char *ch, size_t max)
{ return st->ops->channel_join(st, s, ch, max); }
static inline rtmd_store_status rtmd_store_channel_leave(rtmd_store *st, rtmd_session *s,
                                                         const char *ch)
{ return st->ops->channel_leave(st, s, ch); }
static inline bool rtmd_store_channel_has(rtmd_store *st, rtmd_session *s, const char *ch)
{ return st->ops->channel_has(st, s, ch); }
static inline rtmd_store_status rtmd_store_channel_members(rtmd_store *st, const char *app,
                                                           const char *ch, rtmd_strv *out)
{ return st->ops->channel_members(st, app, ch, out); }
static inline rtmd_store_status rtmd_store_session_channels(rtmd_store *st, rtmd_session *s,
                                                            rtmd_strv *out)
{ return st->ops->session_channels(st, s, out); }
static inline uint64_t rtmd_store_channel_next_seq(rtmd_store *st, const char *app,
                                                   const char *ch)
{ return st->ops->channel_next_seq(st, app, ch); }

#endif
