/*
 * media.c: file and image messages (SPEC M1-M5; rtm.h, "File and image
 * messages"; docs/PROTOCOL.md, "Media").
 *
 * A transfer is an upload (a file's bytes to rtmd, which answers with a
 * media id) or a download (a media's bytes into memory or a file). It
 * begins with a MediaUpload or MediaDownload request bound to the link
 * (session.h, rtm__session_media_request), moves in chunks of at most
 * RTM__MEDIA_CHUNK_MAX bytes with at most RTM__MEDIA_WINDOW bytes sent
 * beyond what the receiver acknowledged, and ends with its result; a lost
 * link ends it with INTERRUPTED (no resume).
 *
 * What keeps it from getting in the way (M6): the loop thread never waits
 * for the disk. Files are read and written by a thread of the client's own
 * (made at its first transfer), whose jobs come back to the loop as tasks;
 * an upload queues its next chunk only while the link has less than
 * RTM__MEDIA_LOW_WATER bytes waiting to be written, so a chat frame waits
 * behind at most that much.
 *
 * Everything here but the public entry points runs on the loop thread.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "alloc.h"
#include "client.h"
#include "ids.h"
#include "image.h"

/* An upload waits while its link holds this much to write. */
#define RTM__MEDIA_LOW_WATER (64u * 1024u)
/* Progress is told at most this often (and always at the end). */
#define RTM__MEDIA_PROGRESS_US (100u * RTM__MS)

/* ---- the I/O thread --------------------------------------------------------- */

typedef struct rtm__io rtm__io;

typedef enum { IO_READ, IO_WRITE, IO_FINISH, IO_CLOSE } io_kind;

typedef struct io_job {
    struct io_job *next;
    rtm__io *io;
    io_kind kind;
    int fd;
    uint64_t offset;
    uint8_t *data;          /* WRITE: the bytes; READ: those read */
    size_t len;
    char *tmp, *path;       /* FINISH: rename tmp onto path; CLOSE: unlink tmp */
    uint64_t serial;        /* the transfer's */
    int err;
    /* FINISH, under the io's mu: the transfer ended without it (its file
     * must not appear), or its file is in place. */
    bool abandoned, renamed;
    rtm__task task;
} io_job;

struct rtm__io {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    io_job *head, *tail;    /* under mu */
    bool stop;              /* under mu */
    bool gone;              /* under mu: the client is closing; jobs done from
                             * now on are freed by the thread, not posted */
    atomic_int refs;        /* the client, the thread, each job posted */
    pthread_t thread;       /* joined by rtm__media_join */
    rtm_loop *loop;
    rtm_client *client;     /* loop thread; NULL once the client is gone */
};

static void rtm__io_unref(rtm__io *io)
{
    if (atomic_fetch_sub(&io->refs, 1) == 1) {
        pthread_mutex_destroy(&io->mu);
        pthread_cond_destroy(&io->cv);
        free(io);
    }
}

static void rtm__io_job_free(io_job *j)
{
    free(j->data);
    free(j->tmp);
    free(j->path);
    free(j);
}

static void rtm__io_run(io_job *j)
{
    switch (j->kind) {
    case IO_READ: {
        size_t got = 0;
        while (got < j->len) {
            ssize_t n = pread(j->fd, j->data + got, j->len - got, (off_t)(j->offset + got));
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) {
                j->err = n < 0 ? errno : EIO; /* shorter than it was */
                break;
            }
            got += (size_t)n;
        }
        break;
    }
    case IO_WRITE: {
        size_t put = 0;
        while (put < j->len) {
            ssize_t n = write(j->fd, j->data + put, j->len - put);
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0) {
                j->err = errno;
                break;
            }
            put += (size_t)n;
        }
        break;
    }
    case IO_FINISH: {
        if (fsync(j->fd) != 0)
            j->err = errno;
        if (close(j->fd) != 0 && j->err == 0)
            j->err = errno;
        /* The rename and the transfer's end on the loop exclude each other:
         * a download reported failed never leaves its file in place. */
        pthread_mutex_lock(&j->io->mu);
        if (j->err == 0 && !j->abandoned) {
            if (rename(j->tmp, j->path) == 0)
                j->renamed = true;
            else
                j->err = errno;
        }
        if (!j->renamed)
            unlink(j->tmp);
        pthread_mutex_unlock(&j->io->mu);
        break;
    }
    case IO_CLOSE:
        close(j->fd);
        if (j->tmp != NULL)
            unlink(j->tmp);
        break;
    }
}

static void rtm__io_done(void *arg);

static void *rtm__io_thread(void *arg)
{
    rtm__io *io = arg;
    pthread_mutex_lock(&io->mu);
    for (;;) {
        while (io->head == NULL && !io->stop)
            pthread_cond_wait(&io->cv, &io->mu);
        io_job *j = io->head;
        if (j == NULL)
            break; /* stopping, and nothing left to do */
        io->head = j->next;
        if (io->head == NULL)
            io->tail = NULL;
        pthread_mutex_unlock(&io->mu);
        rtm__io_run(j);
        /* Posted under mu, which rtm__media_free takes to set gone: once it
         * has, nothing more reaches the loop (which may then go). */
        pthread_mutex_lock(&io->mu);
        if (io->gone) {
            rtm__io_job_free(j);
            atomic_fetch_sub(&io->refs, 1); /* the client's ref stays: not the last */
            continue;
        }
        rtm__loop_post_task(io->loop, &j->task, rtm__io_done, j);
    }
    pthread_mutex_unlock(&io->mu);
    return NULL;
}

static rtm__io *rtm__io_new(rtm_client *c)
{
    rtm__io *io = rtm__calloc(1, sizeof(*io));
    if (io == NULL)
        return NULL;
    pthread_mutex_init(&io->mu, NULL);
    pthread_cond_init(&io->cv, NULL);
    atomic_init(&io->refs, 1); /* the client's, given back by rtm__media_join */
    io->loop = c->loop;
    io->client = c;
    if (pthread_create(&io->thread, NULL, rtm__io_thread, io) != 0) {
        pthread_mutex_destroy(&io->mu);
        pthread_cond_destroy(&io->cv);
        free(io);
        return NULL;
    }
    return io;
}

