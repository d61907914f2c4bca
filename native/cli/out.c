/* out.c: one JSON object per line on stdout, whole lines, in order. */
#define _POSIX_C_SOURCE 200809L

#include "out.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static pthread_mutex_t cli__out_mu = PTHREAD_MUTEX_INITIALIZER;
static int64_t cli__t0_ms;

static int64_t cli__mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void cli_out_init(void)
{
    cli__t0_ms = cli__mono_ms();
}

int64_t cli_out_now_ms(void)
{
    return cli__mono_ms() - cli__t0_ms;
}

cJSON *cli_event(const char *name)
{
    cJSON *o = cJSON_CreateObject();
    if (o != NULL && cJSON_AddStringToObject(o, "event", name) == NULL) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

void cli_emit(cJSON *line)
{
    if (line == NULL)
        return;
    pthread_mutex_lock(&cli__out_mu);
    /* Taken under the lock so that t_ms never goes backwards on stdout. */
    cJSON_AddNumberToObject(line, "t_ms", (double)cli_out_now_ms());
    char *text = cJSON_PrintUnformatted(line);
    if (text != NULL) {
        fputs(text, stdout);
        fputc('\n', stdout);
        fflush(stdout);
        free(text);
    } else {
        fputs("rtm: out of memory writing an event\n", stderr);
    }
    pthread_mutex_unlock(&cli__out_mu);
    cJSON_Delete(line);
}

void cli_emit_error(const char *line, const char *message)
{
    cJSON *o = cli_event("error");
    if (o == NULL)
        return;
    cJSON_AddStringToObject(o, "line", line);
    cJSON_AddStringToObject(o, "message", message);
    cli_emit(o);
}
