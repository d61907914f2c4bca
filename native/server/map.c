/* map.c: separate chaining, power-of-two buckets, keyed SipHash (hash.h). */
#include "map.h"

#include "hash.h"

#include <stdlib.h>
#include <string.h>

static size_t rtmd__map_hash(const char *s)
{
    return (size_t)rtmd_hash_str(s);
}

static rtmd_map_entry **rtmd__map_slot(const rtmd_map *m, const char *key,
                                       size_t hash)
{
    rtmd_map_entry **p = &m->buckets[hash & (m->nbuckets - 1)];
    for (; *p; p = &(*p)->next)
        if ((*p)->hash == hash && strcmp((*p)->key, key) == 0)
            break;
    return p;
}

const char *rtmd_map_key2(char *buf, size_t size, const char *a, const char *b)
{
    size_t alen = strlen(a), blen = strlen(b);
    if (alen + blen + 2 > size)
        return NULL;
    memcpy(buf, a, alen);
    buf[alen] = RTMD_MAP_KEY_SEP;
    memcpy(buf + alen + 1, b, blen + 1);
    return buf;
}

void *rtmd_map_get(const rtmd_map *m, const char *key)
{
    if (m->count == 0)
        return NULL;
    rtmd_map_entry *e = *rtmd__map_slot(m, key, rtmd__map_hash(key));
    return e ? e->value : NULL;
}

static int rtmd__map_grow(rtmd_map *m)
{
    size_t n = m->nbuckets ? m->nbuckets * 2 : 8;
    rtmd_map_entry **b = calloc(n, sizeof *b);
    if (!b)
        return -1;
    for (size_t i = 0; i < m->nbuckets; i++) {
        rtmd_map_entry *e = m->buckets[i];
        while (e) {
            rtmd_map_entry *next = e->next;
            e->next = b[e->hash & (n - 1)];
            b[e->hash & (n - 1)] = e;
            e = next;
        }
    }
    free(m->buckets);
    m->buckets = b;
    m->nbuckets = n;
    return 0;
}

int rtmd_map_put(rtmd_map *m, const char *key, void *value)
{
    size_t hash = rtmd__map_hash(key);
    if (m->nbuckets) {
        rtmd_map_entry *e = *rtmd__map_slot(m, key, hash);
        if (e) {
            e->value = value;
            return 0;
        }
    }
    if (m->count + 1 > m->nbuckets * 3 / 4 && rtmd__map_grow(m) != 0 &&
        m->nbuckets == 0)
        return -1; /* a failed grow of a non-empty map only costs speed */
    size_t klen = strlen(key);
    rtmd_map_entry *e = malloc(sizeof *e + klen + 1);
    if (!e)
        return -1;
    memcpy(e->key, key, klen + 1);
    e->hash = hash;
    e->value = value;
    rtmd_map_entry **head = &m->buckets[hash & (m->nbuckets - 1)];
    e->next = *head;
    *head = e;
    m->count++;
    return 0;
}

void *rtmd_map_del(rtmd_map *m, const char *key)
{
    if (m->count == 0)
        return NULL;
    rtmd_map_entry **p = rtmd__map_slot(m, key, rtmd__map_hash(key));
    rtmd_map_entry *e = *p;
    if (!e)
        return NULL;
    void *value = e->value;
    *p = e->next;
    free(e);
    m->count--;
    return value;
}

void rtmd_map_clear(rtmd_map *m)
{
    for (size_t i = 0; i < m->nbuckets; i++) {
        rtmd_map_entry *e = m->buckets[i];
        while (e) {
            rtmd_map_entry *next = e->next;
            free(e);
            e = next;
        }
    }
    free(m->buckets);
    m->buckets = NULL;
    m->nbuckets = 0;
    m->count = 0;
}

static rtmd_map_entry *rtmd__map_scan(const rtmd_map *m, size_t *iter)
{
    for (; *iter < m->nbuckets; (*iter)++)
        if (m->buckets[*iter])
            return m->buckets[*iter];
    return NULL;
}

rtmd_map_entry *rtmd_map_first(const rtmd_map *m, size_t *iter)
{
    *iter = 0;
    return rtmd__map_scan(m, iter);
}

rtmd_map_entry *rtmd_map_next(const rtmd_map *m, rtmd_map_entry *e, size_t *iter)
{
    if (e->next)
        return e->next;
    (*iter)++;
    return rtmd__map_scan(m, iter);
}
