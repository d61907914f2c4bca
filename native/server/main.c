/* main.c: rtmd's entry point: arguments, logging, signals, the loop. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include <event2/event.h>

#include "config.h"
#include "frame.h"
#include "hash.h"
#include "log.h"
#include "server.h"
#include "engine/store_sqlite.h"

static void rtmd_signal_cb(evutil_socket_t sig, short what, void *arg)
{
    rtmd_server_tick(arg);
    rtmd_log(RTMD_LOG_INFO, "signal %d received", (int)sig);
    rtmd_server_stop(arg);
}

int main(int argc, char **argv)
{
    rtmd_config cfg;
    switch (rtmd_config_parse(&cfg, argc, argv, stdout, stderr)) {
    case RTMD_CONFIG_OK: break;
    case RTMD_CONFIG_EXIT: return 0;
    default: return 2;
    }
    if (cfg.check_data) {
        char report[2048];
        int found = rtmd_store_sqlite_check(cfg.check_data, report, sizeof report);
        printf("%s\n", report);
        rtmd_config_free(&cfg);
        return found == 0 ? 0 : 1;
    }
    rtmd_log_set_level(cfg.log_level);
    signal(SIGPIPE, SIG_IGN);
    uint32_t asked = rtmd_config_fit(&cfg);
    if (asked != cfg.max_conns)
        rtmd_log(RTMD_LOG_WARN, "--max-conns %u is more than the open-file limit leaves for "
                 "links (it less %u for rtmd's own files and the admin API): using %u",
                 asked, RTMD_FD_RESERVE + RTMD_ADMIN_MAX_CONNS, cfg.max_conns);
    if (rtmd_hash_init() != 0) {
        rtmd_log(RTMD_LOG_ERROR, "the OS gave no randomness for the maps' hash key "
                 "(getrandom failed): not starting");
        rtmd_config_free(&cfg);
        return 1;
    }

    int rc = 1;
    rtmd_server srv;
    struct event *sigterm = NULL, *sigint = NULL;
    struct event_base *base = event_base_new();
    if (!base) {
        rtmd_log(RTMD_LOG_ERROR, "cannot create the event loop");
        goto out;
    }
    if (rtmd_server_init(&srv, &cfg, base) != 0)
        goto out_server; /* frees what the init got to */
    sigterm = evsignal_new(base, SIGTERM, rtmd_signal_cb, &srv);
    sigint = evsignal_new(base, SIGINT, rtmd_signal_cb, &srv);
    if (!sigterm || !sigint || evsignal_add(sigterm, NULL) != 0 ||
        evsignal_add(sigint, NULL) != 0) {
        rtmd_log(RTMD_LOG_ERROR, "cannot handle signals");
        goto out_server;
    }
    if (cfg.n_app_ids == 0)
        rtmd_log(RTMD_LOG_WARN, "WARNING: no --app-id given: any app id is accepted. "
                 "This is a development mode; do not run it like this in production.");
    else
        for (size_t i = 0; i < cfg.n_app_ids; i++)
            rtmd_log(RTMD_LOG_INFO, "accepting app id %s", cfg.app_ids[i]);
    rtmd_log(RTMD_LOG_INFO, "heartbeat %u ms, idle timeout %s, login deadline %u ms, "
             "max frame %u bytes", cfg.heartbeat_ms,
             cfg.idle_timeout_ms ? "from --idle-timeout-ms" : "3 x the client's heartbeat",
             cfg.login_deadline_ms, cfg.max_frame);
    char rates[640];
    size_t n = 0;
    for (int k = 0; k < RTMD_RATE_COUNT && n < sizeof rates; k++) {
        rtmd_rate r = cfg.rates[k];
        n += (size_t)snprintf(rates + n, sizeof rates - n, r.count ? "%s%s %u/%u ms" : "%s%s off",
                              k ? ", " : "", rtmd_rate_name((rtmd_rate_kind)k), r.count,
                              r.period_ms);
    }
    char per_ip[32] = "any number";
    if (cfg.max_conns_per_ip)
        snprintf(per_ip, sizeof per_ip, "%u", cfg.max_conns_per_ip);
    rtmd_log(RTMD_LOG_INFO, "links: at most %u, %s per address; rates per user: %s",
             cfg.max_conns, per_ip, rates);
    if (rtmd_listener_open(&srv) != 0)
        goto out_server;

    if (event_base_dispatch(base) < 0)
        rtmd_log(RTMD_LOG_ERROR, "the event loop failed");
    else
        rc = srv.exit_code;
    rtmd_log(RTMD_LOG_INFO, "stopped");

out_server:
    if (sigterm)
        event_free(sigterm);
    if (sigint)
        event_free(sigint);
    rtmd_server_free(&srv);
    event_base_free(base);
out:
    rtmd_config_free(&cfg);
    libevent_global_shutdown();
    return rc;
}
