/*
 * sqlite_writer.h: rtmd's durable half: an SQLite database written by a
 * thread of its own, with group commit.
 *
 * rtmd keeps its state in memory and journals every change to SQLite, under
 * Redis's rule for its AOF: a reply that reveals a write goes out only once
 * the write is durable. This module knows nothing of what is written: the
 * schema and the statements are the caller's. The caller queues statements
 * (rtmd_sqlw_exec) into the open batch, closes it (rtmd_sqlw_flush), and
 * holds back the replies that depend on it until its callback says it
 * committed.
 *
 * Threads. Every function here but rtmd_sqlw_check runs on the loop thread,
 * the one that runs the event_base given to rtmd_sqlw_open, and none of them
 * waits for the disk in normal operation: the writer thread ("rtmd-sqlite")
 * owns the writing connection. It takes every batch waiting when it wakes (up
 * to the group bounds below) and commits them in one transaction, so under
 * load many batches share one commit (one fsync with RTMD_SQLW_FSYNC_FULL).
 * It hands the results back through an eventfd watched by the loop, so the
 * done callbacks run on the loop thread, one at a time, in batch order.
 * At RTMD_SQLW_FSYNC_NORMAL, a small batch (a few statements, at most
 * 1 KiB of arguments: a lone message in flight) flushed while the writer
 * thread is idle and nothing waits commits in rtmd_sqlw_flush itself, on
 * the loop thread, with the writer's connection (the threads hand it over
 * under a lock): a commit that waits for no disk costs less than the two
 * wakes between the threads. Its callback still runs later, from the loop.
 * It never waits for a lock there: a busy database sends the batch to the
 * writer thread, which waits as below.
 * The exceptions, which block
 * the loop thread on purpose: rtmd_sqlw_open (the schema, a quick check),
 * rtmd_sqlw_query (recovery), rtmd_sqlw_sync (recovery, shutdown) and
 * rtmd_sqlw_close (shutdown).
 * Checkpoints (the WAL copied into the file) run beside the writer, on a
 * thread and a connection of their own ("rtmd-sqlite-ck"): a PASSIVE one
 * once a commit leaves RTMD_SQLW_CHECKPOINT_PAGES WAL pages or more (or
 * the configuration's number), never inside a commit.
 *
 * Order and atomicity. The file is always a prefix of the caller's history:
 * batches are applied in flush order, each all or nothing (a batch runs
 * inside a savepoint of its group's transaction, but for the first, which
 * fails with the whole transaction), and no batch is applied
 * after one that failed. So after a restart, recovery rebuilds a state the
 * caller really had. The caller's statements and schema may not be
 * transaction statements (BEGIN, COMMIT, SAVEPOINT...: they would end or
 * nest the writer's transaction) nor pragmas but those of
 * RTMD_SQLW_PRAGMAS_ALLOWED (a pragma could weaken durability:
 * synchronous, journal_mode, writable_schema...): open refuses them.
 *
 * Failures: the writer halts. When batch k fails, for any reason (one of
 * its statements fails, it holds a statement rtmd_sqlw_exec refused, an I/O
 * error, a full disk, a failed COMMIT), the batches before it in its
 * transaction still commit (the writer rolls back to k's savepoint and
 * commits them), unless the error cost the whole transaction (SQLite rolled
 * it back, or the COMMIT failed): then none of them does. Batch k and every
 * later batch fail without running: reported ok = false, in order, whether
 * they were already queued to the writer thread or are flushed later, and
 * rtmd_sqlw_exec returns -1, until the caller, having re-synced (e.g.
 * reloaded its memory from the file: rtmd_sqlw_sync, then rtmd_sqlw_query),
 * calls rtmd_sqlw_resume. Batches flushed before that call fail without
 * running even if the writer reaches them after it. (exec refuses from the
 * moment the writer halts; statements queued into the open batch before
 * that moment fail with it.) A corrupt file
 * (SQLITE_CORRUPT, SQLITE_NOTADB), a file moved or deleted under the writer
 * (SQLITE_READONLY_DBMOVED; the writer checks before each COMMIT) or a
 * ROLLBACK that fails leave the writer halted for good: resume returns -1.
 * The writer logs (rtmd_log) one line when it halts, with SQLite's message,
 * and rtmd_sqlw_resume one when it resumes. A batch reported ok = true has
 * committed. One reported ok = false is not known to have: it was rolled
 * back or never ran, except after an I/O error in COMMIT itself (a failed
 * fsync), when what the OS kept of the WAL may still hold it and the batches
 * before it in its transaction (the file is a prefix of the history even
 * then, only a longer one). The caller must treat it as lost, and its memory
 * as ahead of the file.
 *
 * A busy database is not a failure: when another connection (a checker, an
 * operator's sqlite3) holds the write lock past the busy timeout at BEGIN
 * IMMEDIATE, before anything was written, the writer keeps the group and
 * tries again after 10 ms, doubling to 1 s (logged at most once a second),
 * for as long as it takes; only once close has begun does a busy database
 * fail the group.
 *
 * Group bounds. A transaction takes at most RTMD_SQLW_GROUP_MAX_STATEMENTS
 * statements or RTMD_SQLW_GROUP_MAX_BYTES bytes of text and blob arguments
 * (but always at least one batch, however big); the batches past that wait
 * for the next one. That bounds the WAL a transaction writes and the work
 * one I/O error fails.
 */
