/*
 * client.c: the public API (rtm.h) and the libevent driver of the session.
 *
 * Public calls check their arguments, copy them into a command and post it
 * to the loop thread. There the driver feeds the session state machine
 * (session.c) and carries out what it asks: open and close the link, write
 * frames, arm one timer. What the application must see becomes an event on
 * the client's dispatcher (dispatch.c): a serial queue, so the client's
 * callbacks run one at a time and in order, on the callback pool that all
 * clients share, never on the loop thread.
 */
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/ssl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>

#include "dispatch.h"
#include "alloc.h"
#include "ids.h"
#include "logfile.h"
#include "loop.h"
#include "params.h"
#include "rtm/rtm.h"
#include "session.h"
#include "tls.h"

struct rtm_channel {
    rtm_channel *next;          /* in the client's registry */
    rtm_client *client;
    char id[RTM__ID_MAX + 1];
    rtm_channel_callbacks cb;
    void *closure;
    atomic_int refs;            /* registry + events + operations */
    atomic_bool released;
};

struct rtm_client {
    rtm_loop *loop;
    bool default_loop;
    rtm__dispatch *dispatch;
    rtm_client_callbacks cb;
    void *closure;
    rtm_log_cb log;
    void *log_closure;
    atomic_int log_filter;
    rtm__logfile *logfile;      /* setLogFile; writes nothing until opened */
    char app_id[RTM__ID_MAX + 1];
    char env_server[RTM__SERVER_MAX];
    atomic_bool destroying;
    char user_id[RTM__ID_MAX + 1]; /* for log lines; written on the loop
                                     * thread under lock */
    /* setParameters: the parameters as the API has set them, those the
     * loop has not applied yet included; each call changes them and posts
     * the result under params_lock, so calls apply whole, in order, and
     * none is lost to another. The loop's copy is params. */
    pthread_mutex_t params_lock;
    rtm__params params_set;

    /* Loop thread only. */
    rtm__session *session;
    rtm__params params;
    struct bufferevent *bev;
    struct event *timer;
    struct event *link_fail;    /* reports a connect that failed at once */
    SSL_CTX *tls_ctx;           /* rtm.tls: made at the first TLS link */
    char tls_ctx_ca[RTM__TLS_PATH_MAX]; /* the rtm.tls_ca_file it trusts */
    uint64_t rng;

    /* Channel registry and user_id, any thread. */
    pthread_mutex_t lock;
    rtm_channel *channels;
};

/* An operation in flight (below). */
typedef struct rtm__op rtm__op;

/* ------------------------------------------------------------------ */
/* Small helpers                                                       */

static rtm__time rtm__now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (rtm__time)ts.tv_sec * 1000000u + (rtm__time)ts.tv_nsec / 1000u;
}

