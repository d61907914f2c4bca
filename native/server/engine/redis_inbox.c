/* redis_inbox.c: a node's inbox stream, read in order (redis_inbox.h). */
#include "redis_inbox.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "log.h"
#include "redis_conn.h"

/* How long one XREAD waits for an entry, and how many it takes at once. */
#define INBOX_BLOCK_MS "1000"
#define INBOX_BLOCK_MS_N 1000u
#define INBOX_COUNT "512"

struct rtmd_redis_inbox {
    rtmd_redis *conn;
    rtmd_redis_inbox_config cfg;
    char *key;          /* rtm/inbox/NODE */
    char last_id[64];   /* the last entry handed over */
    bool cleared;       /* the entries of before this start were dropped */
    bool reading;       /* an XREAD is out */
    bool handed;        /* a batch is with the engine */
    bool freeing;
    rtmd_inbox_entry *entries;
    size_t count;
};

static void inbox_entries_free(rtmd_redis_inbox *in)
{
    for (size_t i = 0; i < in->count; i++) {
        for (size_t k = 0; k < in->entries[i].count; k++) {
            free(in->entries[i].fields[k].name);
            free(in->entries[i].fields[k].value);
        }
        free(in->entries[i].fields);
    }
    free(in->entries);
    in->entries = NULL;
    in->count = 0;
}

static char *inbox_dup(const redisReply *r, size_t *len)
{
    char *s = malloc(r->len + 1);
    if (s) {
        memcpy(s, r->str, r->len);
        s[r->len] = '\0';
        if (len)
            *len = r->len;
    }
    return s;
}

/* Copies the entries of an XREAD answer ([[key, [[id, [f, v, ...]], ...]]]);
 * the last id is remembered. -1 when it has no known form or memory is out
 * (the entries copied so far are kept). */
static int inbox_copy(rtmd_redis_inbox *in, const redisReply *r)
{
    if (r->type != REDIS_REPLY_ARRAY || r->elements != 1 ||
        r->element[0]->type != REDIS_REPLY_ARRAY || r->element[0]->elements != 2 ||
        r->element[0]->element[1]->type != REDIS_REPLY_ARRAY)
        return -1;
    const redisReply *list = r->element[0]->element[1];
    if (!(in->entries = calloc(list->elements ? list->elements : 1, sizeof *in->entries)))
        return -1;
    for (size_t i = 0; i < list->elements; i++) {
        const redisReply *e = list->element[i];
        if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 ||
            e->element[0]->type != REDIS_REPLY_STRING ||
            e->element[0]->len >= sizeof in->last_id ||
            e->element[1]->type != REDIS_REPLY_ARRAY || e->element[1]->elements % 2)
            return -1;
        const redisReply *kv = e->element[1];
        rtmd_inbox_entry *out = &in->entries[in->count++];
        size_t n = kv->elements / 2;
        if (!(out->fields = calloc(n ? n : 1, sizeof *out->fields)))
            return -1;
        for (size_t k = 0; k < n; k++) {
            const redisReply *name = kv->element[2 * k], *value = kv->element[2 * k + 1];
            if (name->type != REDIS_REPLY_STRING || value->type != REDIS_REPLY_STRING)
                return -1;
            rtmd_inbox_field *f = &out->fields[out->count++];
            f->name = inbox_dup(name, NULL);
            f->value = inbox_dup(value, &f->len);
            if (!f->name || !f->value)
                return -1;
        }
        /* Whole: read on after it. */
        memcpy(in->last_id, e->element[0]->str, e->element[0]->len);
        in->last_id[e->element[0]->len] = '\0';
    }
    return 0;
}

static void inbox_read(rtmd_redis_inbox *in);

static void inbox_on_read(rtmd_redis *r, const redisReply *reply, int err, void *arg)
{
    (void)r;
    rtmd_redis_inbox *in = arg;
    in->reading = false;
    if (in->freeing || err != RTMD_REDIS_OK)
        return; /* down: read again once it is back (inbox_changed) */
    if (reply->type == REDIS_REPLY_NIL) { /* nothing within the block */
        inbox_read(in);
        return;
    }
    if (reply->type == REDIS_REPLY_ERROR || inbox_copy(in, reply) != 0) {
        rtmd_log(RTMD_LOG_ERROR, "redis inbox %s: %s", in->key,
                 reply->type == REDIS_REPLY_ERROR ? reply->str
                                                  : "an answer of no known form, or no memory");
        /* What was copied is handed over; the rest is read again. */
        if (in->count == 0) {
            inbox_entries_free(in);
            inbox_read(in);
            return;
        }
    }
    in->handed = true;
    in->cfg.batch(in, in->entries, in->count, in->cfg.arg);
}

