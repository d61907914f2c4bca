/*
 * messages.c: peer messages and channels: the peer send, the channel
 * handles (create, join, leave, send, members, release) and the checks of
 * what is sent (SPEC A3, A4).
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "client.h"
#include "ids.h"

/* Whether msg is a message that may be sent (SPEC A4). */
static bool rtm__message_ok(const rtm_message *msg)
{
    if (msg == NULL)
        return false;
    if (msg->type == RTM_MESSAGE_TYPE_TEXT)
        return msg->text != NULL && rtm__message_valid(strlen(msg->text), 0, 0);
    if (msg->type == RTM_MESSAGE_TYPE_RAW)
        return (msg->raw != NULL || msg->raw_len == 0) &&
               rtm__message_valid(0, msg->raw_len,
                                  msg->description ? strlen(msg->description) : 0);
    return false;
}

static bool rtm__copy_outgoing(rtm__outgoing *out, const rtm_message *msg)
{
    out->type = (uint32_t)msg->type;
    if (msg->type == RTM_MESSAGE_TYPE_TEXT)
        return (out->text = rtm__strdup(msg->text)) != NULL;
    uint8_t *raw = rtm__malloc(msg->raw_len + 1);
    if (raw == NULL)
        return false;
    if (msg->raw_len > 0)
        memcpy(raw, msg->raw, msg->raw_len);
    out->raw = raw;
    out->raw_len = msg->raw_len;
    if (msg->description != NULL)
        return (out->description = rtm__strdup(msg->description)) != NULL;
    return true;
}

/* Whether app is a file or image message that may be sent (SPEC M3), read
 * into *msg as this library knows the struct (rtm.h, Versions: an older
 * application's is shorter, its missing members zero). */
static bool rtm__media_message_ok(const rtm_media_message *app, rtm_media_message *msg)
{
    memset(msg, 0, sizeof(*msg));
    if (app == NULL || !rtm__struct_copy(msg, sizeof(*msg), app, app->size))
        return false;
    return (msg->type == RTM_MESSAGE_TYPE_FILE || msg->type == RTM_MESSAGE_TYPE_IMAGE) &&
           (msg->thumbnail != NULL || msg->thumbnail_len == 0) &&
           rtm__media_message_valid(msg->media_id,
                                    msg->file_name ? strlen(msg->file_name) : 0,
                                    msg->thumbnail_len, msg->text ? strlen(msg->text) : 0, 0,
                                    0);
}

/* A checked media message (rtm__media_message_ok), copied whole into what
 * the command carries. */
static bool rtm__copy_outgoing_media(rtm__outgoing *out, const rtm_media_message *m)
{
    out->type = (uint32_t)m->type;
    if (m->text != NULL && (out->text = rtm__strdup(m->text)) == NULL)
        return false;
    return (out->media = rtm__media_info_new(m)) != NULL;
}

int rtm_send_peer_message(rtm_client *c, const char *peer_id,
                          const rtm_message *msg, rtm_result_cb cb,
                          void *closure)
{
    return rtm_send_peer_message_with_options(c, peer_id, msg, NULL, cb, closure);
}

/* A peer message, plain (msg) or file or image (media): the checks of A3
 * and A4 or M3, then the command with its copy. */