static void rtm__log(rtm_client *c, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void rtm__log(rtm_client *c, int level, const char *fmt, ...)
{
    if ((atomic_load(&c->log_filter) & level) == 0)
        return;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    char user[RTM__ID_MAX + 1];
    pthread_mutex_lock(&c->lock);
    snprintf(user, sizeof(user), "%s", c->user_id[0] ? c->user_id : "-");
    pthread_mutex_unlock(&c->lock);
    char line[640];
    snprintf(line, sizeof(line), "rtm client %p user %s: %s", (void *)c, user,
             msg);
    if (c->logfile != NULL)
        rtm__logfile_write(c->logfile, level, line);
    if (c->log != NULL)
        c->log(level, line, c->log_closure);
}

static char *rtm__strdup_or_empty(const char *s)
{
    return rtm__strdup(s ? s : "");
}

static void rtm__channel_unref(rtm_channel *ch)
{
    if (atomic_fetch_sub(&ch->refs, 1) == 1)
        free(ch);
}

static void rtm__channel_ref(rtm_channel *ch)
{
    atomic_fetch_add(&ch->refs, 1);
}

/* ------------------------------------------------------------------ */
/* Events for the dispatcher                                           */

/* Owned copies of channel attributes with their last-update fields. */
typedef struct {
    rtm_channel_attribute *items;
    size_t count;
} rtm__chattrs;

static void rtm__chattrs_free(rtm__chattrs *v)
{
    for (size_t i = 0; i < v->count; i++) {
        free((char *)v->items[i].key);
        free((char *)v->items[i].value);
        free((char *)v->items[i].last_update_user_id);
    }
    free(v->items);
    v->items = NULL;
    v->count = 0;
}

/* Copies n wire attributes into v; false when out of memory (v freed). */
static bool rtm__chattrs_copy(rtm__chattrs *v, Rtm__Wire__Attribute *const *a, size_t n)
{
    v->count = 0;
    v->items = rtm__calloc(n ? n : 1, sizeof(*v->items));
    if (v->items == NULL)
        return false;
    for (size_t i = 0; i < n; i++) {
        rtm_channel_attribute *x = &v->items[i];
        x->key = rtm__strdup_or_empty(a[i]->key);
        x->value = rtm__strdup_or_empty(a[i]->value);
        x->last_update_user_id = rtm__strdup_or_empty(a[i]->last_update_user);
        x->last_update_ts = (int64_t)a[i]->last_update_ts;
        v->count = i + 1;
        if (x->key == NULL || x->value == NULL || x->last_update_user_id == NULL) {
            rtm__chattrs_free(v);
            return false;
        }
    }
    return true;
}

/* A result, with copies of what the answer carried: the members' ids, the
 * attributes as key, value, key, value..., the users of a presence answer
 * with their states, or a channel's attributes. */
typedef struct {
    int code;
    char *user;             /* the user, or channel, an answer is about */
    char **strs;
    size_t nstrs;
    int *states;
    rtm__chattrs chattrs;
} rtm__result_event;

static void rtm__result_event_clear(rtm__result_event *e)
{
    for (size_t i = 0; i < e->nstrs; i++)
        free(e->strs[i]);
    free(e->strs);
    free(e->states);
    free(e->user);
    rtm__chattrs_free(&e->chattrs);
    *e = (rtm__result_event){.code = e->code};
}

/* An operation in flight: what to call back when it completes, and the
 * room for its result, allocated with it, so that a completion never needs
 * memory it might not get: exactly once holds out of memory too. */
struct rtm__op {
    rtm__op_kind kind;
    rtm_client *client;
    rtm_channel *channel;       /* holds a reference; NULL for client ops */
    rtm_result_cb cb;
    rtm_members_cb members_cb;
    rtm_attributes_cb attributes_cb;
    rtm_peer_status_cb status_cb;
    rtm_member_counts_cb counts_cb;
    rtm_channel_attributes_cb chattrs_cb;
    void *closure;
    rtm__result_event result;
    rtm__event event;           /* the result's place in the queue */
};

/* Presence entries (users with states) for a callback; NULL when n is 0 or
 * out of memory. */
static rtm_peer_status *rtm__peer_status_list(char *const *users, const int *states,
                                              size_t n)
{
    rtm_peer_status *p = n ? rtm__calloc(n, sizeof(*p)) : NULL;
    for (size_t i = 0; p != NULL && i < n; i++) {
        p[i].peer_id = users[i];
        p[i].state = states[i];
    }
    return p;
}

static void rtm__result_run(void *arg, bool closing)
{
    /* Results always run, closing or not: the application frees its
     * closures there. */
    rtm__op *op = arg;
    rtm__result_event *e = &op->result;
    if (op->members_cb != NULL) {
        op->members_cb(op->channel, e->code, (const char *const *)e->strs,
                       e->nstrs, op->closure);
    } else if (op->attributes_cb != NULL) {
        size_t n = e->nstrs / 2;
        rtm_attribute *attrs = n ? rtm__calloc(n, sizeof(*attrs)) : NULL;
        int code = n && attrs == NULL ? rtm__failure_code(op->kind) : e->code;
        for (size_t i = 0; attrs != NULL && i < n; i++) {
            attrs[i].key = e->strs[2 * i];
            attrs[i].value = e->strs[2 * i + 1];
        }
        op->attributes_cb(op->client, code, e->user, attrs,
                          attrs != NULL ? n : 0, op->closure);
        free(attrs);
    } else if (op->counts_cb != NULL) {
        rtm_channel_member_count *counts = e->nstrs ? rtm__calloc(e->nstrs, sizeof(*counts)) : NULL;
        for (size_t i = 0; counts != NULL && i < e->nstrs; i++) {
            counts[i].channel_id = e->strs[i];
            counts[i].count = e->states[i];
        }
        int code = e->nstrs && counts == NULL ? rtm__failure_code(op->kind) : e->code;
        op->counts_cb(op->client, code, counts, counts != NULL ? e->nstrs : 0, op->closure);
        free(counts);
    } else if (op->chattrs_cb != NULL) {
        op->chattrs_cb(op->client, e->code, e->user, e->chattrs.items, e->chattrs.count,
                       op->closure);
    } else if (op->status_cb != NULL) {
        rtm_peer_status *peers = rtm__peer_status_list(e->strs, e->states, e->nstrs);
        int code = e->nstrs && peers == NULL ? rtm__failure_code(op->kind) : e->code;
        op->status_cb(op->client, code, peers, peers != NULL ? e->nstrs : 0, op->closure);
        free(peers);
    } else if (op->cb != NULL) {
        op->cb(op->client, e->code, op->closure);
    }
    if (op->channel != NULL)
        rtm__channel_unref(op->channel);
    rtm__result_event_clear(e);
    free(op);
}

/* Copies presence entries into users/states (count in *n); false when out
 * of memory (what was copied is kept for the caller to free). */
static bool rtm__states_copy(char ***users, int **states, size_t *n,
                             Rtm__Wire__PeerState *const *peers, size_t count)
{
    *users = rtm__calloc(count ? count : 1, sizeof(char *));
    *states = rtm__calloc(count ? count : 1, sizeof(int));
    if (*users == NULL || *states == NULL)
        return false;
    for (size_t i = 0; i < count; i++) {
        if (((*users)[i] = rtm__strdup(peers[i]->user)) == NULL)
            return false;
        (*states)[i] = peers[i]->state;
        *n = i + 1;
    }
    return true;
}

/* Copies a MemberCounts answer into e: channels in strs, counts in states.
 * False when out of memory. */
static bool rtm__counts_copy(rtm__result_event *e, const Rtm__Wire__MemberCounts *mc)
{
    size_t n = mc->n_counts;
    e->strs = rtm__calloc(n ? n : 1, sizeof(char *));
    e->states = rtm__calloc(n ? n : 1, sizeof(int));
    if (e->strs == NULL || e->states == NULL)
        return false;
    for (size_t i = 0; i < n; i++) {
        if ((e->strs[i] = rtm__strdup(mc->counts[i]->channel)) == NULL)
            return false;
        e->states[i] = mc->counts[i]->count > INT32_MAX ? INT32_MAX : (int)mc->counts[i]->count;
        e->nstrs = i + 1;
    }
    return true;
}

/* Copies n strings into e; false when out of memory. */
static bool rtm__result_copy(rtm__result_event *e, char *const *strs, size_t n)
{
    e->strs = rtm__calloc(n ? n : 1, sizeof(char *));
    if (e->strs == NULL)
        return false;
    for (size_t i = 0; i < n; i++) {
        if ((e->strs[i] = rtm__strdup(strs[i])) == NULL)
            return false;
        e->nstrs = i + 1;
    }
    return true;
}

/* Posts the completion of op, with copies of what answer carries. */
static void rtm__complete(rtm_client *c, rtm__op *op, int code,
                          const rtm__frame *answer)
{
    /* Nobody to tell (a message sent without a callback): nothing to
     * post, and nothing for the callback thread to free but op. */
    if (op->cb == NULL && op->members_cb == NULL && op->attributes_cb == NULL &&
        op->status_cb == NULL && op->counts_cb == NULL && op->chattrs_cb == NULL &&
        op->channel == NULL) {
        free(op);
        return;
    }
    rtm__result_event *e = &op->result;
    e->code = code;
    bool ok = true;
    if (answer != NULL && code == 0 &&
        answer->body_case == RTM__WIRE__FRAME__BODY_MEMBERS) {
        ok = rtm__result_copy(e, answer->members->users,
                              answer->members->n_users);
    } else if (answer != NULL &&
               answer->body_case == RTM__WIRE__FRAME__BODY_ATTRIBUTES) {
        const Rtm__Wire__Attributes *a = answer->attributes;
        size_t n = code == 0 ? a->n_attributes : 0;
        char **flat = rtm__calloc(2 * n + 1, sizeof(char *));
        for (size_t i = 0; flat != NULL && i < n; i++) {
            flat[2 * i] = a->attributes[i]->key;
            flat[2 * i + 1] = a->attributes[i]->value;
        }
        ok = flat != NULL && rtm__result_copy(e, flat, 2 * n) &&
             (e->user = rtm__strdup(a->user)) != NULL;
        free(flat);
    } else if (answer != NULL && code == 0 &&
               answer->body_case == RTM__WIRE__FRAME__BODY_PEER_STATES) {
        ok = rtm__states_copy(&e->strs, &e->states, &e->nstrs, answer->peer_states->peers,
                              answer->peer_states->n_peers);
    } else if (answer != NULL && code == 0 &&
               answer->body_case == RTM__WIRE__FRAME__BODY_MEMBER_COUNTS) {
        ok = rtm__counts_copy(e, answer->member_counts);
    } else if (answer != NULL &&
               answer->body_case == RTM__WIRE__FRAME__BODY_CHANNEL_ATTRIBUTES) {
        const Rtm__Wire__ChannelAttributes *a = answer->channel_attributes;
        ok = (e->user = rtm__strdup_or_empty(a->channel)) != NULL &&
             rtm__chattrs_copy(&e->chattrs, a->attributes, code == 0 ? a->n_attributes : 0);
    }
    if (!ok) {
        rtm__log(c, RTM_LOG_ERROR, "out of memory copying a result");
        rtm__result_event_clear(e);
        e->code = rtm__failure_code(op->kind);
    }
    rtm__dispatch_post_event(c->dispatch, &op->event, rtm__result_run, op);
}

typedef struct {
    rtm_client *client;
    int state;
    int reason;
} rtm__state_event;

static void rtm__state_run(void *arg, bool closing)
{
    rtm__state_event *e = arg;
    rtm_client *c = e->client;
    if (!closing && c->cb.on_connection_state_changed != NULL)
        c->cb.on_connection_state_changed(c, e->state, e->reason, c->closure);
    free(e);
}

/* A received message, peer or channel, with its own copies. */
typedef struct {
    rtm_client *client;
    rtm_channel *channel;   /* NULL for a peer message */
    int kind;               /* 0 message, 1 member joined, 2 member left,
                             * 3 member count */
    char *from;
    rtm_message msg;
    int count;              /* kind 3 */
} rtm__message_event;

static void rtm__message_event_free(rtm__message_event *e)
{
    free(e->from);
    free((char *)e->msg.text);
    free((void *)e->msg.raw);
    free((char *)e->msg.description);
    if (e->channel != NULL)
        rtm__channel_unref(e->channel);
    free(e);
}

static void rtm__message_run(void *arg, bool closing)
{
    rtm__message_event *e = arg;
    rtm_client *c = e->client;
    rtm_channel *ch = e->channel;
    if (closing || (ch != NULL && atomic_load(&ch->released))) {
        rtm__message_event_free(e);
        return;
    }
    if (ch == NULL) {
        if (c->cb.on_message_received != NULL)
            c->cb.on_message_received(c, &e->msg, e->from, c->closure);
    } else if (e->kind == 0) {
        if (ch->cb.on_message_received != NULL)
            ch->cb.on_message_received(ch, &e->msg, e->from, ch->closure);
    } else if (e->kind == 1) {
        if (ch->cb.on_member_joined != NULL)
            ch->cb.on_member_joined(ch, e->from, ch->closure);
    } else if (e->kind == 2) {
        if (ch->cb.on_member_left != NULL)
            ch->cb.on_member_left(ch, e->from, ch->closure);
    } else if (ch->cb.on_member_count_updated != NULL) {
        ch->cb.on_member_count_updated(ch, e->count, ch->closure);
    }
    rtm__message_event_free(e);
}

/* Copies a wire message into an event. Returns false when out of memory. */
static bool rtm__copy_message(rtm__message_event *e, const Rtm__Wire__Message *m)
{
    e->msg.type = (int)m->type;
    e->msg.server_received_ts = (int64_t)m->server_ts;
    e->msg.offline = m->offline;
    if (m->type == RTM_MESSAGE_TYPE_RAW) {
        /* One byte more, so that an empty raw message is not NULL. */
        void *raw = rtm__malloc(m->raw.len + 1);
        if (raw == NULL)
            return false;
        if (m->raw.len > 0)
            memcpy(raw, m->raw.data, m->raw.len);
        e->msg.raw = raw;
        e->msg.raw_len = m->raw.len;
        e->msg.description = rtm__strdup_or_empty(m->description);
        return e->msg.description != NULL;
    }
    e->msg.text = rtm__strdup_or_empty(m->text);
    return e->msg.text != NULL;
}

/* The channel handle for a name, with a reference, or NULL. */
static rtm_channel *rtm__channel_lookup(rtm_client *c, const char *id)
{
    pthread_mutex_lock(&c->lock);
    rtm_channel *ch = c->channels;
    while (ch != NULL && strcmp(ch->id, id) != 0)
        ch = ch->next;
    if (ch != NULL)
        rtm__channel_ref(ch);
    pthread_mutex_unlock(&c->lock);
    return ch;
}

static void rtm__post_message(rtm_client *c, rtm_channel *ch, int kind,
                              const char *from, const Rtm__Wire__Message *m)
{
    rtm__message_event *e = rtm__calloc(1, sizeof(*e));
    if (e == NULL)
        goto nomem;
    e->client = c;
    e->channel = ch;
    e->kind = kind;
    e->from = rtm__strdup_or_empty(from);
    if (e->from == NULL || (m != NULL && !rtm__copy_message(e, m)))
        goto nomem;
    if (rtm__dispatch_post(c->dispatch, rtm__message_run, e) == 0)
        return;
nomem:
    rtm__log(c, RTM_LOG_ERROR, "out of memory: an event is lost");
    if (e != NULL)
        rtm__message_event_free(e);
    else if (ch != NULL)
        rtm__channel_unref(ch);
}

/* ------------------------------------------------------------------ */
/* Session callbacks: the driver side                                  */

static void rtm__rearm(rtm_client *c);

/* How long a closed link may take to hand over its last frames. */
#define RTM__LINGER_MS 1000

/* Drops a link that failed or was closed by the other side. */
static void rtm__link_free(rtm_client *c)
{
    if (c->bev == NULL)
        return;
    bufferevent_free(c->bev);
    c->bev = NULL;
}

/* The session closes the link: what it sent last (a Logout) still reaches
 * the server. */
static void rtm__drv_close_link(void *ud)
{
    rtm_client *c = ud;
    evtimer_del(c->link_fail);
    if (c->bev == NULL)
        return;
    rtm__loop_linger(c->loop, c->bev, RTM__LINGER_MS);
    c->bev = NULL;
}

static void rtm__drv_send(void *ud, const uint8_t *bytes, size_t len)
{
    rtm_client *c = ud;
    if (c->bev != NULL && bufferevent_write(c->bev, bytes, len) != 0)
        rtm__log(c, RTM_LOG_ERROR, "out of memory writing %zu bytes", len);
}

static void rtm__on_read(struct bufferevent *bev, void *arg)
{
    rtm_client *c = arg;
    struct evbuffer *in = bufferevent_get_input(bev);
    for (;;) {
        uint8_t hdr[RTM__FRAME_HEADER];
        size_t n = 0;
        if (evbuffer_copyout(in, hdr, sizeof(hdr)) < (ev_ssize_t)sizeof(hdr))
            break;
        if (rtm__frame_peek(hdr, sizeof(hdr), RTM__FRAME_MAX_DEFAULT, &n) !=
            RTM__FRAME_OK) {
            rtm__log(c, RTM_LOG_ERROR,
                     "the server announced a frame over %u bytes; closing",
                     RTM__FRAME_MAX_DEFAULT);
            rtm__link_free(c);
            rtm__session_link_down(c->session, rtm__now());
            break;
        }
        if (evbuffer_get_length(in) < RTM__FRAME_HEADER + n)
            break;
        uint8_t *p = evbuffer_pullup(in, (ev_ssize_t)(RTM__FRAME_HEADER + n));
        rtm__session_receive(c->session, rtm__now(), p + RTM__FRAME_HEADER, n);
        if (c->bev != bev) /* the session closed this link */
            break;
        evbuffer_drain(in, RTM__FRAME_HEADER + n);
    }
    rtm__rearm(c);
}

static void rtm__on_event(struct bufferevent *bev, short what, void *arg)
{
    rtm_client *c = arg;
    if (what & BEV_EVENT_CONNECTED) {
        evutil_socket_t fd = bufferevent_getfd(bev);
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        rtm__log(c, RTM_LOG_INFO, "connected to %s%s", c->params.server[0]
                                                            ? c->params.server
                                                            : c->env_server,
                 bufferevent_openssl_get_ssl(bev) ? " (TLS)" : "");
        rtm__session_link_up(c->session, rtm__now());
    } else if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT)) {
        int err = EVUTIL_SOCKET_ERROR();
        char tls[512];
        if ((what & BEV_EVENT_ERROR) && rtm__tls_error(bev, tls, sizeof(tls))[0]) {
            /* A failed handshake (a certificate that does not verify) is a
             * failed connection attempt like any other. */
            rtm__log(c, RTM_LOG_WARNING, "TLS link error: %s", tls);
        } else if (what & BEV_EVENT_ERROR) {
            int dns = bufferevent_socket_get_dns_error(bev);
            rtm__log(c, RTM_LOG_WARNING, "link error: %s",
                     dns ? evutil_gai_strerror(dns)
                         : evutil_socket_error_to_string(err));
        }
        rtm__link_free(c);
        rtm__session_link_down(c->session, rtm__now());
    }
    rtm__rearm(c);
}

