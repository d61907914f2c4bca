/*
 * metrics.h: the counters of /metrics (admin.c), kept in the server and
 * incremented where the events happen. The gauges (links, sessions, queued
 * output) are read from the server's state when the page is rendered.
 */
#ifndef RTMD_METRICS_H
#define RTMD_METRICS_H

#include <stdint.h>

#include "ratelimit.h"
#include "engine/store.h"

struct evbuffer;
struct rtmd_server;

/* LoginError codes 0 (OK) to 10 (TOO_OFTEN); anything else counts as 1
 * (UNKNOWN). ConnectionChangeReason 0 to 9 for kicks. */
#define RTMD_METRICS_LOGIN_CODES 11
#define RTMD_METRICS_KICK_REASONS 10

typedef enum {
    RTMD_REFUSED_TOTAL = 0,  /* over --max-conns */
    RTMD_REFUSED_PER_IP = 1, /* over --max-conns-per-ip */
    RTMD_REFUSED_CAPS = 2
} rtmd_refused_cap;

typedef struct {
    uint64_t logins[RTMD_METRICS_LOGIN_CODES]; /* answered LoginResults, by code */
    uint64_t messages_peer;                    /* peer messages accepted for delivery */
    uint64_t messages_channel;                 /* channel messages accepted */
    uint64_t replays;                          /* resumed sessions replayed to */
    uint64_t peer_dropped;                     /* accepted peer messages a bound dropped */
    uint64_t kicks[RTMD_METRICS_KICK_REASONS]; /* Kick frames sent, by reason */
    uint64_t links_refused[RTMD_REFUSED_CAPS]; /* links refused over a cap */
    uint64_t admin_timed_out;                  /* admin connections closed at the
                                                * deadline of their request */
    uint64_t admin_full;                       /* times the admin API reached
                                                * RTMD_ADMIN_MAX_CONNS */
    uint64_t rate_refused[RTMD_RATE_COUNT];    /* requests refused TOO_OFTEN, by --rate */
    uint64_t media_uploads;                    /* uploads stored (M1) */
    uint64_t media_downloads;                  /* downloads whose every byte was
                                                * acknowledged (M2) */
    uint64_t media_bytes_in, media_bytes_out;  /* chunk bytes taken and sent */
    uint64_t store_full[RTMD_USAGE_KINDS];     /* things refused or not kept by a
                                                * memory bound, by kind */
} rtmd_metrics;

void rtmd_metrics_login(rtmd_metrics *m, int code);
void rtmd_metrics_kick(rtmd_metrics *m, int reason);

/* Appends the Prometheus text exposition (format 0.0.4) of srv's counters
 * and gauges to out. 0, or -1 when out of memory. */
int rtmd_metrics_render(struct rtmd_server *srv, struct evbuffer *out);

#endif
