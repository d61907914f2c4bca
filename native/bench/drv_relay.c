/*
 * drv_relay.c: the raw-relay driver (bench.h): rtm-relay as the server, and
 * a client side of `threads` loop threads (loops.h) speaking relay_proto.h.
 *
 * Each endpoint is a bufferevent on one loop (round robin), owned by that
 * loop's thread. A call made on that thread writes to the bufferevent at
 * once; a call from any other thread encodes the frame and posts it to the
 * loop, which only appends the bytes. Endpoints are only freed by
 * client_close, so that an endpoint handed out stays valid even when its
 * connection is lost.
 */
#include "bench.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "loops.h"
#include "proc.h"
#include "relay_proto.h"

typedef struct drv_loop drv_loop;

struct bench_ep {
    drv_loop *loop;
    /* The loop thread's alone from here on. */
    bench_ep *next_all;        /* the loop's endpoints, for client_close */
    struct bufferevent *bev;   /* NULL until ep_connect ran */
    struct event *ping;
    int joins_pending;         /* JOINs not yet answered: failed if lost */
    bool ready_reported;
    /* Connection failed or lost. Atomic because any thread may read it,
     * to refuse calls on a dead endpoint. */
    atomic_bool dead;
    char source[INET_ADDRSTRLEN]; /* "" when the system chooses */
    char user[];
};

/* What the client side keeps per loop; the loop thread's alone. */
struct drv_loop {
    bench_clients *clients;
    int index;
    const struct timeval *ping_tv; /* a common timeout: O(1) per timer */
    bool closed;               /* client_close: no more callbacks */
    bench_ep *eps;
};

struct bench_clients {
    bench_events events;
    void *closure;
    struct sockaddr_in server;
    struct timeval ping;       /* env->heartbeat_s */
    bench_loops *net;
    atomic_uint next_loop;
    int nloops;
    drv_loop loops[];
};

/* ---- the server ---- */

static int relay_server_start(const bench_env *env, int port, bench_server **out)
{
    char path[4096], listen[32], log[4096];
    snprintf(path, sizeof(path), "%s/native/bench/rtm-relay", env->build_dir);
    snprintf(listen, sizeof(listen), "127.0.0.1:%d", port);
    snprintf(log, sizeof(log), "%s/rtm-relay.log", env->work_dir);
    char *argv[] = {path, "--listen", listen, NULL};
    return bench_server_spawn(argv, log, port, "rtm-relay", out);
}

/* ---- endpoints, on their loop's thread ---- */

static void ep_ready(bench_ep *ep, bool ok)
{
    if (ep->ready_reported)
        return;
    ep->ready_reported = true;
    bench_clients *cl = ep->loop->clients;
    cl->events.on_ready(cl->closure, ep, ok);
}

/* The connection failed or was lost: the endpoint stays (its owner holds
 * it) but says no more. */
static void ep_fail(bench_ep *ep, const char *why)
{
    if (ep->dead)
        return;
    ep->dead = true;
    if (ep->ready_reported)
        fprintf(stderr, "rtm-bench: raw-relay: %s: %s\n", ep->user, why);
    if (ep->bev != NULL)
        bufferevent_disable(ep->bev, EV_READ | EV_WRITE);
    if (ep->ping != NULL)
        event_del(ep->ping);
    ep_ready(ep, false);
    bench_clients *cl = ep->loop->clients;
    for (; ep->joins_pending > 0; ep->joins_pending--)
        cl->events.on_joined(cl->closure, ep, false);
}

/* One frame from the relay; false when malformed. */
static bool ep_frame(bench_ep *ep, uint8_t type, const uint8_t *body, size_t len)
{
    bench_clients *cl = ep->loop->clients;
    switch (type) {
    case RELAY_OK:
        ep_ready(ep, true);
        return true;
    case RELAY_DATA:
        cl->events.on_message(cl->closure, ep, body, len);
        return true;
    case RELAY_JOINED:
        if (ep->joins_pending == 0)
            return false;
        ep->joins_pending--;
        cl->events.on_joined(cl->closure, ep, true);
        return true;
    case RELAY_PONG:
        return true;
    default:
        return false;
    }
}

