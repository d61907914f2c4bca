/*
 * fp_pair.c: one client connection and its upstream connection.
 *
 * Side 0 is the client, side 1 the upstream. Bytes read from one side go to
 * the other ("up" is client -> upstream, "down" the reverse). What a side's
 * peer does to end its stream (FIN or RST) travels to the other side the same
 * way as bytes: at once in pass, after the delay in delay (in order, behind
 * the bytes), and only after a silence has ended.
 *
 * Silence is a stall, as a dead network path is to TCP: nothing is read from
 * either side (the kernels' buffers and TCP's flow control hold the bytes, as
 * retransmission queues would), nothing the proxy already holds is written
 * (output buffers and delay queues wait), no timer delivers, nothing is
 * closed. A FIN or RST sits behind the data in the kernel, unseen. When the
 * silence ends everything held is written and reading resumes, in order:
 * no byte is lost or duplicated, as TCP guarantees on a live connection.
 * Connections accepted during a silence are not read and not connected
 * upstream until it ends.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include "fp_log.h"
#include "fp_proxy.h"

/* Stop reading a side while this much is waiting to go to the other side. */
#define FP_PAIR_HIGH_WATER (1024 * 1024)

enum { FP_CLIENT = 0, FP_UPSTREAM = 1 };
enum { FP_END_NONE = 0, FP_END_FIN, FP_END_RST };
typedef enum { FP_CHUNK_DATA, FP_CHUNK_FIN, FP_CHUNK_RST } fp_chunk_kind;

/* Something read from one side, waiting for its time to go to the other. */
typedef struct fp_chunk {
    struct fp_chunk *next;
    fp_chunk_kind kind;
    uint64_t due_us;
    struct evbuffer *data; /* FP_CHUNK_DATA only */
} fp_chunk;

typedef struct {
    fp_pair *pair;
    int index;
    struct bufferevent *bev; /* NULL: not open (upstream not connected yet) */
    /* How this side's peer ended its stream, and whether that was passed on
     * (queued or delivered) to the other side. */
    int ended;
    int end_passed;
    /* Toward this side: delayed chunks, their timer, and our own FIN. */
    fp_chunk *head, *tail;
    size_t queued;
    struct event *timer;
    int fin_pending; /* send a FIN once the output has drained */
    int fin_sent;
    int rst_pending; /* reset the pair once the output has drained */
    int failed; /* reading or writing this side failed: never write to it again */
} fp_side;

struct fp_pair {
    fp_proxy *proxy;
    uint64_t id;
    char peer[64];
    fp_side side[2];
    int connecting; /* the upstream connection is in progress */
    fp_pair *prev, *next;
};

static const char *const fp__side_names[2] = { "client", "upstream" };

static uint64_t fp__now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static uint64_t *fp__forwarded(fp_proxy *p, int from)
{
    return from == FP_CLIENT ? &p->stats.up_bytes : &p->stats.down_bytes;
}

static void fp__queue_clear(fp_side *s)
{
    while (s->head) {
        fp_chunk *c = s->head;
        s->head = c->next;
        if (c->data)
            evbuffer_free(c->data);
        free(c);
    }
    s->tail = NULL;
    s->queued = 0;
    if (s->timer)
        evtimer_del(s->timer);
}

/* Frees the pair. how: FP_END_FIN closes both sockets with a FIN,
 * FP_END_RST with an RST, FP_END_NONE just closes them. */
static void fp__pair_free(fp_pair *pair, int how, const char *why)
{
    fp_proxy *p = pair->proxy;
    fp_log(FP_LOG_INFO, "pair#%llu %s: closed (%s)", (unsigned long long)pair->id, pair->peer,
           why);
    for (int i = 0; i < 2; i++) {
        fp_side *s = &pair->side[i];
        fp__queue_clear(s);
        if (s->timer)
            event_free(s->timer);
        if (s->bev) {
            evutil_socket_t fd = bufferevent_getfd(s->bev);
            if (fd >= 0 && how == FP_END_RST) {
                struct linger lg = { 1, 0 };
                setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
            } else if (fd >= 0 && how == FP_END_FIN) {
                int eof;
                fp_drain(fd, &eof);
                shutdown(fd, SHUT_WR);
            }
            bufferevent_free(s->bev); /* closes fd */
        }
    }
    if (pair->prev)
        pair->prev->next = pair->next;
    else
        p->pairs = pair->next;
    if (pair->next)
        pair->next->prev = pair->prev;
    p->n_pairs--;
    free(pair);
}

