/*
 * call.h: an engine operation in flight for this node (engine.h), with what
 * its done callback needs to finish the work: the server, the answer
 * reserved for the request that started it, copies of the ids it is about
 * (the objects it came from may be gone by the time it completes) and the
 * session that asked, to be found again by its id. Every family of
 * handlers makes its engine calls with it.
 */
#ifndef RTMD_CALL_H
#define RTMD_CALL_H

#include <stdint.h>

#include "engine/engine.h"
#include "outbox.h"
#include "requests.h"

struct rtmd_server;
struct rtmd_session;

typedef struct rtmd_call {
    rtmd_eng_op op;            /* first: rtmd_call_of finds the call */
    struct rtmd_server *srv;
    rtmd_later answer;         /* reserved by rtmd_call_submit_for; link NULL
                                * when the call answers no request */
    char *app, *user, *id;     /* copies (NULL when not given): the app, the
                                * user the call is for, and a second user or
                                * a channel */
    uint64_t session_id;       /* the session of (app, user) that asked; 0 */
    /* What the family keeps for its done callback: */
    uint64_t n;                /* a number (a ban's length, a token's
                                * expiry, a member count) */
    int arg;                   /* a state to announce, a flag */
    void *ctx;                 /* its own state (a login's, the admin API's
                                * HTTP request) */
} rtmd_call;

static inline rtmd_call *rtmd_call_of(rtmd_eng_op *op)
{
    return (rtmd_call *)op;
}

/* A call of kind that completes with done, about (app, user, id); any of
 * the strings may be NULL. NULL when out of memory. */
rtmd_call *rtmd_call_new(struct rtmd_server *srv, rtmd_eng_kind kind, rtmd_eng_done done,
                         const char *app, const char *user, const char *id);
/* Submits the call's op; rtmd_call_submit_for also reserves rq's answer
 * (and remembers rq's session, if it has one). */
void rtmd_call_submit(rtmd_call *call);
void rtmd_call_submit_for(const rtmd_req *rq, rtmd_call *call);
/* The session that asked, if it is still on this node and still the same
 * one; NULL otherwise. */
struct rtmd_session *rtmd_call_session(const rtmd_call *call);
/* Frees the call with its op's outputs; an answer reserved and never sent
 * is released unsent. */
void rtmd_call_free(rtmd_call *call);

#endif
