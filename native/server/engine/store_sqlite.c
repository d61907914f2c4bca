/* store_sqlite.c: the durable store: the in-memory image, journaled to
 * SQLite row by row (store_sqlite.h). */
#include "store_sqlite.h"

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>

#include <event2/event.h>
#include <sqlite3.h>

#include "config.h"
#include "log.h"
#include "map.h"

/* ---- the schema and the statements ---------------------------------------
 *
 * One table per kind of state. A session has an integer id of its own
 * (sid, given by this file at session_add, never reused), which keys the
 * hot tables: a peer message costs a row in `unacked` and a record in
 * `sent`, and integer keys are shorter to store and compare than (app,
 * user). The others are keyed as the image keys them: users by (app,
 * user), channels by (app, channel). Ids are TEXT, messages and frames BLOBs
 * exactly as the image keeps them (encoded protobuf).
 *
 * `unacked` and `sent` hold one row per session and batch, not one per
 * message: a row holds every frame (every send answer) the batch added for
 * that session, keyed by the highest seq (send_seq) in it; a later batch
 * with the same key appends to it. Frames: (seq varint, length varint,
 * bytes)...; answers: (send_seq varint, zigzag code varint).... An
 * acknowledgement deletes the rows it covers whole and raises the
 * session's `acked`; the frames at or below it in a row it covers in part
 * are skipped at the load. */
/* Schema 3 added the media table (the bytes are files: blobs.h). */
#define MEDIA_TABLE_SQL                                                              \
    "CREATE TABLE media(id TEXT PRIMARY KEY, app TEXT NOT NULL, size INTEGER NOT NULL," \
    " at_ms INTEGER NOT NULL) WITHOUT ROWID;"

static const char schema_sql[] =
    "CREATE TABLE sessions(sid INTEGER PRIMARY KEY, app TEXT NOT NULL, user TEXT NOT NULL,"
    " instance INTEGER NOT NULL, id INTEGER NOT NULL, link_seq INTEGER NOT NULL,"
    " login_ms INTEGER NOT NULL, token_exp INTEGER NOT NULL, peer_seq INTEGER NOT NULL,"
    " acked INTEGER NOT NULL, UNIQUE(app, user));"
    "CREATE TABLE unacked(sid INTEGER NOT NULL, seq INTEGER NOT NULL, frames BLOB NOT NULL,"
    " PRIMARY KEY(sid, seq)) WITHOUT ROWID;"
    "CREATE TABLE sent(sid INTEGER NOT NULL, send_seq INTEGER NOT NULL, codes BLOB NOT NULL,"
    " PRIMARY KEY(sid, send_seq)) WITHOUT ROWID;"
    "CREATE TABLE attrs(app TEXT NOT NULL, user TEXT NOT NULL, name TEXT NOT NULL,"
    " value TEXT NOT NULL, PRIMARY KEY(app, user, name)) WITHOUT ROWID;"
    "CREATE TABLE subs(app TEXT NOT NULL, user TEXT NOT NULL, target TEXT NOT NULL,"
    " PRIMARY KEY(app, user, target)) WITHOUT ROWID;"
    "CREATE TABLE channels(app TEXT NOT NULL, channel TEXT NOT NULL, base INTEGER NOT NULL,"
    " last INTEGER NOT NULL, PRIMARY KEY(app, channel)) WITHOUT ROWID;"
    "CREATE TABLE members(app TEXT NOT NULL, channel TEXT NOT NULL, user TEXT NOT NULL,"
    " PRIMARY KEY(app, channel, user)) WITHOUT ROWID;"
    "CREATE INDEX members_of_user ON members(app, user);"
    "CREATE TABLE history(app TEXT NOT NULL, channel TEXT NOT NULL, seq INTEGER NOT NULL,"
    " at_ms INTEGER NOT NULL, frame BLOB NOT NULL,"
    " PRIMARY KEY(app, channel, seq)) WITHOUT ROWID;"
    "CREATE TABLE chattrs(app TEXT NOT NULL, channel TEXT NOT NULL, name TEXT NOT NULL,"
    " value TEXT NOT NULL, setter TEXT NOT NULL, ts INTEGER NOT NULL,"
    " PRIMARY KEY(app, channel, name)) WITHOUT ROWID;"
    "CREATE TABLE offline(id INTEGER PRIMARY KEY, app TEXT NOT NULL, user TEXT NOT NULL,"
    " sender TEXT NOT NULL, at_ms INTEGER NOT NULL, msg BLOB NOT NULL,"
    " session_id INTEGER NOT NULL, seq INTEGER NOT NULL);"
    "CREATE INDEX offline_of_user ON offline(app, user, id);"
    "CREATE INDEX offline_by_age ON offline(at_ms);"
    "CREATE TABLE offline_dropped(app TEXT NOT NULL, user TEXT NOT NULL, n INTEGER NOT NULL,"
    " PRIMARY KEY(app, user)) WITHOUT ROWID;"
    "CREATE TABLE bans(app TEXT NOT NULL, user TEXT NOT NULL, until_ms INTEGER NOT NULL,"
    " PRIMARY KEY(app, user)) WITHOUT ROWID;"
    MEDIA_TABLE_SQL;

/* The statements, by number (rtmd_sqlw_exec). Each comment gives the
 * arguments after the key, which always comes first. */
enum {
    Q_SESSION_ADD,     /* sid, app, user */
    Q_SESSION_META,    /* sid, instance, id, link_seq, login, token, peer_seq */
    Q_SESSION_DEL,     /* sid */
    Q_UNACKED_DEL_ALL, /* sid */
    Q_SENT_DEL_ALL,    /* sid */
    Q_ATTRS_DEL_ALL,   /* app, user */
    Q_SUBS_DEL_ALL,
    Q_MEMBERS_DEL_ALL,
    Q_UNACKED_PUT,     /* sid, highest seq, frames */
    Q_UNACKED_UPTO,    /* sid, seq: drops the rows whose frames are all <= seq */
    Q_ACKED,           /* sid, acked, peer_seq: both at least these */
    Q_PEER_SEQ,        /* sid, seq: the session's peer_seq at least seq */
    Q_SENT_PUT,        /* sid, highest send_seq, answers */
    Q_SENT_BELOW,      /* sid, send_seq: drops the rows whose answers are all < it */
    Q_ATTR_PUT,        /* app, user, name, value */
    Q_CHATTRS_DEL,     /* app, channel */
    Q_CHATTR_PUT,      /* app, channel, name, value, setter, ts */
    Q_CHANNEL_PUT,     /* app, channel, base, last */
    Q_CHANNEL_LAST,    /* app, channel, last */
    Q_MEMBER_PUT,      /* app, channel, user */
    Q_MEMBER_DEL,      /* app, channel, user */
    Q_CHANNELS_EXPIRE, /* horizon: channels without members or recent history */
    Q_HISTORY_EXPIRE,  /* horizon */
    Q_HISTORY_PUT,     /* app, channel, seq, at, frame */
    Q_HISTORY_BELOW,   /* app, channel, seq: drops those < seq */
    Q_OFFLINE_PUT,     /* app, user, sender, at, msg, session_id, seq */
    Q_OFFLINE_DROP_CACHED, /* app, user: the oldest cached one */
    Q_OFFLINE_DEL_ALL, /* app, user */
    Q_DROPPED_ADD,     /* app, user, n */
    Q_DROPPED_DEL,     /* app, user */
    Q_OFFLINE_COUNT_EXPIRED, /* horizon: counted as dropped for their users */
    Q_OFFLINE_EXPIRE,  /* horizon */
    Q_SUB_PUT,         /* app, user, target */
    Q_SUB_DEL,         /* app, user, target */
    Q_BAN_PUT,         /* app, user, until */
    Q_BAN_DEL,         /* app, user */
    Q_MEDIA_PUT,       /* id, app, size, at */
    Q_MEDIA_DEL,       /* id */
    Q_COUNT
};

