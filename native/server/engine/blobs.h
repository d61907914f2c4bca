/*
 * blobs.h: the bytes of stored media (SPEC M1, M2), apart from what the
 * store knows of them (store.h, media_*: the id, its app, size and age).
 *
 * A blob is written once, in order, then committed (durable, under its id)
 * or dropped; once committed it is read at any offset until removed. The
 * bytes live in files of a directory (rtmd_blobs_dir_open: the durable
 * store's) or in memory (rtmd_blobs_mem_new: --store mem). Either way the
 * work is done by a thread of the blob store's own, so that no wait for
 * the disk ever holds up the loop (SPEC M6): each call below queues a job
 * and returns; its callback runs later on the loop thread. Jobs of one
 * blob run in the order they were queued.
 *
 * Files: DIR/<id[0:2]>/<id>. A blob being written is DIR/<id[0:2]>/<id>.part
 * (<id>.NODE.part when nodes share DIR);
 * its commit is fdatasync, rename to the final name, fsync of the
 * directory, so that a committed blob survives a crash of rtmd or of the
 * machine and an uncommitted one is never taken for a whole one. What a
 * crash leaves (parts, blobs the store never learnt of) is removed by
 * rtmd_blobs_sweep at the next start.
 *
 * Ids are RTMD_BLOB_ID_LEN lowercase hex digits (rtmd_blob_id_valid);
 * nothing else ever names a file.
 */
#ifndef RTMD_BLOBS_H
#define RTMD_BLOBS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct event_base;

#define RTMD_BLOB_ID_LEN 32

typedef struct rtmd_blobs rtmd_blobs;
typedef struct rtmd_blob rtmd_blob;

/* A job done: err 0, or an errno (ENOENT: no such blob, ENOSPC, EIO...);
 * n: after a write, the bytes written so far in all; after an open, the
 * blob's size; else 0. */
typedef void (*rtmd_blob_done)(rtmd_blob *b, int err, uint64_t n, void *arg);
/* A read done: data (len bytes, borrowed until it returns) on err 0. */
typedef void (*rtmd_blob_read_done)(rtmd_blob *b, int err, const uint8_t *data, size_t len,
                                    void *arg);

/* The blob store over directory dir (created, mode 0700, if missing).
 * node: the name of this node when several may share dir (a Redis store):
 * its parts are then <id>.NODE.part, and the sweep leaves the other nodes'
 * parts until they are stale. NULL with a one-line message in err. */
rtmd_blobs *rtmd_blobs_dir_open(struct event_base *base, const char *dir, const char *node,
                                char *err, size_t errlen);

/* Another node's part not written to for this long is a dead upload's: an
 * upload with no data moving ends after --media-idle-ms, at most 1 hour. */
#define RTMD_BLOB_PART_STALE_S 7200
/* A blob store in memory. NULL when out of memory or without a thread. */
rtmd_blobs *rtmd_blobs_mem_new(struct event_base *base);
/* Stops the thread once its jobs are done (their callbacks are not called)
 * and frees the store. Blob handles must be closed before. */
void rtmd_blobs_free(rtmd_blobs *bs);

/* Whether id has the form of a blob id. */
bool rtmd_blob_id_valid(const char *id);
/* A new random id, NUL-terminated, in out (RTMD_BLOB_ID_LEN + 1 bytes). */
void rtmd_blob_id_new(char *out);

/* At start, before serving, on the loop thread: removes this node's parts
 * (every part without a node), other nodes' stale parts, and every blob
 * for which known(id, arg) is false. Returns how many went. */
size_t rtmd_blobs_sweep(rtmd_blobs *bs, bool (*known)(const char *id, void *arg), void *arg);

/* A blob to write under id. NULL when out of memory. done (of create) runs
 * once the part exists (or could not be made). */
rtmd_blob *rtmd_blob_create(rtmd_blobs *bs, const char *id, rtmd_blob_done done, void *arg);
/* Appends a copy of data. -1 when out of memory (nothing queued). */
int rtmd_blob_write(rtmd_blob *b, const uint8_t *data, size_t len, rtmd_blob_done done,
                    void *arg);
/* Makes what was written durable under the blob's id. */
void rtmd_blob_commit(rtmd_blob *b, rtmd_blob_done done, void *arg);
/* A committed blob to read; done runs once it is open (ENOENT: none), with
 * its size. NULL when out of memory. */
rtmd_blob *rtmd_blob_open(rtmd_blobs *bs, const char *id, rtmd_blob_done done, void *arg);
/* Reads at most len bytes at offset. -1 when out of memory. */
int rtmd_blob_read(rtmd_blob *b, uint64_t offset, size_t len, rtmd_blob_read_done done,
                   void *arg);
/* Gives the handle up: no callback of it runs any more. A blob being
 * written and not committed is removed. */
void rtmd_blob_close(rtmd_blob *b);
/* Removes a committed blob (an expired media's). */
void rtmd_blobs_remove(rtmd_blobs *bs, const char *id);

/* What the store holds, for /metrics: blobs and their bytes (committed
 * ones; as of the last job done). */
void rtmd_blobs_usage(const rtmd_blobs *bs, uint64_t *count, uint64_t *bytes);

#endif