/* Whether both sides are open (the upstream is connected). */
static int fp__linked(const fp_pair *pair)
{
    return pair->side[FP_UPSTREAM].bev && !pair->connecting;
}

static void fp__want(struct bufferevent *bev, short what, int want)
{
    int on = (bufferevent_get_enabled(bev) & what) != 0;
    if (want && !on)
        bufferevent_enable(bev, what);
    else if (!want && on)
        bufferevent_disable(bev, what);
}

/* Turns reading and writing on or off on each side. During a silence
 * neither side is read or written (a connection in progress is left to
 * complete: its SYN had left). Otherwise a side is written unless it failed,
 * and read while its bytes have somewhere to go and not too much is already
 * waiting there (back-pressure). */
static void fp__update_io(fp_pair *pair)
{
    fp_proxy *p = pair->proxy;
    int silent = p->mode == FP_MODE_SILENT;
    for (int i = 0; i < 2; i++) {
        fp_side *s = &pair->side[i];
        fp_side *o = &pair->side[1 - i];
        if (!s->bev)
            continue;
        if (!(i == FP_UPSTREAM && pair->connecting))
            fp__want(s->bev, EV_WRITE, !silent && !s->failed);
        if (s->ended || s->failed)
            continue;
        int want = !silent && fp__linked(pair) &&
                   evbuffer_get_length(bufferevent_get_output(o->bev)) + o->queued <
                       FP_PAIR_HIGH_WATER;
        fp__want(s->bev, EV_READ, want);
    }
}

/* Once nothing is left to write to side s (or it cannot be written any
 * more), sends it the end passed on from the other side: resets the pair for
 * an RST, or sends our FIN. An end thus always arrives behind the bytes that
 * preceded it. Returns 1 if the pair was freed (an RST, or both directions
 * are finished). */
static int fp__try_fin(fp_pair *pair, fp_side *s)
{
    if (!s->bev || (!s->failed && evbuffer_get_length(bufferevent_get_output(s->bev)) != 0))
        return 0;
    if (s->rst_pending) {
        fp__pair_free(pair, FP_END_RST, s->index == FP_UPSTREAM ? "reset by the client"
                                                                 : "reset by the upstream");
        return 1;
    }
    if (!s->fin_pending || s->fin_sent)
        return 0;
    if (!s->failed)
        shutdown(bufferevent_getfd(s->bev), SHUT_WR);
    s->fin_sent = 1;
    fp_log(FP_LOG_DEBUG, "pair#%llu: FIN sent to the %s", (unsigned long long)pair->id,
           fp__side_names[s->index]);
    if (pair->side[0].fin_sent && pair->side[1].fin_sent) {
        fp__pair_free(pair, FP_END_NONE, "both sides finished");
        return 1;
    }
    return 0;
}

/* Delivers due chunks to side s. Returns 1 if the pair was freed. */
static int fp__deliver_due(fp_pair *pair, fp_side *s)
{
    fp_proxy *p = pair->proxy;
    uint64_t now = fp__now_us();
    while (s->head && s->head->due_us <= now) {
        fp_chunk *c = s->head;
        s->head = c->next;
        if (!s->head)
            s->tail = NULL;
        fp_chunk_kind kind = c->kind;
        if (kind == FP_CHUNK_DATA) {
            size_t n = evbuffer_get_length(c->data);
            s->queued -= n;
            *fp__forwarded(p, 1 - s->index) += n;
            evbuffer_add_buffer(bufferevent_get_output(s->bev), c->data);
            evbuffer_free(c->data);
        }
        free(c);
        if (kind == FP_CHUNK_RST)
            s->rst_pending = 1;
        if (kind == FP_CHUNK_FIN)
            s->fin_pending = 1;
        if (kind != FP_CHUNK_DATA && fp__try_fin(pair, s))
            return 1;
    }
    if (s->head) {
        uint64_t wait = s->head->due_us - now;
        struct timeval tv = { (time_t)(wait / 1000000u), (suseconds_t)(wait % 1000000u) };
        evtimer_add(s->timer, &tv);
    }
    return 0;
}

static void fp__timer_cb(evutil_socket_t fd, short what, void *arg)
{
    fp_side *s = arg;
    fp_pair *pair = s->pair;
    if (pair->proxy->mode == FP_MODE_SILENT)
        return; /* held: fp__silence_ends delivers */
    if (!fp__deliver_due(pair, s))
        fp__update_io(pair);
}

