/*
 * presence.h: the presence of users as others see it (SPEC A8):
 * QueryPeers, Subscribe, GetSubscribed and PeerStateEvent.
 *
 * A user is ONLINE while it has a session with a link, and for
 * --unreachable-ms after the last data received on a link its session lost;
 * UNREACHABLE after that while the session is kept in its grace (S12);
 * OFFLINE without a session (logout, grace end S13, kick, token expiry).
 * The state is derived from the session; the one thing stored is whether a
 * session without a link was found UNREACHABLE.
 *
 * A session that loses its link and whose ONLINE time ends before its grace
 * does owns one timer, armed only then (like token_expiry.c); other sessions
 * cost nothing.
 *
 * Subscriptions belong to a session (the store keeps them, with the reverse
 * index of who follows a user); a change of a user's state is sent, as a
 * PeerStateEvent, to the sessions that follow it and have an open link.
 */
#ifndef RTMD_PRESENCE_H
#define RTMD_PRESENCE_H

#include <stdbool.h>

#include "frame.h"
#include "requests.h"
#include "server.h"
#include "session.h"

/* PeerState.state (the reference's PeerOnlineState). */
typedef enum {
    RTMD_PEER_ONLINE = 0,
    RTMD_PEER_UNREACHABLE = 1,
    RTMD_PEER_OFFLINE = 2
} rtmd_peer_state;

/* The reference's limits (java-api-1x.md, "Limits"). */
#define RTMD_QUERY_PEERS_MAX 256u
#define RTMD_SUBSCRIPTIONS_MAX 512u

/* The state of the user whose session is s; OFFLINE for NULL. */
rtmd_peer_state rtmd_presence_state(const rtmd_session *s);

/* The handlers of QueryPeers, Subscribe and GetSubscribed (requests.c). */
void rtmd_presence_query(const rtmd_req *rq, const rtm__frame *f);
void rtmd_presence_subscribe(const rtmd_req *rq, const rtm__frame *f);
void rtmd_presence_get_subscribed(const rtmd_req *rq, const rtm__frame *f);

/* The user (app, user) is now in state `to`: its followers with an open
 * link are sent PeerStateEvent{[{user, to}]}. */
void rtmd_presence_announce(rtmd_server *srv, const char *app, const char *user,
                            rtmd_peer_state to);

/* s lost its link and is in its grace: UNREACHABLE now when its ONLINE time
 * is over already, else at its end (a timer), unless the grace ends first. */
void rtmd_presence_link_lost(rtmd_server *srv, rtmd_session *s);

/* s has a link again: it is ONLINE, its timer disarmed. The caller
 * announces the change when it was UNREACHABLE. */
void rtmd_presence_link_back(rtmd_session *s);

/* After a resumed login (its ReplayDone sent): s is sent one
 * PeerStateEvent with the current state of each of its subscriptions (none
 * when it has none), since it may have missed changes. */
void rtmd_presence_resumed(rtmd_server *srv, rtmd_session *s);

/* Frees the session's timer (session_free). */
void rtmd_presence_free(rtmd_session *s);

#endif
