/* engine.c: the operations on the in-memory store, as engines that keep it
 * apply them, and what every engine shares. */
#include "engine.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "attrs.h"
#include "ids.h"
#include "rtm/rtm_codes.h"

void rtmd_engine_op_clear(rtmd_eng_op *op)
{
    rtmd_attrv_free(&op->attrs);
    rtmd_banv_free(&op->bans);
    rtmd_strv_free(&op->users);
}

/* Keeps in v only the entries whose key is one of keys (all when n_keys is
 * 0), in their order. */
static void keep_keys(rtmd_attrv *v, char *const *keys, size_t n_keys)
{
    if (n_keys == 0)
        return;
    size_t kept = 0;
    for (size_t i = 0; i < v->count; i++) {
        bool wanted = false;
        for (size_t k = 0; !wanted && k < n_keys; k++)
            wanted = keys[k] && strcmp(keys[k], v->items[i].key) == 0;
        if (wanted) {
            v->items[kept++] = v->items[i];
            continue;
        }
        free(v->items[i].key);
        free(v->items[i].value);
        free(v->items[i].by);
    }
    v->count = kept;
}

/* Each returns the operation's AttributeOperationError. */
static int apply_attrs_get(rtmd_store *st, rtmd_user of, rtmd_attrv *out)
{
    if (!rtmd_store_session_has(st, of))
        return RTM_ATTRIBUTE_OPERATION_ERR_USER_NOT_FOUND;
    return rtmd_store_attrs_get(st, of, out) == RTMD_STORE_OK
               ? RTM_ATTRIBUTE_OPERATION_ERR_OK
               : RTM_ATTRIBUTE_OPERATION_ERR_FAILURE;
}

static int apply_attrs_set(rtmd_store *st, rtmd_user of,
                           const Rtm__Wire__SetAttributes *change)
{
    rtmd_attrv cur = { 0 }, next = { 0 };
    int code = apply_attrs_get(st, of, &cur);
    if (code == RTM_ATTRIBUTE_OPERATION_ERR_USER_NOT_FOUND)
        code = RTM_ATTRIBUTE_OPERATION_ERR_FAILURE; /* the asker has no session */
    if (code == 0)
        code = rtmd_attrs_apply(&cur, change, RTM__ATTR_TOTAL_MAX, NULL, 0, &next);
    if (code == 0 && rtmd_store_attrs_put(st, of, &next) != RTMD_STORE_OK)
        code = RTM_ATTRIBUTE_OPERATION_ERR_FAILURE;
    rtmd_attrv_free(&cur);
    rtmd_attrv_free(&next);
    return code;
}

static int apply_chattrs_set(rtmd_store *st, const char *app, const char *channel,
                             const Rtm__Wire__SetAttributes *change, const char *by,
                             uint64_t ts, rtmd_attrv *after)
{
    rtmd_attrv cur = { 0 }, next = { 0 };
    int code = 0;
    if (rtmd_store_chattrs_get(st, app, channel, &cur) != RTMD_STORE_OK)
        code = RTM_ATTRIBUTE_OPERATION_ERR_FAILURE;
    else if ((code = rtmd_attrs_apply(&cur, change, RTM__CHATTR_TOTAL_MAX, by, ts, &next)) ==
                 0 &&
             (rtmd_store_chattrs_put(st, app, channel, &next) != RTMD_STORE_OK ||
              rtmd_store_chattrs_get(st, app, channel, after) != RTMD_STORE_OK))
        code = RTM_ATTRIBUTE_OPERATION_ERR_FAILURE;
    rtmd_attrv_free(&cur);
    rtmd_attrv_free(&next);
    return code;
}

static int apply_strcmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* How many distinct users of users[0..n) `of` does not follow yet;
 * SIZE_MAX when out of memory. */
static size_t apply_count_new(rtmd_store *st, rtmd_user of, char *const *users, size_t n)
{
    char **sorted = malloc(n * sizeof *sorted);
    if (!sorted)
        return SIZE_MAX;
    memcpy(sorted, users, n * sizeof *sorted);
    qsort(sorted, n, sizeof *sorted, apply_strcmp);
    size_t fresh = 0;
    for (size_t i = 0; i < n; i++)
        if ((i == 0 || strcmp(sorted[i - 1], sorted[i]) != 0) &&
            !rtmd_store_sub_has(st, of, sorted[i]))
            fresh++;
    free(sorted);
    return fresh;
}

/* Adds the subscriptions of users[0..n), all or none; *added gets copies of
 * the users newly added, in the order asked. */