static void rtm__on_link_fail(evutil_socket_t fd, short what, void *arg)
{
    rtm_client *c = arg;
    rtm__link_free(c);
    rtm__session_link_down(c->session, rtm__now());
    rtm__rearm(c);
}

static const char *rtm__server(const rtm_client *c)
{
    return c->params.server[0] ? c->params.server : c->env_server;
}

/* c->bev for a TLS link to host (rtm.tls): the context is made once per
 * client, again only when rtm.tls_ca_file changes. 0, or -1 (logged). */
static int rtm__open_tls(rtm_client *c, struct event_base *base, const char *host)
{
    char err[512];
    if (c->tls_ctx != NULL && strcmp(c->tls_ctx_ca, c->params.tls_ca_file) != 0) {
        rtm__tls_ctx_free(c->tls_ctx);
        c->tls_ctx = NULL;
    }
    if (c->tls_ctx == NULL) {
        c->tls_ctx = rtm__tls_ctx_new(c->params.tls_ca_file, err, sizeof(err));
        if (c->tls_ctx == NULL) {
            rtm__log(c, RTM_LOG_ERROR, "TLS: %s", err);
            return -1;
        }
        snprintf(c->tls_ctx_ca, sizeof(c->tls_ctx_ca), "%s", c->params.tls_ca_file);
    }
    const char *name = c->params.tls_server_name[0] ? c->params.tls_server_name : host;
    bool insecure = c->params.tls_insecure_skip_verify;
    if (insecure)
        rtm__log(c, RTM_LOG_WARNING,
                 "WARNING: rtm.tls_insecure_skip_verify is set: the server's "
                 "certificate is NOT verified; anyone on the path can read and "
                 "change this link");
    SSL *ssl = rtm__tls_ssl_new(c->tls_ctx, name, insecure, err, sizeof(err));
    if (ssl == NULL) {
        rtm__log(c, RTM_LOG_ERROR, "TLS: %s", err);
        return -1;
    }
    c->bev = bufferevent_openssl_socket_new(base, -1, ssl, BUFFEREVENT_SSL_CONNECTING,
                                            BEV_OPT_CLOSE_ON_FREE);
    if (c->bev == NULL) {
        SSL_free(ssl);
        return -1;
    }
    /* A server that closes without close_notify ends the link, not an
     * error: frames are whole or not at all anyway. */
    bufferevent_openssl_set_allow_dirty_shutdown(c->bev, 1);
    return 0;
}

static void rtm__drv_open_link(void *ud)
{
    rtm_client *c = ud;
    char host[RTM__SERVER_MAX];
    uint16_t port = 0;
    struct event_base *base = rtm__loop_base(c->loop);
    if (rtm__parse_host_port(rtm__server(c), host, sizeof(host), &port) != 0) {
        rtm__log(c, RTM_LOG_ERROR, "bad server address \"%s\"", rtm__server(c));
        goto fail;
    }
    if (c->params.tls) {
        if (rtm__open_tls(c, base, host) != 0)
            goto fail;
    } else {
        c->bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
    }
    if (c->bev == NULL)
        goto fail;
    bufferevent_setcb(c->bev, rtm__on_read, NULL, rtm__on_event, c);
    bufferevent_enable(c->bev, EV_READ);
    if (bufferevent_socket_connect_hostname(c->bev, rtm__loop_dns(c->loop),
                                            AF_UNSPEC, host, port) != 0) {
        rtm__log(c, RTM_LOG_WARNING, "cannot connect to %s", rtm__server(c));
        goto fail;
    }
    return;
fail:
    /* The session is inside its call: report the failure from the loop. */
    {
        struct timeval zero = { 0, 0 };
        evtimer_add(c->link_fail, &zero);
    }
}

static void rtm__drv_state_changed(void *ud, int state, int reason)
{
    rtm_client *c = ud;
    rtm__state_event *e = rtm__malloc(sizeof(*e));
    if (e != NULL) {
        e->client = c;
        e->state = state;
        e->reason = reason;
    }
    if (e == NULL || rtm__dispatch_post(c->dispatch, rtm__state_run, e) != 0) {
        free(e);
        rtm__log(c, RTM_LOG_CRITICAL, "out of memory: a state change is lost");
    }
}

static void rtm__drv_op_done(void *ud, uint64_t op, rtm__op_kind kind, int code,
                             const rtm__frame *answer)
{
    rtm__complete(ud, (rtm__op *)(uintptr_t)op, code, answer);
}

typedef struct {
    rtm_client *client;
    rtm_replay_info info;
} rtm__replay_event;

static void rtm__replay_run(void *arg, bool closing)
{
    rtm__replay_event *e = arg;
    rtm_client *c = e->client;
    if (!closing && c->cb.on_replay_done != NULL)
        c->cb.on_replay_done(c, &e->info, c->closure);
    free(e);
}

/* The two token notices (SPEC S15), with no payload but seconds_left. */
typedef struct {
    rtm_client *client;
    bool expired;           /* onTokenExpired, else onTokenPrivilegeWillExpire */
    uint32_t seconds_left;
} rtm__token_event;

static void rtm__token_run(void *arg, bool closing)
{
    rtm__token_event *e = arg;
    rtm_client *c = e->client;
    if (!closing && e->expired && c->cb.on_token_expired != NULL)
        c->cb.on_token_expired(c, c->closure);
    else if (!closing && !e->expired && c->cb.on_token_privilege_will_expire != NULL)
        c->cb.on_token_privilege_will_expire(c, e->seconds_left, c->closure);
    free(e);
}

static void rtm__post_token_event(rtm_client *c, bool expired, uint32_t left)
{
    rtm__token_event *e = rtm__malloc(sizeof(*e));
    if (e != NULL) {
        e->client = c;
        e->expired = expired;
        e->seconds_left = left;
    }
    if (e == NULL || rtm__dispatch_post(c->dispatch, rtm__token_run, e) != 0) {
        free(e);
        rtm__log(c, RTM_LOG_ERROR, "out of memory: a token notice is lost");
    }
}

static void rtm__drv_token_expired(void *ud)
{
    rtm__post_token_event(ud, true, 0);
}

static void rtm__drv_token_will_expire(void *ud, uint32_t seconds_left)
{
    rtm__post_token_event(ud, false, seconds_left);
}

/* onPeersOnlineStatusChanged, with its own copies. */
typedef struct {
    rtm_client *client;
    char **users;
    int *states;
    size_t n;
} rtm__presence_event;

static void rtm__presence_event_free(rtm__presence_event *e)
{
    for (size_t i = 0; i < e->n; i++)
        free(e->users[i]);
    free(e->users);
    free(e->states);
    free(e);
}

static void rtm__presence_run(void *arg, bool closing)
{
    rtm__presence_event *e = arg;
    rtm_client *c = e->client;
    rtm_peer_status *peers = rtm__peer_status_list(e->users, e->states, e->n);
    if (peers == NULL && e->n)
        rtm__log(c, RTM_LOG_ERROR, "out of memory: a presence change is lost");
    else if (!closing && c->cb.on_peers_online_status_changed != NULL)
        c->cb.on_peers_online_status_changed(c, peers, e->n, c->closure);
    free(peers);
    rtm__presence_event_free(e);
}

static void rtm__drv_peer_states(void *ud, const Rtm__Wire__PeerStateEvent *ev)
{
    rtm_client *c = ud;
    rtm__presence_event *e = rtm__calloc(1, sizeof(*e));
    if (e != NULL)
        e->client = c;
    if (e == NULL || !rtm__states_copy(&e->users, &e->states, &e->n, ev->peers, ev->n_peers) ||
        rtm__dispatch_post(c->dispatch, rtm__presence_run, e) != 0) {
        if (e != NULL)
            rtm__presence_event_free(e);
        rtm__log(c, RTM_LOG_ERROR, "out of memory: a presence change is lost");
    }
}

static void rtm__drv_replay_done(void *ud, const Rtm__Wire__ReplayDone *r)
{
    rtm_client *c = ud;
    rtm__replay_event *e = rtm__malloc(sizeof(*e));
    if (e != NULL) {
        e->client = c;
        e->info.peer_messages = r->peer_messages;
        e->info.channel_messages = r->channel_messages;
        e->info.channel_skipped = r->channel_skipped;
        e->info.peer_dropped = r->peer_dropped;
    }
    if (e == NULL || rtm__dispatch_post(c->dispatch, rtm__replay_run, e) != 0) {
        free(e);
        rtm__log(c, RTM_LOG_ERROR, "out of memory: a replay report is lost");
    }
}

