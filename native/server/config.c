/* config.c: rtmd's command line. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"

#ifndef RTMD_VERSION
#define RTMD_VERSION "0.0.0"
#endif

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
        "  --replay-window-ms N      on a resume, re-deliver the channel messages of\n"
        "                            the last N ms (default %u)\n"
        "  --replay-max N            ... at most the latest N per channel (default %u)\n"
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
        RTMD_DEFAULT_REPLAY_WINDOW_MS, RTMD_DEFAULT_REPLAY_MAX);
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
       OPT_MAX_UNACKED, OPT_MAX_OUTPUT, OPT_GRACE, OPT_REPLAY_WINDOW, OPT_REPLAY_MAX,
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
    [OPT_REPLAY_WINDOW] = { "--replay-window-ms", 1 },
    [OPT_REPLAY_MAX] = { "--replay-max", 1 },
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

rtmd_config_status rtmd_config_parse(rtmd_config *cfg, int argc, char **argv,
                                     FILE *out, FILE *err)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->listen = RTMD_DEFAULT_LISTEN;
    cfg->heartbeat_ms = RTMD_DEFAULT_HEARTBEAT_MS;
    cfg->login_deadline_ms = RTMD_DEFAULT_LOGIN_DEADLINE_MS;
    cfg->max_frame = RTM__FRAME_MAX_DEFAULT;
    cfg->max_unacked = RTMD_DEFAULT_MAX_UNACKED;
    cfg->max_output = RTMD_DEFAULT_MAX_OUTPUT;
    cfg->session_grace_ms = RTMD_DEFAULT_SESSION_GRACE_MS;
    cfg->replay_window_ms = RTMD_DEFAULT_REPLAY_WINDOW_MS;
    cfg->replay_max = RTMD_DEFAULT_REPLAY_MAX;
    cfg->log_level = RTMD_LOG_INFO;
    cfg->token_warn_s = RTMD_DEFAULT_TOKEN_WARN_S;

    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        int tls = rtmd__parse_tls_flag(cfg, argc, argv, &i, err);
        if (tls < 0)
            return rtmd__fail(cfg, err);
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
            return rtmd__fail(cfg, err);
        }
        if (rtmd__opts[opt].takes_value && !value) {
            if (i + 1 >= argc) {
                fprintf(err, "rtmd: %s needs a value\n", arg);
                return rtmd__fail(cfg, err);
            }
            value = argv[++i];
        }
        const char *name = rtmd__opts[opt].name;
        int bad = 0;
        switch (opt) {
        case OPT_LISTEN:
            if (!rtmd__listen_ok(value)) {
                fprintf(err, "rtmd: --listen: expected HOST:PORT, got '%s'\n", value);
                bad = 1;
            }
            cfg->listen = value;
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
        case OPT_REPLAY_WINDOW:
            bad = rtmd__parse_u32(name, value, 0, 86400000, &cfg->replay_window_ms, err);
            break;
        case OPT_REPLAY_MAX:
            bad = rtmd__parse_u32(name, value, 0, 10000, &cfg->replay_max, err);
            break;
        case OPT_READY:
            if (value[0] == '\0') {
                fprintf(err, "rtmd: --ready-file: must not be empty\n");
                bad = 1;
            }
            cfg->ready_file = value;
            break;
        case OPT_LOG_LEVEL:
            if (rtmd_log_level_parse(value, &cfg->log_level) != 0) {
                fprintf(err, "rtmd: --log-level: expected debug, info, warn or error, "
                             "got '%s'\n", value);
                bad = 1;
            }
            break;
        case OPT_HELP:
            rtmd__usage(out);
            rtmd_config_free(cfg);
            return RTMD_CONFIG_EXIT;
        case OPT_VERSION:
            fprintf(out, "rtmd %s\n", RTMD_VERSION);
            rtmd_config_free(cfg);
            return RTMD_CONFIG_EXIT;
        }
        if (bad)
            return rtmd__fail(cfg, err);
    }
    if (rtmd__check_tls_flags(cfg, err) != 0)
        return rtmd__fail(cfg, err);
    return RTMD_CONFIG_OK;
}

void rtmd_config_free(rtmd_config *cfg)
{
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
