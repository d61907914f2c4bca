/*
 * store.h: the server's shared state behind one interface.
 *
 * Sessions (who is online, per app id), the delivered but unacknowledged peer
 * messages of each session, the send_seq answers of each session, its user
 * attributes, channel membership, channel history, channel attributes, the
 * offline messages of users who are away and the presence subscriptions of
 * sessions (with their reverse index, who follows a user) live here and nowhere
 * else. Only the engine's operations (engine.h: engine.c, replay.c) read and
 * change them. The interface is a table of functions (rtmd_store_ops), with
 * an in-memory store (store_mem.c) and a durable one over it
 * (store_sqlite.c).
 *
 * Everything is keyed by value, never by a node's object: a user by its
 * (app id, user id) (rtmd_user), a channel by its (app id, channel id). The
 * node's own objects (the rtmd_session of a logged-in user, with its link,
 * timers and rates) are the registry's (registry.h); the store keeps what
 * the system knows of the user: that it has a session, and the session's
 * data. A session may exist without a link.
 *
 * Every call runs on the event-loop thread. Strings passed in are copied;
 * string lists handed out (rtmd_strv) are the caller's to free.
 */
#ifndef RTMD_STORE_H
#define RTMD_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct rtmd_store rtmd_store;

/* A user of an app: the key of a session and of its data. Borrowed. */
typedef struct {
    const char *app;
    const char *user;
} rtmd_user;

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

typedef void (*rtmd_user_fn)(rtmd_user u, void *closure);

/* An encoded frame kept by the store (header included), with its seq and,
 * for channel history, when it was accepted (wall clock, ms since the
 * epoch, so that the replay window means the same after a restart). */
typedef void (*rtmd_frame_fn)(uint64_t seq, uint64_t at_ms, const uint8_t *frame,
                              size_t len, void *closure);

/* A peer message kept for a user who has no session: its sender, when it
 * was accepted (wall clock, ms since the epoch) and the encoded
 * rtm.wire.Message. Either it was answered CACHED_BY_SERVER because its
 * receiver was offline (SPEC A6: session_id and seq are 0), or it was
 * answered OK for a session that ended before acknowledging it (SPEC S9):
 * session_id and seq are that session's id and the PeerDeliver seq it had
 * there, so that the same client, back, is not given what it had. */
typedef struct {
    const char *from;
    uint64_t at_ms;
    const uint8_t *msg;
    size_t len;
    uint64_t session_id;
    uint64_t seq;
} rtmd_offline_msg;

typedef void (*rtmd_offline_fn)(const rtmd_offline_msg *m, void *closure);

/* One user or channel attribute; an owned list of them (rtmd_attrv_free).
 * by and ts: for channel attributes, the user whose request last set the
 * entry and when (wall clock ms); NULL and 0 for user attributes. */
typedef struct {
    char *key;
    char *value;
    char *by;
    uint64_t ts;
} rtmd_attr;

typedef struct {
    rtmd_attr *items;
    size_t count;
} rtmd_attrv;

void rtmd_attrv_free(rtmd_attrv *v);
/* What v costs in memory (cost.h): its array and strings. */
size_t rtmd_attrv_cost(const rtmd_attrv *v);
/* What the channel attributes v of the channel keyed key ("app\x1fchannel")
 * cost in the store: v, its record and its map entry; 0 when v is empty
 * (nothing is kept). */
size_t rtmd_chattrs_cost(const char *key, const rtmd_attrv *v);

/* What the store keeps, by kind, counted in real bytes (cost.h): what the
 * bounds of docs/SERVER.md "Memory" compare with, and /metrics shows. */
typedef enum {
    RTMD_USAGE_OFFLINE,  /* offline messages and those kept from ended
                          * sessions, with their queues */
    RTMD_USAGE_UNACKED,  /* deliveries not acknowledged, with their rings */
    RTMD_USAGE_HISTORY,  /* channel history (S10), with its rings */
    RTMD_USAGE_ATTRS,    /* user attributes */
    RTMD_USAGE_CHATTRS,  /* channel attributes, with their records */
    RTMD_USAGE_KINDS
} rtmd_usage;

