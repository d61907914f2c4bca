/*
 * map.h: a hash map from strings to pointers, for the in-memory store.
 *
 * Keys are copied; values are borrowed (the map never frees them). Removing
 * an entry while iterating is not allowed (collect first), except the entry
 * just visited once rtmd_map_next has stepped past it (removing never
 * rehashes).
 */
#ifndef RTMD_MAP_H
#define RTMD_MAP_H

#include <stddef.h>

typedef struct rtmd_map_entry {
    struct rtmd_map_entry *next;
    size_t hash;
    void *value;
    char key[]; /* NUL-terminated */
} rtmd_map_entry;

typedef struct {
    rtmd_map_entry **buckets;
    size_t nbuckets; /* 0 or a power of two */
    size_t count;
} rtmd_map;

#define RTMD_MAP_INIT { NULL, 0, 0 }

/* Keys made of two ids (an app id and a user or channel id) join them with
 * this separator, which ids never hold (they have no control characters). */
#define RTMD_MAP_KEY_SEP '\x1f'

/* "a\x1fb" in buf, or NULL when it does not fit in size bytes. */
const char *rtmd_map_key2(char *buf, size_t size, const char *a, const char *b);

/* The value for key, or NULL. */
void *rtmd_map_get(const rtmd_map *m, const char *key);
/* Adds or replaces. Returns 0, or -1 when out of memory (map unchanged). */
int rtmd_map_put(rtmd_map *m, const char *key, void *value);
/* Removes key; returns its value, or NULL when absent. */
void *rtmd_map_del(rtmd_map *m, const char *key);
/* Frees the map's own memory (not the values). */
void rtmd_map_clear(rtmd_map *m);

/* Iteration: for (e = rtmd_map_first(m, &i); e; e = rtmd_map_next(m, e, &i)) */
rtmd_map_entry *rtmd_map_first(const rtmd_map *m, size_t *iter);
rtmd_map_entry *rtmd_map_next(const rtmd_map *m, rtmd_map_entry *e, size_t *iter);

#endif
