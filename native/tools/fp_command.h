/*
 * fp_command.h: the control protocol's commands, parsed from one line.
 *
 * A pure parser (no I/O): the control channel (fp_control.c) and --mode
 * (fp_config.c) both use it, and tests/proxy tests it without a socket.
 * The commands and their meaning are in docs/FAULTPROXY.md.
 */
#ifndef FP_COMMAND_H
#define FP_COMMAND_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    FP_CMD_PASS,   /* forward normally */
    FP_CMD_SILENT, /* stall: hold every link open, move nothing until pass */
    FP_CMD_DELAY,  /* forward after delay_ms, each direction */
    FP_CMD_RESET,  /* one-shot: RST both sides of every current pair */
    FP_CMD_CLOSE,  /* one-shot: FIN both sides of every current pair */
    FP_CMD_REFUSE, /* reset new connections as soon as they are accepted */
    FP_CMD_ACCEPT, /* undo refuse */
    FP_CMD_STATUS, /* one line of counters */
    FP_CMD_HELP    /* the list of commands */
} fp_command_kind;

/* The largest delay accepted, in milliseconds (10 minutes). */
#define FP_DELAY_MAX_MS 600000u

typedef struct {
    fp_command_kind kind;
    uint32_t delay_ms; /* FP_CMD_DELAY only */
} fp_command;

/* Parses one command line (without its line end; surrounding blanks are
 * ignored). Returns 0, or -1 with a one-line reason in err. */
int fp_command_parse(const char *line, fp_command *out, char *err, size_t errsize);

/* Whether the command sets a lasting state (pass, silent, delay, refuse,
 * accept): those may also be given at start with --mode. */
int fp_command_is_setting(fp_command_kind kind);

/* The command words, for help and error lines. */
#define FP_COMMAND_LIST "pass, silent, delay MS, reset, close, refuse, accept, status, help"

#endif
