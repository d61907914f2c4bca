/*
 * invitations.c: call invitations (rtm.h, "Call invitations"): the public
 * handles and calls, and the glue between the invitation machines
 * (calls.h), the session that carries their signals, and the dispatcher
 * that tells the application.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "client.h"
#include "ids.h"

/* A string a setter replaced: kept until the handle goes, so that what a
 * getter returned on another thread stays valid. */
typedef struct rtm__retired {
    struct rtm__retired *next;
    char *s;
} rtm__retired;

struct rtm_local_invitation {
    rtm__inv rec;               /* first: the machine's record */
    rtm_client *client;
    atomic_int refs;
    /* The state as the application sees it: that of the last event or
     * result delivered about it (the machine's may be ahead). */
    atomic_int state;
    pthread_mutex_t lock;       /* the texts' pointers, sent, retired */
    bool sent;                  /* the machine took it, with these texts */
    _Atomic(char *) content;
    _Atomic(char *) channel_id;
    rtm__retired *retired;
    _Atomic(char *) response;   /* set once, on the loop, before its event */
};

struct rtm_remote_invitation {
    rtm__inv rec;               /* first */
    rtm_client *client;
    atomic_int refs;
    atomic_int state;           /* as for a local one */
    pthread_mutex_t lock;       /* response, answered, retired */
    bool answered;              /* the machine took an answer, with it */
    char *content, *channel_id; /* as the caller sent them */
    _Atomic(char *) response;
    rtm__retired *retired;
};

static const char rtm__empty[] = "";

/* ---- handles ------------------------------------------------------------- */

static rtm_local_invitation *rtm__local_of(rtm__inv *r)
{
    return (rtm_local_invitation *)r;
}

static rtm_remote_invitation *rtm__remote_of(rtm__inv *r)
{
    return (rtm_remote_invitation *)r;
}

rtm_local_invitation *rtm_local_invitation_create(rtm_client *c, const char *callee_id)
{
    if (c == NULL || atomic_load(&c->destroying) || !rtm__user_id_valid(callee_id))
        return NULL;
    rtm_local_invitation *inv = rtm__calloc(1, sizeof(*inv));
    if (inv == NULL)
        return NULL;
    inv->rec.side = RTM__INV_LOCAL;
    inv->rec.state = RTM_LOCAL_INVITATION_STATE_IDLE;
    snprintf(inv->rec.peer, sizeof(inv->rec.peer), "%s", callee_id);
    inv->client = c;
    atomic_init(&inv->refs, 1);
    atomic_init(&inv->state, RTM_LOCAL_INVITATION_STATE_IDLE);
    atomic_init(&inv->content, NULL);
    atomic_init(&inv->channel_id, NULL);
    atomic_init(&inv->response, NULL);
    pthread_mutex_init(&inv->lock, NULL);
    return inv;
}

static void rtm__retired_free(rtm__retired *r)
{
    while (r != NULL) {
        rtm__retired *next = r->next;
        free(r->s);
        free(r);
        r = next;
    }
}

void rtm_local_invitation_retain(rtm_local_invitation *inv)
{
    if (inv != NULL)
        atomic_fetch_add(&inv->refs, 1);
}

void rtm_local_invitation_release(rtm_local_invitation *inv)
{
    if (inv == NULL || atomic_fetch_sub(&inv->refs, 1) != 1)
        return;
    pthread_mutex_destroy(&inv->lock);
    free(atomic_load(&inv->content));
    free(atomic_load(&inv->channel_id));
    free(atomic_load(&inv->response));
    rtm__retired_free(inv->retired);
    free(inv);
}

void rtm_remote_invitation_retain(rtm_remote_invitation *inv)
{
    if (inv != NULL)
        atomic_fetch_add(&inv->refs, 1);
}

void rtm_remote_invitation_release(rtm_remote_invitation *inv)
{
    if (inv == NULL || atomic_fetch_sub(&inv->refs, 1) != 1)
        return;
    pthread_mutex_destroy(&inv->lock);
    free(inv->content);
    free(inv->channel_id);
    free(atomic_load(&inv->response));
    rtm__retired_free(inv->retired);
    free(inv);
}

