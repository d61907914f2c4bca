/* logfile.c: see logfile.h. */
#include "logfile.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rtm/rtm.h"

struct rtm__logfile {
    pthread_mutex_t lock;
    FILE *f;
    char *path;
    size_t size;  /* bytes in the current file */
    size_t max;   /* rotate before going over this */
};

rtm__logfile *rtm__logfile_new(void)
{
    rtm__logfile *lf = calloc(1, sizeof(*lf));
    if (lf == NULL)
        return NULL;
    pthread_mutex_init(&lf->lock, NULL);
    lf->max = (size_t)RTM__LOGFILE_KB_DEFAULT * 1024u;
    return lf;
}

void rtm__logfile_free(rtm__logfile *lf)
{
    if (lf == NULL)
        return;
    if (lf->f != NULL)
        fclose(lf->f);
    free(lf->path);
    pthread_mutex_destroy(&lf->lock);
    free(lf);
}

/* Opens path for appending; the size it has already counts. */
static FILE *rtm__logfile_append(const char *path, size_t *size)
{
    FILE *f = fopen(path, "ae");
    if (f == NULL)
        return NULL;
    long at = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
    *size = at > 0 ? (size_t)at : 0;
    return f;
}

int rtm__logfile_open(rtm__logfile *lf, const char *path)
{
    char *copy = strdup(path);
    size_t size = 0;
    FILE *f = copy != NULL ? rtm__logfile_append(path, &size) : NULL;
    if (f == NULL) {
        free(copy);
        return -1;
    }
    pthread_mutex_lock(&lf->lock);
    if (lf->f != NULL)
        fclose(lf->f);
    free(lf->path);
    lf->f = f;
    lf->path = copy;
    lf->size = size;
    pthread_mutex_unlock(&lf->lock);
    return 0;
}

void rtm__logfile_set_kb(rtm__logfile *lf, int kb)
{
    pthread_mutex_lock(&lf->lock);
    lf->max = (size_t)kb * 1024u;
    pthread_mutex_unlock(&lf->lock);
}

/* PATH.n in buf. */
static void rtm__logfile_name(char *buf, size_t size, const char *path, int n)
{
    if (n == 0)
        snprintf(buf, size, "%s", path);
    else
        snprintf(buf, size, "%s.%d", path, n);
}

/* PATH -> PATH.1 -> ... -> PATH.KEEP (dropped), then a new PATH. Under the
 * lock. On failure the current file goes on growing rather than lose lines. */
static void rtm__logfile_rotate(rtm__logfile *lf)
{
    size_t n = strlen(lf->path) + 16;
    char *from = malloc(n), *to = malloc(n);
    if (from == NULL || to == NULL)
        goto out;
    fclose(lf->f);
    lf->f = NULL;
    for (int i = RTM__LOGFILE_KEEP; i > 0; i--) {
        rtm__logfile_name(from, n, lf->path, i - 1);
        rtm__logfile_name(to, n, lf->path, i);
        rename(from, to); /* a missing PATH.i is no error */
    }
    lf->f = rtm__logfile_append(lf->path, &lf->size);
out:
    free(from);
    free(to);
}

static const char *rtm__logfile_level(int level)
{
    switch (level) {
    case RTM_LOG_CRITICAL: return "CRIT ";
    case RTM_LOG_ERROR: return "ERROR";
    case RTM_LOG_WARNING: return "WARN ";
    default: return "INFO ";
    }
}

void rtm__logfile_write(rtm__logfile *lf, int level, const char *line)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char stamp[32];
    strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
    pthread_mutex_lock(&lf->lock);
    if (lf->f != NULL) {
        size_t len = strlen(line) + 32;
        if (lf->size > 0 && lf->size + len > lf->max)
            rtm__logfile_rotate(lf);
        if (lf->f != NULL) {
            int w = fprintf(lf->f, "%s.%03ldZ %s %s\n", stamp, ts.tv_nsec / 1000000L,
                            rtm__logfile_level(level), line);
            if (w > 0)
                lf->size += (size_t)w;
            fflush(lf->f);
        }
    }
    pthread_mutex_unlock(&lf->lock);
}