static void rtm__io_queue(rtm__io *io, io_job *j)
{
    j->io = io;
    atomic_fetch_add(&io->refs, 1);
    pthread_mutex_lock(&io->mu);
    if (io->tail != NULL)
        io->tail->next = j;
    else
        io->head = j;
    io->tail = j;
    pthread_cond_signal(&io->cv);
    pthread_mutex_unlock(&io->mu);
}

/* ---- transfers --------------------------------------------------------------- */

struct rtm__xfer {
    rtm__xfer *next;
    uint64_t serial;        /* the session's handle of its begin; unique */
    uint64_t request_id;    /* the application's */
    bool upload;
    rtm__op *op;            /* its result */
    uint32_t transfer;      /* the link's id for it, once begun */
    bool begun;
    int fd;                 /* the file read, or the file written; -1 */
    char *path, *tmp;       /* a download to a file: where, and meanwhile */
    char *media_id;         /* asked (download) or given (upload) */
    char *file_name;        /* an upload's, for its message */
    int type;               /* an upload's message type */
    uint32_t width, height; /* an image upload's, from its header */
    uint64_t size;
    uint64_t sent, acked;   /* upload */
    uint64_t received, stored; /* download */
    uint8_t *mem;           /* a download to memory */
    bool reading;           /* upload: a read in flight */
    bool finishing;         /* download: its last job queued */
    io_job *finish;         /* ... that job, until it comes back */
    rtm__time deadline;     /* no data moving until then: TIMEOUT */
    rtm__time progress_at;  /* when progress was last told */
    uint64_t progress;      /* ... and what */
};

struct rtm__media {
    rtm__xfer *xfers;
    uint64_t next_serial;
    unsigned uploads, downloads;
    rtm__io *io;
    struct bufferevent *watching; /* the link the drain callback is set on */
};

void rtm__xfer_free(rtm__xfer *x)
{
    if (x == NULL)
        return;
    if (x->fd >= 0)
        close(x->fd);
    if (x->tmp != NULL)
        unlink(x->tmp);
    free(x->path);
    free(x->tmp);
    free(x->media_id);
    free(x->file_name);
    free(x->mem);
    free(x);
}

static rtm__xfer *rtm__xfer_by(rtm__media *m, uint64_t serial, uint32_t transfer)
{
    for (rtm__xfer *x = m ? m->xfers : NULL; x != NULL; x = x->next)
        if ((serial != 0 && x->serial == serial) ||
            (transfer != 0 && x->begun && x->transfer == transfer))
            return x;
    return NULL;
}

static int rtm__code(const rtm__xfer *x, int upload_code, int download_code)
{
    return x->upload ? upload_code : download_code;
}

/* ---- progress ---------------------------------------------------------------- */

typedef struct {
    rtm_client *client;
    bool upload;
    uint64_t request_id, current, total;
} rtm__progress_event;

static void rtm__progress_run(void *arg, bool closing)
{
    rtm__progress_event *e = arg;
    rtm_client *c = e->client;
    if (!closing && !atomic_load(&c->destroying)) {
        if (e->upload && c->cb.on_media_uploading_progress != NULL)
            c->cb.on_media_uploading_progress(c, e->request_id, e->current, e->total,
                                              c->closure);
        else if (!e->upload && c->cb.on_media_downloading_progress != NULL)
            c->cb.on_media_downloading_progress(c, e->request_id, e->current, e->total,
                                                c->closure);
    }
    free(e);
}

/* Tells how far x has come, at most every RTM__MEDIA_PROGRESS_US unless
 * it is the end. */
static void rtm__progress(rtm_client *c, rtm__xfer *x, uint64_t current, rtm__time now)
{
    bool last = current == x->size;
    if ((current == x->progress && !(last && x->progress_at == 0)) ||
        (!last && x->progress_at != 0 && now - x->progress_at < RTM__MEDIA_PROGRESS_US))
        return;
    if ((x->upload && c->cb.on_media_uploading_progress == NULL) ||
        (!x->upload && c->cb.on_media_downloading_progress == NULL))
        return;
    x->progress = current;
    x->progress_at = now ? now : 1;
    rtm__progress_event *e = rtm__malloc(sizeof(*e));
    if (e != NULL) {
        *e = (rtm__progress_event){ c, x->upload, x->request_id, current, x->size };
        if (rtm__dispatch_post(c->dispatch, rtm__progress_run, e) == 0)
            return;
        free(e);
    }
    rtm__log(c, RTM_LOG_WARNING, "out of memory: a progress report of transfer %llu is lost",
             (unsigned long long)x->request_id);
}

/* ---- ending ------------------------------------------------------------------- */

static void rtm__send_cancel(rtm_client *c, uint32_t transfer)
{
    Rtm__Wire__MediaCancel mc = RTM__WIRE__MEDIA_CANCEL__INIT;
    mc.transfer = transfer;
    rtm__frame f = RTM__WIRE__FRAME__INIT;
    f.body_case = RTM__WIRE__FRAME__BODY_MEDIA_CANCEL;
    f.media_cancel = &mc;
    rtm__session_media_send(c->session, rtm__now(), &f);
}

/* Hands a file descriptor (and a temporary file to drop) to the I/O
 * thread to close, after the jobs it may still be running on it. */
static void rtm__close_later(rtm_client *c, rtm__xfer *x, bool drop_tmp)
{
    if (x->fd < 0)
        return;
    io_job *j = c->media->io != NULL ? rtm__calloc(1, sizeof(*j)) : NULL;
    if (j == NULL) {
        /* No thread ever had it, or no memory: nothing else uses it. The
         * thread may still read it (a job in flight) only if it exists, and
         * then this is the out-of-memory case: leak it rather than close a
         * descriptor in use. */
        if (c->media->io == NULL) {
            close(x->fd);
            if (drop_tmp && x->tmp != NULL)
                unlink(x->tmp);
        }
        x->fd = -1;
        return;
    }
    j->kind = IO_CLOSE;
    j->fd = x->fd;
    j->tmp = drop_tmp ? x->tmp : NULL;
    if (drop_tmp)
        x->tmp = NULL;
    x->fd = -1;
    rtm__io_queue(c->media->io, j);
}

