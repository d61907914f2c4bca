/*
 * results.h: the figures of a run of rtm-bench, by scenario, system and
 * metric. Each figure is measured several times (runs); what is reported is
 * the median of them. Written as build/bench/results.json:
 *   { "scenario": { "system": { "metric": median, ... }, ... }, ... }
 * and printed as a table with rtm's ratio to each other system.
 */
#ifndef RTM_BENCH_RESULTS_H
#define RTM_BENCH_RESULTS_H

#include <stdio.h>

typedef struct bench_results bench_results;

bench_results *bench_results_new(void);
void bench_results_free(bench_results *r);

/* Records one run's figure. NAN values (a run that failed) are skipped. */
void bench_results_add(bench_results *r, const char *scenario,
                       const char *system, const char *metric, double value);

/* The median of a figure's runs, NAN when there is none. */
double bench_results_median(const bench_results *r, const char *scenario,
                            const char *system, const char *metric);

/* Writes the JSON above to path; 0 or -1 with a message. */
int bench_results_write_json(const bench_results *r, const char *path);

/* Writes the medians of `metrics` of `scenario` as a whitespace-separated
 * table for gnuplot: a header line "system METRIC...", then one line per
 * system that has any of them ("-" where one is missing). 0 or -1. */
int bench_results_write_table(const bench_results *r, const char *scenario,
                              const char *const *metrics, size_t nmetrics,
                              const char *path);

/* Prints one line per scenario and metric: each system's median (and the
 * number of runs), then rtm's ratio to each other system. `ours` is the
 * system the ratios are of ("rtm"; for java-events "rtm-java" to "rtm-c"
 * is printed as well). */
void bench_results_print(const bench_results *r, FILE *out);

#endif
