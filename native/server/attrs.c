/* attrs.c: user attributes: each operation, its limits and codes (SPEC A5);
 * the apply and answer logic that channel attributes (chattrs.c) share. */
#include "attrs.h"

#include <stdlib.h>
#include <string.h>

#include "call.h"
#include "engine/engine.h"
#include "ids.h"
#include "outbox.h"
#include "log.h"
#include "rtm/rtm_codes.h"

static int attrs_strcmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* INVALID_ARGUMENT when a key is empty or appears twice, SIZE_OVERFLOW when
 * one is over 32 bytes; else 0. */
static int attrs_check_keys(const char **keys, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int code = rtm__attr_key_check(keys[i]);
        if (code != 0)
            return code;
    }
    if (n < 2)
        return 0;
    const char **sorted = malloc(n * sizeof *sorted);
    if (!sorted)
        return RTM_ATTRIBUTE_OPERATION_ERR_FAILURE;
    memcpy(sorted, keys, n * sizeof *sorted);
    qsort(sorted, n, sizeof *sorted, attrs_strcmp);
    int code = 0;
    for (size_t i = 1; i < n && code == 0; i++)
        if (strcmp(sorted[i - 1], sorted[i]) == 0)
            code = RTM_ATTRIBUTE_OPERATION_ERR_INVALID_ARGUMENT;
    free(sorted);
    return code;
}

static int attrs_push(rtmd_attrv *v, const char *key, const char *value, const char *by,
                      uint64_t ts)
{
    rtmd_attr *items = realloc(v->items, (v->count + 1) * sizeof *items);
    if (!items)
        return -1;
    v->items = items;
    char *k = strdup(key), *val = strdup(value), *b = by ? strdup(by) : NULL;
    if (!k || !val || (by && !b)) {
        free(k);
        free(val);
        free(b);
        return -1;
    }
    v->items[v->count++] = (rtmd_attr){ k, val, b, ts };
    return 0;
}

int rtmd_attrs_apply(const rtmd_attrv *cur, const Rtm__Wire__SetAttributes *op,
                     size_t total_max, const char *by, uint64_t ts, rtmd_attrv *next)
{
    if (!op)
        return RTM_ATTRIBUTE_OPERATION_ERR_INVALID_ARGUMENT;
    next->items = NULL;
    next->count = 0;
    bool with_attrs = op->op == RTM__WIRE__SET_ATTRIBUTES__OP__OP_SET ||
                      op->op == RTM__WIRE__SET_ATTRIBUTES__OP__OP_ADD_OR_UPDATE;
    int code = 0;
    switch (op->op) {
    case RTM__WIRE__SET_ATTRIBUTES__OP__OP_SET:
    case RTM__WIRE__SET_ATTRIBUTES__OP__OP_ADD_OR_UPDATE: {
        const char **keys = malloc((op->n_attributes ? op->n_attributes : 1) * sizeof *keys);
        if (!keys)
            return RTM_ATTRIBUTE_OPERATION_ERR_FAILURE;
        for (size_t i = 0; i < op->n_attributes; i++)
            keys[i] = op->attributes[i] ? op->attributes[i]->key : NULL;
        code = attrs_check_keys(keys, op->n_attributes);
        free(keys);
        for (size_t i = 0; i < op->n_attributes && code == 0; i++) {
            const char *value = op->attributes[i]->value;
            if (value && strlen(value) > RTM__ATTR_VALUE_MAX)
                code = RTM_ATTRIBUTE_OPERATION_ERR_SIZE_OVERFLOW;
        }
        break;
    }
    case RTM__WIRE__SET_ATTRIBUTES__OP__OP_DELETE:
        code = attrs_check_keys((const char **)op->keys, op->n_keys);
        break;
    case RTM__WIRE__SET_ATTRIBUTES__OP__OP_CLEAR:
        return 0;
    default:
        return RTM_ATTRIBUTE_OPERATION_ERR_INVALID_ARGUMENT;
    }
    if (code != 0)
        return code;

    /* The new set: what stays of cur, then the request's entries. */
    for (size_t i = 0; i < cur->count; i++) {
        const char *key = cur->items[i].key;
        bool gone = op->op == RTM__WIRE__SET_ATTRIBUTES__OP__OP_SET;
        for (size_t k = 0; !gone && with_attrs && k < op->n_attributes; k++)
            gone = strcmp(op->attributes[k]->key, key) == 0;
        for (size_t k = 0; !gone && !with_attrs && k < op->n_keys; k++)
            gone = strcmp(op->keys[k], key) == 0;
        if (!gone && attrs_push(next, key, cur->items[i].value, cur->items[i].by,
                                cur->items[i].ts) != 0)
            goto nomem;
    }
    for (size_t k = 0; with_attrs && k < op->n_attributes; k++) {
        const Rtm__Wire__Attribute *a = op->attributes[k];
        if (attrs_push(next, a->key, a->value ? a->value : "", by, ts) != 0)
            goto nomem;
    }
    /* Limits of the result (A5). */
    size_t total = 0;
    for (size_t i = 0; i < next->count; i++)
        total += strlen(next->items[i].key) + strlen(next->items[i].value);
    if (next->count > RTM__ATTR_COUNT_MAX || total > total_max) {
        rtmd_attrv_free(next);
        return RTM_ATTRIBUTE_OPERATION_ERR_SIZE_OVERFLOW;
    }
    return 0;
nomem:
    rtmd_attrv_free(next);
    return RTM_ATTRIBUTE_OPERATION_ERR_FAILURE;
}