/* Ends x with code: unlinked, its result posted, freed; returns the code
 * it ended with. tell: the server still has it (a cancel, a timeout, a
 * failure of ours). A download whose file is being put in place ends as
 * the thread decides: failed before the rename (which then does not
 * happen), or done after it (code 0 whatever was asked). */
static int rtm__xfer_end(rtm_client *c, rtm__xfer *x, int code, bool tell)
{
    rtm__media *m = c->media;
    if (x->finish != NULL) {
        pthread_mutex_lock(&m->io->mu);
        if (x->finish->renamed)
            code = 0;
        else if (code != 0)
            x->finish->abandoned = true;
        pthread_mutex_unlock(&m->io->mu);
        tell = false; /* every byte was acknowledged: the server is done */
    }
    for (rtm__xfer **p = &m->xfers; *p != NULL; p = &(*p)->next)
        if (*p == x) {
            *p = x->next;
            break;
        }
    if (x->upload)
        m->uploads--;
    else
        m->downloads--;
    if (tell && x->begun)
        rtm__send_cancel(c, x->transfer);
    rtm__close_later(c, x, true);
    rtm__op *op = x->op;
    rtm__result_event *e = &op->result;
    if (code == 0 && x->upload) {
        rtm_media_message *msg = &e->media;
        rtm_media_message_init(msg, x->type);
        msg->media_id = x->media_id;
        msg->file_size = x->size;
        msg->file_name = x->file_name;
        msg->width = (int)x->width;
        msg->height = (int)x->height;
        x->media_id = x->file_name = NULL; /* the result's now */
        e->has_media = true;
    } else if (code == 0 && x->mem != NULL) {
        e->data = x->mem;
        e->len = (size_t)x->size;
        x->mem = NULL;
    }
    if (code != 0)
        rtm__log(c, RTM_LOG_INFO, "media %s %llu ended: %s", x->upload ? "upload" : "download",
                 (unsigned long long)x->request_id,
                 rtm_code_name(rtm__op_family(op->kind), code));
    x->op = NULL;
    rtm__xfer_free(x);
    rtm__complete_media(c, op, code);
    return code;
}

void rtm__media_end_all(rtm_client *c, bool closing)
{
    if (c->media != NULL)
        c->media->watching = NULL; /* the link goes, or went, with them */
    while (c->media != NULL && c->media->xfers != NULL) {
        rtm__xfer *x = c->media->xfers;
        rtm__xfer_end(c, x,
                      closing ? rtm__code(x, RTM_UPLOAD_MEDIA_ERR_NOT_INITIALIZED,
                                          RTM_DOWNLOAD_MEDIA_ERR_NOT_INITIALIZED)
                              : rtm__code(x, RTM_UPLOAD_MEDIA_ERR_INTERRUPTED,
                                          RTM_DOWNLOAD_MEDIA_ERR_INTERRUPTED),
                      closing);
    }
}

void rtm__ev_link_lost(void *ud)
{
    rtm_client *c = ud;
    rtm__media *m = c->media;
    if (m != NULL)
        m->watching = NULL; /* the callback went with the link */
    /* Those begun went with the link; those not begun were ended by the
     * session (INTERRUPTED) if they were on it, or wait for the next. */
    for (rtm__xfer *x = m ? m->xfers : NULL, *next; x != NULL; x = next) {
        next = x->next;
        if (x->begun)
            rtm__xfer_end(c, x, rtm__code(x, RTM_UPLOAD_MEDIA_ERR_INTERRUPTED,
                                          RTM_DOWNLOAD_MEDIA_ERR_INTERRUPTED), false);
    }
}

static void rtm__moved(rtm_client *c, rtm__xfer *x, rtm__time now)
{
    x->deadline = now + (rtm__time)c->params.media_idle_ms * RTM__MS;
}

/* ---- uploads ------------------------------------------------------------------ */

static size_t rtm__output_queued(const rtm_client *c)
{
    return c->bev != NULL ? evbuffer_get_length(bufferevent_get_output(c->bev)) : 0;
}

static void rtm__upload_pump(rtm_client *c, rtm__xfer *x);
static void rtm__on_drained(struct bufferevent *bev, void *arg);

/* Whether bev (the link) calls rtm__on_drained once its output falls to
 * RTM__MEDIA_LOW_WATER; its other callbacks stay. */
static void rtm__watch_drain(rtm_client *c, struct bufferevent *bev, bool on)
{
    bufferevent_data_cb readcb;
    bufferevent_event_cb eventcb;
    void *arg;
    bufferevent_getcb(bev, &readcb, NULL, &eventcb, &arg);
    bufferevent_setcb(bev, readcb, on ? rtm__on_drained : NULL, eventcb, arg);
    bufferevent_setwatermark(bev, EV_WRITE, on ? RTM__MEDIA_LOW_WATER : 0, 0);
    c->media->watching = on ? bev : NULL;
}

static void rtm__on_drained(struct bufferevent *bev, void *arg)
{
    rtm_client *c = arg;
    rtm__media *m = c->media;
    rtm__watch_drain(c, bev, false);
    for (rtm__xfer *x = m->xfers, *next; x != NULL; x = next) {
        next = x->next; /* a pump may end x */
        if (x->upload)
            rtm__upload_pump(c, x);
    }
    rtm__rearm(c);
}

