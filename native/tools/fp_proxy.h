/*
 * fp_proxy.h: the proxy: its two listening sockets, its mode, its pairs of
 * connections and its counters. One event-loop thread owns all of it.
 *
 * Modules (one concept per file):
 *   fp_proxy.c    listening sockets, the ready file, modes, command execution
 *   fp_pair.c     one client connection and its upstream connection: forwarding,
 *                 silence (a stall), delay queues, FIN and RST in both directions
 *   fp_control.c  the control channel: lines in, one reply line out
 *   fp_command.c  parsing a command line (no I/O)
 *   fp_config.c   the command line; fp_addr.c addresses and closing; fp_log.c logs
 */
#ifndef FP_PROXY_H
#define FP_PROXY_H

#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>
#include <event2/listener.h>

#include "fp_addr.h"
#include "fp_command.h"
#include "fp_config.h"

typedef enum { FP_MODE_PASS, FP_MODE_SILENT, FP_MODE_DELAY } fp_mode;

typedef struct fp_pair fp_pair;
typedef struct fp_ctl fp_ctl;

typedef struct {
    uint64_t accepted;         /* client connections accepted and paired */
    uint64_t refused;          /* client connections reset by refuse */
    uint64_t up_bytes;   /* client -> upstream, forwarded */
    uint64_t down_bytes; /* upstream -> client, forwarded */
} fp_stats;

typedef struct fp_proxy {
    struct event_base *base;
    fp_sockaddr upstream;
    const char *upstream_text;
    struct evconnlistener *listener;
    struct evconnlistener *control;
    fp_mode mode;
    uint32_t delay_ms; /* FP_MODE_DELAY only; 0 otherwise */
    int refuse;
    fp_pair *pairs; /* every open pair, newest first */
    size_t n_pairs;
    uint64_t next_pair_id;
    fp_ctl *ctls; /* open control connections */
    fp_stats stats;
} fp_proxy;

/* Resolves the upstream, listens on both sockets, applies --mode and writes
 * the ready file. Returns 0, or -1 after logging why. */
int fp_proxy_init(fp_proxy *p, struct event_base *base, const fp_config *cfg);
/* Closes every connection and both listening sockets; frees everything. */
void fp_proxy_free(fp_proxy *p);

/* Runs one command and writes its reply line (without the line end). */
void fp_proxy_execute(fp_proxy *p, const fp_command *cmd, char *reply, size_t size);

const char *fp_mode_name(fp_mode mode);

/* fp_pair.c */
/* A client connection was accepted (and not refused): pair it. */
void fp_pair_accept(fp_proxy *p, int fd);
/* The mode has changed from old to p->mode: apply it to every pair. */
void fp_pairs_mode_changed(fp_proxy *p, fp_mode old);
/* Closes every pair on both sides with an RST (reset = 1) or a FIN
 * (reset = 0). Returns how many pairs were closed. */
size_t fp_pairs_close_all(fp_proxy *p, int reset);
/* Bytes the proxy holds now (read, not yet written to the other side's
 * socket: input and output buffers and delay queues), client -> upstream
 * and upstream -> client. */
void fp_pairs_held(const fp_proxy *p, uint64_t *up, uint64_t *down);

/* fp_control.c */
/* Listens for control connections at addr. Returns 0, or -1. */
int fp_control_open(fp_proxy *p, const fp_sockaddr *addr);
/* Closes every control connection and the control listener. */
void fp_control_free(fp_proxy *p);

#endif