void rtm__inv_unref(rtm__inv *r)
{
    if (r->side == RTM__INV_LOCAL)
        rtm_local_invitation_release(rtm__local_of(r));
    else
        rtm_remote_invitation_release(rtm__remote_of(r));
}

static void rtm__inv_ref(rtm__inv *r)
{
    if (r->side == RTM__INV_LOCAL)
        rtm_local_invitation_retain(rtm__local_of(r));
    else
        rtm_remote_invitation_retain(rtm__remote_of(r));
}

/* Replaces *slot with a copy of s (NULL: "") unless locked says the value
 * went out already (RTM_ESTATE). The old string is retired, not freed: a
 * getter on another thread may hold it. */
static int rtm__set_text(pthread_mutex_t *lock, const bool *locked, _Atomic(char *) *slot,
                         rtm__retired **retired, const char *s, bool ok)
{
    if (!ok)
        return RTM_EINVAL;
    char *copy = NULL;
    if (s != NULL && *s && (copy = rtm__strdup(s)) == NULL)
        return RTM_ENOMEM;
    rtm__retired *r = rtm__malloc(sizeof(*r));
    if (r == NULL) {
        free(copy);
        return RTM_ENOMEM;
    }
    pthread_mutex_lock(lock);
    if (*locked) {
        pthread_mutex_unlock(lock);
        free(copy);
        free(r);
        return RTM_ESTATE;
    }
    r->s = atomic_exchange(slot, copy);
    r->next = *retired;
    *retired = r;
    pthread_mutex_unlock(lock);
    return RTM_OK;
}

static bool rtm__text_ok(const char *s)
{
    return s == NULL || strlen(s) <= RTM__INVITATION_TEXT_MAX; /* C1 */
}

int rtm_local_invitation_set_content(rtm_local_invitation *inv, const char *content)
{
    if (inv == NULL)
        return RTM_EINVAL;
    return rtm__set_text(&inv->lock, &inv->sent, &inv->content, &inv->retired, content,
                         rtm__text_ok(content));
}

int rtm_local_invitation_set_channel_id(rtm_local_invitation *inv, const char *channel_id)
{
    if (inv == NULL)
        return RTM_EINVAL;
    bool ok = channel_id == NULL || !*channel_id || rtm__channel_id_valid(channel_id);
    return rtm__set_text(&inv->lock, &inv->sent, &inv->channel_id, &inv->retired, channel_id,
                         ok);
}

static const char *rtm__or_empty(const char *s)
{
    return s != NULL ? s : rtm__empty;
}

const char *rtm_local_invitation_get_callee_id(const rtm_local_invitation *inv)
{
    return inv != NULL ? inv->rec.peer : rtm__empty;
}

const char *rtm_local_invitation_get_content(const rtm_local_invitation *inv)
{
    return inv != NULL ? rtm__or_empty(atomic_load(&((rtm_local_invitation *)inv)->content))
                       : rtm__empty;
}

const char *rtm_local_invitation_get_channel_id(const rtm_local_invitation *inv)
{
    return inv != NULL ? rtm__or_empty(atomic_load(&((rtm_local_invitation *)inv)->channel_id))
                       : rtm__empty;
}

const char *rtm_local_invitation_get_response(const rtm_local_invitation *inv)
{
    return inv != NULL ? rtm__or_empty(atomic_load(&((rtm_local_invitation *)inv)->response))
                       : rtm__empty;
}

int rtm_local_invitation_get_state(const rtm_local_invitation *inv)
{
    return inv != NULL ? atomic_load(&((rtm_local_invitation *)inv)->state)
                       : RTM_LOCAL_INVITATION_STATE_IDLE;
}

const char *rtm_remote_invitation_get_caller_id(const rtm_remote_invitation *inv)
{
    return inv != NULL ? inv->rec.peer : rtm__empty;
}

const char *rtm_remote_invitation_get_content(const rtm_remote_invitation *inv)
{
    return inv != NULL ? rtm__or_empty(inv->content) : rtm__empty;
}

const char *rtm_remote_invitation_get_channel_id(const rtm_remote_invitation *inv)
{
    return inv != NULL ? rtm__or_empty(inv->channel_id) : rtm__empty;
}

