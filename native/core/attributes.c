/*
 * attributes.c: the local user's attributes and channels' attributes: the
 * calls and the checks of keys, values and sizes (SPEC A5) made before
 * anything is sent.
 */
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "client.h"
#include "ids.h"

/* Checks keys (SPEC A5) and copies them into cmd. Returns 0 or an
 * AttributeOperationError. */
static int rtm__copy_keys(rtm__cmd *cmd, const char *const *keys, size_t n)
{
    if (n > 0 && keys == NULL)
        return RTM_ATTRIBUTE_OPERATION_ERR_INVALID_ARGUMENT;
    if (n > RTM__ATTR_COUNT_MAX)
        return RTM_ATTRIBUTE_OPERATION_ERR_SIZE_OVERFLOW;
    for (size_t i = 0; i < n; i++)
        if (rtm__attr_key_check(keys[i]) != 0)
            return rtm__attr_key_check(keys[i]);
    if (cmd == NULL || (cmd->keys = rtm__calloc(n ? n : 1, sizeof(char *))) == NULL)
        return RTM_ATTRIBUTE_OPERATION_ERR_FAILURE;
    for (size_t i = 0; i < n; i++) {
        if ((cmd->keys[i] = rtm__strdup(keys[i])) == NULL)
            return RTM_ATTRIBUTE_OPERATION_ERR_FAILURE;
        cmd->nkeys = i + 1;
    }
    return 0;
}

/* Checks attributes (SPEC A5: key, value, count, total_max bytes in all,
 * no key twice) and copies them into cmd. Returns 0 or an
 * AttributeOperationError. */
static int rtm__copy_attributes(rtm__cmd *cmd, const rtm_attribute *attrs,
                                size_t n, size_t total_max)
{
    if (n > 0 && attrs == NULL)
        return RTM_ATTRIBUTE_OPERATION_ERR_INVALID_ARGUMENT;
    if (n > RTM__ATTR_COUNT_MAX)
        return RTM_ATTRIBUTE_OPERATION_ERR_SIZE_OVERFLOW;
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        if (rtm__attr_key_check(attrs[i].key) != 0)
            return rtm__attr_key_check(attrs[i].key);
        if (attrs[i].value == NULL)
            return RTM_ATTRIBUTE_OPERATION_ERR_INVALID_ARGUMENT;
        for (size_t j = 0; j < i; j++)
            if (strcmp(attrs[i].key, attrs[j].key) == 0)
                return RTM_ATTRIBUTE_OPERATION_ERR_INVALID_ARGUMENT;
        size_t vlen = strlen(attrs[i].value);
        if (vlen > RTM__ATTR_VALUE_MAX)
            return RTM_ATTRIBUTE_OPERATION_ERR_SIZE_OVERFLOW;
        total += strlen(attrs[i].key) + vlen;
    }
    if (total > total_max)
        return RTM_ATTRIBUTE_OPERATION_ERR_SIZE_OVERFLOW;
    if (cmd == NULL || (cmd->attrs = rtm__calloc(n ? n : 1, sizeof(*cmd->attrs))) == NULL)
        return RTM_ATTRIBUTE_OPERATION_ERR_FAILURE;
    for (size_t i = 0; i < n; i++) {
        char *k = rtm__strdup(attrs[i].key);
        char *v = rtm__strdup(attrs[i].value);
        cmd->attrs[i].key = k;
        cmd->attrs[i].value = v;
        cmd->nattrs = i + 1;
        if (k == NULL || v == NULL)
            return RTM_ATTRIBUTE_OPERATION_ERR_FAILURE;
    }
    return 0;
}

/* One of the four changes of the local user's attributes or, with a
 * channel, of that channel's. */
