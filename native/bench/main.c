/*
 * main.c: rtm-bench, the benchmark of rtm (rtmd on its in-memory store, and
 * on its SQLite store as rtm-sqlite) against mosquitto, NATS and a raw TCP
 * relay on this machine (docs/BENCHMARKS.md).
 *
 *   rtm-bench [--size tiny|quick|full] [--runs N] [--scenarios A,B,...]
 *             [--systems A,B,...] [--idle-clients N] [--build-dir DIR]
 *             [--source-dir DIR] [--out FILE]
 *
 * Each scenario runs `runs` times on each system, the systems alternating
 * (and their order rotating from run to run) so that a noisy machine
 * weighs on all alike; each figure is the median of its runs. Prints a
 * table with rtm's ratio to each system and writes the figures as JSON.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "bench.h"
#include "proc.h"
#include "results.h"
#include "scenarios.h"

static const bench_driver *const drivers[] = {
    &bench_driver_rtm,
    &bench_driver_rtm_sqlite,
    &bench_driver_rtm_cluster,
    &bench_driver_mosquitto0,
    &bench_driver_mosquitto1,
    &bench_driver_nats,
    &bench_driver_relay,
};
enum { NDRIVERS = sizeof(drivers) / sizeof(drivers[0]) };

static const char *const scenario_names[] = {
    "p2p-latency", "p2p-throughput", "fanout", "idle", "reconnect-storm", "java-events",
};
enum { NSCENARIOS = sizeof(scenario_names) / sizeof(scenario_names[0]) };

static const bench_size sizes[] = {
    /* name  runs  lat    tput    win   fan  msgs win  idle   s  storm down java threads */
    {"tiny",  1,   200,   2000,   100,  10,  20,  4,   20,    1, 10,   5000, 2000,   2},
    {"quick", 3,   5000,  50000,  1000, 200, 100, 8,   10000, 3, 500,  5000, 50000,  2},
    {"full",  5,   20000, 200000, 1000, 1000, 200, 8,  10000, 10, 5000, 5000, 200000, 2},
};

const bench_size *bench_size_named(const char *name)
{
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
        if (strcmp(sizes[i].name, name) == 0)
            return &sizes[i];
    return NULL;
}

static const bench_driver *driver_named(const char *name)
{
    for (int i = 0; i < NDRIVERS; i++)
        if (strcmp(drivers[i]->name, name) == 0)
            return drivers[i];
    return NULL;
}

/* Whether `name` is in the comma-separated `list` (NULL: everything). */
static bool listed(const char *list, const char *name)
{
    if (list == NULL)
        return true;
    size_t n = strlen(name);
    for (const char *p = list; *p;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == n && strncmp(p, name, n) == 0)
            return true;
        p += len + (end != NULL);
    }
    return false;
}

/* Checks that every name in `list` is one of names[0..n-1]. */
static bool known(const char *list, const char *const *names, int n, const char *what)
{
    if (list == NULL)
        return true;
    char *copy = strdup(list);
    bool ok = copy != NULL;
    for (char *save = NULL, *t = copy ? strtok_r(copy, ",", &save) : NULL; t;
         t = strtok_r(NULL, ",", &save)) {
        bool found = strcmp(what, "scenario") == 0 && strcmp(t, "login-storm") == 0;
        for (int i = 0; i < n && !found; i++)
            found = strcmp(names[i], t) == 0;
        if (!found) {
            fprintf(stderr, "rtm-bench: unknown %s '%s'\n", what, t);
            ok = false;
        }
    }
    free(copy);
    return ok;
}

/* The systems a scenario compares. QoS 1 changes nothing for idle
 * connections, so mosquitto-qos1 is not idle-tested twice; rtm-cluster's
 * idle links are those of rtm on two processes (and idle counts one). */
static bool runs_on(const char *scenario, const bench_driver *d)
{
    if (strcmp(scenario, "idle") == 0)
        return strcmp(d->name, "mosquitto-qos1") != 0 && strcmp(d->name, "rtm-cluster") != 0;
    return true;
}

static int run_one(const char *scenario, const bench_driver *d, const bench_env *env,
                   const bench_size *size, bench_results *r)
{
    if (strcmp(scenario, "p2p-latency") == 0)
        return bench_p2p_latency(d, env, size, r);
    if (strcmp(scenario, "p2p-throughput") == 0)
        return bench_p2p_throughput(d, env, size, r);
    if (strcmp(scenario, "fanout") == 0)
        return bench_fanout(d, env, size, r);
    return bench_idle(d, env, size, r);
}