/* "offline", "unacked", "history", "attributes", "channel_attributes". */
const char *rtmd_usage_name(rtmd_usage kind);

/* A ban (SPEC A1): until when (wall clock, ms since the epoch; 0: until
 * lifted); an owned list of them (rtmd_banv_free). */
typedef struct {
    char *app;
    char *user;
    uint64_t until_ms;
} rtmd_ban_entry;

typedef struct {
    rtmd_ban_entry *items;
    size_t count;
} rtmd_banv;

void rtmd_banv_free(rtmd_banv *v);

/* What the system keeps of a session beyond its key, so that a restarted
 * rtmd lets the same client resume it (session.h has the node's copy). */
typedef struct {
    uint64_t instance_id;      /* Login.instance_id of its client */
    uint64_t id;               /* LoginResult.session_id */
    uint32_t link_seq;         /* Login.link_seq of the link last accepted */
    uint64_t login_wall_ms;    /* when the login that made it was answered */
    uint64_t token_expires_at; /* Unix s; 0: never */
    uint64_t peer_seq;         /* at least the seq of the last PeerDeliver
                                * it was sent */
} rtmd_session_meta;

typedef void (*rtmd_session_fn)(rtmd_user u, const rtmd_session_meta *m, void *closure);

/* A store that writes to disk tells when its writes are durable: batch is
 * the number rtmd_store_barrier gave out, ok false when it failed (and the
 * store's memory is then ahead of its file: rtmd_store_sqlite_reload). */
typedef void (*rtmd_store_durable_fn)(uint64_t batch, bool ok, void *closure);

/* Send answers remembered per session (SPEC B1, PeerSend.send_seq). */
#define RTMD_SENT_RING 256u

