/* faultproxy.c: rtm-faultproxy's entry point: arguments, signals, the loop. */
#include <signal.h>
#include <stdio.h>

#include <event2/event.h>

#include "fp_config.h"
#include "fp_log.h"
#include "fp_proxy.h"

static void fp_signal_cb(evutil_socket_t sig, short what, void *arg)
{
    fp_log(FP_LOG_INFO, "signal %d received: stopping", (int)sig);
    event_base_loopexit(arg, NULL);
}

int main(int argc, char **argv)
{
    fp_config cfg;
    switch (fp_config_parse(&cfg, argc, argv, stdout, stderr)) {
    case FP_CONFIG_OK: break;
    case FP_CONFIG_EXIT: return 0;
    default: return 2;
    }
    fp_log_set_level(cfg.log_level);
    signal(SIGPIPE, SIG_IGN);

    int rc = 1;
    fp_proxy proxy;
    struct event *sigterm = NULL, *sigint = NULL;
    struct event_base *base = event_base_new();
    if (!base) {
        fp_log(FP_LOG_ERROR, "cannot create the event loop");
        goto out;
    }
    sigterm = evsignal_new(base, SIGTERM, fp_signal_cb, base);
    sigint = evsignal_new(base, SIGINT, fp_signal_cb, base);
    if (!sigterm || !sigint || evsignal_add(sigterm, NULL) != 0 ||
        evsignal_add(sigint, NULL) != 0) {
        fp_log(FP_LOG_ERROR, "cannot handle signals");
        goto out_signals;
    }
    if (fp_proxy_init(&proxy, base, &cfg) == 0) {
        if (event_base_dispatch(base) < 0)
            fp_log(FP_LOG_ERROR, "the event loop failed");
        else
            rc = 0;
    }
    fp_proxy_free(&proxy);
    fp_log(FP_LOG_INFO, "stopped");

out_signals:
    if (sigterm)
        event_free(sigterm);
    if (sigint)
        event_free(sigint);
    event_base_free(base);
out:
    libevent_global_shutdown();
    return rc;
}
