/* media.c: file and image transfers (media.h). */
#include "media.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "call.h"
#include "conn.h"
#include "ids.h"
#include "log.h"
#include "outbox.h"
#include "rtm/rtm_codes.h"
#include "server.h"
#include "session.h"
#include "engine/blobs.h"

typedef struct media_xfer {
    struct rtmd_media_link *ml;
    struct media_xfer *next;
    uint32_t id;            /* the request_id that began it */
    uint64_t serial;        /* unique on the node: engine calls find it by it */
    bool upload;
    char media_id[RTMD_BLOB_ID_LEN + 1];
    rtmd_blob *blob;
    uint64_t size;
    /* Upload: bytes received in chunks, and stored by the blob store (what
     * was acknowledged); committing once all are. */
    uint64_t received, stored;
    bool committing;
    /* Download: bytes sent, and acknowledged; a read in flight; begun once
     * MediaBegun went. */
    uint64_t sent, acked;
    bool reading, begun;
    struct event *idle;     /* --media-idle-ms without data moving: TIMEOUT */
} media_xfer;

struct rtmd_media_link {
    rtmd_server *srv;
    rtmd_conn *conn;
    char *app;              /* of the session that began them */
    media_xfer *xfers;
    unsigned uploads, downloads;
    bool watching;          /* asked conn.c for the drain */
};

static uint64_t media_serial;

/* ---- the link's transfers ---------------------------------------------------- */

static struct rtmd_media_link *media_link_of(const rtmd_req *rq)
{
    struct rtmd_media_link **slot = rtmd_conn_media(rq->link);
    if (*slot)
        return *slot;
    struct rtmd_media_link *ml = calloc(1, sizeof *ml);
    if (!ml || !(ml->app = strdup(rq->s->app_id))) {
        free(ml);
        return NULL;
    }
    ml->srv = rq->srv;
    ml->conn = rq->link;
    *slot = ml;
    return ml;
}

static media_xfer *media_find(struct rtmd_media_link *ml, uint32_t id)
{
    for (media_xfer *x = ml ? ml->xfers : NULL; x; x = x->next)
        if (x->id == id)
            return x;
    return NULL;
}

/* The transfer of serial on conn, if both are still there. */
static media_xfer *media_find_serial(rtmd_conn *conn, uint64_t serial)
{
    struct rtmd_media_link *ml = rtmd_conn_is_open(conn) ? *rtmd_conn_media(conn) : NULL;
    for (media_xfer *x = ml ? ml->xfers : NULL; x; x = x->next)
        if (x->serial == serial)
            return x;
    return NULL;
}

static void media_xfer_free(media_xfer *x)
{
    struct rtmd_media_link *ml = x->ml;
    for (media_xfer **p = &ml->xfers; *p; p = &(*p)->next)
        if (*p == x) {
            *p = x->next;
            break;
        }
    if (x->upload)
        ml->uploads--;
    else
        ml->downloads--;
    /* An upload whose commit is queued (it still holds its blob) gets its
     * file renamed into place all the same: the removal, queued behind the
     * commit, takes it away again, since nobody will learn its id. */
    if (x->upload && x->committing && x->blob && ml->srv->blobs)
        rtmd_blobs_remove(ml->srv->blobs, x->media_id);
    rtmd_blob_close(x->blob);
    if (x->idle)
        event_free(x->idle);
    free(x);
}

void rtmd_media_link_free(struct rtmd_media_link *ml)
{
    if (!ml)
        return;
    while (ml->xfers)
        media_xfer_free(ml->xfers);
    free(ml->app);
    free(ml);
}

static void media_send(media_xfer *x, rtm__frame *f)
{
    rtmd_conn_send(x->ml->conn, f);
}

/* Ends x with MediaEnd{code, media_id} and forgets it. */
static void media_end(media_xfer *x, int code, const char *media_id)
{
    Rtm__Wire__MediaEnd end = RTM__WIRE__MEDIA_END__INIT;
    end.transfer = x->id;
    end.code = code;
    end.media_id = (char *)(media_id ? media_id : "");
    rtm__frame f = RTM__WIRE__FRAME__INIT;
    f.body_case = RTM__WIRE__FRAME__BODY_MEDIA_END;
    f.media_end = &end;
    media_send(x, &f);
    media_xfer_free(x);
}