typedef struct rtmd_store_ops {
    void (*destroy)(rtmd_store *st);

    /* Sessions. add: OK, EXISTS, LIMIT (ids too long) or NOMEM. remove:
     * forgets the session with its unacknowledged messages, send answers,
     * attributes, subscriptions and, silently, its channel memberships. */
    rtmd_store_status (*session_add)(rtmd_store *st, rtmd_user u);
    void (*session_remove)(rtmd_store *st, rtmd_user u);
    bool (*session_has)(rtmd_store *st, rtmd_user u);
    size_t (*session_count)(rtmd_store *st);
    /* A session's meta (zeroes until put): put replaces it (ABSENT: no
     * such session), but for peer_seq, which the store keeps itself: at
     * least the largest it was put and every seq unacked_push was given,
     * never lowered. meta_get: false when there is no such session.
     * sessions_foreach calls fn for every session, in no particular order
     * (recovery); fn must not change sessions. */
    rtmd_store_status (*session_meta_put)(rtmd_store *st, rtmd_user u,
                                          const rtmd_session_meta *m);
    bool (*session_meta_get)(rtmd_store *st, rtmd_user u, rtmd_session_meta *out);
    void (*sessions_foreach)(rtmd_store *st, rtmd_session_fn fn, void *closure);

    /* The durability gate (Redis's rule for its AOF: a reply that reveals a
     * write goes out once the write is durable). 0 when everything written
     * so far is as durable as the store makes it (always, in memory);
     * otherwise the number of the batch whose completion (the store's
     * rtmd_store_durable_fn) makes it so; UINT64_MAX after a failed batch,
     * until the store is reloaded. */
    uint64_t (*barrier)(rtmd_store *st);

    /* Peer deliveries not yet acknowledged (PeerAck), per session, in seq
     * order. `frame` is the encoded PeerDeliver. At most `max` are kept:
     * when full the oldest is dropped and LIMIT returned. */
    rtmd_store_status (*unacked_push)(rtmd_store *st, rtmd_user u,
                                      uint64_t seq, const uint8_t *frame,
                                      size_t len, size_t max);
    /* Drops every entry whose seq <= seq. */
    void (*unacked_ack)(rtmd_store *st, rtmd_user u, uint64_t seq);
    size_t (*unacked_count)(rtmd_store *st, rtmd_user u);
    void (*unacked_clear)(rtmd_store *st, rtmd_user u);
    /* Calls fn for every entry, in seq order (at_ms is 0); fn must not
     * change the queue. */
    void (*unacked_foreach)(rtmd_store *st, rtmd_user u, rtmd_frame_fn fn,
                            void *closure);
    /* How many entries unacked_push dropped (queue full) since the last
     * call; resets the count. */
    uint32_t (*unacked_take_dropped)(rtmd_store *st, rtmd_user u);

    /* Exactly-once sends (SPEC B1). sent_lookup: whether send_seq (> 0) was
     * processed already, and *code its answer: a send_seq recorded in the
     * last RTMD_SENT_RING gives its code; one at or below the highest
     * recorded but older than that gives 0 (OK). One within the last
     * RTMD_SENT_RING that was never recorded was not processed (false).
     * sent_record: remembers the answer of send_seq. */
    bool (*sent_lookup)(rtmd_store *st, rtmd_user u, uint64_t send_seq, int *code);
    rtmd_store_status (*sent_record)(rtmd_store *st, rtmd_user u, uint64_t send_seq,
                                     int code);

    /* User attributes of u (SPEC A5). attrs_get: a sorted copy. attrs_put:
     * replaces them all with a copy of in (sorted by the caller or not). */
    rtmd_store_status (*attrs_get)(rtmd_store *st, rtmd_user u, rtmd_attrv *out);
    rtmd_store_status (*attrs_put)(rtmd_store *st, rtmd_user u, const rtmd_attrv *in);

    /* Channel attributes (SPEC A5), per (app id, channel), kept whether or
     * not the channel has members. chattrs_get: a sorted copy (empty when
     * none). chattrs_put: replaces them all with a copy of in; an empty in
     * forgets the channel's entry. */
    rtmd_store_status (*chattrs_get)(rtmd_store *st, const char *app_id,
                                     const char *channel, rtmd_attrv *out);
    rtmd_store_status (*chattrs_put)(rtmd_store *st, const char *app_id,
                                     const char *channel, const rtmd_attrv *in);
    /* How many channels of all apps have attributes. */
    size_t (*chattrs_count)(rtmd_store *st);

    /* Channel membership, per app id. join: OK, EXISTS, LIMIT (the session
     * is in max_per_user channels already) or NOMEM; a channel the store
     * does not know starts its message seqs after seq_base (the caller
     * passes a clock, so that seqs never repeat in a channel the store forgot
     * and knows again: SPEC B2). leave: OK or ABSENT. An emptied channel is
     * kept while it has history (SPEC S10: replayed to members coming
     * back); channels_expire forgets those without members whose history is
     * all older than horizon_ms, and returns how many. */
    rtmd_store_status (*channel_join)(rtmd_store *st, rtmd_user u,
                                      const char *channel, size_t max_per_user,
                                      uint64_t seq_base);
    size_t (*channels_expire)(rtmd_store *st, uint64_t horizon_ms);
    rtmd_store_status (*channel_leave)(rtmd_store *st, rtmd_user u,
                                       const char *channel);
    bool (*channel_has)(rtmd_store *st, rtmd_user u, const char *channel);
    /* The user ids of a channel of s's app, sorted (bytewise). */
    rtmd_store_status (*channel_members)(rtmd_store *st, const char *app_id,
                                         const char *channel, rtmd_strv *out);
    /* The channels of an app that have members, sorted (the admin API). */
    rtmd_store_status (*app_channels)(rtmd_store *st, const char *app_id, rtmd_strv *out);
    /* How many members a channel of an app has (0: no such channel). */
    size_t (*channel_member_count)(rtmd_store *st, const char *app_id, const char *channel);
    /* The channels of u, sorted. */
    rtmd_store_status (*session_channels)(rtmd_store *st, rtmd_user u,
                                          rtmd_strv *out);
    /* The next message seq of a channel (1, 2, ...); 0 if it does not exist. */
    uint64_t (*channel_next_seq)(rtmd_store *st, const char *app_id,
                                 const char *channel);
    /* A channel's seqs: *base, the seq before its first message since the
     * store knows it, and *last, the last one given out (== *base: none).
     * false: no such channel. */
    bool (*channel_seqs)(rtmd_store *st, const char *app_id, const char *channel,
                         uint64_t *base, uint64_t *last);

    /* Channel history (SPEC S10): an encoded ChannelDeliver of seq accepted
     * at at_ms (wall clock). Keeps at most max (0: none); entries older than
     * horizon_ms are dropped here, lazily. LIMIT, and not kept (nothing
     * else dropped but the too old), when the history of all channels
     * would then hold more than max_bytes (RTMD_USAGE_HISTORY). ABSENT: no
     * such channel. */
    rtmd_store_status (*history_push)(rtmd_store *st, const char *app_id,
                                      const char *channel, uint64_t seq, uint64_t at_ms,
                                      const uint8_t *frame, size_t len, size_t max,
                                      uint64_t horizon_ms, uint64_t max_bytes);
    /* Calls fn for every kept entry, oldest first, after dropping those
     * older than horizon_ms; fn must not change the channel. */
    void (*history_foreach)(rtmd_store *st, const char *app_id, const char *channel,
                            uint64_t horizon_ms, rtmd_frame_fn fn, void *closure);
    /* Messages kept for a user who has no session (SPEC A6, S9), per (app
     * id, user id), in the order pushed. offline_push copies m. A cached
     * message (m->session_id 0) is kept with at most max other cached ones:
     * when they are max, the oldest cached one is dropped (the newest
     * replaces it) and LIMIT returned. A message of an ended session is
     * always kept. offline_dropped_add counts n messages lost for the user
     * (a queue that overflowed); offline_take calls fn for each message
     * accepted at or after horizon_ms, oldest first, then forgets them all
     * and returns how many were dropped since the queue began (overflows,
     * expiries, and those it found older than the horizon, which it also
     * counts in *expired). offline_expire forgets those accepted before
     * horizon_ms in every queue, counting them for their users, and returns
     * how many. */
    rtmd_store_status (*offline_push)(rtmd_store *st, const char *app_id,
                                      const char *user_id, const rtmd_offline_msg *m,
                                      size_t max);
    rtmd_store_status (*offline_dropped_add)(rtmd_store *st, const char *app_id,
                                             const char *user_id, uint32_t n);
    uint32_t (*offline_take)(rtmd_store *st, const char *app_id, const char *user_id,
                             uint64_t horizon_ms, rtmd_offline_fn fn, void *closure,
                             uint32_t *expired);
    size_t (*offline_expire)(rtmd_store *st, uint64_t horizon_ms);

    /* The bytes kept of kind (rtmd_usage); for RTMD_USAGE_CHATTRS those of
     * app alone unless app is NULL (other kinds: always all apps). */
    size_t (*usage)(rtmd_store *st, rtmd_usage kind, const char *app);

    /* Presence subscriptions (SPEC A8): the user ids (of its app) whose
     * presence u follows, and the reverse index. They belong to u's session
     * and go with it (session_remove). sub_add: OK, EXISTS, ABSENT (u has no
     * session) or NOMEM. sub_remove: OK or ABSENT. sub_list: sorted
     * (bytewise). followers_foreach calls fn for every user that follows
     * (app_id, user_id); fn must not change subscriptions or sessions. */
    rtmd_store_status (*sub_add)(rtmd_store *st, rtmd_user u, const char *user_id);
    rtmd_store_status (*sub_remove)(rtmd_store *st, rtmd_user u, const char *user_id);
    bool (*sub_has)(rtmd_store *st, rtmd_user u, const char *user_id);
    size_t (*sub_count)(rtmd_store *st, rtmd_user u);
    rtmd_store_status (*sub_list)(rtmd_store *st, rtmd_user u, rtmd_strv *out);
    void (*followers_foreach)(rtmd_store *st, const char *app_id, const char *user_id,
                              rtmd_user_fn fn, void *closure);

    /* Bans (SPEC A1, the admin API), per user, whether or not it has a
     * session, until a wall-clock deadline (0: until lifted). ban_put
     * replaces an earlier one. ban_lift: OK, or ABSENT when none was in
     * force at now. ban_active: whether one is in force at now. bans_list:
     * those in force at now, in no particular order. Bans past their
     * deadline are forgotten as they are met. */
    rtmd_store_status (*ban_put)(rtmd_store *st, rtmd_user u, uint64_t until_ms);
    rtmd_store_status (*ban_lift)(rtmd_store *st, rtmd_user u, uint64_t now_ms);
    bool (*ban_active)(rtmd_store *st, rtmd_user u, uint64_t now_ms);
    rtmd_store_status (*bans_list)(rtmd_store *st, uint64_t now_ms, rtmd_banv *out);

    /* Media (SPEC M1, M2): what the system knows of the stored media whose
     * bytes the blob store holds (blobs.h), per media id, which is unique
     * across apps. media_put: OK, EXISTS (the id is taken) or NOMEM.
     * media_get: whether id is stored for app (NULL: for any app), with its
     * size and when it was stored (wall ms). media_expire: forgets those
     * stored before horizon_ms, with their ids appended to out (whose
     * blobs are to go), and returns how many (NOMEM: those not listed are
     * kept for the next time). media_bytes: the sizes of all, added. */
    rtmd_store_status (*media_put)(rtmd_store *st, const char *app, const char *id,
                                   uint64_t size, uint64_t at_ms);
    bool (*media_get)(rtmd_store *st, const char *app, const char *id, uint64_t *size,
                      uint64_t *at_ms);
    size_t (*media_expire)(rtmd_store *st, uint64_t horizon_ms, rtmd_strv *out);
    uint64_t (*media_bytes)(rtmd_store *st);
} rtmd_store_ops;

