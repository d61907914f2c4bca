/* requests.c: the request table. */
#include "requests.h"

#include "attrs.h"
#include "chattrs.h"
#include "media.h"
#include "member_count.h"
#include "presence.h"
#include "router.h"
#include "server.h"
#include "session.h"
#include "token_expiry.h"

#define ROUTE(body, login, rate, fn) \
    [RTM__WIRE__FRAME__BODY_##body] = { RTM__WIRE__FRAME__BODY_##body, login, rate, fn }

static const rtmd_route routes[] = {
    /* Login counts its rates itself: by address, then by user once the
     * token is good (session.c). */
    ROUTE(LOGIN, false, RTMD_RATE_NONE, rtmd_session_login),
    ROUTE(LOGOUT, true, RTMD_RATE_NONE, rtmd_session_logout),
    ROUTE(RENEW_TOKEN, true, RTMD_RATE_RENEW_TOKEN, rtmd_token_renew),
    /* Peers (router.c). */
    ROUTE(PEER_SEND, true, RTMD_RATE_MESSAGES, rtmd_router_peer_send),
    /* Acks are cumulative: one that acknowledges nothing new is dropped
     * before any work (router.c), so they are bounded by the deliveries. */
    ROUTE(PEER_ACK, true, RTMD_RATE_NONE, rtmd_router_peer_ack),
    /* Channels (router.c, member_count.c). */
    ROUTE(JOIN, true, RTMD_RATE_JOIN, rtmd_router_join),
    ROUTE(LEAVE, true, RTMD_RATE_LEAVE, rtmd_router_leave),
    ROUTE(CHANNEL_SEND, true, RTMD_RATE_MESSAGES, rtmd_router_channel_send),
    ROUTE(GET_MEMBERS, true, RTMD_RATE_GET_MEMBERS, rtmd_router_get_members),
    ROUTE(GET_MEMBER_COUNT, true, RTMD_RATE_MEMBER_COUNT, rtmd_member_count_request),
    /* Attributes (attrs.c, chattrs.c). */
    ROUTE(SET_ATTRIBUTES, true, RTMD_RATE_ATTR_WRITES, rtmd_attrs_set),
    ROUTE(GET_ATTRIBUTES, true, RTMD_RATE_ATTR_READS, rtmd_attrs_get),
    ROUTE(SET_CHANNEL_ATTRIBUTES, true, RTMD_RATE_ATTR_WRITES, rtmd_chattrs_set),
    ROUTE(GET_CHANNEL_ATTRIBUTES, true, RTMD_RATE_ATTR_READS, rtmd_chattrs_get),
    /* Presence (presence.c). */
    ROUTE(QUERY_PEERS, true, RTMD_RATE_QUERY_PEERS, rtmd_presence_query),
    ROUTE(SUBSCRIBE, true, RTMD_RATE_SUBSCRIPTIONS, rtmd_presence_subscribe),
    ROUTE(GET_SUBSCRIBED, true, RTMD_RATE_SUBSCRIPTIONS, rtmd_presence_get_subscribed),
    /* Media (media.c): bounded by the transfers a link may have at once
     * (RTM__MEDIA_TRANSFERS_MAX each way) and their windows, not by a
     * rate; chunks, acknowledgements and cancels name a transfer. */
    ROUTE(MEDIA_UPLOAD, true, RTMD_RATE_NONE, rtmd_media_upload),
    ROUTE(MEDIA_DOWNLOAD, true, RTMD_RATE_NONE, rtmd_media_download),
    ROUTE(MEDIA_CHUNK, true, RTMD_RATE_NONE, rtmd_media_chunk),
    ROUTE(MEDIA_ACK, true, RTMD_RATE_NONE, rtmd_media_ack),
    ROUTE(MEDIA_CANCEL, true, RTMD_RATE_NONE, rtmd_media_cancel),
};

const rtmd_route *rtmd_request_route(Rtm__Wire__Frame__BodyCase body)
{
    if ((size_t)body >= sizeof routes / sizeof routes[0] || !routes[body].handle)
        return NULL;
    return &routes[body];
}

bool rtmd_request_rate_ok(const rtmd_req *rq)
{
    rtmd_rate_kind kind = rq->route->rate;
    return kind == RTMD_RATE_NONE || rtmd_session_rate_take(rq->srv, rq->s, kind);
}
