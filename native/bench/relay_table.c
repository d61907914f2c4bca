/* relay_table.c: linear probing at most 3/4 full, FNV-1a (relay_table.h). */
#include "relay_table.h"

#include <stdlib.h>
#include <string.h>

static uint64_t table_hash(const char *key, size_t len)
{
    uint64_t h = 14695981039346656037ULL;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)key[i];
        h *= 1099511628211ULL;
    }
    return h;
}

/* The slot holding key, or the empty slot where the probe ended. */
static relay_slot *table_find(const relay_table *t, const char *key, size_t len,
                              uint64_t hash)
{
    size_t mask = t->cap - 1;
    for (size_t i = hash & mask;; i = (i + 1) & mask) {
        relay_slot *s = &t->slots[i];
        if (s->key == NULL ||
            (s->hash == hash && s->len == len && memcmp(s->key, key, len) == 0))
            return s;
    }
}

void *relay_table_get(const relay_table *t, const char *key, size_t len)
{
    if (t->count == 0)
        return NULL;
    relay_slot *s = table_find(t, key, len, table_hash(key, len));
    return s->key ? s->value : NULL;
}

static int table_grow(relay_table *t)
{
    size_t cap = t->cap ? t->cap * 2 : 16;
    relay_slot *slots = calloc(cap, sizeof(*slots));
    if (slots == NULL)
        return -1;
    relay_table old = *t;
    t->slots = slots;
    t->cap = cap;
    for (size_t i = 0; i < old.cap; i++)
        if (old.slots[i].key != NULL)
            *table_find(t, old.slots[i].key, old.slots[i].len, old.slots[i].hash) =
                old.slots[i];
    free(old.slots);
    return 0;
}

int relay_table_add(relay_table *t, const char *key, size_t len, void *value)
{
    if ((t->count + 1) * 4 > t->cap * 3 && table_grow(t) != 0)
        return -1;
    uint64_t hash = table_hash(key, len);
    *table_find(t, key, len, hash) = (relay_slot){hash, key, len, value};
    t->count++;
    return 0;
}

void relay_table_del(relay_table *t, const char *key, size_t len)
{
    if (t->count == 0)
        return;
    relay_slot *s = table_find(t, key, len, table_hash(key, len));
    if (s->key == NULL)
        return;
    /* Backward shift: move later entries of the run into the hole when
     * their home slot is not between the hole and them, so that no probe
     * meets an empty slot before its key (no tombstones to clean up). */
    size_t mask = t->cap - 1;
    size_t hole = (size_t)(s - t->slots);
    for (size_t i = (hole + 1) & mask; t->slots[i].key != NULL; i = (i + 1) & mask) {
        size_t home = t->slots[i].hash & mask;
        if (((i - home) & mask) >= ((i - hole) & mask)) {
            t->slots[hole] = t->slots[i];
            hole = i;
        }
    }
    t->slots[hole] = (relay_slot){0};
    t->count--;
}

void relay_table_free(relay_table *t)
{
    free(t->slots);
    *t = (relay_table){0};
}