static void media_idle_cb(evutil_socket_t fd, short what, void *arg)
{
    media_xfer *x = arg;
    rtmd_server_tick(x->ml->srv);
    rtmd_log(RTMD_LOG_INFO, "%s: media transfer %u: no data moved for %u ms: ended",
             rtmd_conn_name(x->ml->conn), (unsigned)x->id, x->ml->srv->cfg->media_idle_ms);
    media_end(x, x->upload ? RTM_UPLOAD_MEDIA_ERR_TIMEOUT : RTM_DOWNLOAD_MEDIA_ERR_TIMEOUT,
              NULL);
}

/* Data moved: the idle deadline starts again. */
static void media_moved(media_xfer *x)
{
    uint32_t ms = x->ml->srv->cfg->media_idle_ms;
    struct timeval tv = { (time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000 };
    evtimer_add(x->idle, &tv);
}

/* Answers rq with MediaBegun{code}: a request refused before any transfer. */
static void media_refuse_request(const rtmd_req *rq, int code)
{
    Rtm__Wire__MediaBegun b = RTM__WIRE__MEDIA_BEGUN__INIT;
    b.code = code;
    rtm__frame f = RTM__WIRE__FRAME__INIT;
    f.body_case = RTM__WIRE__FRAME__BODY_MEDIA_BEGUN;
    f.media_begun = &b;
    rtmd_reply(rq, &f);
}

/* A new transfer of rq, or NULL having answered MediaBegun with the code
 * that refuses it. */
static media_xfer *media_begin(const rtmd_req *rq, bool upload)
{
    int busy = upload ? RTM_UPLOAD_MEDIA_ERR_CONCURRENCY_LIMIT_EXCEEDED
                      : RTM_DOWNLOAD_MEDIA_ERR_CONCURRENCY_LIMIT_EXCEEDED;
    int failure = upload ? RTM_UPLOAD_MEDIA_ERR_FAILURE : RTM_DOWNLOAD_MEDIA_ERR_FAILURE;
    int code = 0;
    struct rtmd_media_link *ml = media_link_of(rq);
    media_xfer *x = NULL;
    if (!ml || !rq->srv->blobs)
        code = failure;
    else if (rq->id == 0 || media_find(ml, rq->id))
        code = upload ? RTM_UPLOAD_MEDIA_ERR_INVALID_ARGUMENT
                      : RTM_DOWNLOAD_MEDIA_ERR_INVALID_ARGUMENT;
    else if ((upload ? ml->uploads : ml->downloads) >= RTM__MEDIA_TRANSFERS_MAX)
        code = busy;
    else if (!(x = calloc(1, sizeof *x)) ||
             !(x->idle = evtimer_new(rq->srv->base, media_idle_cb, x)))
        code = failure;
    if (code) {
        free(x);
        media_refuse_request(rq, code);
        return NULL;
    }
    x->ml = ml;
    x->id = rq->id;
    x->serial = ++media_serial;
    x->upload = upload;
    x->next = ml->xfers;
    ml->xfers = x;
    if (upload)
        ml->uploads++;
    else
        ml->downloads++;
    media_moved(x);
    return x;
}

/* x's answer, MediaBegun{code, size}, later than its request. */
static void media_begun_send(media_xfer *x, int code, uint64_t size)
{
    Rtm__Wire__MediaBegun b = RTM__WIRE__MEDIA_BEGUN__INIT;
    b.code = code;
    b.size = size;
    rtm__frame f = RTM__WIRE__FRAME__INIT;
    f.request_id = x->id;
    f.body_case = RTM__WIRE__FRAME__BODY_MEDIA_BEGUN;
    f.media_begun = &b;
    media_send(x, &f);
}

static void media_begun(media_xfer *x, uint64_t size)
{
    media_begun_send(x, 0, size);
}

/* A transfer refused before it began answers MediaBegun, and goes. */
static void media_refuse(media_xfer *x, int code)
{
    media_begun_send(x, code, 0);
    media_xfer_free(x);
}

/* ---- uploads ---------------------------------------------------------------- */

static void media_stored(rtmd_eng_op *op)
{
    rtmd_call *call = rtmd_call_of(op);
    media_xfer *x = media_find_serial(call->ctx, call->n);
    if (op->code != RTMD_STORE_OK)
        rtmd_log(op->code == RTMD_STORE_LIMIT ? RTMD_LOG_WARN : RTMD_LOG_ERROR,
                 "%s: media %s (%llu bytes) not stored: %s", call->app, call->id,
                 (unsigned long long)op->in.media_put.size,
                 op->code == RTMD_STORE_LIMIT ? "--media-max-bytes reached"
                                              : "the store refused it");
    if (op->code != RTMD_STORE_OK && call->srv->blobs)
        rtmd_blobs_remove(call->srv->blobs, call->id);
    if (op->code == RTMD_STORE_OK)
        call->srv->metrics.media_uploads++;
    if (x)
        media_end(x, op->code == RTMD_STORE_OK ? 0 : RTM_UPLOAD_MEDIA_ERR_FAILURE,
                  op->code == RTMD_STORE_OK ? call->id : NULL);
    else if (op->code == RTMD_STORE_OK && call->srv->blobs) {
        /* Canceled (or its link gone) while its row committed: nobody will
         * learn its id, so its bytes go; the row, whose download now
         * answers NOT_EXIST, expires with --media-ttl-s. */
        rtmd_log(RTMD_LOG_INFO, "%s: media %s stored after its transfer ended: its file is "
                 "removed", call->app, call->id);
        rtmd_blobs_remove(call->srv->blobs, call->id);
    }
    rtmd_conn_unref(call->ctx);
    rtmd_call_free(call);
}

static void media_committed(rtmd_blob *b, int err, uint64_t n, void *arg)
{
    media_xfer *x = arg;
    rtmd_server *srv = x->ml->srv;
    (void)n;
    rtmd_server_tick(srv);
    if (err) {
        rtmd_log(RTMD_LOG_ERROR, "%s: media %s: cannot make it durable: %s",
                 rtmd_conn_name(x->ml->conn), x->media_id, strerror(err));
        media_end(x, RTM_UPLOAD_MEDIA_ERR_FAILURE, NULL);
        return;
    }
    rtmd_call *call = rtmd_call_new(srv, RTMD_ENG_MEDIA_PUT, media_stored, x->ml->app, NULL,
                                    x->media_id);
    if (!call) {
        rtmd_blobs_remove(srv->blobs, x->media_id);
        media_end(x, RTM_UPLOAD_MEDIA_ERR_FAILURE, NULL);
        return;
    }
    /* The blob is the media's now, whatever becomes of the handle. */
    x->blob = NULL;
    rtmd_blob_close(b);
    call->op.in.media_put.app = call->app;
    call->op.in.media_put.id = call->id;
    call->op.in.media_put.size = x->size;
    call->op.in.media_put.at_ms = srv->now.wall_ms;
    call->op.in.media_put.max_bytes = srv->cfg->media_max_bytes;
    call->n = x->serial;
    call->ctx = x->ml->conn;
    rtmd_conn_ref(x->ml->conn);
    rtmd_call_submit(call);
}

static void media_commit_if_whole(media_xfer *x)
{
    if (x->committing || x->stored < x->size)
        return;
    x->committing = true;
    rtmd_blob_commit(x->blob, media_committed, x);
}

/* A chunk is in the blob store: acknowledged (in order: n is what was
 * written in all). */
static void media_write_done(rtmd_blob *b, int err, uint64_t n, void *arg)
{
    media_xfer *x = arg;
    (void)b;
    rtmd_server_tick(x->ml->srv);
    if (err) {
        rtmd_log(RTMD_LOG_ERROR, "%s: media %s: cannot write: %s", rtmd_conn_name(x->ml->conn),
                 x->media_id, strerror(err));
        media_end(x, RTM_UPLOAD_MEDIA_ERR_FAILURE, NULL);
        return;
    }
    x->stored = n;
    media_moved(x);
    Rtm__Wire__MediaAck ack = RTM__WIRE__MEDIA_ACK__INIT;
    ack.transfer = x->id;
    ack.received = x->stored;
    rtm__frame f = RTM__WIRE__FRAME__INIT;
    f.body_case = RTM__WIRE__FRAME__BODY_MEDIA_ACK;
    f.media_ack = &ack;
    media_send(x, &f);
    media_commit_if_whole(x);
}

static void media_created(rtmd_blob *b, int err, uint64_t n, void *arg)
{
    media_xfer *x = arg;
    (void)b;
    (void)n;
    if (!err)
        return;
    rtmd_server_tick(x->ml->srv);
    rtmd_log(RTMD_LOG_ERROR, "%s: media %s: cannot create: %s", rtmd_conn_name(x->ml->conn),
             x->media_id, strerror(err));
    media_end(x, RTM_UPLOAD_MEDIA_ERR_FAILURE, NULL);
}

void rtmd_media_upload(const rtmd_req *rq, const rtm__frame *f)
{
    const Rtm__Wire__MediaUpload *up = f->media_upload;
    if (up->size > RTM__MEDIA_SIZE_MAX) {
        media_refuse_request(rq, RTM_UPLOAD_MEDIA_ERR_SIZE_OVERFLOW);
        return;
    }
    media_xfer *x = media_begin(rq, true);
    if (!x)
        return;
    x->size = up->size;
    rtmd_blob_id_new(x->media_id);
    x->blob = rtmd_blob_create(rq->srv->blobs, x->media_id, media_created, x);
    if (!x->blob) {
        media_refuse(x, RTM_UPLOAD_MEDIA_ERR_FAILURE);
        return;
    }
    media_begun(x, x->size);
    media_commit_if_whole(x); /* an empty file has all its bytes */
}

/* ---- downloads -------------------------------------------------------------- */

static void media_pump(media_xfer *x);

static void media_read_done(rtmd_blob *b, int err, const uint8_t *data, size_t len, void *arg)
{
    media_xfer *x = arg;
    (void)b;
    rtmd_server_tick(x->ml->srv);
    x->reading = false;
    if (err || len == 0) {
        rtmd_log(RTMD_LOG_ERROR, "%s: media %s: cannot read at %llu: %s",
                 rtmd_conn_name(x->ml->conn), x->media_id, (unsigned long long)x->sent,
                 err ? strerror(err) : "the file is shorter than its size");
        media_end(x, RTM_DOWNLOAD_MEDIA_ERR_FAILURE, NULL);
        return;
    }
    Rtm__Wire__MediaChunk c = RTM__WIRE__MEDIA_CHUNK__INIT;
    c.transfer = x->id;
    c.offset = x->sent;
    c.data.data = (uint8_t *)data;
    c.data.len = len;
    rtm__frame f = RTM__WIRE__FRAME__INIT;
    f.body_case = RTM__WIRE__FRAME__BODY_MEDIA_CHUNK;
    f.media_chunk = &c;
    x->sent += len;
    x->ml->srv->metrics.media_bytes_out += len;
    media_send(x, &f);
    media_pump(x);
}

/* Reads the next chunk if the window and the link allow it. */
static void media_pump(media_xfer *x)
{
    struct rtmd_media_link *ml = x->ml;
    if (x->reading || !x->begun || x->sent >= x->size ||
        x->sent - x->acked >= RTM__MEDIA_WINDOW || !rtmd_conn_is_open(ml->conn))
        return;
    if (rtmd_conn_pending(ml->conn) >= RTMD_MEDIA_LOW_WATER) {
        if (!ml->watching) {
            ml->watching = true;
            rtmd_conn_watch_drain(ml->conn, true);
        }
        return;
    }
    size_t chunk = RTM__MEDIA_CHUNK_MAX;
    if (x->size - x->sent < chunk)
        chunk = (size_t)(x->size - x->sent);
    if (x->sent - x->acked + chunk > RTM__MEDIA_WINDOW)
        chunk = (size_t)(RTM__MEDIA_WINDOW - (x->sent - x->acked));
    if (rtmd_blob_read(x->blob, x->sent, chunk, media_read_done, x) != 0) {
        media_end(x, RTM_DOWNLOAD_MEDIA_ERR_FAILURE, NULL);
        return;
    }
    x->reading = true;
}

void rtmd_media_link_drained(struct rtmd_media_link *ml)
{
    ml->watching = false;
    rtmd_conn_watch_drain(ml->conn, false);
    /* A pump may end its own transfer (out of memory), never another. */
    for (media_xfer *x = ml->xfers, *next; x; x = next) {
        next = x->next;
        if (!x->upload)
            media_pump(x);
    }
}

static void media_opened(rtmd_blob *b, int err, uint64_t size, void *arg)
{
    media_xfer *x = arg;
    rtmd_server_tick(x->ml->srv);
    if (err) {
        if (err != ENOENT)
            rtmd_log(RTMD_LOG_ERROR, "%s: media %s: cannot open: %s",
                     rtmd_conn_name(x->ml->conn), x->media_id, strerror(err));
        media_refuse(x, err == ENOENT ? RTM_DOWNLOAD_MEDIA_ERR_NOT_EXIST
                                      : RTM_DOWNLOAD_MEDIA_ERR_FAILURE);
        return;
    }
    (void)b;
    if (size != x->size) {
        rtmd_log(RTMD_LOG_ERROR, "%s: media %s holds %llu bytes, not its %llu",
                 rtmd_conn_name(x->ml->conn), x->media_id, (unsigned long long)size,
                 (unsigned long long)x->size);
        media_refuse(x, RTM_DOWNLOAD_MEDIA_ERR_FAILURE);
        return;
    }
    x->begun = true;
    rtmd_conn_limit_unsent(x->ml->conn);
    media_begun(x, x->size);
    if (x->size == 0) {
        x->ml->srv->metrics.media_downloads++;
        media_xfer_free(x); /* all there was is told */
        return;
    }
    media_pump(x);
}

static void media_found(rtmd_eng_op *op)
{
    rtmd_call *call = rtmd_call_of(op);
    media_xfer *x = media_find_serial(call->ctx, call->n);
    if (x && op->code != RTMD_STORE_OK) {
        media_refuse(x, RTM_DOWNLOAD_MEDIA_ERR_NOT_EXIST);
    } else if (x) {
        x->size = op->count;
        x->blob = rtmd_blob_open(call->srv->blobs, x->media_id, media_opened, x);
        if (!x->blob)
            media_refuse(x, RTM_DOWNLOAD_MEDIA_ERR_FAILURE);
    }
    rtmd_conn_unref(call->ctx);
    rtmd_call_free(call);
}

void rtmd_media_download(const rtmd_req *rq, const rtm__frame *f)
{
    const char *id = f->media_download->media_id;
    if (!rtm__media_id_valid(id)) {
        media_refuse_request(rq, RTM_DOWNLOAD_MEDIA_ERR_INVALID_ARGUMENT);
        return;
    }
    media_xfer *x = media_begin(rq, false);
    if (!x)
        return;
    if (!rtmd_blob_id_valid(id)) { /* another system's id: none of ours */
        media_refuse(x, RTM_DOWNLOAD_MEDIA_ERR_NOT_EXIST);
        return;
    }
    snprintf(x->media_id, sizeof x->media_id, "%s", id);
    rtmd_server *srv = rq->srv;
    rtmd_call *call = rtmd_call_new(srv, RTMD_ENG_MEDIA_GET, media_found, rq->s->app_id, NULL,
                                    id);
    if (!call) {
        media_refuse(x, RTM_DOWNLOAD_MEDIA_ERR_FAILURE);
        return;
    }
    uint64_t ttl = (uint64_t)srv->cfg->media_ttl_s * 1000u, now = srv->now.wall_ms;
    call->op.in.media_get.app = call->app;
    call->op.in.media_get.id = call->id;
    call->op.in.media_get.horizon_ms = now > ttl ? now - ttl : 0;
    call->n = x->serial;
    call->ctx = rq->link;
    rtmd_conn_ref(rq->link);
    rtmd_call_submit(call);
}

/* ---- chunks, acknowledgements, cancels --------------------------------------- */

/* Frames of a transfer that has ended (on this side: a timeout, a failure)
 * may still be on their way: those of an unknown transfer are dropped. */
void rtmd_media_chunk(const rtmd_req *rq, const rtm__frame *f)
{
    const Rtm__Wire__MediaChunk *c = f->media_chunk;
    media_xfer *x = media_find(*rtmd_conn_media(rq->link), c->transfer);
    if (!x || !x->upload)
        return;
    const char *why = NULL;
    if (c->offset != x->received)
        why = "a chunk out of order";
    else if (c->data.len > x->size - x->received)
        why = "more bytes than announced";
    else if (x->received + c->data.len - x->stored > RTM__MEDIA_WINDOW)
        why = "more bytes than the window";
    if (why) {
        rtmd_log(RTMD_LOG_WARN, "%s: media transfer %u: %s: ended", rtmd_conn_name(rq->link),
                 (unsigned)x->id, why);
        media_end(x, RTM_UPLOAD_MEDIA_ERR_FAILURE, NULL);
        return;
    }
    if (c->data.len == 0)
        return;
    if (rtmd_blob_write(x->blob, c->data.data, c->data.len, media_write_done, x) != 0) {
        media_end(x, RTM_UPLOAD_MEDIA_ERR_FAILURE, NULL);
        return;
    }
    x->received += c->data.len;
    rq->srv->metrics.media_bytes_in += c->data.len;
}

void rtmd_media_ack(const rtmd_req *rq, const rtm__frame *f)
{
    const Rtm__Wire__MediaAck *a = f->media_ack;
    media_xfer *x = media_find(*rtmd_conn_media(rq->link), a->transfer);
    if (!x || x->upload || a->received <= x->acked)
        return;
    if (a->received > x->sent) {
        rtmd_log(RTMD_LOG_WARN, "%s: media transfer %u: acknowledges bytes never sent: ended",
                 rtmd_conn_name(rq->link), (unsigned)x->id);
        media_end(x, RTM_DOWNLOAD_MEDIA_ERR_FAILURE, NULL);
        return;
    }
    x->acked = a->received;
    media_moved(x);
    if (x->acked == x->size) {
        rq->srv->metrics.media_downloads++;
        media_xfer_free(x);
        return;
    }
    media_pump(x);
}

void rtmd_media_cancel(const rtmd_req *rq, const rtm__frame *f)
{
    media_xfer *x = media_find(*rtmd_conn_media(rq->link), f->media_cancel->transfer);
    if (x) {
        rtmd_log(RTMD_LOG_DEBUG, "%s: media transfer %u canceled", rtmd_conn_name(rq->link),
                 (unsigned)x->id);
        media_xfer_free(x);
    }
}

/* ---- the media store -------------------------------------------------------- */

static bool media_known(const char *id, void *arg)
{
    return rtmd_store_media_get(arg, NULL, id, NULL, NULL);
}

/* With a Redis store, what is known is Redis's, and the node does not ask
 * at start: only parts go; expired media go with the engine's sweep. */
static bool media_keep(const char *id, void *arg)
{
    (void)id;
    (void)arg;
    return true;
}

int rtmd_media_open(rtmd_server *srv, const char *dir)
{
    char err[512];
    if (!dir) {
        srv->blobs = rtmd_blobs_mem_new(srv->base);
        if (!srv->blobs) {
            rtmd_log(RTMD_LOG_ERROR, "out of memory creating the media store");
            return -1;
        }
        return 0;
    }
    srv->blobs = rtmd_blobs_dir_open(srv->base, dir,
                                     srv->cfg->store == RTMD_STORE_REDIS ? srv->node_id : NULL,
                                     err, sizeof err);
    if (!srv->blobs) {
        rtmd_log(RTMD_LOG_ERROR, "store: %s", err);
        return -1;
    }
    /* Media that expired while rtmd was down: their files go with the
     * unknown ones. */
    uint64_t ttl = (uint64_t)srv->cfg->media_ttl_s * 1000u, now = srv->now.wall_ms;
    rtmd_strv expired = { NULL, 0 };
    size_t n = srv->store ? rtmd_store_media_expire(srv->store, now > ttl ? now - ttl : 0,
                                                    &expired)
                          : 0;
    rtmd_strv_free(&expired);
    size_t gone = rtmd_blobs_sweep(srv->blobs, srv->store ? media_known : media_keep,
                                   srv->store);
    uint64_t count, bytes;
    rtmd_blobs_usage(srv->blobs, &count, &bytes);
    rtmd_log(RTMD_LOG_INFO, "store: media in %s: %llu files, %llu bytes (%zu expired while "
             "rtmd was down; %zu files removed: partial, expired or unknown to the store)",
             dir, (unsigned long long)count, (unsigned long long)bytes, n, gone);
    return 0;
}

void rtmd_media_close(rtmd_server *srv)
{
    rtmd_blobs_free(srv->blobs);
    srv->blobs = NULL;
}

void rtmd_media_expired(rtmd_server *srv, char *const *ids, size_t n)
{
    for (size_t i = 0; i < n && srv->blobs; i++)
        rtmd_blobs_remove(srv->blobs, ids[i]);
    if (n)
        rtmd_log(RTMD_LOG_INFO, "%zu media expired (--media-ttl-s %u)", n,
                 srv->cfg->media_ttl_s);
}