/* Queues the read of x's next chunk, if the window and the link allow. */
static void rtm__upload_pump(rtm_client *c, rtm__xfer *x)
{
    rtm__media *m = c->media;
    if (!x->begun || x->reading || x->sent >= x->size ||
        x->sent - x->acked >= RTM__MEDIA_WINDOW)
        return;
    if (rtm__output_queued(c) >= RTM__MEDIA_LOW_WATER) {
        if (m->watching != c->bev && c->bev != NULL)
            rtm__watch_drain(c, c->bev, true);
        return;
    }
    size_t len = RTM__MEDIA_CHUNK_MAX;
    if (x->size - x->sent < len)
        len = (size_t)(x->size - x->sent);
    if (RTM__MEDIA_WINDOW - (x->sent - x->acked) < len)
        len = (size_t)(RTM__MEDIA_WINDOW - (x->sent - x->acked));
    io_job *j = rtm__calloc(1, sizeof(*j));
    if (j != NULL && (j->data = rtm__malloc(len)) == NULL) {
        free(j);
        j = NULL;
    }
    if (j == NULL) {
        rtm__log(c, RTM_LOG_ERROR, "out of memory reading an upload");
        rtm__xfer_end(c, x, RTM_UPLOAD_MEDIA_ERR_FAILURE, true);
        return;
    }
    j->kind = IO_READ;
    j->fd = x->fd;
    j->offset = x->sent;
    j->len = len;
    j->serial = x->serial;
    x->reading = true;
    rtm__io_queue(m->io, j);
}

static void rtm__upload_read(rtm_client *c, rtm__xfer *x, io_job *j, rtm__time now)
{
    x->reading = false;
    if (j->err != 0) {
        rtm__log(c, RTM_LOG_ERROR, "upload %llu: cannot read the file: %s",
                 (unsigned long long)x->request_id, strerror(j->err));
        rtm__xfer_end(c, x, RTM_UPLOAD_MEDIA_ERR_FAILURE, true);
        return;
    }
    Rtm__Wire__MediaChunk ch = RTM__WIRE__MEDIA_CHUNK__INIT;
    ch.transfer = x->transfer;
    ch.offset = x->sent;
    ch.data.data = j->data;
    ch.data.len = j->len;
    rtm__frame f = RTM__WIRE__FRAME__INIT;
    f.body_case = RTM__WIRE__FRAME__BODY_MEDIA_CHUNK;
    f.media_chunk = &ch;
    int sent = rtm__session_media_send(c->session, now, &f);
    if (sent > 0)
        return; /* the link is going: its loss ends x */
    if (sent < 0) {
        rtm__xfer_end(c, x, RTM_UPLOAD_MEDIA_ERR_FAILURE, true);
        return;
    }
    x->sent += j->len;
    rtm__upload_pump(c, x);
}

/* ---- downloads ------------------------------------------------------------------- */

/* 0, or -1 when it could not be written for want of memory (the
 * transfer is then to end: the server would wait for it). */
static int rtm__send_ack(rtm_client *c, rtm__xfer *x, rtm__time now)
{
    Rtm__Wire__MediaAck a = RTM__WIRE__MEDIA_ACK__INIT;
    a.transfer = x->transfer;
    a.received = x->stored;
    rtm__frame f = RTM__WIRE__FRAME__INIT;
    f.body_case = RTM__WIRE__FRAME__BODY_MEDIA_ACK;
    f.media_ack = &a;
    return rtm__session_media_send(c->session, now, &f) < 0 ? -1 : 0;
}

/* A download's bytes are all stored: in memory it is done; a file is made
 * durable and put in place first. */
static void rtm__download_whole(rtm_client *c, rtm__xfer *x, rtm__time now)
{
    rtm__progress(c, x, x->stored, now);
    if (x->fd < 0) {
        rtm__xfer_end(c, x, 0, false);
        return;
    }
    io_job *j = rtm__calloc(1, sizeof(*j));
    if (j == NULL) {
        rtm__xfer_end(c, x, RTM_DOWNLOAD_MEDIA_ERR_FAILURE, false);
        return;
    }
    j->kind = IO_FINISH;
    j->fd = x->fd;
    j->tmp = x->tmp;
    j->path = x->path;
    j->serial = x->serial;
    x->fd = -1;
    x->tmp = x->path = NULL;
    x->finishing = true;
    x->finish = j;
    rtm__io_queue(c->media->io, j);
}

/* len more bytes of x are stored (in memory or in its file): acknowledged,
 * and its progress told, or, the last of them, the download completed. */
static void rtm__download_stored(rtm_client *c, rtm__xfer *x, size_t len, rtm__time now)
{
    x->stored += len;
    if (x->stored < x->size && rtm__send_ack(c, x, now) != 0) {
        rtm__xfer_end(c, x, RTM_DOWNLOAD_MEDIA_ERR_FAILURE, true);
        return;
    }
    if (x->stored == x->size) {
        rtm__send_ack(c, x, now); /* the server's end; lost, its idle time ends it */
        rtm__download_whole(c, x, now);
    } else {
        rtm__progress(c, x, x->stored, now);
    }
}

static void rtm__download_chunk(rtm_client *c, rtm__xfer *x, const Rtm__Wire__MediaChunk *ch,
                                rtm__time now)
{
    if (x->finishing)
        return;
    if (ch->offset != x->received || ch->data.len > x->size - x->received) {
        rtm__log(c, RTM_LOG_ERROR, "download %llu: a chunk at %llu of %zu bytes, expected %llu "
                 "of %llu", (unsigned long long)x->request_id, (unsigned long long)ch->offset,
                 ch->data.len, (unsigned long long)x->received, (unsigned long long)x->size);
        rtm__xfer_end(c, x, RTM_DOWNLOAD_MEDIA_ERR_FAILURE, true);
        return;
    }
    if (ch->data.len == 0)
        return;
    rtm__moved(c, x, now);
    x->received += ch->data.len;
    if (x->fd < 0) {
        memcpy(x->mem + x->stored, ch->data.data, ch->data.len);
        rtm__download_stored(c, x, ch->data.len, now);
        return;
    }
    io_job *j = rtm__calloc(1, sizeof(*j));
    if (j != NULL && (j->data = rtm__malloc(ch->data.len)) == NULL) {
        free(j);
        j = NULL;
    }
    if (j == NULL) {
        rtm__log(c, RTM_LOG_ERROR, "out of memory writing a download");
        rtm__xfer_end(c, x, RTM_DOWNLOAD_MEDIA_ERR_FAILURE, true);
        return;
    }
    memcpy(j->data, ch->data.data, ch->data.len);
    j->kind = IO_WRITE;
    j->fd = x->fd;
    j->len = ch->data.len;
    j->serial = x->serial;
    rtm__io_queue(c->media->io, j);
}

