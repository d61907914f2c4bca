/*
 * conn.h: one link, from accept to close.
 *
 * A link reads frames (4-byte big-endian length, checked against --max-frame
 * before anything is allocated, then one rtm.wire.Frame), runs the Hello and
 * login handshake, sends a Ping when it has sent nothing for a heartbeat,
 * and closes when the peer is silent too long, does not log in in time,
 * sends bad input, or does not read what it is sent.
 *
 * Closing never frees at once: the link stops reading requests, flushes what
 * it has queued (a Close or Kick last), half-closes, waits briefly for the
 * peer's EOF and is freed from a callback of its own. So a link is never
 * freed under a caller's feet, and a session outlives its link: when a
 * link that carries a session is lost, session.c is told from that
 * deferred callback (rtmd_session_link_lost).
 */
#ifndef RTMD_CONN_H
#define RTMD_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <event2/util.h>

#include "frame.h"
#include "server.h"
#include "session.h"

/* Accepts fd (the link owns it from here). With tls, the link serves TLS
 * with that context (tls.h); a failed handshake is logged with the peer's
 * address and closes the link. */
void rtmd_conn_accept(rtmd_server *srv, evutil_socket_t fd,
                      const struct sockaddr *addr, int addrlen, struct ssl_ctx_st *tls);

/* Whether frames can still be sent on c (NULL: no). */
bool rtmd_conn_is_open(const rtmd_conn *c);

/* Queues a frame. Returns 0, or -1 when the link is closing or its output
 * went over --max-output (the link is then dropped, with a logged reason). */
int rtmd_conn_send(rtmd_conn *c, const rtm__frame *f);
/* The same for a frame already encoded (header included), to send one
 * encoding to many links. */
int rtmd_conn_send_encoded(rtmd_conn *c, const uint8_t *buf, size_t len);

/* Frames sent between these two are a replay: what the server chose to
 * send at once (a resume's, a login's offline messages, a rejoin's channel
 * history). The link's flow control paces them, and they never count
 * against --max-output, which bounds what the client fails to read of the
 * rest. Only the first RTMD_MAX_CHANNELS_PER_SESSION rejoin replays of a
 * link are (a client rejoins its channels once after a reconnection);
 * false when this one is not, or the link is not open. */
bool rtmd_conn_replay_begin(rtmd_conn *c, bool rejoin);
void rtmd_conn_replay_end(rtmd_conn *c);

/* Sends Close{code, detail} (none when code is 0), then closes. */
void rtmd_conn_close(rtmd_conn *c, int close_code, const char *detail);
/* Sends Kick{reason}, then closes. */
void rtmd_conn_kick(rtmd_conn *c, int reason);

/* Keeps c's memory (not the link) until the matching unref, for an answer
 * that comes after the request's callback returned (engine.h): a link that
 * dies meanwhile is freed at its last unref. */
void rtmd_conn_ref(rtmd_conn *c);
void rtmd_conn_unref(rtmd_conn *c);

/* Binds a session to the link / unbinds it (session.c only). */
void rtmd_conn_attach(rtmd_conn *c, rtmd_session *s);
void rtmd_conn_detach(rtmd_conn *c);
/* The session bound to c, or NULL. */
rtmd_session *rtmd_conn_session(const rtmd_conn *c);

/* Media transfers (media.h) are a link's: its slot for them, freed when
 * it closes; the bytes it has queued and not yet written (held by the gate
 * or in its output); and whether media.c is told (rtmd_media_link_drained)
 * when its output falls to RTMD_MEDIA_LOW_WATER. */
struct rtmd_media_link **rtmd_conn_media(rtmd_conn *c);
size_t rtmd_conn_pending(const rtmd_conn *c);
void rtmd_conn_watch_drain(rtmd_conn *c, bool on);
/* Bounds what the kernel may hold unsent on c to RTMD_MEDIA_LOW_WATER
 * (TCP_NOTSENT_LOWAT), for a link that sends media. */
void rtmd_conn_limit_unsent(rtmd_conn *c);

/* "link#3 127.0.0.1:40312", for logs. */
const char *rtmd_conn_name(const rtmd_conn *c);
/* Its numeric source address, "127.0.0.1" (the key of per-address limits). */
const char *rtmd_conn_host(const rtmd_conn *c);

/* The gate (store.h, rtmd_store_barrier): frames sent while the store's
 * writes are not durable are held per link, in order, and go out once the
 * batch they wait for is durable: release_held(batch) sends those waiting
 * for batch or an earlier one. fail_held, after a failed batch: every
 * link's held frames are dropped, its held answers are answered
 * Result{FAILURE} instead, and it is closed with Close{STORE_FAILED}
 * (sessions detached, left to the caller). */
void rtmd_conn_release_held(rtmd_server *srv, uint64_t batch);
void rtmd_conn_fail_held(rtmd_server *srv);
/* How many links hold frames, and how many bytes (for /metrics). */
void rtmd_conn_held(const rtmd_server *srv, size_t *links, size_t *bytes);

/* Closes every link with Close{SHUTDOWN}; sessions are left to be freed
 * with the server. */
void rtmd_conn_close_all(rtmd_server *srv);
/* Closes every link of a session with Close{STORE_FAILED, why}: the
 * sessions wait in their grace, and their clients resume, with a replay of
 * what they missed (an inbox gap, engine_redis.h). */
void rtmd_conn_resync_all(rtmd_server *srv, const char *why);
/* The bytes queued for output on every link together. */
size_t rtmd_conn_output_queued(const rtmd_server *srv);
/* Frees every link at once, after the loop has ended. */
void rtmd_conn_free_all(rtmd_server *srv);

#endif
