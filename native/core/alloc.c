/* alloc.c: the client core's allocations, with a hook for tests (alloc.h). */
#include "alloc.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static atomic_ulong rtm__countdown; /* 0: nothing armed */
static atomic_ulong rtm__failed;

/* Whether this allocation is the one armed to fail. */
static bool rtm__fail_now(void)
{
    unsigned long n = atomic_load_explicit(&rtm__countdown, memory_order_relaxed);
    while (n != 0) {
        if (atomic_compare_exchange_weak(&rtm__countdown, &n, n - 1)) {
            if (n != 1)
                return false;
            atomic_fetch_add(&rtm__failed, 1);
            return true;
        }
    }
    return false;
}

void *rtm__malloc(size_t n)
{
    return rtm__fail_now() ? NULL : malloc(n);
}

void *rtm__calloc(size_t n, size_t size)
{
    return rtm__fail_now() ? NULL : calloc(n, size);
}

void *rtm__realloc(void *p, size_t n)
{
    return rtm__fail_now() ? NULL : realloc(p, n);
}

char *rtm__strdup(const char *s)
{
    return rtm__fail_now() ? NULL : strdup(s);
}

void rtm__alloc_fail_nth(unsigned long n)
{
    atomic_store(&rtm__countdown, n);
}

unsigned long rtm__alloc_failures(void)
{
    return atomic_load(&rtm__failed);
}