static void rtm__drv_peer_message(void *ud, const Rtm__Wire__PeerDeliver *m)
{
    rtm__post_message(ud, NULL, 0, m->from, m->message);
}

static void rtm__drv_channel_message(void *ud, const Rtm__Wire__ChannelDeliver *m)
{
    rtm_client *c = ud;
    rtm_channel *ch = rtm__channel_lookup(c, m->channel);
    if (ch != NULL)
        rtm__post_message(c, ch, 0, m->from, m->message);
}

static void rtm__drv_member_event(void *ud, const Rtm__Wire__MemberEvent *m)
{
    rtm_client *c = ud;
    rtm_channel *ch = rtm__channel_lookup(c, m->channel);
    if (ch != NULL)
        rtm__post_message(c, ch, m->joined ? 1 : 2, m->user, NULL);
}

static void rtm__drv_member_count(void *ud, const Rtm__Wire__MemberCountEvent *m)
{
    rtm_client *c = ud;
    rtm_channel *ch = rtm__channel_lookup(c, m->channel);
    if (ch == NULL)
        return;
    rtm__message_event *e = rtm__calloc(1, sizeof(*e));
    if (e != NULL) {
        e->client = c;
        e->channel = ch;
        e->kind = 3;
        e->count = m->count > INT32_MAX ? INT32_MAX : (int)m->count;
    }
    if (e == NULL || rtm__dispatch_post(c->dispatch, rtm__message_run, e) != 0) {
        rtm__log(c, RTM_LOG_ERROR, "out of memory: a member count is lost");
        if (e != NULL)
            rtm__message_event_free(e);
        else
            rtm__channel_unref(ch);
    }
}

/* A channel's attributes after a change made with notify. */
typedef struct {
    rtm_channel *channel;   /* holds a reference */
    rtm__chattrs list;
} rtm__chattrs_event;

static void rtm__chattrs_event_free(rtm__chattrs_event *e)
{
    rtm__chattrs_free(&e->list);
    rtm__channel_unref(e->channel);
    free(e);
}

static void rtm__chattrs_run(void *arg, bool closing)
{
    rtm__chattrs_event *e = arg;
    rtm_channel *ch = e->channel;
    if (!closing && !atomic_load(&ch->released) && ch->cb.on_attributes_updated != NULL)
        ch->cb.on_attributes_updated(ch, e->list.items, e->list.count, ch->closure);
    rtm__chattrs_event_free(e);
}

static void rtm__drv_channel_attributes(void *ud, const Rtm__Wire__ChannelAttributesEvent *ev)
{
    rtm_client *c = ud;
    rtm_channel *ch = rtm__channel_lookup(c, ev->channel ? ev->channel : "");
    if (ch == NULL)
        return;
    rtm__chattrs_event *e = rtm__calloc(1, sizeof(*e));
    if (e == NULL) {
        rtm__channel_unref(ch);
    } else {
        e->channel = ch;
        if (rtm__chattrs_copy(&e->list, ev->attributes, ev->n_attributes) &&
            rtm__dispatch_post(c->dispatch, rtm__chattrs_run, e) == 0)
            return;
        rtm__chattrs_event_free(e);
    }
    rtm__log(c, RTM_LOG_ERROR, "out of memory: a channel attributes event is lost");
}

static void rtm__drv_log(void *ud, int level, const char *line)
{
    rtm__log(ud, level, "%s", line);
}

static uint32_t rtm__drv_random(void *ud)
{
    /* xorshift64*, seeded from getrandom: jitter needs spread, not secrecy. */
    rtm_client *c = ud;
    c->rng ^= c->rng >> 12;
    c->rng ^= c->rng << 25;
    c->rng ^= c->rng >> 27;
    return (uint32_t)((c->rng * 0x2545F4914F6CDD1DULL) >> 32);
}

static const rtm__session_ops rtm__driver_ops = {
    .open_link = rtm__drv_open_link,
    .close_link = rtm__drv_close_link,
    .send = rtm__drv_send,
    .state_changed = rtm__drv_state_changed,
    .op_done = rtm__drv_op_done,
    .peer_message = rtm__drv_peer_message,
    .channel_message = rtm__drv_channel_message,
    .member_event = rtm__drv_member_event,
    .replay_done = rtm__drv_replay_done,
    .token_expired = rtm__drv_token_expired,
    .token_will_expire = rtm__drv_token_will_expire,
    .peer_states = rtm__drv_peer_states,
    .member_count = rtm__drv_member_count,
    .channel_attributes = rtm__drv_channel_attributes,
    .log = rtm__drv_log,
    .random = rtm__drv_random,
};

static void rtm__on_timer(evutil_socket_t fd, short what, void *arg)
{
    rtm_client *c = arg;
    rtm__session_handle_expiry(c->session, rtm__now());
    rtm__rearm(c);
}

/* Arms the one timer for the session's next deadline. */
static void rtm__rearm(rtm_client *c)
{
    rtm__time t = rtm__session_expiry(c->session);
    if (t == RTM__TIME_NEVER) {
        evtimer_del(c->timer);
        return;
    }
    rtm__time now = rtm__now();
    rtm__time d = t > now ? t - now : 0;
    struct timeval tv = { (time_t)(d / 1000000u), (suseconds_t)(d % 1000000u) };
    evtimer_add(c->timer, &tv);
}

/* ------------------------------------------------------------------ */
/* Commands: from any thread to the loop thread                        */

typedef enum {
    RTM__CMD_LOGIN,
    RTM__CMD_LOGOUT,
    RTM__CMD_PEER,
    RTM__CMD_JOIN,
    RTM__CMD_LEAVE,
    RTM__CMD_CHANNEL_MESSAGE,
    RTM__CMD_GET_MEMBERS,
    RTM__CMD_RELEASE_CHANNEL,
    RTM__CMD_PARAMS,
    RTM__CMD_SET_ATTRIBUTES,
    RTM__CMD_GET_ATTRIBUTES,
    RTM__CMD_NETWORK_CHANGED,
    RTM__CMD_RENEW_TOKEN,
    RTM__CMD_QUERY_PEERS,
    RTM__CMD_SUBSCRIBE,
    RTM__CMD_UNSUBSCRIBE,
    RTM__CMD_GET_SUBSCRIBED,
    RTM__CMD_GET_MEMBER_COUNT,
    RTM__CMD_SET_CHANNEL_ATTRIBUTES,
    RTM__CMD_GET_CHANNEL_ATTRIBUTES
} rtm__cmd_kind;

typedef struct {
    rtm__cmd_kind kind;
    rtm_client *client;
    rtm__op *op;
    char *a;                /* user id, peer id, channel id */
    char *b;                /* token */
    rtm__outgoing msg;      /* owned copies */
    rtm__params params;
    int set_op;             /* Rtm__Wire__SetAttributes__Op */
    rtm_attribute *attrs;   /* owned copies */
    size_t nattrs;
    char **keys;            /* owned copies */
    size_t nkeys;
    bool notify;            /* channel attributes: notify the members */
} rtm__cmd;

static void rtm__cmd_free(rtm__cmd *cmd)
{
    for (size_t i = 0; cmd->attrs != NULL && i < cmd->nattrs; i++) {
        free((char *)cmd->attrs[i].key);
        free((char *)cmd->attrs[i].value);
    }
    free(cmd->attrs);
    for (size_t i = 0; cmd->keys != NULL && i < cmd->nkeys; i++)
        free(cmd->keys[i]);
    free(cmd->keys);
    free(cmd->a);
    free(cmd->b);
    free((char *)cmd->msg.text);
    free((uint8_t *)cmd->msg.raw);
    free((char *)cmd->msg.description);
    free(cmd);
}

static void rtm__cmd_run(void *arg)
{
    rtm__cmd *cmd = arg;
    rtm_client *c = cmd->client;
    rtm__session *s = c->session;
    rtm__time now = rtm__now();
    uint64_t op = (uint64_t)(uintptr_t)cmd->op;
    switch (cmd->kind) {
    case RTM__CMD_LOGIN:
        if (rtm__session_state(s) == RTM_CONNECTION_STATE_DISCONNECTED) {
            pthread_mutex_lock(&c->lock);
            snprintf(c->user_id, sizeof(c->user_id), "%s", cmd->a);
            pthread_mutex_unlock(&c->lock);
        }
        rtm__session_login(s, now, op, cmd->b, cmd->a);
        break;
    case RTM__CMD_LOGOUT:
        rtm__session_logout(s, now, op);
        break;
    case RTM__CMD_PEER:
        rtm__session_send_peer(s, now, op, cmd->a, &cmd->msg);
        break;
    case RTM__CMD_JOIN:
        rtm__session_join(s, now, op, cmd->a);
        break;
    case RTM__CMD_LEAVE:
        rtm__session_leave(s, now, op, cmd->a);
        break;
    case RTM__CMD_CHANNEL_MESSAGE:
        rtm__session_send_channel(s, now, op, cmd->a, &cmd->msg);
        break;
    case RTM__CMD_GET_MEMBERS:
        rtm__session_get_members(s, now, op, cmd->a);
        break;
    case RTM__CMD_RELEASE_CHANNEL:
        rtm__session_release_channel(s, now, cmd->a);
        break;
    case RTM__CMD_PARAMS:
        c->params = cmd->params;
        rtm__session_set_params(s, &c->params);
        break;
    case RTM__CMD_SET_ATTRIBUTES:
        rtm__session_set_attributes(s, now, op, cmd->set_op, cmd->attrs,
                                    cmd->nattrs, (const char *const *)cmd->keys,
                                    cmd->nkeys);
        break;
    case RTM__CMD_GET_ATTRIBUTES:
        rtm__session_get_attributes(s, now, op, cmd->a,
                                    (const char *const *)cmd->keys, cmd->nkeys);
        break;
    case RTM__CMD_NETWORK_CHANGED:
        rtm__session_network_changed(s, now);
        break;
    case RTM__CMD_RENEW_TOKEN:
        rtm__session_renew_token(s, now, op, cmd->b);
        break;
    case RTM__CMD_QUERY_PEERS:
        rtm__session_query_peers(s, now, op, (const char *const *)cmd->keys, cmd->nkeys);
        break;
    case RTM__CMD_SUBSCRIBE:
    case RTM__CMD_UNSUBSCRIBE:
        rtm__session_subscribe(s, now, op, (const char *const *)cmd->keys, cmd->nkeys,
                               cmd->kind == RTM__CMD_UNSUBSCRIBE);
        break;
    case RTM__CMD_GET_SUBSCRIBED:
        rtm__session_get_subscribed(s, now, op);
        break;
    case RTM__CMD_GET_MEMBER_COUNT:
        rtm__session_get_member_count(s, now, op, (const char *const *)cmd->keys, cmd->nkeys);
        break;
    case RTM__CMD_SET_CHANNEL_ATTRIBUTES:
        rtm__session_set_channel_attributes(s, now, op, cmd->a, cmd->set_op, cmd->attrs,
                                            cmd->nattrs, (const char *const *)cmd->keys,
                                            cmd->nkeys, cmd->notify);
        break;
    case RTM__CMD_GET_CHANNEL_ATTRIBUTES:
        rtm__session_get_channel_attributes(s, now, op, cmd->a,
                                            (const char *const *)cmd->keys, cmd->nkeys);
        break;
    }
    rtm__rearm(c);
    rtm__cmd_free(cmd);
}