#ifndef RTMD_SQLITE_WRITER_H
#define RTMD_SQLITE_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct event_base;
struct sqlite3;

typedef struct rtmd_sqlw rtmd_sqlw;

/* A transaction's bounds (see "Group bounds" above). */
#define RTMD_SQLW_GROUP_MAX_STATEMENTS 10000u
#define RTMD_SQLW_GROUP_MAX_BYTES (16u * 1024u * 1024u)

/* The WAL's size, in pages, after which a commit asks for a checkpoint:
 * 8,000 pages (32 MiB of 4 KiB), not SQLite's 1,000. A checkpoint copies
 * the last version of each page the WAL holds; most pages of a message
 * queue are written, freed and written again within seconds, so a longer
 * WAL copies each of them fewer times (rtm-bench p2p-throughput: the
 * checkpointer's CPU about halved). */
#define RTMD_SQLW_CHECKPOINT_PAGES 8000

/* The pragmas the caller's statements and schema may hold, comma-separated
 * (any other is refused at open). max_page_count caps the file's size (a
 * quota): reaching it fails a batch with SQLITE_FULL, as a full disk does;
 * it cannot make a commit less durable. */
#define RTMD_SQLW_PRAGMAS_ALLOWED "max_page_count"

typedef enum {
    /* synchronous=NORMAL in WAL mode: a commit is written to the WAL (in
     * the OS's cache) once reported, but the WAL is fsynced only at
     * checkpoints. Survives a crash of rtmd (SIGKILL included); an OS crash
     * or a power loss may roll back the commits since the last checkpoint,
     * batches reported ok among them, though the file stays consistent (a
     * prefix of the history still). Not durable against power loss. */
    RTMD_SQLW_FSYNC_NORMAL = 0,
    /* synchronous=FULL: the WAL is fsynced at every commit (one fsync per
     * group) before the batches are reported; survives an OS crash and a
     * power loss too, as far as the storage keeps what fsync says it has
     * (a disk cache that lies defeats it). */
    RTMD_SQLW_FSYNC_FULL = 1
} rtmd_sqlw_fsync;

/* A statement argument or a column value: exactly one kind, with its data. */
typedef enum {
    RTMD_SQLW_NULL = 0,
    RTMD_SQLW_INT,  /* v.i */
    RTMD_SQLW_REAL, /* v.r (a column of a query; SQLite may hold floats) */
    RTMD_SQLW_TEXT, /* v.bytes: UTF-8, len bytes, not NUL-terminated */
    RTMD_SQLW_BLOB  /* v.bytes */
} rtmd_sqlw_type;

typedef struct {
    rtmd_sqlw_type type;
    union {
        int64_t i;
        double r;
        struct {
            const void *p; /* may be NULL when len is 0 */
            size_t len;
        } bytes;
    } v;
} rtmd_sqlw_arg;

static inline rtmd_sqlw_arg rtmd_sqlw_null(void)
{
    rtmd_sqlw_arg a;
    a.type = RTMD_SQLW_NULL;
    a.v.i = 0;
    return a;
}

static inline rtmd_sqlw_arg rtmd_sqlw_int(int64_t i)
{
    rtmd_sqlw_arg a;
    a.type = RTMD_SQLW_INT;
    a.v.i = i;
    return a;
}

