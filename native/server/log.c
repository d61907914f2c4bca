/* log.c: timestamped, levelled lines on stderr. */
#include "log.h"

#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

static rtmd_log_level rtmd__log_level = RTMD_LOG_INFO;

static const char *const rtmd__log_names[] = { "debug", "info", "warn", "error" };
static const char *const rtmd__log_tags[] = { "DEBUG", "INFO ", "WARN ", "ERROR" };

void rtmd_log_set_level(rtmd_log_level level)
{
    rtmd__log_level = level;
}

int rtmd_log_enabled(rtmd_log_level level)
{
    return level >= rtmd__log_level;
}

int rtmd_log_level_parse(const char *s, rtmd_log_level *out)
{
    for (int i = RTMD_LOG_DEBUG; i <= RTMD_LOG_ERROR; i++) {
        if (strcmp(s, rtmd__log_names[i]) == 0) {
            *out = (rtmd_log_level)i;
            return 0;
        }
    }
    return -1;
}

const char *rtmd_log_level_name(rtmd_log_level level)
{
    if (level < RTMD_LOG_DEBUG || level > RTMD_LOG_ERROR)
        return "?";
    return rtmd__log_names[level];
}

void rtmd_logv(rtmd_log_level level, const char *fmt, va_list ap)
{
    if (!rtmd_log_enabled(level))
        return;
    struct timeval tv;
    struct tm tm;
    char stamp[32];
    char line[2048];

    gettimeofday(&tv, NULL);
    time_t secs = tv.tv_sec;
    gmtime_r(&secs, &tm);
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
    vsnprintf(line, sizeof line, fmt, ap);
    /* One fprintf per line so that lines never interleave. */
    fprintf(stderr, "%s.%03ldZ %s %s\n", stamp, (long)(tv.tv_usec / 1000),
            rtmd__log_tags[level], line);
}

void rtmd_log(rtmd_log_level level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    rtmd_logv(level, fmt, ap);
    va_end(ap);
}