static const char *const stmts[Q_COUNT] = {
    [Q_SESSION_ADD] = "INSERT OR REPLACE INTO sessions VALUES(?1, ?2, ?3, 0, 0, 0, 0, 0, 0, 0)",
    [Q_SESSION_META] = "UPDATE sessions SET instance = ?2, id = ?3, link_seq = ?4,"
                       " login_ms = ?5, token_exp = ?6, peer_seq = max(peer_seq, ?7)"
                       " WHERE sid = ?1",
    [Q_SESSION_DEL] = "DELETE FROM sessions WHERE sid = ?1",
    [Q_UNACKED_DEL_ALL] = "DELETE FROM unacked WHERE sid = ?1",
    [Q_SENT_DEL_ALL] = "DELETE FROM sent WHERE sid = ?1",
    [Q_ATTRS_DEL_ALL] = "DELETE FROM attrs WHERE app = ?1 AND user = ?2",
    [Q_SUBS_DEL_ALL] = "DELETE FROM subs WHERE app = ?1 AND user = ?2",
    [Q_MEMBERS_DEL_ALL] = "DELETE FROM members WHERE app = ?1 AND user = ?2",
    [Q_UNACKED_PUT] = "INSERT INTO unacked VALUES(?1, ?2, ?3) ON CONFLICT(sid, seq)"
                      " DO UPDATE SET frames = frames || excluded.frames",
    [Q_UNACKED_UPTO] = "DELETE FROM unacked WHERE sid = ?1 AND seq <= ?2",
    [Q_ACKED] = "UPDATE sessions SET acked = max(acked, ?2), peer_seq = max(peer_seq, ?3)"
                " WHERE sid = ?1",
    [Q_PEER_SEQ] = "UPDATE sessions SET peer_seq = max(peer_seq, ?2) WHERE sid = ?1",
    [Q_SENT_PUT] = "INSERT INTO sent VALUES(?1, ?2, ?3) ON CONFLICT(sid, send_seq)"
                   " DO UPDATE SET codes = codes || excluded.codes",
    [Q_SENT_BELOW] = "DELETE FROM sent WHERE sid = ?1 AND send_seq < ?2",
    [Q_ATTR_PUT] = "INSERT OR REPLACE INTO attrs VALUES(?1, ?2, ?3, ?4)",
    [Q_CHATTRS_DEL] = "DELETE FROM chattrs WHERE app = ?1 AND channel = ?2",
    [Q_CHATTR_PUT] = "INSERT OR REPLACE INTO chattrs VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
    [Q_CHANNEL_PUT] = "INSERT OR REPLACE INTO channels VALUES(?1, ?2, ?3, ?4)",
    [Q_CHANNEL_LAST] = "UPDATE channels SET last = ?3 WHERE app = ?1 AND channel = ?2",
    [Q_MEMBER_PUT] = "INSERT OR IGNORE INTO members VALUES(?1, ?2, ?3)",
    [Q_MEMBER_DEL] = "DELETE FROM members WHERE app = ?1 AND channel = ?2 AND user = ?3",
    [Q_CHANNELS_EXPIRE] =
        "DELETE FROM channels WHERE NOT EXISTS (SELECT 1 FROM members m"
        " WHERE m.app = channels.app AND m.channel = channels.channel)"
        " AND NOT EXISTS (SELECT 1 FROM history h WHERE h.app = channels.app"
        " AND h.channel = channels.channel AND h.at_ms >= ?1)",
    [Q_HISTORY_EXPIRE] = "DELETE FROM history WHERE at_ms < ?1",
    [Q_HISTORY_PUT] = "INSERT OR REPLACE INTO history VALUES(?1, ?2, ?3, ?4, ?5)",
    [Q_HISTORY_BELOW] = "DELETE FROM history WHERE app = ?1 AND channel = ?2 AND seq < ?3",
    [Q_OFFLINE_PUT] = "INSERT INTO offline(app, user, sender, at_ms, msg, session_id, seq)"
                      " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [Q_OFFLINE_DROP_CACHED] =
        "DELETE FROM offline WHERE id = (SELECT min(id) FROM offline"
        " WHERE app = ?1 AND user = ?2 AND session_id = 0)",
    [Q_OFFLINE_DEL_ALL] = "DELETE FROM offline WHERE app = ?1 AND user = ?2",
    [Q_DROPPED_ADD] = "INSERT INTO offline_dropped VALUES(?1, ?2, ?3)"
                      " ON CONFLICT(app, user) DO UPDATE SET n = n + excluded.n",
    [Q_DROPPED_DEL] = "DELETE FROM offline_dropped WHERE app = ?1 AND user = ?2",
    [Q_OFFLINE_COUNT_EXPIRED] =
        "INSERT INTO offline_dropped SELECT app, user, count(*) FROM offline"
        " WHERE at_ms < ?1 GROUP BY app, user"
        " ON CONFLICT(app, user) DO UPDATE SET n = n + excluded.n",
    [Q_OFFLINE_EXPIRE] = "DELETE FROM offline WHERE at_ms < ?1",
    [Q_SUB_PUT] = "INSERT OR IGNORE INTO subs VALUES(?1, ?2, ?3)",
    [Q_SUB_DEL] = "DELETE FROM subs WHERE app = ?1 AND user = ?2 AND target = ?3",
    [Q_BAN_PUT] = "INSERT OR REPLACE INTO bans VALUES(?1, ?2, ?3)",
    [Q_BAN_DEL] = "DELETE FROM bans WHERE app = ?1 AND user = ?2",
    [Q_MEDIA_PUT] = "INSERT OR REPLACE INTO media VALUES(?1, ?2, ?3, ?4)",
    [Q_MEDIA_DEL] = "DELETE FROM media WHERE id = ?1",
};

/* ---- the store ------------------------------------------------------------ */

/* A growing buffer: the frames or answers of one session in the open batch,
 * journaled as one row when the batch is flushed (or before a statement of
 * the same session that must come after them). Reused from batch to batch. */
typedef struct sq_buf {
    struct sq_buf *next_free;
    uint8_t *p;
    size_t len, cap;
} sq_buf;

/* A session as the file knows it: its sid, and what the open batch adds to
 * its rows of `unacked` and `sent` (NULL: nothing). */
typedef struct sq_sess {
    int64_t sid;
    sq_buf *un;              /* frames */
    uint64_t un_max;         /* the highest seq in un: the row's key */
    sq_buf *sent;            /* answers */
    uint64_t sent_max;
    struct sq_sess *next_dirty;
    bool dirty;              /* on the store's dirty list */
} sq_sess;

/* Buffers kept for reuse, and the largest kept. */
#define SQ_BUFS_KEPT 64
#define SQ_BUF_KEPT_MAX (256u * 1024u)

typedef struct {
    rtmd_store base;
    rtmd_store *mem;         /* the image */
    rtmd_sqlw *w;
    struct event *flush_ev;  /* flushes the open batch after this loop turn */
    bool flush_armed;
    uint64_t open_stmts;     /* statements in the open batch (and rows to come) */
    uint64_t flushed;        /* the last batch flushed (0: none) */
    uint64_t completed;      /* the last batch completed */
    bool failed;             /* a batch failed: until reloaded */
    bool reloading;          /* the failures reload waits out are known */
    rtmd_store_durable_fn durable;
    void *closure;
    rtmd_map sess;           /* "app\x1fuser" -> sq_sess */
    int64_t next_sid;
    sq_sess *dirty;          /* sessions with rows to journal */
    sq_buf *free_bufs;
    size_t n_free_bufs;
} sq_store;

#define SQ_KEY_MAX 512

static sq_store *sq_of(rtmd_store *st)
{
    return (sq_store *)st;
}

static rtmd_store *img(rtmd_store *st)
{
    return sq_of(st)->mem;
}

static rtmd_sqlw_arg S(const char *s)
{
    return rtmd_sqlw_text(s, strlen(s));
}

static rtmd_sqlw_arg I(uint64_t v)
{
    /* SQLite integers are signed 64-bit: a seq past INT64_MAX (never given
     * out) is kept as its two's complement and read back as the same bits. */
    return rtmd_sqlw_int((int64_t)v);
}

static void sq_flush_cb(evutil_socket_t fd, short what, void *arg);

static void sq_arm(sq_store *sq)
{
    if (!sq->flush_armed) {
        sq->flush_armed = true;
        event_active(sq->flush_ev, EV_TIMEOUT, 1);
    }
}

/* Queues statement q. A refusal (the writer halted, out of memory) fails
 * the open batch or a batch before it, which the durable callback reports:
 * nothing is lost silently. */
static void sq_exec(sq_store *sq, unsigned q, const rtmd_sqlw_arg *args, size_t n)
{
    (void)rtmd_sqlw_exec(sq->w, q, args, n);
    sq->open_stmts++;
    sq_arm(sq);
}

#define SQ_EXEC(sq, q, ...)                                                              \
    do {                                                                                 \
        const rtmd_sqlw_arg args_[] = { __VA_ARGS__ };                                   \
        sq_exec((sq), (q), args_, sizeof args_ / sizeof args_[0]);                       \
    } while (0)

/* ---- session ids and the rows of the open batch ---------------------------- */

static sq_sess *sq_sess_of(sq_store *sq, rtmd_user u)
{
    char buf[SQ_KEY_MAX];
    const char *key = rtmd_map_key2(buf, sizeof buf, u.app, u.user);
    return key ? rtmd_map_get(&sq->sess, key) : NULL;
}

static void sq_buf_release(sq_store *sq, sq_buf *b)
{
    if (!b)
        return;
    if (sq->n_free_bufs >= SQ_BUFS_KEPT || b->cap > SQ_BUF_KEPT_MAX) {
        free(b->p);
        free(b);
        return;
    }
    b->len = 0;
    b->next_free = sq->free_bufs;
    sq->free_bufs = b;
    sq->n_free_bufs++;
}

static void sq_bufs_free(sq_store *sq)
{
    while (sq->free_bufs) {
        sq_buf *b = sq->free_bufs;
        sq->free_bufs = b->next_free;
        free(b->p);
        free(b);
    }
    sq->n_free_bufs = 0;
}

/* Room for n more bytes in *bp (taken from the free list when NULL); false
 * when out of memory. */