struct rtmd_store {
    const rtmd_store_ops *ops;
};

/* The in-memory store (store_mem.c). NULL when out of memory. */
rtmd_store *rtmd_store_mem_new(void);
/* Recovery (store_sqlite.c) into an in-memory store: makes the channel
 * known with these seqs (channel_seqs), with or without members. OK, LIMIT
 * (ids too long) or NOMEM. */
rtmd_store_status rtmd_store_mem_channel_restore(rtmd_store *mem, const char *app,
                                                 const char *channel, uint64_t base,
                                                 uint64_t last);

/* Thin wrappers, so that callers read as plain calls. */
static inline void rtmd_store_destroy(rtmd_store *st) { st->ops->destroy(st); }
static inline rtmd_store_status rtmd_store_session_add(rtmd_store *st, rtmd_user u)
{ return st->ops->session_add(st, u); }
static inline void rtmd_store_session_remove(rtmd_store *st, rtmd_user u)
{ st->ops->session_remove(st, u); }
static inline bool rtmd_store_session_has(rtmd_store *st, rtmd_user u)
{ return st->ops->session_has(st, u); }
static inline size_t rtmd_store_channel_member_count(rtmd_store *st, const char *app,
                                                     const char *ch)
{ return st->ops->channel_member_count(st, app, ch); }
static inline size_t rtmd_store_session_count(rtmd_store *st)
{ return st->ops->session_count(st); }
static inline rtmd_store_status rtmd_store_session_meta_put(rtmd_store *st, rtmd_user u,
                                                            const rtmd_session_meta *m)
{ return st->ops->session_meta_put(st, u, m); }
static inline bool rtmd_store_session_meta_get(rtmd_store *st, rtmd_user u,
                                               rtmd_session_meta *out)
{ return st->ops->session_meta_get(st, u, out); }
static inline void rtmd_store_sessions_foreach(rtmd_store *st, rtmd_session_fn fn,
                                               void *closure)
{ st->ops->sessions_foreach(st, fn, closure); }
static inline uint64_t rtmd_store_barrier(rtmd_store *st)
{ return st->ops->barrier(st); }
static inline rtmd_store_status rtmd_store_unacked_push(rtmd_store *st, rtmd_user u,
                                                        uint64_t seq, const uint8_t *frame,
                                                        size_t len, size_t max)
{ return st->ops->unacked_push(st, u, seq, frame, len, max); }
static inline void rtmd_store_unacked_ack(rtmd_store *st, rtmd_user u, uint64_t seq)
{ st->ops->unacked_ack(st, u, seq); }
static inline size_t rtmd_store_unacked_count(rtmd_store *st, rtmd_user u)
{ return st->ops->unacked_count(st, u); }
static inline void rtmd_store_unacked_clear(rtmd_store *st, rtmd_user u)
{ st->ops->unacked_clear(st, u); }
static inline void rtmd_store_unacked_foreach(rtmd_store *st, rtmd_user u,
                                              rtmd_frame_fn fn, void *closure)
{ st->ops->unacked_foreach(st, u, fn, closure); }
static inline uint32_t rtmd_store_unacked_take_dropped(rtmd_store *st, rtmd_user u)
{ return st->ops->unacked_take_dropped(st, u); }
static inline bool rtmd_store_sent_lookup(rtmd_store *st, rtmd_user u, uint64_t seq,
                                          int *code)
{ return st->ops->sent_lookup(st, u, seq, code); }
static inline rtmd_store_status rtmd_store_sent_record(rtmd_store *st, rtmd_user u,
                                                       uint64_t seq, int code)
{ return st->ops->sent_record(st, u, seq, code); }
static inline rtmd_store_status rtmd_store_attrs_get(rtmd_store *st, rtmd_user u,
                                                     rtmd_attrv *out)
{ return st->ops->attrs_get(st, u, out); }
static inline rtmd_store_status rtmd_store_attrs_put(rtmd_store *st, rtmd_user u,
                                                     const rtmd_attrv *in)
{ return st->ops->attrs_put(st, u, in); }
static inline rtmd_store_status rtmd_store_chattrs_get(rtmd_store *st, const char *app,
                                                       const char *ch, rtmd_attrv *out)
{ return st->ops->chattrs_get(st, app, ch, out); }
static inline rtmd_store_status rtmd_store_chattrs_put(rtmd_store *st, const char *app,
                                                       const char *ch, const rtmd_attrv *in)
{ return st->ops->chattrs_put(st, app, ch, in); }
static inline size_t rtmd_store_chattrs_count(rtmd_store *st)
{ return st->ops->chattrs_count(st); }
static inline rtmd_store_status rtmd_store_channel_join(rtmd_store *st, rtmd_user u,
                                                        const char *ch, size_t max,
                                                        uint64_t seq_base)
{ return st->ops->channel_join(st, u, ch, max, seq_base); }
static inline size_t rtmd_store_channels_expire(rtmd_store *st, uint64_t horizon_ms)
{ return st->ops->channels_expire(st, horizon_ms); }
static inline rtmd_store_status rtmd_store_channel_leave(rtmd_store *st, rtmd_user u,
                                                         const char *ch)
{ return st->ops->channel_leave(st, u, ch); }
static inline bool rtmd_store_channel_has(rtmd_store *st, rtmd_user u, const char *ch)
{ return st->ops->channel_has(st, u, ch); }
static inline rtmd_store_status rtmd_store_channel_members(rtmd_store *st, const char *app,
                                                           const char *ch, rtmd_strv *out)
{ return st->ops->channel_members(st, app, ch, out); }
static inline rtmd_store_status rtmd_store_app_channels(rtmd_store *st, const char *app,
                                                        rtmd_strv *out)
{ return st->ops->app_channels(st, app, out); }
static inline rtmd_store_status rtmd_store_session_channels(rtmd_store *st, rtmd_user u,
                                                            rtmd_strv *out)
{ return st->ops->session_channels(st, u, out); }
static inline uint64_t rtmd_store_channel_next_seq(rtmd_store *st, const char *app,
                                                   const char *ch)
{ return st->ops->channel_next_seq(st, app, ch); }
static inline bool rtmd_store_channel_seqs(rtmd_store *st, const char *app, const char *ch,
                                           uint64_t *base, uint64_t *last)
{ return st->ops->channel_seqs(st, app, ch, base, last); }
static inline rtmd_store_status rtmd_store_history_push(rtmd_store *st, const char *app,
                                                        const char *ch, uint64_t seq,
                                                        uint64_t at_ms, const uint8_t *frame,
                                                        size_t len, size_t max,
                                                        uint64_t horizon_ms,
                                                        uint64_t max_bytes)
{
    return st->ops->history_push(st, app, ch, seq, at_ms, frame, len, max, horizon_ms,
                                 max_bytes);
}
static inline void rtmd_store_history_foreach(rtmd_store *st, const char *app,
                                              const char *ch, uint64_t horizon_ms,
                                              rtmd_frame_fn fn, void *closure)
{ st->ops->history_foreach(st, app, ch, horizon_ms, fn, closure); }
static inline rtmd_store_status rtmd_store_offline_push(rtmd_store *st, const char *app,
                                                        const char *user,
                                                        const rtmd_offline_msg *m, size_t max)
{ return st->ops->offline_push(st, app, user, m, max); }
static inline rtmd_store_status rtmd_store_offline_dropped_add(rtmd_store *st,
                                                               const char *app,
                                                               const char *user, uint32_t n)
{ return st->ops->offline_dropped_add(st, app, user, n); }
static inline uint32_t rtmd_store_offline_take(rtmd_store *st, const char *app,
                                               const char *user, uint64_t horizon_ms,
                                               rtmd_offline_fn fn, void *closure,
                                               uint32_t *expired)
{ return st->ops->offline_take(st, app, user, horizon_ms, fn, closure, expired); }
static inline size_t rtmd_store_offline_expire(rtmd_store *st, uint64_t horizon_ms)
{ return st->ops->offline_expire(st, horizon_ms); }
static inline size_t rtmd_store_usage(rtmd_store *st, rtmd_usage kind, const char *app)
{ return st->ops->usage(st, kind, app); }
static inline rtmd_store_status rtmd_store_sub_add(rtmd_store *st, rtmd_user u,
                                                   const char *user)
{ return st->ops->sub_add(st, u, user); }
static inline rtmd_store_status rtmd_store_sub_remove(rtmd_store *st, rtmd_user u,
                                                      const char *user)
{ return st->ops->sub_remove(st, u, user); }
static inline bool rtmd_store_sub_has(rtmd_store *st, rtmd_user u, const char *user)
{ return st->ops->sub_has(st, u, user); }
static inline size_t rtmd_store_sub_count(rtmd_store *st, rtmd_user u)
{ return st->ops->sub_count(st, u); }
static inline rtmd_store_status rtmd_store_sub_list(rtmd_store *st, rtmd_user u,
                                                    rtmd_strv *out)
{ return st->ops->sub_list(st, u, out); }
static inline void rtmd_store_followers_foreach(rtmd_store *st, const char *app,
                                                const char *user, rtmd_user_fn fn,
                                                void *closure)
{ st->ops->followers_foreach(st, app, user, fn, closure); }

