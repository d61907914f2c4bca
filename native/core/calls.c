/*
 * calls.c: the caller's and the callee's invitation machines (calls.h).
 *
 * Each side keeps its own state and its own deadlines; they agree through
 * signals. The rules that keep them agreeing when signals cross or come
 * late (docs/PROTOCOL.md, "Call invitations"):
 *   - a signal about an invitation the caller has ended, or never had, is
 *     answered with CALL_END saying how it ended, so the callee ends too;
 *     a signal the callee cannot use is dropped; CALL_END is never answered;
 *   - the callee drops an invitation the server took longer ago than the
 *     caller waits for its acknowledgement (the caller has given up), and
 *     the caller drops an accept the server took longer ago than the callee
 *     waits for its acknowledgement (the callee has given up; its CALL_END
 *     follows);
 *   - a signal whose send failed is sent again every invitation_retry_ms
 *     while it is the latest of its invitation and its time lasts;
 *     duplicates are recognised by state.
 */
#include "calls.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "rtm/rtm_codes.h"

typedef Rtm__Wire__CallSignal rtm__sig_wire;

/* A signal waiting for the server's answer, or for its next attempt. */
typedef struct rtm__sig {
    struct rtm__sig *next;
    uint64_t token;
    rtm__inv *inv;           /* NULL: an answer about no invitation, or it
                              * was forgotten */
    char peer[RTM__ID_MAX + 1];
    int kind;                /* Rtm__Wire__CallSignal__Kind */
    uint64_t call_id;
    int end;
    char *content, *channel_id, *response;
    bool in_flight;
    rtm__time retry_at;      /* not in flight: the next attempt */
    rtm__time give_up_at;    /* no attempt after this */
} rtm__sig;

struct rtm__calls {
    const rtm__calls_ops *ops;
    void *ud;
    rtm__timings params;     /* the client's, as last set */
    rtm__inv *invs;
    size_t nremote;          /* remote ones among invs */
    rtm__sig *sigs;
    uint64_t next_token;
    uint64_t dropped;        /* invitations over RTM__CALLS_REMOTE_MAX */
};

#define RTM__MSP(c, f) ((rtm__time)(c)->params.f * RTM__MS)

int rtm__inv_state(const rtm__inv *inv)
{
    return __atomic_load_n(&inv->state, __ATOMIC_ACQUIRE);
}

