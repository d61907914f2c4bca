/* call.c: see call.h. */
#include "call.h"

#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "server.h"
#include "session.h"

/* A copy of s into *out (NULL stays NULL); false when out of memory. */
static bool call_dup(const char *s, char **out)
{
    *out = s ? strdup(s) : NULL;
    return !s || *out;
}

rtmd_call *rtmd_call_new(rtmd_server *srv, rtmd_eng_kind kind, rtmd_eng_done done,
                         const char *app, const char *user, const char *id)
{
    rtmd_call *call = calloc(1, sizeof *call);
    if (!call)
        return NULL;
    call->op.kind = kind;
    call->op.done = done;
    call->srv = srv;
    if (!call_dup(app, &call->app) || !call_dup(user, &call->user) ||
        !call_dup(id, &call->id)) {
        rtmd_call_free(call);
        return NULL;
    }
    return call;
}

void rtmd_call_submit(rtmd_call *call)
{
    rtmd_engine_submit(call->srv->engine, &call->op);
}

void rtmd_call_submit_for(const rtmd_req *rq, rtmd_call *call)
{
    call->answer = rtmd_reply_later(rq);
    if (rq->s)
        call->session_id = rq->s->id;
    rtmd_call_submit(call);
}

rtmd_session *rtmd_call_session(const rtmd_call *call)
{
    if (!call->app || !call->user)
        return NULL;
    rtmd_session *s = rtmd_registry_find(&call->srv->sessions, call->app, call->user);
    return s && s->id == call->session_id ? s : NULL;
}

void rtmd_call_free(rtmd_call *call)
{
    if (!call)
        return;
    if (call->answer.link)
        rtmd_conn_unref(call->answer.link);
    rtmd_engine_op_clear(&call->op);
    free(call->app);
    free(call->user);
    free(call->id);
    free(call);
}
