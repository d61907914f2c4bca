/* config.c: rtmd's command line. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "frame.h"
#include "ids.h"

#ifndef RTMD_VERSION
#define RTMD_VERSION "0.0.0"
#endif

uint32_t rtmd_config_links_budget(void)
{
    struct rlimit rl;
    uint64_t n = 1024;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
        n = rl.rlim_cur == RLIM_INFINITY ? 1u << 20 : rl.rlim_cur;
    uint64_t kept = RTMD_FD_RESERVE + RTMD_ADMIN_MAX_CONNS;
    n = n > kept ? n - kept : 1;
    return n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
}

uint32_t rtmd_config_fit(rtmd_config *cfg)
{
    uint32_t asked = cfg->max_conns, budget = rtmd_config_links_budget();
    if (asked > budget)
        cfg->max_conns = budget;
    return asked;
}

static void rtmd__usage(FILE *f)
{
    fprintf(f,
        "Usage: rtmd [OPTION]...\n"
        "The rtm messaging server.\n"
        "\n"
        "  --listen HOST:PORT        address to listen on (default %s;\n"
        "                            port 0 picks a free port)\n"
        "  --app-id ID               accept this app id (repeatable); without it\n"
        "                            any app id is accepted (development mode)\n"
        "  --app-cert CERT           the certificate of the --app-id just before it:\n"
        "                            logins to that app need a valid token (007 or\n"
        "                            006); an app without one is app-id-only\n"
        "  --token-warn-s N          send TokenWillExpire N s before a session's\n"
        "                            token expires (default %u)\n"
        "  --token-expiry-policy P   continue (default) or abort: what happens to a\n"
        "                            connected session whose token expires\n"
        "  --heartbeat-ms N          send a Ping after N ms without sending (default %u)\n"
        "  --idle-timeout-ms N       close a link silent for N ms (default: 3 x the\n"
        "                            client's heartbeat, at least %u)\n"
        "  --login-deadline-ms N     close a link not logged in N ms after connecting\n"
        "                            (default %u)\n"
        "  --max-frame BYTES         largest frame payload accepted (default %u)\n"
        "  --max-unacked N           unacknowledged peer messages kept per session\n"
        "                            (default %u)\n"
        "  --max-output BYTES        output queued to one link before it is dropped\n"
        "                            (default %u)\n"
        "  --session-grace-ms N      keep the session of a lost link N ms for its\n"
        "                            return (default %u; 0: end it at once)\n"
        "  --unreachable-ms N        such a session is ONLINE to its subscribers until\n"
        "                            N ms after the last data of its link, then\n"
        "                            UNREACHABLE (default %u)\n"
        "  --replay-window-ms N      on a resume, re-deliver the channel messages of\n"
        "                            the last N ms (default %u)\n"
        "  --replay-max N            ... at most the latest N per channel (default %u)\n"
        "  --offline-max N           offline peer messages kept per receiver, the\n"
        "                            newest replacing the oldest (default %u; 0: no\n"
        "                            offline messages, they are PEER_UNREACHABLE)\n"
        "  --offline-ttl-s N         ... kept N seconds (default %u)\n"
        "  --offline-max-bytes BYTES ... and BYTES of memory in all, over which they\n"
        "                            are refused (default %u)\n"
        "  --unacked-max-bytes BYTES deliveries not acknowledged, BYTES of memory in\n"
        "                            all, over which peer messages to online users are\n"
        "                            refused (default %u)\n"
        "  --history-max-bytes BYTES channel history, BYTES of memory in all, over which\n"
        "                            channel messages are not kept for replay (default\n"
        "                            %u)\n"
        "  --channel-attrs-max-bytes BYTES\n"
        "                            channel attributes, BYTES of memory per app, over\n"
        "                            which they are SIZE_OVERFLOW (default %u)\n"
        "  --media-ttl-s N           a stored media (file or image) is kept N seconds\n"
        "                            (default %u: 7 days, SPEC M2)\n"
        "  --media-max-bytes BYTES   all stored media together, over which uploads\n"
        "                            fail (default %llu)\n"
        "  --media-dir DIR           where the bytes of stored media are (default:\n"
        "                            DATA_DIR/media, or PATH.media with sqlite:PATH);\n"
        "                            nodes sharing a Redis may share it (one\n"
        "                            filesystem) so any node serves any media\n"
        "  --media-idle-ms N         a transfer with no data moving for N ms ends\n"
        "                            with TIMEOUT (default %u, SPEC M5)\n"
        "  --max-conns N             links held at once, in all (default: the\n"
        "                            open-file limit less %u, now %u; never more)\n"
        "  --max-conns-per-ip N      links held at once from one source address\n"
        "                            (default %u; 0: no limit)\n"
        "  --rate NAME=COUNT/SECONDS at most COUNT requests per SECONDS (a burst of\n"
        "                            COUNT, then evenly) per user; COUNT 0: no\n"
        "                            limit. Names and defaults: login=10/5,\n"
        "                            login-per-address=1000/10 (per source\n"
        "                            address), renew-token=2/1, join=50/3,\n"
        "                            join-same-channel=2/5, leave=50/3,\n"
        "                            messages=1500/3, get-members=50/5,\n"
        "                            member-count=50/5, attribute-writes=100/5,\n"
        "                            attribute-reads=400/5, query-peers=100/5,\n"
        "                            subscriptions=100/5\n"
        "  --config FILE             read options from FILE: one 'name value' per\n"
        "                            line (the option without its --), # comments;\n"
        "                            later options override earlier ones\n"
        "  --admin-listen HOST:PORT  address of the HTTP admin API (default %s;\n"
        "                            port 0 picks a free port)\n"
        "  --admin-timeout-ms N      an admin request is to be whole N ms after its\n"
        "                            connection, or it is closed (default %u)\n"
        "  --admin-secret-file FILE  the admin API's bearer secret: the first line\n"
        "                            of FILE, at least %u characters; without it\n"
        "                            the admin API is off\n"
        "  --store KIND              where sessions, queued messages, attributes and\n"
        "                            bans are kept: sqlite (the default: a database\n"
        "                            in --data-dir, surviving restarts and crashes),\n"
        "                            sqlite:PATH (that database file), mem (memory\n"
        "                            only: nothing survives rtmd), or a Redis that\n"
        "                            several rtmd may share: redis://HOST:PORT[/DB]\n"
        "                            or redis+unix://PATH[?db=N]\n"
        "  --redis-timeout-ms N      with a Redis store: an operation not answered in\n"
        "                            N ms fails (default %u)\n"
        "  --redis-wait-ms N         with a Redis store: a start waits up to N ms for\n"
        "                            it, then fails (default %u)\n"
        "  --node-id NAME            with a Redis store: this node's name among those\n"
        "                            sharing it (default: kept in DATA_DIR/node-id,\n"
        "                            made at the first start)\n"
        "  --node-timeout-ms N       with a Redis store: a node silent this long is\n"
        "                            dead, its sessions then kept their grace by the\n"
        "                            others (default %u)\n"
        "  --data-dir DIR            the data directory (default: $STATE_DIRECTORY\n"
        "                            when set, else %s); created if missing\n"
        "  --fsync MODE              full (default): a commit survives a power loss;\n"
        "                            normal: it survives a crash of rtmd, not of the\n"
        "                            machine, and costs less\n"
        "  --engine-delay-us N       for tests: complete each engine operation N us\n"
        "                            after it was submitted, in order, as an engine\n"
        "                            over the network would (default 0: at once)\n"
        "  --check-data DIR|FILE     check a data directory (or database file)\n"
        "                            offline and exit: 0 when sound, 1 when not\n"
        "  --ready-file PATH         once listening, write HOST:PORT to PATH\n"
        "  --log-level LEVEL         debug, info, warn or error (default info)\n"
        "  --tls-cert FILE           serve TLS 1.2/1.3 with this PEM certificate chain\n"
        "  --tls-key FILE            ... and this PEM private key (both or neither)\n"
        "  --tls-listen HOST:PORT    serve TLS here and keep --listen plain (default:\n"
        "                            --listen itself is TLS when a certificate is given)\n"
        "  --help                    print this help and exit\n"
        "  --version                 print the version and exit\n",
        RTMD_DEFAULT_LISTEN, RTMD_DEFAULT_TOKEN_WARN_S, RTMD_DEFAULT_HEARTBEAT_MS, RTMD_IDLE_TIMEOUT_MIN_MS,
        RTMD_DEFAULT_LOGIN_DEADLINE_MS, (unsigned)RTM__FRAME_MAX_DEFAULT,
        RTMD_DEFAULT_MAX_UNACKED, RTMD_DEFAULT_MAX_OUTPUT, RTMD_DEFAULT_SESSION_GRACE_MS,
        RTMD_DEFAULT_UNREACHABLE_MS, RTMD_DEFAULT_REPLAY_WINDOW_MS, RTMD_DEFAULT_REPLAY_MAX, RTMD_DEFAULT_OFFLINE_MAX,
        RTMD_DEFAULT_OFFLINE_TTL_S, RTMD_DEFAULT_OFFLINE_MAX_BYTES,
        RTMD_DEFAULT_UNACKED_MAX_BYTES, RTMD_DEFAULT_HISTORY_MAX_BYTES,
        RTMD_DEFAULT_CHATTRS_MAX_BYTES, RTMD_DEFAULT_MEDIA_TTL_S,
        (unsigned long long)RTMD_DEFAULT_MEDIA_MAX_BYTES, RTM__MEDIA_IDLE_MS,
        RTMD_FD_RESERVE + RTMD_ADMIN_MAX_CONNS,
        rtmd_config_links_budget(), RTMD_DEFAULT_MAX_CONNS_PER_IP, RTMD_DEFAULT_ADMIN_LISTEN,
        RTMD_DEFAULT_ADMIN_TIMEOUT_MS, RTMD_ADMIN_SECRET_MIN, RTMD_DEFAULT_REDIS_TIMEOUT_MS,
        RTMD_DEFAULT_REDIS_WAIT_MS, RTMD_DEFAULT_NODE_TIMEOUT_MS, RTMD_DEFAULT_DATA_DIR);
}

/* A database number of Redis's: 0-9999 (Redis's own bound is its
 * `databases` setting; a SELECT beyond it fails at the start). */