static void rtm__inv_set(rtm__inv *inv, int state)
{
    __atomic_store_n(&inv->state, state, __ATOMIC_RELEASE);
}

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static void rtm__clog(rtm__calls *c, int level, const char *fmt, ...)
{
    char line[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    c->ops->log(c->ud, level, line);
}

static bool rtm__local_open(int state)
{
    return state == RTM_LOCAL_INVITATION_STATE_SENT_TO_REMOTE ||
           state == RTM_LOCAL_INVITATION_STATE_RECEIVED_BY_REMOTE;
}

static bool rtm__remote_open(int state)
{
    return state == RTM_REMOTE_INVITATION_STATE_INVITATION_RECEIVED ||
           state == RTM_REMOTE_INVITATION_STATE_ACCEPT_SENT_TO_LOCAL;
}

static bool rtm__open(const rtm__inv *inv)
{
    return inv->side == RTM__INV_LOCAL ? rtm__local_open(inv->state)
                                       : rtm__remote_open(inv->state);
}

rtm__calls *rtm__calls_new(const rtm__calls_ops *ops, void *ud,
                           const rtm__params *params)
{
    rtm__calls *c = rtm__calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->ops = ops;
    c->ud = ud;
    c->params = params->timings;
    return c;
}

static void rtm__sig_free(rtm__sig *g)
{
    free(g->content);
    free(g->channel_id);
    free(g->response);
    free(g);
}

void rtm__calls_free(rtm__calls *c)
{
    if (!c)
        return;
    while (c->sigs) {
        rtm__sig *g = c->sigs;
        c->sigs = g->next;
        rtm__sig_free(g);
    }
    while (c->invs) {
        rtm__inv *inv = c->invs;
        c->invs = inv->next;
        c->ops->drop(c->ud, inv);
    }
    free(c);
}

void rtm__calls_set_params(rtm__calls *c, const rtm__params *params)
{
    c->params = params->timings;
}

/* ---- records ----------------------------------------------------------- */

/* Links inv, whose hold the caller took. */
static void rtm__link_held(rtm__calls *c, rtm__inv *inv)
{
    inv->next = c->invs;
    c->invs = inv;
    c->nremote += inv->side == RTM__INV_REMOTE;
}

static void rtm__link(rtm__calls *c, rtm__inv *inv)
{
    c->ops->hold(c->ud, inv);
    rtm__link_held(c, inv);
}

static void rtm__unlink(rtm__calls *c, rtm__inv *inv)
{
    for (rtm__inv **pp = &c->invs; *pp; pp = &(*pp)->next) {
        if (*pp == inv) {
            *pp = inv->next;
            break;
        }
    }
    c->nremote -= inv->side == RTM__INV_REMOTE;
    for (rtm__sig *g = c->sigs; g; g = g->next)
        if (g->inv == inv)
            g->inv = NULL;
    c->ops->drop(c->ud, inv);
}

static rtm__inv *rtm__find(rtm__calls *c, rtm__inv_side side, const char *peer,
                           uint64_t call_id)
{
    for (rtm__inv *inv = c->invs; inv; inv = inv->next)
        if (inv->side == side && inv->call_id == call_id && strcmp(inv->peer, peer) == 0)
            return inv;
    return NULL;
}

/* ---- signals out --------------------------------------------------------- */

static void rtm__sig_write(rtm__calls *c, rtm__time now, rtm__sig *g)
{
    rtm__sig_wire w = RTM__WIRE__CALL_SIGNAL__INIT;
    w.kind = g->kind;
    w.call_id = g->call_id;
    w.content = g->content ? g->content : (char *)"";
    w.channel_id = g->channel_id ? g->channel_id : (char *)"";
    w.response = g->response ? g->response : (char *)"";
    w.end = g->end;
    g->in_flight = true;
    g->retry_at = RTM__TIME_NEVER;
    c->ops->send(c->ud, now, g->token, g->peer, &w);
}

static bool rtm__dup(const char *s, char **out)
{
    *out = NULL;
    if (!s || !*s)
        return true;
    *out = rtm__strdup(s);
    return *out != NULL;
}

/*
 * Sends a signal about inv (NULL: about no invitation of ours; peer and
 * call_id name it) and keeps it until the server answers. Out of memory,
 * nothing is sent: the other side's deadlines end the invitation there.
 */
static void rtm__signal(rtm__calls *c, rtm__time now, rtm__inv *inv, const char *peer,
                        uint64_t call_id, int kind, int end, const char *content,
                        const char *channel_id, const char *response)
{
    rtm__sig *g = rtm__calloc(1, sizeof(*g));
    if (!g || !rtm__dup(content, &g->content) || !rtm__dup(channel_id, &g->channel_id) ||
        !rtm__dup(response, &g->response)) {
        if (g)
            rtm__sig_free(g);
        rtm__clog(c, RTM_LOG_ERROR, "out of memory: call signal %d to %s not sent", kind, peer);
        return;
    }
    g->token = ++c->next_token;
    g->inv = inv;
    snprintf(g->peer, sizeof(g->peer), "%s", peer);
    g->kind = kind;
    g->call_id = call_id;
    g->end = end;
    if (kind == RTM__WIRE__CALL_SIGNAL__KIND__CALL_INVITE && inv)
        g->give_up_at = inv->deadline; /* C3: no later than the caller waits */
    else
        g->give_up_at = now + RTM__MSP(c, invitation_expire_ms);
    if (inv)
        inv->last_token = g->token;
    g->next = c->sigs;
    c->sigs = g;
    rtm__sig_write(c, now, g);
}

static void rtm__signal_inv(rtm__calls *c, rtm__time now, rtm__inv *inv, int kind,
                            int end, const char *response)
{
    rtm__signal(c, now, inv, inv->peer, inv->call_id, kind, end, NULL, NULL, response);
}

/* ---- transitions --------------------------------------------------------- */

static void rtm__event(rtm__calls *c, rtm__inv *inv, int state, rtm__call_event ev,
                       int code, const char *response)
{
    rtm__inv_set(inv, state);
    c->ops->event(c->ud, inv, ev, code, response ? response : "");
}

/* inv has reached a final state: it stays linked to answer late signals
 * (and, remote, to recognise a repeated invite) for invitation_expire_ms. */
static void rtm__ended(rtm__calls *c, rtm__time now, rtm__inv *inv, int end)
{
    inv->end = end;
    inv->deadline = RTM__TIME_NEVER;
    inv->forget_at = now + RTM__MSP(c, invitation_expire_ms);
}

static void rtm__local_fail(rtm__calls *c, rtm__time now, rtm__inv *inv, int code,
                            int tell)
{
    rtm__event(c, inv, RTM_LOCAL_INVITATION_STATE_FAILURE, RTM__CALL_LOCAL_FAILURE, code, NULL);
    rtm__ended(c, now, inv, tell ? tell : RTM__WIRE__CALL_SIGNAL__END__END_GONE);
    if (tell)
        rtm__signal_inv(c, now, inv, RTM__WIRE__CALL_SIGNAL__KIND__CALL_END, tell, NULL);
}

static void rtm__remote_fail(rtm__calls *c, rtm__time now, rtm__inv *inv, int code,
                             int tell)
{
    rtm__event(c, inv, RTM_REMOTE_INVITATION_STATE_FAILURE, RTM__CALL_REMOTE_FAILURE, code,
               NULL);
    rtm__ended(c, now, inv, tell ? tell : RTM__WIRE__CALL_SIGNAL__END__END_GONE);
    if (tell)
        rtm__signal_inv(c, now, inv, RTM__WIRE__CALL_SIGNAL__KIND__CALL_END, tell, NULL);
}

/* C2, once: the callee has it. An answer that comes first implies it. */
static void rtm__local_received(rtm__calls *c, rtm__inv *inv)
{
    if (inv->state != RTM_LOCAL_INVITATION_STATE_SENT_TO_REMOTE)
        return;
    inv->deadline = inv->started + RTM__MSP(c, invitation_expire_ms); /* C4 */
    rtm__event(c, inv, RTM_LOCAL_INVITATION_STATE_RECEIVED_BY_REMOTE,
               RTM__CALL_LOCAL_RECEIVED_BY_PEER, 0, NULL);
}

/* ---- application calls --------------------------------------------------- */

void rtm__calls_send(rtm__calls *c, rtm__time now, uint64_t op, rtm__inv *inv,
                     const char *content, const char *channel_id, bool logged_in)
{
    int st = inv->state;
    if (st != RTM_LOCAL_INVITATION_STATE_IDLE) {
        c->ops->result(c->ud, op, rtm__local_open(st) ? RTM_INVITATION_API_CALL_ERR_ALREADY_SENT
                                                      : RTM_INVITATION_API_CALL_ERR_ALREADY_END);
        return;
    }
    if (!logged_in) { /* C1 */
        c->ops->result(c->ud, op, RTM_INVITATION_API_CALL_ERR_OK);
        rtm__event(c, inv, RTM_LOCAL_INVITATION_STATE_FAILURE, RTM__CALL_LOCAL_FAILURE,
                   RTM_LOCAL_INVITATION_ERR_NOT_LOGGEDIN, NULL);
        return;
    }
    do
        inv->call_id = c->ops->random(c->ud);
    while (inv->call_id == 0);
    inv->started = now;
    inv->deadline = now + RTM__MSP(c, invitation_receive_timeout_ms); /* C3 */
    inv->peer_offline = false;
    rtm__link(c, inv);
    rtm__event(c, inv, RTM_LOCAL_INVITATION_STATE_SENT_TO_REMOTE, RTM__CALL_LOCAL_SENT, 0, NULL);
    c->ops->result(c->ud, op, RTM_INVITATION_API_CALL_ERR_OK);
    rtm__signal(c, now, inv, inv->peer, inv->call_id, RTM__WIRE__CALL_SIGNAL__KIND__CALL_INVITE,
                0, content, channel_id, NULL);
}

void rtm__calls_cancel(rtm__calls *c, rtm__time now, uint64_t op, rtm__inv *inv)
{
    int st = inv->state;
    if (!rtm__local_open(st)) {
        c->ops->result(c->ud, op, st == RTM_LOCAL_INVITATION_STATE_IDLE
                                      ? RTM_INVITATION_API_CALL_ERR_NOT_STARTED
                                      : RTM_INVITATION_API_CALL_ERR_ALREADY_END);
        return;
    }
    c->ops->result(c->ud, op, RTM_INVITATION_API_CALL_ERR_OK);
    rtm__event(c, inv, RTM_LOCAL_INVITATION_STATE_CANCELED, RTM__CALL_LOCAL_CANCELED, 0, NULL);
    rtm__ended(c, now, inv, RTM__WIRE__CALL_SIGNAL__END__END_CANCELED);
    rtm__signal_inv(c, now, inv, RTM__WIRE__CALL_SIGNAL__KIND__CALL_CANCEL, 0, NULL); /* C6 */
}

/* The code accept or refuse gets on an invitation in state st. */
static int rtm__answer_code(int st)
{
    switch (st) {
    case RTM_REMOTE_INVITATION_STATE_INVITATION_RECEIVED:
        return RTM_INVITATION_API_CALL_ERR_OK;
    case RTM_REMOTE_INVITATION_STATE_ACCEPT_SENT_TO_LOCAL:
    case RTM_REMOTE_INVITATION_STATE_ACCEPTED:
        return RTM_INVITATION_API_CALL_ERR_ALREADY_ACCEPT;
    default:
        return RTM_INVITATION_API_CALL_ERR_ALREADY_END;
    }
}

void rtm__calls_accept(rtm__calls *c, rtm__time now, uint64_t op, rtm__inv *inv,
                       const char *response)
{
    int code = rtm__answer_code(inv->state);
    if (code != RTM_INVITATION_API_CALL_ERR_OK) {
        c->ops->result(c->ud, op, code);
        return;
    }
    /* C5: the acknowledgement is awaited from when the server takes the
     * accept (rtm__calls_sent); until then the invitation's expiry bounds
     * it. */
    rtm__event(c, inv, RTM_REMOTE_INVITATION_STATE_ACCEPT_SENT_TO_LOCAL,
               RTM__CALL_REMOTE_ACCEPT_SENT, 0, NULL);
    c->ops->result(c->ud, op, code);
    rtm__signal_inv(c, now, inv, RTM__WIRE__CALL_SIGNAL__KIND__CALL_ACCEPT, 0, response);
}

void rtm__calls_refuse(rtm__calls *c, rtm__time now, uint64_t op, rtm__inv *inv,
                       const char *response)
{
    int code = rtm__answer_code(inv->state);
    c->ops->result(c->ud, op, code);
    if (code != RTM_INVITATION_API_CALL_ERR_OK)
        return;
    rtm__event(c, inv, RTM_REMOTE_INVITATION_STATE_REFUSED, RTM__CALL_REMOTE_REFUSED, 0, NULL);
    rtm__ended(c, now, inv, RTM__WIRE__CALL_SIGNAL__END__END_GONE);
    rtm__signal_inv(c, now, inv, RTM__WIRE__CALL_SIGNAL__KIND__CALL_REFUSE, 0, response);
}

/* ---- signals in ---------------------------------------------------------- */

/* The LocalInvitationError of a CALL_END from the callee. */
static int rtm__local_end_code(int end)
{
    switch (end) {
    case RTM__WIRE__CALL_SIGNAL__END__END_EXPIRED:
        return RTM_LOCAL_INVITATION_ERR_INVITATION_EXPIRE;
    case RTM__WIRE__CALL_SIGNAL__END__END_ACCEPT_FAILED:
        return RTM_LOCAL_INVITATION_ERR_PEER_NO_RESPONSE;
    default:
        return RTM_LOCAL_INVITATION_ERR_PEER_OFFLINE;
    }
}

/* A signal for the caller's side: the callee's answers. */
static void rtm__caller_receive(rtm__calls *c, rtm__time now, const char *from,
                                const rtm__sig_wire *w, uint64_t age_ms)
{
    rtm__inv *inv = rtm__find(c, RTM__INV_LOCAL, from, w->call_id);
    if (w->kind == RTM__WIRE__CALL_SIGNAL__KIND__CALL_END) {
        if (inv && rtm__local_open(inv->state))
            rtm__local_fail(c, now, inv, rtm__local_end_code(w->end), 0);
        return; /* never answered */
    }
    if (!inv) { /* forgotten, or never ours: the callee must end it */
        rtm__clog(c, RTM_LOG_INFO, "call signal %d from %s about an unknown invitation",
                  w->kind, from);
        rtm__signal(c, now, NULL, from, w->call_id, RTM__WIRE__CALL_SIGNAL__KIND__CALL_END,
                    RTM__WIRE__CALL_SIGNAL__END__END_GONE, NULL, NULL, NULL);
        return;
    }
    if (!rtm__local_open(inv->state)) {
        /* Answered already (a repeat): nothing. Canceled or failed: the
         * callee hears how. */
        if (inv->state == RTM_LOCAL_INVITATION_STATE_CANCELED ||
            inv->state == RTM_LOCAL_INVITATION_STATE_FAILURE)
            rtm__signal_inv(c, now, inv, RTM__WIRE__CALL_SIGNAL__KIND__CALL_END, inv->end, NULL);
        return;
    }
    const char *response = w->response ? w->response : "";
    switch (w->kind) {
    case RTM__WIRE__CALL_SIGNAL__KIND__CALL_RECEIVED:
        rtm__local_received(c, inv);
        break;
    case RTM__WIRE__CALL_SIGNAL__KIND__CALL_ACCEPT:
        /* The callee's wait, less a tenth for the acknowledgement's way
         * back: an accept older than that, the callee has given up on. */
        if (age_ms + c->params.invitation_accept_ack_ms / 10 >=
            c->params.invitation_accept_ack_ms) {
            rtm__clog(c, RTM_LOG_INFO, "accept from %s came %llu ms late: the callee has "
                      "given up", from, (unsigned long long)age_ms);
            break;
        }
        rtm__local_received(c, inv);
        rtm__event(c, inv, RTM_LOCAL_INVITATION_STATE_ACCEPTED_BY_REMOTE,
                   RTM__CALL_LOCAL_ACCEPTED, 0, response);
        rtm__ended(c, now, inv, RTM__WIRE__CALL_SIGNAL__END__END_GONE);
        rtm__signal_inv(c, now, inv, RTM__WIRE__CALL_SIGNAL__KIND__CALL_ACCEPT_ACK, 0, NULL);
        break;
    case RTM__WIRE__CALL_SIGNAL__KIND__CALL_REFUSE:
        rtm__local_received(c, inv);
        rtm__event(c, inv, RTM_LOCAL_INVITATION_STATE_REFUSED_BY_REMOTE, RTM__CALL_LOCAL_REFUSED,
                   0, response);
        rtm__ended(c, now, inv, RTM__WIRE__CALL_SIGNAL__END__END_GONE);
        break;
    default:
        break;
    }
}

/* The RemoteInvitationError of a CALL_END from the caller; -1: canceled. */
static int rtm__remote_end_code(int end)
{
    switch (end) {
    case RTM__WIRE__CALL_SIGNAL__END__END_CANCELED:
        return -1;
    case RTM__WIRE__CALL_SIGNAL__END__END_EXPIRED:
        return RTM_REMOTE_INVITATION_ERR_INVITATION_EXPIRE;
    default:
        return RTM_REMOTE_INVITATION_ERR_PEER_OFFLINE;
    }
}

static void rtm__remote_canceled(rtm__calls *c, rtm__time now, rtm__inv *inv)
{
    rtm__event(c, inv, RTM_REMOTE_INVITATION_STATE_CANCELED, RTM__CALL_REMOTE_CANCELED, 0, NULL);
    rtm__ended(c, now, inv, RTM__WIRE__CALL_SIGNAL__END__END_GONE);
}

static void rtm__invited(rtm__calls *c, rtm__time now, const char *from,
                         const rtm__sig_wire *w, uint64_t age_ms)
{
    if (rtm__find(c, RTM__INV_REMOTE, from, w->call_id))
        return; /* sent again after a lost answer: had already */
    if (age_ms >= c->params.invitation_receive_timeout_ms) {
        /* C3: the caller has ended it (PEER_OFFLINE); its CALL_END follows. */
        rtm__clog(c, RTM_LOG_INFO, "invitation from %s came %llu ms late: dropped", from,
                  (unsigned long long)age_ms);
        return;
    }
    if (c->nremote >= RTM__CALLS_REMOTE_MAX) {
        /* B5: logged at the first and then every 1000th. */
        if (c->dropped++ % 1000 == 0)
            rtm__clog(c, RTM_LOG_WARNING, "invitation from %s dropped: %u held already "
                      "(%llu dropped so far)", from, (unsigned)RTM__CALLS_REMOTE_MAX,
                      (unsigned long long)c->dropped);
        return;
    }
    rtm__inv *inv = c->ops->new_remote(c->ud, from, w->content ? w->content : "",
                                       w->channel_id ? w->channel_id : "");
    if (!inv) {
        rtm__clog(c, RTM_LOG_ERROR, "out of memory: invitation from %s dropped", from);
        return;
    }
    inv->side = RTM__INV_REMOTE;
    inv->call_id = w->call_id;
    snprintf(inv->peer, sizeof(inv->peer), "%s", from);
    inv->started = now;
    uint64_t expire = c->params.invitation_expire_ms;
    inv->deadline = now + (age_ms < expire ? expire - age_ms : 0) * RTM__MS; /* C4 */
    rtm__link_held(c, inv); /* on new_remote's hold */
    rtm__event(c, inv, RTM_REMOTE_INVITATION_STATE_INVITATION_RECEIVED,
               RTM__CALL_REMOTE_RECEIVED, 0, NULL);
    rtm__signal_inv(c, now, inv, RTM__WIRE__CALL_SIGNAL__KIND__CALL_RECEIVED, 0, NULL); /* C2 */
}

/* A signal for the callee's side: the caller's steps. */
static void rtm__callee_receive(rtm__calls *c, rtm__time now, const char *from,
                                const rtm__sig_wire *w, uint64_t age_ms)
{
    if (w->kind == RTM__WIRE__CALL_SIGNAL__KIND__CALL_INVITE) {
        rtm__invited(c, now, from, w, age_ms);
        return;
    }
    rtm__inv *inv = rtm__find(c, RTM__INV_REMOTE, from, w->call_id);
    if (!inv || !rtm__remote_open(inv->state))
        return; /* ended here already: nothing to tell */
    switch (w->kind) {
    case RTM__WIRE__CALL_SIGNAL__KIND__CALL_CANCEL:
        rtm__remote_canceled(c, now, inv); /* C6 */
        break;
    case RTM__WIRE__CALL_SIGNAL__KIND__CALL_ACCEPT_ACK:
        if (inv->state == RTM_REMOTE_INVITATION_STATE_ACCEPT_SENT_TO_LOCAL) {
            rtm__event(c, inv, RTM_REMOTE_INVITATION_STATE_ACCEPTED, RTM__CALL_REMOTE_ACCEPTED, 0,
                       NULL);
            rtm__ended(c, now, inv, RTM__WIRE__CALL_SIGNAL__END__END_GONE);
        }
        break;
    case RTM__WIRE__CALL_SIGNAL__KIND__CALL_END: {
        int code = rtm__remote_end_code(w->end);
        if (code < 0)
            rtm__remote_canceled(c, now, inv);
        else
            rtm__remote_fail(c, now, inv, code, 0);
        break;
    }
    default:
        break;
    }
}

void rtm__calls_receive(rtm__calls *c, rtm__time now, const char *from,
                        const Rtm__Wire__CallSignal *w, uint64_t age_ms)
{
    if (w->call_id == 0)
        return;
    switch (w->kind) {
    case RTM__WIRE__CALL_SIGNAL__KIND__CALL_RECEIVED:
    case RTM__WIRE__CALL_SIGNAL__KIND__CALL_ACCEPT:
    case RTM__WIRE__CALL_SIGNAL__KIND__CALL_REFUSE:
        rtm__caller_receive(c, now, from, w, age_ms);
        break;
    case RTM__WIRE__CALL_SIGNAL__KIND__CALL_INVITE:
    case RTM__WIRE__CALL_SIGNAL__KIND__CALL_ACCEPT_ACK:
    case RTM__WIRE__CALL_SIGNAL__KIND__CALL_CANCEL:
        rtm__callee_receive(c, now, from, w, age_ms);
        break;
    case RTM__WIRE__CALL_SIGNAL__KIND__CALL_END:
        /* Either side's: the call id says which. */
        if (rtm__find(c, RTM__INV_LOCAL, from, w->call_id))
            rtm__caller_receive(c, now, from, w, age_ms);
        else
            rtm__callee_receive(c, now, from, w, age_ms);
        break;
    default:
        rtm__clog(c, RTM_LOG_WARNING, "call signal of unknown kind %d from %s: dropped",
                  w->kind, from);
        break;
    }
}

/* Whether a signal is still worth another attempt: it is the latest of its
 * invitation, and an invite, a CALL_RECEIVED or an accept only while the
 * invitation is open (the others are sent once it has ended). */
static bool rtm__sig_matters(const rtm__sig *g)
{
    const rtm__inv *inv = g->inv;
    if (inv == NULL || inv->last_token != g->token)
        return false;
    if (g->kind == RTM__WIRE__CALL_SIGNAL__KIND__CALL_INVITE ||
        g->kind == RTM__WIRE__CALL_SIGNAL__KIND__CALL_RECEIVED ||
        g->kind == RTM__WIRE__CALL_SIGNAL__KIND__CALL_ACCEPT)
        return rtm__open(inv);
    return true;
}

void rtm__calls_sent(rtm__calls *c, rtm__time now, uint64_t token, int code)
{
    rtm__sig **pp = &c->sigs;
    while (*pp && (*pp)->token != token)
        pp = &(*pp)->next;
    rtm__sig *g = *pp;
    if (!g)
        return;
    g->in_flight = false;
    rtm__inv *inv = g->inv;
    bool kept = code == RTM_PEER_MESSAGE_ERR_OK || code == RTM_PEER_MESSAGE_ERR_CACHED_BY_SERVER;
    if (inv && g->kind == RTM__WIRE__CALL_SIGNAL__KIND__CALL_INVITE)
        inv->peer_offline = code == RTM_PEER_MESSAGE_ERR_CACHED_BY_SERVER ||
                            code == RTM_PEER_MESSAGE_ERR_PEER_UNREACHABLE;
    if (kept && inv && g->kind == RTM__WIRE__CALL_SIGNAL__KIND__CALL_ACCEPT &&
        inv->state == RTM_REMOTE_INVITATION_STATE_ACCEPT_SENT_TO_LOCAL) {
        rtm__time ack = now + RTM__MSP(c, invitation_accept_ack_ms); /* C5 */
        if (ack < inv->deadline)
            inv->deadline = ack;
    }
    bool again = !kept && rtm__sig_matters(g) &&
                 now + RTM__MSP(c, invitation_retry_ms) < g->give_up_at;
    if (again) {
        rtm__clog(c, RTM_LOG_INFO, "call signal %d to %s failed (%s): sent again in %u ms",
                  g->kind, g->peer, rtm_code_name(RTM_FAMILY_PEER_MESSAGE_ERR, code),
                  (unsigned)c->params.invitation_retry_ms);
        g->retry_at = now + RTM__MSP(c, invitation_retry_ms);
        return;
    }
    if (!kept)
        rtm__clog(c, RTM_LOG_WARNING, "call signal %d to %s failed (%s)", g->kind, g->peer,
                  rtm_code_name(RTM_FAMILY_PEER_MESSAGE_ERR, code));
    *pp = g->next;
    rtm__sig_free(g);
}

void rtm__calls_end_all(rtm__calls *c, rtm__time now, bool tell_peers)
{
    for (rtm__inv *inv = c->invs; inv; inv = inv->next) {
        if (!rtm__open(inv))
            continue;
        if (tell_peers)
            rtm__signal_inv(c, now, inv, RTM__WIRE__CALL_SIGNAL__KIND__CALL_END,
                            RTM__WIRE__CALL_SIGNAL__END__END_GONE, NULL);
        if (inv->side == RTM__INV_LOCAL)
            rtm__event(c, inv, RTM_LOCAL_INVITATION_STATE_FAILURE, RTM__CALL_LOCAL_FAILURE,
                       RTM_LOCAL_INVITATION_ERR_NOT_LOGGEDIN, NULL);
        else
            rtm__event(c, inv, RTM_REMOTE_INVITATION_STATE_FAILURE, RTM__CALL_REMOTE_FAILURE,
                       RTM_REMOTE_INVITATION_ERR_PEER_OFFLINE, NULL);
    }
    /* What waits for a retry (a cancel, a refuse, an acknowledgement that
     * failed once) goes now, one last time, if the link may still carry it;
     * what is in flight stays until its answer, about no invitation. */
    for (rtm__sig **pp = &c->sigs; *pp;) {
        rtm__sig *g = *pp;
        if (g->in_flight) {
            pp = &g->next;
        } else if (tell_peers && g->inv != NULL && g->inv->last_token == g->token) {
            g->inv = NULL; /* no retry after this */
            rtm__sig_write(c, now, g); /* may complete and free g */
            pp = &c->sigs;
        } else {
            *pp = g->next;
            rtm__sig_free(g);
        }
    }
    while (c->invs)
        rtm__unlink(c, c->invs);
}

/* ---- time ---------------------------------------------------------------- */

rtm__time rtm__calls_expiry(const rtm__calls *c)
{
    rtm__time t = RTM__TIME_NEVER;
    for (const rtm__inv *inv = c->invs; inv; inv = inv->next) {
        rtm__time at = rtm__open(inv) ? inv->deadline : inv->forget_at;
        if (at < t)
            t = at;
    }
    for (const rtm__sig *g = c->sigs; g; g = g->next)
        if (!g->in_flight && g->retry_at < t)
            t = g->retry_at;
    return t;
}

/* An open invitation's deadline has come. */
static void rtm__deadline(rtm__calls *c, rtm__time now, rtm__inv *inv)
{
    if (inv->side == RTM__INV_LOCAL) {
        if (inv->state == RTM_LOCAL_INVITATION_STATE_SENT_TO_REMOTE) /* C3 */
            rtm__local_fail(c, now, inv,
                            inv->peer_offline ? RTM_LOCAL_INVITATION_ERR_PEER_OFFLINE
                                              : RTM_LOCAL_INVITATION_ERR_PEER_NO_RESPONSE,
                            RTM__WIRE__CALL_SIGNAL__END__END_GONE);
        else /* C4 */
            rtm__local_fail(c, now, inv, RTM_LOCAL_INVITATION_ERR_INVITATION_EXPIRE,
                            RTM__WIRE__CALL_SIGNAL__END__END_EXPIRED);
    } else {
        if (inv->state == RTM_REMOTE_INVITATION_STATE_ACCEPT_SENT_TO_LOCAL) /* C5 */
            rtm__remote_fail(c, now, inv, RTM_REMOTE_INVITATION_ERR_ACCEPT_FAILURE,
                             RTM__WIRE__CALL_SIGNAL__END__END_ACCEPT_FAILED);
        else /* C4 */
            rtm__remote_fail(c, now, inv, RTM_REMOTE_INVITATION_ERR_INVITATION_EXPIRE,
                             RTM__WIRE__CALL_SIGNAL__END__END_EXPIRED);
    }
}

void rtm__calls_handle_expiry(rtm__calls *c, rtm__time now)
{
    for (rtm__inv *inv = c->invs, *next; inv; inv = next) {
        next = inv->next;
        if (rtm__open(inv)) {
            if (inv->deadline <= now)
                rtm__deadline(c, now, inv);
        } else if (inv->forget_at <= now) {
            rtm__unlink(c, inv);
        }
    }
    for (rtm__sig **pp = &c->sigs; *pp;) {
        rtm__sig *g = *pp;
        if (g->in_flight || g->retry_at > now) {
            pp = &g->next;
        } else if (!rtm__sig_matters(g) || now >= g->give_up_at) {
            *pp = g->next; /* superseded, forgotten, moot or out of time */
            rtm__sig_free(g);
        } else {
            rtm__sig_write(c, now, g); /* may complete and free g */
            pp = &c->sigs;             /* so start over: cheap, the list is short */
        }
    }
}