static rtm__op *rtm__op_new(rtm_client *c, rtm_channel *ch, rtm__op_kind kind,
                            rtm_result_cb cb, rtm_members_cb mcb, void *closure)
{
    rtm__op *op = rtm__calloc(1, sizeof(*op));
    if (op == NULL)
        return NULL;
    op->kind = kind;
    op->client = c;
    op->channel = ch;
    if (ch != NULL)
        rtm__channel_ref(ch);
    op->cb = cb;
    op->members_cb = mcb;
    op->closure = closure;
    return op;
}

/* Completes op at once with code (an argument refused before anything is
 * sent) and returns the code. */
static int rtm__refuse(rtm_client *c, rtm__op *op, int code)
{
    rtm__complete(c, op, code, NULL);
    return code;
}

/*
 * Posts a command for op. When it cannot be posted, completes op at once and
 * returns the code: NOT_INITIALIZED (101, in every family) when the client
 * is being destroyed, the family's FAILURE when out of memory.
 */
static int rtm__submit(rtm_client *c, rtm__cmd *cmd, rtm__op *op)
{
    int code = 0;
    if (atomic_load(&c->destroying))
        code = RTM_LOGIN_ERR_NOT_INITIALIZED;
    else if (cmd == NULL || rtm__loop_post(c->loop, rtm__cmd_run, cmd) != 0)
        code = rtm__failure_code(op->kind);
    if (code == 0)
        return 0;
    if (cmd != NULL) {
        cmd->op = NULL;
        rtm__cmd_free(cmd);
    }
    return rtm__refuse(c, op, code);
}

static rtm__cmd *rtm__cmd_new(rtm_client *c, rtm__cmd_kind kind, rtm__op *op,
                              const char *a, const char *b)
{
    rtm__cmd *cmd = rtm__calloc(1, sizeof(*cmd));
    if (cmd == NULL)
        return NULL;
    cmd->kind = kind;
    cmd->client = c;
    cmd->op = op;
    if ((a != NULL && (cmd->a = rtm__strdup(a)) == NULL) ||
        (b != NULL && (cmd->b = rtm__strdup(b)) == NULL)) {
        rtm__cmd_free(cmd);
        return NULL;
    }
    return cmd;
}

/* Whether msg is a message that may be sent (SPEC A4). */
static bool rtm__message_ok(const rtm_message *msg)
{
    if (msg == NULL)
        return false;
    if (msg->type == RTM_MESSAGE_TYPE_TEXT)
        return msg->text != NULL && rtm__message_valid(strlen(msg->text), 0, 0);
    if (msg->type == RTM_MESSAGE_TYPE_RAW)
        return (msg->raw != NULL || msg->raw_len == 0) &&
               rtm__message_valid(0, msg->raw_len,
                                  msg->description ? strlen(msg->description) : 0);
    return false;
}

static bool rtm__copy_outgoing(rtm__outgoing *out, const rtm_message *msg)
{
    out->type = (uint32_t)msg->type;
    if (msg->type == RTM_MESSAGE_TYPE_TEXT)
        return (out->text = rtm__strdup(msg->text)) != NULL;
    uint8_t *raw = rtm__malloc(msg->raw_len + 1);
    if (raw == NULL)
        return false;
    if (msg->raw_len > 0)
        memcpy(raw, msg->raw, msg->raw_len);
    out->raw = raw;
    out->raw_len = msg->raw_len;
    if (msg->description != NULL)
        return (out->description = rtm__strdup(msg->description)) != NULL;
    return true;
}

/* ------------------------------------------------------------------ */
/* Public API                                                          */

const char *rtm_strerror(int status)
{
    switch (status) {
#define RTM__STATUS_TEXT(name, value, text) case value: return text;
        RTM_STATUS_MAP(RTM__STATUS_TEXT)
#undef RTM__STATUS_TEXT
    }
    return "unknown status";
}

const char *rtm_version(void)
{
    return RTM_VERSION;
}

/* Copies an application's extensible struct (rtm.h, Versions) of src_size
 * bytes into dst, of dst_size bytes as this library knows it: what src
 * lacks reads as zero. False when src has no size, or members this library
 * does not know of that are not zero. */
static bool rtm__struct_copy(void *dst, size_t dst_size, const void *src, size_t src_size)
{
    if (src_size < sizeof(size_t))
        return false;
    const unsigned char *tail = src;
    for (size_t i = dst_size; i < src_size; i++)
        if (tail[i] != 0)
            return false;
    memset(dst, 0, dst_size);
    memcpy(dst, src, src_size < dst_size ? src_size : dst_size);
    return true;
}

void rtm_config_init_size(rtm_config *config, size_t size)
{
    if (config == NULL || size < sizeof(size_t))
        return;
    rtm_config defaults;
    memset(&defaults, 0, sizeof(defaults));
    defaults.log_filter = RTM_LOG_FILTER_INFO;
    memset(config, 0, size);
    memcpy(config, &defaults, size < sizeof(defaults) ? size : sizeof(defaults));
    config->size = size;
}