static int rtmd__parse_db(const char *s, uint32_t *db)
{
    char *end = NULL;
    unsigned long v = strtoul(s, &end, 10);
    if (!*s || *end || s[0] == '-' || s[0] == '+' || v > 9999)
        return -1;
    *db = (uint32_t)v;
    return 0;
}

bool rtmd_node_id_valid(const char *id)
{
    size_t n = id ? strlen(id) : 0;
    if (n == 0 || n > RTMD_NODE_ID_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = id[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            return false;
    }
    return true;
}

int rtmd_redis_url_parse(const char *url, char *address, size_t size, uint32_t *db)
{
    *db = 0;
    if (strncmp(url, "redis+unix://", 13) == 0) {
        const char *path = url + 13, *q = strchr(path, '?');
        size_t n = q ? (size_t)(q - path) : strlen(path);
        if (n == 0 || path[0] != '/' || (q && (strncmp(q, "?db=", 4) != 0 ||
                                               rtmd__parse_db(q + 4, db) != 0)))
            return -1;
        int w = snprintf(address, size, "unix:%.*s", (int)n, path);
        return w > 0 && (size_t)w < size ? 0 : -1;
    }
    if (strncmp(url, "redis://", 8) != 0)
        return -1;
    const char *host = url + 8, *slash = strchr(host, '/');
    size_t n = slash ? (size_t)(slash - host) : strlen(host);
    if (slash && rtmd__parse_db(slash + 1, db) != 0)
        return -1;
    /* HOST:PORT, the port 1-65535. */
    const char *colon = memchr(host, ':', n);
    if (!colon || colon == host)
        return -1;
    char port[8];
    size_t pn = n - (size_t)(colon + 1 - host);
    if (pn == 0 || pn >= sizeof port)
        return -1;
    memcpy(port, colon + 1, pn);
    port[pn] = '\0';
    char *end = NULL;
    long p = strtol(port, &end, 10);
    if (*end || p <= 0 || p > 65535)
        return -1;
    int w = snprintf(address, size, "%.*s", (int)n, host);
    return w > 0 && (size_t)w < size ? 0 : -1;
}

static int rtmd__parse_u32(const char *name, const char *s, uint32_t min, uint32_t max,
                           uint32_t *out, FILE *err)
{
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (s[0] < '0' || s[0] > '9' || *end != '\0' || errno != 0 || v < min || v > max) {
        fprintf(err, "rtmd: %s: expected an integer from %u to %u, got '%s'\n",
                name, (unsigned)min, (unsigned)max, s);
        return -1;
    }
    *out = (uint32_t)v;
    return 0;
}

/* A memory bound: BYTES from min to 4 GiB - 1. */
static int rtmd__parse_bytes(const char *name, const char *s, uint32_t min, uint64_t *out,
                             FILE *err)
{
    uint32_t v = 0;
    if (rtmd__parse_u32(name, s, min, UINT32_MAX, &v, err) != 0)
        return -1;
    *out = v;
    return 0;
}

/* Whether the listen address has the HOST:PORT shape (the address itself
 * is checked when binding). */
static int rtmd__listen_ok(const char *s)
{
    const char *colon = strrchr(s, ':');
    if (!colon || colon == s || colon[1] == '\0')
        return 0;
    for (const char *p = colon + 1; *p; p++)
        if (*p < '0' || *p > '9')
            return 0;
    return strtoul(colon + 1, NULL, 10) <= 65535;
}

enum { OPT_LISTEN, OPT_APP_ID, OPT_APP_CERT, OPT_TOKEN_WARN, OPT_TOKEN_POLICY,
       OPT_HEARTBEAT, OPT_IDLE, OPT_DEADLINE, OPT_MAX_FRAME,
       OPT_MAX_UNACKED, OPT_MAX_OUTPUT, OPT_GRACE, OPT_UNREACHABLE, OPT_REPLAY_WINDOW, OPT_REPLAY_MAX,
       OPT_OFFLINE_MAX, OPT_OFFLINE_TTL, OPT_OFFLINE_BYTES, OPT_UNACKED_BYTES,
       OPT_HISTORY_BYTES, OPT_CHATTRS_BYTES, OPT_MEDIA_TTL, OPT_MEDIA_BYTES, OPT_MEDIA_IDLE,
       OPT_MAX_CONNS, OPT_MAX_CONNS_PER_IP, OPT_RATE, OPT_CONFIG,
       OPT_ADMIN_LISTEN, OPT_ADMIN_TIMEOUT, OPT_ADMIN_SECRET_FILE,
       OPT_STORE, OPT_DATA_DIR, OPT_FSYNC, OPT_ENGINE_DELAY, OPT_CHECK_DATA,
       OPT_REDIS_TIMEOUT, OPT_REDIS_WAIT, OPT_NODE_ID, OPT_NODE_TIMEOUT, OPT_MEDIA_DIR,
       OPT_READY, OPT_LOG_LEVEL, OPT_HELP, OPT_VERSION };

static const struct {
    const char *name;
    int takes_value;
} rtmd__opts[] = {
    [OPT_LISTEN] = { "--listen", 1 },
    [OPT_APP_ID] = { "--app-id", 1 },
    [OPT_APP_CERT] = { "--app-cert", 1 },
    [OPT_TOKEN_WARN] = { "--token-warn-s", 1 },
    [OPT_TOKEN_POLICY] = { "--token-expiry-policy", 1 },
    [OPT_HEARTBEAT] = { "--heartbeat-ms", 1 },
    [OPT_IDLE] = { "--idle-timeout-ms", 1 },
    [OPT_DEADLINE] = { "--login-deadline-ms", 1 },
    [OPT_MAX_FRAME] = { "--max-frame", 1 },
    [OPT_MAX_UNACKED] = { "--max-unacked", 1 },
    [OPT_MAX_OUTPUT] = { "--max-output", 1 },
    [OPT_GRACE] = { "--session-grace-ms", 1 },
    [OPT_UNREACHABLE] = { "--unreachable-ms", 1 },
    [OPT_REPLAY_WINDOW] = { "--replay-window-ms", 1 },
    [OPT_REPLAY_MAX] = { "--replay-max", 1 },
    [OPT_OFFLINE_MAX] = { "--offline-max", 1 },
    [OPT_OFFLINE_TTL] = { "--offline-ttl-s", 1 },
    [OPT_OFFLINE_BYTES] = { "--offline-max-bytes", 1 },
    [OPT_UNACKED_BYTES] = { "--unacked-max-bytes", 1 },
    [OPT_HISTORY_BYTES] = { "--history-max-bytes", 1 },
    [OPT_CHATTRS_BYTES] = { "--channel-attrs-max-bytes", 1 },
    [OPT_MEDIA_TTL] = { "--media-ttl-s", 1 },
    [OPT_MEDIA_BYTES] = { "--media-max-bytes", 1 },
    [OPT_MEDIA_IDLE] = { "--media-idle-ms", 1 },
    [OPT_MAX_CONNS] = { "--max-conns", 1 },
    [OPT_MAX_CONNS_PER_IP] = { "--max-conns-per-ip", 1 },
    [OPT_RATE] = { "--rate", 1 },
    [OPT_CONFIG] = { "--config", 1 },
    [OPT_ADMIN_LISTEN] = { "--admin-listen", 1 },
    [OPT_ADMIN_TIMEOUT] = { "--admin-timeout-ms", 1 },
    [OPT_ADMIN_SECRET_FILE] = { "--admin-secret-file", 1 },
    [OPT_STORE] = { "--store", 1 },
    [OPT_DATA_DIR] = { "--data-dir", 1 },
    [OPT_FSYNC] = { "--fsync", 1 },
    [OPT_ENGINE_DELAY] = { "--engine-delay-us", 1 },
    [OPT_CHECK_DATA] = { "--check-data", 1 },
    [OPT_REDIS_TIMEOUT] = { "--redis-timeout-ms", 1 },
    [OPT_REDIS_WAIT] = { "--redis-wait-ms", 1 },
    [OPT_NODE_ID] = { "--node-id", 1 },
    [OPT_NODE_TIMEOUT] = { "--node-timeout-ms", 1 },
    [OPT_MEDIA_DIR] = { "--media-dir", 1 },
    [OPT_READY] = { "--ready-file", 1 },
    [OPT_LOG_LEVEL] = { "--log-level", 1 },
    [OPT_HELP] = { "--help", 0 },
    [OPT_VERSION] = { "--version", 0 },
};
#define RTMD__NOPTS (sizeof rtmd__opts / sizeof rtmd__opts[0])

/* ---- TLS flags (docs/TLS.md) ---- */

static const char *const rtmd__tls_opts[] = { "--tls-cert", "--tls-key", "--tls-listen" };

/* Handles argv[*i] when it is a TLS flag: 1 taken, 0 not a TLS flag, -1 bad
 * (a message was printed). */
static int rtmd__parse_tls_flag(rtmd_config *cfg, int argc, char **argv, int *i, FILE *err)
{
    const char *arg = argv[*i];
    for (size_t k = 0; k < sizeof rtmd__tls_opts / sizeof rtmd__tls_opts[0]; k++) {
        size_t n = strlen(rtmd__tls_opts[k]);
        if (strncmp(arg, rtmd__tls_opts[k], n) != 0 || (arg[n] != '\0' && arg[n] != '='))
            continue;
        const char *value = arg[n] == '=' ? arg + n + 1 : NULL;
        if (!value) {
            if (*i + 1 >= argc) {
                fprintf(err, "rtmd: %s needs a value\n", arg);
                return -1;
            }
            value = argv[++*i];
        }
        if (value[0] == '\0') {
            fprintf(err, "rtmd: %s: must not be empty\n", rtmd__tls_opts[k]);
            return -1;
        }
        if (k == 0) {
            cfg->tls_cert = value;
        } else if (k == 1) {
            cfg->tls_key = value;
        } else {
            if (!rtmd__listen_ok(value)) {
                fprintf(err, "rtmd: --tls-listen: expected HOST:PORT, got '%s'\n", value);
                return -1;
            }
            cfg->tls_listen = value;
        }
        return 1;
    }
    return 0;
}

/* The TLS flags together: 0, or -1 (a message was printed). */
static int rtmd__check_tls_flags(const rtmd_config *cfg, FILE *err)
{
    if (!cfg->tls_cert != !cfg->tls_key) {
        fprintf(err, "rtmd: --tls-cert and --tls-key go together\n");
        return -1;
    }
    if (cfg->tls_listen && !cfg->tls_cert) {
        fprintf(err, "rtmd: --tls-listen needs --tls-cert and --tls-key\n");
        return -1;
    }
    return 0;
}

static rtmd_config_status rtmd__fail(rtmd_config *cfg, FILE *err)
{
    fprintf(err, "Try 'rtmd --help'.\n");
    rtmd_config_free(cfg);
    return RTMD_CONFIG_ERROR;
}

static rtmd_config_status rtmd__read_config(rtmd_config *cfg, const char *path, FILE *out,
                                            FILE *err);

/* --rate NAME=COUNT/SECONDS. */
static int rtmd__parse_rate(rtmd_config *cfg, const char *value, FILE *err)
{
    const char *eq = strchr(value, '=');
    char name[32];
    size_t n = eq ? (size_t)(eq - value) : 0;
    rtmd_rate_kind kind = RTMD_RATE_COUNT;
    if (eq && n < sizeof name) {
        memcpy(name, value, n);
        name[n] = '\0';
        kind = rtmd_rate_find(name);
    }
    if (kind == RTMD_RATE_COUNT) {
        fprintf(err, "rtmd: --rate: expected NAME=COUNT/SECONDS with NAME one of");
        for (int k = 0; k < RTMD_RATE_COUNT; k++)
            fprintf(err, "%s %s", k ? "," : "", rtmd_rate_name((rtmd_rate_kind)k));
        fprintf(err, "; got '%s'\n", value);
        return -1;
    }
    /* COUNT: digits. SECONDS: digits, then at most 3 decimals. */
    uint64_t count = 0, ms = 0;
    const char *q = eq + 1;
    int ok = isdigit((unsigned char)*q);
    for (; ok && isdigit((unsigned char)*q); q++)
        ok = (count = count * 10 + (uint64_t)(*q - '0')) <= 1000000u;
    ok = ok && *q == '/' && isdigit((unsigned char)q[1]);
    if (ok) {
        for (q++; ok && isdigit((unsigned char)*q); q++)
            ok = (ms = ms * 10 + (uint64_t)(*q - '0')) <= 86400u;
        ms *= 1000u;
        if (ok && *q == '.' && isdigit((unsigned char)q[1])) {
            static const uint64_t scale[] = { 100, 10, 1 };
            size_t d = 0;
            for (q++; d < 3 && isdigit((unsigned char)*q); q++, d++)
                ms += (uint64_t)(*q - '0') * scale[d];
        }
        ok = ok && *q == '\0' && ms >= 1 && ms <= 86400000u;
    }
    if (!ok) {
        fprintf(err, "rtmd: --rate %s: expected COUNT/SECONDS, COUNT from 0 to 1000000 "
                     "and SECONDS from 0.001 to 86400 (at most 3 decimals); got '%s'\n",
                name, eq + 1);
        return -1;
    }
    cfg->rates[kind].count = (uint32_t)count;
    cfg->rates[kind].period_ms = (uint32_t)ms;
    return 0;
}

/* Parses argv[1..argc-1] into cfg; depth is 1 inside a config file. */
static rtmd_config_status rtmd__parse_args(rtmd_config *cfg, int argc, char **argv,
                                           FILE *out, FILE *err, int depth)
{
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        int tls = rtmd__parse_tls_flag(cfg, argc, argv, &i, err);
        if (tls < 0)
            return RTMD_CONFIG_ERROR;
        if (tls > 0)
            continue;
        const char *value = NULL;
        size_t opt = RTMD__NOPTS;
        for (size_t k = 0; k < RTMD__NOPTS; k++) {
            size_t n = strlen(rtmd__opts[k].name);
            if (strncmp(arg, rtmd__opts[k].name, n) != 0)
                continue;
            if (arg[n] == '\0') {
                opt = k;
            } else if (arg[n] == '=' && rtmd__opts[k].takes_value) {
                opt = k;
                value = arg + n + 1;
            } else {
                continue;
            }
            break;
        }
        if (opt == RTMD__NOPTS) {
            fprintf(err, "rtmd: unknown argument '%s'\n", arg);
            return RTMD_CONFIG_ERROR;
        }
        if (rtmd__opts[opt].takes_value && !value) {
            if (i + 1 >= argc) {
                fprintf(err, "rtmd: %s needs a value\n", arg);
                return RTMD_CONFIG_ERROR;
            }
            value = argv[++i];
        }
        const char *name = rtmd__opts[opt].name;
        int bad = 0;
        switch (opt) {
        case OPT_LISTEN:
        case OPT_ADMIN_LISTEN:
            if (!rtmd__listen_ok(value)) {
                fprintf(err, "rtmd: %s: expected HOST:PORT, got '%s'\n", name, value);
                bad = 1;
            }
            *(opt == OPT_LISTEN ? &cfg->listen : &cfg->admin_listen) = value;
            break;
        case OPT_APP_ID: {
            if (value[0] == '\0') {
                fprintf(err, "rtmd: --app-id: must not be empty\n");
                bad = 1;
                break;
            }
            const char **ids = realloc(cfg->app_ids, (cfg->n_app_ids + 1) * sizeof *ids);
            if (ids)
                cfg->app_ids = ids;
            const char **certs = realloc(cfg->app_certs, (cfg->n_app_ids + 1) * sizeof *certs);
            if (certs)
                cfg->app_certs = certs;
            if (!ids || !certs) {
                fprintf(err, "rtmd: out of memory\n");
                bad = 1;
                break;
            }
            ids[cfg->n_app_ids] = value;
            certs[cfg->n_app_ids] = NULL;
            cfg->n_app_ids++;
            break;
        }
        case OPT_APP_CERT: {
            size_t n = strlen(value);
            int printable = 1;
            for (size_t k = 0; k < n; k++)
                if ((unsigned char)value[k] <= 0x20 || value[k] == 0x7f)
                    printable = 0;
            if (cfg->n_app_ids == 0) {
                fprintf(err, "rtmd: --app-cert: must follow the --app-id it belongs to\n");
                bad = 1;
            } else if (cfg->app_certs[cfg->n_app_ids - 1]) {
                fprintf(err, "rtmd: --app-cert: app id '%s' has a certificate already\n",
                        cfg->app_ids[cfg->n_app_ids - 1]);
                bad = 1;
            } else if (n == 0 || n > RTMD_APP_CERT_MAX || !printable) {
                fprintf(err, "rtmd: --app-cert: expected 1 to %u printable characters "
                             "without spaces\n", RTMD_APP_CERT_MAX);
                bad = 1;
            } else {
                cfg->app_certs[cfg->n_app_ids - 1] = value;
            }
            break;
        }
        case OPT_TOKEN_WARN:
            bad = rtmd__parse_u32(name, value, 0, 86400, &cfg->token_warn_s, err);
            break;
        case OPT_TOKEN_POLICY:
            if (strcmp(value, "continue") == 0) {
                cfg->token_expiry_policy = RTMD_TOKEN_EXPIRY_CONTINUE;
            } else if (strcmp(value, "abort") == 0) {
                cfg->token_expiry_policy = RTMD_TOKEN_EXPIRY_ABORT;
            } else {
                fprintf(err, "rtmd: --token-expiry-policy: expected continue or abort, "
                             "got '%s'\n", value);
                bad = 1;
            }
            break;
        case OPT_HEARTBEAT:
            bad = rtmd__parse_u32(name, value, 10, 3600000, &cfg->heartbeat_ms, err);
            break;
        case OPT_IDLE:
            bad = rtmd__parse_u32(name, value, 10, 86400000, &cfg->idle_timeout_ms, err);
            break;
        case OPT_DEADLINE:
            bad = rtmd__parse_u32(name, value, 10, 3600000, &cfg->login_deadline_ms, err);
            break;
        case OPT_ADMIN_TIMEOUT:
            bad = rtmd__parse_u32(name, value, 10, 3600000, &cfg->admin_timeout_ms, err);
            break;
        case OPT_MAX_FRAME:
            bad = rtmd__parse_u32(name, value, 64, 64u * 1024u * 1024u, &cfg->max_frame, err);
            break;
        case OPT_MAX_UNACKED:
            bad = rtmd__parse_u32(name, value, 1, 1000000, &cfg->max_unacked, err);
            break;
        case OPT_MAX_OUTPUT:
            bad = rtmd__parse_u32(name, value, 1024, 1024u * 1024u * 1024u,
                                  &cfg->max_output, err);
            break;
        case OPT_GRACE:
            bad = rtmd__parse_u32(name, value, 0, 86400000, &cfg->session_grace_ms, err);
            break;
        case OPT_UNREACHABLE:
            bad = rtmd__parse_u32(name, value, 0, 86400000, &cfg->unreachable_ms, err);
            break;
        case OPT_REPLAY_WINDOW:
            bad = rtmd__parse_u32(name, value, 0, 86400000, &cfg->replay_window_ms, err);
            break;
        case OPT_REPLAY_MAX:
            bad = rtmd__parse_u32(name, value, 0, 10000, &cfg->replay_max, err);
            break;
        case OPT_READY:
        case OPT_ADMIN_SECRET_FILE:
            if (value[0] == '\0') {
                fprintf(err, "rtmd: %s: must not be empty\n", name);
                bad = 1;
            }
            *(opt == OPT_READY ? &cfg->ready_file : &cfg->admin_secret_file) = value;
            break;
        case OPT_STORE:
            if (strcmp(value, "mem") == 0) {
                cfg->store = RTMD_STORE_MEM;
                cfg->store_path = NULL;
            } else if (strcmp(value, "sqlite") == 0) {
                cfg->store = RTMD_STORE_SQLITE;
                cfg->store_path = NULL;
            } else if (strncmp(value, "sqlite:", 7) == 0 && value[7] != '\0') {
                cfg->store = RTMD_STORE_SQLITE;
                cfg->store_path = value + 7;
            } else if (strncmp(value, "redis", 5) == 0) {
                char address[512];
                uint32_t db;
                if (rtmd_redis_url_parse(value, address, sizeof address, &db) != 0) {
                    fprintf(err, "rtmd: --store: expected redis://HOST:PORT[/DB] or "
                                 "redis+unix://PATH[?db=N], got '%s'\n", value);
                    bad = 1;
                }
                cfg->store = RTMD_STORE_REDIS;
                cfg->store_path = NULL;
                cfg->redis_url = value;
            } else {
                fprintf(err, "rtmd: --store: expected mem, sqlite, sqlite:PATH, "
                             "redis://HOST:PORT[/DB] or redis+unix://PATH, got '%s'\n", value);
                bad = 1;
            }
            break;
        case OPT_REDIS_TIMEOUT:
            bad = rtmd__parse_u32(name, value, 1, 600000, &cfg->redis_timeout_ms, err);
            break;
        case OPT_REDIS_WAIT:
            bad = rtmd__parse_u32(name, value, 1, 3600000, &cfg->redis_wait_ms, err);
            break;
        case OPT_NODE_TIMEOUT:
            bad = rtmd__parse_u32(name, value, 100, 600000, &cfg->node_timeout_ms, err);
            break;
        case OPT_NODE_ID:
            if (!rtmd_node_id_valid(value)) {
                fprintf(err, "rtmd: --node-id: expected 1-%u of A-Z a-z 0-9 . _ -, got '%s'\n",
                        RTMD_NODE_ID_MAX, value);
                bad = 1;
            }
            cfg->node_id = value;
            break;
        case OPT_DATA_DIR:
        case OPT_CHECK_DATA:
        case OPT_MEDIA_DIR:
            if (value[0] == '\0') {
                fprintf(err, "rtmd: %s: must not be empty\n", name);
                bad = 1;
            }
            *(opt == OPT_DATA_DIR    ? &cfg->data_dir
              : opt == OPT_MEDIA_DIR ? &cfg->media_dir
                                     : &cfg->check_data) = value;
            break;
        case OPT_ENGINE_DELAY:
            bad = rtmd__parse_u32(name, value, 0, 10000000, &cfg->engine_delay_us, err);
            break;
        case OPT_FSYNC:
            if (strcmp(value, "full") == 0) {
                cfg->fsync = RTMD_FSYNC_FULL;
            } else if (strcmp(value, "normal") == 0) {
                cfg->fsync = RTMD_FSYNC_NORMAL;
            } else {
                fprintf(err, "rtmd: --fsync: expected full or normal, got '%s'\n", value);
                bad = 1;
            }
            break;
        case OPT_LOG_LEVEL:
            if (rtmd_log_level_parse(value, &cfg->log_level) != 0) {
                fprintf(err, "rtmd: --log-level: expected debug, info, warn or error, "
                             "got '%s'\n", value);
                bad = 1;
            }
            break;
        case OPT_OFFLINE_MAX:
            bad = rtmd__parse_u32(name, value, 0, 100000, &cfg->offline_max, err);
            break;
        case OPT_OFFLINE_TTL:
            bad = rtmd__parse_u32(name, value, 1, 366u * 86400u, &cfg->offline_ttl_s, err);
            break;
        /* Memory bounds: up to 4 GiB - 1; 0: none kept (but deliveries,
         * which rtmd cannot do without). */
        case OPT_OFFLINE_BYTES:
            bad = rtmd__parse_bytes(name, value, 0, &cfg->offline_max_bytes, err);
            break;
        case OPT_UNACKED_BYTES:
            bad = rtmd__parse_bytes(name, value, 1, &cfg->unacked_max_bytes, err);
            break;
        case OPT_HISTORY_BYTES:
            bad = rtmd__parse_bytes(name, value, 0, &cfg->history_max_bytes, err);
            break;
        case OPT_CHATTRS_BYTES:
            bad = rtmd__parse_bytes(name, value, 0, &cfg->chattrs_max_bytes, err);
            break;
        case OPT_MEDIA_TTL:
            bad = rtmd__parse_u32(name, value, 1, 366u * 86400u, &cfg->media_ttl_s, err);
            break;
        case OPT_MEDIA_BYTES: {
            char *end = NULL;
            errno = 0;
            unsigned long long v = strtoull(value, &end, 10);
            if (value[0] < '0' || value[0] > '9' || *end != '\0' || errno != 0 ||
                v > INT64_MAX) {
                fprintf(err, "rtmd: %s: expected a number of bytes, got '%s'\n", name, value);
                bad = 1;
            } else {
                cfg->media_max_bytes = v;
            }
            break;
        }
        case OPT_MEDIA_IDLE:
            bad = rtmd__parse_u32(name, value, 100, 3600000u, &cfg->media_idle_ms, err);
            break;
        case OPT_MAX_CONNS:
            bad = rtmd__parse_u32(name, value, 1, UINT32_MAX, &cfg->max_conns, err);
            break;
        case OPT_MAX_CONNS_PER_IP:
            bad = rtmd__parse_u32(name, value, 0, UINT32_MAX, &cfg->max_conns_per_ip, err);
            break;
        case OPT_RATE:
            bad = rtmd__parse_rate(cfg, value, err);
            break;
        case OPT_CONFIG:
            if (depth > 0) {
                fprintf(err, "rtmd: config: a config file cannot include another\n");
                bad = 1;
            } else {
                rtmd_config_status st = rtmd__read_config(cfg, value, out, err);
                if (st != RTMD_CONFIG_OK)
                    return st;
            }
            break;
        case OPT_HELP:
            rtmd__usage(out);
            return RTMD_CONFIG_EXIT;
        case OPT_VERSION:
            fprintf(out, "rtmd %s\n", RTMD_VERSION);
            return RTMD_CONFIG_EXIT;
        }
        if (bad)
            return RTMD_CONFIG_ERROR;
    }
    return RTMD_CONFIG_OK;
}

