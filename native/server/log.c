/* log.c: timestamped, levelled lines on stderr, control characters escaped. */
#include "log.h"

#include <stdbool.h>
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

/* The length of the well-formed UTF-8 sequence at s (2 to 4 bytes), or 0. */
static size_t rtmd__utf8_len(const unsigned char *s)
{
    size_t n = s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 ? 2 : 0;
    if (s[0] > 0xf4)
        return 0;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    return n;
}

size_t rtmd_log_escape(const char *in, char *out, size_t size)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *s = (const unsigned char *)in;
    size_t o = 0;
    if (size == 0)
        return 0;
    while (*s && o + 1 < size) {
        size_t n = *s >= 0x80 ? rtmd__utf8_len(s) : 1;
        /* C1 controls are U+0080..U+009F: C2 80..C2 9F. */
        bool c1 = n == 2 && s[0] == 0xc2 && s[1] < 0xa0;
        if (n == 1 && *s >= 0x20 && *s != 0x7f && *s != '\\') {
            out[o++] = (char)*s++;
            continue;
        }
        if (n >= 2 && !c1) {
            if (o + n >= size)
                break;
            memcpy(out + o, s, n);
            o += n;
            s += n;
            continue;
        }
        /* A control, a backslash, or a byte that is not UTF-8: \xHH
         * (\\ for a backslash, so that an escape cannot be forged). */
        size_t k = c1 ? 2 : 1;
        if (o + 4 * k >= size)
            break;
        for (size_t i = 0; i < k; i++, s++) {
            out[o++] = '\\';
            if (*s == '\\') {
                out[o++] = '\\';
                continue;
            }
            out[o++] = 'x';
            out[o++] = hex[*s >> 4];
            out[o++] = hex[*s & 15];
        }
    }
    out[o] = '\0';
    return o;
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
    char safe[4 * sizeof line];
    rtmd_log_escape(line, safe, sizeof safe);
    /* One fprintf per line so that lines never interleave. */
    fprintf(stderr, "%s.%03ldZ %s %s\n", stamp, (long)(tv.tv_usec / 1000),
            rtmd__log_tags[level], safe);
}

void rtmd_log(rtmd_log_level level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    rtmd_logv(level, fmt, ap);
    va_end(ap);
}

bool rtmd_log_limit(rtmd_log_limiter *l, uint64_t now_ms, uint64_t interval_ms,
                    uint64_t *unlogged)
{
    if (l->last_ms != 0 && now_ms < l->last_ms + interval_ms) {
        l->unlogged++;
        return false;
    }
    *unlogged = l->unlogged;
    l->unlogged = 0;
    l->last_ms = now_ms ? now_ms : 1;
    return true;
}