static bool rtm__app_id_valid(const char *id)
{
    if (id == NULL)
        return false;
    size_t n = strlen(id);
    if (n == 0 || n > RTM__ID_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (id[i] <= ' ' || id[i] > '~')
            return false;
    return true;
}

int rtm_client_create(const rtm_config *app_config, rtm_client **out)
{
    rtm_config copy;
    rtm_client_callbacks cb;
    const rtm_config *config = &copy;
    if (app_config == NULL || out == NULL ||
        !rtm__struct_copy(&copy, sizeof(copy), app_config, app_config->size) ||
        !rtm__app_id_valid(copy.app_id))
        return RTM_EINVAL;
    memset(&cb, 0, sizeof(cb));
    if (copy.callbacks != NULL &&
        !rtm__struct_copy(&cb, sizeof(cb), copy.callbacks, copy.callbacks->size))
        return RTM_EINVAL;
    *out = NULL;
    rtm_client *c = rtm__calloc(1, sizeof(*c));
    if (c == NULL)
        return RTM_ENOMEM;
    int rc = RTM_ENOMEM;
    snprintf(c->app_id, sizeof(c->app_id), "%s", config->app_id);
    c->cb = cb;
    c->closure = config->closure;
    c->log = config->log;
    c->log_closure = config->log_closure;
    atomic_init(&c->log_filter, config->log_filter);
    atomic_init(&c->destroying, false);
    pthread_mutex_init(&c->lock, NULL);
    pthread_mutex_init(&c->params_lock, NULL);
    if ((c->logfile = rtm__logfile_new()) == NULL)
        goto fail;
    const char *env = getenv("RTM_SERVER");
    snprintf(c->env_server, sizeof(c->env_server), "%s",
             env && *env ? env : RTM_DEFAULT_SERVER);
    rtm__params_init(&c->params);
    if (config->parameters != NULL) {
        char err[160];
        if (rtm__params_apply_json(&c->params, config->parameters, err,
                                   sizeof(err)) != 0) {
            rtm__log(c, RTM_LOG_ERROR, "bad parameters: %s", err);
            rc = RTM_EINVAL;
            goto fail;
        }
    }
    c->params_set = c->params;
    uint64_t instance = 0;
    if (getrandom(&instance, sizeof(instance), 0) != sizeof(instance) ||
        getrandom(&c->rng, sizeof(c->rng), 0) != sizeof(c->rng)) {
        rc = RTM_ESYSTEM;
        goto fail;
    }
    c->rng |= 1; /* xorshift needs a non-zero state */
    c->session = rtm__session_new(&rtm__driver_ops, c, c->app_id, instance,
                                  &c->params);
    if (c->session == NULL)
        goto fail;
    if (config->loop != NULL) {
        c->loop = config->loop;
        rtm__loop_ref(c->loop);
    } else {
        c->loop = rtm__loop_default_acquire();
        c->default_loop = true;
        if (c->loop == NULL) {
            rc = RTM_ESYSTEM;
            goto fail;
        }
    }
    struct event_base *base = rtm__loop_base(c->loop);
    c->timer = evtimer_new(base, rtm__on_timer, c);
    c->link_fail = evtimer_new(base, rtm__on_link_fail, c);
    c->dispatch = rtm__dispatch_new();
    if (c->timer == NULL || c->link_fail == NULL || c->dispatch == NULL) {
        rc = c->dispatch == NULL ? RTM_ESYSTEM : RTM_ENOMEM;
        goto fail;
    }
    rtm__log(c, RTM_LOG_INFO, "created (app %s, server %s)", c->app_id,
             rtm__server(c));
    *out = c;
    return RTM_OK;
fail:
    if (c->dispatch != NULL)
        rtm__dispatch_close(c->dispatch, free, NULL);
    if (c->timer != NULL)
        event_free(c->timer);
    if (c->link_fail != NULL)
        event_free(c->link_fail);
    if (c->loop != NULL) {
        if (c->default_loop)
            rtm__loop_default_release();
        else
            rtm__loop_unref(c->loop);
    }
    rtm__session_free(c->session);
    rtm__logfile_free(c->logfile);
    pthread_mutex_destroy(&c->lock);
    pthread_mutex_destroy(&c->params_lock);
    free(c);
    return rc;
}

/* On the loop thread: the client leaves the loop. */
static void rtm__client_shutdown(void *arg)
{
    rtm_client *c = arg;
    rtm__session_shutdown(c->session, rtm__now());
    rtm__link_free(c);
    event_free(c->timer);
    event_free(c->link_fail);
    c->timer = c->link_fail = NULL;
    /* Links still lingering hold their own reference to it. */
    rtm__tls_ctx_free(c->tls_ctx);
    c->tls_ctx = NULL;
    rtm__session_free(c->session);
    c->session = NULL;
}

/* After the last event: on the destroying thread, or on a callback thread
 * when destroyed from inside a callback. */
static void rtm__client_free(void *arg)
{
    rtm_client *c = arg;
    if (c->default_loop)
        rtm__loop_default_release();
    else
        rtm__loop_unref(c->loop);
    rtm__logfile_free(c->logfile);
    pthread_mutex_destroy(&c->lock);
    pthread_mutex_destroy(&c->params_lock);
    free(c);
}

void rtm_client_destroy(rtm_client *c)
{
    if (c == NULL || atomic_exchange(&c->destroying, true))
        return;
    rtm__log(c, RTM_LOG_INFO, "destroying");
    /* Every command posted before this one runs first. */
    rtm__loop_call(c->loop, rtm__client_shutdown, c);
    pthread_mutex_lock(&c->lock);
    rtm_channel *ch = c->channels;
    c->channels = NULL;
    pthread_mutex_unlock(&c->lock);
    while (ch != NULL) {
        rtm_channel *next = ch->next;
        atomic_store(&ch->released, true);
        rtm__channel_unref(ch);
        ch = next;
    }
    rtm__dispatch_close(c->dispatch, rtm__client_free, c);
}

int rtm_client_set_parameters(rtm_client *c, const char *json)
{
    if (c == NULL || json == NULL)
        return RTM_EINVAL;
    rtm__cmd *cmd = rtm__calloc(1, sizeof(*cmd));
    if (cmd == NULL)
        return RTM_ENOMEM;
    cmd->kind = RTM__CMD_PARAMS;
    cmd->client = c;
    char err[160];
    int rc = RTM_OK;
    pthread_mutex_lock(&c->params_lock);
    rtm__params next = c->params_set;
    if (rtm__params_apply_json(&next, json, err, sizeof(err)) != 0) {
        rc = RTM_EINVAL;
    } else if (atomic_load(&c->destroying)) {
        rc = RTM_ECLOSED;
    } else {
        cmd->params = next; /* cmd is the loop's once posted */
        if (rtm__loop_post(c->loop, rtm__cmd_run, cmd) != 0)
            rc = RTM_ENOMEM;
        else
            c->params_set = next; /* the loop applies them in this order */
    }
    pthread_mutex_unlock(&c->params_lock);
    if (rc == RTM_EINVAL)
        rtm__log(c, RTM_LOG_ERROR, "setParameters refused: %s", err);
    if (rc != RTM_OK)
        free(cmd);
    return rc;
}

/* ---- the log (setLogFile, setLogFilter, setLogFileSize) ---- */

int rtm_set_log_file(rtm_client *c, const char *path)
{
    if (c == NULL)
        return RTM_EINVAL;
    if (path == NULL || path[0] == '\0')
        path = RTM__LOGFILE_DEFAULT;
    if (rtm__logfile_open(c->logfile, path) != 0) {
        rtm__log(c, RTM_LOG_ERROR, "cannot open the log file %s: %s", path, strerror(errno));
        return RTM_ESYSTEM;
    }
    rtm__log(c, RTM_LOG_INFO, "logging to %s (%s)", path, rtm_version());
    return RTM_OK;
}

int rtm_set_log_filter(rtm_client *c, int filter)
{
    if (c == NULL)
        return RTM_EINVAL;
    switch (filter) {
    case RTM_LOG_FILTER_OFF:
    case RTM_LOG_FILTER_INFO:
    case RTM_LOG_FILTER_WARNING:
    case RTM_LOG_FILTER_ERROR:
    case RTM_LOG_FILTER_CRITICAL:
        atomic_store(&c->log_filter, filter);
        return RTM_OK;
    default:
        return RTM_EINVAL;
    }
}

int rtm_set_log_file_size(rtm_client *c, int kb)
{
    if (c == NULL || kb < RTM__LOGFILE_KB_MIN || kb > RTM__LOGFILE_KB_MAX)
        return RTM_EINVAL;
    rtm__logfile_set_kb(c->logfile, kb);
    return RTM_OK;
}

int rtm_login(rtm_client *c, const char *token, const char *user_id,
              rtm_result_cb cb, void *closure)
{
    if (c == NULL)
        return RTM_LOGIN_ERR_NOT_INITIALIZED;
    rtm__op *op = rtm__op_new(c, NULL, RTM__OP_LOGIN, cb, NULL, closure);
    if (op == NULL)
        return RTM_LOGIN_ERR_UNKNOWN;
    if (!rtm__user_id_valid(user_id)) /* A3: nothing is sent */
        return rtm__refuse(c, op, RTM_LOGIN_ERR_INVALID_ARGUMENT);
    rtm__cmd *cmd = rtm__cmd_new(c, RTM__CMD_LOGIN, op, user_id,
                                 token ? token : "");
    return rtm__submit(c, cmd, op);
}

int rtm_logout(rtm_client *c, rtm_result_cb cb, void *closure)
{
    if (c == NULL)
        return RTM_LOGOUT_ERR_NOT_INITIALIZED;
    rtm__op *op = rtm__op_new(c, NULL, RTM__OP_LOGOUT, cb, NULL, closure);
    if (op == NULL)
        return RTM_LOGOUT_ERR_REJECTED;
    rtm__cmd *cmd = rtm__cmd_new(c, RTM__CMD_LOGOUT, op, NULL, NULL);
    return rtm__submit(c, cmd, op);
}

int rtm_send_peer_message(rtm_client *c, const char *peer_id,
                          const rtm_message *msg, rtm_result_cb cb,
                          void *closure)
{
    return rtm_send_peer_message_with_options(c, peer_id, msg, NULL, cb, closure);
}

int rtm_send_peer_message_with_options(rtm_client *c, const char *peer_id,
                                       const rtm_message *msg,
                                       const rtm_send_options *options,
                                       rtm_result_cb cb, void *closure)
{
    if (c == NULL)
        return RTM_PEER_MESSAGE_ERR_NOT_INITIALIZED;
    rtm__op *op = rtm__op_new(c, NULL, RTM__OP_PEER_MESSAGE, cb, NULL, closure);
    if (op == NULL)
        return RTM_PEER_MESSAGE_ERR_FAILURE;
    if (!rtm__user_id_valid(peer_id)) /* A3 */
        return rtm__refuse(c, op, RTM_PEER_MESSAGE_ERR_INVALID_USERID);
    if (!rtm__message_ok(msg)) /* A4 */
        return rtm__refuse(c, op, RTM_PEER_MESSAGE_ERR_INVALID_MESSAGE);
    rtm__cmd *cmd = rtm__cmd_new(c, RTM__CMD_PEER, op, peer_id, NULL);
    if (cmd != NULL && !rtm__copy_outgoing(&cmd->msg, msg)) {
        rtm__cmd_free(cmd);
        cmd = NULL;
    }
    if (cmd != NULL)
        cmd->msg.offline = options != NULL && options->enable_offline_messaging;
    return rtm__submit(c, cmd, op);
}

rtm_channel *rtm_channel_create(rtm_client *c, const char *channel_id,
                                const rtm_channel_callbacks *callbacks,
                                void *closure)
{
    if (c == NULL || atomic_load(&c->destroying) ||
        !rtm__channel_id_valid(channel_id))
        return NULL;
    rtm_channel *ch = rtm__calloc(1, sizeof(*ch));
    if (ch == NULL)
        return NULL;
    ch->client = c;
    snprintf(ch->id, sizeof(ch->id), "%s", channel_id);
    if (callbacks != NULL &&
        !rtm__struct_copy(&ch->cb, sizeof(ch->cb), callbacks, callbacks->size)) {
        free(ch);
        return NULL;
    }
    ch->closure = closure;
    atomic_init(&ch->refs, 1);
    atomic_init(&ch->released, false);
    pthread_mutex_lock(&c->lock);
    for (rtm_channel *it = c->channels; it != NULL; it = it->next) {
        if (strcmp(it->id, channel_id) == 0) {
            pthread_mutex_unlock(&c->lock);
            free(ch);
            return NULL;
        }
    }
    ch->next = c->channels;
    c->channels = ch;
    pthread_mutex_unlock(&c->lock);
    return ch;
}

const char *rtm_channel_id(const rtm_channel *ch)
{
    return ch ? ch->id : NULL;
}

rtm_client *rtm_channel_client(const rtm_channel *ch)
{
    return ch ? ch->client : NULL;
}

/* A channel operation: a NULL handle gets NOT_INITIALIZED, which is 101 in
 * every family. */
static int rtm__channel_op(rtm_channel *ch, rtm__cmd_kind kind,
                           rtm__op_kind op_kind, rtm_result_cb cb,
                           rtm_members_cb mcb, void *closure,
                           const rtm_message *msg)
{
    if (ch == NULL)
        return RTM_JOIN_CHANNEL_ERR_NOT_INITIALIZED;
    rtm_client *c = ch->client;
    rtm__op *op = rtm__op_new(c, ch, op_kind, cb, mcb, closure);
    if (op == NULL)
        return 1; /* FAILURE in every channel family */
    if (kind == RTM__CMD_CHANNEL_MESSAGE && !rtm__message_ok(msg)) /* A4 */
        return rtm__refuse(c, op, RTM_CHANNEL_MESSAGE_ERR_INVALID_MESSAGE);
    rtm__cmd *cmd = rtm__cmd_new(c, kind, op, ch->id, NULL);
    if (cmd != NULL && msg != NULL && !rtm__copy_outgoing(&cmd->msg, msg)) {
        rtm__cmd_free(cmd);
        cmd = NULL;
    }
    return rtm__submit(c, cmd, op);
}

int rtm_channel_join(rtm_channel *ch, rtm_result_cb cb, void *closure)
{
    return rtm__channel_op(ch, RTM__CMD_JOIN, RTM__OP_JOIN, cb, NULL, closure,
                           NULL);
}

int rtm_channel_leave(rtm_channel *ch, rtm_result_cb cb, void *closure)
{
    return rtm__channel_op(ch, RTM__CMD_LEAVE, RTM__OP_LEAVE, cb, NULL, closure,
                           NULL);
}

int rtm_channel_send_message(rtm_channel *ch, const rtm_message *msg,
                             rtm_result_cb cb, void *closure)
{
    return rtm__channel_op(ch, RTM__CMD_CHANNEL_MESSAGE,
                           RTM__OP_CHANNEL_MESSAGE, cb, NULL, closure, msg);
}

int rtm_channel_get_members(rtm_channel *ch, rtm_members_cb cb, void *closure)
{
    return rtm__channel_op(ch, RTM__CMD_GET_MEMBERS, RTM__OP_GET_MEMBERS, NULL,
                           cb, closure, NULL);
}

void rtm_channel_release(rtm_channel *ch)
{
    if (ch == NULL || atomic_exchange(&ch->released, true))
        return;
    rtm_client *c = ch->client;
    pthread_mutex_lock(&c->lock);
    for (rtm_channel **pp = &c->channels; *pp; pp = &(*pp)->next) {
        if (*pp == ch) {
            *pp = ch->next;
            break;
        }
    }
    pthread_mutex_unlock(&c->lock);
    if (!atomic_load(&c->destroying)) {
        rtm__cmd *cmd = rtm__cmd_new(c, RTM__CMD_RELEASE_CHANNEL, NULL, ch->id,
                                     NULL);
        if (cmd != NULL && rtm__loop_post(c->loop, rtm__cmd_run, cmd) != 0)
            rtm__cmd_free(cmd);
    }
    rtm__channel_unref(ch);
}

void rtm_network_changed(rtm_client *c)
{
    if (c == NULL)
        return;
    rtm__cmd *cmd = rtm__cmd_new(c, RTM__CMD_NETWORK_CHANGED, NULL, NULL, NULL);
    if (cmd != NULL && (atomic_load(&c->destroying) ||
                        rtm__loop_post(c->loop, rtm__cmd_run, cmd) != 0))
        rtm__cmd_free(cmd);
}

/* Checks keys (SPEC A5) and copies them into cmd. Returns 0 or an
 * AttributeOperationError. */
static int rtm__copy_keys(rtm__cmd *cmd, const char *const *keys, size_t n)
{
    if (n > 0 && keys == NULL)
        return RTM_ATTRIBUTE_OPERATION_ERR_INVALID_ARGUMENT;
    if (n > RTM__ATTR_COUNT_MAX)
        return RTM_ATTRIBUTE_OPERATION_ERR_SIZE_OVERFLOW;
    for (size_t i = 0; i < n; i++)
        if (rtm__attr_key_check(keys[i]) != 0)
            return rtm__attr_key_check(keys[i]);
    if (cmd == NULL || (cmd->keys = rtm__calloc(n ? n : 1, sizeof(char *))) == NULL)
        return RTM_ATTRIBUTE_OPERATION_ERR_FAILURE;
    for (size_t i = 0; i < n; i++) {
        if ((cmd->keys[i] = rtm__strdup(keys[i])) == NULL)
            return RTM_ATTRIBUTE_OPERATION_ERR_FAILURE;
        cmd->nkeys = i + 1;
    }
    return 0;
}

/* Checks attributes (SPEC A5: key, value, count, total_max bytes in all,
 * no key twice) and copies them into cmd. Returns 0 or an
 * AttributeOperationError. */
static int rtm__copy_attributes(rtm__cmd *cmd, const rtm_attribute *attrs,
                                size_t n, size_t total_max)
{
    if (n > 0 && attrs == NULL)
        return RTM_ATTRIBUTE_OPERATION_ERR_INVALID_ARGUMENT;
    if (n > RTM__ATTR_COUNT_MAX)
        return RTM_ATTRIBUTE_OPERATION_ERR_SIZE_OVERFLOW;
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        if (rtm__attr_key_check(attrs[i].key) != 0)
            return rtm__attr_key_check(attrs[i].key);
        if (attrs[i].value == NULL)
            return RTM_ATTRIBUTE_OPERATION_ERR_INVALID_ARGUMENT;
        for (size_t j = 0; j < i; j++)
            if (strcmp(attrs[i].key, attrs[j].key) == 0)
                return RTM_ATTRIBUTE_OPERATION_ERR_INVALID_ARGUMENT;
        size_t vlen = strlen(attrs[i].value);
        if (vlen > RTM__ATTR_VALUE_MAX)
            return RTM_ATTRIBUTE_OPERATION_ERR_SIZE_OVERFLOW;
        total += strlen(attrs[i].key) + vlen;
    }
    if (total > total_max)
        return RTM_ATTRIBUTE_OPERATION_ERR_SIZE_OVERFLOW;
    if (cmd == NULL || (cmd->attrs = rtm__calloc(n ? n : 1, sizeof(*cmd->attrs))) == NULL)
        return RTM_ATTRIBUTE_OPERATION_ERR_FAILURE;
    for (size_t i = 0; i < n; i++) {
        char *k = rtm__strdup(attrs[i].key);
        char *v = rtm__strdup(attrs[i].value);
        cmd->attrs[i].key = k;
        cmd->attrs[i].value = v;
        cmd->nattrs = i + 1;
        if (k == NULL || v == NULL)
            return RTM_ATTRIBUTE_OPERATION_ERR_FAILURE;
    }
    return 0;
}

