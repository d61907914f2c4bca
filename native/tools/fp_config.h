/* fp_config.h: rtm-faultproxy's command line and defaults. */
#ifndef FP_CONFIG_H
#define FP_CONFIG_H

#include <stddef.h>
#include <stdio.h>

#include "fp_command.h"
#include "fp_log.h"

#define FP_DEFAULT_LISTEN "127.0.0.1:0"
#define FP_DEFAULT_CONTROL "127.0.0.1:0"
#define FP_MAX_MODES 8

typedef struct {
    const char *listen;     /* HOST:PORT clients connect to */
    const char *upstream;   /* HOST:PORT each client is forwarded to (required) */
    const char *control;    /* HOST:PORT of the control channel */
    const char *ready_file; /* NULL: none */
    fp_log_level log_level;
    fp_command modes[FP_MAX_MODES]; /* --mode, applied in order at start */
    size_t n_modes;
} fp_config;

typedef enum { FP_CONFIG_OK, FP_CONFIG_EXIT, FP_CONFIG_ERROR } fp_config_status;

/* Parses argv. OK: run; EXIT: --help or --version was printed to out (exit 0);
 * ERROR: a message was printed to err (exit 2). Strings point into argv. */
fp_config_status fp_config_parse(fp_config *cfg, int argc, char **argv, FILE *out, FILE *err);

#endif
