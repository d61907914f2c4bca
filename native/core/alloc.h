/*
 * alloc.h: the client core's allocations, with a hook for tests.
 *
 * Every allocation of the client core goes through these, so a test can make
 * one of them fail and check that the failure is reported (an operation's
 * FAILURE code, a log line) and that nothing is lost: every operation still
 * gets its result exactly once (rtm.h, Results). Without a failure armed
 * they cost one relaxed atomic load more than the libc calls they wrap.
 */
#ifndef RTM__ALLOC_H
#define RTM__ALLOC_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

void *rtm__malloc(size_t n);
void *rtm__calloc(size_t n, size_t size);
void *rtm__realloc(void *p, size_t n);
char *rtm__strdup(const char *s);

/* For tests: the nth allocation from now, on any thread, fails, once; 0
 * disarms. */
void rtm__alloc_fail_nth(unsigned long n);
/* For tests: how many allocations failed that way since the process began. */
unsigned long rtm__alloc_failures(void);

#ifdef __cplusplus
}
#endif

#endif