static bool sq_buf_room(sq_store *sq, sq_buf **bp, size_t n)
{
    sq_buf *b = *bp;
    if (!b) {
        if ((b = sq->free_bufs)) {
            sq->free_bufs = b->next_free;
            sq->n_free_bufs--;
        } else if (!(b = calloc(1, sizeof *b))) {
            return false;
        }
        b->len = 0;
        *bp = b;
    }
    if (n > SIZE_MAX / 2 - b->len)
        return false;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n)
            cap *= 2;
        uint8_t *p = realloc(b->p, cap);
        if (!p)
            return false;
        b->p = p;
        b->cap = cap;
    }
    return true;
}

/* The 10 bytes at most of v as a varint (7 bits a byte, low first). */
static size_t sq_varint(uint8_t *p, uint64_t v)
{
    size_t n = 0;
    while (v >= 0x80) {
        p[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    p[n++] = (uint8_t)v;
    return n;
}

/* Reads a varint of p[0..len) at *at; false when damaged. */
static bool sq_unvarint(const uint8_t *p, size_t len, size_t *at, uint64_t *v)
{
    uint64_t x = 0;
    for (unsigned shift = 0; shift < 64 && *at < len; shift += 7) {
        uint8_t c = p[(*at)++];
        x |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) {
            *v = x;
            return true;
        }
    }
    return false;
}

static void sq_mark_dirty(sq_store *sq, sq_sess *s)
{
    if (!s->dirty) {
        s->dirty = true;
        s->next_dirty = sq->dirty;
        sq->dirty = s;
    }
    sq->open_stmts++; /* a row to come: the barrier holds for it */
    sq_arm(sq);
}

/* Journals the rows the open batch has gathered for s, now, so that the
 * statements queued next come after them. */
static void sq_sess_rows(sq_store *sq, sq_sess *s)
{
    if (s->un) {
        SQ_EXEC(sq, Q_UNACKED_PUT, rtmd_sqlw_int(s->sid), I(s->un_max),
                rtmd_sqlw_blob(s->un->p, s->un->len));
        sq_buf_release(sq, s->un);
        s->un = NULL;
        s->un_max = 0;
    }
    if (s->sent) {
        SQ_EXEC(sq, Q_SENT_PUT, rtmd_sqlw_int(s->sid), I(s->sent_max),
                rtmd_sqlw_blob(s->sent->p, s->sent->len));
        sq_buf_release(sq, s->sent);
        s->sent = NULL;
        s->sent_max = 0;
    }
}

/* Every session's rows, before the open batch is flushed. */
static void sq_all_rows(sq_store *sq)
{
    sq_sess *s = sq->dirty;
    sq->dirty = NULL;
    while (s) {
        sq_sess *next = s->next_dirty;
        s->dirty = false;
        s->next_dirty = NULL;
        sq_sess_rows(sq, s);
        s = next;
    }
}

/* Forgets s (its rows of the open batch unjournaled), off the dirty list. */
static void sq_sess_free(sq_store *sq, sq_sess *s)
{
    if (s->dirty) {
        for (sq_sess **pp = &sq->dirty; *pp; pp = &(*pp)->next_dirty) {
            if (*pp == s) {
                *pp = s->next_dirty;
                break;
            }
        }
    }
    sq_buf_release(sq, s->un);
    sq_buf_release(sq, s->sent);
    free(s);
}

static void sq_sess_map_free(sq_store *sq, rtmd_map *m)
{
    size_t it;
    for (rtmd_map_entry *e = rtmd_map_first(m, &it); e; e = rtmd_map_next(m, e, &it))
        sq_sess_free(sq, e->value);
    rtmd_map_clear(m);
}

/* A new session of the file in m, with sid; NULL when out of memory. */
static sq_sess *sq_sess_put(sq_store *sq, rtmd_map *m, rtmd_user u, int64_t sid)
{
    char buf[SQ_KEY_MAX];
    const char *key = rtmd_map_key2(buf, sizeof buf, u.app, u.user);
    sq_sess *s = key ? calloc(1, sizeof *s) : NULL;
    if (!s)
        return NULL;
    s->sid = sid;
    sq_sess *old = rtmd_map_get(m, key);
    if (rtmd_map_put(m, key, s) != 0) {
        free(s);
        return NULL;
    }
    if (old)
        sq_sess_free(sq, old); /* out of step with the image: the new one wins */
    return s;
}

static void sq_done(uint64_t batch, bool ok, void *closure)
{
    sq_store *sq = closure;
    sq->completed = batch;
    if (!ok && sq->reloading)
        return; /* flushed before the failure was handled: part of it */
    if (!ok && !sq->failed) {
        sq->failed = true;
        rtmd_log(RTMD_LOG_ERROR, "store: batch %" PRIu64 " did not commit: what it "
                 "answered is taken back", batch);
    }
    if (sq->durable)
        sq->durable(batch, ok, sq->closure);
}

static void sq_flush_cb(evutil_socket_t fd, short what, void *arg)
{
    sq_store *sq = arg;
    sq->flush_armed = false;
    sq_all_rows(sq);
    if (sq->open_stmts == 0)
        return;
    uint64_t n = rtmd_sqlw_flush(sq->w, sq_done, sq);
    if (n == 0) {
        /* Out of memory, or closing: the batch stays open; try again next turn. */
        sq->flush_armed = true;
        event_active(sq->flush_ev, EV_TIMEOUT, 1);
        return;
    }
    sq->flushed = n;
    sq->open_stmts = 0;
}

static uint64_t sq_barrier(rtmd_store *st)
{
    sq_store *sq = sq_of(st);
    if (sq->failed)
        return UINT64_MAX;
    if (sq->open_stmts)
        return sq->flushed + 1;
    return sq->completed < sq->flushed ? sq->flushed : 0;
}

/* ---- sessions --------------------------------------------------------------- */

static void sq_destroy(rtmd_store *st)
{
    sq_store *sq = sq_of(st);
    if (sq->w) {
        if (sq->open_stmts)
            sq_flush_cb(-1, 0, sq);
        rtmd_sqlw_close(sq->w); /* syncs: every batch flushed is done */
    }
    if (sq->flush_ev)
        event_free(sq->flush_ev);
    if (sq->mem)
        rtmd_store_destroy(sq->mem);
    sq_sess_map_free(sq, &sq->sess);
    sq_bufs_free(sq);
    free(sq);
}

static rtmd_store_status sq_session_add(rtmd_store *st, rtmd_user u)
{
    sq_store *sq = sq_of(st);
    rtmd_store_status r = rtmd_store_session_add(sq->mem, u);
    if (r != RTMD_STORE_OK)
        return r;
    sq_sess *s = sq_sess_put(sq, &sq->sess, u, sq->next_sid);
    if (!s) {
        rtmd_store_session_remove(sq->mem, u);
        return RTMD_STORE_NOMEM;
    }
    sq->next_sid++;
    SQ_EXEC(sq, Q_SESSION_ADD, rtmd_sqlw_int(s->sid), S(u.app), S(u.user));
    return r;
}

static void sq_session_remove(rtmd_store *st, rtmd_user u)
{
    sq_store *sq = sq_of(st);
    if (!rtmd_store_session_has(sq->mem, u))
        return;
    rtmd_store_session_remove(sq->mem, u);
    char buf[SQ_KEY_MAX];
    const char *key = rtmd_map_key2(buf, sizeof buf, u.app, u.user);
    sq_sess *s = key ? rtmd_map_del(&sq->sess, key) : NULL;
    if (s) {
        static const unsigned by_sid[] = { Q_SESSION_DEL, Q_UNACKED_DEL_ALL, Q_SENT_DEL_ALL };
        for (size_t i = 0; i < sizeof by_sid / sizeof by_sid[0]; i++)
            SQ_EXEC(sq, by_sid[i], rtmd_sqlw_int(s->sid));
        sq_sess_free(sq, s); /* its rows of this batch would be deleted anyway */
    }
    static const unsigned qs[] = { Q_ATTRS_DEL_ALL, Q_SUBS_DEL_ALL, Q_MEMBERS_DEL_ALL };
    for (size_t i = 0; i < sizeof qs / sizeof qs[0]; i++)
        SQ_EXEC(sq, qs[i], S(u.app), S(u.user));
}

static bool sq_session_has(rtmd_store *st, rtmd_user u)
{
    return rtmd_store_session_has(img(st), u);
}

static size_t sq_session_count(rtmd_store *st)
{
    return rtmd_store_session_count(img(st));
}

static rtmd_store_status sq_session_meta_put(rtmd_store *st, rtmd_user u,
                                             const rtmd_session_meta *m)
{
    sq_store *sq = sq_of(st);
    rtmd_store_status r = rtmd_store_session_meta_put(sq->mem, u, m);
    sq_sess *s;
    if (r == RTMD_STORE_OK && (s = sq_sess_of(sq, u)))
        SQ_EXEC(sq, Q_SESSION_META, rtmd_sqlw_int(s->sid), I(m->instance_id), I(m->id),
                I(m->link_seq), I(m->login_wall_ms), I(m->token_expires_at), I(m->peer_seq));
    return r;
}

static bool sq_session_meta_get(rtmd_store *st, rtmd_user u, rtmd_session_meta *out)
{
    return rtmd_store_session_meta_get(img(st), u, out);
}

static void sq_sessions_foreach(rtmd_store *st, rtmd_session_fn fn, void *closure)
{
    rtmd_store_sessions_foreach(img(st), fn, closure);
}

/* ---- peer deliveries and send answers -------------------------------------- */

static void first_seq(uint64_t seq, uint64_t at_ms, const uint8_t *frame, size_t len,
                      void *closure)
{
    uint64_t *first = closure;
    if (*first == 0)
        *first = seq;
}

static void last_seq(uint64_t seq, uint64_t at_ms, const uint8_t *frame, size_t len,
                     void *closure)
{
    *(uint64_t *)closure = seq;
}

/* The file forgets the frames of s at or below seq, as the image has: the
 * rows all at or below go, and the load skips the rest (acked). */
static void sq_unacked_upto(sq_store *sq, sq_sess *s, uint64_t seq, uint64_t peer_seq)
{
    /* A row of this batch not yet journaled that this covers is written
     * after the deletion: acked skips its frames, and a later deletion
     * (or the session's end) takes it. */
    SQ_EXEC(sq, Q_UNACKED_UPTO, rtmd_sqlw_int(s->sid), I(seq));
    SQ_EXEC(sq, Q_ACKED, rtmd_sqlw_int(s->sid), I(seq), I(peer_seq));
}

static rtmd_store_status sq_unacked_push(rtmd_store *st, rtmd_user u, uint64_t seq,
                                         const uint8_t *frame, size_t len, size_t max)
{
    sq_store *sq = sq_of(st);
    rtmd_store_status r = rtmd_store_unacked_push(sq->mem, u, seq, frame, len, max);
    if (r != RTMD_STORE_OK && r != RTMD_STORE_LIMIT)
        return r;
    sq_sess *s = sq_sess_of(sq, u);
    if (!s)
        return r; /* none without a session: the image has none either */
    if (r == RTMD_STORE_LIMIT) {
        /* Dropped: every frame before the oldest the image keeps. */
        uint64_t oldest = 0;
        rtmd_store_unacked_foreach(sq->mem, u, first_seq, &oldest);
        uint64_t below = oldest ? oldest : seq;
        if (below > 1)
            sq_unacked_upto(sq, s, below - 1, 0);
    }
    if (r == RTMD_STORE_LIMIT && max == 0) {
        SQ_EXEC(sq, Q_PEER_SEQ, rtmd_sqlw_int(s->sid), I(seq)); /* none kept */
        return r;
    }
    if (!sq_buf_room(sq, &s->un, 20 + len)) {
        /* The image holds a frame the file cannot: fail the batch. */
        rtmd_log(RTMD_LOG_ERROR, "store: out of memory journaling a peer delivery");
        SQ_EXEC(sq, Q_UNACKED_PUT, rtmd_sqlw_int(s->sid), I(seq),
                rtmd_sqlw_blob(NULL, 1)); /* refused by exec: poisons the batch */
        return r;
    }
    sq_buf *b = s->un;
    b->len += sq_varint(b->p + b->len, seq);
    b->len += sq_varint(b->p + b->len, len);
    if (len)
        memcpy(b->p + b->len, frame, len);
    b->len += len;
    if (seq > s->un_max)
        s->un_max = seq;
    sq_mark_dirty(sq, s);
    return r;
}

static void sq_unacked_ack(rtmd_store *st, rtmd_user u, uint64_t seq)
{
    sq_store *sq = sq_of(st);
    size_t before = rtmd_store_unacked_count(sq->mem, u);
    rtmd_store_unacked_ack(sq->mem, u, seq);
    size_t after = rtmd_store_unacked_count(sq->mem, u);
    sq_sess *s;
    if (after == before || !(s = sq_sess_of(sq, u)))
        return;
    /* A session's peer_seq on file is the larger of its row's and of the
     * seqs of the deliveries it still holds (the load takes both), which are
     * above seq while there are any: only an emptied queue raises the row. */
    sq_unacked_upto(sq, s, seq, after == 0 ? seq : 0);
}

static size_t sq_unacked_count(rtmd_store *st, rtmd_user u)
{
    return rtmd_store_unacked_count(img(st), u);
}

static void sq_unacked_clear(rtmd_store *st, rtmd_user u)
{
    sq_store *sq = sq_of(st);
    if (rtmd_store_unacked_count(sq->mem, u) == 0)
        return;
    uint64_t last = 0;
    rtmd_store_unacked_foreach(sq->mem, u, last_seq, &last);
    rtmd_store_unacked_clear(sq->mem, u);
    sq_sess *s = sq_sess_of(sq, u);
    if (!s)
        return;
    sq_buf_release(sq, s->un); /* deleted with the rest */
    s->un = NULL;
    s->un_max = 0;
    SQ_EXEC(sq, Q_UNACKED_DEL_ALL, rtmd_sqlw_int(s->sid));
    SQ_EXEC(sq, Q_ACKED, rtmd_sqlw_int(s->sid), I(last), I(last));
}

static void sq_unacked_foreach(rtmd_store *st, rtmd_user u, rtmd_frame_fn fn, void *closure)
{
    rtmd_store_unacked_foreach(img(st), u, fn, closure);
}

static uint32_t sq_unacked_take_dropped(rtmd_store *st, rtmd_user u)
{
    return rtmd_store_unacked_take_dropped(img(st), u);
}

static bool sq_sent_lookup(rtmd_store *st, rtmd_user u, uint64_t send_seq, int *code)
{
    return rtmd_store_sent_lookup(img(st), u, send_seq, code);
}

static rtmd_store_status sq_sent_record(rtmd_store *st, rtmd_user u, uint64_t send_seq,
                                        int code)
{
    sq_store *sq = sq_of(st);
    rtmd_store_status r = rtmd_store_sent_record(sq->mem, u, send_seq, code);
    sq_sess *s;
    if (r != RTMD_STORE_OK || !(s = sq_sess_of(sq, u)))
        return r;
    if (!sq_buf_room(sq, &s->sent, 20)) {
        rtmd_log(RTMD_LOG_ERROR, "store: out of memory journaling a send answer");
        SQ_EXEC(sq, Q_SENT_PUT, rtmd_sqlw_int(s->sid), I(send_seq),
                rtmd_sqlw_blob(NULL, 1)); /* refused by exec: poisons the batch */
        return r;
    }
    sq_buf *b = s->sent;
    int64_t c = code;
    b->len += sq_varint(b->p + b->len, send_seq);
    b->len += sq_varint(b->p + b->len, ((uint64_t)c << 1) ^ (uint64_t)(c >> 63));
    if (send_seq > s->sent_max)
        s->sent_max = send_seq;
    sq_mark_dirty(sq, s);
    /* The image answers from its last RTMD_SENT_RING; the file keeps those
     * and a few more, trimmed now and then (the rows of this batch are
     * newer than what goes). */
    if (send_seq % 64 == 0 && send_seq > RTMD_SENT_RING)
        SQ_EXEC(sq, Q_SENT_BELOW, rtmd_sqlw_int(s->sid), I(send_seq - RTMD_SENT_RING));
    return r;
}

/* ---- attributes -------------------------------------------------------------- */

static rtmd_store_status sq_attrs_get(rtmd_store *st, rtmd_user u, rtmd_attrv *out)
{
    return rtmd_store_attrs_get(img(st), u, out);
}

static rtmd_store_status sq_attrs_put(rtmd_store *st, rtmd_user u, const rtmd_attrv *in)
{
    sq_store *sq = sq_of(st);
    rtmd_store_status r = rtmd_store_attrs_put(sq->mem, u, in);
    if (r != RTMD_STORE_OK)
        return r;
    SQ_EXEC(sq, Q_ATTRS_DEL_ALL, S(u.app), S(u.user));
    for (size_t i = 0; i < in->count; i++)
        SQ_EXEC(sq, Q_ATTR_PUT, S(u.app), S(u.user), S(in->items[i].key),
                S(in->items[i].value));
    return r;
}

static rtmd_store_status sq_chattrs_get(rtmd_store *st, const char *app, const char *ch,
                                        rtmd_attrv *out)
{
    return rtmd_store_chattrs_get(img(st), app, ch, out);
}

static rtmd_store_status sq_chattrs_put(rtmd_store *st, const char *app, const char *ch,
                                        const rtmd_attrv *in)
{
    sq_store *sq = sq_of(st);
    rtmd_store_status r = rtmd_store_chattrs_put(sq->mem, app, ch, in);
    if (r != RTMD_STORE_OK)
        return r;
    SQ_EXEC(sq, Q_CHATTRS_DEL, S(app), S(ch));
    for (size_t i = 0; i < in->count; i++) {
        const rtmd_attr *a = &in->items[i];
        SQ_EXEC(sq, Q_CHATTR_PUT, S(app), S(ch), S(a->key), S(a->value),
                S(a->by ? a->by : ""), I(a->ts));
    }
    return r;
}

static size_t sq_chattrs_count(rtmd_store *st)
{
    return rtmd_store_chattrs_count(img(st));
}

/* ---- channels ------------------------------------------------------------------ */

static rtmd_store_status sq_channel_join(rtmd_store *st, rtmd_user u, const char *ch,
                                         size_t max, uint64_t seq_base)
{
    sq_store *sq = sq_of(st);
    rtmd_store_status r = rtmd_store_channel_join(sq->mem, u, ch, max, seq_base);
    if (r != RTMD_STORE_OK)
        return r;
    uint64_t base, last;
    if (rtmd_store_channel_seqs(sq->mem, u.app, ch, &base, &last))
        SQ_EXEC(sq, Q_CHANNEL_PUT, S(u.app), S(ch), I(base), I(last));
    SQ_EXEC(sq, Q_MEMBER_PUT, S(u.app), S(ch), S(u.user));
    return r;
}

static size_t sq_channels_expire(rtmd_store *st, uint64_t horizon_ms)
{
    sq_store *sq = sq_of(st);
    size_t n = rtmd_store_channels_expire(sq->mem, horizon_ms);
    /* The image drops history lazily; the file at each sweep. */
    SQ_EXEC(sq, Q_HISTORY_EXPIRE, I(horizon_ms));
    SQ_EXEC(sq, Q_CHANNELS_EXPIRE, I(horizon_ms));
    return n;
}

static rtmd_store_status sq_channel_leave(rtmd_store *st, rtmd_user u, const char *ch)
{
    rtmd_store_status r = rtmd_store_channel_leave(img(st), u, ch);
    if (r == RTMD_STORE_OK)
        SQ_EXEC(sq_of(st), Q_MEMBER_DEL, S(u.app), S(ch), S(u.user));
    return r;
}

static bool sq_channel_has(rtmd_store *st, rtmd_user u, const char *ch)
{
    return rtmd_store_channel_has(img(st), u, ch);
}

static rtmd_store_status sq_channel_members(rtmd_store *st, const char *app, const char *ch,
                                            rtmd_strv *out)
{
    return rtmd_store_channel_members(img(st), app, ch, out);
}

static rtmd_store_status sq_app_channels(rtmd_store *st, const char *app, rtmd_strv *out)
{
    return rtmd_store_app_channels(img(st), app, out);
}

static size_t sq_channel_member_count(rtmd_store *st, const char *app, const char *ch)
{
    return rtmd_store_channel_member_count(img(st), app, ch);
}

static rtmd_store_status sq_session_channels(rtmd_store *st, rtmd_user u, rtmd_strv *out)
{
    return rtmd_store_session_channels(img(st), u, out);
}

static uint64_t sq_channel_next_seq(rtmd_store *st, const char *app, const char *ch)
{
    uint64_t seq = rtmd_store_channel_next_seq(img(st), app, ch);
    if (seq)
        SQ_EXEC(sq_of(st), Q_CHANNEL_LAST, S(app), S(ch), I(seq));
    return seq;
}

static bool sq_channel_seqs(rtmd_store *st, const char *app, const char *ch, uint64_t *base,
                            uint64_t *last)
{
    return rtmd_store_channel_seqs(img(st), app, ch, base, last);
}

static rtmd_store_status sq_history_push(rtmd_store *st, const char *app, const char *ch,
                                         uint64_t seq, uint64_t at_ms, const uint8_t *frame,
                                         size_t len, size_t max, uint64_t horizon_ms,
                                         uint64_t max_bytes)
{
    sq_store *sq = sq_of(st);
    rtmd_store_status r = rtmd_store_history_push(sq->mem, app, ch, seq, at_ms, frame, len, max,
                                                  horizon_ms, max_bytes);
    if (r != RTMD_STORE_OK || max == 0)
        return r;
    SQ_EXEC(sq, Q_HISTORY_PUT, S(app), S(ch), I(seq), I(at_ms), rtmd_sqlw_blob(frame, len));
    /* What the image dropped to make room (or as too old): all before the
     * oldest it keeps. */
    uint64_t oldest = 0;
    rtmd_store_history_foreach(sq->mem, app, ch, 0, first_seq, &oldest);
    if (oldest)
        SQ_EXEC(sq, Q_HISTORY_BELOW, S(app), S(ch), I(oldest));
    return r;
}

static void sq_history_foreach(rtmd_store *st, const char *app, const char *ch,
                               uint64_t horizon_ms, rtmd_frame_fn fn, void *closure)
{
    rtmd_store_history_foreach(img(st), app, ch, horizon_ms, fn, closure);
}

/* ---- offline messages ---------------------------------------------------------- */

static rtmd_store_status sq_offline_push(rtmd_store *st, const char *app, const char *user,
                                         const rtmd_offline_msg *m, size_t max)
{
    sq_store *sq = sq_of(st);
    rtmd_store_status r = rtmd_store_offline_push(sq->mem, app, user, m, max);
    if (r == RTMD_STORE_LIMIT && m->session_id == 0 && max == 0)
        return r; /* refused, nothing kept */
    if (r != RTMD_STORE_OK && r != RTMD_STORE_LIMIT)
        return r;
    if (r == RTMD_STORE_LIMIT) {
        SQ_EXEC(sq, Q_OFFLINE_DROP_CACHED, S(app), S(user));
        SQ_EXEC(sq, Q_DROPPED_ADD, S(app), S(user), I(1));
    }
    SQ_EXEC(sq, Q_OFFLINE_PUT, S(app), S(user), S(m->from), I(m->at_ms),
            rtmd_sqlw_blob(m->msg, m->len), I(m->session_id), I(m->seq));
    return r;
}

static rtmd_store_status sq_offline_dropped_add(rtmd_store *st, const char *app,
                                                const char *user, uint32_t n)
{
    rtmd_store_status r = rtmd_store_offline_dropped_add(img(st), app, user, n);
    if (r == RTMD_STORE_OK && n)
        SQ_EXEC(sq_of(st), Q_DROPPED_ADD, S(app), S(user), I(n));
    return r;
}

static uint32_t sq_offline_take(rtmd_store *st, const char *app, const char *user,
                                uint64_t horizon_ms, rtmd_offline_fn fn, void *closure,
                                uint32_t *expired)
{
    sq_store *sq = sq_of(st);
    uint32_t n = rtmd_store_offline_take(sq->mem, app, user, horizon_ms, fn, closure, expired);
    SQ_EXEC(sq, Q_OFFLINE_DEL_ALL, S(app), S(user));
    SQ_EXEC(sq, Q_DROPPED_DEL, S(app), S(user));
    return n;
}

static size_t sq_offline_expire(rtmd_store *st, uint64_t horizon_ms)
{
    sq_store *sq = sq_of(st);
    size_t n = rtmd_store_offline_expire(sq->mem, horizon_ms);
    if (n) {
        SQ_EXEC(sq, Q_OFFLINE_COUNT_EXPIRED, I(horizon_ms));
        SQ_EXEC(sq, Q_OFFLINE_EXPIRE, I(horizon_ms));
    }
    return n;
}

static size_t sq_usage(rtmd_store *st, rtmd_usage kind, const char *app)
{
    return rtmd_store_usage(img(st), kind, app);
}

/* ---- subscriptions and bans -------------------------------------------------- */

static rtmd_store_status sq_sub_add(rtmd_store *st, rtmd_user u, const char *user)
{
    rtmd_store_status r = rtmd_store_sub_add(img(st), u, user);
    if (r == RTMD_STORE_OK)
        SQ_EXEC(sq_of(st), Q_SUB_PUT, S(u.app), S(u.user), S(user));
    return r;
}

static rtmd_store_status sq_sub_remove(rtmd_store *st, rtmd_user u, const char *user)
{
    rtmd_store_status r = rtmd_store_sub_remove(img(st), u, user);
    if (r == RTMD_STORE_OK)
        SQ_EXEC(sq_of(st), Q_SUB_DEL, S(u.app), S(u.user), S(user));
    return r;
}

static bool sq_sub_has(rtmd_store *st, rtmd_user u, const char *user)
{
    return rtmd_store_sub_has(img(st), u, user);
}

static size_t sq_sub_count(rtmd_store *st, rtmd_user u)
{
    return rtmd_store_sub_count(img(st), u);
}

static rtmd_store_status sq_sub_list(rtmd_store *st, rtmd_user u, rtmd_strv *out)
{
    return rtmd_store_sub_list(img(st), u, out);
}

static void sq_followers_foreach(rtmd_store *st, const char *app, const char *user,
                                 rtmd_user_fn fn, void *closure)
{
    rtmd_store_followers_foreach(img(st), app, user, fn, closure);
}

static rtmd_store_status sq_ban_put(rtmd_store *st, rtmd_user u, uint64_t until_ms)
{
    rtmd_store_status r = rtmd_store_ban_put(img(st), u, until_ms);
    if (r == RTMD_STORE_OK)
        SQ_EXEC(sq_of(st), Q_BAN_PUT, S(u.app), S(u.user), I(until_ms));
    return r;
}

static rtmd_store_status sq_ban_lift(rtmd_store *st, rtmd_user u, uint64_t now_ms)
{
    rtmd_store_status r = rtmd_store_ban_lift(img(st), u, now_ms);
    /* An expired ban (ABSENT) may still have its row: gone either way. */
    SQ_EXEC(sq_of(st), Q_BAN_DEL, S(u.app), S(u.user));
    return r;
}

static bool sq_ban_active(rtmd_store *st, rtmd_user u, uint64_t now_ms)
{
    return rtmd_store_ban_active(img(st), u, now_ms);
}

static rtmd_store_status sq_bans_list(rtmd_store *st, uint64_t now_ms, rtmd_banv *out)
{
    return rtmd_store_bans_list(img(st), now_ms, out);
}

/* ---- media ------------------------------------------------------------------ */

static rtmd_store_status sq_media_put(rtmd_store *st, const char *app, const char *id,
                                      uint64_t size, uint64_t at_ms)
{
    rtmd_store_status r = rtmd_store_media_put(img(st), app, id, size, at_ms);
    if (r == RTMD_STORE_OK)
        SQ_EXEC(sq_of(st), Q_MEDIA_PUT, S(id), S(app), I(size), I(at_ms));
    return r;
}

static bool sq_media_get(rtmd_store *st, const char *app, const char *id, uint64_t *size,
                         uint64_t *at_ms)
{
    return rtmd_store_media_get(img(st), app, id, size, at_ms);
}

static size_t sq_media_expire(rtmd_store *st, uint64_t horizon_ms, rtmd_strv *out)
{
    size_t first = out->count;
    size_t n = rtmd_store_media_expire(img(st), horizon_ms, out);
    for (size_t i = first; i < out->count; i++)
        SQ_EXEC(sq_of(st), Q_MEDIA_DEL, S(out->items[i]));
    return n;
}

static uint64_t sq_media_bytes(rtmd_store *st)
{
    return rtmd_store_media_bytes(img(st));
}

static const rtmd_store_ops sq_ops = {
    .destroy = sq_destroy,
    .session_add = sq_session_add,
    .session_remove = sq_session_remove,
    .session_has = sq_session_has,
    .session_count = sq_session_count,
    .session_meta_put = sq_session_meta_put,
    .session_meta_get = sq_session_meta_get,
    .sessions_foreach = sq_sessions_foreach,
    .barrier = sq_barrier,
    .unacked_push = sq_unacked_push,
    .unacked_ack = sq_unacked_ack,
    .unacked_count = sq_unacked_count,
    .unacked_clear = sq_unacked_clear,
    .unacked_foreach = sq_unacked_foreach,
    .unacked_take_dropped = sq_unacked_take_dropped,
    .sent_lookup = sq_sent_lookup,
    .sent_record = sq_sent_record,
    .attrs_get = sq_attrs_get,
    .attrs_put = sq_attrs_put,
    .chattrs_get = sq_chattrs_get,
    .chattrs_put = sq_chattrs_put,
    .chattrs_count = sq_chattrs_count,
    .channel_join = sq_channel_join,
    .channels_expire = sq_channels_expire,
    .channel_leave = sq_channel_leave,
    .channel_has = sq_channel_has,
    .channel_members = sq_channel_members,
    .app_channels = sq_app_channels,
    .channel_member_count = sq_channel_member_count,
    .session_channels = sq_session_channels,
    .channel_next_seq = sq_channel_next_seq,
    .channel_seqs = sq_channel_seqs,
    .history_push = sq_history_push,
    .history_foreach = sq_history_foreach,
    .offline_push = sq_offline_push,
    .offline_dropped_add = sq_offline_dropped_add,
    .offline_take = sq_offline_take,
    .offline_expire = sq_offline_expire,
    .usage = sq_usage,
    .sub_add = sq_sub_add,
    .sub_remove = sq_sub_remove,
    .sub_has = sq_sub_has,
    .sub_count = sq_sub_count,
    .sub_list = sq_sub_list,
    .followers_foreach = sq_followers_foreach,
    .ban_put = sq_ban_put,
    .ban_lift = sq_ban_lift,
    .ban_active = sq_ban_active,
    .bans_list = sq_bans_list,
    .media_put = sq_media_put,
    .media_get = sq_media_get,
    .media_expire = sq_media_expire,
    .media_bytes = sq_media_bytes,
};

/* ---- recovery ------------------------------------------------------------------ */

/* A row's column as a C string (ids and attributes hold no NUL: they were
 * C strings when written) in buf, or NULL when it is not TEXT or too long. */
static const char *col_text(const rtmd_sqlw_arg *c, char *buf, size_t size)
{
    if (c->type != RTMD_SQLW_TEXT || c->v.bytes.len >= size ||
        memchr(c->v.bytes.p, 0, c->v.bytes.len))
        return NULL;
    memcpy(buf, c->v.bytes.p, c->v.bytes.len);
    buf[c->v.bytes.len] = '\0';
    return buf;
}

static bool col_int(const rtmd_sqlw_arg *c, uint64_t *v)
{
    if (c->type != RTMD_SQLW_INT)
        return false;
    *v = (uint64_t)c->v.i;
    return true;
}

static bool col_blob(const rtmd_sqlw_arg *c, const uint8_t **p, size_t *len)
{
    if (c->type != RTMD_SQLW_BLOB && !(c->type == RTMD_SQLW_TEXT && c->v.bytes.len == 0))
        return false;
    *p = c->v.bytes.len ? c->v.bytes.p : (const uint8_t *)"";
    *len = c->v.bytes.len;
    return true;
}

/* Loading: the image being filled, what the rows are checked against, and
 * the first refusal. */
typedef struct {
    rtmd_store *mem;
    const rtmd_store_sqlite_config *cfg;
    const char *table;
    char *err;
    size_t errlen;
    sq_store *sq;
    rtmd_map *sess;          /* the sessions of the file, being filled */
    int64_t max_sid;
} sq_load;

/* Up to 4 text columns (ids, attributes: bounded by the protocol far below
 * these sizes; a longer one is a damaged row) then the others. */
#define SQ_TEXT_MAX 8192

static int load_refuse(sq_load *l, const char *why)
{
    snprintf(l->err, l->errlen, "table %s: %s", l->table, why);
    return -1;
}

static int load_status(sq_load *l, rtmd_store_status st)
{
    if (st == RTMD_STORE_OK || st == RTMD_STORE_EXISTS)
        return 0;
    return load_refuse(l, st == RTMD_STORE_NOMEM ? "out of memory" : "a row the store refuses");
}

static int row_session(const rtmd_sqlw_arg *c, size_t n, void *closure)
{
    sq_load *l = closure;
    char app[SQ_TEXT_MAX], user[SQ_TEXT_MAX];
    rtmd_session_meta m = { 0 };
    uint64_t sid, link_seq;
    if (n != 9 || !col_int(&c[0], &sid) || !col_text(&c[1], app, sizeof app) ||
        !col_text(&c[2], user, sizeof user) || !col_int(&c[3], &m.instance_id) ||
        !col_int(&c[4], &m.id) || !col_int(&c[5], &link_seq) ||
        !col_int(&c[6], &m.login_wall_ms) || !col_int(&c[7], &m.token_expires_at) ||
        !col_int(&c[8], &m.peer_seq) || (int64_t)sid <= 0)
        return load_refuse(l, "a damaged row");
    m.link_seq = (uint32_t)link_seq;
    rtmd_user u = { app, user };
    if (load_status(l, rtmd_store_session_add(l->mem, u)) != 0 ||
        load_status(l, rtmd_store_session_meta_put(l->mem, u, &m)) != 0)
        return -1;
    if (!sq_sess_put(l->sq, l->sess, u, (int64_t)sid))
        return load_refuse(l, "out of memory");
    if ((int64_t)sid > l->max_sid)
        l->max_sid = (int64_t)sid;
    return 0;
}

/* A row of frames: app, user, the session's acked, the frames. */
static int row_unacked(const rtmd_sqlw_arg *c, size_t n, void *closure)
{
    sq_load *l = closure;
    char app[SQ_TEXT_MAX], user[SQ_TEXT_MAX];
    uint64_t acked;
    const uint8_t *p;
    size_t len;
    if (n != 4 || !col_text(&c[0], app, sizeof app) || !col_text(&c[1], user, sizeof user) ||
        !col_int(&c[2], &acked) || !col_blob(&c[3], &p, &len))
        return load_refuse(l, "a damaged row");
    for (size_t at = 0; at < len;) {
        uint64_t seq, flen;
        if (!sq_unvarint(p, len, &at, &seq) || !sq_unvarint(p, len, &at, &flen) ||
            flen > len - at)
            return load_refuse(l, "a damaged row");
        if (seq > acked &&
            load_status(l, rtmd_store_unacked_push(l->mem, (rtmd_user){ app, user }, seq,
                                                   p + at, (size_t)flen, SIZE_MAX)) != 0)
            return -1;
        at += (size_t)flen;
    }
    return 0;
}

/* A row of send answers: app, user, the answers. */
static int row_sent(const rtmd_sqlw_arg *c, size_t n, void *closure)
{
    sq_load *l = closure;
    char app[SQ_TEXT_MAX], user[SQ_TEXT_MAX];
    const uint8_t *p;
    size_t len;
    if (n != 3 || !col_text(&c[0], app, sizeof app) || !col_text(&c[1], user, sizeof user) ||
        !col_blob(&c[2], &p, &len))
        return load_refuse(l, "a damaged row");
    for (size_t at = 0; at < len;) {
        uint64_t seq, z;
        if (!sq_unvarint(p, len, &at, &seq) || !sq_unvarint(p, len, &at, &z) || seq == 0)
            return load_refuse(l, "a damaged row");
        int64_t code = (int64_t)(z >> 1) ^ -(int64_t)(z & 1);
        if (code < INT_MIN || code > INT_MAX)
            return load_refuse(l, "a damaged row");
        if (load_status(l, rtmd_store_sent_record(l->mem, (rtmd_user){ app, user }, seq,
                                                  (int)code)) != 0)
            return -1;
    }
    return 0;
}

/* A user's or channel's attributes arrive as rows sorted by key; gathered
 * here and put once the key changes. */
typedef struct {
    sq_load *l;
    bool channel;
    char app[SQ_TEXT_MAX], id[SQ_TEXT_MAX];
    rtmd_attrv v;
} attr_acc;

static int attr_flush(attr_acc *a)
{
    if (a->v.count == 0)
        return 0;
    rtmd_store_status st =
        a->channel ? rtmd_store_chattrs_put(a->l->mem, a->app, a->id, &a->v)
                   : rtmd_store_attrs_put(a->l->mem, (rtmd_user){ a->app, a->id }, &a->v);
    rtmd_attrv_free(&a->v);
    return load_status(a->l, st);
}

static int row_attr(const rtmd_sqlw_arg *c, size_t n, void *closure)
{
    attr_acc *a = closure;
    char app[SQ_TEXT_MAX], id[SQ_TEXT_MAX], key[SQ_TEXT_MAX], value[SQ_TEXT_MAX],
        by[SQ_TEXT_MAX];
    uint64_t ts = 0;
    size_t want = a->channel ? 6 : 4;
    if (n != want || !col_text(&c[0], app, sizeof app) || !col_text(&c[1], id, sizeof id) ||
        !col_text(&c[2], key, sizeof key) || !col_text(&c[3], value, sizeof value) ||
        (a->channel && (!col_text(&c[4], by, sizeof by) || !col_int(&c[5], &ts))))
        return load_refuse(a->l, "a damaged row");
    if (strcmp(app, a->app) != 0 || strcmp(id, a->id) != 0) {
        if (attr_flush(a) != 0)
            return -1;
        snprintf(a->app, sizeof a->app, "%s", app);
        snprintf(a->id, sizeof a->id, "%s", id);
    }
    rtmd_attr *items = realloc(a->v.items, (a->v.count + 1) * sizeof *items);
    if (!items)
        return load_refuse(a->l, "out of memory");
    a->v.items = items;
    rtmd_attr *at = &items[a->v.count];
    *at = (rtmd_attr){ strdup(key), strdup(value), a->channel ? strdup(by) : NULL, ts };
    a->v.count++;
    if (!at->key || !at->value || (a->channel && !at->by))
        return load_refuse(a->l, "out of memory");
    return 0;
}

static int row_sub(const rtmd_sqlw_arg *c, size_t n, void *closure)
{
    sq_load *l = closure;
    char app[SQ_TEXT_MAX], user[SQ_TEXT_MAX], target[SQ_TEXT_MAX];
    if (n != 3 || !col_text(&c[0], app, sizeof app) || !col_text(&c[1], user, sizeof user) ||
        !col_text(&c[2], target, sizeof target))
        return load_refuse(l, "a damaged row");
    return load_status(l, rtmd_store_sub_add(l->mem, (rtmd_user){ app, user }, target));
}

static int row_channel(const rtmd_sqlw_arg *c, size_t n, void *closure)
{
    sq_load *l = closure;
    char app[SQ_TEXT_MAX], ch[SQ_TEXT_MAX];
    uint64_t base, last;
    if (n != 4 || !col_text(&c[0], app, sizeof app) || !col_text(&c[1], ch, sizeof ch) ||
        !col_int(&c[2], &base) || !col_int(&c[3], &last))
        return load_refuse(l, "a damaged row");
    return load_status(l, rtmd_store_mem_channel_restore(l->mem, app, ch, base, last));
}

static int row_member(const rtmd_sqlw_arg *c, size_t n, void *closure)
{
    sq_load *l = closure;
    char app[SQ_TEXT_MAX], ch[SQ_TEXT_MAX], user[SQ_TEXT_MAX];
    if (n != 3 || !col_text(&c[0], app, sizeof app) || !col_text(&c[1], ch, sizeof ch) ||
        !col_text(&c[2], user, sizeof user))
        return load_refuse(l, "a damaged row");
    /* A member whose session is gone (a row the journal never leaves, but
     * a file edited by hand may) is skipped: ABSENT. */
    rtmd_store_status st =
        rtmd_store_channel_join(l->mem, (rtmd_user){ app, user }, ch, SIZE_MAX, 0);
    return st == RTMD_STORE_ABSENT ? 0 : load_status(l, st);
}

static int row_history(const rtmd_sqlw_arg *c, size_t n, void *closure)
{
    sq_load *l = closure;
    char app[SQ_TEXT_MAX], ch[SQ_TEXT_MAX];
    uint64_t seq, at;
    const uint8_t *frame;
    size_t len;
    if (n != 5 || !col_text(&c[0], app, sizeof app) || !col_text(&c[1], ch, sizeof ch) ||
        !col_int(&c[2], &seq) || !col_int(&c[3], &at) || !col_blob(&c[4], &frame, &len))
        return load_refuse(l, "a damaged row");
    /* What was kept is loaded whole: the bound is for what comes next. */
    rtmd_store_status st = rtmd_store_history_push(l->mem, app, ch, seq, at, frame, len,
                                                   l->cfg->history_max,
                                                   l->cfg->history_horizon_ms, UINT64_MAX);
    return st == RTMD_STORE_ABSENT ? load_refuse(l, "history of an unknown channel")
                                   : load_status(l, st);
}

static int row_offline(const rtmd_sqlw_arg *c, size_t n, void *closure)
{
    sq_load *l = closure;
    char app[SQ_TEXT_MAX], user[SQ_TEXT_MAX], from[SQ_TEXT_MAX];
    rtmd_offline_msg m;
    if (n != 7 || !col_text(&c[0], app, sizeof app) || !col_text(&c[1], user, sizeof user) ||
        !col_text(&c[2], from, sizeof from) || !col_int(&c[3], &m.at_ms) ||
        !col_blob(&c[4], &m.msg, &m.len) || !col_int(&c[5], &m.session_id) ||
        !col_int(&c[6], &m.seq))
        return load_refuse(l, "a damaged row");
    m.from = from;
    return load_status(l, rtmd_store_offline_push(l->mem, app, user, &m, SIZE_MAX));
}

static int row_dropped(const rtmd_sqlw_arg *c, size_t n, void *closure)
{
    sq_load *l = closure;
    char app[SQ_TEXT_MAX], user[SQ_TEXT_MAX];
    uint64_t k;
    if (n != 3 || !col_text(&c[0], app, sizeof app) || !col_text(&c[1], user, sizeof user) ||
        !col_int(&c[2], &k))
        return load_refuse(l, "a damaged row");
    return load_status(l, rtmd_store_offline_dropped_add(l->mem, app, user,
                                                         k > UINT32_MAX ? UINT32_MAX
                                                                        : (uint32_t)k));
}

static int row_ban(const rtmd_sqlw_arg *c, size_t n, void *closure)
{
    sq_load *l = closure;
    char app[SQ_TEXT_MAX], user[SQ_TEXT_MAX];
    uint64_t until;
    if (n != 3 || !col_text(&c[0], app, sizeof app) || !col_text(&c[1], user, sizeof user) ||
        !col_int(&c[2], &until))
        return load_refuse(l, "a damaged row");
    return load_status(l, rtmd_store_ban_put(l->mem, (rtmd_user){ app, user }, until));
}

static int row_media(const rtmd_sqlw_arg *c, size_t n, void *closure)
{
    sq_load *l = closure;
    char id[SQ_TEXT_MAX], app[SQ_TEXT_MAX];
    uint64_t size, at;
    if (n != 4 || !col_text(&c[0], id, sizeof id) || !col_text(&c[1], app, sizeof app) ||
        !col_int(&c[2], &size) || !col_int(&c[3], &at))
        return load_refuse(l, "a damaged row");
    return load_status(l, rtmd_store_media_put(l->mem, app, id, size, at));
}

/* Fills a new image from the file, and sess with the sessions' ids (*max_sid
 * the highest); NULL with err set (sess then empty). */
static rtmd_store *sq_load_image(sq_store *sq, rtmd_map *sess, int64_t *max_sid,
                                 const rtmd_store_sqlite_config *cfg, char *err, size_t errlen)
{
    rtmd_sqlw *w = sq->w;
    rtmd_store *mem = rtmd_store_mem_new();
    if (!mem) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    sq_load l = { mem, cfg, NULL, err, errlen, sq, sess, 0 };
    attr_acc *ua = calloc(1, sizeof *ua), *ca = calloc(1, sizeof *ca);
    rtmd_sqlw_arg now = I(cfg->now_wall_ms), hist = I(cfg->history_horizon_ms);
    struct {
        const char *table, *sql;
        rtmd_sqlw_row_fn fn;
        void *closure;
        const rtmd_sqlw_arg *arg;
    } steps[] = {
        /* A session's peer_seq: at least every seq it still holds. */
        { "sessions", "SELECT sid, app, user, instance, id, link_seq, login_ms, token_exp,"
                      " max(peer_seq, coalesce((SELECT max(seq) FROM unacked u"
                      " WHERE u.sid = s.sid), 0)) FROM sessions s",
          row_session, &l, NULL },
        { "unacked", "SELECT s.app, s.user, s.acked, u.frames FROM unacked u"
                     " JOIN sessions s ON s.sid = u.sid ORDER BY u.sid, u.seq",
          row_unacked, &l, NULL },
        { "sent", "SELECT s.app, s.user, t.codes FROM sent t"
                  " JOIN sessions s ON s.sid = t.sid ORDER BY t.sid, t.send_seq",
          row_sent, &l, NULL },
        { "attrs", "SELECT app, user, name, value FROM attrs ORDER BY app, user, name",
          row_attr, ua, NULL },
        { "subs", "SELECT app, user, target FROM subs", row_sub, &l, NULL },
        { "channels", "SELECT app, channel, base, last FROM channels", row_channel, &l, NULL },
        { "members", "SELECT app, channel, user FROM members", row_member, &l, NULL },
        { "history", "SELECT app, channel, seq, at_ms, frame FROM history WHERE at_ms >= ?1"
                     " ORDER BY app, channel, seq", row_history, &l, &hist },
        { "chattrs", "SELECT app, channel, name, value, setter, ts FROM chattrs"
                     " ORDER BY app, channel, name", row_attr, ca, NULL },
        { "offline", "SELECT app, user, sender, at_ms, msg, session_id, seq FROM offline"
                     " ORDER BY id", row_offline, &l, NULL },
        { "offline_dropped", "SELECT app, user, n FROM offline_dropped", row_dropped, &l,
          NULL },
        { "bans", "SELECT app, user, until_ms FROM bans WHERE until_ms = 0 OR until_ms > ?1",
          row_ban, &l, &now },
        { "media", "SELECT id, app, size, at_ms FROM media", row_media, &l, NULL },
    };
    if (!ua || !ca) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    ua->l = ca->l = &l;
    ca->channel = true;
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        l.table = steps[i].table;
        err[0] = '\0';
        if (rtmd_sqlw_query(w, steps[i].sql, steps[i].arg, steps[i].arg ? 1 : 0, steps[i].fn,
                            steps[i].closure) != 0) {
            if (!err[0])
                snprintf(err, errlen, "table %s cannot be read", l.table);
            goto fail;
        }
        if (steps[i].closure == ua || steps[i].closure == ca) {
            if (attr_flush(steps[i].closure) != 0)
                goto fail;
        }
    }
    free(ua);
    free(ca);
    *max_sid = l.max_sid;
    return mem;
fail:
    sq_sess_map_free(sq, sess);
    if (ua)
        rtmd_attrv_free(&ua->v);
    if (ca)
        rtmd_attrv_free(&ca->v);
    free(ua);
    free(ca);
    rtmd_store_destroy(mem);
    return NULL;
}

