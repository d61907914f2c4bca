/*
 * commands.c: the command queue from the API to the loop thread. A public
 * call checks its arguments, makes an operation record (what to call back,
 * and room for its result) and a command with copies of its arguments, and
 * posts the command to the client's loop, where it is handed to the
 * session. A call refused before that is completed at once through the
 * same events, so its callback still runs exactly once.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "client.h"

void rtm__cmd_free(rtm__cmd *cmd)
{
    for (size_t i = 0; cmd->attrs != NULL && i < cmd->nattrs; i++) {
        free((char *)cmd->attrs[i].key);
        free((char *)cmd->attrs[i].value);
    }
    free(cmd->attrs);
    for (size_t i = 0; cmd->keys != NULL && i < cmd->nkeys; i++)
        free(cmd->keys[i]);
    free(cmd->keys);
    if (cmd->inv != NULL)
        rtm__inv_unref(cmd->inv);
    free(cmd->a);
    free(cmd->b);
    free((char *)cmd->msg.text);
    free((uint8_t *)cmd->msg.raw);
    free((char *)cmd->msg.description);
    rtm__media_info_free(cmd->msg.media);
    rtm__xfer_free(cmd->xfer);
    if (cmd->params != NULL) {
        rtm__params_clear(cmd->params);
        free(cmd->params);
    }
    free(cmd);
}

static void rtm__cmd_run(void *arg)
{
    rtm__cmd *cmd = arg;
    rtm_client *c = cmd->client;
    rtm__session *s = c->session;
    rtm__time now = rtm__now();
    uint64_t op = (uint64_t)(uintptr_t)cmd->op;
    switch (cmd->kind) {
    case RTM__CMD_LOGIN:
        if (rtm__session_state(s) == RTM_CONNECTION_STATE_DISCONNECTED) {
            pthread_mutex_lock(&c->lock);
            snprintf(c->user_id, sizeof(c->user_id), "%s", cmd->a);
            pthread_mutex_unlock(&c->lock);
        }
        rtm__session_login(s, now, op, cmd->b, cmd->a);
        break;
    case RTM__CMD_LOGOUT: {
        /* C7: open invitations end first, their peers told on the link
         * that carries the logout. */
        int st = rtm__session_state(s);
        if (st == RTM_CONNECTION_STATE_CONNECTED || st == RTM_CONNECTION_STATE_RECONNECTING)
            rtm__calls_end_all(c->calls, now, true);
        rtm__session_logout(s, now, op);
        break;
    }
    case RTM__CMD_PEER:
        rtm__session_send_peer(s, now, op, cmd->a, &cmd->msg);
        break;
    case RTM__CMD_JOIN:
        rtm__session_join(s, now, op, cmd->a);
        break;
    case RTM__CMD_LEAVE:
        rtm__session_leave(s, now, op, cmd->a);
        break;
    case RTM__CMD_CHANNEL_MESSAGE:
        rtm__session_send_channel(s, now, op, cmd->a, &cmd->msg);
        break;
    case RTM__CMD_GET_MEMBERS:
        rtm__session_get_members(s, now, op, cmd->a);
        break;
    case RTM__CMD_RELEASE_CHANNEL:
        rtm__session_release_channel(s, now, cmd->a); /* its operations: 101 */
        rtm__ev_channel_closed(cmd->channel);
        break;
    case RTM__CMD_PARAMS:
        rtm__params_clear(&c->params);
        c->params = *cmd->params; /* its strings are c's now */
        free(cmd->params);
        cmd->params = NULL;
        rtm__session_set_params(s, &c->params);
        rtm__calls_set_params(c->calls, &c->params);
        break;
    case RTM__CMD_SET_ATTRIBUTES:
        rtm__session_set_attributes(s, now, op, cmd->set_op, cmd->attrs,
                                    cmd->nattrs, (const char *const *)cmd->keys,
                                    cmd->nkeys);
        break;
    case RTM__CMD_GET_ATTRIBUTES:
        rtm__session_get_attributes(s, now, op, cmd->a,
                                    (const char *const *)cmd->keys, cmd->nkeys);
        break;
    case RTM__CMD_NETWORK_CHANGED:
        rtm__session_network_changed(s, now);
        break;
    case RTM__CMD_RENEW_TOKEN:
        rtm__session_renew_token(s, now, op, cmd->b);
        break;
    case RTM__CMD_QUERY_PEERS:
        rtm__session_query_peers(s, now, op, (const char *const *)cmd->keys, cmd->nkeys);
        break;
    case RTM__CMD_SUBSCRIBE:
    case RTM__CMD_UNSUBSCRIBE:
        rtm__session_subscribe(s, now, op, (const char *const *)cmd->keys, cmd->nkeys,
                               cmd->kind == RTM__CMD_UNSUBSCRIBE);
        break;
    case RTM__CMD_GET_SUBSCRIBED:
        rtm__session_get_subscribed(s, now, op);
        break;
    case RTM__CMD_GET_MEMBER_COUNT:
        rtm__session_get_member_count(s, now, op, (const char *const *)cmd->keys, cmd->nkeys);
        break;
    case RTM__CMD_SET_CHANNEL_ATTRIBUTES:
        rtm__session_set_channel_attributes(s, now, op, cmd->a, cmd->set_op, cmd->attrs,
                                            cmd->nattrs, (const char *const *)cmd->keys,
                                            cmd->nkeys, cmd->notify);
        break;
    case RTM__CMD_GET_CHANNEL_ATTRIBUTES:
        rtm__session_get_channel_attributes(s, now, op, cmd->a,
                                            (const char *const *)cmd->keys, cmd->nkeys);
        break;
    case RTM__CMD_INVITATION:
        rtm__invitation_run(cmd, now);
        break;
    case RTM__CMD_MEDIA:
        rtm__media_run(cmd, now);
        break;
    }
    rtm__rearm(c);
    rtm__cmd_free(cmd);
}