static int rtm__send_peer(rtm_client *c, const char *peer_id, const rtm_message *msg,
                          const rtm_media_message *media, const rtm_send_options *options,
                          rtm_result_cb cb, void *closure)
{
    if (c == NULL)
        return RTM_PEER_MESSAGE_ERR_NOT_INITIALIZED;
    rtm__op *op = rtm__op_new(c, NULL, RTM__OP_PEER_MESSAGE, RTM__RESULT_CB(cb), closure);
    if (op == NULL)
        return RTM_PEER_MESSAGE_ERR_FAILURE;
    if (!rtm__user_id_valid(peer_id)) /* A3 */
        return rtm__refuse(c, op, RTM_PEER_MESSAGE_ERR_INVALID_USERID);
    rtm_media_message view;
    if (!(media != NULL ? rtm__media_message_ok(media, &view) : rtm__message_ok(msg))) /* A4, M3 */
        return rtm__refuse(c, op, RTM_PEER_MESSAGE_ERR_INVALID_MESSAGE);
    rtm__cmd *cmd = rtm__cmd_new(c, RTM__CMD_PEER, op, peer_id, NULL);
    if (cmd != NULL && !(media != NULL ? rtm__copy_outgoing_media(&cmd->msg, &view)
                                       : rtm__copy_outgoing(&cmd->msg, msg))) {
        rtm__cmd_free(cmd);
        cmd = NULL;
    }
    if (cmd != NULL)
        cmd->msg.offline = options != NULL && options->enable_offline_messaging;
    return rtm__submit(c, cmd, op);
}

int rtm_send_peer_message_with_options(rtm_client *c, const char *peer_id,
                                       const rtm_message *msg,
                                       const rtm_send_options *options,
                                       rtm_result_cb cb, void *closure)
{
    return rtm__send_peer(c, peer_id, msg, NULL, options, cb, closure);
}

int rtm_send_peer_media_message(rtm_client *c, const char *peer_id,
                                const rtm_media_message *msg, const rtm_send_options *options,
                                rtm_result_cb cb, void *closure)
{
    /* A NULL msg is refused as a message that may not be sent. */
    static const rtm_media_message none; /* size 0: refused */
    return rtm__send_peer(c, peer_id, NULL, msg != NULL ? msg : &none, options, cb, closure);
}

rtm_channel *rtm_channel_create(rtm_client *c, const char *channel_id,
                                const rtm_channel_callbacks *callbacks,
                                void *closure)
{
    if (c == NULL || atomic_load(&c->destroying) ||
        !rtm__channel_id_valid(channel_id))
        return NULL;
    rtm_channel *ch = rtm__calloc(1, sizeof(*ch));
    if (ch == NULL)
        return NULL;
    ch->client = c;
    snprintf(ch->id, sizeof(ch->id), "%s", channel_id);
    if ((callbacks != NULL &&
         !rtm__struct_copy(&ch->cb, sizeof(ch->cb), callbacks, callbacks->size)) ||
        (ch->release = rtm__cmd_new(c, RTM__CMD_RELEASE_CHANNEL, NULL, ch->id, NULL)) == NULL) {
        free(ch);
        return NULL;
    }
    ch->closure = closure;
    atomic_init(&ch->refs, 1);
    atomic_init(&ch->released, false);
    pthread_mutex_lock(&c->lock);
    bool taken = atomic_load(&c->destroying); /* closed meanwhile */
    for (rtm_channel *it = c->channels; !taken && it != NULL; it = it->next)
        taken = strcmp(it->id, channel_id) == 0;
    if (taken) {
        pthread_mutex_unlock(&c->lock);
        rtm__cmd_free(ch->release);
        free(ch);
        return NULL;
    }
    ch->next = c->channels;
    c->channels = ch;
    pthread_mutex_unlock(&c->lock);
    return ch;
}

const char *rtm_channel_id(const rtm_channel *ch)
{
    return ch ? ch->id : NULL;
}

rtm_client *rtm_channel_client(const rtm_channel *ch)
{
    return ch ? ch->client : NULL;
}

/* A channel operation: a NULL handle gets NOT_INITIALIZED, which is 101 in
 * every family. */
