/* server.c: the process's state, its clocks and its clean shutdown. */
#include "server.h"

#include <time.h>

#include "conn.h"
#include "engine.h"
#include "log.h"
#include "member_count.h"
#include "session.h"

/* How long a shutdown waits for the links to take their Close. */
#define RTMD_STOP_WAIT_MS 1500

uint64_t rtmd_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

uint64_t rtmd_wall_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

void rtmd_server_tick(rtmd_server *srv)
{
    srv->now.mono_us = rtmd_now_us();
    srv->now.mono_ms = srv->now.mono_us / 1000u;
    srv->now.wall_ms = rtmd_wall_us() / 1000u;
}

/* How often offline messages past --offline-ttl-s are forgotten (they are
 * also never delivered once past it). */
#define RTMD_OFFLINE_SWEEP_S 60

static void rtmd_server_offline_sweep(evutil_socket_t fd, short what, void *arg)
{
    rtmd_server *srv = arg;
    rtmd_server_tick(srv);
    uint64_t ttl = (uint64_t)srv->cfg->offline_ttl_s * 1000u, now = srv->now.wall_ms;
    size_t n = rtmd_store_offline_expire(srv->store, now > ttl ? now - ttl : 0);
    srv->metrics.peer_dropped += n;
    if (n)
        rtmd_log(RTMD_LOG_INFO, "%zu offline messages expired (--offline-ttl-s %u)", n,
                 srv->cfg->offline_ttl_s);
    /* Channels without members whose history left the replay window. */
    rtmd_store_channels_expire(srv->store, rtmd_history_horizon(srv->now.wall_ms,
                                                                srv->cfg->replay_window_ms));
}

int rtmd_server_init(rtmd_server *srv, const rtmd_config *cfg, struct event_base *base)
{
    *srv = (rtmd_server){ .cfg = cfg, .base = base };
    rtmd_server_tick(srv);
    srv->store = rtmd_store_mem_new();
    srv->engine = srv->store ? rtmd_engine_mem_new(srv->store) : NULL;
    if (!srv->engine) {
        rtmd_log(RTMD_LOG_ERROR, "out of memory creating the store");
        return -1;
    }
    struct timeval every = { RTMD_OFFLINE_SWEEP_S, 0 };
    srv->offline_sweep = event_new(base, -1, EV_PERSIST, rtmd_server_offline_sweep, srv);
    if (!srv->offline_sweep || event_add(srv->offline_sweep, &every) != 0) {
        rtmd_log(RTMD_LOG_ERROR, "cannot arm the offline message sweep");
        return -1;
    }
    return 0;
}

static void rtmd_server_stop_timeout(evutil_socket_t fd, short what, void *arg)
{
    rtmd_server *srv = arg;
    rtmd_server_tick(srv);
    rtmd_log(RTMD_LOG_WARN, "%zu links still closing after %d ms; dropping them",
             srv->nconns, RTMD_STOP_WAIT_MS);
    event_base_loopbreak(srv->base);
}

void rtmd_server_stop(rtmd_server *srv)
{
    if (srv->stopping)
        return;
    srv->stopping = true;
    rtmd_log(RTMD_LOG_INFO, "shutting down: closing %zu links", srv->nconns);
    rtmd_listener_close(srv);
    rtmd_conn_close_all(srv);
    if (srv->nconns == 0) {
        event_base_loopbreak(srv->base);
        return;
    }
    srv->stop_timer = evtimer_new(srv->base, rtmd_server_stop_timeout, srv);
    struct timeval tv = { RTMD_STOP_WAIT_MS / 1000, (RTMD_STOP_WAIT_MS % 1000) * 1000 };
    if (!srv->stop_timer || evtimer_add(srv->stop_timer, &tv) != 0)
        event_base_loopbreak(srv->base);
}

void rtmd_server_link_gone(rtmd_server *srv)
{
    if (srv->stopping && srv->nconns == 0)
        event_base_loopbreak(srv->base);
}

void rtmd_server_free(rtmd_server *srv)
{
    rtmd_listener_close(srv);
    rtmd_conn_free_all(srv);
    rtmd_listener_free_tls(srv);
    if (srv->engine) {
        rtmd_engine_destroy(srv->engine);
        srv->engine = NULL;
    }
    if (srv->store) {
        rtmd_session_free_all(srv);
        rtmd_store_destroy(srv->store);
        srv->store = NULL;
    }
    rtmd_registry_free(&srv->sessions);
    if (srv->grace_timer) {
        event_free(srv->grace_timer);
        srv->grace_timer = NULL;
    }
    rtmd_member_count_free(srv);
    if (srv->offline_sweep) {
        event_free(srv->offline_sweep);
        srv->offline_sweep = NULL;
    }
    if (srv->accept_pause) {
        event_free(srv->accept_pause);
        srv->accept_pause = NULL;
    }
    rtmd_map_clear(&srv->conns_per_ip);
    if (srv->stop_timer) {
        event_free(srv->stop_timer);
        srv->stop_timer = NULL;
    }
}