int rtm_remote_invitation_set_response(rtm_remote_invitation *inv, const char *response)
{
    if (inv == NULL)
        return RTM_EINVAL;
    return rtm__set_text(&inv->lock, &inv->answered, &inv->response, &inv->retired, response,
                         rtm__text_ok(response));
}

const char *rtm_remote_invitation_get_response(const rtm_remote_invitation *inv)
{
    return inv != NULL ? rtm__or_empty(atomic_load(&((rtm_remote_invitation *)inv)->response))
                       : rtm__empty;
}

int rtm_remote_invitation_get_state(const rtm_remote_invitation *inv)
{
    return inv != NULL ? atomic_load(&((rtm_remote_invitation *)inv)->state)
                       : RTM_REMOTE_INVITATION_STATE_IDLE;
}

/* ---- calls --------------------------------------------------------------- */

/* A call on inv (of side `side`, NULL allowed: refused) for step, with its
 * texts as they are now (a, b), after which they may no longer change. */
static int rtm__inv_call(rtm_client *c, rtm__inv *r, rtm__inv_side side, rtm__inv_step step,
                         rtm_result_cb cb, void *closure)
{
    if (c == NULL)
        return RTM_LOGIN_ERR_NOT_INITIALIZED; /* 101, as for any NULL client */
    rtm__op *op = rtm__op_new(c, NULL, RTM__OP_INVITATION, RTM__RESULT_CB(cb), closure);
    if (op == NULL)
        return rtm__failure_code(RTM__OP_INVITATION);
    rtm_client *owner = r == NULL ? NULL
                        : side == RTM__INV_LOCAL ? rtm__local_of(r)->client
                                                 : rtm__remote_of(r)->client;
    if (r == NULL || r->side != side || owner != c)
        return rtm__refuse(c, op, RTM_INVITATION_API_CALL_ERR_INVALID_ARGUMENT);
    rtm__cmd *cmd = rtm__cmd_new(c, RTM__CMD_INVITATION, op, NULL, NULL);
    if (cmd != NULL) {
        cmd->step = step;
        bool ok = true;
        /* The texts as they are now; they lock when the machine takes the
         * call (rtm__invitation_run). */
        if (side == RTM__INV_LOCAL && step == RTM__INV_SEND) {
            rtm_local_invitation *l = rtm__local_of(r);
            pthread_mutex_lock(&l->lock);
            ok = (cmd->a = rtm__strdup_or_empty(atomic_load(&l->content))) != NULL &&
                 (cmd->b = rtm__strdup_or_empty(atomic_load(&l->channel_id))) != NULL;
            pthread_mutex_unlock(&l->lock);
        } else if (side == RTM__INV_REMOTE) {
            rtm_remote_invitation *m = rtm__remote_of(r);
            pthread_mutex_lock(&m->lock);
            ok = (cmd->a = rtm__strdup_or_empty(atomic_load(&m->response))) != NULL;
            pthread_mutex_unlock(&m->lock);
        }
        if (ok) {
            rtm__inv_ref(r);
            cmd->inv = r;
        } else {
            rtm__cmd_free(cmd);
            cmd = NULL;
        }
    }
    return rtm__submit(c, cmd, op);
}

int rtm_send_local_invitation(rtm_client *c, rtm_local_invitation *inv, rtm_result_cb cb,
                              void *closure)
{
    return rtm__inv_call(c, inv ? &inv->rec : NULL, RTM__INV_LOCAL, RTM__INV_SEND, cb,
                         closure);
}

int rtm_cancel_local_invitation(rtm_client *c, rtm_local_invitation *inv, rtm_result_cb cb,
                                void *closure)
{
    return rtm__inv_call(c, inv ? &inv->rec : NULL, RTM__INV_LOCAL, RTM__INV_CANCEL, cb,
                         closure);
}

int rtm_accept_remote_invitation(rtm_client *c, rtm_remote_invitation *inv, rtm_result_cb cb,
                                 void *closure)
{
    return rtm__inv_call(c, inv ? &inv->rec : NULL, RTM__INV_REMOTE, RTM__INV_ACCEPT, cb,
                         closure);
}