/*
 * java-events: java/bench/run.sh (make bench-java), which alternates a C
 * callback and a Java listener receiving the same flood of peer messages,
 * `runs` times. Its per-run lines are
 *   "RUN  C|Java  FLOOD_EVENTS_PER_S  PACED_MEDIAN_US  PACED_P99_US".
 */
static int java_events(const bench_env *env, const char *source_dir,
                       const bench_size *size, bench_results *r)
{
    char jar[600];
    snprintf(jar, sizeof(jar), "%s/java/libs/agora-rtm-sdk.jar", env->build_dir);
    if (access(jar, R_OK) != 0) {
        fprintf(stderr, "rtm-bench: java-events: no %s (built with RTM_BUILD_JNI=OFF?)\n", jar);
        return -1;
    }
    char cmd[2048];
    snprintf(cmd, sizeof(cmd),
             "sh '%s/java/bench/run.sh' '%s' --runs %d --count %d --paced %d 2>&1",
             source_dir, env->build_dir, size->runs * 2 + 1, size->java_events,
             size->java_events / 25 < 100 ? 100 : size->java_events / 25);
    FILE *p = popen(cmd, "r");
    if (p == NULL)
        return -1;
    char line[512];
    int got = 0;
    while (fgets(line, sizeof(line), p) != NULL) {
        int run;
        char who[8];
        double rate, med, p99;
        if (sscanf(line, "%d %7s %lf %lf %lf", &run, who, &rate, &med, &p99) == 5 &&
            (strcmp(who, "C") == 0 || strcmp(who, "Java") == 0)) {
            const char *sys = who[0] == 'C' ? "rtm-c" : "rtm-java";
            bench_results_add(r, "java-events", sys, "events_per_s", rate);
            bench_results_add(r, "java-events", sys, "p50_us", med);
            bench_results_add(r, "java-events", sys, "p99_us", p99);
            got++;
        }
    }
    int status = pclose(p);
    if (status != 0 || got == 0) {
        fprintf(stderr, "rtm-bench: java-events: %s failed (%d runs read)\n", cmd, got);
        return -1;
    }
    return 0;
}

/* The tables native/bench/plot.gp draws, in the directory of `json`. */
static int write_plot_tables(const bench_results *r, const char *json)
{
    static const char *const latency[] = {"p50_us", "p99_us", "p999_us"};
    static const char *const throughput[] = {"msgs_per_s", "msgs_per_s_4k"};
    static const char *const fanout[] = {"deliveries_per_s", "p99_us"};
    const struct {
        const char *scenario, *file;
        const char *const *metrics;
        size_t n;
    } tables[] = {
        {"p2p-latency", "latency.dat", latency, 3},
        {"p2p-throughput", "throughput.dat", throughput, 2},
        {"fanout", "fanout.dat", fanout, 2},
    };
    char dir[600];
    snprintf(dir, sizeof(dir), "%s", json);
    char *slash = strrchr(dir, '/');
    if (slash != NULL)
        *slash = '\0';
    else
        snprintf(dir, sizeof(dir), ".");
    for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
        char path[700];
        snprintf(path, sizeof(path), "%s/%s", dir, tables[i].file);
        if (bench_results_write_table(r, tables[i].scenario, tables[i].metrics, tables[i].n,
                                      path) != 0)
            return -1;
    }
    return 0;
}

/* mkdir -p for a path of a few levels. */
static int make_dirs(const char *path)
{
    char buf[600];
    snprintf(buf, sizeof(buf), "%s", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0755) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    return mkdir(buf, 0755) != 0 && errno != EEXIST ? -1 : 0;
}

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: rtm-bench [OPTION]...\n"
            "Benchmarks rtm against mosquitto, NATS and a raw TCP relay on loopback.\n\n"
            "  --size NAME          tiny, quick (default) or full: how much work\n"
            "  --runs N             runs of each scenario and system (default: the size's)\n"
            "  --scenarios LIST     comma-separated, default all: p2p-latency,\n"
            "                       p2p-throughput, fanout, idle (with login-storm),\n"
            "                       reconnect-storm, java-events\n"
            "  --systems LIST       comma-separated, default all: rtm (rtmd's in-memory\n"
            "                       store), rtm-sqlite (its SQLite store, --fsync\n"
            "                       normal), rtm-cluster (two rtmd nodes on one Redis),\n"
            "                       mosquitto, mosquitto-qos1, nats, raw-relay\n"
            "                       (reconnect-storm and java-events: rtm only; idle:\n"
            "                       not rtm-cluster)\n"
            "  --idle-clients N     clients of idle and login-storm (default: the size's;\n"
            "                       above 15000, several server and client processes)\n"
            "  --heartbeat-s N      every system's clients heartbeat every N s when idle\n"
            "                       (default: 5, mosquitto's least, when mosquitto is in\n"
            "                       the run, else 1, rtm's default)\n"
            "  --profile DIR        record each run of an rtm system with perf record -g\n"
            "                       (its server and rtm-bench's clients) into DIR\n"
            "  --build-dir DIR      the build (default: the one rtm-bench is in)\n"
            "  --source-dir DIR     the sources, for java-events (default: %s)\n"
            "  --out FILE           the JSON figures (default BUILD/bench/results.json)\n"
            "  --help               print this help and exit\n",
            RTM_SOURCE_DIR);
}