static void inbox_read(rtmd_redis_inbox *in)
{
    if (in->reading || in->handed || !in->cleared || !rtmd_redis_up(in->conn))
        return;
    in->reading = true;
    const char *argv[] = { "XREAD", "COUNT", INBOX_COUNT, "BLOCK", INBOX_BLOCK_MS, "STREAMS",
                           in->key, in->last_id };
    size_t len[8];
    for (int i = 0; i < 8; i++)
        len[i] = strlen(argv[i]);
    rtmd_redis_command(in->conn, 8, argv, len, inbox_on_read, in);
}

static void inbox_on_cleared(rtmd_redis *r, const redisReply *reply, int err, void *arg)
{
    (void)r;
    rtmd_redis_inbox *in = arg;
    if (in->freeing || err != RTMD_REDIS_OK || reply->type == REDIS_REPLY_ERROR)
        return; /* tried again when the connection is back */
    in->cleared = true;
    inbox_read(in);
}

static void inbox_ignore(rtmd_redis *r, const redisReply *reply, int err, void *arg)
{
    (void)r;
    (void)reply;
    (void)err;
    (void)arg;
}

static void inbox_changed(rtmd_redis *r, bool up, void *arg)
{
    rtmd_redis_inbox *in = arg;
    if (!up)
        return;
    if (in->cfg.db) {
        char db[16];
        snprintf(db, sizeof db, "%u", (unsigned)in->cfg.db);
        const char *argv[] = { "SELECT", db };
        size_t len[] = { 6, strlen(db) };
        rtmd_redis_command(r, 2, argv, len, inbox_ignore, in);
    }
    if (!in->cleared) {
        const char *argv[] = { "DEL", in->key };
        size_t len[] = { 3, strlen(in->key) };
        rtmd_redis_command(r, 2, argv, len, inbox_on_cleared, in);
        return;
    }
    inbox_read(in);
}

void rtmd_redis_inbox_next(rtmd_redis_inbox *in)
{
    inbox_entries_free(in);
    in->handed = false;
    if (rtmd_redis_up(in->conn)) {
        /* What was dealt with goes (the last entry stays: MINID keeps it). */
        const char *argv[] = { "XTRIM", in->key, "MINID", in->last_id };
        size_t len[] = { 5, strlen(in->key), 5, strlen(in->last_id) };
        rtmd_redis_command(in->conn, 4, argv, len, inbox_ignore, in);
    }
    inbox_read(in);
}

rtmd_redis_inbox *rtmd_redis_inbox_new(struct event_base *base, const rtmd_redis_inbox_config *cfg)
{
    rtmd_redis_inbox *in = calloc(1, sizeof *in);
    if (!in)
        return NULL;
    in->cfg = *cfg;
    in->cfg.address = NULL;
    in->cfg.node = NULL;
    snprintf(in->last_id, sizeof in->last_id, "0-0");
    size_t n = strlen("rtm/inbox/") + strlen(cfg->node) + 1;
    if (!(in->key = malloc(n))) {
        free(in);
        return NULL;
    }
    snprintf(in->key, n, "rtm/inbox/%s", cfg->node);
    char name[128];
    snprintf(name, sizeof name, "rtmd:%s:inbox", cfg->node);
    rtmd_redis_config rc = { cfg->address, INBOX_BLOCK_MS_N + cfg->timeout_ms, 100, 2000,
                             inbox_changed, in, name };
    if (!(in->conn = rtmd_redis_new(base, &rc))) {
        free(in->key);
        free(in);
        return NULL;
    }
    return in;
}

void rtmd_redis_inbox_free(rtmd_redis_inbox *in)
{
    if (!in)
        return;
    in->freeing = true;
    rtmd_redis_free(in->conn);
    inbox_entries_free(in);
    free(in->key);
    free(in);
}

bool rtmd_redis_inbox_cleared(const rtmd_redis_inbox *in)
{
    return in->cleared;
}

const char *rtmd_inbox_get(const rtmd_inbox_entry *e, const char *name, size_t *len)
{
    for (size_t i = 0; i < e->count; i++)
        if (strcmp(e->fields[i].name, name) == 0) {
            if (len)
                *len = e->fields[i].len;
            return e->fields[i].value;
        }
    return NULL;
}
