/* results.c: figures by scenario, system and metric (results.h). */
#include "results.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "stats.h"

typedef struct figure {
    char *scenario, *system, *metric;
    bench_samples runs;
} figure;

/* Figures in the order first recorded, which is the order they print in. */
struct bench_results {
    figure *f;
    size_t n, cap;
};

bench_results *bench_results_new(void)
{
    return calloc(1, sizeof(bench_results));
}

void bench_results_free(bench_results *r)
{
    if (r == NULL)
        return;
    for (size_t i = 0; i < r->n; i++) {
        free(r->f[i].scenario);
        free(r->f[i].system);
        free(r->f[i].metric);
        bench_samples_free(&r->f[i].runs);
    }
    free(r->f);
    free(r);
}

static figure *find(const bench_results *r, const char *scenario,
                    const char *system, const char *metric)
{
    for (size_t i = 0; i < r->n; i++) {
        figure *f = &r->f[i];
        if (strcmp(f->scenario, scenario) == 0 && strcmp(f->system, system) == 0 &&
            strcmp(f->metric, metric) == 0)
            return f;
    }
    return NULL;
}

void bench_results_add(bench_results *r, const char *scenario,
                       const char *system, const char *metric, double value)
{
    if (isnan(value))
        return;
    figure *f = find(r, scenario, system, metric);
    if (f == NULL) {
        if (r->n == r->cap) {
            size_t cap = r->cap ? r->cap * 2 : 32;
            figure *nf = realloc(r->f, cap * sizeof(*nf));
            if (nf == NULL)
                return;
            r->f = nf;
            r->cap = cap;
        }
        f = &r->f[r->n];
        memset(f, 0, sizeof(*f));
        f->scenario = strdup(scenario);
        f->system = strdup(system);
        f->metric = strdup(metric);
        if (f->scenario == NULL || f->system == NULL || f->metric == NULL) {
            free(f->scenario);
            free(f->system);
            free(f->metric);
            return;
        }
        r->n++;
    }
    bench_samples_add(&f->runs, value);
}

static double median_of(const figure *f)
{
    /* bench_median sorts: work on a copy so the runs keep their order. */
    double *v = malloc(f->runs.n * sizeof(*v) + 1);
    if (v == NULL)
        return NAN;
    memcpy(v, f->runs.v, f->runs.n * sizeof(*v));
    double m = bench_median(v, f->runs.n);
    free(v);
    return m;
}

double bench_results_median(const bench_results *r, const char *scenario,
                            const char *system, const char *metric)
{
    const figure *f = find(r, scenario, system, metric);
    return f == NULL ? NAN : median_of(f);
}

/* obj[key], created as an object when missing. */
static cJSON *child(cJSON *obj, const char *key)
{
    cJSON *c = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (c == NULL) {
        c = cJSON_CreateObject();
        cJSON_AddItemToObject(obj, key, c);
    }
    return c;
}

int bench_results_write_json(const bench_results *r, const char *path)
{
    cJSON *root = cJSON_CreateObject();
    for (size_t i = 0; i < r->n; i++) {
        const figure *f = &r->f[i];
        cJSON *sys = child(child(root, f->scenario), f->system);
        double m = median_of(f);
        /* Four decimals are plenty for a median of noisy runs. */
        cJSON_AddNumberToObject(sys, f->metric, round(m * 1e4) / 1e4);
    }
    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    if (text == NULL)
        return -1;
    FILE *out = fopen(path, "w");
    if (out == NULL) {
        perror(path);
        cJSON_free(text);
        return -1;
    }
    fprintf(out, "%s\n", text);
    cJSON_free(text);
    return fclose(out) == 0 ? 0 : -1;
}

/* The distinct values of one field of the figures of `scenario` (or of all
 * figures, scenario NULL), in the order first recorded. */
static size_t distinct(const bench_results *r, const char *scenario, int field,
                       const char **out, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n; i++) {
        const figure *f = &r->f[i];
        if (scenario != NULL && strcmp(f->scenario, scenario) != 0)
            continue;
        const char *v = field == 0 ? f->scenario : field == 1 ? f->system : f->metric;
        size_t j = 0;
        while (j < n && strcmp(out[j], v) != 0)
            j++;
        if (j == n && n < max)
            out[n++] = v;
    }
    return n;
}

enum { MAX_COLS = 16 };

int bench_results_write_table(const bench_results *r, const char *scenario,
                              const char *const *metrics, size_t nmetrics,
                              const char *path)
{
    FILE *out = fopen(path, "w");
    if (out == NULL) {
        perror(path);
        return -1;
    }
    fprintf(out, "system");
    for (size_t m = 0; m < nmetrics; m++)
        fprintf(out, " %s", metrics[m]);
    fputc('\n', out);
    const char *systems[MAX_COLS];
    size_t nsys = distinct(r, scenario, 1, systems, MAX_COLS);
    for (size_t i = 0; i < nsys; i++) {
        fprintf(out, "%s", systems[i]);
        for (size_t m = 0; m < nmetrics; m++) {
            double v = bench_results_median(r, scenario, systems[i], metrics[m]);
            if (isnan(v))
                fprintf(out, " -");
            else
                fprintf(out, " %.4f", v);
        }
        fputc('\n', out);
    }
    return fclose(out) == 0 ? 0 : -1;
}

void bench_results_print(const bench_results *r, FILE *out)
{
    const char *scenarios[64];
    size_t ns = distinct(r, NULL, 0, scenarios, 64);
    for (size_t s = 0; s < ns; s++) {
        const char *sc = scenarios[s];
        const char *systems[MAX_COLS], *metrics[MAX_COLS * 2];
        size_t nsys = distinct(r, sc, 1, systems, MAX_COLS);
        size_t nm = distinct(r, sc, 2, metrics, MAX_COLS * 2);
        /* The ratios are of ours to each other system. */
        const char *ours = NULL;
        for (size_t i = 0; i < nsys; i++)
            if (strcmp(systems[i], "rtm") == 0 || (ours == NULL && strcmp(systems[i], "rtm-java") == 0))
                ours = systems[i];
        fprintf(out, "\n%-24s", sc);
        for (size_t i = 0; i < nsys; i++)
            fprintf(out, " %15s", systems[i]);
        for (size_t i = 0; ours != NULL && i < nsys; i++)
            if (systems[i] != ours)
                fprintf(out, "  %s/%s", ours, systems[i]);
        fputc('\n', out);
        for (size_t m = 0; m < nm; m++) {
            fprintf(out, "  %-22s", metrics[m]);
            for (size_t i = 0; i < nsys; i++) {
                const figure *f = find(r, sc, systems[i], metrics[m]);
                if (f == NULL)
                    fprintf(out, " %15s", "-");
                else
                    fprintf(out, " %11.4g (%zu)", median_of(f), f->runs.n);
            }
            double o = ours ? bench_results_median(r, sc, ours, metrics[m]) : NAN;
            for (size_t i = 0; ours != NULL && i < nsys; i++) {
                if (systems[i] == ours)
                    continue;
                double t = bench_results_median(r, sc, systems[i], metrics[m]);
                int w = (int)(strlen(ours) + strlen(systems[i]) + 1);
                double ratio = bench_ratio(o, t);
                if (isnan(ratio))
                    fprintf(out, "  %*s", w, "-"); /* a figure one of them lacks */
                else
                    fprintf(out, "  %*.2f", w, ratio);
            }
            fputc('\n', out);
        }
    }
}
