/* conn.c: a link: framing, handshake, heartbeats, deadlines, closing. */
#include "conn.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <netdb.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "deadlines.h"
#include "log.h"
#include "media.h"
#include "requests.h"
#include "rtm/rtm_codes.h"
#include "tls.h"

typedef enum {
    CONN_HELLO,    /* waiting for Hello */
    CONN_LOGIN,    /* Hello done, waiting for a successful Login */
    CONN_READY,    /* logged in: a session is bound */
    CONN_CLOSING,  /* flushing the last frames */
    CONN_LINGER,   /* half-closed, waiting for the peer's EOF */
    CONN_DEAD      /* to be freed by the deferred callback */
} conn_state;

static const char *const conn_state_names[] = {
    "hello", "login", "ready", "closing", "linger", "dead"
};

/* A held answer: its request, and whether it is a LoginResult (a login is
 * answered with one, every other request with a Result). */
typedef struct {
    uint32_t id;
    bool login;
} conn_held_answer;

typedef struct {
    uint64_t start, end;
} conn_span;

struct rtmd_conn {
    rtmd_server *srv;
    rtmd_conn *prev, *next;
    struct bufferevent *bev;
    struct event *timer;     /* the next deadline, whichever it is */
    rtmd_conn *deferred_next; /* on srv->deferred (conn_defer) */
    uint64_t id;
    conn_state state;
    unsigned refs;           /* answers still to come (rtmd_conn_ref) */
    bool deferred;           /* on srv->deferred */
    bool ip_counted;         /* counted in srv->conns_per_ip (not when out of memory) */
    bool tls_up;             /* a TLS link whose handshake is done */
    bool on_held;            /* on srv->held */
    bool notsent_lowat;      /* TCP_NOTSENT_LOWAT set, for media */
    bool in_replay;
    char host[64];           /* "127.0.0.1": the key of srv->conns_per_ip */
    char name[112];          /* "link#3 127.0.0.1:40312" */
    rtmd_link_clock clock;   /* its times and bounds (deadlines.h) */
    rtmd_session *session;
    /* Frames that wait for the store's writes to be durable (the gate:
     * rtmd_store_barrier): in order, behind the batch held_until, with the
     * request ids of the answers among them (answered FAILURE if the batch
     * fails); on srv->held while there are any. */
    struct evbuffer *held;
    uint64_t held_until;
    conn_held_answer *held_ids;
    uint32_t n_held_ids, cap_held_ids;
    rtmd_conn *held_next;
    /* Replays (rtmd_conn_replay_begin): every byte queued on the link,
     * held or in its output, is numbered in queued_total; the replays'
     * bytes, [start, end) in that numbering, oldest first, are exempt from
     * --max-output until they are written. */
    uint64_t queued_total;
    struct rtmd_media_link *media; /* its transfers (media.h); NULL: none yet */
    conn_span *replays;
    uint32_t n_replays, cap_replays;
    unsigned rejoin_replays;  /* the exempt rejoin replays so far */
};

