/* sqlite_writer.c: SQLite behind a writer thread with group commit
 * (sqlite_writer.h). */
#include "sqlite_writer.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <sqlite3.h>

#include "log.h"

#define SQLW_BUSY_TIMEOUT_MS 5000
/* The pause before BEGIN is tried again on a busy database: short at first
 * (a checkpoint, a quick look by an operator), doubling so that a lock held
 * for minutes costs a few tries a minute. */
#define SQLW_BACKOFF_MIN_MS 10u
#define SQLW_BACKOFF_MAX_MS 1000u
/* A busy database retries every second: one log line a second is enough. */
#define SQLW_LOG_INTERVAL_US 1000000u
/* Problems quick_check and integrity_check report at most. */
#define SQLW_CHECK_ROWS 8
#define SQLW_STR(x) #x
#define SQLW_XSTR(x) SQLW_STR(x)
/* The largest batch that may commit on the loop thread (sqlw_inline). */
#define SQLW_INLINE_MAX_STATEMENTS 8u
#define SQLW_INLINE_MAX_BYTES 1024u
/* Columns of a query row held on the stack; more are allocated. */
#define SQLW_QUERY_COLS 16

/* One queued statement: its arguments, then the bytes they point to, in one
 * allocation. */
typedef struct sqlw_stmt {
    struct sqlw_stmt *next;
    unsigned idx;
    size_t nargs;
    rtmd_sqlw_arg args[];
} sqlw_stmt;

typedef struct sqlw_batch {
    struct sqlw_batch *next;
    sqlw_stmt *head, *tail; /* freed by the writer once run */
    size_t nstmts;
    size_t bytes;           /* of its text and blob arguments (saturating) */
    uint64_t number;
    rtmd_sqlw_done_fn cb;
    void *closure;
    bool poisoned;          /* exec refused a statement of it: it fails */
    bool ok;
} sqlw_batch;

typedef struct {
    sqlw_batch *head, *tail;
} sqlw_list;

/* The writer's own statements, prepared once. BEGIN IMMEDIATE takes the
 * write lock up front, so that a busy database fails (or waits) at BEGIN,
 * before any batch has run, rather than at its first write. */
enum { TXN_BEGIN, TXN_COMMIT, TXN_ROLLBACK, TXN_SAVEPOINT, TXN_RELEASE, TXN_ROLLBACK_TO, TXN_N };
static const char *const sqlw_txn_sql[TXN_N] = {
    "BEGIN IMMEDIATE", "COMMIT", "ROLLBACK",
    "SAVEPOINT rtmd_batch", "RELEASE rtmd_batch", "ROLLBACK TO rtmd_batch",
};

/* What the writer takes with a group, under the lock: whether it is halted,
 * and where the last resume drew its line. */
typedef struct {
    bool halted;
    uint64_t run_after;     /* batches up to this one fail without running */
    bool no_retry;          /* close has begun: a busy database fails */
} sqlw_view;

/* What one group did, applied to the counters under the lock. */
typedef struct {
    uint64_t stmts;
    uint64_t committed_batches, committed_stmts, failed_batches;
    bool committed;
    uint64_t halted_at;     /* the batch the writer halted at; 0: none */
    uint64_t us;
} sqlw_result;

struct rtmd_sqlw {
    /* Loop thread only. */
    struct event *wake;      /* the eventfd: batches are done */
    struct event *wake_inline; /* batches committed on the loop thread are done */
    int efd;
    sqlite3 *rdb;            /* rtmd_sqlw_query's read connection */
    sqlw_batch *open;        /* NULL until needed */
    uint64_t flushed;        /* number of the last batch flushed */
    uint64_t delivered;      /* number of the last batch whose callback ran */
    uint64_t failed_delivered;
    sqlw_list ready;         /* done; their callbacks are to run */
    bool open_poisoned;      /* exec refused a statement of the open batch */
    uint64_t last_poisoned;  /* number of the last poisoned batch flushed */
    unsigned depth;          /* done callbacks running (nested by sync) */
    bool free_deferred;      /* closed inside a callback: free when it ends */
    bool closing;
    bool stopped;            /* the writer thread has been joined */

    /* Set at open, then read-only: both threads read them. */
    char *path, *wal_path;
    unsigned nstmts;
    int *nparams;

    /* The writer thread's, once started. */
    sqlite3 *db;
    sqlite3_stmt **stmts;
    sqlite3_stmt *txn[TXN_N];
    uint64_t last_log_us;    /* when a failure was last logged; 0: never */
    uint64_t unlogged;       /* failures not logged since */
    uint64_t busy_streak;    /* BEGINs retried since one last succeeded */
    int wal_pages;           /* the WAL's size after the last commit (its hook) */
    int busy_timeout_ms;
    int checkpoint_pages;    /* cfg's, or RTMD_SQLW_CHECKPOINT_PAGES */
    struct sqlw_ckpt *ck;    /* the checkpointer; NULL: none (the writer
                              * checkpoints itself) */
    pthread_t thread;
    bool thread_started;
    bool inline_ok;          /* set at open: small batches may commit on the
                              * loop thread (RTMD_SQLW_FSYNC_NORMAL only) */

    /* Shared, under mu. */
    pthread_mutex_t mu;
    pthread_cond_t work;     /* pending has batches, stop or no_retry;
                              * on CLOCK_MONOTONIC (the backoff waits) */
    pthread_cond_t done_cv;  /* completed moved on */
    bool sync_init;
    bool writer_busy;        /* the writer thread runs a group (or starts):
                              * the loop thread may use db, which is the
                              * writer's, only while this is false, and
                              * sets it while it does */
    sqlw_list pending;       /* flushed, not taken by the writer */
    sqlw_list done;          /* completed, not taken by the loop */
    uint64_t completed;      /* number of the last batch completed */
    uint64_t inflight_stmts; /* statements of the flushed batches not done */
    bool stop;
    bool no_retry;           /* close has begun: a busy BEGIN fails */
    uint64_t run_after;      /* set by resume: see sqlw_view */
    uint64_t halted_at;      /* the batch of the last halt */
    struct rtmd_sqlw_stats st;
    /* Written under mu, read without it too (exec's and stats' fast path). */
    atomic_bool halted;      /* until rtmd_sqlw_resume */
    atomic_bool broken;      /* halted for good */
    /* A checkpoint copied the whole WAL: the next write transaction starts
     * it again from its beginning, and SQLite then fsyncs its new header
     * (even at synchronous=NORMAL): that commit is the writer thread's,
     * never one on the loop thread (sqlw_inline). Set by the checkpointer,
     * cleared by the writer thread after a group. */
    atomic_bool wal_restart;
};

static void sqlw_free(rtmd_sqlw *w);

static uint64_t sqlw_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void sqlw_err(char *err, size_t errlen, const char *fmt, ...) RTMD_PRINTF(3, 4);
static void sqlw_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* Appends to the string in buf, cutting at its size. */
static void sqlw_append(char *buf, size_t size, const char *fmt, ...) RTMD_PRINTF(3, 4);
static void sqlw_append(char *buf, size_t size, const char *fmt, ...)
{
    size_t used = strnlen(buf, size);
    if (used + 1 >= size)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + used, size - used, fmt, ap);
    va_end(ap);
}

static void sqlw_list_append(sqlw_list *l, sqlw_list *more)
{
    if (!more->head)
        return;
    if (l->tail)
        l->tail->next = more->head;
    else
        l->head = more->head;
    l->tail = more->tail;
    more->head = more->tail = NULL;
}

/* Puts front before the batches of l. */
static void sqlw_list_prepend(sqlw_list *l, sqlw_list *front)
{
    if (!front->head)
        return;
    front->tail->next = l->head;
    if (!l->tail)
        l->tail = front->tail;
    l->head = front->head;
    front->head = front->tail = NULL;
}

static void sqlw_list_push(sqlw_list *l, sqlw_batch *b)
{
    b->next = NULL;
    sqlw_list one = { b, b };
    sqlw_list_append(l, &one);
}

static void sqlw_free_stmts(sqlw_batch *b)
{
    sqlw_stmt *s = b->head;
    while (s) {
        sqlw_stmt *next = s->next;
        free(s);
        s = next;
    }
    b->head = b->tail = NULL;
}

/* Checks arguments as exec and query take them: a known type; for text and
 * blob, at most INT_MAX bytes (SQLite takes lengths as int) and a pointer
 * when there are bytes. Sets *bytes to the sum of their lengths. 0 or -1. */
static int sqlw_check_args(const rtmd_sqlw_arg *args, size_t nargs, size_t *bytes)
{
    *bytes = 0;
    if (nargs && !args)
        return -1;
    for (size_t i = 0; i < nargs; i++) {
        const rtmd_sqlw_arg *a = &args[i];
        switch (a->type) {
        case RTMD_SQLW_NULL:
        case RTMD_SQLW_INT:
        case RTMD_SQLW_REAL:
            break;
        case RTMD_SQLW_TEXT:
        case RTMD_SQLW_BLOB:
            if (a->v.bytes.len > INT_MAX || (a->v.bytes.len && !a->v.bytes.p) ||
                a->v.bytes.len > SIZE_MAX - *bytes)
                return -1;
            *bytes += a->v.bytes.len;
            break;
        default:
            return -1;
        }
    }
    return 0;
}

