/*
 * redis_inbox.h: a node's inbox in Redis, read (issue 16: routing between
 * nodes, docs/CLUSTER.md). Other nodes' operations leave what concerns this
 * node's sessions in the stream rtm/inbox/NODE, each entry numbered; this
 * reads it in order on a connection of its own, with XREAD BLOCK, and hands
 * each batch to the engine, which asks for the next once it has dealt with
 * it (then the batch is trimmed from the stream). The stream is the truth:
 * nothing is lost while this node's connection is down; it reads on from
 * the last entry it was given.
 */
#ifndef RTMD_REDIS_INBOX_H
#define RTMD_REDIS_INBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct event_base;

typedef struct rtmd_redis_inbox rtmd_redis_inbox;

/* One field of an entry; value may hold any bytes (len). */
typedef struct {
    char *name;
    char *value;
    size_t len;
} rtmd_inbox_field;

typedef struct {
    rtmd_inbox_field *fields;
    size_t count;
} rtmd_inbox_entry;

/* The entries read, in order; the engine calls rtmd_redis_inbox_next once
 * it has dealt with them (they are freed then). */
typedef void (*rtmd_inbox_fn)(rtmd_redis_inbox *in, const rtmd_inbox_entry *entries, size_t n,
                              void *arg);

typedef struct {
    const char *address;   /* redis_conn.h's */
    uint32_t db;
    const char *node;      /* reads rtm/inbox/NODE */
    uint32_t timeout_ms;   /* a command's deadline beyond the block */
    rtmd_inbox_fn batch;
    void *arg;
} rtmd_redis_inbox_config;

/* Starts reading: the stream's entries from before this start are
 * dropped first (they were for sessions the node had then, which resume
 * as after a restart). NULL when out of memory or for a bad address. */
rtmd_redis_inbox *rtmd_redis_inbox_new(struct event_base *base, const rtmd_redis_inbox_config *cfg);
/* The last batch was dealt with: it is trimmed, and the next is read. */
void rtmd_redis_inbox_next(rtmd_redis_inbox *in);
void rtmd_redis_inbox_free(rtmd_redis_inbox *in);
/* Whether the entries of before the start were dropped: from then on,
 * nothing left for this node is lost. */
bool rtmd_redis_inbox_cleared(const rtmd_redis_inbox *in);

/* The value of the first field called name in e, or NULL (len set). */
const char *rtmd_inbox_get(const rtmd_inbox_entry *e, const char *name, size_t *len);

#endif