int rtm_refuse_remote_invitation(rtm_client *c, rtm_remote_invitation *inv, rtm_result_cb cb,
                                 void *closure)
{
    return rtm__inv_call(c, inv ? &inv->rec : NULL, RTM__INV_REMOTE, RTM__INV_REFUSE, cb,
                         closure);
}

/* Makes *slot the text that went (taken from *went, the command's copy; ""
 * is NULL), retiring the one there: a setter may have changed it after
 * the call. */
static void rtm__install(_Atomic(char *) *slot, char **went, rtm__retired **retired)
{
    rtm__retired *r = rtm__malloc(sizeof(*r));
    if (r == NULL)
        return; /* out of memory: the getter may show a later set */
    char *text = *went != NULL && **went ? *went : NULL;
    if (text != NULL)
        *went = NULL; /* the handle's now */
    r->s = atomic_exchange(slot, text);
    r->next = *retired;
    *retired = r;
}

/* The machine took a send or an answer that left state `before`: the
 * texts that went (the command's) are the handle's from now on. */
static void rtm__lock_texts(rtm__cmd *cmd, int before)
{
    rtm__inv *r = cmd->inv;
    if (rtm__inv_state(r) == before)
        return; /* refused: nothing went */
    if (r->side == RTM__INV_LOCAL) {
        rtm_local_invitation *l = rtm__local_of(r);
        pthread_mutex_lock(&l->lock);
        l->sent = true;
        rtm__install(&l->content, &cmd->a, &l->retired);
        rtm__install(&l->channel_id, &cmd->b, &l->retired);
        pthread_mutex_unlock(&l->lock);
    } else {
        rtm_remote_invitation *m = rtm__remote_of(r);
        pthread_mutex_lock(&m->lock);
        m->answered = true;
        rtm__install(&m->response, &cmd->a, &m->retired);
        pthread_mutex_unlock(&m->lock);
    }
}

void rtm__invitation_run(rtm__cmd *cmd, rtm__time now)
{
    rtm_client *c = cmd->client;
    uint64_t op = (uint64_t)(uintptr_t)cmd->op;
    int st = rtm__session_state(c->session);
    int before = rtm__inv_state(cmd->inv);
    switch (cmd->step) {
    case RTM__INV_SEND: {
        bool logged_in = st == RTM_CONNECTION_STATE_CONNECTED ||
                         st == RTM_CONNECTION_STATE_RECONNECTING;
        if (logged_in && strcmp(cmd->inv->peer, c->user_id) == 0) { /* to oneself */
            rtm__complete(c, cmd->op, RTM_INVITATION_API_CALL_ERR_INVALID_ARGUMENT, NULL);
            break;
        }
        rtm__calls_send(c->calls, now, op, cmd->inv, cmd->a, cmd->b, logged_in);
        rtm__lock_texts(cmd, before);
        break;
    }
    case RTM__INV_CANCEL:
        rtm__calls_cancel(c->calls, now, op, cmd->inv);
        break;
    case RTM__INV_ACCEPT:
        rtm__calls_accept(c->calls, now, op, cmd->inv, cmd->a);
        rtm__lock_texts(cmd, before);
        break;
    case RTM__INV_REFUSE:
        rtm__calls_refuse(c->calls, now, op, cmd->inv, cmd->a);
        rtm__lock_texts(cmd, before);
        break;
    }
}

/* ---- events -------------------------------------------------------------- */

typedef struct {
    rtm_client *client;
    rtm__inv *inv;              /* held */
    rtm__call_event ev;
    int state;                  /* the state it left */
    int code;
    char *response;
} rtm__inv_event;

