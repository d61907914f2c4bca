/*
 * requests.h: the one table of what a client may ask once it said Hello:
 * for each request frame, whether it needs a logged-in session, the rate
 * family it counts against (--rate), and its handler.
 *
 * conn.c reads frames and keeps the link (framing, heartbeats, bounds); it
 * hands every request to rtmd_request_dispatch, which checks the table's
 * conditions and calls the handler. A handler decides with what it is
 * given and sends what it has to say through the outbox (outbox.h): its
 * answer to the link that asked, and events to other sessions. No handler
 * reaches back into conn.c.
 */
#ifndef RTMD_REQUESTS_H
#define RTMD_REQUESTS_H

#include <stdbool.h>
#include <stdint.h>

#include "frame.h"
#include "ratelimit.h"

struct rtmd_server;
struct rtmd_session;
struct rtmd_conn;
struct rtmd_route;

/* What a handler gets with the frame: who asks, on which link, and the
 * request_id its answer echoes. Valid for the handler's call only. */
typedef struct rtmd_req {
    struct rtmd_server *srv;
    struct rtmd_session *s;       /* the session asking; NULL before login */
    struct rtmd_conn *link;       /* where the answer goes */
    uint32_t id;                  /* Frame.request_id */
    const struct rtmd_route *route;
} rtmd_req;

typedef void (*rtmd_handler)(const rtmd_req *rq, const rtm__frame *f);

/* No rate family. */
#define RTMD_RATE_NONE RTMD_RATE_COUNT

typedef struct rtmd_route {
    Rtm__Wire__Frame__BodyCase body;
    bool needs_login;    /* before a successful Login: a protocol error */
    rtmd_rate_kind rate; /* counted by rtmd_request_rate_ok; RTMD_RATE_NONE */
    rtmd_handler handle;
} rtmd_route;

/* The route of a request frame; NULL for any other frame (Hello, Ping,
 * Close and answers are conn.c's, the rest a protocol error). */
const rtmd_route *rtmd_request_route(Rtm__Wire__Frame__BodyCase body);

/* Whether the session may make one more request of its route's rate family
 * now; if so it is counted. A handler calls it where its rule says (after
 * the checks whose answer takes precedence: a re-sent send_seq is answered
 * with its first code, never TOO_OFTEN); false is logged at debug. Always
 * true for a route without a family. */
bool rtmd_request_rate_ok(const rtmd_req *rq);

#endif