static inline rtmd_store_status rtmd_store_ban_put(rtmd_store *st, rtmd_user u,
                                                   uint64_t until_ms)
{ return st->ops->ban_put(st, u, until_ms); }
static inline rtmd_store_status rtmd_store_ban_lift(rtmd_store *st, rtmd_user u,
                                                    uint64_t now_ms)
{ return st->ops->ban_lift(st, u, now_ms); }
static inline bool rtmd_store_ban_active(rtmd_store *st, rtmd_user u, uint64_t now_ms)
{ return st->ops->ban_active(st, u, now_ms); }
static inline rtmd_store_status rtmd_store_bans_list(rtmd_store *st, uint64_t now_ms,
                                                     rtmd_banv *out)
{ return st->ops->bans_list(st, now_ms, out); }

static inline rtmd_store_status rtmd_store_media_put(rtmd_store *st, const char *app,
                                                     const char *id, uint64_t size,
                                                     uint64_t at_ms)
{ return st->ops->media_put(st, app, id, size, at_ms); }
static inline bool rtmd_store_media_get(rtmd_store *st, const char *app, const char *id,
                                        uint64_t *size, uint64_t *at_ms)
{ return st->ops->media_get(st, app, id, size, at_ms); }
static inline size_t rtmd_store_media_expire(rtmd_store *st, uint64_t horizon_ms,
                                             rtmd_strv *out)
{ return st->ops->media_expire(st, horizon_ms, out); }
static inline uint64_t rtmd_store_media_bytes(rtmd_store *st)
{ return st->ops->media_bytes(st); }

#endif
