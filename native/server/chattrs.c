/* chattrs.c: channel attributes: each operation, its limits and codes, the
 * notification of members (SPEC A5). The apply logic is user attributes'
 * (attrs.c). */
#include "chattrs.h"

#include <stdlib.h>

#include "attrs.h"
#include "call.h"
#include "ids.h"
#include "log.h"
#include "outbox.h"
#include "rtm/rtm_codes.h"

/* ChannelAttributesEvent with the channel's whole list, all, to its
 * members. */
static void chattrs_notify(rtmd_server *srv, const char *app, const char *channel,
                           const rtmd_attrv *all, const rtmd_strv *members)
{
    rtmd_wire_attrs w = { 0 };
    uint8_t *buf = NULL;
    if (rtmd_attrs_to_wire(all, &w) != 0)
        goto fail;
    Rtm__Wire__ChannelAttributesEvent ev = RTM__WIRE__CHANNEL_ATTRIBUTES_EVENT__INIT;
    ev.channel = (char *)channel;
    ev.attributes = w.ptrs;
    ev.n_attributes = w.count;
    rtm__frame f = RTM__WIRE__FRAME__INIT;
    f.body_case = RTM__WIRE__FRAME__BODY_CHANNEL_ATTRIBUTES_EVENT;
    f.channel_attributes_event = &ev;
    size_t len;
    if (!(buf = rtmd_encode(&f, &len)))
        goto fail;
    rtmd_send_event(srv, app, NULL, members, buf, len);
    goto done;
fail:
    rtmd_log(RTMD_LOG_ERROR, "out of memory notifying the attributes of channel %s", channel);
done:
    free(buf);
    rtmd_wire_attrs_free(&w);
}

static void chattrs_set_done(rtmd_eng_op *op)
{
    rtmd_call *call = rtmd_call_of(op);
    rtmd_later_result(&call->answer, op->code);
    if (op->flags & RTMD_ENG_CHATTRS_FULL)
        rtmd_server_store_full(call->srv, RTMD_USAGE_CHATTRS, call->app);
    if (op->code == 0 && call->arg) /* notify */
        chattrs_notify(call->srv, call->app, call->id, &op->attrs, &op->users);
    rtmd_call_free(call);
}

void rtmd_chattrs_set(const rtmd_req *rq, const rtm__frame *f)
{
    const Rtm__Wire__SetChannelAttributes *r = f->set_channel_attributes;
    int code = 0;
    /* As for user attributes: every write counts, before its arguments are
     * checked. */
    if (!rtmd_request_rate_ok(rq))
        code = RTM_ATTRIBUTE_OPERATION_ERR_TOO_OFTEN;
    else if (!rtm__channel_id_valid(r->channel))
        code = RTM_ATTRIBUTE_OPERATION_ERR_INVALID_ARGUMENT;
    rtmd_call *call = NULL;
    if (code == 0 && !(call = rtmd_call_new(rq->srv, RTMD_ENG_CHATTRS_SET, chattrs_set_done,
                                            rq->s->app_id, NULL, r->channel)))
        code = RTM_ATTRIBUTE_OPERATION_ERR_FAILURE;
    if (code != 0) {
        rtmd_reply_result(rq, code);
        return;
    }
    call->arg = r->notify;
    call->op.in.chattrs_set.app = call->app;
    call->op.in.chattrs_set.channel = call->id;
    call->op.in.chattrs_set.change = r->change;
    call->op.in.chattrs_set.by = rq->s->user_id;
    call->op.in.chattrs_set.ts = rq->srv->now.wall_ms;
    call->op.in.chattrs_set.max_bytes = rq->srv->cfg->chattrs_max_bytes;
    rtmd_call_submit_for(rq, call);
}

/* ChannelAttributes{channel, code, attrs} to l. */
static void chattrs_answer(rtmd_later *l, const char *channel, int code,
                           const rtmd_attrv *attrs)
{
    Rtm__Wire__ChannelAttributes out = RTM__WIRE__CHANNEL_ATTRIBUTES__INIT;
    out.channel = (char *)channel;
    out.code = code;
    rtmd_wire_attrs w = { 0 };
    if (out.code == 0 && rtmd_attrs_to_wire(attrs, &w) != 0)
        out.code = RTM_ATTRIBUTE_OPERATION_ERR_FAILURE;
    if (out.code == 0) {
        out.attributes = w.ptrs;
        out.n_attributes = w.count;
    }
    rtm__frame f = RTM__WIRE__FRAME__INIT;
    f.body_case = RTM__WIRE__FRAME__BODY_CHANNEL_ATTRIBUTES;
    f.channel_attributes = &out;
    rtmd_later_reply(l, &f);
    rtmd_wire_attrs_free(&w);
}

static void chattrs_get_done(rtmd_eng_op *op)
{
    rtmd_call *call = rtmd_call_of(op);
    chattrs_answer(&call->answer, call->id, op->code, &op->attrs);
    rtmd_call_free(call);
}

void rtmd_chattrs_get(const rtmd_req *rq, const rtm__frame *req)
{
    const Rtm__Wire__GetChannelAttributes *g = req->get_channel_attributes;
    const char *channel = g->channel ? g->channel : "";
    int code = rtmd_attrs_read_check(rq, rtm__channel_id_valid(g->channel));
    rtmd_call *call = code == 0 ? rtmd_call_new(rq->srv, RTMD_ENG_CHATTRS_GET, chattrs_get_done,
                                                rq->s->app_id, NULL, channel)
                                  : NULL;
    if (!call) {
        rtmd_later now = rtmd_reply_later(rq);
        chattrs_answer(&now, channel, code ? code : RTM_ATTRIBUTE_OPERATION_ERR_FAILURE, NULL);
        return;
    }
    call->op.in.chattrs_get.app = call->app;
    call->op.in.chattrs_get.channel = call->id;
    call->op.in.chattrs_get.keys = g->keys;
    call->op.in.chattrs_get.n_keys = g->n_keys;
    rtmd_call_submit_for(rq, call);
}
