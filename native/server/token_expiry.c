/* token_expiry.c: TokenWillExpire, the expiry policy and RenewToken. */
#include "token_expiry.h"

#include <event2/event.h>

#include "auth.h"
#include "call.h"
#include "outbox.h"
#include "log.h"
#include "rtm/rtm_codes.h"
#include "server.h"
#include "session.h"

static void token_timer_cb(evutil_socket_t fd, short what, void *arg);

static void token_send_warning(rtmd_session *s, uint64_t now_ms)
{
    uint64_t exp_ms = s->token_expires_at * 1000u;
    uint64_t left = exp_ms > now_ms ? (exp_ms - now_ms + 999u) / 1000u : 0;
    char who[200];
    rtmd_log(RTMD_LOG_INFO, "%s: token expires in %u s", rtmd_session_name(s, who, sizeof who),
             (unsigned)left);
    Rtm__Wire__TokenWillExpire w = RTM__WIRE__TOKEN_WILL_EXPIRE__INIT;
    w.seconds_left = (uint32_t)(left > UINT32_MAX ? UINT32_MAX : left);
    rtm__frame f = RTM__WIRE__FRAME__INIT;
    f.body_case = RTM__WIRE__FRAME__BODY_TOKEN_WILL_EXPIRE;
    f.token_will_expire = &w;
    rtmd_send(s, &f);
}

/* Does what is due now and arms the timer for what comes next. */
static void token_step(rtmd_server *srv, rtmd_session *s)
{
    if (s->token_timer)
        event_del(s->token_timer);
    if (!s->token_expires_at || !s->link)
        return;
    uint64_t now_ms = srv->now.wall_ms, next_ms;
    rtmd_token_due due = rtmd_token_check(s->token_expires_at, srv->cfg->token_warn_s,
                                          s->token_warned, now_ms, &next_ms);
    if (due == RTMD_TOKEN_DUE_EXPIRED) {
        char who[200];
        rtmd_session_name(s, who, sizeof who);
        if (srv->cfg->token_expiry_policy == RTMD_TOKEN_EXPIRY_ABORT) {
            rtmd_log(RTMD_LOG_INFO, "%s: token expired: session ended (policy abort)", who);
            rtmd_session_kick(srv, s, RTM_CONNECTION_CHANGE_REASON_TOKEN_EXPIRED); /* frees s */
        } else {
            rtmd_log(RTMD_LOG_INFO, "%s: token expired: session continues (policy continue)",
                     who);
        }
        return;
    }
    if (due == RTMD_TOKEN_DUE_WARN) {
        s->token_warned = true;
        token_send_warning(s, now_ms);
    }
    if (!s->token_timer) {
        s->token_timer = evtimer_new(srv->base, token_timer_cb, s);
        if (!s->token_timer) {
            rtmd_log(RTMD_LOG_ERROR, "out of memory for a token timer");
            return;
        }
    }
    uint64_t delay = next_ms - now_ms;
    struct timeval tv = { (time_t)(delay / 1000u), (suseconds_t)(delay % 1000u * 1000u) };
    event_add(s->token_timer, &tv);
}

static void token_timer_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    rtmd_session *s = arg;
    rtmd_server_tick(s->srv);
    token_step(s->srv, s);
}

void rtmd_token_expiry_set(rtmd_server *srv, rtmd_session *s, uint64_t expires_at)
{
    if (expires_at != s->token_expires_at)
        s->token_warned = false;
    s->token_expires_at = expires_at;
    token_step(srv, s);
}

static void token_saved(rtmd_eng_op *op)
{
    rtmd_call *call = rtmd_call_of(op);
    if (op->code != RTMD_STORE_OK)
        rtmd_log(RTMD_LOG_ERROR, "%s/%s: cannot save the session", call->app, call->user);
    rtmd_later_result(&call->answer, RTM_RENEW_TOKEN_ERR_OK);
    rtmd_session *s = rtmd_call_session(call);
    if (s)
        rtmd_token_expiry_set(call->srv, s, call->n);
    rtmd_call_free(call);
}

void rtmd_token_renew(const rtmd_req *rq, const rtm__frame *f)
{
    rtmd_server *srv = rq->srv;
    rtmd_session *s = rq->s;
    const Rtm__Wire__RenewToken *renew = f->renew_token;
    uint64_t expires_at = 0;
    uint64_t now_s = srv->now.wall_ms / 1000u;
    if (!rtmd_request_rate_ok(rq)) {
        rtmd_reply_result(rq, RTM_RENEW_TOKEN_ERR_TOO_OFTEN);
        return;
    }
    int code = rtmd_auth_check_renew(srv->cfg, s->app_id, s->user_id,
                                     renew && renew->token ? renew->token : "", now_s,
                                     &expires_at);
    char who[200];
    rtmd_log(RTMD_LOG_INFO, "%s: renew token: %s", rtmd_session_name(s, who, sizeof who),
             rtm_code_name(RTM_FAMILY_RENEW_TOKEN_ERR, code));
    rtmd_call *call = code == RTM_RENEW_TOKEN_ERR_OK
                          ? rtmd_call_new(srv, RTMD_ENG_SESSION_SAVE, token_saved, s->app_id,
                                          s->user_id, NULL)
                          : NULL;
    if (!call) {
        rtmd_reply_result(rq, code ? code : RTM_RENEW_TOKEN_ERR_FAILURE);
        return;
    }
    /* The new expiry is saved before the answer tells of it. */
    call->n = expires_at;
    call->op.in.session_save.of = (rtmd_user){ call->app, call->user };
    rtmd_session_meta_of(s, expires_at, &call->op.in.session_save.meta);
    rtmd_call_submit_for(rq, call);
}

void rtmd_token_expiry_free(rtmd_session *s)
{
    if (s->token_timer)
        event_free(s->token_timer);
    s->token_timer = NULL;
}