/* Binds args, checked by sqlw_check_args, to st; SQLITE_OK or SQLite's
 * error. The values must live until st is reset (SQLITE_STATIC: no copy).
 * The codes it makes up itself (TOOBIG, MISUSE) leave SQLite's message as
 * it was: callers log sqlite3_errstr() of a bind error, never
 * sqlite3_errmsg(). */
static int sqlw_bind(sqlite3_stmt *st, const rtmd_sqlw_arg *args, size_t nargs)
{
    for (size_t i = 0; i < nargs; i++) {
        const rtmd_sqlw_arg *a = &args[i];
        int col = (int)i + 1;
        /* A NULL pointer would bind SQL NULL: an empty text or blob (the
         * only kind with a NULL pointer, once checked) points at "". */
        const void *p = a->v.bytes.p ? a->v.bytes.p : "";
        int rc;
        switch (a->type) {
        case RTMD_SQLW_NULL:
            rc = sqlite3_bind_null(st, col);
            break;
        case RTMD_SQLW_INT:
            rc = sqlite3_bind_int64(st, col, a->v.i);
            break;
        case RTMD_SQLW_REAL:
            rc = sqlite3_bind_double(st, col, a->v.r);
            break;
        case RTMD_SQLW_TEXT:
            if (a->v.bytes.len > INT_MAX)
                return SQLITE_TOOBIG;
            rc = sqlite3_bind_text(st, col, p, (int)a->v.bytes.len, SQLITE_STATIC);
            break;
        case RTMD_SQLW_BLOB:
            if (a->v.bytes.len > INT_MAX)
                return SQLITE_TOOBIG;
            rc = sqlite3_bind_blob(st, col, p, (int)a->v.bytes.len, SQLITE_STATIC);
            break;
        default:
            return SQLITE_MISUSE;
        }
        if (rc != SQLITE_OK)
            return rc;
    }
    return SQLITE_OK;
}

/* ---- opening --------------------------------------------------------- */

/* Runs sql, which returns one integer. SQLITE_OK or the error. */
static int sqlw_query_int(sqlite3 *db, const char *sql, int64_t *out)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return rc;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *out = sqlite3_column_int64(st, 0);
        rc = SQLITE_OK;
    } else if (rc == SQLITE_DONE) {
        rc = SQLITE_ERROR;
    }
    sqlite3_finalize(st);
    return rc;
}

/* Runs a quick_check or integrity_check pragma; 0 when it says "ok", 1 with
 * its findings appended to buf when it finds problems, -1 with SQLite's
 * error in *rc when it cannot run (not a database, unreadable, or so corrupt
 * that the check itself fails). */
