/* fp_proxy.c: the listening sockets, the ready file, modes and commands. */
#include "fp_proxy.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "fp_log.h"

const char *fp_mode_name(fp_mode mode)
{
    switch (mode) {
    case FP_MODE_PASS: return "pass";
    case FP_MODE_SILENT: return "silent";
    case FP_MODE_DELAY: return "delay";
    }
    return "?";
}

static void fp__accept_cb(struct evconnlistener *l, evutil_socket_t fd,
                          struct sockaddr *addr, int addrlen, void *arg)
{
    fp_proxy *p = arg;
    if (p->refuse) {
        char peer[64];
        fp_addr_of(fd, 1, peer, sizeof peer);
        p->stats.refused++;
        fp_log(FP_LOG_INFO, "%s: refused (reset)", peer);
        fp_close_reset(fd);
        return;
    }
    fp_pair_accept(p, fd);
}

static void fp__accept_error_cb(struct evconnlistener *l, void *arg)
{
    int err = EVUTIL_SOCKET_ERROR();
    fp_log(FP_LOG_ERROR, "accept failed: %s", evutil_socket_error_to_string(err));
}

/* Sets the lasting state (pass, silent, delay) and applies it to every pair. */
static void fp__set_mode(fp_proxy *p, fp_mode mode, uint32_t delay_ms)
{
    if (mode == FP_MODE_DELAY && delay_ms == 0)
        mode = FP_MODE_PASS;
    if (mode != FP_MODE_DELAY)
        delay_ms = 0;
    fp_mode old = p->mode;
    uint32_t old_delay = p->delay_ms;
    p->mode = mode;
    p->delay_ms = delay_ms;
    if (old != mode || old_delay != delay_ms)
        fp_log(FP_LOG_INFO, "mode %s (delay %u ms) -> %s (delay %u ms), %zu pairs",
               fp_mode_name(old), (unsigned)old_delay, fp_mode_name(mode),
               (unsigned)delay_ms, p->n_pairs);
    fp_pairs_mode_changed(p, old);
}

void fp_proxy_execute(fp_proxy *p, const fp_command *cmd, char *reply, size_t size)
{
    size_t n;
    switch (cmd->kind) {
    case FP_CMD_PASS:
        fp__set_mode(p, FP_MODE_PASS, 0);
        snprintf(reply, size, "ok pass");
        return;
    case FP_CMD_SILENT:
        fp__set_mode(p, FP_MODE_SILENT, 0);
        snprintf(reply, size, "ok silent");
        return;
    case FP_CMD_DELAY:
        fp__set_mode(p, FP_MODE_DELAY, cmd->delay_ms);
        snprintf(reply, size, "ok delay %u", (unsigned)cmd->delay_ms);
        return;
    case FP_CMD_RESET:
        n = fp_pairs_close_all(p, 1);
        fp_log(FP_LOG_INFO, "reset %zu pairs", n);
        snprintf(reply, size, "ok reset %zu", n);
        return;
    case FP_CMD_CLOSE:
        n = fp_pairs_close_all(p, 0);
        fp_log(FP_LOG_INFO, "closed %zu pairs", n);
        snprintf(reply, size, "ok close %zu", n);
        return;
    case FP_CMD_REFUSE:
        if (!p->refuse)
            fp_log(FP_LOG_INFO, "refusing new connections");
        p->refuse = 1;
        snprintf(reply, size, "ok refuse");
        return;
    case FP_CMD_ACCEPT:
        if (p->refuse)
            fp_log(FP_LOG_INFO, "accepting new connections");
        p->refuse = 0;
        snprintf(reply, size, "ok accept");
        return;
    case FP_CMD_STATUS: {
        uint64_t held_up, held_down;
        fp_pairs_held(p, &held_up, &held_down);
        snprintf(reply, size,
                 "ok mode=%s delay_ms=%u refuse=%s connections=%zu accepted=%" PRIu64
                 " refused=%" PRIu64 " up_bytes=%" PRIu64 " down_bytes=%" PRIu64
                 " held_up_bytes=%" PRIu64 " held_down_bytes=%" PRIu64,
                 fp_mode_name(p->mode), (unsigned)p->delay_ms, p->refuse ? "on" : "off",
                 p->n_pairs, p->stats.accepted, p->stats.refused, p->stats.up_bytes,
                 p->stats.down_bytes, held_up, held_down);
        return;
    }
    case FP_CMD_HELP:
        snprintf(reply, size, "ok commands: %s", FP_COMMAND_LIST);
        return;
    }
    snprintf(reply, size, "error unknown command");
}

static void fp__apply(fp_proxy *p, const fp_command *cmd)
{
    char reply[512];
    fp_proxy_execute(p, cmd, reply, sizeof reply);
}

int fp_proxy_init(fp_proxy *p, struct event_base *base, const fp_config *cfg)
{
    memset(p, 0, sizeof *p);
    p->base = base;
    p->upstream_text = cfg->upstream;
    p->mode = FP_MODE_PASS;

    fp_sockaddr listen_addr, control_addr;
    if (fp_addr_resolve(cfg->upstream, 0, &p->upstream) != 0) {
        fp_log(FP_LOG_ERROR, "cannot resolve the upstream address %s", cfg->upstream);
        return -1;
    }
    if (fp_addr_resolve(cfg->listen, 1, &listen_addr) != 0) {
        fp_log(FP_LOG_ERROR, "cannot resolve the listen address %s", cfg->listen);
        return -1;
    }
    if (fp_addr_resolve(cfg->control, 1, &control_addr) != 0) {
        fp_log(FP_LOG_ERROR, "cannot resolve the control address %s", cfg->control);
        return -1;
    }
    for (size_t i = 0; i < cfg->n_modes; i++)
        fp__apply(p, &cfg->modes[i]);

    p->listener = evconnlistener_new_bind(
        base, fp__accept_cb, p, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC,
        128, (struct sockaddr *)&listen_addr.ss, (int)listen_addr.len);
    if (!p->listener) {
        fp_log(FP_LOG_ERROR, "cannot listen on %s: %s", cfg->listen,
               evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
        return -1;
    }
    evconnlistener_set_error_cb(p->listener, fp__accept_error_cb);
    if (fp_control_open(p, &control_addr) != 0) {
        fp_log(FP_LOG_ERROR, "cannot listen for control on %s: %s", cfg->control,
               evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
        return -1;
    }

    char listen_text[96], control_text[96], ready[200];
    fp_addr_of(evconnlistener_get_fd(p->listener), 0, listen_text, sizeof listen_text);
    fp_addr_of(evconnlistener_get_fd(p->control), 0, control_text, sizeof control_text);
    fp_log(FP_LOG_INFO, "listening on %s, forwarding to %s, control on %s; mode %s "
           "(delay %u ms)%s", listen_text, cfg->upstream, control_text, fp_mode_name(p->mode),
           (unsigned)p->delay_ms, p->refuse ? ", refusing new connections" : "");
    if (cfg->ready_file) {
        snprintf(ready, sizeof ready, "%s %s\n", listen_text, control_text);
        if (fp_addr_write_ready(cfg->ready_file, ready) != 0) {
            fp_log(FP_LOG_ERROR, "cannot write the ready file %s: %s", cfg->ready_file,
                   strerror(errno));
            return -1;
        }
    }
    return 0;
}

void fp_proxy_free(fp_proxy *p)
{
    size_t n = fp_pairs_close_all(p, 0);
    if (n)
        fp_log(FP_LOG_INFO, "closed %zu pairs", n);
    fp_control_free(p);
    if (p->listener) {
        evconnlistener_free(p->listener);
        p->listener = NULL;
    }
}