static void rtm__inv_event_run(void *arg, bool closing)
{
    rtm__inv_event *e = arg;
    rtm_client *c = e->client;
    const rtm_client_callbacks *cb = &c->cb;
    void *x = c->closure;
    rtm_local_invitation *l = rtm__local_of(e->inv);
    rtm_remote_invitation *r = rtm__remote_of(e->inv);
    /* The state the application reads is this event's, from now on. */
    atomic_store(e->inv->side == RTM__INV_LOCAL ? &l->state : &r->state, e->state);
    /* Not dropped by a close (rtm.h): an invitation's end is like a
     * result. closing is true only past the close callback. */
    if (!closing) {
        switch (e->ev) {
        case RTM__CALL_LOCAL_RECEIVED_BY_PEER:
            if (cb->on_local_invitation_received_by_peer)
                cb->on_local_invitation_received_by_peer(c, l, x);
            break;
        case RTM__CALL_LOCAL_ACCEPTED:
            if (cb->on_local_invitation_accepted)
                cb->on_local_invitation_accepted(c, l, rtm__or_empty(e->response), x);
            break;
        case RTM__CALL_LOCAL_REFUSED:
            if (cb->on_local_invitation_refused)
                cb->on_local_invitation_refused(c, l, rtm__or_empty(e->response), x);
            break;
        case RTM__CALL_LOCAL_CANCELED:
            if (cb->on_local_invitation_canceled)
                cb->on_local_invitation_canceled(c, l, x);
            break;
        case RTM__CALL_LOCAL_FAILURE:
            if (cb->on_local_invitation_failure)
                cb->on_local_invitation_failure(c, l, e->code, x);
            break;
        case RTM__CALL_REMOTE_RECEIVED:
            if (cb->on_remote_invitation_received)
                cb->on_remote_invitation_received(c, r, x);
            break;
        case RTM__CALL_REMOTE_ACCEPTED:
            if (cb->on_remote_invitation_accepted)
                cb->on_remote_invitation_accepted(c, r, x);
            break;
        case RTM__CALL_REMOTE_REFUSED:
            if (cb->on_remote_invitation_refused)
                cb->on_remote_invitation_refused(c, r, x);
            break;
        case RTM__CALL_REMOTE_CANCELED:
            if (cb->on_remote_invitation_canceled)
                cb->on_remote_invitation_canceled(c, r, x);
            break;
        case RTM__CALL_REMOTE_FAILURE:
            if (cb->on_remote_invitation_failure)
                cb->on_remote_invitation_failure(c, r, e->code, x);
            break;
        case RTM__CALL_LOCAL_SENT:
        case RTM__CALL_REMOTE_ACCEPT_SENT:
            break; /* the state alone */
        }
    }
    rtm__inv_unref(e->inv);
    free(e->response);
    free(e);
}

static void rtm__calls_event(void *ud, rtm__inv *inv, rtm__call_event ev, int code,
                             const char *response)
{
    rtm_client *c = ud;
    bool answer = ev == RTM__CALL_LOCAL_ACCEPTED || ev == RTM__CALL_LOCAL_REFUSED;
    if (answer && *response) {
        /* getResponse: set before the event is queued, once. */
        char *copy = rtm__strdup(response);
        char *none = NULL;
        if (copy == NULL || !atomic_compare_exchange_strong(&rtm__local_of(inv)->response,
                                                            &none, copy))
            free(copy);
    }
    rtm__inv_event *e = rtm__calloc(1, sizeof(*e));
    if (e != NULL) {
        e->client = c;
        e->inv = inv;
        e->ev = ev;
        e->state = rtm__inv_state(inv);
        e->code = code;
        /* Without its response, rather than not at all: it ends the
         * invitation. */
        if (answer && *response && (e->response = rtm__strdup(response)) == NULL)
            rtm__log(c, RTM_LOG_ERROR, "out of memory: an invitation's response is lost");
    }
    if (e != NULL) {
        rtm__inv_ref(inv);
        if (rtm__dispatch_post(c->dispatch, rtm__inv_event_run, e) == 0)
            return;
        rtm__inv_unref(inv);
        free(e->response);
        free(e);
    }
    rtm__log(c, RTM_LOG_ERROR, "out of memory: an invitation event is lost");
}

/* ---- the machines' operations --------------------------------------------- */

static void rtm__calls_send_op(void *ud, rtm__time now, uint64_t token, const char *peer,
                               const Rtm__Wire__CallSignal *sig)
{
    rtm_client *c = ud;
    rtm__session_send_call(c->session, now, token, peer, sig);
}

