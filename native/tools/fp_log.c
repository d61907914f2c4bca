/* fp_log.c: timestamped, levelled lines on stderr. */
#include "fp_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

static fp_log_level fp__log_level = FP_LOG_INFO;

static const char *const fp__log_names[] = { "debug", "info", "warn", "error" };
static const char *const fp__log_tags[] = { "DEBUG", "INFO ", "WARN ", "ERROR" };

void fp_log_set_level(fp_log_level level)
{
    fp__log_level = level;
}

int fp_log_enabled(fp_log_level level)
{
    return level >= fp__log_level;
}

int fp_log_level_parse(const char *s, fp_log_level *out)
{
    for (int i = FP_LOG_DEBUG; i <= FP_LOG_ERROR; i++) {
        if (strcmp(s, fp__log_names[i]) == 0) {
            *out = (fp_log_level)i;
            return 0;
        }
    }
    return -1;
}

void fp_log(fp_log_level level, const char *fmt, ...)
{
    if (!fp_log_enabled(level))
        return;
    struct timeval tv;
    struct tm tm;
    char stamp[32];
    char line[1024];
    va_list ap;

    gettimeofday(&tv, NULL);
    time_t secs = tv.tv_sec;
    gmtime_r(&secs, &tm);
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    /* One fprintf per line so that lines never interleave. */
    fprintf(stderr, "%s.%03ldZ %s %s\n", stamp, (long)(tv.tv_usec / 1000),
            fp__log_tags[level], line);
}
