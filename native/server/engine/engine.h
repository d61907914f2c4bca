/*
 * engine.h: the asynchronous door to what the system keeps.
 *
 * A handler that reads or changes shared state (what must survive a restart
 * and be shared by several nodes) does it with one operation on the engine:
 * an rtmd_eng_op that says what it is (its kind, a tagged union of inputs)
 * and what came of it (its code and outputs). rtmd_engine_submit reads the
 * inputs before it returns (they may be borrowed from the request frame);
 * op->done runs later on the loop thread, once the operation has taken
 * effect and is as safe as the engine makes it, with the outputs in the op
 * until done returns. Operations complete in the order they were submitted.
 * No engine hands out pointers to a node's objects: users and channels are
 * named by their ids.
 *
 * An operation is one step of the protocol, whole: a peer send with its
 * send_seq dedupe and its delivery or keeping, a join with its replay, the
 * end of a session with its channels and undelivered messages. So an
 * engine shared by several nodes can run each atomically (a Redis Function),
 * and the node never holds shared state between two of them. What a step
 * needs of the node (a rate, a same-channel limit) comes in as an input;
 * what the node must do after (send frames to a session here, fan a frame
 * out to the members listed, log, count) comes back as an output. Handlers
 * make their calls with rtmd_call (call.h).
 *
 * Engines: `mem` (engine_mem.c) applies each operation to a store that
 * keeps its image in memory (store.h: the in-memory store, or the durable
 * one, store_sqlite.h, whose writes conn.c's gate holds the answers for)
 * and completes it at once, inside submit, or, deferred (--engine-delay-us,
 * for tests), a set delay later, as an engine over the network would. The
 * operations themselves are engine.c's and replay.c's, the only callers of
 * the store but the server's setup (server.c opens and reloads it, conn.c
 * asks it for the durability barrier of what it sends, metrics.c reads its
 * writer's figures). `redis` (engine_redis.h) has no store of the node's:
 * each operation is one Redis Function, shared by every node on that Redis.
 */
#ifndef RTMD_ENGINE_H
#define RTMD_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "rtm.pb-c.h"
#include "store.h"

typedef struct rtmd_engine rtmd_engine;
typedef struct rtmd_eng_op rtmd_eng_op;

typedef enum {
    RTMD_ENG_ATTRS_GET,   /* the attributes of a user with a session */
    RTMD_ENG_ATTRS_SET,   /* a SetAttributes on a user's session */
    RTMD_ENG_CHATTRS_GET, /* the attributes of a channel */
    RTMD_ENG_CHATTRS_SET, /* a SetChannelAttributes */
    RTMD_ENG_BAN_SET,     /* ban a user (SPEC A1) */
    RTMD_ENG_BAN_LIFT,    /* lift a user's ban */
    RTMD_ENG_BANS_LIST,   /* the bans in force */
    RTMD_ENG_SUBSCRIBE,   /* follow (or stop following) users' presence (A8) */
    RTMD_ENG_SUBSCRIBED,  /* the users a session follows */
    RTMD_ENG_FOLLOWERS,   /* the users that follow a user */
    RTMD_ENG_PEER_SEND,   /* a PeerSend, exactly once (SPEC B1, S9, A6) */
    RTMD_ENG_PEER_ACK,    /* a PeerAck */
    RTMD_ENG_LOGIN,       /* a login's session: made, with what was kept for its
                           * user (S9, A6), or taken up again, with what it
                           * missed (S9, S10, B1, B2); saved */
    RTMD_ENG_JOIN,        /* a Join, with its replay (S10) */
    RTMD_ENG_LEAVE,       /* a Leave */
    RTMD_ENG_SESSION_END, /* a session ends: out of its channels, what it had not
                           * acknowledged kept for its user (S9, S13) */
    RTMD_ENG_CHANNEL_SEND, /* a ChannelSend, exactly once (B1, B2) */
    RTMD_ENG_MEMBERS,     /* a channel's members */
    RTMD_ENG_MEMBER_COUNTS, /* the member counts of channels */
    RTMD_ENG_BANNED,      /* whether a ban keeps a user from logging in (A1) */
    RTMD_ENG_SESSION_SAVE, /* a session's meta saved (a renewed token) */
    RTMD_ENG_SESSIONS,    /* every session with its meta (recovery) */
    RTMD_ENG_APP_CHANNELS, /* the channels of an app with members (admin) */
    RTMD_ENG_MEDIA_PUT,   /* a media's bytes are stored: known from now on (M1) */
    RTMD_ENG_MEDIA_GET,   /* a media of an app, if it is known (M2) */
    RTMD_ENG_EXPIRE,      /* offline messages, idle channels and media past their
                           * time */
    RTMD_ENG_SEND_TO,     /* an event frame to users' sessions on other nodes
                           * (the node sends to its own) */
    RTMD_ENG_KICK,        /* a user's session on another node kicked there
                           * (BANNED_BY_SERVER, the admin API) */
    RTMD_ENG_PRESENCE,    /* the presence of users (A8) as the system knows it */
    RTMD_ENG_NODE_BEAT,   /* this node is alive; dead ones' sessions get their
                           * grace, and those whose grace ended end */
    RTMD_ENG_NODES        /* the nodes sharing the store (admin): users = their
                           * ids, counts = 3 per node (its sessions, 1 when
                           * declared dead, ms left before its deadline),
                           * count = sessions of dead nodes in their grace;
                           * ABSENT with an engine of one node */
} rtmd_eng_kind;

