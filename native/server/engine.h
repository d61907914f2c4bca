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
 * Engines: `mem` (engine_mem.c) applies each operation to a store that
 * keeps its image in memory (store.h: the in-memory store, or the durable
 * one, store_sqlite.h, whose writes conn.c's gate holds the answers for)
 * and completes it at once, inside submit. The families
 * moved onto the engine so far are the user and channel attributes, the
 * bans' changes and list, and presence subscriptions; the others (and the
 * ban check of a login) still call the store directly, which is sound while
 * every engine completes at once.
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
    RTMD_ENG_FOLLOWERS    /* the users that follow a user */
} rtmd_eng_kind;

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
        struct {
            const char *app, *channel;
            const Rtm__Wire__SetAttributes *change;
            const char *by; /* who sets them (last_update_user) */
            uint64_t ts;    /* and when (wall ms) */
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
        } subscribed, followers;
    } in;
    /* The outcome. For the attributes, an AttributeOperationError
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
     * follow it. Freed by rtmd_engine_op_clear. SUBSCRIBE's count: the
     * subscriptions the session holds after it. */
    rtmd_strv users;
    size_t count;
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

/* The in-memory engine over store st (borrowed: it outlives the engine).
 * NULL when out of memory. */
rtmd_engine *rtmd_engine_mem_new(rtmd_store *st);

/* Submits op: its inputs are read now, op->done runs once it completed. */
static inline void rtmd_engine_submit(rtmd_engine *e, rtmd_eng_op *op)
{
    e->ops->submit(e, op);
}
static inline void rtmd_engine_destroy(rtmd_engine *e)
{
    e->ops->destroy(e);
}

/* Frees what an op's outputs hold (not the op). */
void rtmd_engine_op_clear(rtmd_eng_op *op);

/* The operations on the store itself, as every engine that keeps the
 * store in memory applies them (mem now; sqlite next): op->code and the
 * outputs are set, op->done is not called. */
void rtmd_engine_apply(rtmd_store *st, rtmd_eng_op *op);

#endif