static int sqlw_run_check(sqlite3 *db, const char *pragma, char *buf, size_t size, int *rc)
{
    sqlite3_stmt *st;
    *rc = sqlite3_prepare_v2(db, pragma, -1, &st, NULL);
    if (*rc != SQLITE_OK)
        return -1;
    int rows = 0;
    bool sound = false;
    while ((*rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *line = (const char *)sqlite3_column_text(st, 0);
        if (rows == 0 && line && strcmp(line, "ok") == 0) {
            sound = true;
        } else {
            /* A finding may span lines; the message is one line. */
            size_t at = strnlen(buf, size);
            sqlw_append(buf, size, "%s%s", rows ? "; " : "", line ? line : "?");
            for (char *c = buf + at; *c; c++)
                if (*c == '\n')
                    *c = ' ';
        }
        rows++;
    }
    sqlite3_finalize(st);
    if (*rc != SQLITE_DONE)
        return -1;
    *rc = SQLITE_OK;
    return sound ? 0 : 1;
}

/* Why a database cannot be used, from a failed check or query. */
static void sqlw_err_db(char *err, size_t errlen, const char *path, sqlite3 *db, int rc)
{
    int primary = rc & 0xff;
    if (primary == SQLITE_NOTADB)
        sqlw_err(err, errlen, "%s: not an SQLite database (%s)", path, sqlite3_errmsg(db));
    else if (primary == SQLITE_CORRUPT)
        sqlw_err(err, errlen, "%s: the database is corrupt (%s)", path, sqlite3_errmsg(db));
    else if (primary == SQLITE_READONLY || primary == SQLITE_CANTOPEN)
        /* Reading a WAL database writes its index (PATH-shm), which goes
         * beside it, as does the WAL. */
        sqlw_err(err, errlen, "%s: cannot be written: %s (its WAL and WAL index go in the same "
                 "directory: can that be written?)", path, sqlite3_errmsg(db));
    else
        sqlw_err(err, errlen, "%s: cannot read the database: %s", path, sqlite3_errmsg(db));
}

static int sqlw_exec_sql(sqlite3 *db, const char *sql, const char *path, const char *what,
                         char *err, size_t errlen)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        sqlw_err(err, errlen, "%s: %s: %s", path, what, msg ? msg : sqlite3_errstr(rc));
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

/* What the authorizer refused, for the message of open. */
typedef struct {
    char what[160];
} sqlw_auth;

/* The authorizer while the caller's schema runs and its statements are
 * prepared. It refuses BEGIN, COMMIT, ROLLBACK, SAVEPOINT and RELEASE,
 * which would end or nest the writer's own transaction and so break the
 * batches' all-or-nothing and order (a COMMIT in batch 3 would make
 * batches 1 and 2 durable, then fail them), and every pragma but those of
 * RTMD_SQLW_PRAGMAS_ALLOWED: the writer owns the connection's settings,
 * and some would weaken durability or the file (synchronous=OFF,
 * journal_mode=MEMORY, writable_schema). */
static int sqlw_authorize(void *closure, int action, const char *a, const char *b,
                          const char *c, const char *d)
{
    sqlw_auth *au = closure;
    (void)b, (void)c, (void)d;
    if (action == SQLITE_TRANSACTION || action == SQLITE_SAVEPOINT) {
        snprintf(au->what, sizeof au->what, "%s",
                 "a transaction statement: the writer makes the transactions");
        return SQLITE_DENY;
    }
    if (action == SQLITE_PRAGMA) {
        /* RTMD_SQLW_PRAGMAS_ALLOWED: names separated by commas. */
        const char *list = RTMD_SQLW_PRAGMAS_ALLOWED;
        size_t alen = a ? strlen(a) : 0;
        while (a && *list) {
            size_t n = strcspn(list, ",");
            if (n == alen && sqlite3_strnicmp(list, a, (int)n) == 0)
                return SQLITE_OK;
            list += n + (list[n] == ',');
        }
        snprintf(au->what, sizeof au->what, "PRAGMA %.40s is not allowed (only %s: the "
                 "writer owns the connection's settings)", a ? a : "?",
                 RTMD_SQLW_PRAGMAS_ALLOWED);
        return SQLITE_DENY;
    }
    return SQLITE_OK;
}

/* Brings the schema of db to cfg's version, in one transaction that always
 * writes (user_version is set even when unchanged: that rewrites page 1 in
 * the WAL), which proves the file, its directory (the WAL and its index are
 * created there) and the file system can be written. That is the honest
 * test: permission bits say nothing to root, a read-only mount or a full
 * disk only show on a write. */
static int sqlw_schema(sqlite3 *db, const rtmd_sqlw_config *cfg, int64_t version,
                       char *err, size_t errlen)
{
    if (sqlw_exec_sql(db, "BEGIN IMMEDIATE", cfg->path, "cannot be written", err, errlen) != 0)
        return -1;
    int rc = 0;
    if (version == 0) {
        /* The caller's schema under the authorizer, as its statements. */
        sqlw_auth au = { "" };
        char *msg = NULL;
        sqlite3_set_authorizer(db, sqlw_authorize, &au);
        if (sqlite3_exec(db, cfg->schema_sql, NULL, NULL, &msg) != SQLITE_OK) {
            sqlw_err(err, errlen, "%s: creating the schema: %s", cfg->path,
                     au.what[0] ? au.what : msg ? msg : "failed");
            rc = -1;
        }
        sqlite3_free(msg);
        sqlite3_set_authorizer(db, NULL, NULL);
    } else if (version < cfg->schema_version) {
        char why[256] = "";
        if (cfg->migrate(db, (int)version, cfg->schema_version, why, sizeof why,
                         cfg->migrate_closure) != 0) {
            sqlw_err(err, errlen, "%s: migrating schema %d to %d failed: %s", cfg->path,
                     (int)version, cfg->schema_version, why[0] ? why : "no reason given");
            rc = -1;
        }
    }
    if (rc == 0) {
        char sql[64];
        snprintf(sql, sizeof sql, "PRAGMA user_version = %d", cfg->schema_version);
        rc = sqlw_exec_sql(db, sql, cfg->path, "cannot be written", err, errlen);
    }
    if (rc == 0)
        rc = sqlw_exec_sql(db, "COMMIT", cfg->path, "cannot be written", err, errlen);
    if (rc != 0 && !sqlite3_get_autocommit(db))
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

/* Opens the writer's connection and makes the file ready: checked, WAL,
 * the schema of cfg. 0, or -1 with err set. */
static int sqlw_open_db(const rtmd_sqlw_config *cfg, sqlite3 **out, char *err, size_t errlen)
{
    const char *path = cfg->path;
    sqlite3 *db = NULL;
    /* NOMUTEX: each connection is used by one thread at a time (this one by
     * the writer once it starts; pthread_create orders what we did here
     * before it), so SQLite's per-connection mutex would be pure cost. */
    int rc = sqlite3_open_v2(path, &db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                             NULL);
    if (rc != SQLITE_OK) {
        int e = db ? sqlite3_system_errno(db) : 0;
        sqlw_err(err, errlen, "%s: cannot open: %s%s%s", path,
                 db ? sqlite3_errmsg(db) : sqlite3_errstr(rc), e ? ": " : "",
                 e ? strerror(e) : "");
        goto fail;
    }
    sqlite3_extended_result_codes(db, 1);
    /* SQLite falls back to read-only when it may not open the file for
     * writing; rtmd cannot keep its rule on such a file. */
    if (sqlite3_db_readonly(db, "main") == 1) {
        sqlw_err(err, errlen, "%s: cannot be written (SQLite could open it read-only only: "
                 "check its owner, its permissions and its file system)", path);
        goto fail;
    }
    sqlite3_busy_timeout(db, cfg->busy_timeout_ms > 0 ? cfg->busy_timeout_ms
                                                      : SQLW_BUSY_TIMEOUT_MS);

    /* Check before writing anything (even switching to WAL writes the
     * header): a corrupt file is left as it was found. quick_check reads
     * the whole file, in time linear in its size; it skips only the
     * index-against-table cross-checks of integrity_check. */
    char findings[512] = "";
    int check = sqlw_run_check(db, "PRAGMA quick_check(" SQLW_XSTR(SQLW_CHECK_ROWS) ")",
                               findings, sizeof findings, &rc);
    if (check < 0) {
        sqlw_err_db(err, errlen, path, db, rc);
        goto fail;
    }
    if (check > 0) {
        sqlw_err(err, errlen, "%s: the database is corrupt (quick_check: %s)", path, findings);
        goto fail;
    }

    int64_t version = 0, objects = 0;
    if ((rc = sqlw_query_int(db, "PRAGMA user_version", &version)) != SQLITE_OK ||
        (rc = sqlw_query_int(db, "SELECT count(*) FROM sqlite_master", &objects)) != SQLITE_OK) {
        sqlw_err_db(err, errlen, path, db, rc);
        goto fail;
    }
    if (version > cfg->schema_version) {
        sqlw_err(err, errlen, "%s: data directory was written by a newer rtmd: schema %lld, "
                 "this rtmd knows %d", path, (long long)version, cfg->schema_version);
        goto fail;
    }
    if (version < 0) {
        sqlw_err(err, errlen, "%s: schema version %lld is none of rtmd's", path,
                 (long long)version);
        goto fail;
    }
    if (version == 0 && objects > 0) {
        sqlw_err(err, errlen, "%s: holds tables but no schema version: not rtmd's data",
                 path);
        goto fail;
    }
    if (version > 0 && version < cfg->schema_version && !cfg->migrate) {
        sqlw_err(err, errlen, "%s: data directory was written by an older rtmd: schema %lld, "
                 "this rtmd knows %d and cannot migrate it yet", path, (long long)version,
                 cfg->schema_version);
        goto fail;
    }

    sqlite3_stmt *st;
    rc = sqlite3_prepare_v2(db, "PRAGMA journal_mode=WAL", -1, &st, NULL);
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(st);
        const char *mode = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
        bool wal = mode && strcmp(mode, "wal") == 0;
        if (rc == SQLITE_ROW && !wal)
            sqlw_err(err, errlen, "%s: cannot use WAL journaling (journal mode stays %s)", path,
                     mode ? mode : "?");
        else if (rc != SQLITE_ROW)
            sqlw_err(err, errlen, "%s: cannot switch to WAL journaling: %s", path,
                     sqlite3_errmsg(db));
        sqlite3_finalize(st);
        rc = wal ? SQLITE_OK : SQLITE_ERROR;
    } else {
        sqlw_err(err, errlen, "%s: cannot switch to WAL journaling: %s", path,
                 sqlite3_errmsg(db));
    }
    if (rc != SQLITE_OK)
        goto fail;
    const char *sync = cfg->fsync == RTMD_SQLW_FSYNC_FULL ? "PRAGMA synchronous=FULL"
                                                          : "PRAGMA synchronous=NORMAL";
    /* Speed, not safety: the journal of each batch's savepoint (a batch that
     * fails is rolled back to it) in memory rather than in a file of
     * /var/tmp, where Debian's SQLite puts temporary files (a transaction's
     * are bounded by the group bounds); 16 MiB of page cache instead of 2,
     * so that pages written and soon deleted are not read back; and
     * secure_delete FAST instead of Debian's ON, under which every page
     * freed (the overflow pages of each acknowledged frame) was zeroed and
     * written to the WAL once more: a third of the WAL's pages in
     * p2p-throughput. FAST still zeroes what is deleted from a page written
     * anyway; a freed page keeps its old bytes until reused, as the WAL
     * keeps old pages until it wraps. */
    if (sqlw_exec_sql(db, sync, path, "setting synchronous", err, errlen) != 0 ||
        sqlw_exec_sql(db, "PRAGMA foreign_keys=OFF", path, "setting foreign_keys", err,
                      errlen) != 0 ||
        sqlw_exec_sql(db, "PRAGMA temp_store=MEMORY", path, "setting temp_store", err,
                      errlen) != 0 ||
        sqlw_exec_sql(db, "PRAGMA cache_size=-16384", path, "setting cache_size", err,
                      errlen) != 0 ||
        sqlw_exec_sql(db, "PRAGMA secure_delete=FAST", path, "setting secure_delete", err,
                      errlen) != 0)
        goto fail;
    if (sqlw_schema(db, cfg, version, err, errlen) != 0)
        goto fail;
    *out = db;
    return 0;
fail:
    sqlite3_close(db);
    return -1;
}

static int sqlw_prepare_one(rtmd_sqlw *w, unsigned i, const char *sql, sqlw_auth *au,
                            char *err, size_t errlen)
{
    const char *tail = NULL;
    au->what[0] = '\0';
    if (sqlite3_prepare_v3(w->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &w->stmts[i], &tail) !=
        SQLITE_OK) {
        sqlw_err(err, errlen, "%s: statement %u (%.80s): %s", w->path, i, sql,
                 au->what[0] ? au->what : sqlite3_errmsg(w->db));
        return -1;
    }
    if (!w->stmts[i]) {
        sqlw_err(err, errlen, "%s: statement %u is empty", w->path, i);
        return -1;
    }
    /* One statement per text: a second one would silently never run. What
     * may follow is what SQLite prepares to no statement (blanks,
     * semicolons, comments); anything else, even what fails to prepare, is
     * a second statement. Preparing it has no effect. */
    while (tail && *tail) {
        sqlite3_stmt *more = NULL;
        const char *next = NULL;
        int rc = sqlite3_prepare_v2(w->db, tail, -1, &more, &next);
        sqlite3_finalize(more);
        if (rc != SQLITE_OK || more) {
            sqlw_err(err, errlen, "%s: statement %u (%.80s) holds more than one statement",
                     w->path, i, sql);
            return -1;
        }
        if (!next || next == tail)
            break;
        tail = next;
    }
    w->nparams[i] = sqlite3_bind_parameter_count(w->stmts[i]);
    return 0;
}

static int sqlw_prepare(rtmd_sqlw *w, const rtmd_sqlw_config *cfg, char *err, size_t errlen)
{
    for (int i = 0; i < TXN_N; i++) {
        if (sqlite3_prepare_v3(w->db, sqlw_txn_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
                               &w->txn[i], NULL) != SQLITE_OK) {
            sqlw_err(err, errlen, "%s: %s: %s", w->path, sqlw_txn_sql[i], sqlite3_errmsg(w->db));
            return -1;
        }
    }
    sqlw_auth au = { "" };
    sqlite3_set_authorizer(w->db, sqlw_authorize, &au);
    int rc = 0;
    for (unsigned i = 0; i < w->nstmts && rc == 0; i++)
        rc = sqlw_prepare_one(w, i, cfg->stmts[i] ? cfg->stmts[i] : "", &au, err, errlen);
    sqlite3_set_authorizer(w->db, NULL, NULL);
    return rc;
}

/* ---- the writer thread ----------------------------------------------- */

/* Logs a line of a kind that repeats (a busy database, tried again and
 * again), at most one a second, with the count of those not logged since
 * the last line. */
static void sqlw_log_failure(rtmd_sqlw *w, const char *fmt, ...) RTMD_PRINTF(2, 3);
static void sqlw_log_failure(rtmd_sqlw *w, const char *fmt, ...)
{
    uint64_t now = sqlw_now_us();
    if (w->last_log_us && now - w->last_log_us < SQLW_LOG_INTERVAL_US) {
        w->unlogged++;
        return;
    }
    char line[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (w->unlogged)
        rtmd_log(RTMD_LOG_ERROR, "sqlite %s: %s (and %llu more since the last such line)",
                 w->path, line, (unsigned long long)w->unlogged);
    else
        rtmd_log(RTMD_LOG_ERROR, "sqlite %s: %s", w->path, line);
    w->last_log_us = now;
    w->unlogged = 0;
}

/* Steps one of the writer's transaction statements; SQLITE_OK or the error
 * with SQLite's message in msg. */
static int sqlw_txn(rtmd_sqlw *w, int which, char *msg, size_t msglen)
{
    int rc = sqlite3_step(w->txn[which]);
    if (rc != SQLITE_DONE)
        snprintf(msg, msglen, "%s: %s", sqlw_txn_sql[which], sqlite3_errmsg(w->db));
    sqlite3_reset(w->txn[which]);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Runs one queued statement to its end (rows a statement returns, such as a
 * PRAGMA's or RETURNING's, are skipped); SQLITE_OK or the error with its
 * message in msg. Leaves it reset with no bindings, so that its arguments
 * may be freed. */
static int sqlw_run_stmt(rtmd_sqlw *w, const sqlw_stmt *s, char *msg, size_t msglen)
{
    sqlite3_stmt *st = w->stmts[s->idx];
    int rc = sqlw_bind(st, s->args, s->nargs);
    if (rc != SQLITE_OK) {
        snprintf(msg, msglen, "binding its arguments: %s", sqlite3_errstr(rc));
    } else {
        do
            rc = sqlite3_step(st);
        while (rc == SQLITE_ROW);
        if (rc != SQLITE_DONE)
            snprintf(msg, msglen, "%s", sqlite3_errmsg(w->db));
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Whether an error leaves the file unusable for good, so that resume must
 * refuse: corruption does not clear, and after a move or a delete every
 * commit would go to an inode no restart opens. (A ROLLBACK that fails
 * leaves the connection in a transaction no later BEGIN gets past: that
 * is for good too, decided where it happens.) */
static bool sqlw_error_is_fatal(int rc)
{
    return (rc & 0xff) == SQLITE_CORRUPT || (rc & 0xff) == SQLITE_NOTADB ||
           rc == SQLITE_READONLY_DBMOVED;
}

/* Whether the file open is no longer the one at w->path (renamed, deleted,
 * replaced). SQLite itself reports SQLITE_READONLY_DBMOVED only with a
 * rollback journal: in WAL mode a commit to a deleted file succeeds. One
 * stat() per commit. */
static bool sqlw_file_moved(rtmd_sqlw *w)
{
    int moved = 0;
    if (sqlite3_file_control(w->db, "main", SQLITE_FCNTL_HAS_MOVED, &moved) != SQLITE_OK)
        return false;
    return moved != 0;
}

/* Logs the one line of a halt: what failed, what became of the batches
 * before it in its transaction, and what happens next. cause is the batch
 * that failed, NULL when the COMMIT of the ones that ran did; halt is where
 * the writer halts (the first batch of the transaction when it was lost). */
static void sqlw_log_halt(rtmd_sqlw *w, const sqlw_batch *cause, const sqlw_batch *halt,
                          const char *what, int rc, const char *cmsg, int crc, bool lost,
                          uint64_t committed, const char *fatal)
{
    char line[1536] = "";
    if (cause)
        sqlw_append(line, sizeof line, "batch %llu failed: %s",
                    (unsigned long long)cause->number, what);
    else
        sqlw_append(line, sizeof line, "the transaction from batch %llu on failed: %s",
                    (unsigned long long)halt->number, cmsg);
    int code = cause ? rc : crc;
    if (code)
        sqlw_append(line, sizeof line, " (SQLite code %d)", code);
    if (cause && lost && halt != cause)
        sqlw_append(line, sizeof line, "; its transaction was lost%s%s%s, the batches from %llu "
                    "on with it", cmsg[0] ? " (" : "", cmsg, cmsg[0] ? ")" : "",
                    (unsigned long long)halt->number);
    else if (cause && cmsg[0])
        sqlw_append(line, sizeof line, "; then %s", cmsg);
    else if (cause && committed)
        sqlw_append(line, sizeof line, "; the batches before it in its transaction (%llu) "
                    "committed", (unsigned long long)committed);
    if (fatal)
        sqlw_append(line, sizeof line, "; %s: the writer halts for good, batch %llu and every "
                    "later batch fail without running (reopen to write again)", fatal,
                    (unsigned long long)halt->number);
    else
        sqlw_append(line, sizeof line, "; the writer halts: batch %llu and every later batch "
                    "fail without running, and exec refuses, until rtmd_sqlw_resume",
                    (unsigned long long)halt->number);
    rtmd_log(RTMD_LOG_ERROR, "sqlite %s: %s", w->path, line);
}

/* Runs the batches of one group in one transaction, each in a savepoint, and
 * commits those before the first that fails, which halts the writer (see
 * the header). Returns true, having written and reported nothing, when
 * BEGIN found the database busy: the group is to be tried again. Otherwise
 * sets every batch's ok and frees its statements. */
static bool sqlw_run_group(rtmd_sqlw *w, sqlw_batch *head, const sqlw_view *v, sqlw_result *r)
{
    memset(r, 0, sizeof *r);
    for (sqlw_batch *b = head; b; b = b->next) {
        r->stmts += b->nstmts;
        b->ok = false;
    }
    /* Halted by an earlier group (logged then): nothing runs. */
    bool skip = v->halted || atomic_load(&w->broken);
    sqlw_batch *first = NULL; /* the batch BEGIN ran for */
    sqlw_batch *fail = NULL;  /* the batch that failed */
    bool in_savepoint = false;
    uint64_t run_stmts = 0;   /* statements of the batches that ran whole */
    uint64_t t0 = 0;
    char msg[512] = "", where[64] = "";
    int rc = SQLITE_OK;
    for (sqlw_batch *b = head; b && !fail; b = b->next) {
        /* Flushed before the last resume, after the halt: the caller
         * re-synced without them, so they fail without running. */
        if (skip || b->number <= v->run_after)
            continue;
        if (b->poisoned) {
            snprintf(msg, sizeof msg, "%s", "rtmd_sqlw_exec refused a statement of it");
            fail = b;
            break;
        }
        if (b->nstmts == 0) {
            b->ok = true; /* as the batches before it: decided below */
            continue;
        }
        if (!first) {
            t0 = sqlw_now_us();
            rc = sqlw_txn(w, TXN_BEGIN, msg, sizeof msg);
            /* Nothing written, nothing reported: the group waits whole. */
            if ((rc & 0xff) == SQLITE_BUSY && !v->no_retry)
                return true;
            if (rc != SQLITE_OK) {
                fail = b;
                break;
            }
            first = b;
            if (w->busy_streak) {
                rtmd_log(RTMD_LOG_INFO, "sqlite %s: the database is free again (BEGIN tried "
                         "again %llu times)", w->path, (unsigned long long)w->busy_streak);
                w->busy_streak = 0;
            }
        }
        /* The first batch of the transaction needs no savepoint of its
         * own: when it fails, nothing before it is to be kept, and the
         * whole transaction is rolled back. (Two statements less per
         * commit: a lone message in flight commits alone.) */
        if (run_stmts > 0) {
            if ((rc = sqlw_txn(w, TXN_SAVEPOINT, msg, sizeof msg)) != SQLITE_OK) {
                fail = b;
                break;
            }
            in_savepoint = true;
        }
        unsigned i = 0;
        for (sqlw_stmt *s = b->head; s && !fail; s = s->next, i++) {
            if ((rc = sqlw_run_stmt(w, s, msg, sizeof msg)) != SQLITE_OK) {
                snprintf(where, sizeof where, "statement %u (#%u): ", i, s->idx);
                fail = b;
            }
        }
        if (fail)
            break;
        if (in_savepoint && (rc = sqlw_txn(w, TXN_RELEASE, msg, sizeof msg)) != SQLITE_OK) {
            fail = b;
            break;
        }
        in_savepoint = false;
        b->ok = true;
        run_stmts += b->nstmts;
    }

    /* Commit the batches that ran whole, or roll back. lost: the transaction
     * is gone, and with it every batch from first on. */
    bool lost = false, stuck = false;
    int crc = SQLITE_OK;
    char cmsg[384] = "";
    if (first) {
        if (sqlite3_get_autocommit(w->db)) {
            /* SQLite rolled back itself (some I/O errors, a full disk,
             * ON CONFLICT ROLLBACK): it says so by leaving autocommit on. */
            lost = true;
        } else if (fail && in_savepoint &&
                   ((crc = sqlw_txn(w, TXN_ROLLBACK_TO, cmsg, sizeof cmsg)) != SQLITE_OK ||
                    (crc = sqlw_txn(w, TXN_RELEASE, cmsg, sizeof cmsg)) != SQLITE_OK)) {
            lost = true;
        } else if (run_stmts > 0) {
            if (sqlw_file_moved(w)) {
                crc = SQLITE_READONLY_DBMOVED;
                snprintf(cmsg, sizeof cmsg, "%s", "the database file was moved or deleted "
                         "since it was opened: a commit would go where no restart finds it");
                lost = true;
            } else if ((crc = sqlw_txn(w, TXN_COMMIT, cmsg, sizeof cmsg)) != SQLITE_OK) {
                lost = true;
            } else {
                r->committed = true;
                r->us = sqlw_now_us() - t0;
            }
        }
        /* Nothing to commit (the first batch failed), or lost: whatever
         * SQLite has not rolled back goes. */
        if (!r->committed && !sqlite3_get_autocommit(w->db)) {
            char rmsg[256];
            if (sqlw_txn(w, TXN_ROLLBACK, rmsg, sizeof rmsg) != SQLITE_OK &&
                !sqlite3_get_autocommit(w->db)) {
                /* No later BEGIN can start past an open transaction. */
                stuck = true;
                sqlw_append(cmsg, sizeof cmsg, "%s%s", cmsg[0] ? "; then " : "", rmsg);
            }
        }
    }

    sqlw_batch *halt = lost ? first : fail;
    if (halt) {
        uint64_t committed = 0;
        for (sqlw_batch *b = head; b != halt; b = b->next)
            committed += b->ok && r->committed && b->nstmts;
        for (sqlw_batch *b = halt; b; b = b->next)
            b->ok = false;
        const char *fatal = NULL;
        if (sqlw_error_is_fatal(rc) || sqlw_error_is_fatal(crc))
            fatal = rc == SQLITE_READONLY_DBMOVED || crc == SQLITE_READONLY_DBMOVED
                        ? "the file was moved or deleted"
                        : "the file is corrupt";
        else if (stuck)
            fatal = "the connection is stuck in its transaction";
        char what[640];
        snprintf(what, sizeof what, "%s%s", where, msg);
        sqlw_log_halt(w, fail, halt, what, rc, cmsg, crc, lost, committed, fatal);
        /* Set before the group's results are posted: exec refuses from now
         * on, and resume sees where the halt was. */
        pthread_mutex_lock(&w->mu);
        w->halted_at = halt->number;
        atomic_store(&w->halted, true);
        if (fatal)
            atomic_store(&w->broken, true);
        pthread_mutex_unlock(&w->mu);
        r->halted_at = halt->number;
    }
    for (sqlw_batch *b = head; b; b = b->next) {
        if (b->ok) {
            r->committed_batches++;
            r->committed_stmts += b->nstmts;
        } else {
            r->failed_batches++;
        }
        sqlw_free_stmts(b);
    }
    return false;
}

static void sqlw_account(rtmd_sqlw *w, const sqlw_result *r)
{
    struct rtmd_sqlw_stats *st = &w->st;
    st->batches_committed += r->committed_batches;
    st->statements_committed += r->committed_stmts;
    st->batches_failed += r->failed_batches;
    if (r->halted_at)
        st->failures++;
    if (r->committed) {
        st->commits++;
        st->last_commit_statements = r->committed_stmts;
        if (r->committed_stmts > st->max_commit_statements)
            st->max_commit_statements = r->committed_stmts;
        st->commit_us_sum += r->us;
        st->commit_us_count++;
        if (r->us > st->commit_us_max)
            st->commit_us_max = r->us;
    }
    w->inflight_stmts -= r->stmts;
}

static void sqlw_close_db(rtmd_sqlw *w)
{
    for (int i = 0; i < TXN_N; i++)
        sqlite3_finalize(w->txn[i]);
    for (unsigned i = 0; w->stmts && i < w->nstmts; i++)
        sqlite3_finalize(w->stmts[i]);
    /* The last connection to close checkpoints the WAL into the file. */
    if (w->db && sqlite3_close(w->db) != SQLITE_OK)
        rtmd_log(RTMD_LOG_ERROR, "sqlite %s: close: %s", w->path, sqlite3_errmsg(w->db));
    w->db = NULL;
}

/* Whether used of max leaves room for more, without overflow. */
static bool sqlw_fits(size_t used, size_t more, size_t max)
{
    return used <= max && more <= max - used;
}

/* Takes the next group off pending, under mu: the batches in order while
 * the group stays within its bounds, and at least one, however big. */
static void sqlw_take_group(rtmd_sqlw *w, sqlw_list *group)
{
    sqlw_batch *last = w->pending.head;
    size_t stmts = last->nstmts, bytes = last->bytes;
    for (sqlw_batch *b = last->next; b; last = b, b = b->next) {
        if (!sqlw_fits(stmts, b->nstmts, RTMD_SQLW_GROUP_MAX_STATEMENTS) ||
            !sqlw_fits(bytes, b->bytes, RTMD_SQLW_GROUP_MAX_BYTES))
            break;
        stmts += b->nstmts;
        bytes += b->bytes;
    }
    group->head = w->pending.head;
    group->tail = last;
    w->pending.head = last->next;
    if (!w->pending.head)
        w->pending.tail = NULL;
    last->next = NULL;
}

/* Waits ms, under mu, before BEGIN is tried again; cut short once close
 * begins (the retry then fails the group rather than waiting on). */
static void sqlw_backoff(rtmd_sqlw *w, unsigned ms)
{
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += ms / 1000u;
    until.tv_nsec += (long)(ms % 1000u) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    /* Each flush signals work too: wait on to the deadline. */
    while (!w->no_retry && !w->stop)
        if (pthread_cond_timedwait(&w->work, &w->mu, &until) == ETIMEDOUT)
            break;
}

/* Checkpoints (the WAL copied into the database, with an fsync even at
 * synchronous=NORMAL) run on a thread of their own ("rtmd-sqlite-ck") with
 * a connection of its own, started by the writer thread, rather than inside
 * a COMMIT as SQLite's automatic checkpoint would: a commit, and the frames
 * held for it, never wait for one. In WAL mode a PASSIVE checkpoint runs
 * beside the writer; the writer restarts the WAL from its start once one
 * has copied it all. After a commit leaves the WAL at checkpoint_pages
 * pages or more (RTMD_SQLW_CHECKPOINT_PAGES), the writer asks for one. If
 * the thread cannot start, the writer checkpoints itself, after handing its
 * results back. */

typedef struct sqlw_ckpt {
    rtmd_sqlw *w;
    sqlite3 *db;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool wanted, stop;
} sqlw_ckpt;

/* The WAL hook: replaces the automatic checkpoint (sqlite3_wal_hook). */
static int sqlw_wal_hook(void *arg, sqlite3 *db, const char *name, int pages)
{
    ((rtmd_sqlw *)arg)->wal_pages = pages;
    return SQLITE_OK;
}

static void sqlw_checkpoint_on(rtmd_sqlw *w, sqlite3 *db)
{
    int log = 0, done = 0;
    int rc = sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_PASSIVE, &log, &done);
    if (rc == SQLITE_OK && log > 0 && done == log)
        atomic_store(&w->wal_restart, true);
    if (rc != SQLITE_OK && (rc & 0xff) != SQLITE_BUSY)
        rtmd_log(RTMD_LOG_WARN, "sqlite %s: checkpoint: %s (the WAL grows until one "
                 "succeeds)", w->path, sqlite3_errmsg(db));
}

static void *sqlw_ckpt_thread(void *arg)
{
    sqlw_ckpt *ck = arg;
    pthread_setname_np(pthread_self(), "rtmd-sqlite-ck");
    pthread_mutex_lock(&ck->mu);
    for (;;) {
        while (!ck->wanted && !ck->stop)
            pthread_cond_wait(&ck->cv, &ck->mu);
        if (ck->stop)
            break;
        ck->wanted = false;
        pthread_mutex_unlock(&ck->mu);
        sqlw_checkpoint_on(ck->w, ck->db);
        pthread_mutex_lock(&ck->mu);
    }
    pthread_mutex_unlock(&ck->mu);
    return NULL;
}

/* Starts the checkpointer (writer thread); NULL when it cannot. */
static sqlw_ckpt *sqlw_ckpt_start(rtmd_sqlw *w)
{
    sqlw_ckpt *ck = calloc(1, sizeof *ck);
    if (!ck)
        return NULL;
    ck->w = w;
    if (sqlite3_open_v2(w->path, &ck->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK) {
        sqlite3_close(ck->db);
        free(ck);
        return NULL;
    }
    sqlite3_busy_timeout(ck->db, w->busy_timeout_ms);
    /* A connection learns that the file is in WAL mode by reading it: until
     * then a checkpoint does nothing. */
    if (sqlite3_exec(ck->db, "SELECT count(*) FROM sqlite_master", NULL, NULL, NULL) !=
        SQLITE_OK) {
        sqlite3_close(ck->db);
        free(ck);
        return NULL;
    }
    pthread_mutex_init(&ck->mu, NULL);
    pthread_cond_init(&ck->cv, NULL);
    if (pthread_create(&ck->thread, NULL, sqlw_ckpt_thread, ck) != 0) {
        pthread_cond_destroy(&ck->cv);
        pthread_mutex_destroy(&ck->mu);
        sqlite3_close(ck->db);
        free(ck);
        return NULL;
    }
    return ck;
}

static void sqlw_ckpt_stop(sqlw_ckpt *ck)
{
    if (!ck)
        return;
    pthread_mutex_lock(&ck->mu);
    ck->stop = true;
    pthread_cond_signal(&ck->cv);
    pthread_mutex_unlock(&ck->mu);
    pthread_join(ck->thread, NULL);
    pthread_cond_destroy(&ck->cv);
    pthread_mutex_destroy(&ck->mu);
    sqlite3_close(ck->db);
    free(ck);
}

/* After a commit: a checkpoint when the WAL has grown (writer thread). */
static void sqlw_ckpt_maybe(rtmd_sqlw *w, sqlw_ckpt *ck)
{
    if (w->wal_pages < w->checkpoint_pages)
        return;
    w->wal_pages = 0; /* the hook says again after the next commit */
    if (!ck) {
        sqlw_checkpoint_on(w, w->db);
        return;
    }
    pthread_mutex_lock(&ck->mu);
    ck->wanted = true;
    pthread_cond_signal(&ck->cv);
    pthread_mutex_unlock(&ck->mu);
}

static void *sqlw_thread(void *arg)
{
    rtmd_sqlw *w = arg;
    unsigned backoff_ms = SQLW_BACKOFF_MIN_MS;
    pthread_setname_np(pthread_self(), "rtmd-sqlite");
    sqlw_ckpt *ck = sqlw_ckpt_start(w);
    pthread_mutex_lock(&w->mu);
    w->ck = ck;
    for (;;) {
        while (!w->pending.head && !w->stop) {
            w->writer_busy = false;
            pthread_cond_wait(&w->work, &w->mu);
        }
        if (!w->pending.head)
            break;
        w->writer_busy = true;
        /* Group commit: the batches waiting go into this transaction, up to
         * its bounds. */
        sqlw_list group;
        sqlw_take_group(w, &group);
        sqlw_view view = { atomic_load(&w->halted), w->run_after, w->no_retry };
        pthread_mutex_unlock(&w->mu);

        sqlw_result r;
        if (sqlw_run_group(w, group.head, &view, &r)) {
            size_t n = 0;
            for (sqlw_batch *b = group.head; b; b = b->next)
                n++;
            w->busy_streak++;
            sqlw_log_failure(w, "the database is busy: another connection holds its write lock "
                             "past the busy timeout (%d ms); %zu batches wait, BEGIN is tried "
                             "again in %u ms", w->busy_timeout_ms, n, backoff_ms);
            pthread_mutex_lock(&w->mu);
            /* Back at the head of the queue, in order: the batches flushed
             * meanwhile may join the group at the next try. */
            sqlw_list_prepend(&w->pending, &group);
            w->st.busy_retries++;
            sqlw_backoff(w, backoff_ms);
            backoff_ms = backoff_ms >= SQLW_BACKOFF_MAX_MS / 2 ? SQLW_BACKOFF_MAX_MS
                                                               : backoff_ms * 2;
            continue;
        }
        backoff_ms = SQLW_BACKOFF_MIN_MS;

        pthread_mutex_lock(&w->mu);
        sqlw_account(w, &r);
        w->completed = group.tail->number;
        atomic_store(&w->wal_restart, false); /* this group restarted it, if it could */
        sqlw_list_append(&w->done, &group);
        pthread_cond_broadcast(&w->done_cv);
        pthread_mutex_unlock(&w->mu);
        uint64_t one = 1;
        /* Fails only if the counter would overflow, when it is readable
         * anyway. */
        if (write(w->efd, &one, sizeof one) < 0) {
        }
        sqlw_ckpt_maybe(w, ck);
        pthread_mutex_lock(&w->mu);
    }
    w->writer_busy = true;
    w->ck = NULL;
    pthread_mutex_unlock(&w->mu);
    /* Its connection closes first, so that the writer's is the last and
     * checkpoints the WAL whole as it closes. */
    sqlw_ckpt_stop(ck);
    sqlw_close_db(w);
    return NULL;
}

/* ---- the loop thread ------------------------------------------------- */

/* Runs the callbacks of the batches done, one at a time, in order. A
 * callback may sync, which delivers from the same list: order holds. A
 * callback may close: then w is freed here, once the outermost callback
 * has returned, and this returns true (with the count of failed batches
 * delivered in *failed, for sync), after which w must not be touched. */
static bool sqlw_deliver(rtmd_sqlw *w, uint64_t *failed)
{
    pthread_mutex_lock(&w->mu);
    sqlw_list_append(&w->ready, &w->done);
    pthread_mutex_unlock(&w->mu);
    sqlw_batch *b;
    while ((b = w->ready.head)) {
        w->ready.head = b->next;
        if (!w->ready.head)
            w->ready.tail = NULL;
        w->delivered = b->number;
        if (!b->ok)
            w->failed_delivered++;
        if (b->cb) {
            w->depth++;
            b->cb(b->number, b->ok, b->closure);
            w->depth--;
        }
        free(b);
        if (w->depth == 0 && w->free_deferred) {
            if (failed)
                *failed = w->failed_delivered;
            sqlw_free(w);
            return true;
        }
    }
    return false;
}

static void sqlw_wake_inline_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd, (void)what;
    (void)sqlw_deliver(arg, NULL);
}

static void sqlw_wake_cb(evutil_socket_t fd, short what, void *arg)
{
    uint64_t n;
    (void)what;
    if (read(fd, &n, sizeof n) < 0) {
        /* EAGAIN: a sync took the batches first. */
    }
    (void)sqlw_deliver(arg, NULL);
}

/* A small batch flushed while the writer thread is idle and nothing waits
 * for it commits here, on the loop thread, under mu's handshake
 * (writer_busy): the two hand-offs between the threads (a wake of the
 * writer, then of the loop by the eventfd) cost more on a loaded machine
 * than such a commit does. Only at RTMD_SQLW_FSYNC_NORMAL, where a commit
 * writes to the OS without waiting for the disk; never with the database
 * busy (BEGIN does not wait: the writer thread takes the batch and waits
 * as usual), halted or closing, nor without the checkpointer thread (the
 * writer's own checkpoints would then never run), nor right after a
 * checkpoint that copied the whole WAL (wal_restart: an fsync). Called with mu held; returns true having
 * released it, with b done (its callback to come from the loop, as
 * always), or false with mu still held. */

static bool sqlw_inline(rtmd_sqlw *w, sqlw_batch *b)
{
    if (!w->inline_ok || !w->ck || w->writer_busy || w->pending.head || w->no_retry || w->stop ||
        atomic_load(&w->wal_restart) ||
        atomic_load(&w->halted) || atomic_load(&w->broken) || b->poisoned ||
        b->nstmts > SQLW_INLINE_MAX_STATEMENTS || b->bytes > SQLW_INLINE_MAX_BYTES ||
        b->number <= w->run_after)
        return false;
    w->writer_busy = true;
    sqlw_view view = { false, w->run_after, false };
    pthread_mutex_unlock(&w->mu);

    /* BEGIN must not wait for another connection's lock here: busy, it
     * returns at once, having written nothing. */
    sqlite3_busy_timeout(w->db, 0);
    b->next = NULL;
    sqlw_result r;
    bool busy = sqlw_run_group(w, b, &view, &r);
    sqlite3_busy_timeout(w->db, w->busy_timeout_ms);
    if (!busy)
        sqlw_ckpt_maybe(w, w->ck);

    pthread_mutex_lock(&w->mu);
    w->writer_busy = false;
    if (busy) {
        /* The writer thread takes it, and waits for the lock as it does. */
        sqlw_list_push(&w->pending, b);
        pthread_cond_signal(&w->work);
        pthread_mutex_unlock(&w->mu);
        return true;
    }
    sqlw_account(w, &r);
    w->completed = b->number;
    sqlw_list_push(&w->done, b);
    pthread_cond_broadcast(&w->done_cv);
    pthread_mutex_unlock(&w->mu);
    /* Its callback runs from the loop, as a batch of the writer's does:
     * never from inside flush (later in this loop turn; no eventfd). */
    event_active(w->wake_inline, EV_TIMEOUT, 1);
    return true;
}

static uint64_t sqlw_flush(rtmd_sqlw *w, rtmd_sqlw_done_fn cb, void *closure)
{
    sqlw_batch *b = w->open;
    if (!b && !(b = calloc(1, sizeof *b))) {
        rtmd_log(RTMD_LOG_ERROR, "sqlite %s: out of memory for a batch", w->path);
        return 0;
    }
    w->open = NULL;
    b->number = ++w->flushed;
    b->cb = cb;
    b->closure = closure;
    b->poisoned = w->open_poisoned;
    if (b->poisoned)
        w->last_poisoned = b->number;
    w->open_poisoned = false;
    pthread_mutex_lock(&w->mu);
    w->inflight_stmts += b->nstmts;
    if (sqlw_inline(w, b))
        return b->number; /* committed (or failed) here; mu released */
    sqlw_list_push(&w->pending, b);
    pthread_cond_signal(&w->work);
    pthread_mutex_unlock(&w->mu);
    return b->number;
}

uint64_t rtmd_sqlw_flush(rtmd_sqlw *w, rtmd_sqlw_done_fn cb, void *closure)
{
    if (w->closing)
        return 0;
    return sqlw_flush(w, cb, closure);
}

int rtmd_sqlw_exec(rtmd_sqlw *w, unsigned stmt, const rtmd_sqlw_arg *args, size_t nargs)
{
    if (w->closing) {
        rtmd_log(RTMD_LOG_ERROR, "sqlite %s: statement %u queued while closing: refused",
                 w->path, stmt);
        return -1;
    }
    /* Logged once, when it halted; the poisoning, when it happened. */
    if (atomic_load(&w->halted) || w->open_poisoned)
        return -1;
    const char *why = NULL;
    size_t bytes = 0;
    if (stmt >= w->nstmts)
        why = "no such statement";
    else if (nargs != (size_t)w->nparams[stmt])
        why = "not the number of arguments it takes";
    else if (sqlw_check_args(args, nargs, &bytes) != 0)
        why = "an argument of a bad type or length";
    /* nargs <= SQLITE_MAX_VARIABLE_NUMBER now, but the sum is checked all
     * the same rather than trusted to wrap nowhere. */
    size_t fixed = sizeof(sqlw_stmt) + nargs * sizeof(rtmd_sqlw_arg);
    if (!why && (nargs > (SIZE_MAX - sizeof(sqlw_stmt)) / sizeof(rtmd_sqlw_arg) ||
                 bytes > SIZE_MAX - fixed))
        why = "arguments too big";
    sqlw_stmt *s = NULL;
    if (!why && !w->open && !(w->open = calloc(1, sizeof *w->open)))
        why = "out of memory";
    if (!why && !(s = malloc(fixed + bytes)))
        why = "out of memory";
    if (why) {
        /* The batch cannot be what the caller meant any more: running the
         * rest of it would commit a change in part. */
        w->open_poisoned = true;
        rtmd_log(RTMD_LOG_ERROR, "sqlite %s: statement %u with %zu arguments: %s: refused; the "
                 "open batch will fail at its flush without running, and the writer halts there",
                 w->path, stmt, nargs, why);
        return -1;
    }
    s->next = NULL;
    s->idx = stmt;
    s->nargs = nargs;
    char *p = (char *)&s->args[nargs];
    for (size_t i = 0; i < nargs; i++) {
        s->args[i] = args[i];
        if (args[i].type == RTMD_SQLW_TEXT || args[i].type == RTMD_SQLW_BLOB) {
            size_t len = args[i].v.bytes.len;
            if (len)
                memcpy(p, args[i].v.bytes.p, len);
            s->args[i].v.bytes.p = len ? p : NULL;
            p += len;
        }
    }
    sqlw_batch *b = w->open;
    if (b->tail)
        b->tail->next = s;
    else
        b->head = s;
    b->tail = s;
    b->nstmts++;
    b->bytes = bytes > SIZE_MAX - b->bytes ? SIZE_MAX : b->bytes + bytes;
    return 0;
}

int rtmd_sqlw_sync(rtmd_sqlw *w)
{
    uint64_t failed0 = w->failed_delivered;
    /* stopped: closed from a callback this sync runs within; close
     * delivered everything. */
    while (!w->stopped) {
        if (((w->open && w->open->nstmts) || w->open_poisoned) && sqlw_flush(w, NULL, NULL) == 0)
            return -1;
        uint64_t target = w->flushed;
        if (w->delivered >= target)
            break;
        pthread_mutex_lock(&w->mu);
        while (w->completed < target)
            pthread_cond_wait(&w->done_cv, &w->mu);
        pthread_mutex_unlock(&w->mu);
        /* Its callbacks may queue and flush more: loop until none. */
        uint64_t failed;
        if (sqlw_deliver(w, &failed))
            return failed == failed0 ? 0 : -1;
    }
    return w->failed_delivered == failed0 ? 0 : -1;
}

int rtmd_sqlw_resume(rtmd_sqlw *w)
{
    const char *why = NULL;
    bool halted = atomic_load(&w->halted);
    if (w->closing)
        why = "close has begun";
    else if (atomic_load(&w->broken))
        why = "the file is corrupt, moved or deleted, or the connection stuck in a transaction";
    else if (w->open_poisoned)
        why = "the open batch is poisoned (a statement of it was refused): flush it first";
    else if (halted && w->open && w->open->nstmts)
        why = "the open batch holds statements queued before the halt: flush it first (it fails)";
    else if (!halted && w->last_poisoned > w->delivered)
        why = "a poisoned batch is in flight: resume after its callback";
    if (why) {
        rtmd_log(RTMD_LOG_ERROR, "sqlite %s: cannot resume: %s", w->path, why);
        return -1;
    }
    if (!halted)
        return 0;
    /* Every batch flushed so far came after the halt: the caller re-synced
     * without them, so those the writer has not reached fail unrun. */
    pthread_mutex_lock(&w->mu);
    w->run_after = w->flushed;
    uint64_t at = w->halted_at;
    atomic_store(&w->halted, false);
    pthread_mutex_unlock(&w->mu);
    rtmd_log(RTMD_LOG_INFO, "sqlite %s: the writer resumes (halted at batch %llu): batches from "
             "%llu on run", w->path, (unsigned long long)at, (unsigned long long)w->flushed + 1);
    return 0;
}

int rtmd_sqlw_query(rtmd_sqlw *w, const char *sql, const rtmd_sqlw_arg *args, size_t nargs,
                    rtmd_sqlw_row_fn fn, void *closure)
{
    if (!w->rdb || (w->open && w->open->nstmts) || w->open_poisoned ||
        w->delivered != w->flushed) {
        rtmd_log(RTMD_LOG_ERROR, "sqlite %s: query with writes queued or in flight (sync "
                 "first), or closing: refused", w->path);
        return -1;
    }
    /* As exec's: a length with no bytes behind it would be read past. */
    size_t bytes;
    if (sqlw_check_args(args, nargs, &bytes) != 0) {
        rtmd_log(RTMD_LOG_ERROR, "sqlite %s: query (%.80s): an argument of a bad type or "
                 "length: refused", w->path, sql);
        return -1;
    }
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(w->rdb, sql, -1, &st, NULL);
    if (rc != SQLITE_OK) {
        rtmd_log(RTMD_LOG_ERROR, "sqlite %s: query (%.80s): %s", w->path, sql,
                 sqlite3_errmsg(w->rdb));
        return -1;
    }
    int result = -1;
    rtmd_sqlw_arg stack[SQLW_QUERY_COLS];
    rtmd_sqlw_arg *cols = stack;
    size_t ncols = (size_t)sqlite3_column_count(st);
    if ((size_t)sqlite3_bind_parameter_count(st) != nargs) {
        rtmd_log(RTMD_LOG_ERROR, "sqlite %s: query (%.80s) with %zu arguments: it takes %d",
                 w->path, sql, nargs, sqlite3_bind_parameter_count(st));
        goto out;
    }
    if ((rc = sqlw_bind(st, args, nargs)) != SQLITE_OK) {
        rtmd_log(RTMD_LOG_ERROR, "sqlite %s: query (%.80s): binding its arguments: %s", w->path,
                 sql, sqlite3_errstr(rc));
        goto out;
    }
    if (ncols > SQLW_QUERY_COLS && !(cols = calloc(ncols, sizeof *cols))) {
        rc = SQLITE_NOMEM;
        goto failed;
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        for (size_t i = 0; i < ncols; i++) {
            int c = (int)i;
            rtmd_sqlw_arg *a = &cols[i];
            switch (sqlite3_column_type(st, c)) {
            case SQLITE_INTEGER:
                *a = rtmd_sqlw_int(sqlite3_column_int64(st, c));
                break;
            case SQLITE_FLOAT:
                a->type = RTMD_SQLW_REAL;
                a->v.r = sqlite3_column_double(st, c);
                break;
            case SQLITE_TEXT:
                /* The pointer first, then its length (SQLite's advice). */
                a->type = RTMD_SQLW_TEXT;
                a->v.bytes.p = sqlite3_column_text(st, c);
                a->v.bytes.len = (size_t)sqlite3_column_bytes(st, c);
                if (!a->v.bytes.p) {
                    rc = SQLITE_NOMEM;
                    goto failed;
                }
                break;
            case SQLITE_BLOB:
                a->type = RTMD_SQLW_BLOB;
                a->v.bytes.p = sqlite3_column_blob(st, c);
                a->v.bytes.len = (size_t)sqlite3_column_bytes(st, c);
                break;
            default:
                *a = rtmd_sqlw_null();
                break;
            }
        }
        if (fn(cols, ncols, closure) != 0)
            goto out;
    }
    if (rc == SQLITE_DONE) {
        result = 0;
        goto out;
    }
failed:
    rtmd_log(RTMD_LOG_ERROR, "sqlite %s: query (%.80s): %s", w->path, sql,
             rc == SQLITE_NOMEM ? sqlite3_errstr(rc) : sqlite3_errmsg(w->rdb));
out:
    if (cols != stack)
        free(cols);
    sqlite3_finalize(st);
    return result;
}

void rtmd_sqlw_stats(rtmd_sqlw *w, struct rtmd_sqlw_stats *st)
{
    pthread_mutex_lock(&w->mu);
    *st = w->st;
    st->queued_statements = w->inflight_stmts;
    pthread_mutex_unlock(&w->mu);
    if (w->open)
        st->queued_statements += w->open->nstmts;
    st->halted = atomic_load(&w->halted);
    st->broken = atomic_load(&w->broken);
    /* Two stat() calls on the loop thread: metadata only, no data I/O. */
    struct stat sb;
    st->bytes_on_disk = 0;
    if (stat(w->path, &sb) == 0)
        st->bytes_on_disk += (uint64_t)sb.st_size;
    if (stat(w->wal_path, &sb) == 0)
        st->bytes_on_disk += (uint64_t)sb.st_size;
}

/* ---- open and close -------------------------------------------------- */

static void sqlw_free(rtmd_sqlw *w)
{
    if (w->rdb)
        sqlite3_close(w->rdb);
    if (!w->thread_started)
        sqlw_close_db(w);
    if (w->wake)
        event_free(w->wake);
    if (w->wake_inline)
        event_free(w->wake_inline);
    if (w->efd >= 0)
        close(w->efd);
    if (w->sync_init) {
        pthread_cond_destroy(&w->done_cv);
        pthread_cond_destroy(&w->work);
        pthread_mutex_destroy(&w->mu);
    }
    if (w->open) {
        sqlw_free_stmts(w->open);
        free(w->open);
    }
    free(w->stmts);
    free(w->nparams);
    free(w->path);
    free(w->wal_path);
    free(w);
}

static int sqlw_start(rtmd_sqlw *w)
{
    if (pthread_mutex_init(&w->mu, NULL) != 0)
        return -1;
    /* The backoff's timed waits run on the monotonic clock: a step of the
     * wall clock must not stretch or cut them. */
    pthread_condattr_t attr;
    if (pthread_condattr_init(&attr) != 0) {
        pthread_mutex_destroy(&w->mu);
        return -1;
    }
    int crc = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    if (crc == 0)
        crc = pthread_cond_init(&w->work, &attr);
    pthread_condattr_destroy(&attr);
    if (crc != 0) {
        pthread_mutex_destroy(&w->mu);
        return -1;
    }
    if (pthread_cond_init(&w->done_cv, NULL) != 0) {
        pthread_cond_destroy(&w->work);
        pthread_mutex_destroy(&w->mu);
        return -1;
    }
    w->sync_init = true;
    /* The loop thread takes rtmd's signals (SIGTERM, SIGINT): the writer
     * blocks them, but for those a fault raises in the thread itself, which
     * must reach their handlers (the sanitizers'). */
    sigset_t all, old;
    sigfillset(&all);
    int faults[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGABRT, SIGSYS };
    for (size_t i = 0; i < sizeof faults / sizeof faults[0]; i++)
        sigdelset(&all, faults[i]);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int rc = pthread_create(&w->thread, NULL, sqlw_thread, w);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0)
        return -1;
    w->thread_started = true;
    return 0;
}

int rtmd_sqlw_open(struct event_base *base, const rtmd_sqlw_config *cfg, rtmd_sqlw **out,
                   char *err, size_t errlen)
{
    *out = NULL;
    sqlw_err(err, errlen, "%s", "");
    if (!base || !cfg || !cfg->path || !cfg->path[0] || cfg->schema_version < 1 ||
        !cfg->schema_sql || (cfg->nstmts && !cfg->stmts) || cfg->nstmts > INT_MAX ||
        (cfg->fsync != RTMD_SQLW_FSYNC_NORMAL && cfg->fsync != RTMD_SQLW_FSYNC_FULL)) {
        sqlw_err(err, errlen, "%s: invalid sqlite writer configuration",
                 cfg && cfg->path ? cfg->path : "?");
        return -1;
    }
    if (!sqlite3_threadsafe()) {
        sqlw_err(err, errlen, "%s: this SQLite (%s) was built without threads", cfg->path,
                 sqlite3_libversion());
        return -1;
    }
    rtmd_sqlw *w = calloc(1, sizeof *w);
    if (!w) {
        sqlw_err(err, errlen, "%s: out of memory", cfg->path);
        return -1;
    }
    w->efd = -1;
    atomic_init(&w->halted, false);
    atomic_init(&w->broken, false);
    atomic_init(&w->wal_restart, false);
    w->busy_timeout_ms = cfg->busy_timeout_ms > 0 ? cfg->busy_timeout_ms : SQLW_BUSY_TIMEOUT_MS;
    w->inline_ok = cfg->fsync == RTMD_SQLW_FSYNC_NORMAL;
    w->checkpoint_pages = cfg->checkpoint_pages > 0 ? cfg->checkpoint_pages
                                                    : RTMD_SQLW_CHECKPOINT_PAGES;
    w->writer_busy = true; /* until the writer thread is up and waits */
    w->nstmts = (unsigned)cfg->nstmts;
    size_t plen = strlen(cfg->path);
    w->path = strdup(cfg->path);
    w->wal_path = malloc(plen + sizeof "-wal");
    w->stmts = calloc(cfg->nstmts ? cfg->nstmts : 1, sizeof *w->stmts);
    w->nparams = calloc(cfg->nstmts ? cfg->nstmts : 1, sizeof *w->nparams);
    if (!w->path || !w->wal_path || !w->stmts || !w->nparams) {
        sqlw_err(err, errlen, "%s: out of memory", cfg->path);
        goto fail;
    }
    memcpy(w->wal_path, cfg->path, plen);
    memcpy(w->wal_path + plen, "-wal", sizeof "-wal");

    if (sqlw_open_db(cfg, &w->db, err, errlen) != 0 || sqlw_prepare(w, cfg, err, errlen) != 0)
        goto fail;
    sqlite3_wal_hook(w->db, sqlw_wal_hook, w); /* the checkpoints are the writer's */
    if (sqlite3_open_v2(w->path, &w->rdb, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        sqlw_err(err, errlen, "%s: cannot open for reading: %s", w->path,
                 w->rdb ? sqlite3_errmsg(w->rdb) : "out of memory");
        goto fail;
    }
    sqlite3_extended_result_codes(w->rdb, 1);
    sqlite3_busy_timeout(w->rdb, cfg->busy_timeout_ms > 0 ? cfg->busy_timeout_ms
                                                          : SQLW_BUSY_TIMEOUT_MS);
    w->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (w->efd < 0) {
        sqlw_err(err, errlen, "%s: eventfd: %s", w->path, strerror(errno));
        goto fail;
    }
    w->wake = event_new(base, w->efd, EV_READ | EV_PERSIST, sqlw_wake_cb, w);
    w->wake_inline = event_new(base, -1, 0, sqlw_wake_inline_cb, w);
    if (!w->wake || !w->wake_inline || event_add(w->wake, NULL) != 0) {
        sqlw_err(err, errlen, "%s: cannot watch the writer's eventfd", w->path);
        goto fail;
    }
    if (sqlw_start(w) != 0) {
        sqlw_err(err, errlen, "%s: cannot start the writer thread", w->path);
        goto fail;
    }
    *out = w;
    return 0;
fail:
    sqlw_free(w);
    return -1;
}

void rtmd_sqlw_close(rtmd_sqlw *w)
{
    /* closing: called from a callback that this close runs. */
    if (!w || w->closing)
        return;
    w->closing = true;
    /* Shutdown must not wait on another connection's lock for ever. */
    pthread_mutex_lock(&w->mu);
    w->no_retry = true;
    pthread_cond_broadcast(&w->work);
    pthread_mutex_unlock(&w->mu);
    (void)rtmd_sqlw_sync(w);
    /* The read connection goes first, so that the writer's is the last one
     * and checkpoints the WAL as it closes. */
    sqlite3_close(w->rdb);
    w->rdb = NULL;
    pthread_mutex_lock(&w->mu);
    w->stop = true;
    pthread_cond_signal(&w->work);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    w->stopped = true;
    (void)sqlw_deliver(w, NULL);
    /* Inside a done callback: the delivery running it still uses w, and
     * frees it once the outermost callback returns. */
    if (w->depth > 0) {
        w->free_deferred = true;
        return;
    }
    sqlw_free(w);
}

/* ---- the offline check ----------------------------------------------- */

int rtmd_sqlw_check(const char *path, int schema_version, char *report, size_t size)
{
    sqlw_err(report, size, "%s", "");
    struct stat sb;
    if (stat(path, &sb) != 0) {
        sqlw_err(report, size, "%s: cannot open: %s", path, strerror(errno));
        return 2;
    }
    if (!S_ISREG(sb.st_mode)) {
        sqlw_err(report, size, "%s: cannot open: not a regular file", path);
        return 2;
    }
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        sqlw_err(report, size, "%s: cannot open: %s", path,
                 db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
        sqlite3_close(db);
        return 2;
    }
    sqlite3_extended_result_codes(db, 1);
    sqlite3_busy_timeout(db, SQLW_BUSY_TIMEOUT_MS);
    int result = 1;
    char findings[1024] = "";
    int check = sqlw_run_check(db, "PRAGMA integrity_check(" SQLW_XSTR(SQLW_CHECK_ROWS) ")",
                               findings, sizeof findings, &rc);
    int64_t version = 0, objects = 0, pages = 0, page_size = 0;
    if (check < 0) {
        int primary = rc & 0xff;
        sqlw_err_db(report, size, path, db, rc);
        result = primary == SQLITE_NOTADB || primary == SQLITE_CORRUPT ? 1 : 2;
    } else if (check > 0) {
        sqlw_err(report, size, "%s: corrupt: %s", path, findings);
    } else if ((rc = sqlw_query_int(db, "PRAGMA user_version", &version)) != SQLITE_OK ||
               (rc = sqlw_query_int(db, "SELECT count(*) FROM sqlite_master", &objects)) !=
                   SQLITE_OK ||
               (rc = sqlw_query_int(db, "PRAGMA page_count", &pages)) != SQLITE_OK ||
               (rc = sqlw_query_int(db, "PRAGMA page_size", &page_size)) != SQLITE_OK) {
        sqlw_err_db(report, size, path, db, rc);
    } else if (version == 0) {
        sqlw_err(report, size, "%s: sound, but holds no rtmd data (no schema version%s)", path,
                 objects ? "; it holds tables" : "; it is empty");
    } else if (version != schema_version) {
        sqlw_err(report, size, "%s: sound, but written by %s rtmd: schema %lld, this rtmd "
                 "knows %d", path, version > schema_version ? "a newer" : "an older",
                 (long long)version, schema_version);
    } else {
        sqlw_err(report, size, "%s: ok (schema %lld, %lld pages of %lld bytes)", path,
                 (long long)version, (long long)pages, (long long)page_size);
        result = 0;
    }
    sqlite3_close(db);
    return result;
}
