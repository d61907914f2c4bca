/*
 * hash.h: the hash of rtmd's maps and sets keyed by what clients send (ids,
 * channel names): SipHash-2-4 (libsodium's crypto_shorthash) under a key
 * drawn from the OS at the first use, so that no client can choose keys that
 * share a bucket (hash flooding: with an unkeyed hash, 80,000 such offline
 * receivers cost rtmd 25 s of CPU). A hash is the same for the whole life of
 * the process and differs from one process to the next.
 */
#ifndef RTMD_HASH_H
#define RTMD_HASH_H

#include <stddef.h>
#include <stdint.h>

/* Draws the key, once (rtmd's start calls it first: the first hash would
 * otherwise). 0, or -1 when the OS gave no randomness: the key is then not
 * secret, and rtmd does not start. */
int rtmd_hash_init(void);

/* The hash of len bytes at s. */
uint64_t rtmd_hash(const void *s, size_t len);

/* The hash of the NUL-terminated s. */
uint64_t rtmd_hash_str(const char *s);

#endif
