/*
 * cost.h: what the store's entries cost in memory, for the bounds that
 * count real bytes (docs/SERVER.md, "Memory").
 *
 * A bound on payload bytes alone lets small entries cost many times what
 * they count (a 1-byte offline message costs about 200 bytes). So each
 * bound counts what the in-memory store allocates for an entry: its
 * allocations as glibc's malloc sizes them (rtmd_cost), its slot in the
 * ring or array that holds it, and the map entry that finds it. The
 * figures are checked against rtmd's resident memory by
 * tests/server/memory_test.cc.
 */
#ifndef RTMD_COST_H
#define RTMD_COST_H

#include <stddef.h>
#include <string.h>

#include "map.h"

/* The bytes malloc takes for an n-byte request: glibc (x86-64 and arm64)
 * adds an 8-byte header and rounds up to 16, with 32 at least. */
static inline size_t rtmd_cost(size_t n)
{
    size_t c = (n + 8 + 15) & ~(size_t)15;
    return c < 32 ? 32 : c;
}

/* A string's copy (strdup), NULL costing nothing. */
static inline size_t rtmd_cost_str(const char *s)
{
    return s ? rtmd_cost(strlen(s) + 1) : 0;
}

/* A frame or message kept as one allocation of len bytes (an unacknowledged
 * delivery, a channel message of the history); its slot in a ring is
 * counted with the ring. */
static inline size_t rtmd_cost_frame(size_t len)
{
    return rtmd_cost(len ? len : 1);
}

/* An offline message of len bytes from sender from (its slot: the ring's). */
static inline size_t rtmd_cost_offline(size_t len, const char *from)
{
    return rtmd_cost_frame(len) + rtmd_cost_str(from);
}

/* A map entry (map.h) under key, with its share of the bucket array (kept
 * under 3/4 full, so between 1.3 and 2.7 pointers an entry: 2). */
static inline size_t rtmd_cost_map_entry(const char *key)
{
    return rtmd_cost(sizeof(rtmd_map_entry) + strlen(key) + 1) + 2 * sizeof(void *);
}

#endif