static void rtm__download_written(rtm_client *c, rtm__xfer *x, io_job *j, rtm__time now)
{
    if (j->err != 0) {
        rtm__log(c, RTM_LOG_ERROR, "download %llu: cannot write the file: %s",
                 (unsigned long long)x->request_id, strerror(j->err));
        rtm__xfer_end(c, x, RTM_DOWNLOAD_MEDIA_ERR_FAILURE, true);
        return;
    }
    rtm__download_stored(c, x, j->len, now);
}

/* ---- what comes back from the thread and the session ----------------------------- */

static void rtm__io_done(void *arg)
{
    io_job *j = arg;
    rtm__io *io = j->io;
    rtm_client *c = io->client;
    rtm__xfer *x = c != NULL ? rtm__xfer_by(c->media, j->serial, 0) : NULL;
    rtm__time now = rtm__now();
    if (x != NULL) {
        switch (j->kind) {
        case IO_READ:
            rtm__upload_read(c, x, j, now);
            break;
        case IO_WRITE:
            rtm__download_written(c, x, j, now);
            break;
        case IO_FINISH:
            if (j->err != 0)
                rtm__log(c, RTM_LOG_ERROR, "download %llu: cannot put the file in place: %s",
                         (unsigned long long)x->request_id, strerror(j->err));
            x->finish = NULL;
            rtm__xfer_end(c, x, j->err ? RTM_DOWNLOAD_MEDIA_ERR_FAILURE : 0, false);
            break;
        case IO_CLOSE:
            break;
        }
        rtm__rearm(c);
    }
    rtm__io_job_free(j);
    rtm__io_unref(io);
}

void rtm__media_begun(rtm_client *c, uint64_t serial, int code, const rtm__frame *answer)
{
    rtm__xfer *x = rtm__xfer_by(c->media, serial, 0);
    bool begun = answer != NULL && answer->body_case == RTM__WIRE__FRAME__BODY_MEDIA_BEGUN;
    if (x == NULL) {
        /* Canceled while its begin was on the way: the server forgets it. */
        if (code == 0 && begun)
            rtm__send_cancel(c, answer->request_id);
        return;
    }
    if (code == 0 && !begun) /* a Result{0} answers no media request */
        code = rtm__code(x, RTM_UPLOAD_MEDIA_ERR_FAILURE, RTM_DOWNLOAD_MEDIA_ERR_FAILURE);
    if (code != 0) {
        rtm__xfer_end(c, x, code, false);
        return;
    }
    rtm__time now = rtm__now();
    x->begun = true;
    x->transfer = answer->request_id;
    rtm__moved(c, x, now);
    if (x->upload) {
        /* The kernel's unsent bytes are bounded too (rtmd does the same for
         * its downloads): else the socket buffer, megabytes on loopback,
         * fills with chunks and chat waits behind them all. */
        int lowat = RTM__MEDIA_LOW_WATER;
        evutil_socket_t fd = c->bev != NULL ? bufferevent_getfd(c->bev) : -1;
        if (fd >= 0)
            setsockopt(fd, IPPROTO_TCP, TCP_NOTSENT_LOWAT, &lowat, sizeof(lowat));
        rtm__upload_pump(c, x);
        return;
    }
    x->size = answer->media_begun->size;
    if (x->size > RTM__MEDIA_SIZE_MAX) {
        rtm__log(c, RTM_LOG_ERROR, "download %llu: the server announces %llu bytes",
                 (unsigned long long)x->request_id, (unsigned long long)x->size);
        rtm__xfer_end(c, x, RTM_DOWNLOAD_MEDIA_ERR_FAILURE, true);
        return;
    }
    if (x->fd < 0 && (x->mem = rtm__malloc(x->size ? (size_t)x->size : 1)) == NULL) {
        rtm__log(c, RTM_LOG_ERROR, "out of memory for a download of %llu bytes",
                 (unsigned long long)x->size);
        rtm__xfer_end(c, x, RTM_DOWNLOAD_MEDIA_ERR_FAILURE, true);
        return;
    }
    if (x->size == 0)
        rtm__download_whole(c, x, now);
}

void rtm__ev_media_frame(void *ud, const rtm__frame *f)
{
    rtm_client *c = ud;
    rtm__time now = rtm__now();
    switch (f->body_case) {
    case RTM__WIRE__FRAME__BODY_MEDIA_CHUNK: {
        rtm__xfer *x = rtm__xfer_by(c->media, 0, f->media_chunk->transfer);
        if (x != NULL && !x->upload) /* else canceled: its last chunks */
            rtm__download_chunk(c, x, f->media_chunk, now);
        break;
    }
    case RTM__WIRE__FRAME__BODY_MEDIA_ACK: {
        rtm__xfer *x = rtm__xfer_by(c->media, 0, f->media_ack->transfer);
        uint64_t n = f->media_ack->received;
        if (x == NULL || !x->upload || n <= x->acked)
            break;
        if (n > x->sent) {
            rtm__xfer_end(c, x, RTM_UPLOAD_MEDIA_ERR_FAILURE, true);
            break;
        }
        x->acked = n;
        rtm__moved(c, x, now);
        if (x->acked < x->size)
            rtm__progress(c, x, x->acked, now);
        rtm__upload_pump(c, x);
        break;
    }
    case RTM__WIRE__FRAME__BODY_MEDIA_END: {
        const Rtm__Wire__MediaEnd *e = f->media_end;
        rtm__xfer *x = rtm__xfer_by(c->media, 0, e->transfer);
        if (x == NULL)
            break;
        int code = e->code;
        if (code == 0 && (!x->upload || x->acked != x->size ||
                          !rtm__media_id_valid(e->media_id)))
            code = rtm__code(x, RTM_UPLOAD_MEDIA_ERR_FAILURE, RTM_DOWNLOAD_MEDIA_ERR_FAILURE);
        if (code == 0) {
            free(x->media_id);
            x->media_id = rtm__strdup(e->media_id);
            if (x->media_id == NULL)
                code = RTM_UPLOAD_MEDIA_ERR_FAILURE;
            else
                rtm__progress(c, x, x->size, now);
        }
        rtm__xfer_end(c, x, code, false);
        break;
    }
    default:
        break;
    }
}

