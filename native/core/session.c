/* session.c: the client's session state machine, sans I/O (session.h). */
#include "session.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "ids.h"
#include "rtm/rtm.h"
#include "token.h"

/* Where the link is. The public state says where the session is. */
typedef enum {
    RTM__LINK_NONE,    /* no link; maybe a retry is scheduled */
    RTM__LINK_OPENING, /* open_link called, waiting for link_up/link_down */
    RTM__LINK_LOGIN,   /* Hello and Login sent, waiting for LoginResult */
    RTM__LINK_UP       /* logged in */
} rtm__link;

typedef enum { RTM__CHAN_JOINING, RTM__CHAN_JOINED } rtm__chan_status;

typedef struct {
    char name[RTM__ID_MAX + 1];
    rtm__chan_status status;
    uint64_t last_seq;      /* last ChannelDeliver.seq received (S10, B2) */
} rtm__chan;

/* A local user attribute, as the server holds it. */
typedef struct {
    char *key;
    char *value;
} rtm__attr;

/* An operation waiting for its answer. */
typedef struct rtm__pending {
    struct rtm__pending *next;
    uint64_t op;
    rtm__op_kind kind;
    bool internal;          /* made by the session itself: no op_done */
    uint32_t sent_link;     /* the link it was last written on; 0: never */
    bool resent;            /* written again after a lost link */
    bool link_bound;        /* never written again: a lost link ends it */
    uint32_t request_id;
    rtm__time deadline;
    char channel[RTM__ID_MAX + 1];
    uint8_t *bytes;         /* the request, until it is answered */
    size_t len;
} rtm__pending;

struct rtm__session {
    const rtm__session_ops *ops;
    void *ud;
    char app_id[RTM__ID_MAX + 1];
    uint64_t instance_id;
    rtm__timings params;    /* the client's, as last set */

    int state;
    rtm__link link;
    bool restoring;          /* CONNECTED, link lost, not reported yet (S7) */
    uint32_t attempt;        /* failed attempts since the last success */
    rtm__time retry_at;      /* next attempt when link == NONE */
    rtm__time login_deadline;     /* CONNECTING (S5) */
    rtm__time interrupt_deadline; /* restoring (S7) */
    rtm__time open_deadline;      /* link OPENING */
    rtm__time last_rx;
    rtm__time last_tx;
    uint32_t link_id;        /* counts the links opened, from 1 */

    char user_id[RTM__ID_MAX + 1];
    char *token;
    uint64_t login_op;
    bool login_pending;
    uint32_t login_request_id;
    rtm__time login_times[2]; /* the last two accepted logins (A2) */
    unsigned login_count;
    rtm__time renew_times[2]; /* the last two renewals */
    unsigned renew_count;
    bool token_wait;          /* attempts wait for a renewed token (S15) */

    uint32_t next_request_id;
    uint64_t send_seq;        /* last PeerSend/ChannelSend.send_seq (B1) */
    uint64_t peer_received;   /* last PeerDeliver.seq received (S9, B1) */
    /* PeerAck is cumulative: one acknowledges up to RTM__ACK_BATCH
     * deliveries, at most RTM__ACK_DELAY after the first of them. */
    uint64_t ack_seq;         /* the seq to acknowledge; 0: nothing */
    uint32_t ack_count;       /* deliveries it covers */
    rtm__time ack_deadline;
    uint64_t session_id;      /* the server's session we had; 0: none */
    /* The server's clock: LoginResult.server_ts (ms since the epoch) and
     * when it came, for the age of call signals. */
    uint64_t server_ms;
    rtm__time server_ms_at;
    rtm__pending *pending;    /* in the order the requests were made */
    rtm__pending **pending_tail; /* where the next one is linked */
    /* At or before the earliest deadline of `pending`: lowered when one is
     * added, made exact again by rtm__session_handle_expiry, so that asking
     * for the next expiry does not walk thousands of messages in flight. */
    rtm__time pending_expiry;
    rtm__chan *chans;
    size_t nchans;
    size_t capchans;
    rtm__attr *attrs;         /* the local user's attributes (S14) */
    size_t nattrs;
    char **subs;              /* the users whose presence it follows (A8) */
    size_t nsubs;
};

#define RTM__MAX_CHANNELS 20 /* SPEC A5 */

/* ------------------------------------------------------------------ */
/* Small helpers                                                       */