/* Appends a chunk toward side s, due after the current delay. */
static int fp__enqueue(fp_side *s, fp_chunk_kind kind, struct evbuffer *from)
{
    fp_proxy *p = s->pair->proxy;
    fp_chunk *c = calloc(1, sizeof *c);
    if (!c)
        return -1;
    c->kind = kind;
    c->due_us = fp__now_us() + (uint64_t)p->delay_ms * 1000u;
    if (kind == FP_CHUNK_DATA) {
        c->data = evbuffer_new();
        if (!c->data) {
            free(c);
            return -1;
        }
        s->queued += evbuffer_get_length(from);
        evbuffer_add_buffer(c->data, from);
    }
    int was_empty = s->head == NULL;
    if (s->tail)
        s->tail->next = c;
    else
        s->head = c;
    s->tail = c;
    if (was_empty) {
        uint64_t wait = (uint64_t)p->delay_ms * 1000u;
        struct timeval tv = { (time_t)(wait / 1000000u), (suseconds_t)(wait % 1000000u) };
        evtimer_add(s->timer, &tv);
    }
    return 0;
}

/* Moves what was read from side `from` toward the other side. */
static void fp__forward(fp_pair *pair, int from)
{
    fp_proxy *p = pair->proxy;
    fp_side *s = &pair->side[from];
    fp_side *o = &pair->side[1 - from];
    struct evbuffer *in = bufferevent_get_input(s->bev);
    size_t n = evbuffer_get_length(in);
    if (n == 0 || !fp__linked(pair))
        return;
    if (p->mode == FP_MODE_PASS && !o->head) {
        evbuffer_add_buffer(bufferevent_get_output(o->bev), in);
        *fp__forwarded(p, from) += n;
    } else if (fp__enqueue(o, FP_CHUNK_DATA, in) != 0) {
        fp_log(FP_LOG_ERROR, "pair#%llu: out of memory; dropping %zu bytes",
               (unsigned long long)pair->id, n);
        evbuffer_drain(in, n);
    }
}

/* Passes side `from`'s end (FIN or RST) on to the other side, if the pair
 * is forwarding. Returns 1 if the pair was freed. */
static int fp__pass_end(fp_pair *pair, int from)
{
    fp_proxy *p = pair->proxy;
    fp_side *s = &pair->side[from];
    fp_side *o = &pair->side[1 - from];
    if (!s->ended || s->end_passed || p->mode == FP_MODE_SILENT || !fp__linked(pair))
        return 0;
    if (s->bev)
        fp__forward(pair, from); /* what was read before the end goes first */
    s->end_passed = 1;
    if (p->mode == FP_MODE_PASS && !o->head) {
        if (s->ended == FP_END_RST)
            o->rst_pending = 1;
        else
            o->fin_pending = 1;
        return fp__try_fin(pair, o);
    }
    if (fp__enqueue(o, s->ended == FP_END_RST ? FP_CHUNK_RST : FP_CHUNK_FIN, NULL) != 0) {
        fp__pair_free(pair, FP_END_RST, "out of memory");
        return 1;
    }
    return 0;
}

/* Side i's peer ended its stream. Returns 1 if the pair was freed. */
static int fp__side_ended(fp_pair *pair, int i, int how)
{
    fp_side *s = &pair->side[i];
    if (s->ended)
        return 0;
    s->ended = how;
    bufferevent_disable(s->bev, EV_READ);
    fp_log(FP_LOG_INFO, "pair#%llu %s: %s by the %s%s", (unsigned long long)pair->id,
           pair->peer, how == FP_END_RST ? "reset" : "FIN", fp__side_names[i],
           pair->proxy->mode == FP_MODE_SILENT ? " (held: silent)" : "");
    return fp__pass_end(pair, i);
}

/* Reading or writing side i failed (ECONNRESET, EPIPE, ...): its peer is
 * gone. What its socket had already received (bytes, a FIN) is read and goes
 * to the other side first, as TCP would have delivered it; then the other
 * side is reset, as the failed side's RST would reach it over a network.
 * Returns 1 if the pair was freed. */
static int fp__side_failed(fp_pair *pair, int i)
{
    fp_proxy *p = pair->proxy;
    fp_side *s = &pair->side[i];
    fp_side *o = &pair->side[1 - i];
    s->failed = 1;
    bufferevent_disable(s->bev, EV_READ | EV_WRITE);
    if (!s->ended) {
        struct evbuffer *in = bufferevent_get_input(s->bev);
        evutil_socket_t fd = bufferevent_getfd(s->bev);
        while (evbuffer_read(in, fd, -1) > 0)
            ;
        return fp__side_ended(pair, i, FP_END_RST);
    }
    if (s->ended == FP_END_RST)
        return 0;
    /* It had sent a FIN, then reset (e.g. written to after it closed). */
    s->ended = FP_END_RST;
    if (!s->end_passed)
        return fp__pass_end(pair, i);
    if (p->mode == FP_MODE_PASS && !o->head) {
        o->rst_pending = 1;
        return fp__try_fin(pair, o);
    }
    if (fp__enqueue(o, FP_CHUNK_RST, NULL) != 0) {
        fp__pair_free(pair, FP_END_RST, "out of memory");
        return 1;
    }
    return 0;
}

