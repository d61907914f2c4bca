/*
 * attrs.h: user attributes (SPEC A5, S14): SetAttributes and GetAttributes.
 *
 * A session's attributes live in the store with the session and end with
 * it (logout, grace expiry, replacement by another instance).
 */
#ifndef RTMD_ATTRS_H
#define RTMD_ATTRS_H

#include <stdbool.h>

#include "frame.h"
#include "server.h"
#include "session.h"

/* Handles SetAttributes or GetAttributes from s and answers on its link.
 * Returns false for any other body. */
bool rtmd_attrs_request(rtmd_server *srv, rtmd_session *s, const rtm__frame *f);

/* The AttributeOperationError of applying op (attributes / keys) to cur;
 * on 0, *next is the new set (owned, any order). Nothing else changes. */
int rtmd_attrs_apply(const rtmd_attrv *cur, const Rtm__Wire__SetAttributes *op,
                     rtmd_attrv *next);

#endif