static void ep_read_cb(struct bufferevent *bev, void *arg)
{
    bench_ep *ep = arg;
    struct evbuffer *in = bufferevent_get_input(bev);
    while (!ep->dead) {
        const uint8_t *f;
        uint32_t len;
        int got = relay_frame_peek(in, &f, &len);
        if (got == RELAY_FRAME_MORE)
            return;
        if (got == RELAY_FRAME_BAD) {
            ep_fail(ep, "bad frame length from the relay");
            return;
        }
        bool ok = f != NULL && ep_frame(ep, f[4], f + RELAY_HEADER, len - 1);
        evbuffer_drain(in, 4 + len);
        if (!ok)
            ep_fail(ep, "malformed frame from the relay");
    }
}

static void ep_event_cb(struct bufferevent *bev, short what, void *arg)
{
    bench_ep *ep = arg;
    if (what & BEV_EVENT_ERROR)
        ep_fail(ep, evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
    else if (what & BEV_EVENT_EOF)
        ep_fail(ep, "the relay closed the connection");
}

/* Writes a frame: header, then an optional u8-prefixed name, then data. */
static int ep_write(bench_ep *ep, uint8_t type, const char *name, size_t nlen,
                    const void *data, size_t len)
{
    if (ep->dead)
        return -1;
    uint8_t hdr[RELAY_HEADER + 1];
    size_t body = len + (name != NULL ? 1 + nlen : 0);
    relay_header(hdr, type, body);
    hdr[RELAY_HEADER] = (uint8_t)nlen;
    struct evbuffer *out = bufferevent_get_output(ep->bev);
    if (evbuffer_add(out, hdr, RELAY_HEADER + (name != NULL)) != 0 ||
        (name != NULL && evbuffer_add(out, name, nlen) != 0) ||
        (len > 0 && evbuffer_add(out, data, len) != 0)) {
        ep_fail(ep, "out of memory");
        return -1;
    }
    if (type == RELAY_JOIN)
        ep->joins_pending++;
    return 0;
}

static void ep_ping_cb(evutil_socket_t fd, short what, void *arg)
{
    ep_write(arg, RELAY_PING, NULL, 0, NULL, 0);
}

/* Posted by relay_connect: registers the endpoint with its loop and starts
 * connecting it. */
static void ep_connect(void *arg)
{
    bench_ep *ep = arg;
    drv_loop *loop = ep->loop;
    ep->next_all = loop->eps;
    loop->eps = ep;
    int one = 1;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        fprintf(stderr, "rtm-bench: raw-relay: %s: socket: %s\n", ep->user,
                strerror(errno));
        ep_fail(ep, "no socket");
        return;
    }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (ep->source[0] != '\0') {
        /* The port is chosen at connect(), per destination, rather than at
         * bind(): thousands of endpoints may share a source address. */
        setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
        struct sockaddr_in src = {.sin_family = AF_INET};
        if (inet_pton(AF_INET, ep->source, &src.sin_addr) != 1 ||
            bind(fd, (struct sockaddr *)&src, sizeof(src)) != 0) {
            fprintf(stderr, "rtm-bench: raw-relay: %s: bind %s: %s\n", ep->user,
                    ep->source, strerror(errno));
            evutil_closesocket(fd);
            ep_fail(ep, "cannot bind");
            return;
        }
    }
    struct event_base *base = bench_loops_base(loop->clients->net, loop->index);
    ep->bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
    ep->ping = event_new(base, -1, EV_PERSIST, ep_ping_cb, ep);
    if (ep->bev == NULL || ep->ping == NULL) {
        if (ep->bev == NULL)
            evutil_closesocket(fd);
        ep_fail(ep, "out of memory");
        return;
    }
    bufferevent_setcb(ep->bev, ep_read_cb, NULL, ep_event_cb, ep);
    bufferevent_enable(ep->bev, EV_READ | EV_WRITE);
    /* HELLO waits in the output until the connection is up. */
    size_t ulen = strlen(ep->user);
    if (ep_write(ep, RELAY_HELLO, NULL, 0, ep->user, ulen) != 0)
        return;
    struct bufferevent *bev = ep->bev;
    if (bufferevent_socket_connect(bev, (struct sockaddr *)&loop->clients->server,
                                   sizeof(loop->clients->server)) != 0) {
        ep_fail(ep, "connect failed");
        return;
    }
    if (!ep->dead)
        event_add(ep->ping, loop->ping_tv);
}