static void fp__read_cb(struct bufferevent *bev, void *arg)
{
    fp_side *s = arg;
    fp_pair *pair = s->pair;
    if (pair->proxy->mode == FP_MODE_SILENT)
        return; /* held in the input buffer until the silence ends */
    fp__forward(pair, s->index);
    fp__update_io(pair);
}

static void fp__write_cb(struct bufferevent *bev, void *arg)
{
    fp_side *s = arg;
    fp_pair *pair = s->pair;
    if (!fp__try_fin(pair, s))
        fp__update_io(pair);
}

static void fp__event_cb(struct bufferevent *bev, short what, void *arg)
{
    fp_side *s = arg;
    fp_pair *pair = s->pair;
    fp_proxy *p = pair->proxy;
    if (what & BEV_EVENT_CONNECTED) {
        pair->connecting = 0;
        char local[64];
        fp_addr_of(bufferevent_getfd(bev), 0, local, sizeof local);
        fp_log(FP_LOG_INFO, "pair#%llu %s: connected upstream %s -> %s",
               (unsigned long long)pair->id, pair->peer, local, p->upstream_text);
        if (p->mode != FP_MODE_SILENT) {
            fp__forward(pair, FP_CLIENT);
            if (fp__pass_end(pair, FP_CLIENT))
                return;
        }
        fp__update_io(pair);
        return;
    }
    if (s->index == FP_UPSTREAM && pair->connecting) {
        int err = EVUTIL_SOCKET_ERROR();
        fp_log(FP_LOG_WARN, "pair#%llu %s: cannot connect to the upstream %s: %s; "
               "resetting the client", (unsigned long long)pair->id, pair->peer,
               p->upstream_text, evutil_socket_error_to_string(err));
        fp__pair_free(pair, FP_END_RST, "upstream unreachable");
        return;
    }
    if (what & BEV_EVENT_ERROR) {
        int err = EVUTIL_SOCKET_ERROR();
        fp_log(FP_LOG_DEBUG, "pair#%llu: %s error while %s: %s", (unsigned long long)pair->id,
               fp__side_names[s->index], (what & BEV_EVENT_WRITING) ? "writing" : "reading",
               evutil_socket_error_to_string(err));
        fp__side_failed(pair, s->index);
        return;
    }
    if (what & BEV_EVENT_EOF)
        fp__side_ended(pair, s->index, FP_END_FIN);
}

static int fp__side_open(fp_pair *pair, int i, evutil_socket_t fd)
{
    fp_side *s = &pair->side[i];
    s->bev = bufferevent_socket_new(pair->proxy->base, fd, BEV_OPT_CLOSE_ON_FREE);
    if (!s->bev)
        return -1;
    bufferevent_setcb(s->bev, fp__read_cb, fp__write_cb, fp__event_cb, s);
    return 0;
}

/* Starts the upstream connection. Returns 1 if the pair was freed. */
static int fp__connect_upstream(fp_pair *pair)
{
    fp_proxy *p = pair->proxy;
    if (fp__side_open(pair, FP_UPSTREAM, -1) != 0) {
        fp__pair_free(pair, FP_END_RST, "out of memory");
        return 1;
    }
    pair->connecting = 1;
    if (bufferevent_socket_connect(pair->side[FP_UPSTREAM].bev,
                                   (struct sockaddr *)&p->upstream.ss,
                                   (int)p->upstream.len) != 0) {
        fp_log(FP_LOG_WARN, "pair#%llu %s: cannot connect to the upstream %s; "
               "resetting the client", (unsigned long long)pair->id, pair->peer,
               p->upstream_text);
        fp__pair_free(pair, FP_END_RST, "upstream unreachable");
        return 1;
    }
    bufferevent_enable(pair->side[FP_UPSTREAM].bev, EV_WRITE);
    return 0;
}

