/* hash.c: SipHash-2-4 under a per-process random key (hash.h). */
#include "hash.h"

#include <pthread.h>
#include <stdbool.h>
#include <string.h>
#include <sys/random.h>

#include <sodium.h>

static unsigned char rtmd__hash_key[crypto_shorthash_KEYBYTES];
static pthread_once_t rtmd__hash_once = PTHREAD_ONCE_INIT;
static bool rtmd__hash_keyed;

static void rtmd__hash_seed(void)
{
    /* sodium_init: 0 done now, 1 done before, -1 failed (no randomness). */
    rtmd__hash_keyed = sodium_init() >= 0 &&
                       getrandom(rtmd__hash_key, sizeof rtmd__hash_key, 0) ==
                           (ssize_t)sizeof rtmd__hash_key;
}

int rtmd_hash_init(void)
{
    pthread_once(&rtmd__hash_once, rtmd__hash_seed);
    return rtmd__hash_keyed ? 0 : -1;
}

uint64_t rtmd_hash(const void *s, size_t len)
{
    pthread_once(&rtmd__hash_once, rtmd__hash_seed);
    unsigned char out[crypto_shorthash_BYTES];
    crypto_shorthash(out, s, len, rtmd__hash_key);
    uint64_t h;
    memcpy(&h, out, sizeof h);
    return h;
}

uint64_t rtmd_hash_str(const char *s)
{
    return rtmd_hash(s, strlen(s));
}