/* A frame another thread encoded for ep, to be appended on ep's loop. */
typedef struct drv_cmd {
    bench_ep *ep;
    size_t len;
    uint8_t frame[];
} drv_cmd;

static void ep_post(void *arg)
{
    drv_cmd *c = arg;
    bench_ep *ep = c->ep;
    bool join = c->frame[4] == RELAY_JOIN;
    if (!ep->dead) {
        /* Counted first, so that ep_fail answers this join too. */
        if (join)
            ep->joins_pending++;
        if (evbuffer_add(bufferevent_get_output(ep->bev), c->frame, c->len) != 0)
            ep_fail(ep, "out of memory");
    } else if (join && !ep->loop->closed) {
        /* Accepted while the endpoint lived, lost with it: answered as
         * ep_fail answers the joins that were sent. */
        bench_clients *cl = ep->loop->clients;
        cl->events.on_joined(cl->closure, ep, false);
    }
    free(c);
}

/* ---- the client side ---- */

/* On each loop thread once, before any endpoint: the heartbeat's common
 * timeout, and a name for top -H. */
static void loop_init(void *arg)
{
    drv_loop *loop = arg;
    struct event_base *base = bench_loops_base(loop->clients->net, loop->index);
    loop->ping_tv = event_base_init_common_timeout(base, &loop->clients->ping);
    char name[16];
    snprintf(name, sizeof(name), "relay-net-%d", loop->index % 1000);
    pthread_setname_np(pthread_self(), name);
}

static int relay_client_open(const bench_env *env, int port, int threads,
                             const bench_events *events, void *closure,
                             bench_clients **out)
{
    if (threads < 1) {
        fprintf(stderr, "rtm-bench: raw-relay: threads must be at least 1\n");
        return -1;
    }
    bench_clients *cl = calloc(1, sizeof(*cl) + (size_t)threads * sizeof(drv_loop));
    if (cl == NULL) {
        fprintf(stderr, "rtm-bench: raw-relay: out of memory\n");
        return -1;
    }
    cl->events = *events;
    cl->closure = closure;
    cl->server.sin_family = AF_INET;
    cl->server.sin_port = htons((uint16_t)port);
    cl->server.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    /* A heartbeat per endpoint, so that an idle endpoint costs what an idle
     * heartbeating client of the other systems costs (bench.h). */
    cl->ping.tv_sec = env->heartbeat_s;
    cl->nloops = threads;
    if ((cl->net = bench_loops_start(threads, NULL)) == NULL) {
        free(cl);
        return -1;
    }
    for (int i = 0; i < threads; i++) {
        drv_loop *loop = &cl->loops[i];
        loop->clients = cl;
        loop->index = i;
        if (bench_loops_call(cl->net, i, loop_init, loop) != 0 || loop->ping_tv == NULL) {
            fprintf(stderr, "rtm-bench: raw-relay: cannot set up network thread %d\n", i);
            bench_loops_stop(cl->net);
            free(cl);
            return -1;
        }
    }
    *out = cl;
    return 0;
}

/* On the loop thread, after everything posted to it: disconnects its
 * endpoints. None of their callbacks runs after this, and frames posted
 * for them later are dropped. */
static void disconnect_loop(void *arg)
{
    drv_loop *loop = arg;
    loop->closed = true;
    for (bench_ep *ep = loop->eps; ep != NULL; ep = ep->next_all) {
        ep->dead = true;
        if (ep->bev != NULL)
            bufferevent_free(ep->bev);
        if (ep->ping != NULL)
            event_free(ep->ping);
        ep->bev = NULL;
        ep->ping = NULL;
    }
}

/* On the loop thread, once no loop runs callbacks any more, and after what
 * callbacks on other loops posted to this one: frees its endpoints. */