/* RTMD_ENG_PRESENCE's count of a user whose session (if any) is the asking
 * node's to tell (with an engine of one node, every user's). */
#define RTMD_PRESENCE_HERE 255u

/* A session and what the system keeps of it; an owned list of them.
 * node: the node holding it (NULL with an engine of one node). */
typedef struct {
    char *app, *user, *node;
    rtmd_session_meta meta;
} rtmd_session_entry;

typedef struct {
    rtmd_session_entry *items;
    size_t count;
} rtmd_sessionv;

/* A session a dead node held, ended at the end of its grace: the channels
 * it left, with their member counts after it. */
typedef struct {
    char *app, *user;
    uint64_t session_id;
    rtmd_strv channels;
    uint32_t *counts;
} rtmd_ended_session;

typedef struct {
    rtmd_ended_session *items;
    size_t count;
} rtmd_endedv;

/* An owned encoded frame (header included); an owned list of them. */
typedef struct {
    uint8_t *buf;
    size_t len;
} rtmd_buf;

typedef struct {
    rtmd_buf *items;
    size_t count;
} rtmd_bufv;

/* What an operation met on the way (op->flags). */
enum {
    RTMD_ENG_RESENT = 1u << 0,       /* PEER_SEND: its send_seq was processed
                                      * already: answered with that code, and
                                      * nothing else done */
    RTMD_ENG_OFFLINE_FULL = 1u << 1, /* refused: --offline-max-bytes held */
    RTMD_ENG_UNKEPT = 1u << 2,       /* a delivery could not be queued (memory,
                                      * or a kept message that does not decode) */
    RTMD_ENG_UNRECORDED = 1u << 3,   /* the send_seq's answer could not be kept */
    RTMD_ENG_NOT_MEMBER = 1u << 4,   /* CHANNEL_SEND: the sender is not in the
                                      * channel (FAILURE, before the rate) */
    RTMD_ENG_UNHISTORIED = 1u << 5,  /* CHANNEL_SEND: not kept in the history
                                      * (out of memory) */
    RTMD_ENG_UNACKED_FULL = 1u << 6, /* PEER_SEND refused: the deliveries not
                                      * acknowledged hold unacked_max_bytes */
    RTMD_ENG_HISTORY_FULL = 1u << 7, /* CHANNEL_SEND: not kept in the history,
                                      * which holds history_max_bytes */
    RTMD_ENG_CHATTRS_FULL = 1u << 8, /* CHATTRS_SET refused (SIZE_OVERFLOW): the
                                      * app's channel attributes would hold
                                      * more than max_bytes */
    RTMD_ENG_UNAVAILABLE = 1u << 9,  /* not run, or its outcome unknown: the
                                      * engine's store could not be reached in
                                      * time (engine_redis.h); the code is the
                                      * kind's failure */
    RTMD_ENG_TAKEN = 1u << 10,       /* LOGIN (create): the session of the same
                                      * instance was another node's: taken up
                                      * with its id (op->session_id) and what
                                      * it missed, as a resume is */
    RTMD_ENG_REPLACED = 1u << 11,    /* LOGIN (create): another instance's
                                      * session, another node's, was ended for
                                      * this one (S16) */
    RTMD_ENG_MORE = 1u << 12         /* EXPIRE: a step of a pass that is not
                                      * over: call again */
};

typedef void (*rtmd_eng_done)(rtmd_eng_op *op);