rtm__time rtm__media_expiry(const rtm_client *c)
{
    rtm__time t = RTM__TIME_NEVER;
    for (const rtm__xfer *x = c->media ? c->media->xfers : NULL; x != NULL; x = x->next)
        if (x->begun && x->finish == NULL && x->deadline < t)
            t = x->deadline;
    return t;
}

void rtm__media_handle_expiry(rtm_client *c, rtm__time now)
{
    for (rtm__xfer *x = c->media ? c->media->xfers : NULL, *next; x != NULL; x = next) {
        next = x->next;
        if (x->begun && x->finish == NULL && x->deadline <= now) {
            rtm__log(c, RTM_LOG_WARNING, "media transfer %llu: no data moved for %u ms",
                     (unsigned long long)x->request_id, (unsigned)c->params.media_idle_ms);
            rtm__xfer_end(c, x, rtm__code(x, RTM_UPLOAD_MEDIA_ERR_TIMEOUT,
                                          RTM_DOWNLOAD_MEDIA_ERR_TIMEOUT), true);
        }
    }
}

void rtm__media_free(rtm_client *c)
{
    rtm__media *m = c->media;
    if (m == NULL)
        return;
    rtm__media_end_all(c, true);
    if (m->io != NULL) {
        /* The thread finishes its queue (closing the files) and frees what
         * it does from now on; rtm__media_join waits for it. */
        m->io->client = NULL;
        pthread_mutex_lock(&m->io->mu);
        m->io->stop = true;
        m->io->gone = true;
        pthread_cond_signal(&m->io->cv);
        pthread_mutex_unlock(&m->io->mu);
        c->media_io = m->io;
    }
    free(m);
    c->media = NULL;
}

void rtm__media_join(rtm_client *c)
{
    rtm__io *io = c->media_io;
    if (io == NULL)
        return;
    pthread_join(io->thread, NULL);
    c->media_io = NULL;
    rtm__io_unref(io);
}

/* ---- commands ------------------------------------------------------------------- */

static void rtm__media_cancel_run(rtm__cmd *cmd)
{
    rtm_client *c = cmd->client;
    if (rtm__session_state(c->session) != RTM_CONNECTION_STATE_CONNECTED) {
        rtm__complete(c, cmd->op, RTM_CANCEL_MEDIA_ERR_NOT_LOGGED_IN, NULL);
        return;
    }
    rtm__xfer *x = NULL;
    for (x = c->media ? c->media->xfers : NULL; x != NULL; x = x->next)
        if (x->request_id == cmd->media_cancel && x->upload == cmd->media_upload)
            break;
    /* One that had already put its file in place ended done: nothing was
     * going on to cancel. */
    int ended = x == NULL ? 0
                          : rtm__xfer_end(c, x, rtm__code(x, RTM_UPLOAD_MEDIA_ERR_INTERRUPTED,
                                                          RTM_DOWNLOAD_MEDIA_ERR_INTERRUPTED),
                                          true);
    rtm__complete(c, cmd->op, x == NULL || ended == 0 ? RTM_CANCEL_MEDIA_ERR_NOT_EXIST
                                                      : RTM_CANCEL_MEDIA_ERR_OK,
                  NULL);
}

void rtm__media_run(rtm__cmd *cmd, rtm__time now)
{
    rtm_client *c = cmd->client;
    if (cmd->xfer == NULL) {
        rtm__media_cancel_run(cmd);
        return;
    }
    rtm__xfer *x = cmd->xfer;
    cmd->xfer = NULL;
    x->op = cmd->op;
    cmd->op = NULL;
    int busy = rtm__code(x, RTM_UPLOAD_MEDIA_ERR_CONCURRENCY_LIMIT_EXCEEDED,
                         RTM_DOWNLOAD_MEDIA_ERR_CONCURRENCY_LIMIT_EXCEEDED);
    int code = 0;
    if (rtm__session_state(c->session) != RTM_CONNECTION_STATE_CONNECTED)
        code = rtm__code(x, RTM_UPLOAD_MEDIA_ERR_NOT_LOGGED_IN,
                         RTM_DOWNLOAD_MEDIA_ERR_NOT_LOGGED_IN);
    else if (c->media == NULL && (c->media = rtm__calloc(1, sizeof(*c->media))) == NULL)
        code = rtm__code(x, RTM_UPLOAD_MEDIA_ERR_FAILURE, RTM_DOWNLOAD_MEDIA_ERR_FAILURE);
    else if ((x->upload ? c->media->uploads : c->media->downloads) >= RTM__MEDIA_TRANSFERS_MAX)
        code = busy;
    else if (c->media->io == NULL && (c->media->io = rtm__io_new(c)) == NULL)
        code = rtm__code(x, RTM_UPLOAD_MEDIA_ERR_FAILURE, RTM_DOWNLOAD_MEDIA_ERR_FAILURE);
    if (code != 0) {
        rtm__op *op = x->op;
        x->op = NULL;
        rtm__xfer_free(x);
        rtm__complete(c, op, code, NULL);
        return;
    }
    rtm__media *m = c->media;
    x->serial = ++m->next_serial;
    x->next = m->xfers;
    m->xfers = x;
    if (x->upload)
        m->uploads++;
    else
        m->downloads++;
    rtm__frame f = RTM__WIRE__FRAME__INIT;
    Rtm__Wire__MediaUpload up = RTM__WIRE__MEDIA_UPLOAD__INIT;
    Rtm__Wire__MediaDownload down = RTM__WIRE__MEDIA_DOWNLOAD__INIT;
    if (x->upload) {
        up.size = x->size;
        f.body_case = RTM__WIRE__FRAME__BODY_MEDIA_UPLOAD;
        f.media_upload = &up;
    } else {
        down.media_id = x->media_id;
        f.body_case = RTM__WIRE__FRAME__BODY_MEDIA_DOWNLOAD;
        f.media_download = &down;
    }
    /* Its answer may come (op_done, through rtm__media_begun) before this
     * returns: x is in the list already. */
    rtm__session_media_request(c->session, now, x->serial,
                               x->upload ? RTM__OP_MEDIA_UPLOAD : RTM__OP_MEDIA_DOWNLOAD, &f);
}

