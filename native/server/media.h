/*
 * media.h: file and image transfers (SPEC M1, M2, M5, M6; docs/PROTOCOL.md,
 * "Media").
 *
 * A transfer belongs to the link it began on and ends with it: an upload
 * (MediaUpload, then the client's MediaChunk frames, each acknowledged by a
 * MediaAck once the blob store has it, then MediaEnd with the new media
 * id once the bytes are durable and the engine knows the media) or a
 * download (MediaDownload, MediaBegun with the size, then this side's
 * chunks, paced by the client's acknowledgements). Its id is the request_id
 * of the frame that began it.
 *
 * What makes it safe beside chat (M6): every disk access is the blob
 * store's thread's (blobs.h); a download sends a chunk only while its link
 * has less than RTMD_MEDIA_LOW_WATER bytes queued, so a frame of chat
 * queued behind it waits for at most that much; an upload's chunks are
 * bounded by the window (RTM__MEDIA_WINDOW) and by --max-frame like any
 * frame, and are read with the rest, in order.
 *
 * Unlike the other handlers, this module keeps state per link and sends on
 * the link itself (conn.h: rtmd_conn_media, rtmd_conn_pending): flow
 * control is a link's business.
 */
#ifndef RTMD_MEDIA_H
#define RTMD_MEDIA_H

#include <stddef.h>

#include "requests.h"

struct rtmd_server;
struct rtmd_media_link;

/* A download pauses while its link holds this much for output. */
#define RTMD_MEDIA_LOW_WATER (64u * 1024u)

/* The handlers (requests.c). */
void rtmd_media_upload(const rtmd_req *rq, const rtm__frame *f);
void rtmd_media_download(const rtmd_req *rq, const rtm__frame *f);
void rtmd_media_chunk(const rtmd_req *rq, const rtm__frame *f);
void rtmd_media_ack(const rtmd_req *rq, const rtm__frame *f);
void rtmd_media_cancel(const rtmd_req *rq, const rtm__frame *f);

/* conn.c: the link's output fell to RTMD_MEDIA_LOW_WATER (it asked with
 * rtmd_conn_watch_drain). */
void rtmd_media_link_drained(struct rtmd_media_link *ml);
/* conn.c: the link closes: its transfers end, an upload's bytes with it. */
void rtmd_media_link_free(struct rtmd_media_link *ml);

/* server.c: the media store: files in dir (NULL: memory), with the media
 * past --media-ttl-s forgotten and the files the store does not know (a
 * crash's) removed. 0 or -1 (logged). */
int rtmd_media_open(struct rtmd_server *srv, const char *dir);
void rtmd_media_close(struct rtmd_server *srv);
/* The sweep's end: the blobs of expired media go. */
void rtmd_media_expired(struct rtmd_server *srv, char *const *ids, size_t n);

#endif