static void rtm__calls_result(void *ud, uint64_t op, int code)
{
    rtm__complete(ud, (rtm__op *)(uintptr_t)op, code, NULL);
}

static rtm__inv *rtm__calls_new_remote(void *ud, const char *caller, const char *content,
                                       const char *channel_id)
{
    rtm_client *c = ud;
    rtm_remote_invitation *inv = rtm__calloc(1, sizeof(*inv));
    if (inv == NULL)
        return NULL;
    inv->content = *content ? rtm__strdup(content) : NULL;
    inv->channel_id = *channel_id ? rtm__strdup(channel_id) : NULL;
    if ((*content && inv->content == NULL) || (*channel_id && inv->channel_id == NULL)) {
        free(inv->content);
        free(inv->channel_id);
        free(inv);
        return NULL;
    }
    inv->rec.side = RTM__INV_REMOTE;
    snprintf(inv->rec.peer, sizeof(inv->rec.peer), "%s", caller);
    inv->client = c;
    atomic_init(&inv->refs, 1); /* the machine's */
    atomic_init(&inv->state, RTM_REMOTE_INVITATION_STATE_INVITATION_RECEIVED);
    atomic_init(&inv->response, NULL);
    pthread_mutex_init(&inv->lock, NULL);
    return &inv->rec;
}

static void rtm__calls_hold(void *ud, rtm__inv *inv)
{
    (void)ud;
    rtm__inv_ref(inv);
}

static void rtm__calls_drop(void *ud, rtm__inv *inv)
{
    (void)ud;
    rtm__inv_unref(inv);
}

static void rtm__calls_log(void *ud, int level, const char *line)
{
    rtm__log(ud, level, "%s", line);
}

static uint64_t rtm__calls_random(void *ud)
{
    rtm_client *c = ud;
    return ((uint64_t)rtm__client_random(c) << 32) | rtm__client_random(c);
}

const rtm__calls_ops rtm__calls_driver_ops = {
    .send = rtm__calls_send_op,
    .result = rtm__calls_result,
    .event = rtm__calls_event,
    .new_remote = rtm__calls_new_remote,
    .hold = rtm__calls_hold,
    .drop = rtm__calls_drop,
    .log = rtm__calls_log,
    .random = rtm__calls_random,
};

/* A signal received, kept until the session has returned: the machine's
 * answer to it goes back into the session, which must not be called from
 * inside its own callback. */
struct rtm__sig_in {
    rtm__sig_in *next;
    uint64_t age_ms;
    char from[RTM__ID_MAX + 1];
    size_t len;
    uint8_t bytes[];
};

void rtm__ev_call_signal(void *ud, const char *from, const Rtm__Wire__CallSignal *sig,
                         uint64_t age_ms)
{
    rtm_client *c = ud;
    size_t len = rtm__wire__call_signal__get_packed_size(sig);
    rtm__sig_in *in = rtm__malloc(sizeof(*in) + len);
    if (in == NULL) {
        rtm__log(c, RTM_LOG_ERROR, "out of memory: a call signal from %s is lost", from);
        return;
    }
    in->next = NULL;
    in->age_ms = age_ms;
    snprintf(in->from, sizeof(in->from), "%s", from ? from : "");
    in->len = rtm__wire__call_signal__pack(sig, in->bytes);
    rtm__sig_in **pp = &c->sigs_in;
    while (*pp != NULL)
        pp = &(*pp)->next;
    *pp = in;
}

void rtm__calls_take_received(rtm_client *c)
{
    while (c->sigs_in != NULL) {
        rtm__sig_in *in = c->sigs_in;
        c->sigs_in = in->next;
        Rtm__Wire__CallSignal *sig = rtm__wire__call_signal__unpack(NULL, in->len, in->bytes);
        if (sig != NULL) {
            rtm__calls_receive(c->calls, rtm__now(), in->from, sig, in->age_ms);
            rtm__wire__call_signal__free_unpacked(sig, NULL);
        } else {
            rtm__log(c, RTM_LOG_ERROR, "out of memory: a call signal from %s is lost",
                     in->from);
        }
        free(in);
    }
}