static inline rtmd_sqlw_arg rtmd_sqlw_text(const char *p, size_t len)
{
    rtmd_sqlw_arg a;
    a.type = RTMD_SQLW_TEXT;
    a.v.bytes.p = p;
    a.v.bytes.len = len;
    return a;
}

static inline rtmd_sqlw_arg rtmd_sqlw_blob(const void *p, size_t len)
{
    rtmd_sqlw_arg a;
    a.type = RTMD_SQLW_BLOB;
    a.v.bytes.p = p;
    a.v.bytes.len = len;
    return a;
}

/* Brings a database of schema version `from` (>= 1, < to) to `to`, inside
 * the transaction that then sets user_version = to. 0, or -1 with a message
 * in err (the transaction is rolled back, what it wrote with it). Runs on
 * the thread calling rtmd_sqlw_open, on the writer's own connection, with
 * no authorizer: trusted code, which must not end the transaction nor
 * change the connection's pragmas. */
typedef int (*rtmd_sqlw_migrate_fn)(struct sqlite3 *db, int from, int to, char *err,
                                    size_t errlen, void *closure);

/* A batch has committed (ok) or not (!ok). On the loop thread; it may call
 * any function here but rtmd_sqlw_open. If it calls rtmd_sqlw_close, that
 * runs every pending callback and stops the writer, but w is freed only
 * once this callback returns (w may still be passed to the functions here
 * until then: they refuse, as after close began). */
typedef void (*rtmd_sqlw_done_fn)(uint64_t batch, bool ok, void *closure);

/* A row of rtmd_sqlw_query: ncols values, borrowed until it returns. 0 to go
 * on; anything else stops the query, which then returns -1. */
typedef int (*rtmd_sqlw_row_fn)(const rtmd_sqlw_arg *cols, size_t ncols, void *closure);

typedef struct {
    const char *path;          /* the database file; created if missing */
    rtmd_sqlw_fsync fsync;
    int busy_timeout_ms;       /* how long SQLite waits for another
                                * connection's lock (a checker, an
                                * operator's sqlite3) before the writer
                                * backs off and tries again; 0: 5000 */
    int schema_version;        /* >= 1: PRAGMA user_version of this schema */
    const char *schema_sql;    /* CREATE statements run on a fresh file, in
                                * one transaction (no transaction statement
                                * nor pragma but the allowed ones inside) */
    rtmd_sqlw_migrate_fn migrate; /* NULL: an older file is refused */
    void *migrate_closure;
    int checkpoint_pages;      /* 0: RTMD_SQLW_CHECKPOINT_PAGES */
    const char *const *stmts;  /* the statements rtmd_sqlw_exec runs by
                                * number, one SQL statement each, with ?
                                * parameters; prepared at open */
    size_t nstmts;
} rtmd_sqlw_config;

/* Opens (creating) cfg->path with WAL journaling, checks it (PRAGMA
 * quick_check: a corrupt or non-SQLite file is an error), brings the schema
 * to cfg->schema_version (a fresh file gets cfg->schema_sql; an older one is
 * migrated by cfg->migrate or refused; a newer one is refused), proves the
 * file can be written, prepares cfg->stmts and starts the writer thread. The
 * configuration is not kept. 0 with *out set, or -1 with a one-line message
 * in err (which names the path); nothing is logged. */
int rtmd_sqlw_open(struct event_base *base, const rtmd_sqlw_config *cfg, rtmd_sqlw **out,
                   char *err, size_t errlen);

/* Queues statement number stmt with copies of its nargs arguments (one
 * allocation; the first of a batch allocates the batch too) into the open
 * batch. 0, or -1 with nothing queued:
 *  - refused (logged): out of memory, stmt or nargs not what was prepared,
 *    an argument of no known type, over INT_MAX bytes or with len > 0 and
 *    p NULL. This poisons the open batch: it fails at its flush without
 *    running any of its statements (and halts the writer there), and exec
 *    refuses every statement until it is flushed;
 *  - the writer has halted, until rtmd_sqlw_resume (logged once, when it
 *    halted), or the open batch is poisoned (logged at its refusal);
 *  - close has begun (logged). */
int rtmd_sqlw_exec(rtmd_sqlw *w, unsigned stmt, const rtmd_sqlw_arg *args, size_t nargs);