static void rtm__slog(rtm__session *s, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void rtm__slog(rtm__session *s, int level, const char *fmt, ...)
{
    if (s->ops->log == NULL)
        return;
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    s->ops->log(s->ud, level, line);
}

int rtm__op_family(rtm__op_kind kind)
{
    switch (kind) {
    case RTM__OP_LOGIN: return RTM_FAMILY_LOGIN_ERR;
    case RTM__OP_LOGOUT: return RTM_FAMILY_LOGOUT_ERR;
    case RTM__OP_PEER_MESSAGE: return RTM_FAMILY_PEER_MESSAGE_ERR;
    case RTM__OP_JOIN: return RTM_FAMILY_JOIN_CHANNEL_ERR;
    case RTM__OP_LEAVE: return RTM_FAMILY_LEAVE_CHANNEL_ERR;
    case RTM__OP_CHANNEL_MESSAGE: return RTM_FAMILY_CHANNEL_MESSAGE_ERR;
    case RTM__OP_GET_MEMBERS: return RTM_FAMILY_GET_MEMBERS_ERR;
    case RTM__OP_SET_ATTRIBUTES:
    case RTM__OP_GET_ATTRIBUTES:
    case RTM__OP_SET_CHANNEL_ATTRIBUTES:
    case RTM__OP_GET_CHANNEL_ATTRIBUTES: return RTM_FAMILY_ATTRIBUTE_OPERATION_ERR;
    case RTM__OP_RENEW_TOKEN: return RTM_FAMILY_RENEW_TOKEN_ERR;
    case RTM__OP_QUERY_PEERS: return RTM_FAMILY_QUERY_PEERS_ONLINE_STATUS_ERR;
    case RTM__OP_SUBSCRIBE: return RTM_FAMILY_PEER_SUBSCRIPTION_STATUS_ERR;
    case RTM__OP_GET_SUBSCRIBED: return RTM_FAMILY_QUERY_PEERS_BY_SUBSCRIPTION_OPTION_ERR;
    case RTM__OP_GET_MEMBER_COUNT: return RTM_FAMILY_GET_CHANNEL_MEMBER_COUNT_ERR;
    case RTM__OP_CALL_SIGNAL: return RTM_FAMILY_PEER_MESSAGE_ERR;
    case RTM__OP_INVITATION: return RTM_FAMILY_INVITATION_API_CALL_ERR;
    case RTM__OP_MEDIA_UPLOAD: return RTM_FAMILY_UPLOAD_MEDIA_ERR;
    case RTM__OP_MEDIA_DOWNLOAD: return RTM_FAMILY_DOWNLOAD_MEDIA_ERR;
    case RTM__OP_MEDIA_CANCEL: return RTM_FAMILY_CANCEL_MEDIA_ERR;
    }
    return RTM_FAMILY_LOGIN_ERR;
}

int rtm__failure_code(rtm__op_kind kind)
{
    switch (kind) {
    case RTM__OP_LOGIN: return RTM_LOGIN_ERR_UNKNOWN;
    case RTM__OP_LOGOUT: return RTM_LOGOUT_ERR_REJECTED;
    case RTM__OP_SET_ATTRIBUTES:
    case RTM__OP_GET_ATTRIBUTES:
    case RTM__OP_SET_CHANNEL_ATTRIBUTES:
    case RTM__OP_GET_CHANNEL_ATTRIBUTES: return RTM_ATTRIBUTE_OPERATION_ERR_FAILURE;
    default: return 1; /* FAILURE in every other family; InvitationApiCallError
                        * has none, and 1 (INVALID_ARGUMENT) is its nearest */
    }
}

/* The code an operation gets when its deadline passes (SPEC A7). Leave has
 * no TIMEOUT code in the public API: it gets FAILURE. */
static int rtm__timeout_code(rtm__op_kind kind)
{
    switch (kind) {
    case RTM__OP_LOGIN: return RTM_LOGIN_ERR_TIMEOUT;
    case RTM__OP_PEER_MESSAGE:
    case RTM__OP_CALL_SIGNAL: return RTM_PEER_MESSAGE_ERR_TIMEOUT;
    case RTM__OP_JOIN: return RTM_JOIN_CHANNEL_ERR_TIMEOUT;
    case RTM__OP_CHANNEL_MESSAGE: return RTM_CHANNEL_MESSAGE_ERR_TIMEOUT;
    case RTM__OP_GET_MEMBERS: return RTM_GET_MEMBERS_ERR_TIMEOUT;
    case RTM__OP_LEAVE: return RTM_LEAVE_CHANNEL_ERR_FAILURE;
    case RTM__OP_LOGOUT: return RTM_LOGOUT_ERR_REJECTED;
    case RTM__OP_SET_ATTRIBUTES:
    case RTM__OP_GET_ATTRIBUTES:
    case RTM__OP_SET_CHANNEL_ATTRIBUTES:
    case RTM__OP_GET_CHANNEL_ATTRIBUTES: return RTM_ATTRIBUTE_OPERATION_ERR_TIMEOUT;
    case RTM__OP_RENEW_TOKEN: return RTM_RENEW_TOKEN_ERR_FAILURE; /* no TIMEOUT */
    case RTM__OP_QUERY_PEERS: return RTM_QUERY_PEERS_ONLINE_STATUS_ERR_TIMEOUT;
    case RTM__OP_SUBSCRIBE: return RTM_PEER_SUBSCRIPTION_STATUS_ERR_TIMEOUT;
    case RTM__OP_GET_SUBSCRIBED: return RTM_QUERY_PEERS_BY_SUBSCRIPTION_OPTION_ERR_TIMEOUT;
    case RTM__OP_GET_MEMBER_COUNT: return RTM_GET_CHANNEL_MEMBER_COUNT_ERR_TIMEOUT;
    case RTM__OP_INVITATION: return RTM_INVITATION_API_CALL_ERR_INVALID_ARGUMENT; /* unused */
    case RTM__OP_MEDIA_UPLOAD: return RTM_UPLOAD_MEDIA_ERR_TIMEOUT;
    case RTM__OP_MEDIA_DOWNLOAD: return RTM_DOWNLOAD_MEDIA_ERR_TIMEOUT;
    case RTM__OP_MEDIA_CANCEL: return RTM_CANCEL_MEDIA_ERR_FAILURE; /* unused */
    }
    return 1;
}

static rtm__time rtm__op_timeout(const rtm__session *s, rtm__op_kind kind)
{
    switch (kind) {
    case RTM__OP_PEER_MESSAGE:
    case RTM__OP_CALL_SIGNAL:
        return s->params.peer_message_timeout_ms * RTM__MS;
    case RTM__OP_CHANNEL_MESSAGE:
        return s->params.channel_message_timeout_ms * RTM__MS;
    default:
        return s->params.request_timeout_ms * RTM__MS;
    }
}

static void rtm__done(rtm__session *s, uint64_t op, rtm__op_kind kind, int code)
{
    s->ops->op_done(s->ud, op, kind, code, NULL);
}

static uint32_t rtm__new_request_id(rtm__session *s)
{
    if (++s->next_request_id == 0)
        s->next_request_id = 1;
    return s->next_request_id;
}

static bool rtm__link_open(const rtm__session *s)
{
    return s->link == RTM__LINK_LOGIN || s->link == RTM__LINK_UP;
}

/* Encodes a frame into a new buffer. */
static uint8_t *rtm__encode(const rtm__frame *f, size_t *len)
{
    size_t n = rtm__frame_encoded_size(f);
    uint8_t *buf = rtm__malloc(n);
    if (buf != NULL)
        *len = rtm__frame_encode(f, buf);
    return buf;
}

static void rtm__write(rtm__session *s, rtm__time now, const uint8_t *bytes,
                       size_t len)
{
    s->ops->send(s->ud, bytes, len);
    s->last_tx = now;
}

/* Sends a frame now; the link must be open. */
static void rtm__send_frame(rtm__session *s, rtm__time now, const rtm__frame *f)
{
    uint8_t stackbuf[256];
    size_t n = rtm__frame_encoded_size(f);
    uint8_t *buf = n <= sizeof(stackbuf) ? stackbuf : rtm__malloc(n);
    if (buf == NULL) {
        rtm__slog(s, RTM_LOG_ERROR, "out of memory sending %s",
                  rtm__frame_body_name(f));
        return;
    }
    n = rtm__frame_encode(f, buf);
    rtm__write(s, now, buf, n);
    if (buf != stackbuf)
        free(buf);
}

/* ------------------------------------------------------------------ */
/* Channels the application joined                                     */

static rtm__chan *rtm__chan_find(rtm__session *s, const char *name)
{
    for (size_t i = 0; i < s->nchans; i++)
        if (strcmp(s->chans[i].name, name) == 0)
            return &s->chans[i];
    return NULL;
}

static bool rtm__chan_add(rtm__session *s, const char *name,
                          rtm__chan_status status)
{
    if (s->nchans == s->capchans) {
        size_t cap = s->capchans ? s->capchans * 2 : 4;
        rtm__chan *c = rtm__realloc(s->chans, cap * sizeof(*c));
        if (c == NULL)
            return false;
        s->chans = c;
        s->capchans = cap;
    }
    rtm__chan *c = &s->chans[s->nchans++];
    snprintf(c->name, sizeof(c->name), "%s", name);
    c->status = status;
    c->last_seq = 0;
    return true;
}

static void rtm__chan_remove(rtm__session *s, const char *name)
{
    rtm__chan *c = rtm__chan_find(s, name);
    if (c == NULL)
        return;
    *c = s->chans[--s->nchans];
}

/* ------------------------------------------------------------------ */
/* Pending operations                                                  */

static void rtm__pending_free(rtm__pending *p)
{
    free(p->bytes);
    free(p);
}

/* Unlinks and returns *pp, a link of s->pending. */
static rtm__pending *rtm__pending_unlink(rtm__session *s, rtm__pending **pp)
{
    rtm__pending *p = *pp;
    *pp = p->next;
    if (s->pending_tail == &p->next)
        s->pending_tail = pp;
    return p;
}

/* Unlinks and returns the pending operation for request_id, or NULL.
 * Answers come mostly in the order of the requests: the first is it. */
static rtm__pending *rtm__pending_take(rtm__session *s, uint32_t request_id)
{
    for (rtm__pending **pp = &s->pending; *pp; pp = &(*pp)->next)
        if ((*pp)->request_id == request_id)
            return rtm__pending_unlink(s, pp);
    return NULL;
}

/* Completes a taken operation, keeping the channel list true. */
static void rtm__attrs_apply(rtm__session *s, const rtm__pending *p);
static void rtm__subs_apply(rtm__session *s, const rtm__pending *p);
static void rtm__token_adopt(rtm__session *s, const rtm__pending *p);

static void rtm__pending_finish(rtm__session *s, rtm__pending *p, int code,
                                const rtm__frame *answer)
{
    /* A request written again after a lost link may have been carried out
     * the first time: its second answer says so, and means success. */
    if (p->resent && ((p->kind == RTM__OP_JOIN &&
                       code == RTM_JOIN_CHANNEL_ERR_ALREADY_JOINED) ||
                      (p->kind == RTM__OP_LEAVE &&
                       code == RTM_LEAVE_CHANNEL_ERR_NOT_IN_CHANNEL)))
        code = 0;
    if (p->kind == RTM__OP_SET_ATTRIBUTES && code == 0)
        rtm__attrs_apply(s, p);
    if (p->kind == RTM__OP_SUBSCRIBE && code == 0)
        rtm__subs_apply(s, p);
    if (p->kind == RTM__OP_RENEW_TOKEN && code == 0)
        rtm__token_adopt(s, p);
    if (p->kind == RTM__OP_JOIN) {
        rtm__chan *c = rtm__chan_find(s, p->channel);
        if (c != NULL) {
            if (code == RTM_JOIN_CHANNEL_ERR_OK ||
                code == RTM_JOIN_CHANNEL_ERR_ALREADY_JOINED)
                c->status = RTM__CHAN_JOINED;
            else if (!p->internal)
                rtm__chan_remove(s, p->channel);
        }
    }
    if (p->internal) {
        static const char *const what[] = {
            [RTM__OP_JOIN] = "rejoin", [RTM__OP_LEAVE] = "leave",
            [RTM__OP_SET_ATTRIBUTES] = "attributes", [RTM__OP_SUBSCRIBE] = "subscribe",
        };
        if (code != 0)
            rtm__slog(s, RTM_LOG_WARNING, "%s %s by the client failed: %s",
                      what[p->kind] ? what[p->kind] : "request", p->channel,
                      rtm_code_name(rtm__op_family(p->kind), code));
    } else {
        s->ops->op_done(s->ud, p->op, p->kind, code, answer);
    }
    rtm__pending_free(p);
}

/* Writes every request not answered yet that this link has not carried,
 * in the order made: those made while the link was down, and those a lost
 * link carried without an answer. A message written twice is recognised by
 * its send_seq and carried out once (SPEC B1). The link must be up. */
static void rtm__flush_pending(rtm__session *s, rtm__time now)
{
    for (rtm__pending *p = s->pending; p; p = p->next) {
        if (p->sent_link == s->link_id)
            continue;
        if (p->sent_link != 0)
            p->resent = true;
        p->sent_link = s->link_id;
        rtm__write(s, now, p->bytes, p->len);
    }
}

/* Queues a request, and writes it at once when the link is up. The
 * pending record, or NULL (op_done was called). */
static rtm__pending *rtm__request(rtm__session *s, rtm__time now, uint64_t op,
                                  rtm__op_kind kind, bool internal, const char *channel,
                                  rtm__frame *f)
{
    rtm__pending *p = rtm__calloc(1, sizeof(*p));
    f->request_id = rtm__new_request_id(s);
    if (p != NULL)
        p->bytes = rtm__encode(f, &p->len);
    if (p == NULL || p->bytes == NULL) {
        free(p);
        rtm__slog(s, RTM_LOG_ERROR, "out of memory queueing %s",
                  rtm__frame_body_name(f));
        if (!internal)
            rtm__done(s, op, kind, rtm__failure_code(kind));
        return NULL;
    }
    p->op = op;
    p->kind = kind;
    p->internal = internal;
    p->request_id = f->request_id;
    p->deadline = now + rtm__op_timeout(s, kind);
    if (channel != NULL)
        snprintf(p->channel, sizeof(p->channel), "%s", channel);
    *s->pending_tail = p;
    s->pending_tail = &p->next;
    if (p->deadline < s->pending_expiry)
        s->pending_expiry = p->deadline;
    /* With the link up everything before it was written already. */
    if (s->link == RTM__LINK_UP) {
        p->sent_link = s->link_id;
        rtm__write(s, now, p->bytes, p->len);
    }
    return p;
}

/* Completes every pending operation: a pending login with code_login, the
 * others with `code`, 101 or 102, which mean the same in every family. */
static void rtm__fail_all(rtm__session *s, int code_login, int code)
{
    if (s->login_pending) {
        s->login_pending = false;
        rtm__done(s, s->login_op, RTM__OP_LOGIN, code_login);
    }
    while (s->pending) {
        rtm__pending *p = rtm__pending_unlink(s, &s->pending);
        if (!p->internal)
            rtm__done(s, p->op, p->kind, code);
        rtm__pending_free(p);
    }
}

/* ------------------------------------------------------------------ */
/* State and link                                                      */

/* The one place where the state changes (SPEC S1). */
static void rtm__set_state(rtm__session *s, int state, int reason)
{
    if (state == s->state)
        return;
    rtm__slog(s, RTM_LOG_INFO, "state %s -> %s (%s)", rtm_state_name(s->state),
              rtm_state_name(state), rtm_reason_name(reason));
    s->state = state;
    s->ops->state_changed(s->ud, state, reason);
}

/* What is not acknowledged when a link ends is not: the resume says what
 * was received (Login.peer_received), and a new session starts its seqs
 * anew. */
static void rtm__ack_forget(rtm__session *s)
{
    s->ack_seq = 0;
    s->ack_count = 0;
    s->ack_deadline = RTM__TIME_NEVER;
}

static void rtm__close_link(rtm__session *s)
{
    if (s->link != RTM__LINK_NONE)
        s->ops->close_link(s->ud);
    s->link = RTM__LINK_NONE;
    rtm__ack_forget(s);
}

static void rtm__attrs_clear(rtm__session *s)
{
    for (size_t i = 0; i < s->nattrs; i++) {
        free(s->attrs[i].key);
        free(s->attrs[i].value);
    }
    free(s->attrs);
    s->attrs = NULL;
    s->nattrs = 0;
}

static void rtm__subs_clear(rtm__session *s)
{
    for (size_t i = 0; i < s->nsubs; i++)
        free(s->subs[i]);
    free(s->subs);
    s->subs = NULL;
    s->nsubs = 0;
}

/* Ends the session on the client's side: no link, no retry, no channels,
 * no attributes, no subscriptions, numbering from scratch. */
static void rtm__end(rtm__session *s, int state, int reason)
{
    rtm__close_link(s);
    s->restoring = false;
    s->retry_at = RTM__TIME_NEVER;
    s->nchans = 0;
    s->peer_received = 0;
    s->session_id = 0;
    s->token_wait = false;
    rtm__attrs_clear(s);
    rtm__subs_clear(s);
    rtm__set_state(s, state, reason);
}

static void rtm__start_attempt(rtm__session *s, rtm__time now)
{
    s->retry_at = RTM__TIME_NEVER;
    s->link = RTM__LINK_OPENING;
    /* A connect that hangs (no answer to SYN) counts as a failed attempt
     * after the link timeout. */
    s->open_deadline = now + s->params.link_timeout_ms * RTM__MS;
    s->ops->open_link(s->ud);
}

/* The delay before the next attempt: uniform in [min, min(max, min * 2^n)]
 * ("full jitter" above a floor), n = failed attempts so far. */
static rtm__time rtm__backoff(rtm__session *s)
{
    uint64_t lo = s->params.reconnect_min_ms;
    uint64_t hi = s->params.reconnect_max_ms;
    uint32_t n = s->attempt < 20 ? s->attempt : 20;
    uint64_t cap = lo << n;
    if (cap > hi)
        cap = hi;
    s->attempt++;
    uint64_t span = cap - lo + 1;
    return (lo + s->ops->random(s->ud) % span) * RTM__MS;
}

/* The link is gone: it failed to open, was closed, or fell silent. `since`
 * is when the interruption began (SPEC S7). */
/* Requests bound to the link just lost (media) end with INTERRUPTED. */
static void rtm__fail_link_bound(rtm__session *s)
{
    for (rtm__pending **pp = &s->pending; *pp;) {
        rtm__pending *p = *pp;
        if (p->link_bound && p->sent_link == s->link_id) {
            rtm__pending_unlink(s, pp);
            rtm__done(s, p->op, p->kind,
                      p->kind == RTM__OP_MEDIA_UPLOAD ? RTM_UPLOAD_MEDIA_ERR_INTERRUPTED
                                                      : RTM_DOWNLOAD_MEDIA_ERR_INTERRUPTED);
            rtm__pending_free(p);
        } else {
            pp = &p->next;
        }
    }
}

static void rtm__link_lost(rtm__session *s, rtm__time now, rtm__time since)
{
    s->link = RTM__LINK_NONE;
    rtm__ack_forget(s);
    rtm__fail_link_bound(s);
    if (s->ops->link_lost)
        s->ops->link_lost(s->ud);
    switch (s->state) {
    case RTM_CONNECTION_STATE_CONNECTED:
        if (!s->restoring) {
            /* S7: restore at once; report only if it takes too long. */
            s->restoring = true;
            s->attempt = 0;
            s->interrupt_deadline =
                since + s->params.interrupt_report_ms * RTM__MS;
            rtm__slog(s, RTM_LOG_WARNING, "link lost; restoring it");
            rtm__start_attempt(s, now);
            return;
        }
        s->retry_at = now + rtm__backoff(s);
        return;
    case RTM_CONNECTION_STATE_CONNECTING:
    case RTM_CONNECTION_STATE_RECONNECTING:
        s->retry_at = now + rtm__backoff(s);
        return;
    default:
        return;
    }
}

static void rtm__drop_link(rtm__session *s, rtm__time now, rtm__time since,
                           const char *why)
{
    rtm__slog(s, RTM_LOG_WARNING, "closing the link: %s", why);
    rtm__close_link(s);
    rtm__link_lost(s, now, since);
}

/* ------------------------------------------------------------------ */
/* Public entry points                                                 */

rtm__session *rtm__session_new(const rtm__session_ops *ops, void *ud,
                               const char *app_id, uint64_t instance_id,
                               const rtm__params *params)
{
    rtm__session *s = rtm__calloc(1, sizeof(*s));
    if (s == NULL)
        return NULL;
    s->pending_tail = &s->pending;
    s->pending_expiry = RTM__TIME_NEVER;
    s->ack_deadline = RTM__TIME_NEVER;
    s->ops = ops;
    s->ud = ud;
    snprintf(s->app_id, sizeof(s->app_id), "%s", app_id);
    s->instance_id = instance_id;
    s->params = params->timings;
    s->state = RTM_CONNECTION_STATE_DISCONNECTED;
    s->retry_at = RTM__TIME_NEVER;
    return s;
}

void rtm__session_free(rtm__session *s)
{
    if (s == NULL)
        return;
    while (s->pending) {
        rtm__pending *p = s->pending;
        s->pending = p->next;
        rtm__pending_free(p);
    }
    free(s->chans);
    rtm__attrs_clear(s);
    rtm__subs_clear(s);
    free(s->token);
    free(s);
}

void rtm__session_set_params(rtm__session *s, const rtm__params *params)
{
    s->params = params->timings;
}

int rtm__session_state(const rtm__session *s)
{
    return s->state;
}

/* At most 2 in any second (SPEC A2 for logins; the reference's rate for
 * renewToken): records `now` and returns true, or returns false. */
static bool rtm__rate_ok(rtm__time times[2], unsigned *count, rtm__time now)
{
    if (*count >= 2 && now - times[0] < 1000 * RTM__MS)
        return false;
    times[0] = times[1];
    times[1] = now;
    if (*count < 2)
        (*count)++;
    return true;
}

/* Replaces the token used by every later login attempt. */
static bool rtm__set_token(rtm__session *s, const char *token)
{
    char *tok = rtm__strdup(token ? token : "");
    if (tok == NULL)
        return false;
    free(s->token);
    s->token = tok;
    return true;
}

void rtm__session_login(rtm__session *s, rtm__time now, uint64_t op,
                        const char *token, const char *user_id)
{
    if (!rtm__user_id_valid(user_id)) {
        rtm__done(s, op, RTM__OP_LOGIN, RTM_LOGIN_ERR_INVALID_ARGUMENT);
        return;
    }
    /* A token no server takes (RTM__TOKEN_MAX_LEN) is refused at once,
     * before a link is opened: sent, it would make rtmd close each link
     * for an oversized frame until the login timed out. */
    if (token != NULL && strlen(token) > RTM__TOKEN_MAX_LEN) {
        rtm__done(s, op, RTM__OP_LOGIN, RTM_LOGIN_ERR_INVALID_TOKEN);
        return;
    }
    if (s->state != RTM_CONNECTION_STATE_DISCONNECTED) { /* A2 */
        rtm__done(s, op, RTM__OP_LOGIN, RTM_LOGIN_ERR_ALREADY_LOGIN);
        return;
    }
    /* A2: at most 2 logins in any second. */
    if (!rtm__rate_ok(s->login_times, &s->login_count, now)) {
        rtm__done(s, op, RTM__OP_LOGIN, RTM_LOGIN_ERR_TOO_OFTEN);
        return;
    }
    if (!rtm__set_token(s, token)) {
        rtm__done(s, op, RTM__OP_LOGIN, RTM_LOGIN_ERR_UNKNOWN);
        return;
    }
    snprintf(s->user_id, sizeof(s->user_id), "%s", user_id);
    s->login_op = op;
    s->login_pending = true;
    s->attempt = 0;
    s->login_deadline = now + s->params.login_timeout_ms * RTM__MS;
    rtm__set_state(s, RTM_CONNECTION_STATE_CONNECTING,
                   RTM_CONNECTION_CHANGE_REASON_LOGIN); /* S2 */
    rtm__start_attempt(s, now);
}

/* Tells the server the user leaves, when logged in. Best effort: the server
 * ends the session at once instead of waiting for the link to time out; no
 * answer is awaited. What was received is acknowledged first: the server
 * keeps what is not for the user's next login (SPEC S9). */
static void rtm__ack_flush(rtm__session *s, rtm__time now);

static void rtm__send_logout(rtm__session *s, rtm__time now)
{
    if (s->link != RTM__LINK_UP)
        return;
    rtm__ack_flush(s, now);
    rtm__frame f = RTM__WIRE__FRAME__INIT;
    Rtm__Wire__Logout lo = RTM__WIRE__LOGOUT__INIT;
    f.body_case = RTM__WIRE__FRAME__BODY_LOGOUT;
    f.logout = &lo;
    f.request_id = rtm__new_request_id(s);
    rtm__send_frame(s, now, &f);
}

void rtm__session_logout(rtm__session *s, rtm__time now, uint64_t op)
{
    if (s->state == RTM_CONNECTION_STATE_DISCONNECTED) {
        rtm__done(s, op, RTM__OP_LOGOUT, RTM_LOGOUT_ERR_USER_NOT_LOGGED_IN);
        return;
    }
    rtm__send_logout(s, now);
    /* A login still pending can no longer succeed; other operations find
     * the user logged out. */
    rtm__fail_all(s, RTM_LOGIN_ERR_UNKNOWN, RTM_LOGOUT_ERR_USER_NOT_LOGGED_IN);
    rtm__end(s, RTM_CONNECTION_STATE_DISCONNECTED,
             RTM_CONNECTION_CHANGE_REASON_LOGOUT); /* S17 */
    rtm__done(s, op, RTM__OP_LOGOUT, RTM_LOGOUT_ERR_OK);
}

/* Operations need a logged-in user: CONNECTED, or RECONNECTING (queued
 * until the link is back or their deadline passes). */
static bool rtm__logged_in(const rtm__session *s)
{
    return s->state == RTM_CONNECTION_STATE_CONNECTED ||
           s->state == RTM_CONNECTION_STATE_RECONNECTING;
}

/* Completes op with USER_NOT_LOGGED_IN (102 in every family) unless the user
 * is logged in. */
static bool rtm__need_login(rtm__session *s, uint64_t op, rtm__op_kind kind)
{
    if (rtm__logged_in(s))
        return true;
    rtm__done(s, op, kind, RTM_PEER_MESSAGE_ERR_USER_NOT_LOGGED_IN);
    return false;
}

static void rtm__fill_message(Rtm__Wire__Message *m, const rtm__outgoing *msg)
{
    m->type = msg->type;
    m->text = (char *)(msg->text ? msg->text : "");
    m->raw.data = (uint8_t *)msg->raw;
    m->raw.len = msg->raw_len;
    m->description = (char *)(msg->description ? msg->description : "");
    m->media = msg->media;
}

/* A PeerSend of m to peer_id, numbered for exactly-once (B1). */
static void rtm__send_peer_frame(rtm__session *s, rtm__time now, uint64_t op,
                                 rtm__op_kind kind, const char *peer_id,
                                 Rtm__Wire__Message *m, bool offline)
{
    rtm__frame f = RTM__WIRE__FRAME__INIT;
    Rtm__Wire__PeerSend ps = RTM__WIRE__PEER_SEND__INIT;
    ps.to = (char *)peer_id;
    ps.message = m;
    ps.enable_offline = offline;
    ps.send_seq = ++s->send_seq;
    f.body_case = RTM__WIRE__FRAME__BODY_PEER_SEND;
    f.peer_send = &ps;
    rtm__request(s, now, op, kind, false, NULL, &f);
}

void rtm__session_send_peer(rtm__session *s, rtm__time now, uint64_t op,
                            const char *peer_id, const rtm__outgoing *msg)
{
    if (!rtm__need_login(s, op, RTM__OP_PEER_MESSAGE))
        return;
    Rtm__Wire__Message m = RTM__WIRE__MESSAGE__INIT;
    rtm__fill_message(&m, msg);
    rtm__send_peer_frame(s, now, op, RTM__OP_PEER_MESSAGE, peer_id, &m, msg->offline);
}

void rtm__session_send_call(rtm__session *s, rtm__time now, uint64_t op,
                            const char *peer_id, const Rtm__Wire__CallSignal *sig)
{
    if (!rtm__need_login(s, op, RTM__OP_CALL_SIGNAL))
        return;
    Rtm__Wire__Message m = RTM__WIRE__MESSAGE__INIT;
    m.call = (Rtm__Wire__CallSignal *)sig;
    /* C3: kept while the peer is away */
    rtm__send_peer_frame(s, now, op, RTM__OP_CALL_SIGNAL, peer_id, &m, true);
}

/* rejoin: a channel of the client that a new session on the server must
 * join again (SPEC S14); its cursor asks for what it missed (S10). */
static void rtm__send_join(rtm__session *s, rtm__time now, uint64_t op,
                           bool internal, const char *channel,
                           const rtm__chan *rejoin)
{
    rtm__frame f = RTM__WIRE__FRAME__INIT;
    Rtm__Wire__Join j = RTM__WIRE__JOIN__INIT;
    j.channel = (char *)channel;
    if (rejoin != NULL) {
        j.replay = true;
        j.last_seq = rejoin->last_seq;
    }
    f.body_case = RTM__WIRE__FRAME__BODY_JOIN;
    f.join = &j;
    rtm__request(s, now, op, RTM__OP_JOIN, internal, channel, &f);
}

static void rtm__send_leave(rtm__session *s, rtm__time now, uint64_t op,
                            bool internal, const char *channel)
{
    rtm__frame f = RTM__WIRE__FRAME__INIT;
    Rtm__Wire__Leave l = RTM__WIRE__LEAVE__INIT;
    l.channel = (char *)channel;
    f.body_case = RTM__WIRE__FRAME__BODY_LEAVE;
    f.leave = &l;
    rtm__request(s, now, op, RTM__OP_LEAVE, internal, channel, &f);
}

void rtm__session_join(rtm__session *s, rtm__time now, uint64_t op,
                       const char *channel)
{
    if (!rtm__need_login(s, op, RTM__OP_JOIN))
        return;
    if (rtm__chan_find(s, channel) != NULL) {
        rtm__done(s, op, RTM__OP_JOIN, RTM_JOIN_CHANNEL_ERR_ALREADY_JOINED);
        return;
    }
    if (s->nchans >= RTM__MAX_CHANNELS) { /* A5 */
        rtm__done(s, op, RTM__OP_JOIN, RTM_JOIN_CHANNEL_ERR_EXCEED_LIMIT);
        return;
    }
    if (!rtm__chan_add(s, channel, RTM__CHAN_JOINING)) {
        rtm__done(s, op, RTM__OP_JOIN, RTM_JOIN_CHANNEL_ERR_FAILURE);
        return;
    }
    rtm__send_join(s, now, op, false, channel, NULL);
}

void rtm__session_leave(rtm__session *s, rtm__time now, uint64_t op,
                        const char *channel)
{
    if (!rtm__need_login(s, op, RTM__OP_LEAVE))
        return;
    rtm__chan *c = rtm__chan_find(s, channel);
    if (c == NULL || c->status != RTM__CHAN_JOINED) {
        rtm__done(s, op, RTM__OP_LEAVE, RTM_LEAVE_CHANNEL_ERR_NOT_IN_CHANNEL);
        return;
    }
    rtm__chan_remove(s, channel);
    rtm__send_leave(s, now, op, false, channel);
}

void rtm__session_send_channel(rtm__session *s, rtm__time now, uint64_t op,
                               const char *channel, const rtm__outgoing *msg)
{
    if (!rtm__need_login(s, op, RTM__OP_CHANNEL_MESSAGE))
        return;
    rtm__chan *c = rtm__chan_find(s, channel);
    if (c == NULL || c->status != RTM__CHAN_JOINED) {
        /* The public API has no NOT_IN_CHANNEL code for messages. */
        rtm__done(s, op, RTM__OP_CHANNEL_MESSAGE, RTM_CHANNEL_MESSAGE_ERR_FAILURE);
        return;
    }
    rtm__frame f = RTM__WIRE__FRAME__INIT;
    Rtm__Wire__ChannelSend cs = RTM__WIRE__CHANNEL_SEND__INIT;
    Rtm__Wire__Message m = RTM__WIRE__MESSAGE__INIT;
    rtm__fill_message(&m, msg);
    cs.channel = (char *)channel;
    cs.message = &m;
    cs.send_seq = ++s->send_seq;
    f.body_case = RTM__WIRE__FRAME__BODY_CHANNEL_SEND;
    f.channel_send = &cs;
    rtm__request(s, now, op, RTM__OP_CHANNEL_MESSAGE, false, channel, &f);
}

void rtm__session_get_members(rtm__session *s, rtm__time now, uint64_t op,
                              const char *channel)
{
    if (!rtm__need_login(s, op, RTM__OP_GET_MEMBERS))
        return;
    rtm__chan *c = rtm__chan_find(s, channel);
    if (c == NULL || c->status != RTM__CHAN_JOINED) {
        rtm__done(s, op, RTM__OP_GET_MEMBERS, RTM_GET_MEMBERS_ERR_NOT_IN_CHANNEL);
        return;
    }
    rtm__frame f = RTM__WIRE__FRAME__INIT;
    Rtm__Wire__GetMembers gm = RTM__WIRE__GET_MEMBERS__INIT;
    gm.channel = (char *)channel;
    f.body_case = RTM__WIRE__FRAME__BODY_GET_MEMBERS;
    f.get_members = &gm;
    rtm__request(s, now, op, RTM__OP_GET_MEMBERS, false, channel, &f);
}

/* ------------------------------------------------------------------ */
/* User attributes (SPEC A5, S14)                                      */

/* Sends SetAttributes, or for a channel SetChannelAttributes wrapping it. */
static void rtm__send_set_attributes(rtm__session *s, rtm__time now,
                                     uint64_t op, bool internal, const char *channel,
                                     bool notify, int set_op,
                                     const rtm_attribute *attributes,
                                     size_t count, const char *const *keys,
                                     size_t nkeys)
{
    rtm__op_kind kind = channel ? RTM__OP_SET_CHANNEL_ATTRIBUTES : RTM__OP_SET_ATTRIBUTES;
    Rtm__Wire__Attribute *items = count ? rtm__calloc(count, sizeof(*items)) : NULL;
    Rtm__Wire__Attribute **ptrs = count ? rtm__calloc(count, sizeof(*ptrs)) : NULL;
    if (count > 0 && (items == NULL || ptrs == NULL)) {
        free(items);
        free(ptrs);
        if (!internal)
            rtm__done(s, op, kind, RTM_ATTRIBUTE_OPERATION_ERR_FAILURE);
        return;
    }
    for (size_t i = 0; i < count; i++) {
        rtm__wire__attribute__init(&items[i]);
        items[i].key = (char *)attributes[i].key;
        items[i].value = (char *)attributes[i].value;
        ptrs[i] = &items[i];
    }
    rtm__frame f = RTM__WIRE__FRAME__INIT;
    Rtm__Wire__SetAttributes sa = RTM__WIRE__SET_ATTRIBUTES__INIT;
    sa.op = (Rtm__Wire__SetAttributes__Op)set_op;
    sa.attributes = ptrs;
    sa.n_attributes = count;
    sa.keys = (char **)keys;
    sa.n_keys = nkeys;
    Rtm__Wire__SetChannelAttributes sc = RTM__WIRE__SET_CHANNEL_ATTRIBUTES__INIT;
    if (channel != NULL) {
        sc.channel = (char *)channel;
        sc.change = &sa;
        sc.notify = notify;
        f.body_case = RTM__WIRE__FRAME__BODY_SET_CHANNEL_ATTRIBUTES;
        f.set_channel_attributes = &sc;
    } else {
        f.body_case = RTM__WIRE__FRAME__BODY_SET_ATTRIBUTES;
        f.set_attributes = &sa;
    }
    rtm__request(s, now, op, kind, internal, NULL, &f);
    free(items);
    free(ptrs);
}

void rtm__session_set_attributes(rtm__session *s, rtm__time now, uint64_t op,
                                 int set_op, const rtm_attribute *attributes,
                                 size_t count, const char *const *keys,
                                 size_t nkeys)
{
    if (!rtm__need_login(s, op, RTM__OP_SET_ATTRIBUTES))
        return;
    rtm__send_set_attributes(s, now, op, false, NULL, false, set_op, attributes, count,
                             keys, nkeys);
}

void rtm__session_get_attributes(rtm__session *s, rtm__time now, uint64_t op,
                                 const char *user_id, const char *const *keys,
                                 size_t nkeys)
{
    if (!rtm__need_login(s, op, RTM__OP_GET_ATTRIBUTES))
        return;
    rtm__frame f = RTM__WIRE__FRAME__INIT;
    Rtm__Wire__GetAttributes ga = RTM__WIRE__GET_ATTRIBUTES__INIT;
    ga.user = (char *)user_id;
    ga.keys = (char **)keys;
    ga.n_keys = nkeys;
    f.body_case = RTM__WIRE__FRAME__BODY_GET_ATTRIBUTES;
    f.get_attributes = &ga;
    rtm__request(s, now, op, RTM__OP_GET_ATTRIBUTES, false, NULL, &f);
}

/* ---- channel attributes (SPEC A5) ---- */

void rtm__session_set_channel_attributes(rtm__session *s, rtm__time now, uint64_t op,
                                         const char *channel, int set_op,
                                         const rtm_attribute *attributes, size_t count,
                                         const char *const *keys, size_t nkeys,
                                         bool notify)
{
    if (!rtm__need_login(s, op, RTM__OP_SET_CHANNEL_ATTRIBUTES))
        return;
    rtm__send_set_attributes(s, now, op, false, channel, notify, set_op, attributes, count,
                             keys, nkeys);
}

void rtm__session_get_channel_attributes(rtm__session *s, rtm__time now, uint64_t op,
                                         const char *channel, const char *const *keys,
                                         size_t nkeys)
{
    if (!rtm__need_login(s, op, RTM__OP_GET_CHANNEL_ATTRIBUTES))
        return;
    rtm__frame f = RTM__WIRE__FRAME__INIT;
    Rtm__Wire__GetChannelAttributes g = RTM__WIRE__GET_CHANNEL_ATTRIBUTES__INIT;
    g.channel = (char *)channel;
    g.keys = (char **)keys;
    g.n_keys = nkeys;
    f.body_case = RTM__WIRE__FRAME__BODY_GET_CHANNEL_ATTRIBUTES;
    f.get_channel_attributes = &g;
    rtm__request(s, now, op, RTM__OP_GET_CHANNEL_ATTRIBUTES, false, NULL, &f);
}

/* ---- presence (SPEC A8) ---- */

void rtm__session_query_peers(rtm__session *s, rtm__time now, uint64_t op,
                              const char *const *users, size_t n)
{
    if (!rtm__need_login(s, op, RTM__OP_QUERY_PEERS))
        return;
    rtm__frame f = RTM__WIRE__FRAME__INIT;
    Rtm__Wire__QueryPeers q = RTM__WIRE__QUERY_PEERS__INIT;
    q.users = (char **)users;
    q.n_users = n;
    f.body_case = RTM__WIRE__FRAME__BODY_QUERY_PEERS;
    f.query_peers = &q;
    rtm__request(s, now, op, RTM__OP_QUERY_PEERS, false, NULL, &f);
}

static void rtm__send_subscribe(rtm__session *s, rtm__time now, uint64_t op,
                                bool internal, const char *const *users, size_t n,
                                bool unsubscribe)
{
    rtm__frame f = RTM__WIRE__FRAME__INIT;
    Rtm__Wire__Subscribe sub = RTM__WIRE__SUBSCRIBE__INIT;
    sub.users = (char **)users;
    sub.n_users = n;
    sub.unsubscribe = unsubscribe;
    f.body_case = RTM__WIRE__FRAME__BODY_SUBSCRIBE;
    f.subscribe = &sub;
    rtm__request(s, now, op, RTM__OP_SUBSCRIBE, internal, NULL, &f);
}

void rtm__session_subscribe(rtm__session *s, rtm__time now, uint64_t op,
                            const char *const *users, size_t n, bool unsubscribe)
{
    if (!rtm__need_login(s, op, RTM__OP_SUBSCRIBE))
        return;
    rtm__send_subscribe(s, now, op, false, users, n, unsubscribe);
}

void rtm__session_get_subscribed(rtm__session *s, rtm__time now, uint64_t op)
{
    if (!rtm__need_login(s, op, RTM__OP_GET_SUBSCRIBED))
        return;
    rtm__frame f = RTM__WIRE__FRAME__INIT;
    Rtm__Wire__GetSubscribed g = RTM__WIRE__GET_SUBSCRIBED__INIT;
    f.body_case = RTM__WIRE__FRAME__BODY_GET_SUBSCRIBED;
    f.get_subscribed = &g;
    rtm__request(s, now, op, RTM__OP_GET_SUBSCRIBED, false, NULL, &f);
}

void rtm__session_get_member_count(rtm__session *s, rtm__time now, uint64_t op,
                                   const char *const *channels, size_t n)
{
    if (!rtm__need_login(s, op, RTM__OP_GET_MEMBER_COUNT))
        return;
    rtm__frame f = RTM__WIRE__FRAME__INIT;
    Rtm__Wire__GetMemberCount g = RTM__WIRE__GET_MEMBER_COUNT__INIT;
    g.channels = (char **)channels;
    g.n_channels = n;
    f.body_case = RTM__WIRE__FRAME__BODY_GET_MEMBER_COUNT;
    f.get_member_count = &g;
    rtm__request(s, now, op, RTM__OP_GET_MEMBER_COUNT, false, NULL, &f);
}

static ssize_t rtm__sub_find(const rtm__session *s, const char *user)
{
    for (size_t i = 0; i < s->nsubs; i++)
        if (strcmp(s->subs[i], user) == 0)
            return (ssize_t)i;
    return -1;
}

/* The server accepted a (un)subscribe: the local list follows, read back
 * from the request as it was sent. */
static void rtm__subs_apply(rtm__session *s, const rtm__pending *p)
{
    rtm__frame *f = NULL;
    size_t used = 0;
    if (rtm__frame_decode(p->bytes, p->len, p->len, &f, &used) != RTM__FRAME_OK)
        return;
    const Rtm__Wire__Subscribe *sub = f->subscribe;
    bool ok = true;
    for (size_t i = 0; i < sub->n_users; i++) {
        ssize_t at = rtm__sub_find(s, sub->users[i]);
        if (sub->unsubscribe && at >= 0) {
            free(s->subs[at]);
            s->subs[at] = s->subs[--s->nsubs];
        } else if (!sub->unsubscribe && at < 0) {
            char **grown = rtm__realloc(s->subs, (s->nsubs + 1) * sizeof(*grown));
            char *u = rtm__strdup(sub->users[i]);
            if (grown != NULL)
                s->subs = grown;
            if (grown == NULL || u == NULL) {
                free(u);
                ok = false;
                continue;
            }
            s->subs[s->nsubs++] = u;
        }
    }
    if (!ok)
        rtm__slog(s, RTM_LOG_ERROR,
                  "out of memory: the local list of subscriptions is short");
    rtm__frame_free(f);
}

/* Subscriptions made before a session the server did not keep are made
 * again (SPEC S14, A8). */
static void rtm__resubscribe(rtm__session *s, rtm__time now)
{
    if (s->nsubs == 0)
        return;
    rtm__slog(s, RTM_LOG_INFO, "subscribing again to %zu users", s->nsubs);
    rtm__send_subscribe(s, now, 0, true, (const char *const *)s->subs, s->nsubs, false);
}

static rtm__attr *rtm__attr_find(rtm__session *s, const char *key)
{
    for (size_t i = 0; i < s->nattrs; i++)
        if (strcmp(s->attrs[i].key, key) == 0)
            return &s->attrs[i];
    return NULL;
}

static void rtm__attr_del(rtm__session *s, const char *key)
{
    rtm__attr *a = rtm__attr_find(s, key);
    if (a == NULL)
        return;
    free(a->key);
    free(a->value);
    *a = s->attrs[--s->nattrs];
}

static bool rtm__attr_put(rtm__session *s, const char *key, const char *value)
{
    char *v = rtm__strdup(value);
    if (v == NULL)
        return false;
    rtm__attr *a = rtm__attr_find(s, key);
    if (a != NULL) {
        free(a->value);
        a->value = v;
        return true;
    }
    rtm__attr *grown = rtm__realloc(s->attrs, (s->nattrs + 1) * sizeof(*grown));
    char *k = rtm__strdup(key);
    if (grown != NULL)
        s->attrs = grown;
    if (grown == NULL || k == NULL) {
        free(k);
        free(v);
        return false;
    }
    s->attrs[s->nattrs].key = k;
    s->attrs[s->nattrs].value = v;
    s->nattrs++;
    return true;
}

/* The server accepted a change of the user's attributes: the local copy
 * follows, read back from the request as it was sent. */
static void rtm__attrs_apply(rtm__session *s, const rtm__pending *p)
{
    rtm__frame *f = NULL;
    size_t used = 0;
    if (rtm__frame_decode(p->bytes, p->len, p->len, &f, &used) != RTM__FRAME_OK)
        return;
    const Rtm__Wire__SetAttributes *sa = f->set_attributes;
    bool ok = true;
    if (sa->op == RTM__WIRE__SET_ATTRIBUTES__OP__OP_SET ||
        sa->op == RTM__WIRE__SET_ATTRIBUTES__OP__OP_CLEAR)
        rtm__attrs_clear(s);
    for (size_t i = 0; i < sa->n_attributes; i++)
        ok = ok && rtm__attr_put(s, sa->attributes[i]->key,
                                 sa->attributes[i]->value);
    if (sa->op == RTM__WIRE__SET_ATTRIBUTES__OP__OP_DELETE)
        for (size_t i = 0; i < sa->n_keys; i++)
            rtm__attr_del(s, sa->keys[i]);
    if (!ok)
        rtm__slog(s, RTM_LOG_ERROR,
                  "out of memory: the local copy of the attributes is short");
    rtm__frame_free(f);
}

uint32_t rtm__session_media_request(rtm__session *s, rtm__time now, uint64_t op,
                                    rtm__op_kind kind, rtm__frame *f)
{
    rtm__pending *p = rtm__request(s, now, op, kind, false, NULL, f);
    if (p == NULL)
        return 0;
    p->link_bound = true;
    return p->request_id;
}

int rtm__session_media_send(rtm__session *s, rtm__time now, const rtm__frame *f)
{
    if (s->link != RTM__LINK_UP)
        return 1;
    size_t n = rtm__frame_encoded_size(f);
    uint8_t stack[RTM__FRAME_HEADER + 256];
    uint8_t *buf = n <= sizeof stack ? stack : rtm__malloc(n);
    if (buf == NULL) {
        rtm__slog(s, RTM_LOG_ERROR, "out of memory sending %s", rtm__frame_body_name(f));
        return -1;
    }
    rtm__frame_encode(f, buf);
    rtm__write(s, now, buf, n);
    if (buf != stack)
        free(buf);
    return 0;
}

void rtm__session_renew_token(rtm__session *s, rtm__time now, uint64_t op,
                              const char *token)
{
    if (!rtm__need_login(s, op, RTM__OP_RENEW_TOKEN))
        return;
    if (token != NULL && strlen(token) > RTM__TOKEN_MAX_LEN) { /* as for login */
        rtm__done(s, op, RTM__OP_RENEW_TOKEN, RTM_RENEW_TOKEN_ERR_INVALID_TOKEN);
        return;
    }
    if (!rtm__rate_ok(s->renew_times, &s->renew_count, now)) {
        rtm__done(s, op, RTM__OP_RENEW_TOKEN, RTM_RENEW_TOKEN_ERR_TOO_OFTEN);
        return;
    }
    if (s->link == RTM__LINK_UP) {
        /* The server checks it; adopted when it says OK. */
        rtm__frame f = RTM__WIRE__FRAME__INIT;
        Rtm__Wire__RenewToken rt = RTM__WIRE__RENEW_TOKEN__INIT;
        rt.token = (char *)token;
        f.body_case = RTM__WIRE__FRAME__BODY_RENEW_TOKEN;
        f.renew_token = &rt;
        rtm__request(s, now, op, RTM__OP_RENEW_TOKEN, false, NULL, &f);
        return;
    }
    /* The link is down: the next attempt logs in with it (S15). */
    if (!rtm__set_token(s, token)) {
        rtm__done(s, op, RTM__OP_RENEW_TOKEN, RTM_RENEW_TOKEN_ERR_FAILURE);
        return;
    }
    rtm__done(s, op, RTM__OP_RENEW_TOKEN, RTM_RENEW_TOKEN_ERR_OK);
    if (s->token_wait) {
        rtm__slog(s, RTM_LOG_INFO, "token renewed: reconnecting");
        s->token_wait = false;
        s->attempt = 0;
        if (s->link == RTM__LINK_NONE)
            rtm__start_attempt(s, now);
    }
}

/* The server accepted a renewed token: later logins use it. */
static void rtm__token_adopt(rtm__session *s, const rtm__pending *p)
{
    rtm__frame *f = NULL;
    size_t used = 0;
    if (rtm__frame_decode(p->bytes, p->len, p->len, &f, &used) != RTM__FRAME_OK)
        return;
    if (!rtm__set_token(s, f->renew_token->token))
        rtm__slog(s, RTM_LOG_ERROR, "out of memory keeping the renewed token");
    rtm__frame_free(f);
}

void rtm__session_network_changed(rtm__session *s, rtm__time now)
{
    if (s->link != RTM__LINK_NONE || s->retry_at == RTM__TIME_NEVER)
        return;
    rtm__slog(s, RTM_LOG_INFO, "network changed: trying now");
    s->attempt = 0;
    rtm__start_attempt(s, now);
}

void rtm__session_release_channel(rtm__session *s, rtm__time now,
                                  const char *channel)
{
    for (rtm__pending **pp = &s->pending; *pp;) {
        rtm__pending *p = *pp;
        if (p->kind != RTM__OP_PEER_MESSAGE && p->kind != RTM__OP_CALL_SIGNAL &&
            strcmp(p->channel, channel) == 0) {
            rtm__pending_unlink(s, pp);
            if (!p->internal) /* NOT_INITIALIZED is 101 in every family */
                rtm__done(s, p->op, p->kind, RTM_JOIN_CHANNEL_ERR_NOT_INITIALIZED);
            rtm__pending_free(p);
        } else {
            pp = &p->next;
        }
    }
    if (rtm__chan_find(s, channel) != NULL) {
        rtm__chan_remove(s, channel);
        if (rtm__logged_in(s))
            rtm__send_leave(s, now, 0, true, channel);
    }
}

void rtm__session_shutdown(rtm__session *s, rtm__time now)
{
    rtm__send_logout(s, now);
    rtm__fail_all(s, RTM_LOGIN_ERR_NOT_INITIALIZED,
                  RTM_LOGOUT_ERR_NOT_INITIALIZED);
    rtm__close_link(s);
    s->restoring = false;
    s->retry_at = RTM__TIME_NEVER;
    s->token_wait = false;
    s->nchans = 0;
    rtm__attrs_clear(s);
    rtm__subs_clear(s);
    s->state = RTM_CONNECTION_STATE_DISCONNECTED;
}

void rtm__session_link_up(rtm__session *s, rtm__time now)
{
    if (s->link != RTM__LINK_OPENING)
        return;
    s->link = RTM__LINK_LOGIN;
    s->last_rx = now;
    if (++s->link_id == 0)
        s->link_id = 1;

    rtm__frame f = RTM__WIRE__FRAME__INIT;
    Rtm__Wire__Hello h = RTM__WIRE__HELLO__INIT;
    h.version = RTM__WIRE__VERSION__VERSION_1;
    h.heartbeat_ms = s->params.heartbeat_ms;
    f.body_case = RTM__WIRE__FRAME__BODY_HELLO;
    f.hello = &h;
    rtm__send_frame(s, now, &f);

    rtm__frame g = RTM__WIRE__FRAME__INIT;
    Rtm__Wire__Login l = RTM__WIRE__LOGIN__INIT;
    l.app_id = s->app_id;
    l.user_id = s->user_id;
    l.token = s->token;
    l.instance_id = s->instance_id;
    l.link_seq = s->link_id;
    l.session_id = s->session_id;
    /* Where the client is, should the server have kept the session: what
     * to replay (SPEC S9, S10) and what not to replay again (B1, B2). */
    l.peer_received = s->peer_received;
    Rtm__Wire__ChannelCursor cursors[RTM__MAX_CHANNELS];
    Rtm__Wire__ChannelCursor *cursor_ptrs[RTM__MAX_CHANNELS];
    size_t n = 0;
    for (size_t i = 0; i < s->nchans && n < RTM__MAX_CHANNELS; i++) {
        if (s->chans[i].status != RTM__CHAN_JOINED)
            continue;
        rtm__wire__channel_cursor__init(&cursors[n]);
        cursors[n].channel = s->chans[i].name;
        cursors[n].last_seq = s->chans[i].last_seq;
        cursor_ptrs[n] = &cursors[n];
        n++;
    }
    l.channels = cursor_ptrs;
    l.n_channels = n;
    g.body_case = RTM__WIRE__FRAME__BODY_LOGIN;
    g.login = &l;
    g.request_id = s->login_request_id = rtm__new_request_id(s);
    rtm__send_frame(s, now, &g);
}

void rtm__session_link_down(rtm__session *s, rtm__time now)
{
    if (s->link == RTM__LINK_NONE)
        return;
    rtm__slog(s, RTM_LOG_WARNING, "link %s",
              s->link == RTM__LINK_OPENING ? "failed to open" : "closed by peer");
    rtm__link_lost(s, now, now);
}

/* The user's attributes, sent again to a session the server did not keep
 * (SPEC S14). */
static void rtm__resend_attributes(rtm__session *s, rtm__time now)
{
    if (s->nattrs == 0)
        return;
    rtm_attribute *a = rtm__calloc(s->nattrs, sizeof(*a));
    if (a == NULL) {
        rtm__slog(s, RTM_LOG_ERROR, "out of memory re-sending attributes");
        return;
    }
    for (size_t i = 0; i < s->nattrs; i++) {
        a[i].key = s->attrs[i].key;
        a[i].value = s->attrs[i].value;
    }
    rtm__slog(s, RTM_LOG_INFO, "re-sending %zu user attributes", s->nattrs);
    rtm__send_set_attributes(s, now, 0, true, NULL, false,
                             RTM__WIRE__SET_ATTRIBUTES__OP__OP_SET, a, s->nattrs, NULL, 0);
    free(a);
}

/* Channels joined before a session the server did not keep are joined
 * again (SPEC S14). */
static void rtm__rejoin(rtm__session *s, rtm__time now)
{
    for (size_t i = 0; i < s->nchans; i++) {
        if (s->chans[i].status == RTM__CHAN_JOINED) {
            rtm__slog(s, RTM_LOG_INFO, "rejoining %s", s->chans[i].name);
            rtm__send_join(s, now, 0, true, s->chans[i].name, &s->chans[i]);
        }
    }
}

/* The server refused the first login (CONNECTING): it ends (SPEC S4). */
static void rtm__login_refused(rtm__session *s, int code)
{
    rtm__close_link(s);
    s->login_pending = false;
    rtm__end(s, RTM_CONNECTION_STATE_DISCONNECTED, RTM_CONNECTION_CHANGE_REASON_LOGIN_FAILURE);
    rtm__done(s, s->login_op, RTM__OP_LOGIN, code);
}

/* The LoginError that a server's Close means for a first login, or 0 for a
 * link that is just lost and tried again (S5: until the login timeout).
 * Trying again cannot help when the server holds as many links as it may,
 * speaks another version, or takes the login for malformed or too large. */
static int rtm__close_login_code(Rtm__Wire__Close__Code code)
{
    switch (code) {
    case RTM__WIRE__CLOSE__CODE__CLOSE_OVERLOADED:
    case RTM__WIRE__CLOSE__CODE__CLOSE_VERSION:
    case RTM__WIRE__CLOSE__CODE__CLOSE_PROTOCOL: return RTM_LOGIN_ERR_REJECTED;
    case RTM__WIRE__CLOSE__CODE__CLOSE_TOO_LARGE: return RTM_LOGIN_ERR_INVALID_ARGUMENT;
    default: return 0;
    }
}

static void rtm__on_login_result(rtm__session *s, rtm__time now, uint32_t rid,
                                 const Rtm__Wire__LoginResult *r)
{
    if (s->link != RTM__LINK_LOGIN || rid != s->login_request_id) {
        rtm__drop_link(s, now, now, "unexpected login result");
        return;
    }
    if (r->code != RTM_LOGIN_ERR_OK) {
        rtm__slog(s, RTM_LOG_WARNING, "login refused: %s",
                  rtm_code_name(RTM_FAMILY_LOGIN_ERR, r->code));
        if (s->state == RTM_CONNECTION_STATE_CONNECTING) {
            rtm__login_refused(s, r->code);
            return;
        }
        rtm__close_link(s);
        if (r->code == RTM_LOGIN_ERR_TOKEN_EXPIRED) {
            /* S15: tell the application once, keep the state, and wait for
             * renewToken before the next attempt. */
            s->link = RTM__LINK_NONE;
            s->retry_at = RTM__TIME_NEVER;
            if (!s->token_wait) {
                s->token_wait = true;
                s->ops->token_expired(s->ud);
            }
        } else {
            /* S8: reconnection goes on until it succeeds. */
            rtm__link_lost(s, now, now);
        }
        return;
    }
    s->link = RTM__LINK_UP;
    s->attempt = 0;
    s->session_id = r->session_id;
    s->server_ms = r->server_ts;
    s->server_ms_at = now;
    bool was_restoring = s->restoring;
    s->restoring = false;
    switch (s->state) {
    case RTM_CONNECTION_STATE_CONNECTING:
        s->login_pending = false;
        rtm__set_state(s, RTM_CONNECTION_STATE_CONNECTED,
                       RTM_CONNECTION_CHANGE_REASON_LOGIN_SUCCESS); /* S3 */
        rtm__done(s, s->login_op, RTM__OP_LOGIN, RTM_LOGIN_ERR_OK);
        break;
    case RTM_CONNECTION_STATE_RECONNECTING:
        /* S8: no login result for an automatic reconnection. */
        rtm__set_state(s, RTM_CONNECTION_STATE_CONNECTED,
                       RTM_CONNECTION_CHANGE_REASON_LOGIN_SUCCESS);
        break;
    default:
        if (was_restoring)
            rtm__slog(s, RTM_LOG_INFO, "link restored"); /* S7: unreported */
        break;
    }
    if (!r->resumed) {
        /* A new session on the server: its peer numbering starts over, and
         * what the old one held must be built again (SPEC S14). A channel's
         * seqs never start over: the rejoins carry the cursors (S10, B2). */
        s->peer_received = 0;
        rtm__rejoin(s, now);
        rtm__resend_attributes(s, now);
        rtm__resubscribe(s, now);
    }
    rtm__flush_pending(s, now);
}

static void rtm__on_kick(rtm__session *s, const Rtm__Wire__Kick *k)
{
    int reason = k->reason;
    if (reason != RTM_CONNECTION_CHANGE_REASON_REMOTE_LOGIN &&
        reason != RTM_CONNECTION_CHANGE_REASON_BANNED_BY_SERVER &&
        reason != RTM_CONNECTION_CHANGE_REASON_TOKEN_EXPIRED)
        reason = RTM_CONNECTION_CHANGE_REASON_REMOTE_LOGIN;
    rtm__slog(s, RTM_LOG_WARNING, "kicked by the server: %s",
              rtm_reason_name(reason));
    /* S16: ABORTED, no reconnection; operations cannot complete. */
    rtm__fail_all(s, RTM_LOGIN_ERR_UNKNOWN, RTM_LOGOUT_ERR_USER_NOT_LOGGED_IN);
    rtm__end(s, RTM_CONNECTION_STATE_ABORTED, reason);
}

static void rtm__on_answer(rtm__session *s, uint32_t rid, int code,
                           const rtm__frame *answer)
{
    rtm__pending *p = rtm__pending_take(s, rid);
    if (p == NULL) {
        /* Its deadline passed, or it was released: nothing waits. A media
         * transfer begun that late is given up, so that the server does not
         * hold it (and one of the link's transfers) until its idle time. */
        rtm__slog(s, RTM_LOG_INFO, "late answer to request %u", (unsigned)rid);
        if (answer != NULL && answer->body_case == RTM__WIRE__FRAME__BODY_MEDIA_BEGUN &&
            code == 0) {
            Rtm__Wire__MediaCancel mc = RTM__WIRE__MEDIA_CANCEL__INIT;
            mc.transfer = rid;
            rtm__frame f = RTM__WIRE__FRAME__INIT;
            f.body_case = RTM__WIRE__FRAME__BODY_MEDIA_CANCEL;
            f.media_cancel = &mc;
            rtm__session_media_send(s, s->last_rx, &f);
        }
        return;
    }
    rtm__pending_finish(s, p, code, answer);
}

/*
 * Acknowledging every delivery at once cost a frame each way per message:
 * a write here, and a read and a lookup in rtmd. Acknowledged together
 * instead, at most RTM__ACK_BATCH at a time (far below rtmd's
 * --max-unacked, 1024) and RTM__ACK_DELAY after the first. What a lost
 * link leaves unacknowledged is re-delivered on the resume and dropped here
 * as received before (B1), as it always could be.
 */
#define RTM__ACK_BATCH 32
#define RTM__ACK_DELAY (20 * RTM__MS)

static void rtm__ack_flush(rtm__session *s, rtm__time now)
{
    if (s->ack_seq != 0 && s->link == RTM__LINK_UP) {
        rtm__frame f = RTM__WIRE__FRAME__INIT;
        Rtm__Wire__PeerAck a = RTM__WIRE__PEER_ACK__INIT;
        a.seq = s->ack_seq;
        f.body_case = RTM__WIRE__FRAME__BODY_PEER_ACK;
        f.peer_ack = &a;
        rtm__send_frame(s, now, &f);
    }
    rtm__ack_forget(s);
}

static void rtm__ack_peer(rtm__session *s, rtm__time now, uint64_t seq)
{
    if (seq > s->ack_seq)
        s->ack_seq = seq;
    if (++s->ack_count >= RTM__ACK_BATCH || seq == 0)
        rtm__ack_flush(s, now);
    else if (s->ack_deadline == RTM__TIME_NEVER)
        s->ack_deadline = now + RTM__ACK_DELAY;
}

/* How long ago the server took a message stamped server_ts, by the
 * server's clock as the last login result set it. */
static uint64_t rtm__server_age(const rtm__session *s, rtm__time now, uint64_t server_ts)
{
    uint64_t server_now = s->server_ms + (now - s->server_ms_at) / RTM__MS;
    return server_now > server_ts ? server_now - server_ts : 0;
}

/* A peer message, unless it is one received before (SPEC B1: a replay may
 * overlap what arrived just before the link was lost). Acknowledged
 * either way. */
static void rtm__on_peer_deliver(rtm__session *s, rtm__time now,
                                 const Rtm__Wire__PeerDeliver *d)
{
    if (d->seq != 0 && d->seq <= s->peer_received) {
        rtm__slog(s, RTM_LOG_INFO, "peer message %llu received before; dropped",
                  (unsigned long long)d->seq);
    } else {
        if (d->seq != 0)
            s->peer_received = d->seq;
        if (d->message && d->message->call)
            s->ops->call_signal(s->ud, d->from, d->message->call,
                                rtm__server_age(s, now, d->message->server_ts));
        else
            s->ops->peer_message(s->ud, d);
    }
    rtm__ack_peer(s, now, d->seq);
}

/* A channel message, unless the client had it already (SPEC B2). */
static void rtm__on_channel_deliver(rtm__session *s,
                                    const Rtm__Wire__ChannelDeliver *d)
{
    rtm__chan *c = rtm__chan_find(s, d->channel);
    if (c != NULL && d->seq != 0) {
        if (d->seq <= c->last_seq) {
            rtm__slog(s, RTM_LOG_INFO,
                      "channel %s message %llu received before; dropped",
                      d->channel, (unsigned long long)d->seq);
            return;
        }
        c->last_seq = d->seq;
    }
    s->ops->channel_message(s->ud, d);
}

void rtm__session_receive(rtm__session *s, rtm__time now,
                          const uint8_t *payload, size_t len)
{
    if (!rtm__link_open(s))
        return;
    rtm__frame *f = NULL;
    if (rtm__frame_unpack(payload, len, &f) != RTM__FRAME_OK) {
        rtm__drop_link(s, now, now, "malformed frame from the server");
        return;
    }
    s->last_rx = now;
    bool up = s->link == RTM__LINK_UP;
    switch (f->body_case) {
    case RTM__WIRE__FRAME__BODY_HELLO_ACK:
        if (f->hello_ack->version != RTM__WIRE__VERSION__VERSION_1)
            rtm__drop_link(s, now, now, "server speaks another protocol version");
        break;
    case RTM__WIRE__FRAME__BODY_LOGIN_RESULT:
        rtm__on_login_result(s, now, f->request_id, f->login_result);
        break;
    case RTM__WIRE__FRAME__BODY_PING:
        break;
    case RTM__WIRE__FRAME__BODY_KICK:
        rtm__on_kick(s, f->kick);
        break;
    case RTM__WIRE__FRAME__BODY_CLOSE: {
        rtm__slog(s, RTM_LOG_WARNING, "server closes the link: code %d %s",
                  (int)f->close->code, f->close->detail);
        int refused = rtm__close_login_code(f->close->code);
        if (s->state == RTM_CONNECTION_STATE_CONNECTING && refused != 0) {
            rtm__login_refused(s, refused);
            break;
        }
        rtm__close_link(s);
        rtm__link_lost(s, now, now);
        break;
    }
    case RTM__WIRE__FRAME__BODY_RESULT:
        if (!up)
            goto unexpected;
        rtm__on_answer(s, f->request_id, f->result->code, NULL);
        break;
    case RTM__WIRE__FRAME__BODY_MEMBERS:
        if (!up)
            goto unexpected;
        rtm__on_answer(s, f->request_id, f->members->code, f);
        break;
    case RTM__WIRE__FRAME__BODY_ATTRIBUTES:
        if (!up)
            goto unexpected;
        rtm__on_answer(s, f->request_id, f->attributes->code, f);
        break;
    case RTM__WIRE__FRAME__BODY_PEER_STATES:
        if (!up)
            goto unexpected;
        rtm__on_answer(s, f->request_id, f->peer_states->code, f);
        break;
    case RTM__WIRE__FRAME__BODY_CHANNEL_ATTRIBUTES:
        if (!up)
            goto unexpected;
        rtm__on_answer(s, f->request_id, f->channel_attributes->code, f);
        break;
    case RTM__WIRE__FRAME__BODY_CHANNEL_ATTRIBUTES_EVENT:
        if (!up)
            goto unexpected;
        s->ops->channel_attributes(s->ud, f->channel_attributes_event);
        break;
    case RTM__WIRE__FRAME__BODY_PEER_STATE_EVENT:
        if (!up)
            goto unexpected;
        s->ops->peer_states(s->ud, f->peer_state_event);
        break;
    case RTM__WIRE__FRAME__BODY_MEMBER_COUNTS:
        if (!up)
            goto unexpected;
        rtm__on_answer(s, f->request_id, f->member_counts->code, f);
        break;
    case RTM__WIRE__FRAME__BODY_MEMBER_COUNT_EVENT:
        if (!up)
            goto unexpected;
        s->ops->member_count(s->ud, f->member_count_event);
        break;
    case RTM__WIRE__FRAME__BODY_TOKEN_WILL_EXPIRE:
        if (!up)
            goto unexpected;
        s->ops->token_will_expire(s->ud, f->token_will_expire->seconds_left);
        break;
    case RTM__WIRE__FRAME__BODY_REPLAY_DONE:
        if (!up)
            goto unexpected;
        rtm__slog(s, RTM_LOG_INFO,
                  "replay: %u peer and %u channel messages, %u channel "
                  "messages skipped, %u peer messages dropped",
                  f->replay_done->peer_messages, f->replay_done->channel_messages,
                  f->replay_done->channel_skipped, f->replay_done->peer_dropped);
        s->ops->replay_done(s->ud, f->replay_done);
        break;
    case RTM__WIRE__FRAME__BODY_PEER_DELIVER:
        if (!up || f->peer_deliver->message == NULL)
            goto unexpected;
        rtm__on_peer_deliver(s, now, f->peer_deliver);
        break;
    case RTM__WIRE__FRAME__BODY_CHANNEL_DELIVER:
        if (!up || f->channel_deliver->message == NULL)
            goto unexpected;
        rtm__on_channel_deliver(s, f->channel_deliver);
        break;
    case RTM__WIRE__FRAME__BODY_MEMBER_EVENT:
        if (!up)
            goto unexpected;
        s->ops->member_event(s->ud, f->member_event);
        break;
    case RTM__WIRE__FRAME__BODY_MEDIA_BEGUN:
        if (!up)
            goto unexpected;
        rtm__on_answer(s, f->request_id, f->media_begun->code, f);
        break;
    case RTM__WIRE__FRAME__BODY_MEDIA_CHUNK:
    case RTM__WIRE__FRAME__BODY_MEDIA_ACK:
    case RTM__WIRE__FRAME__BODY_MEDIA_END:
        if (!up)
            goto unexpected;
        if (s->ops->media_frame)
            s->ops->media_frame(s->ud, f);
        break;
    default:
    unexpected:
        rtm__slog(s, RTM_LOG_ERROR, "unexpected %s frame from the server",
                  rtm__frame_body_name(f));
        rtm__drop_link(s, now, now, "protocol error");
        break;
    }
    rtm__frame_free(f);
}

rtm__time rtm__session_expiry(const rtm__session *s)
{
    rtm__time t = RTM__TIME_NEVER;
#define RTM__MIN(x) do { rtm__time v_ = (x); if (v_ < t) t = v_; } while (0)
    if (s->state == RTM_CONNECTION_STATE_CONNECTING)
        RTM__MIN(s->login_deadline);
    if (s->restoring)
        RTM__MIN(s->interrupt_deadline);
    if (s->link == RTM__LINK_NONE)
        RTM__MIN(s->retry_at);
    if (s->link == RTM__LINK_OPENING)
        RTM__MIN(s->open_deadline);
    if (rtm__link_open(s)) {
        RTM__MIN(s->ack_deadline);
        RTM__MIN(s->last_tx + s->params.heartbeat_ms * RTM__MS);
        RTM__MIN(s->last_rx + s->params.link_timeout_ms * RTM__MS);
    }
    RTM__MIN(s->pending_expiry);
#undef RTM__MIN
    return t;
}

void rtm__session_handle_expiry(rtm__session *s, rtm__time now)
{
    /* A7: operations past their deadline; the earliest of the rest. */
    rtm__time next = RTM__TIME_NEVER;
    for (rtm__pending **pp = &s->pending; *pp;) {
        rtm__pending *p = *pp;
        if (p->deadline <= now) {
            rtm__pending_unlink(s, pp);
            rtm__pending_finish(s, p, rtm__timeout_code(p->kind), NULL);
        } else {
            if (p->deadline < next)
                next = p->deadline;
            pp = &p->next;
        }
    }
    s->pending_expiry = next;
    if (now >= s->ack_deadline)
        rtm__ack_flush(s, now);
    /* S5: no login success within the login timeout. */
    if (s->state == RTM_CONNECTION_STATE_CONNECTING && now >= s->login_deadline) {
        s->login_pending = false;
        rtm__end(s, RTM_CONNECTION_STATE_DISCONNECTED,
                 RTM_CONNECTION_CHANGE_REASON_LOGIN_TIMEOUT);
        rtm__done(s, s->login_op, RTM__OP_LOGIN, RTM_LOGIN_ERR_TIMEOUT);
        return;
    }
    if (s->link == RTM__LINK_OPENING && now >= s->open_deadline)
        rtm__drop_link(s, now, now, "connecting took too long");
    if (rtm__link_open(s)) {
        if (now >= s->last_rx + s->params.link_timeout_ms * RTM__MS) {
            /* A silent link: the interruption began with the last data. */
            rtm__drop_link(s, now, s->last_rx, "nothing received in time");
        } else if (now >= s->last_tx + s->params.heartbeat_ms * RTM__MS) {
            rtm__frame f = RTM__WIRE__FRAME__INIT;
            Rtm__Wire__Ping p = RTM__WIRE__PING__INIT;
            f.body_case = RTM__WIRE__FRAME__BODY_PING;
            f.ping = &p;
            rtm__send_frame(s, now, &f);
        }
    }
    /* S7: the interruption lasts too long to hide. */
    if (s->restoring && now >= s->interrupt_deadline) {
        s->restoring = false;
        rtm__set_state(s, RTM_CONNECTION_STATE_RECONNECTING,
                       RTM_CONNECTION_CHANGE_REASON_INTERRUPTED);
    }
    if (s->link == RTM__LINK_NONE && now >= s->retry_at)
        rtm__start_attempt(s, now);
}