rtm__op *rtm__op_new(rtm_client *c, rtm_channel *ch, rtm__op_kind kind, rtm__callback cb,
                     void *closure)
{
    rtm__op *op = rtm__calloc(1, sizeof(*op));
    if (op == NULL)
        return NULL;
    op->kind = kind;
    op->client = c;
    op->channel = ch;
    if (ch != NULL)
        rtm__channel_ref(ch);
    op->cb = cb;
    op->closure = closure;
    return op;
}

/* Frees op unanswered (a call on a closing client). */
static void rtm__op_discard(rtm__op *op)
{
    if (op->channel != NULL)
        rtm__channel_unref(op->channel);
    free(op);
}

/* Whether op's handle is closing (must hold c->lock). */
static bool rtm__closing(const rtm_client *c, const rtm__op *op)
{
    return atomic_load(&c->destroying) ||
           (op->channel != NULL && atomic_load(&op->channel->released));
}

/*
 * The checks and posts below happen under c->lock, as the close decides,
 * so that nothing is queued behind a close: a command behind the client's
 * shutdown would run without a session, a result behind the close event
 * after the close callback (rtm.h, "Lifetime").
 */
int rtm__refuse(rtm_client *c, rtm__op *op, int code)
{
    pthread_mutex_lock(&c->lock);
    if (rtm__closing(c, op)) {
        pthread_mutex_unlock(&c->lock);
        rtm__op_discard(op);
        return RTM_LOGIN_ERR_NOT_INITIALIZED; /* 101 in every family */
    }
    rtm__complete(c, op, code, NULL); /* no answer to copy: it never logs */
    pthread_mutex_unlock(&c->lock);
    return code;
}

int rtm__submit(rtm_client *c, rtm__cmd *cmd, rtm__op *op)
{
    if (cmd == NULL) /* out of memory */
        return rtm__refuse(c, op, rtm__failure_code(op->kind));
    pthread_mutex_lock(&c->lock);
    if (rtm__closing(c, op)) {
        pthread_mutex_unlock(&c->lock);
        rtm__cmd_free(cmd);
        rtm__op_discard(op);
        return RTM_LOGIN_ERR_NOT_INITIALIZED;
    }
    rtm__cmd_post(c, cmd);
    pthread_mutex_unlock(&c->lock);
    return 0;
}

rtm__cmd *rtm__cmd_new(rtm_client *c, rtm__cmd_kind kind, rtm__op *op, const char *a,
                       const char *b)
{
    rtm__cmd *cmd = rtm__calloc(1, sizeof(*cmd));
    if (cmd == NULL)
        return NULL;
    cmd->kind = kind;
    cmd->client = c;
    cmd->op = op;
    if ((a != NULL && (cmd->a = rtm__strdup(a)) == NULL) ||
        (b != NULL && (cmd->b = rtm__strdup(b)) == NULL)) {
        rtm__cmd_free(cmd);
        return NULL;
    }
    return cmd;
}

void rtm__cmd_post(rtm_client *c, rtm__cmd *cmd)
{
    rtm__loop_post_task(c->loop, &cmd->task, rtm__cmd_run, cmd);
}
