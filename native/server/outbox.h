/*
 * outbox.h: what handlers send. A handler's answer goes to the link that
 * asked (rtmd_reply), events go to other sessions' links (rtmd_send), and
 * one encoding of a frame to every member of a channel (rtmd_fan_out). A
 * session without an open link (in its grace) is sent nothing: what it
 * must not miss is kept for it by the store and replayed (replay.c).
 *
 * This is the one door from the request handlers to the links: conn.c's
 * queues stay behind it.
 */
#ifndef RTMD_OUTBOX_H
#define RTMD_OUTBOX_H

#include <stddef.h>
#include <stdint.h>

#include "frame.h"
#include "requests.h"
#include "engine/store.h"

struct rtmd_server;
struct rtmd_session;

/* Answers rq: f with f->request_id set to rq->id. */
void rtmd_reply(const rtmd_req *rq, rtm__frame *f);
/* Answers rq with Result{code}. */
void rtmd_reply_result(const rtmd_req *rq, int code);

/* An answer known only later, when the engine completes the request's
 * operation: it keeps the link that asked (conn.h, rtmd_conn_ref) and the
 * request_id. rtmd_later_reply sends it if that link is still open and lets
 * the link go; every rtmd_reply_later is matched by one rtmd_later_reply or
 * rtmd_later_result. Answers keep the order of the requests on a link as
 * long as each is sent when its operation completes: engines complete in
 * order, and the in-memory engine at once. */
typedef struct {
    struct rtmd_conn *link;
    uint32_t id;
} rtmd_later;

rtmd_later rtmd_reply_later(const rtmd_req *rq);
void rtmd_later_reply(rtmd_later *l, rtm__frame *f);
void rtmd_later_result(rtmd_later *l, int code);

/* Sends f (request_id as it is) to the open link of `to`, if it has one.
 * 0 when queued, -1 when not (no open link, or the link was dropped for
 * not reading). */
int rtmd_send(struct rtmd_session *to, const rtm__frame *f);
/* The same for a frame already encoded (header included). */
int rtmd_send_encoded(struct rtmd_session *to, const uint8_t *buf, size_t len);
/* What is sent to `to` between these is a replay (rtmd_conn_replay_begin):
 * paced by its link, never dropped by --max-output. rejoin: a rejoin's
 * channel history. */
void rtmd_send_replay_begin(struct rtmd_session *to, bool rejoin);
void rtmd_send_replay_end(struct rtmd_session *to);

/* Encodes f once into a new buffer (*len bytes, header included); NULL
 * when out of memory. */
uint8_t *rtmd_encode(const rtm__frame *f, size_t *len);

/* An event (member, attributes, presence, member count) to users
 * wherever they are: rtmd_fan_out here, and, with a store other nodes
 * share, to theirs through the engine (RTMD_ENG_SEND_TO). A message of a
 * channel goes with its operation instead, atomically (engine.h). */
void rtmd_send_event(struct rtmd_server *srv, const char *app_id, const char *except,
                     const rtmd_strv *users, const uint8_t *buf, size_t len);

/* Sends an encoded frame to every user of members (an app's channel, as
 * the engine listed them) that has a session with an open link on this
 * node, but user `except` (NULL: none). */
void rtmd_fan_out(struct rtmd_server *srv, const char *app_id, const char *except,
                  const rtmd_strv *members, const uint8_t *buf, size_t len);

#endif