static int rtm__change_attributes(rtm_client *c, const char *channel,
                                  const rtm_channel_attribute_options *options, int set_op,
                                  const rtm_attribute *attrs, size_t nattrs,
                                  const char *const *keys, size_t nkeys,
                                  rtm_result_cb cb, void *closure)
{
    if (c == NULL)
        return RTM_ATTRIBUTE_OPERATION_ERR_NOT_INITIALIZED;
    rtm__op *op = rtm__op_new(c, NULL,
                              channel ? RTM__OP_SET_CHANNEL_ATTRIBUTES : RTM__OP_SET_ATTRIBUTES,
                              RTM__RESULT_CB(cb), closure);
    if (op == NULL)
        return RTM_ATTRIBUTE_OPERATION_ERR_FAILURE;
    if (channel != NULL && !rtm__channel_id_valid(channel)) /* A3 */
        return rtm__refuse(c, op, RTM_ATTRIBUTE_OPERATION_ERR_INVALID_ARGUMENT);
    rtm__cmd *cmd = rtm__cmd_new(c,
                                 channel ? RTM__CMD_SET_CHANNEL_ATTRIBUTES
                                         : RTM__CMD_SET_ATTRIBUTES,
                                 op, channel, NULL);
    int rc = rtm__copy_attributes(cmd, attrs, nattrs,
                                  channel ? RTM__CHATTR_TOTAL_MAX : RTM__ATTR_TOTAL_MAX);
    if (rc == 0)
        rc = rtm__copy_keys(cmd, keys, nkeys);
    if (rc != 0) {
        if (cmd != NULL) {
            cmd->op = NULL;
            rtm__cmd_free(cmd);
        }
        return rtm__refuse(c, op, rc);
    }
    cmd->set_op = set_op;
    cmd->notify = options != NULL && options->enable_notification_to_channel_members;
    return rtm__submit(c, cmd, op);
}

/* The local user's attributes. */
static int rtm__set_attributes(rtm_client *c, int set_op, const rtm_attribute *attrs,
                               size_t nattrs, const char *const *keys, size_t nkeys,
                               rtm_result_cb cb, void *closure)
{
    return rtm__change_attributes(c, NULL, NULL, set_op, attrs, nattrs, keys, nkeys, cb,
                                  closure);
}

int rtm_set_local_user_attributes(rtm_client *c, const rtm_attribute *attrs,
                                  size_t count, rtm_result_cb cb,
                                  void *closure)
{
    return rtm__set_attributes(c, RTM__WIRE__SET_ATTRIBUTES__OP__OP_SET, attrs,
                               count, NULL, 0, cb, closure);
}

int rtm_add_or_update_local_user_attributes(rtm_client *c,
                                            const rtm_attribute *attrs,
                                            size_t count, rtm_result_cb cb,
                                            void *closure)
{
    return rtm__set_attributes(c, RTM__WIRE__SET_ATTRIBUTES__OP__OP_ADD_OR_UPDATE,
                               attrs, count, NULL, 0, cb, closure);
}

int rtm_delete_local_user_attributes_by_keys(rtm_client *c,
                                             const char *const *keys,
                                             size_t count, rtm_result_cb cb,
                                             void *closure)
{
    return rtm__set_attributes(c, RTM__WIRE__SET_ATTRIBUTES__OP__OP_DELETE, NULL,
                               0, keys, count, cb, closure);
}

int rtm_clear_local_user_attributes(rtm_client *c, rtm_result_cb cb,
                                    void *closure)
{
    return rtm__set_attributes(c, RTM__WIRE__SET_ATTRIBUTES__OP__OP_CLEAR, NULL,
                               0, NULL, 0, cb, closure);
}

/* A get of attributes (op made, its callback set): the id (a user's or a
 * channel's) was checked with valid; keys are checked and copied here. */
static int rtm__get_attributes(rtm_client *c, rtm__op *op, rtm__cmd_kind kind,
                               const char *id, bool valid, const char *const *keys,
                               size_t count)
{
    if (!valid) /* A3 */
        return rtm__refuse(c, op, RTM_ATTRIBUTE_OPERATION_ERR_INVALID_ARGUMENT);
    rtm__cmd *cmd = rtm__cmd_new(c, kind, op, id, NULL);
    int rc = rtm__copy_keys(cmd, keys, count);
    if (rc != 0) {
        if (cmd != NULL) {
            cmd->op = NULL;
            rtm__cmd_free(cmd);
        }
        return rtm__refuse(c, op, rc);
    }
    return rtm__submit(c, cmd, op);
}

