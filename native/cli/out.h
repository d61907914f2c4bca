/*
 * out.h: the CLI's stdout. Every event and every command result is one JSON
 * object on one line, flushed at once. Lines are written from two threads
 * (the main thread reading stdin, and a callback thread), so each
 * line is written whole under one mutex.
 */
#ifndef RTM_CLI_OUT_H
#define RTM_CLI_OUT_H

#include <stdint.h>

#include <cjson/cJSON.h>

/* Starts the clock that "t_ms" counts from. Call once, first. */
void cli_out_init(void);

/* Milliseconds since cli_out_init, on the monotonic clock. */
int64_t cli_out_now_ms(void);

/* A new line object {"event": name}; NULL if out of memory. */
cJSON *cli_event(const char *name);

/* Adds "t_ms", writes the object as one line, flushes, and deletes it.
 * NULL is ignored. */
void cli_emit(cJSON *line);

/* {"event":"error","line":line,"message":message} */
void cli_emit_error(const char *line, const char *message);

#endif
