/*
 * server.h: the state of one rtmd process, shared by its modules.
 *
 * The way data travels: listener -> conn (a link: framing, heartbeats,
 * limits) -> the request table (requests.c) -> a handler (session, router,
 * attrs, ...) -> the engine (engine.h, what the system keeps) -> the outbox
 * (outbox.c) -> the links. The node's own sessions are the registry's
 * (registry.h). Everything runs on one libevent loop thread, and each of its
 * callbacks reads the clocks once (rtmd_server_tick).
 */
#ifndef RTMD_SERVER_H
#define RTMD_SERVER_H

#include <stdbool.h>
#include <stdint.h>

#include <event2/event.h>
#include <event2/listener.h>

#include "config.h"
#include "deadlines.h"
#include "log.h"
#include "map.h"
#include "metrics.h"
#include "rates.h"
#include "registry.h"
#include "engine/store.h"

typedef struct rtmd_conn rtmd_conn;

/* The clocks, read once at the start of every loop callback
 * (rtmd_server_tick) and passed down, as libuv caches its loop time: code
 * below a callback takes its now from here, never from the system, so that
 * what it decides can be computed and tested for any now. Monotonic ms for
 * deadlines, µs for rates; wall ms for server_ts and token times. */
typedef struct {
    uint64_t mono_ms;
    uint64_t mono_us;
    uint64_t wall_ms;
} rtmd_clock;

/* How long accepting pauses when accept() fails for want of descriptors
 * or memory: the pending connection stays readable, so without a pause the
 * loop would spin on it. */
#define RTMD_ACCEPT_PAUSE_MS 100

typedef struct rtmd_server {
    const rtmd_config *cfg;
    struct event_base *base;
    rtmd_clock now;        /* as of the current loop callback */
    rtmd_store *store;     /* what the system keeps (store.h) */
    struct rtmd_engine *engine; /* the door to it (engine.h) */
    struct rtmd_blobs *blobs;   /* the bytes of stored media (blobs.h, media.h) */
    rtmd_registry sessions; /* the sessions this node holds (registry.h) */
    rtmd_rates rates;       /* request rates by user and address (rates.h) */
    struct evconnlistener *listener;
    /* TLS (tls.c): the listener that serves it (== listener when --listen is
     * TLS) and the context; NULL without --tls-cert. */
    struct evconnlistener *tls_listener;
    struct ssl_ctx_st *tls_ctx;
    rtmd_conn *conns;      /* every link, open or closing */
    size_t nconns;
    /* Links whose deferred work (conn.c: hand-off, freeing) waits for the
     * callback under way to return, oldest first, and the event that runs
     * it. */
    rtmd_conn *deferred, *deferred_tail;
    struct event *conn_deferred;
    rtmd_map conns_per_ip; /* numeric source address -> its links (uintptr_t) */
    /* Links refused by --max-conns/--max-conns-per-ip, logged at most once a
     * second. */
    rtmd_log_limiter refused_log;
    /* TLS links refused over a cap, lingering to hand over their
     * Close{OVERLOADED} (conn.c). */
    struct rtmd_tls_refusal *tls_refusals;
    unsigned n_tls_refusals;
    /* Offline messages (SPEC A6): the sweep of expired ones (and of
     * channels without members whose history expired, and of idle rate
     * buckets), and the lines about a full store (once a minute) and about
     * peer messages a bound dropped (once a second). */
    struct event *offline_sweep;
    struct event *sweep_next; /* the next step of a sweep's pass */
    bool sweeping;            /* a pass is under way */
    unsigned sweep_steps;     /* its steps so far, less one */
    rtmd_log_limiter full_log[RTMD_USAGE_KINDS]; /* rtmd_server_store_full */
    rtmd_log_limiter dropped_log;
    /* Member counts (member_count.c): per "app\x1fchannel", what was last
     * sent; the timer of the counts that wait, and when it fires (0: not
     * armed). */
    rtmd_map member_counts;
    struct event *member_count_timer;
    uint64_t member_count_due;
    /* Accepting paused after accept() failed for want of descriptors, and
     * those failures' log lines. */
    struct event *accept_pause;
    rtmd_log_limiter accept_error_log;
    uint64_t next_conn_id;
    bool stopping;         /* SIGTERM/SIGINT seen */
    /* Sessions without a link, oldest deadline first (session.c). */
    rtmd_grace_list grace;
    struct event *grace_timer;
    struct event *stop_timer;
    rtmd_metrics metrics;  /* the counters of /metrics */
    /* The durable store (store_sqlite.h): its file, the lock that keeps
     * other rtmds off it, and the recovery after a failed write. */
    char *store_path;
    char node_id[RTMD_NODE_ID_MAX + 1]; /* with a Redis store (server.c) */
    /* With a Redis store: the bytes the system holds by rtmd_usage, as of
     * the last beat (/metrics). */
    uint64_t shared_usage[RTMD_USAGE_KINDS];
    int lock_fd;
    struct event *recover_ev;
    /* A store that fails again soon after a reload is reloaded after a
     * backoff (doubling, at most RTMD_STORE_BACKOFF_MAX_MS), with accepting
     * paused meanwhile: when, how long, and whether one is under way. */
    struct event *recover_timer;
    uint64_t store_reloaded_ms;
    uint32_t store_backoff_ms;
    bool store_recovering;
    bool sessions_recovered; /* rtmd_session_recover_all's list came */
    bool expired_once;       /* an expiry sweep completed */
    /* With a Redis store: this node says it is alive (server.c), and joins
     * again after it was declared dead (fenced). */
    struct event *beat_timer;
    bool beat_pending, beat_rejoin, beat_fenced;
    /* Links holding frames until the store's writes are durable (conn.c). */
    rtmd_conn *held;
    bool gate_off;         /* frames go out at once (conn.c, after a failure) */
    int exit_code;         /* main's, once the loop ends (0 but after a fatal error) */

    struct rtmd_admin *admin; /* the admin API (admin.c); NULL when off */
} rtmd_server;

