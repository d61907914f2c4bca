/*
 * session.h: the server's record of a logged-in user, and the login,
 * logout and lost-link rules (SPEC S16).
 *
 * A session is keyed by (app id, user id) in the store. It is bound to at
 * most one link and outlives it: when its link is lost (not on Logout) it
 * stays, online and in its channels, until --session-grace-ms after the
 * last data received on that link (SPEC S12, S13). A login of the same
 * instance within that time resumes it (replay.c); otherwise it ends at the
 * deadline with member-left events (SPEC S13), and the peer messages it had
 * not acknowledged are kept for its user's next login (SPEC S9).
 *
 * Sessions in grace are on one list in deadline order under one timer for
 * the whole server: entering (from the tail, where a new deadline nearly
 * always belongs) and leaving grace cost O(1) and no event per session.
 */
#ifndef RTMD_SESSION_H
#define RTMD_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "deadlines.h"
#include "rates.h"
#include "requests.h"
#include "rtm.pb-c.h"
#include "engine/store.h"

struct rtmd_server;
struct rtmd_conn;
struct event;

typedef struct rtmd_session {
    struct rtmd_server *srv;  /* for its timers' callbacks */
    char *app_id;
    char *user_id;
    uint64_t instance_id;     /* Login.instance_id of the client that owns it */
    uint32_t link_seq;        /* Login.link_seq of the link it last accepted */
    uint64_t id;              /* LoginResult.session_id: never 0, never reused */
    uint64_t login_wall_ms;   /* when the login that made it was answered (wall ms:
                               * the channel history's clock, store.h) */
    struct rtmd_conn *link;   /* NULL while it has none */
    /* Grace (no link): its place on the server's list, with its deadline
     * (deadlines.h). */
    rtmd_grace_node grace;
    /* Its token (token_expiry.c): when it expires (Unix s, 0 = never),
     * whether TokenWillExpire was sent for it, and the timer while armed. */
    uint64_t token_expires_at;
    bool token_warned;
    struct event *token_timer;
    /* Its presence (presence.c, SPEC A8): the last data received on its
     * last link (monotonic ms, set when the link is detached), whether it
     * was found UNREACHABLE since it lost that link, and the timer that
     * finds it (created on the first need). */
    uint64_t last_rx_ms;
    bool unreachable;
    struct event *presence_timer;
    /* Its user's request rates (rates.h): shared with any other session of
     * the user and kept after them, so that logging in again does not
     * reset them. Never NULL. */
    rtmd_user_rates *rates;
    /* The highest PeerAck.seq taken from its links (a lower one is a no-op). */
    uint64_t acked_seq;
} rtmd_session;

/* The handler of Login (requests.c): answers LoginResult; a session is
 * bound to the link. */
void rtmd_session_login(const rtmd_req *rq, const rtm__frame *f);

/* The handler of Logout: Result{0}, the session ends with member-left
 * events, the link closes. */
void rtmd_session_logout(const rtmd_req *rq, const rtm__frame *f);

/* The link of s is gone (already detached): s enters its grace, or ends at
 * once when --session-grace-ms is 0. */
void rtmd_session_link_lost(struct rtmd_server *srv, rtmd_session *s);

/* Ends s from the server's side: its link, if it has one, is sent
 * Kick{reason} (a ConnectionChangeReason: TOKEN_EXPIRED when its token
 * expired under --token-expiry-policy abort, BANNED_BY_SERVER through the
 * admin API) and closed; the session ends with member-left events and s is
 * freed. */
void rtmd_session_kick(struct rtmd_server *srv, rtmd_session *s, int reason);
/* s is another node's now (issue 16): its client went there (kicked
 * false: its link here, if any, is closed), or another instance logged in
 * there (kicked: its link is sent Kick{REMOTE_LOGIN}, S16). It is freed
 * here, without ending it: the engine has done what was to be done. */
void rtmd_session_let_go(struct rtmd_server *srv, rtmd_session *s, bool kicked);

/* Counts one request of kind against the rate of s's user (--rate); false
 * (logged at debug) when it is over it and the request is to be refused
 * TOO_OFTEN. */
bool rtmd_session_rate_take(struct rtmd_server *srv, rtmd_session *s, rtmd_rate_kind kind);
/* Gives back the last request rtmd_session_rate_take counted (a re-send). */
void rtmd_session_rate_give_back(struct rtmd_server *srv, rtmd_session *s,
                                 rtmd_rate_kind kind);

/* Frees every session of this node without events and without touching
 * the store, where they stay (shutdown, and recovery after a failed
 * write). */
void rtmd_session_forget_all(struct rtmd_server *srv);
/* Puts every session of the store on this node, without a link, in a
 * grace counted from now (startup, and recovery): the clients that come
 * back within it resume, and nobody sees them leave. */
void rtmd_session_recover_all(struct rtmd_server *srv);
/* What the store keeps of s (rtmd_session_meta), with the expiry of the
 * token it now has (an RTMD_ENG_SESSION_SAVE saves it). */
void rtmd_session_meta_of(const rtmd_session *s, uint64_t token_expires_at,
                          rtmd_session_meta *m);

/* The key of s in the store. */
static inline rtmd_user rtmd_session_user(const rtmd_session *s)
{
    return (rtmd_user){ s->app_id, s->user_id };
}

/* "app/user", for logs. */
const char *rtmd_session_name(const rtmd_session *s, char *buf, size_t size);

#endif