/* Keeps a copy of s in cfg (freed with it); NULL when out of memory. */
static char *rtmd__own(rtmd_config *cfg, const char *s, size_t n)
{
    char **owned = realloc(cfg->owned, (cfg->n_owned + 1) * sizeof *owned);
    if (!owned)
        return NULL;
    cfg->owned = owned;
    char *copy = malloc(n + 1);
    if (!copy)
        return NULL;
    memcpy(copy, s, n);
    copy[n] = '\0';
    owned[cfg->n_owned++] = copy;
    return copy;
}

/* Reads "name value" lines (or "name = value"; '#' starts a comment) and
 * parses each as --name value. */
static rtmd_config_status rtmd__read_config(rtmd_config *cfg, const char *path, FILE *out,
                                            FILE *err)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(err, "rtmd: --config: cannot read %s: %s\n", path, strerror(errno));
        return RTMD_CONFIG_ERROR;
    }
    char line[4096];
    unsigned lineno = 0;
    bool has_cert = false;
    rtmd_config_status st = RTMD_CONFIG_OK;
    while (st == RTMD_CONFIG_OK && fgets(line, sizeof line, f)) {
        lineno++;
        size_t len = strlen(line);
        if (len == sizeof line - 1 && line[len - 1] != '\n' && !feof(f)) {
            fprintf(err, "rtmd: %s:%u: line longer than %zu bytes\n", path, lineno,
                    sizeof line - 2);
            st = RTMD_CONFIG_ERROR;
            break;
        }
        /* '#' starts a comment at the start of a line or after a blank, so
         * that a value may hold one. */
        for (char *h = line; *h; h++) {
            if (*h == '#' && (h == line || isspace((unsigned char)h[-1]))) {
                *h = '\0';
                break;
            }
        }
        char *p = line;
        while (isspace((unsigned char)*p))
            p++;
        char *e = p + strlen(p);
        while (e > p && isspace((unsigned char)e[-1]))
            e--;
        *e = '\0';
        if (*p == '\0')
            continue;
        char *k = p;
        while (*p && !isspace((unsigned char)*p) && *p != '=')
            p++;
        size_t klen = (size_t)(p - k);
        if (klen == 0 || k[0] == '-') {
            fprintf(err, "rtmd: %s:%u: expected 'name value' (the option without its "
                         "--), got '%s'\n", path, lineno, k);
            st = RTMD_CONFIG_ERROR;
            break;
        }
        while (isspace((unsigned char)*p))
            p++;
        if (*p == '=')
            p++;
        while (isspace((unsigned char)*p))
            p++;
        char flag[64];
        char *val = rtmd__own(cfg, p, strlen(p));
        if (!val) {
            fprintf(err, "rtmd: out of memory\n");
            st = RTMD_CONFIG_ERROR;
            break;
        }
        snprintf(flag, sizeof flag, "--%.*s", (int)(klen < 60 ? klen : 60), k);
        const char *key = flag + 2;
        if (strcmp(key, "help") == 0 || strcmp(key, "version") == 0 || *val == '\0') {
            fprintf(err, "rtmd: %s:%u: expected 'name value', got '%s'\n", path, lineno, key);
            st = RTMD_CONFIG_ERROR;
            break;
        }
        if (strcmp(key, "app-cert") == 0)
            has_cert = true;
        char *args[] = { (char *)path, flag, val, NULL };
        st = rtmd__parse_args(cfg, 3, args, out, err, 1);
        if (st != RTMD_CONFIG_OK)
            fprintf(err, "rtmd: (in %s, line %u)\n", path, lineno);
    }
    if (st == RTMD_CONFIG_OK && ferror(f)) {
        fprintf(err, "rtmd: --config: cannot read %s: %s\n", path, strerror(errno));
        st = RTMD_CONFIG_ERROR;
    }
    struct stat sb;
    if (st == RTMD_CONFIG_OK && has_cert && fstat(fileno(f), &sb) == 0 &&
        (sb.st_mode & (S_IRGRP | S_IROTH)))
        fprintf(err, "rtmd: warning: %s holds app certificates and other users can read "
                     "it (chmod 600 %s)\n", path, path);
    fclose(f);
    return st;
}

