/*
 * presence.c: peers' online status (SPEC A8: query, subscribe, the
 * subscribed list) and channels' member counts.
 */
#include <stdlib.h>

#include "alloc.h"
#include "client.h"
#include "ids.h"

/* Checks 1..max ids (A3: valid(id)) and submits kind with copies of them.
 * invalid and overflow are the family's codes for a bad list and for more
 * than max. */
static int rtm__submit_ids(rtm_client *c, rtm__op *op, rtm__cmd_kind kind,
                           const char *const *users, size_t n, size_t max,
                           bool (*valid)(const char *), int invalid, int overflow)
{
    if (n == 0 || users == NULL)
        return rtm__refuse(c, op, invalid);
    if (n > max)
        return rtm__refuse(c, op, overflow);
    for (size_t i = 0; i < n; i++)
        if (!valid(users[i]))
            return rtm__refuse(c, op, invalid);
    rtm__cmd *cmd = rtm__cmd_new(c, kind, op, NULL, NULL);
    bool ok = cmd != NULL && (cmd->keys = rtm__calloc(n, sizeof(char *))) != NULL;
    for (size_t i = 0; ok && i < n; i++) {
        ok = (cmd->keys[i] = rtm__strdup(users[i])) != NULL;
        cmd->nkeys = ok ? i + 1 : i;
    }
    if (!ok && cmd != NULL) {
        rtm__cmd_free(cmd);
        cmd = NULL;
    }
    return rtm__submit(c, cmd, op);
}

int rtm_query_peers_online_status(rtm_client *c, const char *const *peer_ids,
                                  size_t count, rtm_peer_status_cb cb, void *closure)
{
    if (c == NULL)
        return RTM_QUERY_PEERS_ONLINE_STATUS_ERR_NOT_INITIALIZED;
    rtm__op *op = rtm__op_new(c, NULL, RTM__OP_QUERY_PEERS, RTM__PEER_STATUS_CB(cb), closure);
    if (op == NULL)
        return RTM_QUERY_PEERS_ONLINE_STATUS_ERR_FAILURE;
    return rtm__submit_ids(c, op, RTM__CMD_QUERY_PEERS, peer_ids, count,
                             RTM_QUERY_PEERS_MAX, rtm__user_id_valid,
                             RTM_QUERY_PEERS_ONLINE_STATUS_ERR_INVALID_ARGUMENT,
                             RTM_QUERY_PEERS_ONLINE_STATUS_ERR_INVALID_ARGUMENT);
}

static int rtm__subscription(rtm_client *c, rtm__cmd_kind kind, const char *const *peer_ids,
                             size_t count, rtm_result_cb cb, void *closure)
{
    if (c == NULL)
        return RTM_PEER_SUBSCRIPTION_STATUS_ERR_NOT_INITIALIZED;
    rtm__op *op = rtm__op_new(c, NULL, RTM__OP_SUBSCRIBE, RTM__RESULT_CB(cb), closure);
    if (op == NULL)
        return RTM_PEER_SUBSCRIPTION_STATUS_ERR_FAILURE;
    return rtm__submit_ids(c, op, kind, peer_ids, count, RTM_SUBSCRIPTIONS_MAX,
                             rtm__user_id_valid,
                             RTM_PEER_SUBSCRIPTION_STATUS_ERR_INVALID_ARGUMENT,
                             RTM_PEER_SUBSCRIPTION_STATUS_ERR_OVERFLOW);
}

int rtm_subscribe_peers_online_status(rtm_client *c, const char *const *peer_ids,
                                      size_t count, rtm_result_cb cb, void *closure)
{
    return rtm__subscription(c, RTM__CMD_SUBSCRIBE, peer_ids, count, cb, closure);
}

int rtm_unsubscribe_peers_online_status(rtm_client *c, const char *const *peer_ids,
                                        size_t count, rtm_result_cb cb, void *closure)
{
    return rtm__subscription(c, RTM__CMD_UNSUBSCRIBE, peer_ids, count, cb, closure);
}

int rtm_query_peers_by_subscription_option(rtm_client *c, int option,
                                           rtm_peer_status_cb cb, void *closure)
{
    if (c == NULL)
        return RTM_QUERY_PEERS_BY_SUBSCRIPTION_OPTION_ERR_NOT_INITIALIZED;
    rtm__op *op = rtm__op_new(c, NULL, RTM__OP_GET_SUBSCRIBED, RTM__PEER_STATUS_CB(cb), closure);
    if (op == NULL)
        return RTM_QUERY_PEERS_BY_SUBSCRIPTION_OPTION_ERR_FAILURE;
    if (option != RTM_PEER_SUBSCRIPTION_OPTION_ONLINE)
        return rtm__refuse(c, op, RTM_QUERY_PEERS_BY_SUBSCRIPTION_OPTION_ERR_FAILURE);
    rtm__cmd *cmd = rtm__cmd_new(c, RTM__CMD_GET_SUBSCRIBED, op, NULL, NULL);
    return rtm__submit(c, cmd, op);
}

int rtm_get_channel_member_count(rtm_client *c, const char *const *channel_ids,
                                 size_t count, rtm_member_counts_cb cb, void *closure)
{
    if (c == NULL)
        return RTM_GET_CHANNEL_MEMBER_COUNT_ERR_NOT_INITIALIZED;
    rtm__op *op = rtm__op_new(c, NULL, RTM__OP_GET_MEMBER_COUNT, RTM__MEMBER_COUNTS_CB(cb),
                              closure);
    if (op == NULL)
        return RTM_GET_CHANNEL_MEMBER_COUNT_ERR_FAILURE;
    return rtm__submit_ids(c, op, RTM__CMD_GET_MEMBER_COUNT, channel_ids, count,
                           RTM_MEMBER_COUNT_MAX_CHANNELS, rtm__channel_id_valid,
                           RTM_GET_CHANNEL_MEMBER_COUNT_ERR_INVALID_ARGUMENT,
                           RTM_GET_CHANNEL_MEMBER_COUNT_ERR_EXCEED_LIMIT);
}