RTMD_PRINTF(3, 4)
static void conn_log(const rtmd_conn *c, rtmd_log_level level, const char *fmt, ...)
{
    if (!rtmd_log_enabled(level))
        return;
    char msg[1024];
    char who[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (c->session)
        rtmd_session_name(c->session, who, sizeof who);
    else
        snprintf(who, sizeof who, "-");
    rtmd_log(level, "%s %s: %s", c->name, who, msg);
}

const char *rtmd_conn_name(const rtmd_conn *c)
{
    return c->name;
}

const char *rtmd_conn_host(const rtmd_conn *c)
{
    return c->host;
}

bool rtmd_conn_is_open(const rtmd_conn *c)
{
    return c && c->state <= CONN_READY;
}

static void conn_set_state(rtmd_conn *c, conn_state to)
{
    if (c->state == to)
        return;
    conn_log(c, RTMD_LOG_DEBUG, "%s -> %s", conn_state_names[c->state],
             conn_state_names[to]);
    c->state = to;
}

/* The largest frame payload c takes now: less before it has logged in. */
static size_t conn_max_frame(const rtmd_conn *c)
{
    size_t max = c->srv->cfg->max_frame;
    return c->state < CONN_READY && max > RTMD_PRE_LOGIN_MAX_FRAME ? RTMD_PRE_LOGIN_MAX_FRAME
                                                                   : max;
}

/* Never holds more input than one whole frame of the size c takes now. */
static void conn_set_read_bound(rtmd_conn *c)
{
    bufferevent_setwatermark(c->bev, EV_READ, 0, RTM__FRAME_HEADER + conn_max_frame(c));
}

/* ---- counting ----------------------------------------------------------- */

/* The links held from host (a numeric address). */
static uintptr_t conn_ip_count(rtmd_server *srv, const char *host)
{
    return (uintptr_t)rtmd_map_get(&srv->conns_per_ip, host);
}

/* Counts one more link from host; false when out of memory. */
static bool conn_ip_add(rtmd_server *srv, const char *host)
{
    uintptr_t n = conn_ip_count(srv, host) + 1;
    return rtmd_map_put(&srv->conns_per_ip, host, (void *)n) == 0;
}

static void conn_ip_remove(rtmd_server *srv, const char *host)
{
    uintptr_t n = conn_ip_count(srv, host);
    if (n <= 1)
        rtmd_map_del(&srv->conns_per_ip, host);
    else
        rtmd_map_put(&srv->conns_per_ip, host, (void *)(n - 1)); /* replaces: no allocation */
}

/* Encodes Close{OVERLOADED, why} into buf; its length, or 0 when too long. */
static size_t conn_overloaded_frame(const char *why, uint8_t *buf, size_t size)
{
    Rtm__Wire__Close cl = RTM__WIRE__CLOSE__INIT;
    cl.code = RTM__WIRE__CLOSE__CODE__CLOSE_OVERLOADED;
    cl.detail = (char *)why;
    rtm__frame f = RTM__WIRE__FRAME__INIT;
    f.body_case = RTM__WIRE__FRAME__BODY_CLOSE;
    f.close = &cl;
    return rtm__frame_encoded_size(&f) <= size ? rtm__frame_encode(&f, buf) : 0;
}

/* A TLS link refused over a cap: the handshake runs so that the client
 * reads Close{OVERLOADED} (its first login then fails at once, REJECTED)
 * rather than a bare close. At most RTMD_TLS_REFUSALS at once, each for at
 * most RTMD_TLS_REFUSAL_MS; past that a refused TLS link is just closed, so
 * that a flood of handshakes costs little. */
#define RTMD_TLS_REFUSALS 8
#define RTMD_TLS_REFUSAL_MS 1000

typedef struct rtmd_tls_refusal rtmd_tls_refusal;
struct rtmd_tls_refusal {
    rtmd_server *srv;
    struct bufferevent *bev;
    struct event *deadline;
    struct rtmd_tls_refusal *next;
};

static void tls_refusal_free(rtmd_tls_refusal *r)
{
    rtmd_tls_refusal **p = &r->srv->tls_refusals;
    while (*p != r)
        p = &(*p)->next;
    *p = r->next;
    r->srv->n_tls_refusals--;
    if (r->deadline)
        event_free(r->deadline);
    bufferevent_free(r->bev);
    free(r);
}

/* The Close is out: the link lingers, what the client still sends
 * discarded, until it closes its end (or the deadline), so that closing
 * does not reset the link before the Close is read. */
static void tls_refusal_written(struct bufferevent *bev, void *arg)
{
    (void)arg;
    rtmd_tls_shutdown(bev);
}

static void tls_refusal_read(struct bufferevent *bev, void *arg)
{
    (void)arg;
    struct evbuffer *in = bufferevent_get_input(bev);
    evbuffer_drain(in, evbuffer_get_length(in));
}

static void tls_refusal_event(struct bufferevent *bev, short what, void *arg)
{
    (void)bev;
    if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
        tls_refusal_free(arg);
}

static void tls_refusal_deadline(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    tls_refusal_free(arg);
}

/* Starts a TLS refusal on fd; false when none may start now (fd is left
 * to the caller) or one could not (fd closed). */
static bool tls_refuse(rtmd_server *srv, evutil_socket_t fd, struct ssl_ctx_st *tls,
                       const char *why)
{
    if (srv->n_tls_refusals >= RTMD_TLS_REFUSALS)
        return false;
    uint8_t buf[256];
    size_t n = conn_overloaded_frame(why, buf, sizeof buf);
    rtmd_tls_refusal *r = n ? calloc(1, sizeof *r) : NULL;
    if (!r)
        return false;
    r->srv = srv;
    evutil_make_socket_nonblocking(fd);
    r->bev = rtmd_tls_accept(srv->base, tls, fd); /* closes fd when it fails */
    r->deadline = r->bev ? evtimer_new(srv->base, tls_refusal_deadline, r) : NULL;
    struct timeval tv = {RTMD_TLS_REFUSAL_MS / 1000, RTMD_TLS_REFUSAL_MS % 1000 * 1000};
    if (!r->deadline || evtimer_add(r->deadline, &tv) != 0 ||
        bufferevent_write(r->bev, buf, n) != 0) {
        if (r->deadline)
            event_free(r->deadline);
        if (r->bev)
            bufferevent_free(r->bev);
        free(r);
        return true;
    }
    r->next = srv->tls_refusals;
    srv->tls_refusals = r;
    srv->n_tls_refusals++;
    bufferevent_setcb(r->bev, tls_refusal_read, tls_refusal_written, tls_refusal_event, r);
    bufferevent_enable(r->bev, EV_READ | EV_WRITE);
    return true;
}

/* Refuses a new link over a cap, as cheaply as a flood needs: Close{
 * OVERLOADED} in one write on a plain link (the client's Hello, already
 * read, is discarded first so that closing does not reset the link before
 * the Close is read), after the handshake on a TLS link while few are
 * refused that way (tls_refuse), else nothing; then close. Logged at most
 * once a second. */
static void conn_refuse_overloaded(rtmd_server *srv, evutil_socket_t fd,
                                   struct ssl_ctx_st *tls, const char *peer,
                                   rtmd_refused_cap cap, const char *why)
{
    srv->metrics.links_refused[cap]++;
    if (!tls) {
        uint8_t junk[512];
        while (recv(fd, junk, sizeof junk, MSG_DONTWAIT) > 0)
            ;
        uint8_t buf[256];
        size_t n = conn_overloaded_frame(why, buf, sizeof buf);
        if (n && send(fd, buf, n, MSG_DONTWAIT | MSG_NOSIGNAL) == (ssize_t)n)
            shutdown(fd, SHUT_WR);
        evutil_closesocket(fd);
    } else if (!tls_refuse(srv, fd, tls, why)) {
        evutil_closesocket(fd);
    }
    uint64_t unlogged;
    if (rtmd_log_limit(&srv->refused_log, srv->now.mono_ms, 1000, &unlogged))
        rtmd_log(RTMD_LOG_WARN, "refused %s: %s (%llu refused since the last such line)",
                 peer, why, (unsigned long long)unlogged + 1);
}

/* ---- freeing ------------------------------------------------------------ */

static void conn_free(rtmd_conn *c)
{
    rtmd_server *srv = c->srv;
    if (c->prev)
        c->prev->next = c->next;
    else
        srv->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    srv->nconns--;
    if (c->ip_counted)
        conn_ip_remove(srv, c->host);
    if (c->session)
        rtmd_conn_detach(c);
    rtmd_media_link_free(c->media);
    c->media = NULL;
    if (c->on_held) {
        rtmd_conn **p = &srv->held;
        while (*p != c)
            p = &(*p)->held_next;
        *p = c->held_next;
    }
    if (c->held)
        evbuffer_free(c->held);
    if (c->deferred) { /* freed by rtmd_conn_free_all */
        rtmd_conn *prev = NULL;
        for (rtmd_conn *d = srv->deferred; d != c; d = d->deferred_next)
            prev = d;
        if (prev)
            prev->deferred_next = c->deferred_next;
        else
            srv->deferred = c->deferred_next;
        if (srv->deferred_tail == c)
            srv->deferred_tail = prev;
    }
    free(c->replays);
    free(c->held_ids);
    bufferevent_free(c->bev);
    event_free(c->timer);
    free(c);
    rtmd_server_link_gone(srv);
}

/* Runs after the callback that closed the link has returned: hands the
 * session over to session.c, and frees a dead link. */
static void conn_deferred(rtmd_conn *c)
{
    if (c->state >= CONN_CLOSING) {
        /* Its transfers end with it (an upload's bytes with them). */
        rtmd_media_link_free(c->media);
        c->media = NULL;
    }
    if (c->session && c->state >= CONN_CLOSING) {
        rtmd_session *s = c->session;
        rtmd_conn_detach(c);
        if (!c->srv->stopping)
            rtmd_session_link_lost(c->srv, s);
    }
    if (c->state == CONN_DEAD && c->refs == 0)
        conn_free(c);
}

/* The server's one event for the links' deferred work: each link on
 * srv->deferred, in the order they were queued, those queued meanwhile
 * too (one event per server, not one per link: an idle link carries a
 * pointer). */
static void conn_deferred_cb(evutil_socket_t fd, short what, void *arg)
{
    rtmd_server *srv = arg;
    rtmd_server_tick(srv);
    rtmd_conn *c;
    while ((c = srv->deferred) != NULL) {
        srv->deferred = c->deferred_next;
        if (!srv->deferred)
            srv->deferred_tail = NULL;
        c->deferred_next = NULL;
        c->deferred = false;
        conn_deferred(c);
    }
}

/* Runs conn_deferred(c) once the callback under way has returned. */
static void conn_defer(rtmd_conn *c)
{
    rtmd_server *srv = c->srv;
    if (c->deferred)
        return;
    c->deferred = true;
    if (srv->deferred_tail)
        srv->deferred_tail->deferred_next = c;
    else
        srv->deferred = c;
    srv->deferred_tail = c;
    event_active(srv->conn_deferred, EV_TIMEOUT, 1);
}

void rtmd_conn_ref(rtmd_conn *c)
{
    c->refs++;
}

void rtmd_conn_unref(rtmd_conn *c)
{
    if (--c->refs == 0 && c->state == CONN_DEAD)
        conn_defer(c);
}

static void conn_kill(rtmd_conn *c)
{
    conn_set_state(c, CONN_DEAD);
    bufferevent_disable(c->bev, EV_READ | EV_WRITE);
    event_del(c->timer);
    conn_defer(c);
}

/* ---- timer -------------------------------------------------------------- */

static rtmd_link_phase conn_phase(const rtmd_conn *c)
{
    switch (c->state) {
    case CONN_HELLO: return RTMD_LINK_HELLO;
    case CONN_LOGIN: return RTMD_LINK_LOGIN;
    case CONN_READY: return RTMD_LINK_READY;
    default: return RTMD_LINK_CLOSING;
    }
}

/* Arms the link's one timer for its next deadline (deadlines.c). */
static void conn_arm(rtmd_conn *c)
{
    if (c->state == CONN_DEAD)
        return;
    uint64_t now = c->srv->now.mono_ms, next;
    rtmd_link_check(&c->clock, conn_phase(c), now, &next);
    if (next == RTMD_NEVER)
        return;
    uint64_t wait = next > now ? next - now : 0;
    struct timeval tv = { (time_t)(wait / 1000), (suseconds_t)(wait % 1000) * 1000 };
    evtimer_add(c->timer, &tv);
}

static void conn_send_ping(rtmd_conn *c)
{
    Rtm__Wire__Ping ping = RTM__WIRE__PING__INIT;
    rtm__frame f = RTM__WIRE__FRAME__INIT;
    f.body_case = RTM__WIRE__FRAME__BODY_PING;
    f.ping = &ping;
    rtmd_conn_send(c, &f);
}

static void conn_timer_cb(evutil_socket_t fd, short what, void *arg)
{
    rtmd_conn *c = arg;
    rtmd_server_tick(c->srv);
    uint64_t next;
    switch (rtmd_link_check(&c->clock, conn_phase(c), c->srv->now.mono_ms, &next)) {
    case RTMD_LINK_DUE_LINGER_OVER:
        conn_log(c, RTMD_LOG_DEBUG, "dropped after %u ms of closing", c->clock.linger_ms);
        conn_kill(c);
        return;
    case RTMD_LINK_DUE_LOGIN_LATE:
        conn_log(c, RTMD_LOG_INFO, "no login within %u ms: closing",
                 c->clock.login_deadline_ms);
        rtmd_conn_close(c, RTM__WIRE__CLOSE__CODE__CLOSE_LOGIN_DEADLINE, "no login in time");
        return;
    case RTMD_LINK_DUE_IDLE:
        conn_log(c, RTMD_LOG_INFO, "nothing received for %u ms: closing",
                 c->clock.idle_timeout_ms);
        rtmd_conn_close(c, RTM__WIRE__CLOSE__CODE__CLOSE_IDLE, "idle");
        return;
    case RTMD_LINK_DUE_PING:
        conn_send_ping(c);
        if (!rtmd_conn_is_open(c))
            return;
        break;
    case RTMD_LINK_DUE_NOTHING:
        break;
    }
    conn_arm(c);
}

/* ---- sending ------------------------------------------------------------ */

/* The bytes queued on c and not written yet: held, and in its output. */
static size_t conn_queued(rtmd_conn *c)
{
    return evbuffer_get_length(bufferevent_get_output(c->bev)) +
           (c->held ? evbuffer_get_length(c->held) : 0);
}

/* The bytes of replays still queued on c (forgetting those written). */
static size_t conn_replay_queued(rtmd_conn *c)
{
    uint64_t written = c->queued_total - conn_queued(c);
    size_t gone = 0, left = 0;
    while (gone < c->n_replays && c->replays[gone].end <= written)
        gone++;
    c->n_replays -= gone;
    memmove(c->replays, c->replays + gone, c->n_replays * sizeof *c->replays);
    for (size_t i = 0; i < c->n_replays; i++) {
        const conn_span *r = &c->replays[i];
        left += (size_t)(r->end - (r->start > written ? r->start : written));
    }
    return left;
}

/* Room for n more bytes within --max-output? If not, the link is dropped.
 * The bound is on what the client fails to read: the bytes of a replay
 * (and a replay itself) do not count. */
static int conn_reserve(rtmd_conn *c, size_t n)
{
    if (c->state > CONN_CLOSING)
        return -1;
    if (c->in_replay)
        return 0;
    size_t queued = conn_queued(c), replay = c->n_replays ? conn_replay_queued(c) : 0;
    if (queued - replay + n > c->srv->cfg->max_output) {
        conn_log(c, RTMD_LOG_WARN,
                 "output over %u bytes (%zu queued, %zu of them a replay): the peer does not "
                 "read; dropping the link",
                 c->srv->cfg->max_output, queued, replay);
        conn_kill(c);
        return -1;
    }
    return 0;
}

/* n bytes were queued on c (held or in its output). */
static void conn_queued_more(rtmd_conn *c, size_t n)
{
    uint64_t start = c->queued_total;
    c->queued_total += n;
    if (!c->in_replay)
        return;
    if (c->n_replays && c->replays[c->n_replays - 1].end == start) {
        c->replays[c->n_replays - 1].end = c->queued_total;
        return;
    }
    if (c->n_replays == c->cap_replays) {
        uint32_t cap = c->cap_replays ? c->cap_replays * 2 : 4;
        conn_span *r = realloc(c->replays, cap * sizeof *r);
        if (!r) {
            /* Counted as output like any other: the bound may drop the
             * link, never the bytes. */
            conn_log(c, RTMD_LOG_ERROR, "out of memory noting a replay");
            return;
        }
        c->replays = r;
        c->cap_replays = cap;
    }
    c->replays[c->n_replays++] = (conn_span){ start, c->queued_total };
}

bool rtmd_conn_replay_begin(rtmd_conn *c, bool rejoin)
{
    if (!rtmd_conn_is_open(c))
        return false;
    if (rejoin) {
        if (c->rejoin_replays >= RTMD_MAX_CHANNELS_PER_SESSION)
            return false;
        c->rejoin_replays++;
    }
    c->in_replay = true;
    return true;
}

void rtmd_conn_replay_end(rtmd_conn *c)
{
    if (c)
        c->in_replay = false;
}

/* Whether c holds frames back (for the store, or behind those it holds). */
static bool conn_holding(const rtmd_conn *c)
{
    return c->held && evbuffer_get_length(c->held) > 0;
}

/* Where a frame sent now goes: the link's output, or, while the store has
 * writes that are not durable yet, or frames are held before it, the held
 * queue behind the batch that makes them durable. NULL when out of memory
 * (the link was dropped). request_id: of an answer (0: none). */
static struct evbuffer *conn_out(rtmd_conn *c, uint32_t request_id, bool login)
{
    rtmd_server *srv = c->srv;
    /* A Redis store answers once its write is in its AOF (appendfsync
     * always, docs/CLUSTER.md): no barrier of the node's. */
    uint64_t barrier = srv->gate_off || !srv->store ? 0 : rtmd_store_barrier(srv->store);
    if (barrier == 0 && !conn_holding(c))
        return bufferevent_get_output(c->bev);
    if (!c->held && !(c->held = evbuffer_new()))
        goto nomem;
    if (barrier > c->held_until)
        c->held_until = barrier;
    /* A second frame of one answer (the ReplayDone after a Join's Result)
     * is not a second answer to fail. */
    if (request_id && !(c->n_held_ids && c->held_ids[c->n_held_ids - 1].id == request_id)) {
        if (c->n_held_ids == c->cap_held_ids) {
            uint32_t cap = c->cap_held_ids ? c->cap_held_ids * 2 : 8;
            conn_held_answer *ids = realloc(c->held_ids, cap * sizeof *ids);
            if (!ids)
                goto nomem;
            c->held_ids = ids;
            c->cap_held_ids = cap;
        }
        c->held_ids[c->n_held_ids++] = (conn_held_answer){ request_id, login };
    }
    if (!c->on_held) {
        c->on_held = true;
        c->held_next = srv->held;
        srv->held = c;
    }
    return c->held;
nomem:
    conn_log(c, RTMD_LOG_ERROR, "out of memory holding a frame");
    conn_kill(c);
    return NULL;
}

static int conn_send_any(rtmd_conn *c, const rtm__frame *f)
{
    size_t n = rtm__frame_encoded_size(f);
    if (conn_reserve(c, n) != 0)
        return -1;
    struct evbuffer *out =
        conn_out(c, f->request_id, f->body_case == RTM__WIRE__FRAME__BODY_LOGIN_RESULT);
    if (!out)
        return -1;
    struct evbuffer_iovec v;
    if (evbuffer_reserve_space(out, (ev_ssize_t)n, &v, 1) != 1 || v.iov_len < n) {
        conn_log(c, RTMD_LOG_ERROR, "out of memory queuing %zu bytes", n);
        conn_kill(c);
        return -1;
    }
    v.iov_len = rtm__frame_encode(f, v.iov_base);
    evbuffer_commit_space(out, &v, 1);
    conn_queued_more(c, v.iov_len);
    c->clock.last_tx_ms = c->srv->now.mono_ms;
    conn_log(c, RTMD_LOG_DEBUG, "sent %s (request %u, %zu bytes)", rtm__frame_body_name(f),
             (unsigned)f->request_id, n);
    return 0;
}

int rtmd_conn_send(rtmd_conn *c, const rtm__frame *f)
{
    if (!rtmd_conn_is_open(c))
        return -1;
    return conn_send_any(c, f);
}

int rtmd_conn_send_encoded(rtmd_conn *c, const uint8_t *buf, size_t len)
{
    if (!rtmd_conn_is_open(c) || conn_reserve(c, len) != 0)
        return -1;
    struct evbuffer *out = conn_out(c, 0, false);
    if (!out)
        return -1;
    if (evbuffer_add(out, buf, len) != 0) {
        conn_log(c, RTMD_LOG_ERROR, "out of memory queuing %zu bytes", len);
        conn_kill(c);
        return -1;
    }
    conn_queued_more(c, len);
    c->clock.last_tx_ms = c->srv->now.mono_ms;
    return 0;
}

/* ---- closing ------------------------------------------------------------ */

static void conn_half_close(rtmd_conn *c)
{
    conn_set_state(c, CONN_LINGER);
    rtmd_tls_shutdown(c->bev); /* close_notify first on a TLS link */
    shutdown(bufferevent_getfd(c->bev), SHUT_WR);
}

static void conn_closing_read_cb(struct bufferevent *bev, void *arg)
{
    /* Whatever still comes is discarded, so that closing with unread input
     * does not reset the link before our last frames arrive. */
    struct evbuffer *in = bufferevent_get_input(bev);
    evbuffer_drain(in, evbuffer_get_length(in));
}

static void conn_closing_write_cb(struct bufferevent *bev, void *arg)
{
    rtmd_conn *c = arg;
    rtmd_server_tick(c->srv);
    if (c->state == CONN_CLOSING && !conn_holding(c))
        conn_half_close(c);
}

static void conn_closing_event_cb(struct bufferevent *bev, short what, void *arg)
{
    rtmd_conn *c = arg;
    rtmd_server_tick(c->srv);
    char tls[512];
    if (rtmd_log_enabled(RTMD_LOG_DEBUG))
        conn_log(c, RTMD_LOG_DEBUG, "closed: %s",
                 (what & BEV_EVENT_EOF) ? "the peer's end"
                 : rtmd_tls_error(bev, tls, sizeof tls)[0]
                     ? tls
                     : evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
    conn_kill(c);
}

static void conn_begin_close(rtmd_conn *c)
{
    conn_set_state(c, CONN_CLOSING);
    c->clock.closing_ms = c->srv->now.mono_ms;
    bufferevent_setcb(c->bev, conn_closing_read_cb, conn_closing_write_cb,
                      conn_closing_event_cb, c);
    bufferevent_setwatermark(c->bev, EV_READ, 0, 0);
    bufferevent_setwatermark(c->bev, EV_WRITE, 0, 0);
    bufferevent_enable(c->bev, EV_READ | EV_WRITE);
    if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0 && !conn_holding(c))
        conn_half_close(c);
    if (c->session)
        conn_defer(c);
    event_del(c->timer);
    conn_arm(c);
}

void rtmd_conn_close(rtmd_conn *c, int close_code, const char *detail)
{
    if (!rtmd_conn_is_open(c))
        return;
    if (close_code) {
        Rtm__Wire__Close cl = RTM__WIRE__CLOSE__INIT;
        cl.code = (Rtm__Wire__Close__Code)close_code;
        cl.detail = (char *)(detail ? detail : "");
        rtm__frame f = RTM__WIRE__FRAME__INIT;
        f.body_case = RTM__WIRE__FRAME__BODY_CLOSE;
        f.close = &cl;
        if (conn_send_any(c, &f) != 0)
            return; /* dropped */
    }
    conn_begin_close(c);
}

void rtmd_conn_kick(rtmd_conn *c, int reason)
{
    if (!rtmd_conn_is_open(c))
        return;
    conn_log(c, RTMD_LOG_INFO, "kicked (reason %s)", rtm_reason_name(reason));
    Rtm__Wire__Kick k = RTM__WIRE__KICK__INIT;
    k.reason = reason;
    rtm__frame f = RTM__WIRE__FRAME__INIT;
    f.body_case = RTM__WIRE__FRAME__BODY_KICK;
    f.kick = &k;
    if (conn_send_any(c, &f) != 0)
        return;
    rtmd_metrics_kick(&c->srv->metrics, reason);
    conn_begin_close(c);
}

/* Bad input: log why with the peer's address, send Close, close. */
RTMD_PRINTF(3, 4)
static void conn_refuse(rtmd_conn *c, int close_code, const char *fmt, ...)
{
    char why[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    conn_log(c, RTMD_LOG_WARN, "closing: %s", why);
    rtmd_conn_close(c, close_code, why);
}

/* ---- sessions ----------------------------------------------------------- */

struct rtmd_media_link **rtmd_conn_media(rtmd_conn *c)
{
    return &c->media;
}

size_t rtmd_conn_pending(const rtmd_conn *c)
{
    return evbuffer_get_length(bufferevent_get_output(c->bev)) +
           (c->held ? evbuffer_get_length(c->held) : 0);
}

static void conn_read_cb(struct bufferevent *bev, void *arg);
static void conn_event_cb(struct bufferevent *bev, short what, void *arg);

/* The output fell to the low watermark that media.c asked for. */
static void conn_write_cb(struct bufferevent *bev, void *arg)
{
    rtmd_conn *c = arg;
    (void)bev;
    rtmd_server_tick(c->srv);
    if (c->media && c->state == CONN_READY)
        rtmd_media_link_drained(c->media);
}

void rtmd_conn_limit_unsent(rtmd_conn *c)
{
    /* What the kernel holds unsent counts too: without a bound, a link's
     * socket buffer (megabytes on loopback) fills with chunks and a chat
     * frame waits behind them all. Kept once set: a link that moved media
     * once may again. */
    if (c->notsent_lowat)
        return;
    int lowat = RTMD_MEDIA_LOW_WATER;
    evutil_socket_t fd = bufferevent_getfd(c->bev);
    if (fd >= 0 && setsockopt(fd, IPPROTO_TCP, TCP_NOTSENT_LOWAT, &lowat, sizeof lowat) == 0)
        c->notsent_lowat = true;
}

void rtmd_conn_watch_drain(rtmd_conn *c, bool on)
{
    if (c->state != CONN_READY)
        return; /* closing links have callbacks of their own */
    bufferevent_setcb(c->bev, conn_read_cb, on ? conn_write_cb : NULL, conn_event_cb, c);
    bufferevent_setwatermark(c->bev, EV_WRITE, on ? RTMD_MEDIA_LOW_WATER : 0, 0);
}

void rtmd_conn_attach(rtmd_conn *c, rtmd_session *s)
{
    c->session = s;
    s->link = c;
    if (c->state < CONN_READY) {
        conn_set_state(c, CONN_READY);
        conn_set_read_bound(c);
    }
}

rtmd_session *rtmd_conn_session(const rtmd_conn *c)
{
    return c->session;
}

void rtmd_conn_detach(rtmd_conn *c)
{
    if (c->session && c->session->link == c) {
        c->session->last_rx_ms = c->clock.last_rx_ms;
        c->session->link = NULL;
    }
    c->session = NULL;
}

/* ---- receiving ---------------------------------------------------------- */

static void conn_on_hello(rtmd_conn *c, const rtm__frame *f)
{
    const rtmd_config *cfg = c->srv->cfg;
    const Rtm__Wire__Hello *h = f->hello;
    if (h->version != RTM__WIRE__VERSION__VERSION_1) {
        conn_log(c, RTMD_LOG_WARN, "closing: protocol version %u not supported",
                 (unsigned)h->version);
        rtmd_conn_close(c, RTM__WIRE__CLOSE__CODE__CLOSE_VERSION, "version not supported");
        return;
    }
    c->clock.idle_timeout_ms = rtmd_config_idle_timeout(cfg, h->heartbeat_ms);
    Rtm__Wire__HelloAck ack = RTM__WIRE__HELLO_ACK__INIT;
    ack.version = RTM__WIRE__VERSION__VERSION_1;
    ack.heartbeat_ms = cfg->heartbeat_ms;
    ack.max_frame = cfg->max_frame;
    rtm__frame out = RTM__WIRE__FRAME__INIT;
    out.request_id = f->request_id;
    out.body_case = RTM__WIRE__FRAME__BODY_HELLO_ACK;
    out.hello_ack = &ack;
    if (rtmd_conn_send(c, &out) != 0)
        return;
    conn_set_state(c, CONN_LOGIN);
    conn_log(c, RTMD_LOG_DEBUG, "hello: client heartbeat %u ms, idle timeout %u ms",
             (unsigned)h->heartbeat_ms, c->clock.idle_timeout_ms);
    event_del(c->timer);
    conn_arm(c);
}

static void conn_on_frame(rtmd_conn *c, rtm__frame *f)
{
    conn_log(c, RTMD_LOG_DEBUG, "received %s (request %u)", rtm__frame_body_name(f),
             (unsigned)f->request_id);
    if (c->state == CONN_HELLO) {
        if (f->body_case != RTM__WIRE__FRAME__BODY_HELLO)
            conn_refuse(c, RTM__WIRE__CLOSE__CODE__CLOSE_PROTOCOL,
                        "expected hello, got %s", rtm__frame_body_name(f));
        else
            conn_on_hello(c, f);
        return;
    }
    switch (f->body_case) {
    case RTM__WIRE__FRAME__BODY_PING:
        return;
    case RTM__WIRE__FRAME__BODY_CLOSE:
        conn_log(c, RTMD_LOG_INFO, "the peer closes the link (code %d: %s)",
                 (int)f->close->code, f->close->detail ? f->close->detail : "");
        rtmd_conn_close(c, 0, NULL);
        return;
    case RTM__WIRE__FRAME__BODY__NOT_SET:
        conn_refuse(c, RTM__WIRE__CLOSE__CODE__CLOSE_PROTOCOL, "frame with no body");
        return;
    default:
        break;
    }
    /* A request: the table says what it needs and who handles it. */
    const rtmd_route *route = rtmd_request_route(f->body_case);
    if (!route) {
        conn_refuse(c, RTM__WIRE__CLOSE__CODE__CLOSE_PROTOCOL, "unexpected %s",
                    rtm__frame_body_name(f));
        return;
    }
    if (route->needs_login && c->state != CONN_READY) {
        conn_refuse(c, RTM__WIRE__CLOSE__CODE__CLOSE_PROTOCOL, "%s before login",
                    rtm__frame_body_name(f));
        return;
    }
    rtmd_req rq = { c->srv, c->session, c, f->request_id, route };
    route->handle(&rq, f);
}

static void conn_read_cb(struct bufferevent *bev, void *arg)
{
    rtmd_conn *c = arg;
    rtmd_server_tick(c->srv);
    struct evbuffer *in = bufferevent_get_input(bev);
    c->clock.last_rx_ms = c->srv->now.mono_ms;

    while (rtmd_conn_is_open(c)) {
        size_t max = conn_max_frame(c);
        uint8_t hdr[RTM__FRAME_HEADER];
        size_t len = evbuffer_get_length(in);
        size_t n = 0;
        if (len < RTM__FRAME_HEADER)
            return;
        evbuffer_copyout(in, hdr, sizeof hdr);
        /* The length is checked before any byte of the payload is gathered. */
        if (rtm__frame_peek(hdr, sizeof hdr, max, &n) == RTM__FRAME_TOO_LARGE) {
            uint32_t announced = (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 |
                                 (uint32_t)hdr[2] << 8 | hdr[3];
            conn_refuse(c, RTM__WIRE__CLOSE__CODE__CLOSE_TOO_LARGE,
                        "frame of %u bytes over the limit of %zu", (unsigned)announced, max);
            return;
        }
        if (len < RTM__FRAME_HEADER + n)
            return;
        const uint8_t *p = evbuffer_pullup(in, (ev_ssize_t)(RTM__FRAME_HEADER + n));
        rtm__frame *f = NULL;
        rtm__frame_status st = p ? rtm__frame_unpack(p + RTM__FRAME_HEADER, n, &f)
                                 : RTM__FRAME_NOMEM;
        evbuffer_drain(in, RTM__FRAME_HEADER + n);
        if (st != RTM__FRAME_OK) {
            conn_refuse(c, RTM__WIRE__CLOSE__CODE__CLOSE_PROTOCOL, "%s of %zu bytes",
                        rtm__frame_status_str(st), n);
            return;
        }
        conn_on_frame(c, f);
        rtm__frame_free(f);
    }
}

static void conn_event_cb(struct bufferevent *bev, short what, void *arg)
{
    rtmd_conn *c = arg;
    rtmd_server_tick(c->srv);
    char tls[512];
    if (what & BEV_EVENT_CONNECTED) {
        /* A TLS link's handshake is done. */
        c->tls_up = true;
        conn_log(c, RTMD_LOG_INFO, "TLS handshake done (%s)",
                 rtmd_tls_describe(bev, tls, sizeof tls));
        return;
    }
    if (rtmd_tls_is_tls(bev) && !c->tls_up) {
        /* Before the handshake ends nothing but TLS has been seen: a wrong
         * CA, an old protocol version, a plain client on the TLS port. */
        rtmd_tls_error(bev, tls, sizeof tls);
        conn_log(c, RTMD_LOG_WARN, "TLS handshake failed: %s",
                 tls[0] ? tls
                        : (what & BEV_EVENT_EOF) ? "the peer closed the link"
                                                 : evutil_socket_error_to_string(
                                                       EVUTIL_SOCKET_ERROR()));
    } else if (what & BEV_EVENT_EOF) {
        conn_log(c, RTMD_LOG_INFO, "link closed by the peer");
    } else if ((what & BEV_EVENT_ERROR) && rtmd_tls_is_tls(bev) &&
               rtmd_tls_error(bev, tls, sizeof tls)[0]) {
        conn_log(c, RTMD_LOG_INFO, "link lost: %s", tls);
    } else if (what & BEV_EVENT_ERROR) {
        conn_log(c, RTMD_LOG_INFO, "link lost: %s",
                 evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
    } else {
        return;
    }
    conn_kill(c);
}

/* ---- accepting ---------------------------------------------------------- */

void rtmd_conn_accept(rtmd_server *srv, evutil_socket_t fd, const struct sockaddr *addr,
                      int addrlen, struct ssl_ctx_st *tls)
{
    const rtmd_config *cfg = srv->cfg;
    char host[64] = "?", port[16] = "?", peer[80];
    getnameinfo(addr, (socklen_t)addrlen, host, sizeof host, port, sizeof port,
                NI_NUMERICHOST | NI_NUMERICSERV);
    snprintf(peer, sizeof peer, addr->sa_family == AF_INET6 ? "[%s]:%s" : "%s:%s", host,
             port);
    if (srv->nconns >= cfg->max_conns) {
        conn_refuse_overloaded(srv, fd, tls, peer, RTMD_REFUSED_TOTAL,
                               "the server holds --max-conns links");
        return;
    }
    if (cfg->max_conns_per_ip && conn_ip_count(srv, host) >= cfg->max_conns_per_ip) {
        conn_refuse_overloaded(srv, fd, tls, peer, RTMD_REFUSED_PER_IP,
                               "the server holds --max-conns-per-ip links from this address");
        return;
    }
    rtmd_conn *c = calloc(1, sizeof *c);
    if (!c) {
        rtmd_log(RTMD_LOG_ERROR, "out of memory accepting a link");
        evutil_closesocket(fd);
        return;
    }
    c->srv = srv;
    c->id = ++srv->next_conn_id;
    snprintf(c->host, sizeof c->host, "%s", host);
    snprintf(c->name, sizeof c->name, "link#%llu %s", (unsigned long long)c->id, peer);

    evutil_make_socket_nonblocking(fd);
    /* Frames are small and each is written as soon as it is ready: Nagle's
     * algorithm would hold one back until the previous one is acknowledged,
     * up to the peer's delayed ACK (40 ms). The client does the same. */
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    /* A TLS link runs its handshake first; the login deadline, counted from
     * here, bounds it. */
    c->bev = tls ? rtmd_tls_accept(srv->base, tls, fd)
                 : bufferevent_socket_new(srv->base, fd, BEV_OPT_CLOSE_ON_FREE);
    c->timer = evtimer_new(srv->base, conn_timer_cb, c);
    if (!srv->conn_deferred)
        srv->conn_deferred = event_new(srv->base, -1, 0, conn_deferred_cb, srv);
    if (!c->bev || !c->timer || !srv->conn_deferred) {
        rtmd_log(RTMD_LOG_ERROR, "out of memory accepting %s", peer);
        if (c->bev)
            bufferevent_free(c->bev);
        else if (!tls)
            evutil_closesocket(fd); /* rtmd_tls_accept closed it */
        if (c->timer)
            event_free(c->timer);
        free(c);
        return;
    }
    c->clock.accepted_ms = c->clock.last_rx_ms = c->clock.last_tx_ms = srv->now.mono_ms;
    c->clock.idle_timeout_ms = rtmd_config_idle_timeout(srv->cfg, 0);
    c->clock.login_deadline_ms = cfg->login_deadline_ms;
    c->clock.heartbeat_ms = cfg->heartbeat_ms;
    c->clock.linger_ms = RTMD_LINGER_MS;
    c->state = CONN_HELLO;
    c->next = srv->conns;
    if (srv->conns)
        srv->conns->prev = c;
    srv->conns = c;
    srv->nconns++;
    c->ip_counted = conn_ip_add(srv, c->host);

    bufferevent_setcb(c->bev, conn_read_cb, NULL, conn_event_cb, c);
    conn_set_read_bound(c);
    bufferevent_enable(c->bev, EV_READ | EV_WRITE);
    conn_log(c, RTMD_LOG_INFO, "accepted%s (%zu links)", tls ? " (TLS)" : "", srv->nconns);
    conn_arm(c);
}

void rtmd_conn_close_all(rtmd_server *srv)
{
    for (rtmd_conn *c = srv->conns; c; c = c->next) {
        if (c->session)
            rtmd_conn_detach(c);
        rtmd_conn_close(c, RTM__WIRE__CLOSE__CODE__CLOSE_SHUTDOWN, "server shutting down");
    }
}

void rtmd_conn_resync_all(rtmd_server *srv, const char *why)
{
    for (rtmd_conn *c = srv->conns; c; c = c->next)
        if (c->session)
            rtmd_conn_close(c, RTM__WIRE__CLOSE__CODE__CLOSE_STORE_FAILED, why);
}

/* Takes c off srv->held and forgets what it held: the newest bytes queued,
 * which are no longer numbered, nor part of a replay. */
static void conn_held_clear(rtmd_conn *c)
{
    size_t n = c->held ? evbuffer_get_length(c->held) : 0;
    if (n) {
        evbuffer_drain(c->held, n);
        c->queued_total -= n;
        while (c->n_replays && c->replays[c->n_replays - 1].start >= c->queued_total)
            c->n_replays--;
        if (c->n_replays && c->replays[c->n_replays - 1].end > c->queued_total)
            c->replays[c->n_replays - 1].end = c->queued_total;
    }
    c->n_held_ids = 0;
    c->held_until = 0;
}

void rtmd_conn_release_held(rtmd_server *srv, uint64_t batch)
{
    rtmd_conn **p = &srv->held;
    while (*p) {
        rtmd_conn *c = *p;
        if (c->held_until > batch) {
            p = &c->held_next;
            continue;
        }
        *p = c->held_next;
        c->on_held = false;
        if (c->state <= CONN_CLOSING &&
            evbuffer_add_buffer(bufferevent_get_output(c->bev), c->held) != 0) {
            conn_log(c, RTMD_LOG_ERROR, "out of memory releasing held frames");
            conn_kill(c);
        }
        conn_held_clear(c);
        if (c->state == CONN_CLOSING &&
            evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
            conn_half_close(c);
    }
}

void rtmd_conn_fail_held(rtmd_server *srv)
{
    for (rtmd_conn *c = srv->held; c; c = c->held_next)
        c->on_held = false;
    srv->held = NULL;
    /* What is sent from here on waits for nothing the store does: it says
     * nothing the store keeps. */
    srv->gate_off = true;
    for (rtmd_conn *c = srv->conns; c; c = c->next) {
        size_t n = c->n_held_ids;
        conn_held_answer *ids = c->held_ids;
        c->held_ids = NULL;
        c->n_held_ids = c->cap_held_ids = 0;
        conn_held_clear(c);
        if (c->session)
            rtmd_conn_detach(c);
        if (!rtmd_conn_is_open(c)) {
            free(ids);
            if (c->state == CONN_CLOSING &&
                evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
                conn_half_close(c);
            continue;
        }
        /* The answers that were held, now FAILURE (1 in every family of
         * codes: FAILURE, UNKNOWN or NOT_READY), straight to the link. */
        for (size_t i = 0; i < n; i++) {
            Rtm__Wire__Result r = RTM__WIRE__RESULT__INIT;
            Rtm__Wire__LoginResult lr = RTM__WIRE__LOGIN_RESULT__INIT;
            rtm__frame f = RTM__WIRE__FRAME__INIT;
            r.code = lr.code = 1;
            lr.server_ts = srv->now.wall_ms;
            if (ids[i].login) {
                f.body_case = RTM__WIRE__FRAME__BODY_LOGIN_RESULT;
                f.login_result = &lr;
            } else {
                f.body_case = RTM__WIRE__FRAME__BODY_RESULT;
                f.result = &r;
            }
            f.request_id = ids[i].id;
            if (conn_send_any(c, &f) != 0)
                break;
        }
        free(ids);
        rtmd_conn_close(c, RTM__WIRE__CLOSE__CODE__CLOSE_STORE_FAILED,
                        "the server's store failed a write: come back");
    }
    srv->gate_off = false;
}

void rtmd_conn_held(const rtmd_server *srv, size_t *links, size_t *bytes)
{
    *links = *bytes = 0;
    for (const rtmd_conn *c = srv->held; c; c = c->held_next) {
        (*links)++;
        *bytes += c->held ? evbuffer_get_length(c->held) : 0;
    }
}

size_t rtmd_conn_output_queued(const rtmd_server *srv)
{
    size_t n = 0;
    for (const rtmd_conn *c = srv->conns; c; c = c->next)
        n += evbuffer_get_length(bufferevent_get_output(c->bev));
    return n;
}

void rtmd_conn_free_all(rtmd_server *srv)
{
    while (srv->conns)
        conn_free(srv->conns);
    while (srv->tls_refusals)
        tls_refusal_free(srv->tls_refusals);
    if (srv->conn_deferred) {
        event_free(srv->conn_deferred);
        srv->conn_deferred = NULL;
    }
}
