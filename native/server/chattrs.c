/* chattrs.c: channel attributes: each operation, its limits and codes, the
 * notification of members (SPEC A5). The apply logic is user attributes'
 * (attrs.c). */
#include "chattrs.h"

#include <stdlib.h>

#include "attrs.h"
#include "ids.h"
#include "log.h"
#include "outbox.h"
#include "rtm/rtm_codes.h"

/* ChannelAttributesEvent with the channel's whole list, to its members. */
static void chattrs_notify(rtmd_server *srv, rtmd_session *s, const char *channel)
{
    rtmd_attrv all = { 0 };
    rtmd_wire_attrs w = { 0 };
    uint8_t *buf = NULL;
    if (rtmd_store_chattrs_get(srv->store, s->app_id, channel, &all) != RTMD_STORE_OK ||
        rtmd_attrs_to_wire(&all, NULL, 0, &w) != 0)
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
    rtmd_fan_out(srv, s->app_id, NULL, channel, buf, len);
    goto done;
fail:
    rtmd_log(RTMD_LOG_ERROR, "out of memory notifying the attributes of channel %s", channel);
done:
    free(buf);
    rtmd_wire_attrs_free(&w);
    rtmd_attrv_free(&all);
}

void rtmd_chattrs_set(const rtmd_req *rq, const rtm__frame *f)
{
    rtmd_server *srv = rq->srv;
    rtmd_session *s = rq->s;
    const Rtm__Wire__SetChannelAttributes *r = f->set_channel_attributes;
    rtmd_attrv cur = { 0 }, next = { 0 };
    int code = 0;
    /* As for user attributes: every write counts, before its arguments are
     * checked. */
    if (!rtmd_request_rate_ok(rq))
        code = RTM_ATTRIBUTE_OPERATION_ERR_TOO_OFTEN;
    else if (!rtm__channel_id_valid(r->channel))
        code = RTM_ATTRIBUTE_OPERATION_ERR_INVALID_ARGUMENT;
    else if (rtmd_store_chattrs_get(srv->store, s->app_id, r->channel, &cur) != RTMD_STORE_OK)
        code = RTM_ATTRIBUTE_OPERATION_ERR_FAILURE;
    else if ((code = rtmd_attrs_apply(&cur, r->change, RTM__CHATTR_TOTAL_MAX, s->user_id,
                                      srv->now.wall_ms, &next)) == 0 &&
             rtmd_store_chattrs_put(srv->store, s->app_id, r->channel, &next) !=
                 RTMD_STORE_OK)
        code = RTM_ATTRIBUTE_OPERATION_ERR_FAILURE;
    rtmd_attrv_free(&cur);
    rtmd_attrv_free(&next);
    rtmd_reply_result(rq, code);
    if (code == 0 && r->notify)
        chattrs_notify(srv, s, r->channel);
}

void rtmd_chattrs_get(const rtmd_req *rq, const rtm__frame *req)
{
    rtmd_server *srv = rq->srv;
    rtmd_session *s = rq->s;
    const Rtm__Wire__GetChannelAttributes *g = req->get_channel_attributes;
    Rtm__Wire__ChannelAttributes out = RTM__WIRE__CHANNEL_ATTRIBUTES__INIT;
    out.channel = g->channel ? g->channel : (char *)"";
    rtmd_attrv all = { 0 };
    rtmd_wire_attrs w = { 0 };
    out.code = rtmd_attrs_read_check(rq, rtm__channel_id_valid(g->channel));
    if (out.code == 0 &&
        (rtmd_store_chattrs_get(srv->store, s->app_id, g->channel, &all) != RTMD_STORE_OK ||
         rtmd_attrs_to_wire(&all, g->keys, g->n_keys, &w) != 0))
        out.code = RTM_ATTRIBUTE_OPERATION_ERR_FAILURE;
    if (out.code == 0) {
        out.attributes = w.ptrs;
        out.n_attributes = w.count;
    }
    rtm__frame f = RTM__WIRE__FRAME__INIT;
    f.body_case = RTM__WIRE__FRAME__BODY_CHANNEL_ATTRIBUTES;
    f.channel_attributes = &out;
    rtmd_reply(rq, &f);
    rtmd_wire_attrs_free(&w);
    rtmd_attrv_free(&all);
}