/* Closes the open batch (it may be empty) and hands it to the writer.
 * Returns its number (1, 2, ...: batches are numbered in flush order and
 * complete in that order); cb (may be NULL) gets it later, once. A batch
 * flushed while the writer is halted, or poisoned, gets a number and fails
 * (ok = false). An empty batch reports ok = true once every batch before it
 * has committed. 0 when out of memory or once close has begun: no batch
 * then, cb never runs, and the open batch stays open. */
uint64_t rtmd_sqlw_flush(rtmd_sqlw *w, rtmd_sqlw_done_fn cb, void *closure);

/* Runs sql (any read: recovery at startup or after a halt) on a read
 * connection of the calling thread, calling fn for each row. Only when
 * nothing is queued or in flight: before the first flush or right after
 * rtmd_sqlw_sync, so that it sees every write made. The arguments are
 * checked as rtmd_sqlw_exec checks them. 0, or -1 (logged, but for fn's
 * stop). */
int rtmd_sqlw_query(rtmd_sqlw *w, const char *sql, const rtmd_sqlw_arg *args, size_t nargs,
                    rtmd_sqlw_row_fn fn, void *closure);

/* Flushes the open batch if it holds statements (or is poisoned) and waits
 * until every batch flushed so far has completed, running their callbacks
 * (and those flushed by these callbacks). It waits as long as the database
 * is busy. For a graceful shutdown, or before re-syncing after a halt. 0
 * when all of them committed, -1 when one failed. */
int rtmd_sqlw_sync(rtmd_sqlw *w);

/* After a halt, once the caller has re-synced its state with the file: lets
 * the writer write again. Every batch flushed before this call that has not
 * completed fails without running; the batches flushed after it run. 0 when
 * the writer can write (also when it was not halted: nothing to do). -1,
 * logged, and the writer stays halted, when the file is corrupt, moved or
 * deleted, or the connection is stuck in a transaction (for good: reopen),
 * when the open batch holds statements (queued before the halt: flush it,
 * it fails, then resume) or is poisoned, when a poisoned batch is in flight
 * (resume after its callback), or once close has begun. */
int rtmd_sqlw_resume(rtmd_sqlw *w);

/* Syncs, then stops the writer thread and closes the database (the writer
 * checkpoints the WAL into the main file). Every pending callback has run
 * when it returns; new statements and flushes are refused from the moment
 * it starts, and a database busy at BEGIN fails its group (after one busy
 * timeout) rather than waiting on. NULL is a no-op; so is a call while
 * close runs (from a callback it runs). From inside a done callback: see
 * rtmd_sqlw_done_fn. */
void rtmd_sqlw_close(rtmd_sqlw *w);

/* The writer's counters, for /metrics and the admin API. A struct tag and a
 * function of the same name, as POSIX's struct stat and stat(). */
struct rtmd_sqlw_stats {
    uint64_t batches_committed;
    uint64_t statements_committed;
    uint64_t commits;                /* transactions that committed (a
                                      * rolled-back one is none) */
    uint64_t last_commit_statements; /* statements of the last commit */
    uint64_t max_commit_statements;
    uint64_t queued_statements;      /* waiting: open batch + flushed, not done */
    uint64_t commit_us_sum;          /* BEGIN to COMMIT done, per commit */
    uint64_t commit_us_count;
    uint64_t commit_us_max;
    uint64_t batches_failed;         /* reported ok = false, run or not */
    uint64_t failures;               /* failures that halted the writer */
    uint64_t busy_retries;           /* BEGINs retried on a busy database */
    uint64_t bytes_on_disk;          /* the file and its WAL (stat()) */
    bool halted;                     /* until rtmd_sqlw_resume */
    bool broken;                     /* halted for good: a corrupt, moved
                                      * or deleted file, or a connection
                                      * stuck in a transaction */
};

void rtmd_sqlw_stats(rtmd_sqlw *w, struct rtmd_sqlw_stats *st);

/* Checks the database file at path offline (read-only; for
 * `rtmd --check-data`): PRAGMA integrity_check and the schema version.
 * 0 when sound, 1 when not (or not an SQLite file), 2 when it cannot be
 * opened; report gets the findings in a few lines. Any thread; no writer
 * needed. */
int rtmd_sqlw_check(const char *path, int schema_version, char *report, size_t size);

#endif
