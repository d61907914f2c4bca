/*
 * store_sqlite.h: the durable store, rtmd's default: the in-memory store
 * (store_mem.c) as the image every read is served from, and an SQLite
 * database (sqlite_writer.h) as its journal.
 *
 * Every change made through this store's ops is applied to the image and
 * queued, as the row-level statements that make the same change, into the
 * writer's open batch; the batch is flushed once per loop turn (after the
 * callbacks that were ready with it), so every change of a turn commits in
 * one batch, and many turns' batches share a commit under load (group
 * commit). rtmd_store_barrier says which batch a frame must wait for, and
 * the durable callback when it has committed (conn.c holds frames until
 * then): nothing a client is told depends on a write that a crash could
 * take back.
 *
 * At open, the image is loaded from the file: sessions with their meta,
 * unacknowledged deliveries, send answers, attributes, subscriptions,
 * channels with their seqs, members and history (the replay window only),
 * channel attributes, offline messages with their drop counts, and the bans
 * in force. Offline messages past their TTL and channels without members
 * past the window are then forgotten (journaled, as the sweep does).
 *
 * A failed batch (a full disk, an I/O error) leaves the image ahead of the
 * file: the barrier stays at UINT64_MAX (hold everything), the durable
 * callback says ok = false, and the caller, having answered and closed
 * what depended on it, calls rtmd_store_sqlite_reload, which rebuilds the
 * image from the file, the same way open does, and lets the writer write
 * again.
 */
#ifndef RTMD_STORE_SQLITE_H
#define RTMD_STORE_SQLITE_H

#include <stddef.h>
#include <stdint.h>

#include "sqlite_writer.h"
#include "store.h"

struct event_base;

/* The version of the schema this binary writes (PRAGMA user_version). */
#define RTMD_STORE_SQLITE_SCHEMA 3

typedef struct {
    const char *path;            /* the database file (created if missing) */
    rtmd_sqlw_fsync fsync;
    /* Recovery: the wall clock now, the oldest channel message the replay
     * window keeps (and at most how many per channel), and the oldest
     * offline message --offline-ttl-s keeps. */
    uint64_t now_wall_ms;
    uint64_t history_horizon_ms;
    size_t history_max;
    uint64_t offline_horizon_ms;
    rtmd_store_durable_fn durable; /* on the loop thread, batch by batch */
    void *closure;
} rtmd_store_sqlite_config;

/* Opens (creating) the database, loads the image. NULL with a one-line
 * message in err (the path named): the file cannot be created, opened or
 * written, is not an SQLite database or is corrupt, has a schema newer
 * than this binary's, or holds a row the image refuses. */
rtmd_store *rtmd_store_sqlite_open(struct event_base *base,
                                   const rtmd_store_sqlite_config *cfg, char *err,
                                   size_t errlen);

/* After a failed batch: waits for the batches in flight, rebuilds the image
 * from the file (cfg's times updated by the caller: now, horizons) and lets
 * the writer write again. 0, or -1 (logged) when the file cannot be read or
 * written any more: the store then stays failed (barrier UINT64_MAX). */
int rtmd_store_sqlite_reload(rtmd_store *st, const rtmd_store_sqlite_config *cfg);

/* `rtmd --check-data`: checks the database of a data directory (its
 * RTMD_DATA_FILE) or a database file, read-only, while rtmd runs or not:
 * SQLite's integrity check and the schema version. 0 when sound, 1 when
 * not, 2 when it cannot be opened; report gets the findings. */
int rtmd_store_sqlite_check(const char *dir_or_file, char *report, size_t size);

/* The writer under the store (for its stats). */
rtmd_sqlw *rtmd_store_sqlite_writer(rtmd_store *st);

#endif