int rtm_get_user_attributes_by_keys(rtm_client *c, const char *user_id,
                                    const char *const *keys, size_t count,
                                    rtm_attributes_cb cb, void *closure)
{
    if (c == NULL)
        return RTM_ATTRIBUTE_OPERATION_ERR_NOT_INITIALIZED;
    rtm__op *op = rtm__op_new(c, NULL, RTM__OP_GET_ATTRIBUTES, RTM__ATTRIBUTES_CB(cb), closure);
    if (op == NULL)
        return RTM_ATTRIBUTE_OPERATION_ERR_FAILURE;
    return rtm__get_attributes(c, op, RTM__CMD_GET_ATTRIBUTES, user_id,
                               rtm__user_id_valid(user_id), keys, count);
}

int rtm_get_user_attributes(rtm_client *c, const char *user_id,
                            rtm_attributes_cb cb, void *closure)
{
    return rtm_get_user_attributes_by_keys(c, user_id, NULL, 0, cb, closure);
}

int rtm_set_channel_attributes(rtm_client *c, const char *channel_id,
                               const rtm_attribute *attrs, size_t count,
                               const rtm_channel_attribute_options *options,
                               rtm_result_cb cb, void *closure)
{
    /* A NULL channel id is refused as invalid, not taken for the user's. */
    return rtm__change_attributes(c, channel_id ? channel_id : "", options,
                                  RTM__WIRE__SET_ATTRIBUTES__OP__OP_SET, attrs, count, NULL,
                                  0, cb, closure);
}

int rtm_add_or_update_channel_attributes(rtm_client *c, const char *channel_id,
                                         const rtm_attribute *attrs, size_t count,
                                         const rtm_channel_attribute_options *options,
                                         rtm_result_cb cb, void *closure)
{
    return rtm__change_attributes(c, channel_id ? channel_id : "", options,
                                  RTM__WIRE__SET_ATTRIBUTES__OP__OP_ADD_OR_UPDATE, attrs,
                                  count, NULL, 0, cb, closure);
}

int rtm_delete_channel_attributes_by_keys(rtm_client *c, const char *channel_id,
                                          const char *const *keys, size_t count,
                                          const rtm_channel_attribute_options *options,
                                          rtm_result_cb cb, void *closure)
{
    return rtm__change_attributes(c, channel_id ? channel_id : "", options,
                                  RTM__WIRE__SET_ATTRIBUTES__OP__OP_DELETE, NULL, 0, keys,
                                  count, cb, closure);
}

int rtm_clear_channel_attributes(rtm_client *c, const char *channel_id,
                                 const rtm_channel_attribute_options *options,
                                 rtm_result_cb cb, void *closure)
{
    return rtm__change_attributes(c, channel_id ? channel_id : "", options,
                                  RTM__WIRE__SET_ATTRIBUTES__OP__OP_CLEAR, NULL, 0, NULL, 0,
                                  cb, closure);
}

int rtm_get_channel_attributes_by_keys(rtm_client *c, const char *channel_id,
                                       const char *const *keys, size_t count,
                                       rtm_channel_attributes_cb cb, void *closure)
{
    if (c == NULL)
        return RTM_ATTRIBUTE_OPERATION_ERR_NOT_INITIALIZED;
    rtm__op *op = rtm__op_new(c, NULL, RTM__OP_GET_CHANNEL_ATTRIBUTES,
                              RTM__CHANNEL_ATTRIBUTES_CB(cb), closure);
    if (op == NULL)
        return RTM_ATTRIBUTE_OPERATION_ERR_FAILURE;
    return rtm__get_attributes(c, op, RTM__CMD_GET_CHANNEL_ATTRIBUTES, channel_id,
                               rtm__channel_id_valid(channel_id), keys, count);
}

int rtm_get_channel_attributes(rtm_client *c, const char *channel_id,
                               rtm_channel_attributes_cb cb, void *closure)
{
    return rtm_get_channel_attributes_by_keys(c, channel_id, NULL, 0, cb, closure);
}