/* ---- the public API -------------------------------------------------------------- */

static uint64_t rtm__next_request_id(rtm_client *c)
{
    return atomic_fetch_add(&c->media_request_ids, 1) + 1;
}

static rtm__xfer *rtm__xfer_new(bool upload)
{
    rtm__xfer *x = rtm__calloc(1, sizeof(*x));
    if (x != NULL) {
        x->upload = upload;
        x->fd = -1;
    }
    return x;
}

/* Posts the command that begins x for op; the return value of the API. */
static int rtm__media_submit(rtm_client *c, rtm__op *op, rtm__xfer *x)
{
    rtm__cmd *cmd = rtm__cmd_new(c, RTM__CMD_MEDIA, op, NULL, NULL);
    if (cmd == NULL) {
        rtm__xfer_free(x);
        return rtm__submit(c, NULL, op);
    }
    cmd->xfer = x;
    return rtm__submit(c, cmd, op);
}

int rtm_upload_media(rtm_client *c, const char *file_path, int type, rtm_upload_cb cb,
                     void *closure, uint64_t *request_id)
{
    if (request_id != NULL)
        *request_id = 0;
    if (c == NULL)
        return RTM_UPLOAD_MEDIA_ERR_NOT_INITIALIZED;
    rtm__op *op = rtm__op_new(c, NULL, RTM__OP_MEDIA_UPLOAD, RTM__UPLOAD_CB(cb), closure);
    if (op == NULL)
        return RTM_UPLOAD_MEDIA_ERR_FAILURE;
    op->result.request_id = rtm__next_request_id(c);
    if (request_id != NULL)
        *request_id = op->result.request_id;
    if (file_path == NULL || (type != RTM_MESSAGE_TYPE_FILE && type != RTM_MESSAGE_TYPE_IMAGE))
        return rtm__refuse(c, op, RTM_UPLOAD_MEDIA_ERR_INVALID_ARGUMENT);
    int fd = open(file_path, O_RDONLY | O_CLOEXEC);
    struct stat sb;
    if (fd < 0 || fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        rtm__log(c, RTM_LOG_WARNING, "upload: %s: %s", file_path,
                 fd < 0 ? strerror(errno) : "not a regular file");
        if (fd >= 0)
            close(fd);
        return rtm__refuse(c, op, RTM_UPLOAD_MEDIA_ERR_INVALID_ARGUMENT);
    }
    if ((uint64_t)sb.st_size > RTM__MEDIA_SIZE_MAX) {
        close(fd);
        return rtm__refuse(c, op, RTM_UPLOAD_MEDIA_ERR_SIZE_OVERFLOW);
    }
    rtm__xfer *x = rtm__xfer_new(true);
    const char *slash = strrchr(file_path, '/');
    if (x == NULL || (x->file_name = rtm__strdup(slash ? slash + 1 : file_path)) == NULL) {
        close(fd);
        rtm__xfer_free(x);
        return rtm__submit(c, NULL, op);
    }
    x->fd = fd;
    x->type = type;
    x->size = (uint64_t)sb.st_size;
    x->request_id = op->result.request_id;
    if (type == RTM_MESSAGE_TYPE_IMAGE) {
        /* M4: from the file's own header, read here, on the caller's
         * thread, as the open was. */
        size_t want = x->size < RTM__IMAGE_HEAD_MAX ? (size_t)x->size : RTM__IMAGE_HEAD_MAX;
        uint8_t *head = rtm__malloc(want ? want : 1);
        ssize_t n = head ? pread(fd, head, want, 0) : -1;
        if (n > 0)
            rtm__image_size(head, (size_t)n, &x->width, &x->height);
        free(head);
    }
    return rtm__media_submit(c, op, x);
}

static int rtm__download(rtm_client *c, const char *media_id, const char *file_path,
                         bool to_file, rtm_download_cb cb, void *closure, uint64_t *request_id)
{
    if (request_id != NULL)
        *request_id = 0;
    if (c == NULL)
        return RTM_DOWNLOAD_MEDIA_ERR_NOT_INITIALIZED;
    rtm__op *op = rtm__op_new(c, NULL, RTM__OP_MEDIA_DOWNLOAD, RTM__DOWNLOAD_CB(cb), closure);
    if (op == NULL)
        return RTM_DOWNLOAD_MEDIA_ERR_FAILURE;
    op->result.request_id = rtm__next_request_id(c);
    if (request_id != NULL)
        *request_id = op->result.request_id;
    if (!rtm__media_id_valid(media_id) || (to_file && (file_path == NULL || !*file_path)))
        return rtm__refuse(c, op, RTM_DOWNLOAD_MEDIA_ERR_INVALID_ARGUMENT);
    rtm__xfer *x = rtm__xfer_new(false);
    if (x == NULL || (x->media_id = rtm__strdup(media_id)) == NULL) {
        rtm__xfer_free(x);
        return rtm__submit(c, NULL, op);
    }
    x->request_id = op->result.request_id;
    if (to_file) {
        /* Written beside the file and renamed onto it once whole. */
        size_t n = strlen(file_path) + 16;
        x->path = rtm__strdup(file_path);
        x->tmp = rtm__malloc(n);
        if (x->path == NULL || x->tmp == NULL) {
            rtm__xfer_free(x);
            return rtm__submit(c, NULL, op);
        }
        snprintf(x->tmp, n, "%s.rtm-XXXXXX", file_path);
        x->fd = mkostemp(x->tmp, O_CLOEXEC);
        if (x->fd < 0) {
            rtm__log(c, RTM_LOG_WARNING, "download: cannot write beside %s: %s", file_path,
                     strerror(errno));
            free(x->tmp);
            x->tmp = NULL;
            rtm__xfer_free(x);
            return rtm__refuse(c, op, RTM_DOWNLOAD_MEDIA_ERR_INVALID_ARGUMENT);
        }
    }
    return rtm__media_submit(c, op, x);
}