static int rtm__channel_op_any(rtm_channel *ch, rtm__cmd_kind kind, rtm__op_kind op_kind,
                               rtm__callback cb, void *closure, const rtm_message *msg,
                               const rtm_media_message *media)
{
    /* A released channel is used only by a callback still due (rtm.h):
     * refused, with no callback. */
    if (ch == NULL || atomic_load(&ch->released))
        return RTM_JOIN_CHANNEL_ERR_NOT_INITIALIZED;
    rtm_client *c = ch->client;
    rtm__op *op = rtm__op_new(c, ch, op_kind, cb, closure);
    if (op == NULL)
        return 1; /* FAILURE in every channel family */
    rtm_media_message view;
    if (kind == RTM__CMD_CHANNEL_MESSAGE &&
        !(media != NULL ? rtm__media_message_ok(media, &view) : rtm__message_ok(msg))) /* A4, M3 */
        return rtm__refuse(c, op, RTM_CHANNEL_MESSAGE_ERR_INVALID_MESSAGE);
    rtm__cmd *cmd = rtm__cmd_new(c, kind, op, ch->id, NULL);
    if (cmd != NULL && ((msg != NULL && !rtm__copy_outgoing(&cmd->msg, msg)) ||
                        (media != NULL && !rtm__copy_outgoing_media(&cmd->msg, &view)))) {
        rtm__cmd_free(cmd);
        cmd = NULL;
    }
    return rtm__submit(c, cmd, op);
}

static int rtm__channel_op(rtm_channel *ch, rtm__cmd_kind kind, rtm__op_kind op_kind,
                           rtm__callback cb, void *closure, const rtm_message *msg)
{
    return rtm__channel_op_any(ch, kind, op_kind, cb, closure, msg, NULL);
}

int rtm_channel_send_media_message(rtm_channel *ch, const rtm_media_message *msg,
                                   rtm_result_cb cb, void *closure)
{
    /* A NULL msg is refused as a message that may not be sent. */
    static const rtm_media_message none;
    return rtm__channel_op_any(ch, RTM__CMD_CHANNEL_MESSAGE, RTM__OP_CHANNEL_MESSAGE,
                               RTM__RESULT_CB(cb), closure, NULL, msg != NULL ? msg : &none);
}

int rtm_channel_join(rtm_channel *ch, rtm_result_cb cb, void *closure)
{
    return rtm__channel_op(ch, RTM__CMD_JOIN, RTM__OP_JOIN, RTM__RESULT_CB(cb), closure, NULL);
}

int rtm_channel_leave(rtm_channel *ch, rtm_result_cb cb, void *closure)
{
    return rtm__channel_op(ch, RTM__CMD_LEAVE, RTM__OP_LEAVE, RTM__RESULT_CB(cb), closure,
                           NULL);
}

int rtm_channel_send_message(rtm_channel *ch, const rtm_message *msg,
                             rtm_result_cb cb, void *closure)
{
    return rtm__channel_op(ch, RTM__CMD_CHANNEL_MESSAGE, RTM__OP_CHANNEL_MESSAGE,
                           RTM__RESULT_CB(cb), closure, msg);
}

int rtm_channel_get_members(rtm_channel *ch, rtm_members_cb cb, void *closure)
{
    return rtm__channel_op(ch, RTM__CMD_GET_MEMBERS, RTM__OP_GET_MEMBERS, RTM__MEMBERS_CB(cb),
                           closure, NULL);
}

void rtm_channel_release(rtm_channel *ch)
{
    if (ch == NULL)
        return;
    rtm_client *c = ch->client;
    /* Under the client's lock, like its close: the channel is released by
     * one of the two, and its release command is queued before the
     * client's close, if any. */
    pthread_mutex_lock(&c->lock);
    if (atomic_load(&ch->released)) {
        pthread_mutex_unlock(&c->lock);
        return;
    }
    atomic_store(&ch->released, true);
    for (rtm_channel **pp = &c->channels; *pp; pp = &(*pp)->next) {
        if (*pp == ch) {
            *pp = ch->next;
            break;
        }
    }
    rtm__cmd *cmd = ch->release;
    ch->release = NULL;
    cmd->channel = ch; /* with the registry's reference, to on_closed */
    rtm__cmd_post(c, cmd);
    pthread_mutex_unlock(&c->lock);
}
