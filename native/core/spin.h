/*
 * spin.h: how long an idle callback-pool thread looks for work before it
 * sleeps (dispatch.c), learnt from the gaps between bursts of work.
 *
 * Waking a sleeping thread costs the waker a futex call and, on the
 * virtual machines this runs on, some 50 us before the thread runs: half a
 * peer message's one-way latency (docs/BENCHMARKS.md). Spinning costs CPU
 * instead, so the pool spins only as long as the work is likely to come:
 * twice the recent gap (the time from the run queue going empty to the next
 * work), between RTM__SPIN_MIN_NS and RTM__SPIN_MAX_NS. When the recent gap
 * is longer than that, work will not come within a spin worth its CPU, and
 * the pool spins the minimum only. The recent gap is a moving average
 * (weight 1/8) of gaps each cut at twice the maximum, so that one long
 * silence counts as "long" and no more: after it, some fifteen short gaps
 * bring the spin back.
 *
 * Everything here is a pure function of the gaps it is told, for tests.
 */
#ifndef RTM__SPIN_H
#define RTM__SPIN_H

#include <stdint.h>

#define RTM__SPIN_MIN_NS 100000u  /* 100 us */
#define RTM__SPIN_MAX_NS 500000u  /* 500 us */

typedef struct rtm__spin {
    uint64_t gap_ns;  /* the recent gap */
} rtm__spin;

/* Before any gap is known, the gap is taken as long: the minimum spin. */
#define RTM__SPIN_INIT {2u * RTM__SPIN_MAX_NS}

/* Work came gap_ns after the run queue went empty. */
static inline void rtm__spin_learn(rtm__spin *s, uint64_t gap_ns)
{
    if (gap_ns > 2u * RTM__SPIN_MAX_NS)
        gap_ns = 2u * RTM__SPIN_MAX_NS;
    s->gap_ns = s->gap_ns - s->gap_ns / 8 + gap_ns / 8;
}

/* How long the next idle thread spins, in ns. */
static inline uint64_t rtm__spin_limit(const rtm__spin *s)
{
    uint64_t want = 2 * s->gap_ns;
    if (want > RTM__SPIN_MAX_NS)
        return RTM__SPIN_MIN_NS;
    return want < RTM__SPIN_MIN_NS ? RTM__SPIN_MIN_NS : want;
}

#endif
