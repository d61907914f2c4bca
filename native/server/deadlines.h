/*
 * deadlines.h: the server's deadlines, computed from a given now.
 *
 * Every rule of rtmd that is about time is decided here by functions that
 * take now (ms, from srv->now: read once per loop callback) and return what
 * is due and when to look again, as the client's session.c does. They read
 * no clock, arm no timer and touch no socket: the modules that own the
 * timers (conn.c, session.c, presence.c, token_expiry.c) call them and arm
 * one libevent timer for the next expiry they return, and the tests drive
 * them on a virtual clock (tests/server/deadlines_test.cc).
 *
 * Times are monotonic ms unless named _s (Unix seconds) or wall.
 */
#ifndef RTMD_DEADLINES_H
#define RTMD_DEADLINES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* No deadline. */
#define RTMD_NEVER UINT64_MAX

/* ---- a link (conn.c) ------------------------------------------------------ */

typedef enum {
    RTMD_LINK_HELLO,   /* waiting for Hello */
    RTMD_LINK_LOGIN,   /* Hello done, waiting for a successful Login */
    RTMD_LINK_READY,   /* logged in */
    RTMD_LINK_CLOSING  /* flushing its last frames, or half-closed */
} rtmd_link_phase;

/* What a link's clock holds: when it was accepted, when it last received
 * and sent anything, when it began to close; and its bounds. */
typedef struct {
    uint64_t accepted_ms, last_rx_ms, last_tx_ms, closing_ms;
    uint32_t login_deadline_ms; /* --login-deadline-ms: accept to login */
    uint32_t idle_timeout_ms;   /* nothing received this long: dead */
    uint32_t heartbeat_ms;      /* nothing sent this long: a Ping */
    uint32_t linger_ms;         /* a closing link is dropped after this */
} rtmd_link_clock;

typedef enum {
    RTMD_LINK_DUE_NOTHING,
    RTMD_LINK_DUE_PING,        /* send a Ping */
    RTMD_LINK_DUE_LOGIN_LATE,  /* no login within the deadline: close */
    RTMD_LINK_DUE_IDLE,        /* silent past the idle timeout: close */
    RTMD_LINK_DUE_LINGER_OVER  /* closing too long: drop */
} rtmd_link_due;

/* What is due on a link in phase at now (the most urgent first: linger,
 * login deadline, idle, ping; no Ping before Hello), and in *next when to
 * look again once that is done (RTMD_NEVER: nothing to wait for). */
rtmd_link_due rtmd_link_check(const rtmd_link_clock *k, rtmd_link_phase phase, uint64_t now,
                              uint64_t *next);

/* ---- sessions without a link (session.c, SPEC S12, S13) ------------------- */

/* A session's place on the grace list, embedded in the session. */
typedef struct rtmd_grace_node {
    uint64_t until;  /* its deadline */
    bool in;         /* on the list */
    struct rtmd_grace_node *prev, *next;
} rtmd_grace_node;

/* The sessions in grace, earliest deadline first. */
typedef struct {
    rtmd_grace_node *head, *tail;
    size_t count;
} rtmd_grace_list;

/* SPEC S13: the grace of a session whose link last received data at
 * last_rx_ms ends grace_ms after it, not after the loss was noticed. */
uint64_t rtmd_grace_deadline(uint64_t last_rx_ms, uint32_t grace_ms);

/* Puts n on l with deadline until. Deadlines arrive nearly in order (links
 * notice their loss after different idle timeouts), so n is inserted from
 * the tail: O(1) but for the rare late-comer. n must not be on a list. */
void rtmd_grace_enter(rtmd_grace_list *l, rtmd_grace_node *n, uint64_t until);
/* Takes n off l (nothing when it is not on it). */
void rtmd_grace_leave(rtmd_grace_list *l, rtmd_grace_node *n);
/* The earliest deadline, RTMD_NEVER when l is empty. */
uint64_t rtmd_grace_next(const rtmd_grace_list *l);
/* Takes off and returns the first node whose deadline is <= now; NULL when
 * none is due. */
rtmd_grace_node *rtmd_grace_pop_due(rtmd_grace_list *l, uint64_t now);

/* ---- presence (presence.c, SPEC A8) --------------------------------------- */

/* When a session without a link, whose link last received data at
 * last_rx_ms and whose grace ends at grace_until, becomes UNREACHABLE to its
 * subscribers: unreachable_ms after that data; RTMD_NEVER when the grace
 * ends first (it goes OFFLINE then, S13). */
uint64_t rtmd_unreachable_at(uint64_t last_rx_ms, uint32_t unreachable_ms,
                             uint64_t grace_until);

/* ---- tokens (token_expiry.c, SPEC S15) ------------------------------------ */

typedef enum {
    RTMD_TOKEN_DUE_NOTHING,
    RTMD_TOKEN_DUE_WARN,    /* send TokenWillExpire (once per token) */
    RTMD_TOKEN_DUE_EXPIRED  /* the token has expired: apply the policy */
} rtmd_token_due;

/* What is due at now_wall_ms (wall clock) for a token expiring at
 * expires_s (Unix s, 0: never) and warned about warn_s before, given
 * whether the warning went out already; *next_wall_ms is when to look again
 * (RTMD_NEVER: never). */
rtmd_token_due rtmd_token_check(uint64_t expires_s, uint32_t warn_s, bool warned,
                                uint64_t now_wall_ms, uint64_t *next_wall_ms);

/* ---- channel history (replay.c, router.c, SPEC S10) ----------------------- */

/* The oldest a kept channel message may be, at `at`, to be replayed: the
 * window before `at` (wall ms: the history's clock, store.h; 0 when the
 * window reaches back past the start). */
uint64_t rtmd_history_horizon(uint64_t at, uint32_t window_ms);

#endif
