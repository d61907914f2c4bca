/* stats.c: percentiles, medians, ratios (stats.h). */
#include "stats.h"

#include <math.h>
#include <stdlib.h>

int bench_samples_add(bench_samples *s, double x)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        double *v = realloc(s->v, cap * sizeof(*v));
        if (v == NULL)
            return -1;
        s->v = v;
        s->cap = cap;
    }
    s->v[s->n++] = x;
    return 0;
}

void bench_samples_free(bench_samples *s)
{
    free(s->v);
    s->v = NULL;
    s->n = s->cap = 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double bench_percentile(double *v, size_t n, double p)
{
    if (n == 0 || !(p > 0 && p <= 100))
        return NAN;
    qsort(v, n, sizeof(*v), cmp_double);
    /* rank = ceil(p/100 * n), 1-based. p/100*n is computed as p*n/100 so
     * that 99.9 % of 1000 is exactly 999, not 999.0000000000001. */
    double r = ceil(p * (double)n / 100.0 - 1e-9);
    size_t rank = r < 1 ? 1 : (size_t)r;
    if (rank > n)
        rank = n;
    return v[rank - 1];
}

double bench_median(double *v, size_t n)
{
    if (n == 0)
        return NAN;
    qsort(v, n, sizeof(*v), cmp_double);
    if (n % 2)
        return v[n / 2];
    return (v[n / 2 - 1] + v[n / 2]) / 2;
}

double bench_ratio(double ours, double theirs)
{
    if (!isfinite(ours) || !isfinite(theirs) || ours < 0 || theirs <= 0)
        return NAN;
    return ours / theirs;
}

double bench_per_item(double before, double after, double count)
{
    if (!(count > 0))
        return NAN;
    return (after - before) / count;
}
