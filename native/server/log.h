/*
 * log.h: rtmd's log lines on stderr.
 *
 *   2026-11-25T21:58:21.123Z INFO  message
 *
 * UTC time with milliseconds, the level padded to five characters, then the
 * message. Lines below the configured level are dropped before formatting.
 * A message may hold what a client or an operator sent (a Close's detail, a
 * URI, an id), so it is escaped as a whole before it is written
 * (rtmd_log_escape): no line can end early, forge another or reach the
 * terminal as a control sequence.
 */
#ifndef RTMD_LOG_H
#define RTMD_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    RTMD_LOG_DEBUG = 0,
    RTMD_LOG_INFO = 1,
    RTMD_LOG_WARN = 2,
    RTMD_LOG_ERROR = 3
} rtmd_log_level;

void rtmd_log_set_level(rtmd_log_level level);
int rtmd_log_enabled(rtmd_log_level level);

/* "debug", "info", "warn", "error" -> level; returns -1 on anything else. */
int rtmd_log_level_parse(const char *s, rtmd_log_level *out);
const char *rtmd_log_level_name(rtmd_log_level level);

#if defined(__GNUC__)
#define RTMD_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define RTMD_PRINTF(a, b)
#endif

void rtmd_log(rtmd_log_level level, const char *fmt, ...) RTMD_PRINTF(2, 3);

/*
 * Copies the NUL-terminated in to out (size bytes, NUL included), with
 * every C0 control, DEL, C1 control (U+0080..U+009F) and byte that is not
 * part of a UTF-8 sequence (a lead byte C2..F4 and its continuation bytes)
 * written as \xHH, and a backslash as two; other UTF-8 is kept. Stops at a whole character when out is full. Returns the
 * length written.
 */
size_t rtmd_log_escape(const char *in, char *out, size_t size);
void rtmd_logv(rtmd_log_level level, const char *fmt, va_list ap);

/*
 * A line about an event that can repeat fast (a refused link, a dropped
 * message): logged at most once per interval, with how many were not.
 *
 *     if (rtmd_log_limit(&srv->refused_log, now_ms, 1000, &more))
 *         rtmd_log(RTMD_LOG_WARN, "refused %s (%llu more since the last such line)", ...);
 */
typedef struct {
    uint64_t last_ms;    /* when one was last logged; 0: never */
    uint64_t unlogged;   /* events since, not logged */
} rtmd_log_limiter;

/* Counts an event; true when it is to be logged now, with *unlogged the
 * events before it that were not (then reset). */
bool rtmd_log_limit(rtmd_log_limiter *l, uint64_t now_ms, uint64_t interval_ms,
                    uint64_t *unlogged);

#endif