/* Brings an older file to this schema (rtmd_sqlw_migrate_fn): 2 -> 3 adds
 * the media table. Schema 1 (no rtmd release wrote it) is refused. */
static int sq_migrate(struct sqlite3 *db, int from, int to, char *err, size_t errlen,
                      void *closure)
{
    (void)closure;
    if (from < 2 || to != 3) {
        snprintf(err, errlen, "no migration from schema %d", from);
        return -1;
    }
    char *msg = NULL;
    if (sqlite3_exec(db, MEDIA_TABLE_SQL, NULL, NULL, &msg) != SQLITE_OK) {
        snprintf(err, errlen, "%s", msg ? msg : "cannot create the media table");
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

/* What the sweep would forget at once (journaled). */
static void sq_prune(rtmd_store *st, const rtmd_store_sqlite_config *cfg)
{
    size_t n = rtmd_store_offline_expire(st, cfg->offline_horizon_ms);
    if (n)
        rtmd_log(RTMD_LOG_INFO, "store: %zu offline messages expired while rtmd was down", n);
    rtmd_store_channels_expire(st, cfg->history_horizon_ms);
}

static void count_session(rtmd_user u, const rtmd_session_meta *m, void *closure)
{
    (*(size_t *)closure)++;
}

rtmd_store *rtmd_store_sqlite_open(struct event_base *base,
                                   const rtmd_store_sqlite_config *cfg, char *err,
                                   size_t errlen)
{
    sq_store *sq = calloc(1, sizeof *sq);
    if (!sq) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    sq->base.ops = &sq_ops;
    sq->durable = cfg->durable;
    sq->closure = cfg->closure;
    sq->flush_ev = event_new(base, -1, 0, sq_flush_cb, sq);
    rtmd_sqlw_config wc = {
        .path = cfg->path,
        .fsync = cfg->fsync,
        .schema_version = RTMD_STORE_SQLITE_SCHEMA,
        .schema_sql = schema_sql,
        .migrate = sq_migrate,
        .stmts = stmts,
        .nstmts = Q_COUNT,
    };
    if (!sq->flush_ev) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    if (rtmd_sqlw_open(base, &wc, &sq->w, err, errlen) != 0)
        goto fail;
    char why[512];
    int64_t max_sid = 0;
    sq->mem = sq_load_image(sq, &sq->sess, &max_sid, cfg, why, sizeof why);
    sq->next_sid = max_sid + 1;
    if (!sq->mem) {
        snprintf(err, errlen, "%s: cannot load: %s", cfg->path, why);
        goto fail;
    }
    size_t sessions = 0;
    rtmd_store_sessions_foreach(sq->mem, count_session, &sessions);
    struct rtmd_sqlw_stats ws;
    rtmd_sqlw_stats(sq->w, &ws);
    rtmd_log(RTMD_LOG_INFO, "store: %s loaded (%zu sessions, %zu bytes of offline messages, "
             "%" PRIu64 " bytes on disk)", cfg->path, sessions,
             rtmd_store_usage(sq->mem, RTMD_USAGE_OFFLINE, NULL), ws.bytes_on_disk);
    sq_prune(&sq->base, cfg);
    return &sq->base;
fail:
    sq_destroy(&sq->base);
    return NULL;
}

int rtmd_store_sqlite_reload(rtmd_store *st, const rtmd_store_sqlite_config *cfg)
{
    sq_store *sq = sq_of(st);
    sq->reloading = true;
    if (sq->open_stmts)
        sq_flush_cb(-1, 0, sq); /* it fails: the writer halted */
    (void)rtmd_sqlw_sync(sq->w);
    sq->reloading = false;
    char why[512];
    rtmd_map sess = RTMD_MAP_INIT;
    int64_t max_sid = 0;
    rtmd_store *mem = sq_load_image(sq, &sess, &max_sid, cfg, why, sizeof why);
    if (!mem) {
        rtmd_log(RTMD_LOG_ERROR, "store: cannot reload: %s", why);
        return -1;
    }
    if (rtmd_sqlw_resume(sq->w) != 0) {
        rtmd_store_destroy(mem);
        sq_sess_map_free(sq, &sess);
        return -1;
    }
    rtmd_store_destroy(sq->mem);
    sq->mem = mem;
    sq_sess_map_free(sq, &sq->sess);
    sq->sess = sess;
    /* Ids of sessions the failed batches added may be on no row: never
     * given again all the same. */
    if (max_sid + 1 > sq->next_sid)
        sq->next_sid = max_sid + 1;
    sq->failed = false;
    rtmd_log(RTMD_LOG_WARN, "store: reloaded from the file; writing again");
    sq_prune(st, cfg);
    return 0;
}

int rtmd_store_sqlite_check(const char *dir_or_file, char *report, size_t size)
{
    char path[4096];
    struct stat sb;
    if (stat(dir_or_file, &sb) == 0 && S_ISDIR(sb.st_mode))
        snprintf(path, sizeof path, "%s/%s", dir_or_file, RTMD_DATA_FILE);
    else
        snprintf(path, sizeof path, "%s", dir_or_file);
    return rtmd_sqlw_check(path, RTMD_STORE_SQLITE_SCHEMA, report, size);
}

rtmd_sqlw *rtmd_store_sqlite_writer(rtmd_store *st)
{
    return sq_of(st)->w;
}