struct rtmd_eng_op {
    rtmd_eng_kind kind;
    union {
        struct {
            rtmd_user of;
            char *const *keys; /* only these (none: all) */
            size_t n_keys;
        } attrs_get;
        struct {
            rtmd_user of;
            const Rtm__Wire__SetAttributes *change;
        } attrs_set;
        struct {
            const char *app, *channel;
            char *const *keys; /* only these (none: all) */
            size_t n_keys;
        } chattrs_get;
        struct rtmd_eng_chattrs_set {
            const char *app, *channel;
            const Rtm__Wire__SetAttributes *change;
            const char *by; /* who sets them (last_update_user) */
            uint64_t ts;    /* and when (wall ms) */
            uint64_t max_bytes; /* RTMD_USAGE_CHATTRS's bound for the app */
        } chattrs_set;
        struct {
            rtmd_user of;
            uint64_t until_ms; /* wall clock; 0: until lifted */
        } ban_set;
        struct {
            rtmd_user of;
            uint64_t now_ms;   /* wall clock */
        } ban_lift;
        struct {
            uint64_t now_ms;   /* wall clock */
        } bans_list;
        struct {
            rtmd_user of;
            char *const *users;
            size_t n_users;
            bool unsubscribe;
            size_t max;        /* subscriptions a session may hold */
        } subscribe;
        struct {
            rtmd_user of;
        } subscribed;
        struct {
            rtmd_user of;
            int state;         /* the state announced (rtmd_peer_state): kept
                                * for other nodes' presence queries */
            /* The event that says it (may be NULL): an engine of several
             * nodes hands it to the other nodes' followers in the same step,
             * unless another node holds the session now (then the state is
             * stale: no followers, nothing sent). */
            const uint8_t *frame;
            size_t len;
        } followers;
        struct {
            const char *app;
            char *const *users;
            size_t n_users;
        } presence;
        struct {
            uint32_t timeout_ms;   /* alive for this long from now (the
                                    * engine's clock) */
            uint32_t grace_ms;     /* a dead node's sessions wait this long */
            bool rejoin;           /* it starts, or it let go of everything */
        } node_beat;
        struct rtmd_eng_peer_send {
            rtmd_user from;
            const char *to;       /* a user of from's app */
            uint64_t send_seq;    /* 0: none */
            /* As it is delivered: stamped with the server's time. */
            const Rtm__Wire__Message *msg;
            int refused;          /* a PeerMessageError found by the node
                                   * (invalid, too often): answered unless
                                   * send_seq was processed already */
            size_t max_unacked;   /* the receiver's queue bound */
            size_t offline_max;   /* 0: not kept for an absent receiver */
            uint64_t offline_max_bytes; /* RTMD_USAGE_OFFLINE's bound, in all */
            uint64_t unacked_max_bytes; /* RTMD_USAGE_UNACKED's, in all */
        } peer_send;
        struct {
            rtmd_user of;
            uint64_t seq;
        } peer_ack;
        struct rtmd_eng_login {
            rtmd_user of;
            bool create;            /* the node holds no session of the user:
                                     * a new one, or one found (left by an
                                     * operation that failed, or another
                                     * node's) taken up (RTMD_ENG_TAKEN, the
                                     * same instance) or replaced
                                     * (RTMD_ENG_REPLACED) */
            rtmd_session_meta meta; /* saved */
            /* What the client says it has: the session it had (0: none),
             * the last PeerDeliver seq it had there, its channel cursors. A
             * new session is given what was kept for its user (but what the
             * same client had of the session it names, and what is older
             * than offline_horizon_ms); a session taken up again, what is in
             * its queue after peer_received and what its channels kept for
             * the cursors (replay.h), from channel_horizon_ms on. */
            uint64_t session_id, peer_received;
            Rtm__Wire__ChannelCursor *const *cursors;
            size_t n_cursors;
            uint64_t offline_horizon_ms, channel_horizon_ms; /* wall clock */
            size_t max_unacked, replay_max;
        } login;
        struct rtmd_eng_join {
            rtmd_user of;
            const char *channel;
            size_t max_per_user;    /* channels a session may be in */
            uint64_t seq_base;      /* channel_join's (store.h) */
            bool same_too_often;    /* the node's same-channel rate refuses it */
            /* A rejoin's replay (S10 after S13): what came after last_seq,
             * from horizon_ms on, at most replay_max. */
            bool replay;
            uint64_t last_seq, horizon_ms;
            size_t replay_max;
        } join;
        struct {
            rtmd_user of;
            const char *channel;
        } leave, members;
        struct {
            rtmd_user of;
            uint64_t session_id;  /* its id, kept with its messages */
        } session_end;
        struct rtmd_eng_channel_send {
            rtmd_user from;
            const char *channel;
            uint64_t send_seq;      /* 0: none */
            const Rtm__Wire__Message *msg; /* stamped with the server's time */
            int refused;            /* a ChannelMessageError of the node's that
                                     * comes before the membership check */
            bool over_rate;         /* TOO_OFTEN, after the membership check */
            uint64_t now_ms;        /* wall clock: kept with it in the history */
            size_t replay_max;      /* the history's bound */
            uint64_t horizon_ms;    /* and its window */
            uint64_t history_max_bytes; /* RTMD_USAGE_HISTORY's bound, in all */
        } channel_send;
        struct {
            const char *app;
            char *const *channels;
            size_t n_channels;
        } member_counts;
        struct {
            rtmd_user of;
            uint64_t now_ms;     /* wall clock */
        } banned;
        struct {
            rtmd_user of;
            rtmd_session_meta meta;
        } session_save;
        struct {
            const char *app;
        } app_channels;
        struct {
            const char *app, *id;
            uint64_t size, at_ms;  /* at_ms: wall clock */
            uint64_t max_bytes;    /* what all media may hold together */
        } media_put;
        struct {
            const char *app, *id;
            uint64_t horizon_ms;   /* stored before: past its time */
        } media_get;
        struct {
            bool all;              /* every node's (the admin API), not only
                                    * the asking node's (recovery) */
        } sessions;
        struct {
            rtmd_user of;
        } kick;
        struct {
            const char *app;
            char *const *users;    /* of app */
            size_t n_users;
            const char *except;    /* not to this user (NULL: none) */
            const uint8_t *frame;  /* encoded, header included */
            size_t len;
        } send_to;
        struct {
            uint64_t offline_horizon_ms; /* offline messages accepted before */
            uint64_t channels_horizon_ms; /* channels without members whose
                                           * history is all older */
            uint64_t media_horizon_ms;   /* media stored before */
            uint32_t budget;             /* an engine that sweeps in steps
                                          * (Redis): about this many offline
                                          * queues, channels and media per
                                          * step, flagging RTMD_ENG_MORE */
        } expire;
    } in;
    /* The outcome. For PEER_SEND, a PeerMessageError; for PEER_ACK and
     * LOGIN an rtmd_store_status (LOGIN: LIMIT or NOMEM when the session
     * could not be made or saved). JOIN: a JoinChannelError; LEAVE: a LeaveChannelError;
     * CHANNEL_SEND: a ChannelMessageError; MEMBERS: a GetMembersError;
     * MEMBER_COUNTS, SESSION_END, SESSION_SAVE, SESSIONS and APP_CHANNELS:
     * an rtmd_store_status. BANNED: 1 when banned, else 0. EXPIRE: 0, and
     * its count the offline messages forgotten, its users the ids of the
     * media forgotten (whose blobs are to go). MEDIA_PUT: an
     * rtmd_store_status (LIMIT: the media would hold more than max_bytes;
     * EXISTS: the id is taken). MEDIA_GET: OK with count the size, or
     * ABSENT (unknown, of another app, or past its time). SEND_TO: 0 (an
     * engine of one node has nobody else to send to). KICK: an
     * rtmd_store_status: OK (kicked where it is), ABSENT (no session),
     * EXISTS (the asking node's own, or an engine of one node: the node
     * kicks it). PRESENCE: 0, and a count per user asked: its
     * PeerState (ONLINE 0, UNREACHABLE 1, OFFLINE 2) or RTMD_PRESENCE_HERE.
     * NODE_BEAT: 0, or 1 when this node was declared dead (it is fenced: it
     * must let go of its links and sessions, then beat with rejoin). For the
     * attributes, an AttributeOperationError
     * (USER_NOT_FOUND when the user has no session, the apply's codes,
     * FAILURE when the engine failed). For SUBSCRIBE, a
     * PeerSubscriptionStatusError (all the users or none: OVERFLOW past
     * max). For bans, SUBSCRIBED and FOLLOWERS, an rtmd_store_status
     * (BAN_LIFT: ABSENT when none was in force). */
    int code;
    /* The attributes: those read (the _GET kinds), or the channel's whole
     * list after a CHATTRS_SET that succeeded (for its event); sorted by
     * key; freed by rtmd_engine_op_clear. */
    rtmd_attrv attrs;
    /* BANS_LIST: the bans in force; freed by rtmd_engine_op_clear. */
    rtmd_banv bans;
    /* SUBSCRIBE: the users newly followed, in the order asked; SUBSCRIBED:
     * the users followed, sorted; FOLLOWERS: the users (of its app) that
     * follow it. JOIN, LEAVE, CHANNEL_SEND and CHATTRS_SET: the members of
     * the channel after it, sorted (those to tell); MEMBERS: the same;
     * SESSION_END: the channels left, sorted; MEMBER_COUNTS: the channels
     * asked, in order; APP_CHANNELS: the channels, sorted. Freed by rtmd_engine_op_clear.
     * SUBSCRIBE's count: the subscriptions the session holds after it;
     * JOIN's and LEAVE's: the channel's members after it. */
    rtmd_strv users;
    size_t count;
    /* PEER_SEND and LOGIN: the frames to send now, in order,
     * to the receiver's session session_id (0: it has none; the frames are
     * in its queue and go out when it resumes). Freed by
     * rtmd_engine_op_clear. */
    rtmd_bufv frames;
    uint64_t session_id;
    unsigned flags;   /* RTMD_ENG_* */
    /* PEER_SEND and LOGIN: how many messages a bound pushed out of
     * a full queue (the receiver's unacknowledged queue when it has a
     * session, else its offline queue): each is told in a ReplayDone
     * later (peer_dropped). */
    uint32_t dropped;
    /* LOGIN (create): messages queued from an ended session and cached ones,
     * those the client had, those dropped while it was away (offline_take's
     * count) and, of those, the expired ones. SESSION_END: the messages it
     * had not acknowledged, kept (kept) or lost (dropped: by its queue's
     * bound before, or now, op->dropped of them, for want of memory). */
    struct {
        uint32_t kept, cached, had, dropped, expired;
    } offline;
    /* LOGIN (not create) and JOIN: what was re-delivered (the frames) and what was
     * missed but not (ReplayDone's fields). */
    struct {
        uint32_t peer_messages, peer_dropped, channel_messages, channel_skipped;
    } replay;
    /* MEMBER_COUNTS: a count per channel asked, in order; SESSION_END: a
     * count per channel left; APP_CHANNELS: a count per channel listed.
     * Freed by rtmd_engine_op_clear. */
    uint32_t *counts;
    /* SESSIONS: the sessions; freed by rtmd_engine_op_clear. */
    rtmd_sessionv sessions;
    /* NODE_BEAT: what the system holds (has_totals), in bytes by
     * rtmd_usage. */
    bool has_totals;
    uint64_t usage[RTMD_USAGE_KINDS];
    /* NODE_BEAT: the sessions of dead nodes it ended (and in users, as
     * "app/user", those of nodes it declared dead: UNREACHABLE now);
     * KICK: the session it ended, one in a dead node's grace. Freed by
     * rtmd_engine_op_clear. */
    rtmd_endedv ended;
    rtmd_eng_done done;
    void *closure;
};

