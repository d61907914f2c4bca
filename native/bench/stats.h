/*
 * stats.h: the arithmetic of rtm-bench's figures, kept apart so that a unit
 * test (tests/bench/stats_test.cc) can check it.
 */
#ifndef RTM_BENCH_STATS_H
#define RTM_BENCH_STATS_H

#include <stddef.h>
#include <stdint.h>

/* A growing array of samples (latencies in ns, or figures of runs). */
typedef struct bench_samples {
    double *v;
    size_t n, cap;
} bench_samples;

/* Appends x; -1 when out of memory. */
int bench_samples_add(bench_samples *s, double x);
void bench_samples_free(bench_samples *s);

/*
 * The p-th percentile (0 < p <= 100) by the nearest-rank method: the
 * smallest sample such that at least p % of the samples are at or below it.
 * Sorts v in place. n == 0 gives NAN.
 */
double bench_percentile(double *v, size_t n, double p);

/* The median: for an even count, the mean of the two middle samples. Sorts
 * v in place. n == 0 gives NAN. */
double bench_median(double *v, size_t n);

/* ours / theirs; NAN unless ours >= 0 and theirs > 0, both finite. */
double bench_ratio(double ours, double theirs);

/* (after - before) / count, the growth per item, for memory per connection;
 * NAN when count is 0. */
double bench_per_item(double before, double after, double count);

#endif