int rtm_download_media_to_memory(rtm_client *c, const char *media_id, rtm_download_cb cb,
                                 void *closure, uint64_t *request_id)
{
    return rtm__download(c, media_id, NULL, false, cb, closure, request_id);
}

int rtm_download_media_to_file(rtm_client *c, const char *media_id, const char *file_path,
                               rtm_download_cb cb, void *closure, uint64_t *request_id)
{
    return rtm__download(c, media_id, file_path, true, cb, closure, request_id);
}

static int rtm__cancel(rtm_client *c, uint64_t request_id, bool upload, rtm_result_cb cb,
                       void *closure)
{
    if (c == NULL)
        return RTM_CANCEL_MEDIA_ERR_NOT_INITIALIZED;
    rtm__op *op = rtm__op_new(c, NULL, RTM__OP_MEDIA_CANCEL, RTM__RESULT_CB(cb), closure);
    if (op == NULL)
        return RTM_CANCEL_MEDIA_ERR_FAILURE;
    rtm__cmd *cmd = rtm__cmd_new(c, RTM__CMD_MEDIA, op, NULL, NULL);
    if (cmd != NULL) {
        cmd->media_cancel = request_id;
        cmd->media_upload = upload;
    }
    return rtm__submit(c, cmd, op);
}

int rtm_cancel_media_upload(rtm_client *c, uint64_t request_id, rtm_result_cb cb,
                            void *closure)
{
    return rtm__cancel(c, request_id, true, cb, closure);
}

int rtm_cancel_media_download(rtm_client *c, uint64_t request_id, rtm_result_cb cb,
                              void *closure)
{
    return rtm__cancel(c, request_id, false, cb, closure);
}

/* ---- messages ------------------------------------------------------------------- */

void rtm__media_message_free(rtm_media_message *m)
{
    free((char *)m->media_id);
    free((char *)m->file_name);
    free((void *)m->thumbnail);
    free((char *)m->text);
    m->media_id = m->file_name = m->text = NULL;
    m->thumbnail = NULL;
}

bool rtm__media_message_from_wire(rtm_media_message *out, const Rtm__Wire__Message *m)
{
    const Rtm__Wire__MediaInfo *i = m->media;
    rtm_media_message_init(out, (int)m->type);
    out->file_size = i->size;
    out->width = i->width > INT_MAX ? INT_MAX : (int)i->width;
    out->height = i->height > INT_MAX ? INT_MAX : (int)i->height;
    out->thumbnail_width = i->thumbnail_width > INT_MAX ? INT_MAX : (int)i->thumbnail_width;
    out->thumbnail_height = i->thumbnail_height > INT_MAX ? INT_MAX : (int)i->thumbnail_height;
    out->server_received_ts = (int64_t)m->server_ts;
    out->offline = m->offline;
    out->media_id = rtm__strdup_or_empty(i->media_id);
    out->file_name = rtm__strdup_or_empty(i->file_name);
    out->text = rtm__strdup_or_empty(m->text);
    void *thumb = rtm__malloc(i->thumbnail.len + 1);
    if (thumb != NULL && i->thumbnail.len > 0)
        memcpy(thumb, i->thumbnail.data, i->thumbnail.len);
    out->thumbnail = thumb;
    out->thumbnail_len = i->thumbnail.len;
    return out->media_id != NULL && out->file_name != NULL && out->text != NULL &&
           thumb != NULL;
}

Rtm__Wire__MediaInfo *rtm__media_info_new(const rtm_media_message *m)
{
    Rtm__Wire__MediaInfo *i = rtm__calloc(1, sizeof(*i));
    if (i == NULL)
        return NULL;
    rtm__wire__media_info__init(i);
    i->media_id = rtm__strdup(m->media_id);
    i->file_name = rtm__strdup_or_empty(m->file_name);
    i->thumbnail.len = m->thumbnail != NULL ? m->thumbnail_len : 0;
    i->thumbnail.data = rtm__malloc(i->thumbnail.len + 1);
    if (i->media_id == NULL || i->file_name == NULL || i->thumbnail.data == NULL) {
        rtm__media_info_free(i);
        return NULL;
    }
    if (i->thumbnail.len > 0)
        memcpy(i->thumbnail.data, m->thumbnail, i->thumbnail.len);
    i->size = m->file_size;
    i->width = m->width > 0 ? (uint32_t)m->width : 0;
    i->height = m->height > 0 ? (uint32_t)m->height : 0;
    i->thumbnail_width = m->thumbnail_width > 0 ? (uint32_t)m->thumbnail_width : 0;
    i->thumbnail_height = m->thumbnail_height > 0 ? (uint32_t)m->thumbnail_height : 0;
    return i;
}

void rtm__media_info_free(Rtm__Wire__MediaInfo *i)
{
    if (i == NULL)
        return;
    free(i->media_id);
    free(i->file_name);
    free(i->thumbnail.data);
    free(i);
}