static void attrs_set_done(rtmd_eng_op *op)
{
    rtmd_call *call = rtmd_call_of(op);
    rtmd_later_result(&call->answer, op->code);
    rtmd_call_free(call);
}

void rtmd_attrs_set(const rtmd_req *rq, const rtm__frame *f)
{
    if (!rtmd_request_rate_ok(rq)) {
        rtmd_reply_result(rq, RTM_ATTRIBUTE_OPERATION_ERR_TOO_OFTEN);
        return;
    }
    rtmd_call *call = rtmd_call_new(rq->srv, RTMD_ENG_ATTRS_SET, attrs_set_done,
                                    rq->s->app_id, rq->s->user_id, NULL);
    if (!call) {
        rtmd_reply_result(rq, RTM_ATTRIBUTE_OPERATION_ERR_FAILURE);
        return;
    }
    call->op.in.attrs_set.of = (rtmd_user){ call->app, call->user };
    call->op.in.attrs_set.change = f->set_attributes;
    rtmd_call_submit_for(rq, call);
}

int rtmd_attrs_read_check(const rtmd_req *rq, bool id_valid)
{
    if (!id_valid)
        return RTM_ATTRIBUTE_OPERATION_ERR_INVALID_ARGUMENT;
    if (!rtmd_request_rate_ok(rq))
        return RTM_ATTRIBUTE_OPERATION_ERR_TOO_OFTEN;
    return 0;
}

int rtmd_attrs_to_wire(const rtmd_attrv *all, rtmd_wire_attrs *out)
{
    out->items = NULL;
    out->ptrs = NULL;
    out->count = 0;
    if (all->count == 0)
        return 0;
    out->items = calloc(all->count, sizeof *out->items);
    out->ptrs = calloc(all->count, sizeof *out->ptrs);
    if (!out->items || !out->ptrs) {
        rtmd_wire_attrs_free(out);
        return -1;
    }
    for (size_t i = 0; i < all->count; i++) {
        Rtm__Wire__Attribute *a = &out->items[out->count];
        rtm__wire__attribute__init(a);
        a->key = all->items[i].key;
        a->value = all->items[i].value;
        if (all->items[i].by)
            a->last_update_user = all->items[i].by;
        a->last_update_ts = all->items[i].ts;
        out->ptrs[out->count++] = a;
    }
    return 0;
}

void rtmd_wire_attrs_free(rtmd_wire_attrs *w)
{
    free(w->ptrs);
    free(w->items);
    w->ptrs = NULL;
    w->items = NULL;
    w->count = 0;
}

/* Attributes{user, code, the attributes read (sorted by key)} to l. */
static void attrs_answer(rtmd_later *l, const char *user, int code, const rtmd_attrv *attrs)
{
    Rtm__Wire__Attributes out = RTM__WIRE__ATTRIBUTES__INIT;
    out.user = (char *)user;
    out.code = code;
    rtmd_wire_attrs w = { 0 };
    if (out.code == 0 && rtmd_attrs_to_wire(attrs, &w) != 0)
        out.code = RTM_ATTRIBUTE_OPERATION_ERR_FAILURE;
    if (out.code == 0) {
        out.attributes = w.ptrs;
        out.n_attributes = w.count;
    }
    rtm__frame f = RTM__WIRE__FRAME__INIT;
    f.body_case = RTM__WIRE__FRAME__BODY_ATTRIBUTES;
    f.attributes = &out;
    rtmd_later_reply(l, &f);
    rtmd_wire_attrs_free(&w);
}

static void attrs_get_done(rtmd_eng_op *op)
{
    rtmd_call *call = rtmd_call_of(op);
    attrs_answer(&call->answer, call->user, op->code, &op->attrs);
    rtmd_call_free(call);
}

void rtmd_attrs_get(const rtmd_req *rq, const rtm__frame *req)
{
    const Rtm__Wire__GetAttributes *g = req->get_attributes;
    const char *user = g->user ? g->user : "";
    int code = rtmd_attrs_read_check(rq, rtm__user_id_valid(g->user));
    rtmd_call *call = code == 0 ? rtmd_call_new(rq->srv, RTMD_ENG_ATTRS_GET, attrs_get_done,
                                                rq->s->app_id, user, NULL)
                                  : NULL;
    if (!call) {
        rtmd_later now = rtmd_reply_later(rq);
        attrs_answer(&now, user, code ? code : RTM_ATTRIBUTE_OPERATION_ERR_FAILURE, NULL);
        return;
    }
    call->op.in.attrs_get.of = (rtmd_user){ call->app, call->user };
    call->op.in.attrs_get.keys = g->keys;
    call->op.in.attrs_get.n_keys = g->n_keys;
    rtmd_call_submit_for(rq, call);
}