static int apply_subscribe(rtmd_store *st, rtmd_user of, char *const *users, size_t n,
                           size_t max, rtmd_strv *added)
{
    size_t fresh = apply_count_new(st, of, users, n);
    if (fresh == SIZE_MAX || !(added->items = calloc(n ? n : 1, sizeof *added->items)))
        return RTM_PEER_SUBSCRIPTION_STATUS_ERR_FAILURE;
    if (rtmd_store_sub_count(st, of) + fresh > max)
        return RTM_PEER_SUBSCRIPTION_STATUS_ERR_OVERFLOW;
    for (size_t i = 0; i < n; i++) {
        rtmd_store_status s = rtmd_store_sub_add(st, of, users[i]);
        if (s == RTMD_STORE_EXISTS)
            continue;
        if (s == RTMD_STORE_OK && (added->items[added->count] = strdup(users[i]))) {
            added->count++;
            continue;
        }
        if (s == RTMD_STORE_OK)
            rtmd_store_sub_remove(st, of, users[i]);
        while (added->count > 0) {
            char *u = added->items[--added->count];
            rtmd_store_sub_remove(st, of, u);
            free(u);
        }
        return RTM_PEER_SUBSCRIPTION_STATUS_ERR_FAILURE;
    }
    return RTM_PEER_SUBSCRIPTION_STATUS_ERR_OK;
}

/* followers_foreach's callback: one more user in a strv (items NULL once
 * out of memory). */
static void apply_follower(rtmd_user u, void *closure)
{
    rtmd_strv *v = closure;
    if (!v->items)
        return;
    char **items = realloc(v->items, (v->count + 1) * sizeof *items);
    char *copy = items ? strdup(u.user) : NULL;
    if (items)
        v->items = items;
    if (!copy) {
        rtmd_strv_free(v);
        return;
    }
    v->items[v->count++] = copy;
}

static rtmd_store_status apply_followers(rtmd_store *st, rtmd_user of, rtmd_strv *out)
{
    out->items = malloc(sizeof *out->items);
    out->count = 0;
    if (!out->items)
        return RTMD_STORE_NOMEM;
    rtmd_store_followers_foreach(st, of.app, of.user, apply_follower, out);
    return out->items ? RTMD_STORE_OK : RTMD_STORE_NOMEM;
}

void rtmd_engine_apply(rtmd_store *st, rtmd_eng_op *op)
{
    op->attrs = (rtmd_attrv){ NULL, 0 };
    op->bans = (rtmd_banv){ NULL, 0 };
    op->users = (rtmd_strv){ NULL, 0 };
    op->count = 0;
    switch (op->kind) {
    case RTMD_ENG_ATTRS_GET:
        op->code = apply_attrs_get(st, op->in.attrs_get.of, &op->attrs);
        keep_keys(&op->attrs, op->in.attrs_get.keys, op->in.attrs_get.n_keys);
        break;
    case RTMD_ENG_ATTRS_SET:
        op->code = apply_attrs_set(st, op->in.attrs_set.of, op->in.attrs_set.change);
        break;
    case RTMD_ENG_CHATTRS_GET:
        op->code = rtmd_store_chattrs_get(st, op->in.chattrs_get.app,
                                          op->in.chattrs_get.channel,
                                          &op->attrs) == RTMD_STORE_OK
                       ? RTM_ATTRIBUTE_OPERATION_ERR_OK
                       : RTM_ATTRIBUTE_OPERATION_ERR_FAILURE;
        keep_keys(&op->attrs, op->in.chattrs_get.keys, op->in.chattrs_get.n_keys);
        break;
    case RTMD_ENG_CHATTRS_SET:
        op->code = apply_chattrs_set(st, op->in.chattrs_set.app, op->in.chattrs_set.channel,
                                     op->in.chattrs_set.change, op->in.chattrs_set.by,
                                     op->in.chattrs_set.ts, &op->attrs);
        break;
    case RTMD_ENG_BAN_SET:
        op->code = rtmd_store_ban_put(st, op->in.ban_set.of, op->in.ban_set.until_ms);
        break;
    case RTMD_ENG_BAN_LIFT:
        op->code = rtmd_store_ban_lift(st, op->in.ban_lift.of, op->in.ban_lift.now_ms);
        break;
    case RTMD_ENG_BANS_LIST:
        op->code = rtmd_store_bans_list(st, op->in.bans_list.now_ms, &op->bans);
        break;
    case RTMD_ENG_SUBSCRIBE:
        if (op->in.subscribe.unsubscribe) {
            for (size_t i = 0; i < op->in.subscribe.n_users; i++)
                rtmd_store_sub_remove(st, op->in.subscribe.of, op->in.subscribe.users[i]);
            op->code = RTM_PEER_SUBSCRIPTION_STATUS_ERR_OK;
        } else {
            op->code = apply_subscribe(st, op->in.subscribe.of, op->in.subscribe.users,
                                       op->in.subscribe.n_users, op->in.subscribe.max,
                                       &op->users);
        }
        op->count = rtmd_store_sub_count(st, op->in.subscribe.of);
        break;
    case RTMD_ENG_SUBSCRIBED:
        op->code = rtmd_store_sub_list(st, op->in.subscribed.of, &op->users);
        break;
    case RTMD_ENG_FOLLOWERS:
        op->code = apply_followers(st, op->in.followers.of, &op->users);
        break;
    }
}
