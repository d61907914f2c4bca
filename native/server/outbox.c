/* outbox.c: what handlers send, to the links behind conn.c. */
#include "outbox.h"

#include <stdlib.h>
#include <string.h>

#include "call.h"
#include "config.h"
#include "conn.h"
#include "log.h"
#include "server.h"
#include "session.h"

void rtmd_reply(const rtmd_req *rq, rtm__frame *f)
{
    f->request_id = rq->id;
    rtmd_conn_send(rq->link, f);
}

/* Result{code} in f (r is its body). */
static void outbox_result(rtm__frame *f, Rtm__Wire__Result *r, int code)
{
    rtm__wire__result__init(r);
    r->code = code;
    rtm__wire__frame__init(f);
    f->body_case = RTM__WIRE__FRAME__BODY_RESULT;
    f->result = r;
}

void rtmd_reply_result(const rtmd_req *rq, int code)
{
    Rtm__Wire__Result r;
    rtm__frame f;
    outbox_result(&f, &r, code);
    rtmd_reply(rq, &f);
}

rtmd_later rtmd_reply_later(const rtmd_req *rq)
{
    rtmd_conn_ref(rq->link);
    return (rtmd_later){ rq->link, rq->id };
}

void rtmd_later_reply(rtmd_later *l, rtm__frame *f)
{
    f->request_id = l->id;
    if (rtmd_conn_is_open(l->link))
        rtmd_conn_send(l->link, f);
    rtmd_conn_unref(l->link);
    l->link = NULL;
}

void rtmd_later_result(rtmd_later *l, int code)
{
    Rtm__Wire__Result r;
    rtm__frame f;
    outbox_result(&f, &r, code);
    rtmd_later_reply(l, &f);
}

int rtmd_send(rtmd_session *to, const rtm__frame *f)
{
    return rtmd_conn_is_open(to->link) ? rtmd_conn_send(to->link, f) : -1;
}

int rtmd_send_encoded(rtmd_session *to, const uint8_t *buf, size_t len)
{
    return rtmd_conn_is_open(to->link) ? rtmd_conn_send_encoded(to->link, buf, len) : -1;
}

void rtmd_send_replay_begin(rtmd_session *to, bool rejoin)
{
    if (to->link)
        rtmd_conn_replay_begin(to->link, rejoin);
}

void rtmd_send_replay_end(rtmd_session *to)
{
    if (to->link)
        rtmd_conn_replay_end(to->link);
}

uint8_t *rtmd_encode(const rtm__frame *f, size_t *len)
{
    *len = rtm__frame_encoded_size(f);
    uint8_t *buf = malloc(*len);
    if (buf)
        *len = rtm__frame_encode(f, buf);
    return buf;
}

static void outbox_sent_to(rtmd_eng_op *op)
{
    rtmd_call_free(rtmd_call_of(op));
}

void rtmd_send_event(rtmd_server *srv, const char *app_id, const char *except,
                     const rtmd_strv *users, const uint8_t *buf, size_t len)
{
    rtmd_fan_out(srv, app_id, except, users, buf, len);
    if (srv->cfg->store != RTMD_STORE_REDIS || users->count == 0)
        return;
    rtmd_call *call = rtmd_call_new(srv, RTMD_ENG_SEND_TO, outbox_sent_to, app_id, except, NULL);
    if (!call) {
        rtmd_log(RTMD_LOG_ERROR, "out of memory sending an event to other nodes");
        return;
    }
    /* Read at submit (engine.h): borrowed. */
    call->op.in.send_to.app = call->app;
    call->op.in.send_to.except = call->user;
    call->op.in.send_to.users = users->items;
    call->op.in.send_to.n_users = users->count;
    call->op.in.send_to.frame = buf;
    call->op.in.send_to.len = len;
    rtmd_call_submit(call);
}

void rtmd_fan_out(rtmd_server *srv, const char *app_id, const char *except,
                  const rtmd_strv *members, const uint8_t *buf, size_t len)
{
    for (size_t i = 0; i < members->count; i++) {
        if (except && strcmp(members->items[i], except) == 0)
            continue;
        rtmd_session *to = rtmd_registry_find(&srv->sessions, app_id, members->items[i]);
        if (to)
            rtmd_send_encoded(to, buf, len);
    }
}
