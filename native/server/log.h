/*
 * log.h: rtmd's log lines on stderr.
 *
 *   2026-11-25T21:58:21.123Z INFO  message
 *
 * UTC time with milliseconds, the level padded to five characters, then the
 * message. Lines below the configured level are dropped before formatting.
 */
#ifndef RTMD_LOG_H
#define RTMD_LOG_H

#include <stdarg.h>

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
void rtmd_logv(rtmd_log_level level, const char *fmt, va_list ap);

#endif
