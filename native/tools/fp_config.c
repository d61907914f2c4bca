/* fp_config.c: rtm-faultproxy's command line. */
#include "fp_config.h"

#include <stdlib.h>
#include <string.h>

#ifndef FP_VERSION
#define FP_VERSION "0.0.0"
#endif

static void fp__usage(FILE *f)
{
    fprintf(f,
        "Usage: rtm-faultproxy --upstream HOST:PORT [OPTION]...\n"
        "A TCP proxy for tests that passes, silences, delays, resets or refuses\n"
        "connections on command (docs/FAULTPROXY.md).\n"
        "\n"
        "  --listen HOST:PORT     address clients connect to (default %s;\n"
        "                         port 0 picks a free port)\n"
        "  --upstream HOST:PORT   where each client connection is forwarded (required)\n"
        "  --control HOST:PORT    the control channel (default %s)\n"
        "  --ready-file PATH      once both listen, write \"LISTEN CONTROL\\n\" to PATH\n"
        "  --mode COMMAND         start in this state: pass, silent, 'delay MS',\n"
        "                         refuse or accept (repeatable, applied in order)\n"
        "  --log-level LEVEL      debug, info, warn or error (default info)\n"
        "  --help                 print this help and exit\n"
        "  --version              print the version and exit\n"
        "\n"
        "Control commands, one per line, each answered by one line 'ok ...' or\n"
        "'error ...': %s.\n",
        FP_DEFAULT_LISTEN, FP_DEFAULT_CONTROL, FP_COMMAND_LIST);
}

/* Whether s has the HOST:PORT shape (the host itself is checked when used). */
static int fp__address_ok(const char *s)
{
    const char *colon = strrchr(s, ':');
    if (!colon || colon == s || colon[1] == '\0' || strlen(colon + 1) > 5)
        return 0;
    for (const char *p = colon + 1; *p; p++)
        if (*p < '0' || *p > '9')
            return 0;
    return strtoul(colon + 1, NULL, 10) <= 65535;
}

enum { OPT_LISTEN, OPT_UPSTREAM, OPT_CONTROL, OPT_READY, OPT_MODE, OPT_LOG_LEVEL,
       OPT_HELP, OPT_VERSION };

static const struct {
    const char *name;
    int takes_value;
} fp__opts[] = {
    [OPT_LISTEN] = { "--listen", 1 },      [OPT_UPSTREAM] = { "--upstream", 1 },
    [OPT_CONTROL] = { "--control", 1 },    [OPT_READY] = { "--ready-file", 1 },
    [OPT_MODE] = { "--mode", 1 },          [OPT_LOG_LEVEL] = { "--log-level", 1 },
    [OPT_HELP] = { "--help", 0 },          [OPT_VERSION] = { "--version", 0 },
};
#define FP__NOPTS (sizeof fp__opts / sizeof fp__opts[0])

static fp_config_status fp__fail(FILE *err)
{
    fprintf(err, "Try 'rtm-faultproxy --help'.\n");
    return FP_CONFIG_ERROR;
}

fp_config_status fp_config_parse(fp_config *cfg, int argc, char **argv, FILE *out, FILE *err)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->listen = FP_DEFAULT_LISTEN;
    cfg->control = FP_DEFAULT_CONTROL;
    cfg->log_level = FP_LOG_INFO;

    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *value = NULL;
        size_t opt = FP__NOPTS;
        for (size_t k = 0; k < FP__NOPTS; k++) {
            size_t n = strlen(fp__opts[k].name);
            if (strncmp(arg, fp__opts[k].name, n) != 0)
                continue;
            if (arg[n] == '\0') {
                opt = k;
            } else if (arg[n] == '=' && fp__opts[k].takes_value) {
                opt = k;
                value = arg + n + 1;
            } else {
                continue;
            }
            break;
        }
        if (opt == FP__NOPTS) {
            fprintf(err, "rtm-faultproxy: unknown argument '%s'\n", arg);
            return fp__fail(err);
        }
        if (fp__opts[opt].takes_value && !value) {
            if (i + 1 >= argc) {
                fprintf(err, "rtm-faultproxy: %s needs a value\n", arg);
                return fp__fail(err);
            }
            value = argv[++i];
        }
        const char *name = fp__opts[opt].name;
        switch (opt) {
        case OPT_LISTEN:
        case OPT_UPSTREAM:
        case OPT_CONTROL:
            if (!fp__address_ok(value)) {
                fprintf(err, "rtm-faultproxy: %s: expected HOST:PORT, got '%s'\n", name, value);
                return fp__fail(err);
            }
            if (opt == OPT_LISTEN)
                cfg->listen = value;
            else if (opt == OPT_UPSTREAM)
                cfg->upstream = value;
            else
                cfg->control = value;
            break;
        case OPT_READY:
            if (value[0] == '\0') {
                fprintf(err, "rtm-faultproxy: --ready-file: must not be empty\n");
                return fp__fail(err);
            }
            cfg->ready_file = value;
            break;
        case OPT_MODE: {
            char why[160];
            fp_command c;
            if (fp_command_parse(value, &c, why, sizeof why) != 0) {
                fprintf(err, "rtm-faultproxy: --mode: %s\n", why);
                return fp__fail(err);
            }
            if (!fp_command_is_setting(c.kind)) {
                fprintf(err, "rtm-faultproxy: --mode: '%s' is not a state; expected pass, "
                             "silent, 'delay MS', refuse or accept\n", value);
                return fp__fail(err);
            }
            if (cfg->n_modes == FP_MAX_MODES) {
                fprintf(err, "rtm-faultproxy: --mode: at most %d\n", FP_MAX_MODES);
                return fp__fail(err);
            }
            cfg->modes[cfg->n_modes++] = c;
            break;
        }
        case OPT_LOG_LEVEL:
            if (fp_log_level_parse(value, &cfg->log_level) != 0) {
                fprintf(err, "rtm-faultproxy: --log-level: expected debug, info, warn or "
                             "error, got '%s'\n", value);
                return fp__fail(err);
            }
            break;
        case OPT_HELP:
            fp__usage(out);
            return FP_CONFIG_EXIT;
        case OPT_VERSION:
            fprintf(out, "rtm-faultproxy %s\n", FP_VERSION);
            return FP_CONFIG_EXIT;
        }
    }
    if (!cfg->upstream) {
        fprintf(err, "rtm-faultproxy: --upstream HOST:PORT is required\n");
        return fp__fail(err);
    }
    return FP_CONFIG_OK;
}