rtmd_config_status rtmd_config_parse(rtmd_config *cfg, int argc, char **argv,
                                     FILE *out, FILE *err)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->listen = RTMD_DEFAULT_LISTEN;
    cfg->admin_listen = RTMD_DEFAULT_ADMIN_LISTEN;
    cfg->admin_timeout_ms = RTMD_DEFAULT_ADMIN_TIMEOUT_MS;
    cfg->redis_timeout_ms = RTMD_DEFAULT_REDIS_TIMEOUT_MS;
    cfg->redis_wait_ms = RTMD_DEFAULT_REDIS_WAIT_MS;
    cfg->node_timeout_ms = RTMD_DEFAULT_NODE_TIMEOUT_MS;
    cfg->heartbeat_ms = RTMD_DEFAULT_HEARTBEAT_MS;
    cfg->login_deadline_ms = RTMD_DEFAULT_LOGIN_DEADLINE_MS;
    cfg->max_frame = RTM__FRAME_MAX_DEFAULT;
    cfg->max_unacked = RTMD_DEFAULT_MAX_UNACKED;
    cfg->max_output = RTMD_DEFAULT_MAX_OUTPUT;
    cfg->session_grace_ms = RTMD_DEFAULT_SESSION_GRACE_MS;
    cfg->unreachable_ms = RTMD_DEFAULT_UNREACHABLE_MS;
    cfg->replay_window_ms = RTMD_DEFAULT_REPLAY_WINDOW_MS;
    cfg->replay_max = RTMD_DEFAULT_REPLAY_MAX;
    cfg->log_level = RTMD_LOG_INFO;
    cfg->token_warn_s = RTMD_DEFAULT_TOKEN_WARN_S;

    cfg->offline_max = RTMD_DEFAULT_OFFLINE_MAX;
    cfg->offline_ttl_s = RTMD_DEFAULT_OFFLINE_TTL_S;
    cfg->offline_max_bytes = RTMD_DEFAULT_OFFLINE_MAX_BYTES;
    cfg->unacked_max_bytes = RTMD_DEFAULT_UNACKED_MAX_BYTES;
    cfg->history_max_bytes = RTMD_DEFAULT_HISTORY_MAX_BYTES;
    cfg->chattrs_max_bytes = RTMD_DEFAULT_CHATTRS_MAX_BYTES;
    cfg->media_ttl_s = RTMD_DEFAULT_MEDIA_TTL_S;
    cfg->media_max_bytes = RTMD_DEFAULT_MEDIA_MAX_BYTES;
    cfg->media_idle_ms = RTM__MEDIA_IDLE_MS;
    cfg->max_conns = rtmd_config_links_budget();
    cfg->max_conns_per_ip = RTMD_DEFAULT_MAX_CONNS_PER_IP;
    for (int k = 0; k < RTMD_RATE_COUNT; k++)
        cfg->rates[k] = rtmd_rate_default((rtmd_rate_kind)k);

    rtmd_config_status st = rtmd__parse_args(cfg, argc, argv, out, err, 0);
    if (st == RTMD_CONFIG_EXIT) {
        rtmd_config_free(cfg);
        return st;
    }
    if (st != RTMD_CONFIG_OK)
        return rtmd__fail(cfg, err);
    if (rtmd__check_tls_flags(cfg, err) != 0)
        return rtmd__fail(cfg, err);
    if (cfg->media_dir && cfg->store == RTMD_STORE_MEM) {
        fprintf(err, "rtmd: --media-dir: with --store mem, media are kept in memory\n");
        return rtmd__fail(cfg, err);
    }
    return RTMD_CONFIG_OK;
}

