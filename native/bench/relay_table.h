/*
 * relay_table.h: rtm-relay's names and groups: an open-addressing hash table
 * (linear probing, backward-shift deletion) from byte strings to pointers.
 *
 * Keys are borrowed: the value owns its key, which must stay unchanged while
 * the entry is in the table. Lookups take (bytes, length) so that a name
 * read from a frame needs no copy.
 */
#ifndef RTM_BENCH_RELAY_TABLE_H
#define RTM_BENCH_RELAY_TABLE_H

#include <stddef.h>
#include <stdint.h>

typedef struct relay_slot {
    uint64_t hash;
    const char *key;   /* NULL: empty */
    size_t len;
    void *value;
} relay_slot;

typedef struct relay_table {
    relay_slot *slots;
    size_t cap;        /* 0 or a power of two */
    size_t count;
} relay_table;

/* The value under key, or NULL. */
void *relay_table_get(const relay_table *t, const char *key, size_t len);
/* Adds key (absent: check with get first). 0, or -1 out of memory. */
int relay_table_add(relay_table *t, const char *key, size_t len, void *value);
/* Removes key if present. */
void relay_table_del(relay_table *t, const char *key, size_t len);
/* Frees the slots (not the values). */
void relay_table_free(relay_table *t);

#endif