/* The build directory rtm-bench is in: BUILD/native/bench/rtm-bench. */
static char *own_build_dir(void)
{
    char self[512];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n <= 0)
        return NULL;
    self[n] = '\0';
    for (int i = 0; i < 3; i++) {
        char *slash = strrchr(self, '/');
        if (slash == NULL)
            return NULL;
        *slash = '\0';
    }
    return strdup(self);
}

static int parse_int(const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

/* The options with an integer value, 1..max. */
struct int_option {
    const char *name;
    long max;
    long *value;
};

static const struct int_option *int_option(const struct int_option *o, size_t n,
                                           const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(o[i].name, name) == 0)
            return &o[i];
    return NULL;
}

int main(int argc, char **argv)
{
    char *own = own_build_dir();
    bench_env env = {.build_dir = own, .heartbeat_s = 1};
    if (argc == 11 && strcmp(argv[1], "idle-worker") == 0) {
        long port, first, count, threads, sources, heartbeat;
        const bench_driver *d = driver_named(argv[2]);
        if (d == NULL || parse_int(argv[3], 1, 65535, &port) ||
            parse_int(argv[4], 0, 10000000, &first) || parse_int(argv[5], 1, 1000000, &count) ||
            parse_int(argv[6], 1, 64, &threads) || parse_int(argv[7], 1, 250, &sources) ||
            parse_int(argv[8], 1, 600, &heartbeat)) {
            fprintf(stderr, "rtm-bench idle-worker: bad arguments\n");
            free(own);
            return 2;
        }
        env.heartbeat_s = (int)heartbeat;
        env.build_dir = argv[9];
        env.work_dir = argv[10];
        int rc = bench_idle_worker(d, &env, (int)port, first, count, (int)threads,
                                   (int)sources);
        free(own);
        return rc;
    }
    const char *size_name = "quick", *scenarios = NULL, *systems = NULL, *out = NULL;
    const char *source_dir = RTM_SOURCE_DIR;
    long runs = 0, idle_clients = 0, heartbeat = 0; /* 0: as the systems allow */
    const struct int_option ints[] = {
        {"--runs", 1000, &runs},
        {"--heartbeat-s", 600, &heartbeat},
        {"--idle-clients", 1000000, &idle_clients},
    };
    enum { NINTS = sizeof(ints) / sizeof(ints[0]) };
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0) {
            usage(stdout);
            free(own);
            return 0;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "rtm-bench: %s needs a value (--help)\n", a);
            free(own);
            return 2;
        }
        const char *v = argv[++i];
        const struct int_option *o;
        if (strcmp(a, "--size") == 0) {
            size_name = v;
        } else if ((o = int_option(ints, NINTS, a)) != NULL) {
            if (parse_int(v, 1, o->max, o->value) != 0) {
                fprintf(stderr, "rtm-bench: %s: 1..%ld, not '%s'\n", a, o->max, v);
                free(own);
                return 2;
            }
        } else if (strcmp(a, "--scenarios") == 0) {
            scenarios = v;
        } else if (strcmp(a, "--systems") == 0) {
            systems = v;
        } else if (strcmp(a, "--build-dir") == 0) {
            env.build_dir = v;
        } else if (strcmp(a, "--source-dir") == 0) {
            source_dir = v;
        } else if (strcmp(a, "--out") == 0) {
            out = v;
        } else if (strcmp(a, "--profile") == 0) {
            env.profile_dir = v;
        } else {
            fprintf(stderr, "rtm-bench: unknown option '%s' (--help)\n", a);
            free(own);
            return 2;
        }
    }
    const bench_size *base = bench_size_named(size_name);
    const char *system_names[NDRIVERS];
    for (int i = 0; i < NDRIVERS; i++)
        system_names[i] = drivers[i]->name;
    if (base == NULL)
        fprintf(stderr, "rtm-bench: --size: tiny, quick or full, not '%s'\n", size_name);
    if (base == NULL || env.build_dir == NULL ||
        !known(scenarios, scenario_names, NSCENARIOS, "scenario") ||
        !known(systems, system_names, NDRIVERS, "system")) {
        free(own);
        return 2;
    }
    /* One heartbeat period for every system: mosquitto's least (5 s) when
     * it is in the run, else rtm's default (1 s). */
    bool mosquitto = listed(systems, "mosquitto") || listed(systems, "mosquitto-qos1");
    if (heartbeat == 0)
        heartbeat = mosquitto ? 5 : 1;
    else if (mosquitto && heartbeat < 5)
        fprintf(stderr, "rtm-bench: --heartbeat-s %ld: mosquitto's clients heartbeat every 5 s "
                        "at least, the others every %ld s\n", heartbeat, heartbeat);
    env.heartbeat_s = (int)heartbeat;
    if (env.profile_dir != NULL && make_dirs(env.profile_dir) != 0) {
        fprintf(stderr, "rtm-bench: --profile %s: %s\n", env.profile_dir, strerror(errno));
        free(own);
        return 2;
    }
    bench_size size = *base;
    if (runs > 0)
        size.runs = (int)runs;
    if (idle_clients > 0)
        size.idle_clients = (int)idle_clients;

    char work[600], json[600];
    snprintf(work, sizeof(work), "%s/bench/run", env.build_dir);
    snprintf(json, sizeof(json), "%s/bench/results.json", env.build_dir);
    if (out == NULL)
        out = json;
    char out_dir[600];
    snprintf(out_dir, sizeof(out_dir), "%s", out);
    char *slash = strrchr(out_dir, '/');
    if (slash != NULL)
        *slash = '\0';
    const char *dirs[] = {work, slash != NULL && slash != out_dir ? out_dir : NULL};
    for (size_t i = 0; i < 2; i++) {
        if (dirs[i] != NULL && make_dirs(dirs[i]) != 0) {
            fprintf(stderr, "rtm-bench: %s: %s\n", dirs[i], strerror(errno));
            free(own);
            return 1;
        }
    }
    env.work_dir = work;
    long nofile = bench_raise_nofile();
    struct utsname u;
    uname(&u);
    printf("rtm-bench: size %s, %d runs, heartbeats every %d s, %ld CPUs, %s %s, "
           "open files %ld\n", size.name, size.runs, env.heartbeat_s,
           sysconf(_SC_NPROCESSORS_ONLN), u.sysname, u.release, nofile);
    fflush(stdout);

    bench_results *r = bench_results_new();
    int failures = 0;
    for (int run = 0; run < size.runs; run++) {
        for (int s = 0; s < NSCENARIOS; s++) {
            const char *sc = scenario_names[s];
            bool wanted = listed(scenarios, sc) ||
                          (strcmp(sc, "idle") == 0 && listed(scenarios, "login-storm"));
            if (!wanted || strcmp(sc, "java-events") == 0)
                continue;
            if (strcmp(sc, "reconnect-storm") == 0) {
                if (listed(systems, "rtm")) {
                    printf("run %d/%d: %s rtm\n", run + 1, size.runs, sc);
                    fflush(stdout);
                    failures += bench_reconnect_storm(&env, &size, r) != 0;
                }
                continue;
            }
            for (int k = 0; k < NDRIVERS; k++) {
                /* Rotate the order from run to run. */
                const bench_driver *d = drivers[(k + run) % NDRIVERS];
                if (!listed(systems, d->name) || !runs_on(sc, d))
                    continue;
                printf("run %d/%d: %s %s\n", run + 1, size.runs, sc, d->name);
                fflush(stdout);
                env.scenario = sc;
                failures += run_one(sc, d, &env, &size, r) != 0;
            }
        }
    }
    if (listed(scenarios, "java-events") && listed(systems, "rtm")) {
        printf("java-events: rtm-c and rtm-java (java/bench/run.sh)\n");
        fflush(stdout);
        failures += java_events(&env, source_dir, &size, r) != 0;
    }
    bench_results_print(r, stdout);
    if (bench_results_write_json(r, out) == 0 && write_plot_tables(r, out) == 0)
        printf("\nwritten: %s and the plot's tables beside it\n", out);
    else
        failures++;
    if (failures > 0)
        fprintf(stderr, "rtm-bench: %d runs failed\n", failures);
    bench_results_free(r);
    free(own);
    return failures > 0 ? 1 : 0;
}