/* A memory bound of kind (docs/SERVER.md, "Memory") refused or left out
 * something (app: whose, for the per-app bounds): counted in /metrics, and
 * logged at most once a minute per kind. */
void rtmd_server_store_full(rtmd_server *srv, rtmd_usage kind, const char *app);

/* Reads the clocks into srv->now: the first thing every loop callback does. */
void rtmd_server_tick(rtmd_server *srv);
/* The system's clocks. Only rtmd_server_tick reads them, but for
 * rtmd_wall_us: microseconds since the Unix epoch, read afresh where a
 * channel unknown to the store gets its first seq (store.h, channel_join),
 * so that two lives of a channel never share a start. */
uint64_t rtmd_now_us(void);
uint64_t rtmd_wall_us(void);

/* 0, or -1 (logged) when the store cannot be created. */
int rtmd_server_init(rtmd_server *srv, const rtmd_config *cfg, struct event_base *base);
/* Starts a clean shutdown: stops accepting, sends Close{SHUTDOWN} to every
 * link, and ends the loop once they are gone (or after a bounded wait). */
void rtmd_server_stop(rtmd_server *srv);
/* The store's writes up to batch are durable (ok) or failed: frames held
 * for them go out, or the server recovers (rtmd_store_durable_fn). */
void rtmd_server_durable(uint64_t batch, bool ok, void *closure);
/* Called by conn.c when a link has been freed. */
void rtmd_server_link_gone(rtmd_server *srv);
/* Frees every link, session and the store. After the loop has ended. */
void rtmd_server_free(rtmd_server *srv);

/* listener.c: binds "HOST:PORT" (IPv6 as "[HOST]:PORT"; port 0: a free
 * port) for cb (NULL: to be set later, as evhttp_bind_listener does) and
 * writes the bound address to bound. NULL (logged) on failure. */
struct evconnlistener *rtmd_listener_bind(rtmd_server *srv, const char *listen,
                                          evconnlistener_cb cb, char *bound, size_t size);
/* listener.c: loads the TLS context (--tls-cert), binds cfg->listen (and
 * cfg->tls_listen), opens the admin API (admin.h), logs and writes the ready
 * file. 0 or -1 (logged). */
int rtmd_listener_open(rtmd_server *srv);
void rtmd_listener_close(rtmd_server *srv);
/* Accepting on (resumed) or off (paused) on every listener. */
void rtmd_listener_set_enabled(rtmd_server *srv, bool on);
/* Frees the TLS context; after every link is gone. */
void rtmd_listener_free_tls(rtmd_server *srv);

#endif