/* One of the four changes of the local user's attributes or, with a
 * channel, of that channel's. */
static int rtm__change_attributes(rtm_client *c, const char *channel,
                                  const rtm_channel_attribute_options *options, int set_op,
                                  const rtm_attribute *attrs, size_t nattrs,
                                  const char *const *keys, size_t nkeys,
                                  rtm_result_cb cb, void *closure)
{
    if (c == NULL)
        return RTM_ATTRIBUTE_OPERATION_ERR_NOT_INITIALIZED;
    rtm__op *op = rtm__op_new(c, NULL,
                              channel ? RTM__OP_SET_CHANNEL_ATTRIBUTES : RTM__OP_SET_ATTRIBUTES,
                              cb, NULL, closure);
    if (op == NULL)
        return RTM_ATTRIBUTE_OPERATION_ERR_FAILURE;
    if (channel != NULL && !rtm__channel_id_valid(channel)) /* A3 */
        return rtm__refuse(c, op, RTM_ATTRIBUTE_OPERATION_ERR_INVALID_ARGUMENT);
    rtm__cmd *cmd = rtm__cmd_new(c,
                                 channel ? RTM__CMD_SET_CHANNEL_ATTRIBUTES
                                         : RTM__CMD_SET_ATTRIBUTES,
                                 op, channel, NULL);
    int rc = rtm__copy_attributes(cmd, attrs, nattrs,
                                  channel ? RTM__CHATTR_TOTAL_MAX : RTM__ATTR_TOTAL_MAX);
    if (rc == 0)
        rc = rtm__copy_keys(cmd, keys, nkeys);
    if (rc != 0) {
        if (cmd != NULL) {
            cmd->op = NULL;
            rtm__cmd_free(cmd);
        }
        return rtm__refuse(c, op, rc);
    }
    cmd->set_op = set_op;
    cmd->notify = options != NULL && options->enable_notification_to_channel_members;
    return rtm__submit(c, cmd, op);
}

/* The local user's attributes. */
static int rtm__set_attributes(rtm_client *c, int set_op, const rtm_attribute *attrs,
                               size_t nattrs, const char *const *keys, size_t nkeys,
                               rtm_result_cb cb, void *closure)
{
    return rtm__change_attributes(c, NULL, NULL, set_op, attrs, nattrs, keys, nkeys, cb,
                                  closure);
}

int rtm_set_local_user_attributes(rtm_client *c, const rtm_attribute *attrs,
                                  size_t count, rtm_result_cb cb,
                                  void *closure)
{
    return rtm__set_attributes(c, RTM__WIRE__SET_ATTRIBUTES__OP__OP_SET, attrs,
                               count, NULL, 0, cb, closure);
}

int rtm_add_or_update_local_user_attributes(rtm_client *c,
                                            const rtm_attribute *attrs,
                                            size_t count, rtm_result_cb cb,
                                            void *closure)
{
    return rtm__set_attributes(c, RTM__WIRE__SET_ATTRIBUTES__OP__OP_ADD_OR_UPDATE,
                               attrs, count, NULL, 0, cb, closure);
}

int rtm_delete_local_user_attributes_by_keys(rtm_client *c,
                                             const char *const *keys,
                                             size_t count, rtm_result_cb cb,
                                             void *closure)
{
    return rtm__set_attributes(c, RTM__WIRE__SET_ATTRIBUTES__OP__OP_DELETE, NULL,
                               0, keys, count, cb, closure);
}

int rtm_clear_local_user_attributes(rtm_client *c, rtm_result_cb cb,
                                    void *closure)
{
    return rtm__set_attributes(c, RTM__WIRE__SET_ATTRIBUTES__OP__OP_CLEAR, NULL,
                               0, NULL, 0, cb, closure);
}

/* A get of attributes (op made, its callback set): the id (a user's or a
 * channel's) was checked with valid; keys are checked and copied here. */
static int rtm__get_attributes(rtm_client *c, rtm__op *op, rtm__cmd_kind kind,
                               const char *id, bool valid, const char *const *keys,
                               size_t count)
{
    if (!valid) /* A3 */
        return rtm__refuse(c, op, RTM_ATTRIBUTE_OPERATION_ERR_INVALID_ARGUMENT);
    rtm__cmd *cmd = rtm__cmd_new(c, kind, op, id, NULL);
    int rc = rtm__copy_keys(cmd, keys, count);
    if (rc != 0) {
        if (cmd != NULL) {
            cmd->op = NULL;
            rtm__cmd_free(cmd);
        }
        return rtm__refuse(c, op, rc);
    }
    return rtm__submit(c, cmd, op);
}

