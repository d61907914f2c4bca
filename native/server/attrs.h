/*
 * attrs.h: user attributes (SPEC A5, S14): SetAttributes and GetAttributes.
 *
 * A session's attributes live in the store with the session and end with
 * it (logout, grace expiry, replacement by another instance).
 */
#ifndef RTMD_ATTRS_H
#define RTMD_ATTRS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/engine.h"
#include "frame.h"
#include "outbox.h"
#include "requests.h"
#include "server.h"
#include "session.h"

/* The handlers of SetAttributes and GetAttributes (requests.c). */
void rtmd_attrs_set(const rtmd_req *rq, const rtm__frame *f);
void rtmd_attrs_get(const rtmd_req *rq, const rtm__frame *f);

/* The AttributeOperationError of applying op (attributes / keys) to cur,
 * with at most total_max bytes of keys and values after it; on 0, *next is
 * the new set (owned, any order), its entries from op stamped with by (may
 * be NULL) and ts, the others as in cur. Nothing else changes. A NULL op is
 * INVALID_ARGUMENT. */
int rtmd_attrs_apply(const rtmd_attrv *cur, const Rtm__Wire__SetAttributes *op,
                     size_t total_max, const char *by, uint64_t ts, rtmd_attrv *next);


/* The first checks of a read of attributes: INVALID_ARGUMENT when the id
 * read about is not valid, else TOO_OFTEN over s's attribute-reads rate (the
 * read counts), else 0. */
int rtmd_attrs_read_check(const rtmd_req *rq, bool id_valid);

/* Wire Attribute entries borrowing the strings of an rtmd_attrv. */
typedef struct {
    Rtm__Wire__Attribute *items;
    Rtm__Wire__Attribute **ptrs;  /* n_attributes/attributes of a frame */
    size_t count;
} rtmd_wire_attrs;

/* The entries of all, in its order, with last_update_* from by/ts. 0, or
 * -1 when out of memory. Valid while all is; free with rtmd_wire_attrs_free. */
int rtmd_attrs_to_wire(const rtmd_attrv *all, rtmd_wire_attrs *out);

void rtmd_wire_attrs_free(rtmd_wire_attrs *w);

#endif