void rtmd_config_free(rtmd_config *cfg)
{
    for (size_t i = 0; i < cfg->n_owned; i++)
        free(cfg->owned[i]);
    free(cfg->owned);
    cfg->owned = NULL;
    cfg->n_owned = 0;
    free(cfg->app_ids);
    cfg->app_ids = NULL;
    free(cfg->app_certs);
    cfg->app_certs = NULL;
    cfg->n_app_ids = 0;
}

uint32_t rtmd_config_idle_timeout(const rtmd_config *cfg, uint32_t client_heartbeat_ms)
{
    if (cfg->idle_timeout_ms)
        return cfg->idle_timeout_ms;
    uint64_t t = (uint64_t)client_heartbeat_ms * RTMD_IDLE_TIMEOUT_FACTOR;
    if (t < RTMD_IDLE_TIMEOUT_MIN_MS)
        t = RTMD_IDLE_TIMEOUT_MIN_MS;
    if (t > 86400000u)
        t = 86400000u;
    return (uint32_t)t;
}

int rtmd_config_app_allowed(const rtmd_config *cfg, const char *app_id)
{
    if (cfg->n_app_ids == 0)
        return 1;
    for (size_t i = 0; i < cfg->n_app_ids; i++)
        if (strcmp(cfg->app_ids[i], app_id) == 0)
            return 1;
    return 0;
}

const char *rtmd_config_app_cert(const rtmd_config *cfg, const char *app_id)
{
    for (size_t i = 0; i < cfg->n_app_ids; i++)
        if (strcmp(cfg->app_ids[i], app_id) == 0)
            return cfg->app_certs[i];
    return NULL;
}