typedef struct rtmd_engine_ops {
    void (*submit)(rtmd_engine *e, rtmd_eng_op *op);
    void (*destroy)(rtmd_engine *e);
} rtmd_engine_ops;

struct rtmd_engine {
    const rtmd_engine_ops *ops;
};

struct event_base;

/* The in-memory engine over store st (borrowed: it outlives the engine).
 * NULL when out of memory. */
rtmd_engine *rtmd_engine_mem_new(rtmd_store *st);
/* The same, but each operation, applied at submit, completes delay_us
 * later (0: at once), in order, from a timer on base whose callback calls
 * on_wake(arg) first: how an engine over the network behaves
 * (--engine-delay-us), so that tests run every handler's deferred path.
 * Destroying it completes what is pending. */
rtmd_engine *rtmd_engine_mem_deferred(rtmd_store *st, struct event_base *base, uint32_t delay_us,
                                      void (*on_wake)(void *), void *arg);

/* Submits op: its inputs are read now, op->done runs once it completed. */
static inline void rtmd_engine_submit(rtmd_engine *e, rtmd_eng_op *op)
{
    e->ops->submit(e, op);
}
static inline void rtmd_engine_destroy(rtmd_engine *e)
{
    e->ops->destroy(e);
}

/* Appends buf (taken over: freed when out of memory) to v; 0 or -1. */
int rtmd_bufv_push(rtmd_bufv *v, uint8_t *buf, size_t len);
void rtmd_bufv_free(rtmd_bufv *v);

/* Frees what an op's outputs hold (not the op). */
void rtmd_engine_op_clear(rtmd_eng_op *op);
/* Sets an op's outputs empty, holding nothing (what an engine does before
 * it fills them). */
void rtmd_engine_op_reset(rtmd_eng_op *op);

/* The operations on the store itself, as every engine that keeps the
 * store in memory applies them (mem now; sqlite next): op->code and the
 * outputs are set, op->done is not called. */
void rtmd_engine_apply(rtmd_store *st, rtmd_eng_op *op);

#endif
