/*
 * router.h: requests of a logged-in session that reach other sessions:
 * peer messages and channels.
 */
#ifndef RTMD_ROUTER_H
#define RTMD_ROUTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/engine.h"
#include "frame.h"
#include "requests.h"
#include "server.h"
#include "session.h"

/* The handlers of PeerSend, PeerAck, Join, Leave, ChannelSend and
 * GetMembers (requests.c). */
void rtmd_router_peer_send(const rtmd_req *rq, const rtm__frame *f);
void rtmd_router_peer_ack(const rtmd_req *rq, const rtm__frame *f);
void rtmd_router_join(const rtmd_req *rq, const rtm__frame *f);
void rtmd_router_leave(const rtmd_req *rq, const rtm__frame *f);
void rtmd_router_channel_send(const rtmd_req *rq, const rtm__frame *f);
void rtmd_router_get_members(const rtmd_req *rq, const rtm__frame *f);

/* Sends s, a session just made by a login (its RTMD_ENG_LOGIN op), the
 * messages kept for its user while it had no session, oldest first: those
 * a session of the user had not acknowledged when it ended (SPEC S9,
 * replayed set; those the same client says it received are skipped), then
 * those kept while it was offline (SPEC A6, Message.offline set). Then,
 * when the client names the session it had (a reconnection) or messages
 * were dropped, ReplayDone{peer_messages, peer_dropped}. */
void rtmd_router_offline_delivered(rtmd_server *srv, rtmd_session *s, const rtmd_eng_op *op);

/* s ends (the node's object is the caller's): it leaves every channel
 * (with notify, the other members receive MemberEvent{joined = false}),
 * the peer messages it has not acknowledged are kept for its user's next
 * login (SPEC S9) with the count of those its queue dropped, and the store
 * forgets it with its send answers, attributes and subscriptions. */
void rtmd_router_session_end(rtmd_server *srv, rtmd_session *s, bool notify);

/* A session of a dead node, ended by the engine (its grace over, or a
 * kick): its channels are told it left, its followers that it is OFFLINE. */
void rtmd_router_tell_ended(rtmd_server *srv, const rtmd_ended_session *e);

/* (app, user) left channels (their member counts after it alongside): the
 * counts change and, with notify, the members left are told. */
void rtmd_router_tell_left(rtmd_server *srv, const char *app, const char *user,
                           const rtmd_strv *channels, const uint32_t *counts, bool notify);

#endif