void fp_pair_accept(fp_proxy *p, int fd)
{
    evutil_make_socket_nonblocking(fd);
    fp_pair *pair = calloc(1, sizeof *pair);
    if (!pair) {
        fp_log(FP_LOG_ERROR, "out of memory: resetting a new connection");
        fp_close_reset(fd);
        return;
    }
    pair->proxy = p;
    pair->id = ++p->next_pair_id;
    fp_addr_of(fd, 1, pair->peer, sizeof pair->peer);
    for (int i = 0; i < 2; i++) {
        pair->side[i].pair = pair;
        pair->side[i].index = i;
        pair->side[i].timer = evtimer_new(p->base, fp__timer_cb, &pair->side[i]);
    }
    pair->next = p->pairs;
    if (p->pairs)
        p->pairs->prev = pair;
    p->pairs = pair;
    p->n_pairs++;
    p->stats.accepted++;
    if (!pair->side[0].timer || !pair->side[1].timer || fp__side_open(pair, FP_CLIENT, fd) != 0) {
        fp_log(FP_LOG_ERROR, "out of memory: resetting a new connection");
        if (!pair->side[FP_CLIENT].bev)
            fp_close_reset(fd);
        fp__pair_free(pair, FP_END_RST, "out of memory");
        return;
    }
    if (p->mode == FP_MODE_SILENT) {
        fp_log(FP_LOG_INFO, "pair#%llu %s: accepted during a silence: not read and not "
               "connected upstream until it ends", (unsigned long long)pair->id, pair->peer);
    } else {
        fp_log(FP_LOG_INFO, "pair#%llu %s: accepted", (unsigned long long)pair->id,
               pair->peer);
        if (fp__connect_upstream(pair))
            return;
    }
    fp__update_io(pair);
}

/* A silence begins: stop reading and writing both sides and hold the delay
 * queues. Nothing is dropped and nothing is closed. */
static void fp__silence_begins(fp_pair *pair)
{
    for (int i = 0; i < 2; i++)
        if (pair->side[i].timer)
            evtimer_del(pair->side[i].timer);
    fp__update_io(pair);
}

/* A silence ends: connect the pairs accepted during it; for the others,
 * deliver the delayed chunks now due, forward what had been read and not yet
 * forwarded, pass on an end read before the silence, and resume writing what
 * is held and reading. Returns 1 if the pair was freed. */
static int fp__silence_ends(fp_pair *pair)
{
    if (!pair->side[FP_UPSTREAM].bev) {
        fp_log(FP_LOG_INFO, "pair#%llu %s: the silence ended: connecting upstream",
               (unsigned long long)pair->id, pair->peer);
        if (fp__connect_upstream(pair))
            return 1;
        fp__update_io(pair);
        return 0;
    }
    if (fp__linked(pair)) {
        for (int i = 0; i < 2; i++)
            if (fp__deliver_due(pair, &pair->side[i]))
                return 1;
        for (int i = 0; i < 2; i++) {
            if (!pair->side[i].ended)
                fp__forward(pair, i);
            if (fp__pass_end(pair, i))
                return 1;
        }
        for (int i = 0; i < 2; i++)
            if (fp__try_fin(pair, &pair->side[i]))
                return 1;
    }
    fp__update_io(pair);
    return 0;
}

void fp_pairs_mode_changed(fp_proxy *p, fp_mode old)
{
    fp_pair *next;
    for (fp_pair *pair = p->pairs; pair; pair = next) {
        next = pair->next;
        if (p->mode == FP_MODE_SILENT && old != FP_MODE_SILENT)
            fp__silence_begins(pair);
        else if (p->mode != FP_MODE_SILENT && old == FP_MODE_SILENT)
            fp__silence_ends(pair);
        else
            fp__update_io(pair);
    }
}

size_t fp_pairs_close_all(fp_proxy *p, int reset)
{
    size_t n = 0;
    while (p->pairs) {
        fp__pair_free(p->pairs, reset ? FP_END_RST : FP_END_FIN,
                      reset ? "reset by command" : "closed by command");
        n++;
    }
    return n;
}

void fp_pairs_held(const fp_proxy *p, uint64_t *up, uint64_t *down)
{
    *up = *down = 0;
    for (const fp_pair *pair = p->pairs; pair; pair = pair->next) {
        for (int i = 0; i < 2; i++) {
            const fp_side *s = &pair->side[i];
            /* Toward side i: its delay queue and its output; from side i:
             * what was read from it and not yet forwarded. */
            uint64_t toward = s->queued, from = 0;
            if (s->bev) {
                toward += evbuffer_get_length(bufferevent_get_output(s->bev));
                from = evbuffer_get_length(bufferevent_get_input(s->bev));
            }
            *(i == FP_CLIENT ? down : up) += toward;
            *(i == FP_CLIENT ? up : down) += from;
        }
    }
}