static void free_loop(void *arg)
{
    drv_loop *loop = arg;
    while (loop->eps != NULL) {
        bench_ep *ep = loop->eps;
        loop->eps = ep->next_all;
        free(ep);
    }
}

static void relay_client_close(bench_clients *cl)
{
    /* Two rounds, so that a callback still running on one loop (a reply
     * to a message, say) cannot post for an endpoint another loop freed. */
    for (int i = 0; i < cl->nloops; i++)
        bench_loops_call(cl->net, i, disconnect_loop, &cl->loops[i]);
    for (int i = 0; i < cl->nloops; i++)
        bench_loops_call(cl->net, i, free_loop, &cl->loops[i]);
    bench_loops_stop(cl->net);
    free(cl);
}

static bench_ep *relay_connect(bench_clients *cl, const char *user, const char *source)
{
    size_t ulen = strlen(user);
    if (ulen < 1 || ulen > RELAY_MAX_NAME ||
        (source != NULL && strlen(source) >= INET_ADDRSTRLEN)) {
        fprintf(stderr, "rtm-bench: raw-relay: bad user or source address\n");
        return NULL;
    }
    bench_ep *ep = calloc(1, sizeof(*ep) + ulen + 1);
    if (ep == NULL)
        return NULL;
    memcpy(ep->user, user, ulen + 1);
    if (source != NULL)
        strcpy(ep->source, source);
    unsigned i = atomic_fetch_add(&cl->next_loop, 1) % (unsigned)cl->nloops;
    ep->loop = &cl->loops[i];
    if (bench_loops_post(cl->net, (int)i, ep_connect, ep) != 0) {
        free(ep);
        return NULL;
    }
    return ep;
}

/* A frame for ep: written at once on ep's loop thread, else posted there. */
static int ep_submit(bench_ep *ep, uint8_t type, const char *name, const void *data,
                     size_t len)
{
    size_t nlen = name != NULL ? strlen(name) : 0;
    if ((name != NULL && (nlen < 1 || nlen > RELAY_MAX_NAME)) ||
        len + nlen + 2 > RELAY_MAX_FRAME)
        return -1;
    if (ep->dead)
        return -1;
    bench_loops *net = ep->loop->clients->net;
    /* Before ep_connect there is no bufferevent yet: posted, the frame
     * comes after it. */
    if (bench_loops_on(net, ep->loop->index) && ep->bev != NULL)
        return ep_write(ep, type, name, nlen, data, len);
    size_t body = len + (name != NULL ? 1 + nlen : 0);
    drv_cmd *c = malloc(sizeof(*c) + RELAY_HEADER + body);
    if (c == NULL)
        return -1;
    c->ep = ep;
    c->len = RELAY_HEADER + body;
    relay_header(c->frame, type, body);
    uint8_t *p = c->frame + RELAY_HEADER;
    if (name != NULL) {
        *p++ = (uint8_t)nlen;
        memcpy(p, name, nlen);
        p += nlen;
    }
    if (len > 0)
        memcpy(p, data, len);
    if (bench_loops_post(net, ep->loop->index, ep_post, c) != 0) {
        free(c);
        return -1;
    }
    return 0;
}

static int relay_join(bench_ep *ep, const char *channel)
{
    size_t n = strlen(channel);
    if (n < 1 || n > RELAY_MAX_NAME)
        return -1;
    return ep_submit(ep, RELAY_JOIN, NULL, channel, n);
}

static int relay_send_peer(bench_ep *ep, const char *to, const void *data, size_t len)
{
    return ep_submit(ep, RELAY_SEND, to, data, len);
}

static int relay_publish(bench_ep *ep, const char *channel, const void *data, size_t len)
{
    return ep_submit(ep, RELAY_PUB, channel, data, len);
}

const bench_driver bench_driver_relay = {
    .name = "raw-relay",
    .server_start = relay_server_start,
    .server_stop = bench_server_stop,
    .server_pid = bench_server_pid,
    .client_open = relay_client_open,
    .client_close = relay_client_close,
    .connect = relay_connect,
    .join = relay_join,
    .send_peer = relay_send_peer,
    .publish = relay_publish,
};
