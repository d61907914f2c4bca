/*
 * session.h: the server's record of a logged-in user, and the login,
 * logout and lost-link rules (SPEC S16).
 *
 * A session is keyed by (app id, user id) in the store. It is bound to at
 * most one link; it is a separate object so that it can outlive its link
 * (the 30 s grace of SPEC S12/S13 comes later: today a lost link ends its
 * session at once).
 */
#ifndef RTMD_SESSION_H
#define RTMD_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "rtm.pb-c.h"

struct rtmd_server;
struct rtmd_conn;

typedef struct rtmd_session {
    char *app_id;
    char *user_id;
    uint64_t instance_id;     /* Login.instance_id of the client that owns it */
    struct rtmd_conn *link;   /* NULL while it has none */
    uint64_t peer_seq;        /* seq of the last PeerDeliver sent to it */
} rtmd_session;

/* Handles Login on link c; answers LoginResult echoing request_id. */
void rtmd_session_login(struct rtmd_server *srv, struct rtmd_conn *c,
                        uint32_t request_id, const Rtm__Wire__Login *login);

/* Handles Logout on c (logged in): Result{0}, the session ends with
 * member-left events, the link closes. */
void rtmd_session_logout(struct rtmd_server *srv, struct rtmd_conn *c,
                         uint32_t request_id);

/* The link of s is gone (already detached). */
void rtmd_session_link_lost(struct rtmd_server *srv, rtmd_session *s);

/* Frees every session without events (shutdown). */
void rtmd_session_free_all(struct rtmd_server *srv);

/* "app/user", for logs. */
const char *rtmd_session_name(const rtmd_session *s, char *buf, size_t size);

#endif
