/*
 * fp_log.h: rtm-faultproxy's log lines on stderr, in rtmd's format.
 *
 *   2026-11-25T21:58:21.123Z INFO  pair#3 127.0.0.1:40312: connected upstream
 *
 * UTC time with milliseconds, the level padded to five characters, then the
 * message. Lines below the configured level are dropped before formatting.
 */
#ifndef FP_LOG_H
#define FP_LOG_H

typedef enum {
    FP_LOG_DEBUG = 0,
    FP_LOG_INFO = 1,
    FP_LOG_WARN = 2,
    FP_LOG_ERROR = 3
} fp_log_level;

void fp_log_set_level(fp_log_level level);
int fp_log_enabled(fp_log_level level);

/* "debug", "info", "warn", "error" -> level; returns -1 on anything else. */
int fp_log_level_parse(const char *s, fp_log_level *out);

#if defined(__GNUC__)
#define FP_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define FP_PRINTF(a, b)
#endif

void fp_log(fp_log_level level, const char *fmt, ...) FP_PRINTF(2, 3);

#endif
