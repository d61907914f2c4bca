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

struct rtmd_server;
struct rtmd_session;

/* Answers rq: f with f->request_id set to rq->id. */
void rtmd_reply(const rtmd_req *rq, rtm__frame *f);
/* Answers rq with Result{code}. */
void rtmd_reply_result(const rtmd_req *rq, int code);

/* Sends f (request_id as it is) to the open link of `to`, if it has one.
 * 0 when queued, -1 when not (no open link, or the link was dropped for
 * not reading). */
int rtmd_send(struct rtmd_session *to, const rtm__frame *f);
/* The same for a frame already encoded (header included). */
int rtmd_send_encoded(struct rtmd_session *to, const uint8_t *buf, size_t len);

/* Encodes f once into a new buffer (*len bytes, header included); NULL
 * when out of memory. */
uint8_t *rtmd_encode(const rtm__frame *f, size_t *len);

/* Sends an encoded frame to every member of an app's channel that has an
 * open link, but user `except` (NULL: none). */
void rtmd_fan_out(struct rtmd_server *srv, const char *app_id, const char *except,
                  const char *channel, const uint8_t *buf, size_t len);

#endif