int rtm_get_user_attributes_by_keys(rtm_client *c, const char *user_id,
                                    const char *const *keys, size_t count,
                                    rtm_attributes_cb cb, void *closure)
{
    if (c == NULL)
        return RTM_ATTRIBUTE_OPERATION_ERR_NOT_INITIALIZED;
    rtm__op *op = rtm__op_new(c, NULL, RTM__OP_GET_ATTRIBUTES, NULL, NULL, closure);
    if (op == NULL)
        return RTM_ATTRIBUTE_OPERATION_ERR_FAILURE;
    op->attributes_cb = cb;
    return rtm__get_attributes(c, op, RTM__CMD_GET_ATTRIBUTES, user_id,
                               rtm__user_id_valid(user_id), keys, count);
}

int rtm_get_user_attributes(rtm_client *c, const char *user_id,
                            rtm_attributes_cb cb, void *closure)
{
    return rtm_get_user_attributes_by_keys(c, user_id, NULL, 0, cb, closure);
}

int rtm_set_channel_attributes(rtm_client *c, const char *channel_id,
                               const rtm_attribute *attrs, size_t count,
                               const rtm_channel_attribute_options *options,
                               rtm_result_cb cb, void *closure)
{
    /* A NULL channel id is refused as invalid, not taken for the user's. */
    return rtm__change_attributes(c, channel_id ? channel_id : "", options,
                                  RTM__WIRE__SET_ATTRIBUTES__OP__OP_SET, attrs, count, NULL,
                                  0, cb, closure);
}

int rtm_add_or_update_channel_attributes(rtm_client *c, const char *channel_id,
                                         const rtm_attribute *attrs, size_t count,
                                         const rtm_channel_attribute_options *options,
                                         rtm_result_cb cb, void *closure)
{
    return rtm__change_attributes(c, channel_id ? channel_id : "", options,
                                  RTM__WIRE__SET_ATTRIBUTES__OP__OP_ADD_OR_UPDATE, attrs,
                                  count, NULL, 0, cb, closure);
}

int rtm_delete_channel_attributes_by_keys(rtm_client *c, const char *channel_id,
                                          const char *const *keys, size_t count,
                                          const rtm_channel_attribute_options *options,
                                          rtm_result_cb cb, void *closure)
{
    return rtm__change_attributes(c, channel_id ? channel_id : "", options,
                                  RTM__WIRE__SET_ATTRIBUTES__OP__OP_DELETE, NULL, 0, keys,
                                  count, cb, closure);
}

int rtm_clear_channel_attributes(rtm_client *c, const char *channel_id,
                                 const rtm_channel_attribute_options *options,
                                 rtm_result_cb cb, void *closure)
{
    return rtm__change_attributes(c, channel_id ? channel_id : "", options,
                                  RTM__WIRE__SET_ATTRIBUTES__OP__OP_CLEAR, NULL, 0, NULL, 0,
                                  cb, closure);
}

int rtm_get_channel_attributes_by_keys(rtm_client *c, const char *channel_id,
                                       const char *const *keys, size_t count,
                                       rtm_channel_attributes_cb cb, void *closure)
{
    if (c == NULL)
        return RTM_ATTRIBUTE_OPERATION_ERR_NOT_INITIALIZED;
    rtm__op *op = rtm__op_new(c, NULL, RTM__OP_GET_CHANNEL_ATTRIBUTES, NULL, NULL, closure);
    if (op == NULL)
        return RTM_ATTRIBUTE_OPERATION_ERR_FAILURE;
    op->chattrs_cb = cb;
    return rtm__get_attributes(c, op, RTM__CMD_GET_CHANNEL_ATTRIBUTES, channel_id,
                               rtm__channel_id_valid(channel_id), keys, count);
}

int rtm_get_channel_attributes(rtm_client *c, const char *channel_id,
                               rtm_channel_attributes_cb cb, void *closure)
{
    return rtm_get_channel_attributes_by_keys(c, channel_id, NULL, 0, cb, closure);
}

int rtm_renew_token(rtm_client *c, const char *token, rtm_result_cb cb,
                    void *closure)
{
    if (c == NULL)
        return RTM_RENEW_TOKEN_ERR_NOT_INITIALIZED;
    rtm__op *op = rtm__op_new(c, NULL, RTM__OP_RENEW_TOKEN, cb, NULL, closure);
    if (op == NULL)
        return RTM_RENEW_TOKEN_ERR_FAILURE;
    if (token == NULL || token[0] == '\0')
        return rtm__refuse(c, op, RTM_RENEW_TOKEN_ERR_INVALID_ARGUMENT);
    rtm__cmd *cmd = rtm__cmd_new(c, RTM__CMD_RENEW_TOKEN, op, NULL, token);
    return rtm__submit(c, cmd, op);
}

/* ---- presence (SPEC A8) ---- */

/* Checks 1..max ids (A3: valid(id)) and submits kind with copies of them.
 * invalid and overflow are the family's codes for a bad list and for more
 * than max. */
static int rtm__submit_ids(rtm_client *c, rtm__op *op, rtm__cmd_kind kind,
                           const char *const *users, size_t n, size_t max,
                           bool (*valid)(const char *), int invalid, int overflow)
{
    if (n == 0 || users == NULL)
        return rtm__refuse(c, op, invalid);
    if (n > max)
        return rtm__refuse(c, op, overflow);
    for (size_t i = 0; i < n; i++)
        if (!valid(users[i]))
            return rtm__refuse(c, op, invalid);
    rtm__cmd *cmd = rtm__cmd_new(c, kind, op, NULL, NULL);
    bool ok = cmd != NULL && (cmd->keys = rtm__calloc(n, sizeof(char *))) != NULL;
    for (size_t i = 0; ok && i < n; i++) {
        ok = (cmd->keys[i] = rtm__strdup(users[i])) != NULL;
        cmd->nkeys = ok ? i + 1 : i;
    }
    if (!ok && cmd != NULL) {
        rtm__cmd_free(cmd);
        cmd = NULL;
    }
    return rtm__submit(c, cmd, op);
}

int rtm_query_peers_online_status(rtm_client *c, const char *const *peer_ids,
                                  size_t count, rtm_peer_status_cb cb, void *closure)
{
    if (c == NULL)
        return RTM_QUERY_PEERS_ONLINE_STATUS_ERR_NOT_INITIALIZED;
    rtm__op *op = rtm__op_new(c, NULL, RTM__OP_QUERY_PEERS, NULL, NULL, closure);
    if (op == NULL)
        return RTM_QUERY_PEERS_ONLINE_STATUS_ERR_FAILURE;
    op->status_cb = cb;
    return rtm__submit_ids(c, op, RTM__CMD_QUERY_PEERS, peer_ids, count,
                             RTM_QUERY_PEERS_MAX, rtm__user_id_valid,
                             RTM_QUERY_PEERS_ONLINE_STATUS_ERR_INVALID_ARGUMENT,
                             RTM_QUERY_PEERS_ONLINE_STATUS_ERR_INVALID_ARGUMENT);
}

static int rtm__subscription(rtm_client *c, rtm__cmd_kind kind, const char *const *peer_ids,
                             size_t count, rtm_result_cb cb, void *closure)
{
    if (c == NULL)
        return RTM_PEER_SUBSCRIPTION_STATUS_ERR_NOT_INITIALIZED;
    rtm__op *op = rtm__op_new(c, NULL, RTM__OP_SUBSCRIBE, cb, NULL, closure);
    if (op == NULL)
        return RTM_PEER_SUBSCRIPTION_STATUS_ERR_FAILURE;
    return rtm__submit_ids(c, op, kind, peer_ids, count, RTM_SUBSCRIPTIONS_MAX,
                             rtm__user_id_valid,
                             RTM_PEER_SUBSCRIPTION_STATUS_ERR_INVALID_ARGUMENT,
                             RTM_PEER_SUBSCRIPTION_STATUS_ERR_OVERFLOW);
}

int rtm_subscribe_peers_online_status(rtm_client *c, const char *const *peer_ids,
                                      size_t count, rtm_result_cb cb, void *closure)
{
    return rtm__subscription(c, RTM__CMD_SUBSCRIBE, peer_ids, count, cb, closure);
}

int rtm_unsubscribe_peers_online_status(rtm_client *c, const char *const *peer_ids,
                                        size_t count, rtm_result_cb cb, void *closure)
{
    return rtm__subscription(c, RTM__CMD_UNSUBSCRIBE, peer_ids, count, cb, closure);
}

int rtm_query_peers_by_subscription_option(rtm_client *c, int option,
                                           rtm_peer_status_cb cb, void *closure)
{
    if (c == NULL)
        return RTM_QUERY_PEERS_BY_SUBSCRIPTION_OPTION_ERR_NOT_INITIALIZED;
    rtm__op *op = rtm__op_new(c, NULL, RTM__OP_GET_SUBSCRIBED, NULL, NULL, closure);
    if (op == NULL)
        return RTM_QUERY_PEERS_BY_SUBSCRIPTION_OPTION_ERR_FAILURE;
    op->status_cb = cb;
    if (option != RTM_PEER_SUBSCRIPTION_OPTION_ONLINE)
        return rtm__refuse(c, op, RTM_QUERY_PEERS_BY_SUBSCRIPTION_OPTION_ERR_FAILURE);
    rtm__cmd *cmd = rtm__cmd_new(c, RTM__CMD_GET_SUBSCRIBED, op, NULL, NULL);
    return rtm__submit(c, cmd, op);
}

int rtm_get_channel_member_count(rtm_client *c, const char *const *channel_ids,
                                 size_t count, rtm_member_counts_cb cb, void *closure)
{
    if (c == NULL)
        return RTM_GET_CHANNEL_MEMBER_COUNT_ERR_NOT_INITIALIZED;
    rtm__op *op = rtm__op_new(c, NULL, RTM__OP_GET_MEMBER_COUNT, NULL, NULL, closure);
    if (op == NULL)
        return RTM_GET_CHANNEL_MEMBER_COUNT_ERR_FAILURE;
    op->counts_cb = cb;
    return rtm__submit_ids(c, op, RTM__CMD_GET_MEMBER_COUNT, channel_ids, count,
                           RTM_MEMBER_COUNT_MAX_CHANNELS, rtm__channel_id_valid,
                           RTM_GET_CHANNEL_MEMBER_COUNT_ERR_INVALID_ARGUMENT,
                           RTM_GET_CHANNEL_MEMBER_COUNT_ERR_EXCEED_LIMIT);
}
