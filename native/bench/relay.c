/*
 * relay.c: rtm-relay, the floor of rtm-bench: a raw TCP relay that forwards
 * bytes between connections through one single-threaded process, with no
 * acknowledgements, storage, authentication or sessions. What it costs is
 * what moving a message through any server costs at least.
 *
 *   rtm-relay --listen 127.0.0.1:PORT
 *
 * The protocol (relay_proto.h): every frame is a u32 big-endian length of
 * what follows, a u8 type, and a body; the length is at most 1 MiB. Names
 * and groups are 1..255 bytes without NUL.
 *   HELLO(1) name      first frame: registers the connection as name; OK(2)
 *   SEND(3) u8 n, to[n], payload
 *                      DATA(4) payload to the connection named to (dropped
 *                      when there is none)
 *   JOIN(5) group      adds the connection to group; JOINED(6) group
 *   PUB(7) u8 n, group[n], payload
 *                      DATA(4) payload to every member of group but the
 *                      sender (who need not be a member)
 *   PING(8)            PONG(9); allowed before HELLO
 * Anything else (an unknown type, a bad length, a name taken, SEND, JOIN or
 * PUB before HELLO, a second HELLO) closes the connection. A receiver with
 * more than 8 MiB of output queued is dropped, so that a slow reader cannot
 * grow the relay's memory without bound.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/util.h>

#include "relay_proto.h"
#include "relay_table.h"

#define RELAY_MAX_OUTPUT (8u << 20)
/* How long accepting pauses when accept() fails for want of descriptors:
 * the pending connection stays readable, so without a pause the loop spins. */
#define RELAY_ACCEPT_PAUSE_MS 100

typedef struct conn conn;
typedef struct group group;
typedef struct relay relay;

/* A group conn is in, and conn's index in the group's member array (kept
 * so that leaving is O(1) in the group's size). */
typedef struct membership {
    group *g;
    uint32_t index;
} membership;

struct conn {
    struct relay *r;
    struct bufferevent *bev;
    char *name;                 /* NULL before HELLO; the key in names */
    membership *groups;
    uint32_t ngroups, capgroups;
    bool doomed;                /* to be freed by the reaper */
    conn *prev, *next;          /* every connection, for shutdown */
    conn *next_doomed;
};

struct group {
    char *name;                 /* the key in groups */
    conn **members;
    uint32_t n, cap;
};

struct relay {
    struct event_base *base;
    struct evconnlistener *listener;
    struct event *reaper;       /* frees doomed connections */
    struct event *resume;       /* ends an accept pause */
    relay_table names, groups;
    conn *conns;
    conn *doomed;
    size_t nconns;
};

/* ---- groups ---- */

/* A name of a frame as a C string. Not strndup: the name is not
 * NUL-terminated in the frame, and strndup may look past len for the NUL
 * (ASan's strict_string_checks says so). */
static char *copy_name(const char *name, size_t len)
{
    char *copy = malloc(len + 1);
    if (copy != NULL) {
        memcpy(copy, name, len);
        copy[len] = '\0';
    }
    return copy;
}

static membership *conn_membership(conn *c, const group *g)
{
    for (uint32_t i = 0; i < c->ngroups; i++)
        if (c->groups[i].g == g)
            return &c->groups[i];
    return NULL;
}

static int group_join(relay *r, conn *c, const char *name, size_t len)
{
    group *g = relay_table_get(&r->groups, name, len);
    if (g != NULL && conn_membership(c, g) != NULL)
        return 0;
    if (c->ngroups == c->capgroups) {
        uint32_t cap = c->capgroups ? c->capgroups * 2 : 2;
        membership *m = realloc(c->groups, cap * sizeof(*m));
        if (m == NULL)
            return -1;
        c->groups = m;
        c->capgroups = cap;
    }
    if (g == NULL) {
        g = calloc(1, sizeof(*g));
        if (g == NULL || (g->name = copy_name(name, len)) == NULL ||
            relay_table_add(&r->groups, g->name, len, g) != 0) {
            if (g != NULL)
                free(g->name);
            free(g);
            return -1;
        }
    }
    if (g->n == g->cap) {
        uint32_t cap = g->cap ? g->cap * 2 : 4;
        conn **m = realloc(g->members, cap * sizeof(*m));
        if (m == NULL)
            return -1; /* an empty new group stays: freed at exit */
        g->members = m;
        g->cap = cap;
    }
    c->groups[c->ngroups++] = (membership){g, g->n};
    g->members[g->n++] = c;
    return 0;
}

static void group_free(group *g)
{
    free(g->members);
    free(g->name);
    free(g);
}

/* Takes c out of every group; a group left empty goes. */
static void conn_leave_all(relay *r, conn *c)
{
    for (uint32_t i = 0; i < c->ngroups; i++) {
        group *g = c->groups[i].g;
        uint32_t at = c->groups[i].index;
        conn *last = g->members[--g->n];
        if (last != c) {
            g->members[at] = last;
            conn_membership(last, g)->index = at;
        }
        if (g->n == 0) {
            relay_table_del(&r->groups, g->name, strlen(g->name));
            group_free(g);
        }
    }
    free(c->groups);
    c->groups = NULL;
    c->ngroups = c->capgroups = 0;
}

/* ---- connections ---- */

static void conn_free(relay *r, conn *c)
{
    conn_leave_all(r, c);
    if (c->name != NULL && !c->doomed)
        relay_table_del(&r->names, c->name, strlen(c->name));
    if (c->prev)
        c->prev->next = c->next;
    else
        r->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    r->nconns--;
    bufferevent_free(c->bev);
    free(c->name);
    free(c);
}

/* Closes c once the current callback is over: a connection may be dropped
 * in the middle of a loop over a group's members, which leaving the group
 * now would reorder. Its name goes at once so that nothing else is sent
 * to it and the name is free again. */
static void conn_doom(relay *r, conn *c, const char *why)
{
    if (c->doomed)
        return;
    if (why != NULL)
        fprintf(stderr, "rtm-relay: closing %s: %s\n", c->name ? c->name : "(no name)",
                why);
    if (c->name != NULL)
        relay_table_del(&r->names, c->name, strlen(c->name));
    c->doomed = true;
    bufferevent_disable(c->bev, EV_READ | EV_WRITE);
    c->next_doomed = r->doomed;
    r->doomed = c;
    event_active(r->reaper, 0, 0);
}

static void relay_reap_cb(evutil_socket_t fd, short what, void *arg)
{
    relay *r = arg;
    while (r->doomed != NULL) {
        conn *c = r->doomed;
        r->doomed = c->next_doomed;
        conn_free(r, c);
    }
}

/* Queues a frame to c, dropping c when its output passes the bound. */
static void conn_send(relay *r, conn *c, uint8_t type, const void *body, size_t len)
{
    if (c->doomed)
        return;
    uint8_t hdr[RELAY_HEADER];
    relay_header(hdr, type, len);
    struct evbuffer *out = bufferevent_get_output(c->bev);
    if (evbuffer_add(out, hdr, sizeof(hdr)) != 0 ||
        (len > 0 && evbuffer_add(out, body, len) != 0))
        conn_doom(r, c, "out of memory");
    else if (evbuffer_get_length(out) > RELAY_MAX_OUTPUT)
        conn_doom(r, c, "slow reader: more than 8 MiB of output queued");
}

static bool valid_name(const uint8_t *name, size_t len)
{
    return len >= 1 && len <= RELAY_MAX_NAME && memchr(name, '\0', len) == NULL;
}

/* Splits a SEND or PUB body into the name and the payload; false when
 * malformed. */
static bool split_addressed(const uint8_t *body, size_t len, const char **name,
                            size_t *nlen, const uint8_t **payload, size_t *plen)
{
    if (len < 1 || len < 1 + (size_t)body[0] || !valid_name(body + 1, body[0]))
        return false;
    *name = (const char *)body + 1;
    *nlen = body[0];
    *payload = body + 1 + body[0];
    *plen = len - 1 - body[0];
    return true;
}

/* One frame from c; NULL when all is well, else why c must close. */
static const char *conn_frame(relay *r, conn *c, uint8_t type, const uint8_t *body,
                              size_t len)
{
    const char *name;
    size_t nlen, plen;
    const uint8_t *payload;

    if (type == RELAY_PING) {
        if (len != 0)
            return "malformed PING";
        conn_send(r, c, RELAY_PONG, NULL, 0);
        return NULL;
    }
    if (type == RELAY_HELLO) {
        if (c->name != NULL)
            return "second HELLO";
        if (!valid_name(body, len))
            return "malformed HELLO";
        if (relay_table_get(&r->names, (const char *)body, len) != NULL)
            return "name already connected";
        if ((c->name = copy_name((const char *)body, len)) == NULL ||
            relay_table_add(&r->names, c->name, len, c) != 0) {
            free(c->name);
            c->name = NULL;
            return "out of memory";
        }
        conn_send(r, c, RELAY_OK, NULL, 0);
        return NULL;
    }
    if (c->name == NULL)
        return "a frame before HELLO";
    switch (type) {
    case RELAY_SEND: {
        if (!split_addressed(body, len, &name, &nlen, &payload, &plen))
            return "malformed SEND";
        conn *to = relay_table_get(&r->names, name, nlen);
        if (to != NULL)
            conn_send(r, to, RELAY_DATA, payload, plen);
        return NULL;
    }
    case RELAY_JOIN:
        if (!valid_name(body, len))
            return "malformed JOIN";
        if (group_join(r, c, (const char *)body, len) != 0)
            return "out of memory";
        conn_send(r, c, RELAY_JOINED, body, len);
        return NULL;
    case RELAY_PUB: {
        if (!split_addressed(body, len, &name, &nlen, &payload, &plen))
            return "malformed PUB";
        group *g = relay_table_get(&r->groups, name, nlen);
        /* Doomed members stay in the array until the reaper runs, so that
         * dropping one here does not move the others. */
        for (uint32_t i = 0; g != NULL && i < g->n; i++)
            if (g->members[i] != c)
                conn_send(r, g->members[i], RELAY_DATA, payload, plen);
        return NULL;
    }
    default:
        return "unknown frame type";
    }
}

static void conn_read_cb(struct bufferevent *bev, void *arg)
{
    conn *c = arg;
    struct evbuffer *in = bufferevent_get_input(bev);
    while (!c->doomed) {
        const uint8_t *f;
        uint32_t len;
        int got = relay_frame_peek(in, &f, &len);
        if (got == RELAY_FRAME_MORE)
            return;
        if (got == RELAY_FRAME_BAD) {
            conn_doom(c->r, c, "bad frame length");
            return;
        }
        /* The payload is copied again into each receiver's output, as any
         * server would. */
        const char *why = f == NULL ? "out of memory"
                                    : conn_frame(c->r, c, f[4], f + RELAY_HEADER, len - 1);
        evbuffer_drain(in, 4 + len);
        if (why != NULL)
            conn_doom(c->r, c, why);
    }
}

static void conn_event_cb(struct bufferevent *bev, short what, void *arg)
{
    conn *c = arg;
    int err = EVUTIL_SOCKET_ERROR();
    /* A client leaving is no news, even with a reset (it closed with
     * frames unread): thousands leave at the end of every run. */
    bool news = (what & BEV_EVENT_ERROR) && err != ECONNRESET && err != EPIPE;
    conn_doom(c->r, c, news ? evutil_socket_error_to_string(err) : NULL);
}

static void relay_accept_cb(struct evconnlistener *l, evutil_socket_t fd,
                            struct sockaddr *addr, int addrlen, void *arg)
{
    relay *r = arg;
    int one = 1;
    /* Latency is what the floor is for: no Nagle delay on small frames. */
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    conn *c = calloc(1, sizeof(*c));
    if (c == NULL ||
        (c->bev = bufferevent_socket_new(r->base, fd, BEV_OPT_CLOSE_ON_FREE)) == NULL) {
        fprintf(stderr, "rtm-relay: out of memory for a connection\n");
        free(c);
        evutil_closesocket(fd);
        return;
    }
    c->r = r;
    c->next = r->conns;
    if (r->conns)
        r->conns->prev = c;
    r->conns = c;
    r->nconns++;
    bufferevent_setcb(c->bev, conn_read_cb, NULL, conn_event_cb, c);
    bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}

static void relay_resume_cb(evutil_socket_t fd, short what, void *arg)
{
    evconnlistener_enable(((relay *)arg)->listener);
}

static void relay_accept_error_cb(struct evconnlistener *l, void *arg)
{
    relay *r = arg;
    int err = EVUTIL_SOCKET_ERROR();
    fprintf(stderr, "rtm-relay: accept: %s (%zu connections)\n",
            evutil_socket_error_to_string(err), r->nconns);
    if (err != EMFILE && err != ENFILE && err != ENOBUFS && err != ENOMEM)
        return;
    struct timeval tv = {0, RELAY_ACCEPT_PAUSE_MS * 1000};
    if (evtimer_add(r->resume, &tv) == 0)
        evconnlistener_disable(l);
}

static void relay_signal_cb(evutil_socket_t sig, short what, void *arg)
{
    event_base_loopexit(arg, NULL);
}

static int usage(const char *why)
{
    fprintf(stderr, "rtm-relay: %s\nusage: rtm-relay --listen HOST:PORT\n", why);
    return 2;
}

int main(int argc, char **argv)
{
    struct sockaddr_storage addr;
    int addrlen = sizeof(addr);
    if (argc != 3 || strcmp(argv[1], "--listen") != 0)
        return usage(argc == 1 ? "--listen is required" : "unexpected arguments");
    if (evutil_parse_sockaddr_port(argv[2], (struct sockaddr *)&addr, &addrlen) != 0 ||
        strrchr(argv[2], ':') == NULL)
        return usage("--listen wants HOST:PORT, e.g. 127.0.0.1:7000");
    signal(SIGPIPE, SIG_IGN);

    int rc = 1;
    relay r = {0};
    struct event *sigterm = NULL, *sigint = NULL;
    if ((r.base = event_base_new()) == NULL ||
        (r.reaper = event_new(r.base, -1, 0, relay_reap_cb, &r)) == NULL ||
        (r.resume = evtimer_new(r.base, relay_resume_cb, &r)) == NULL ||
        (sigterm = evsignal_new(r.base, SIGTERM, relay_signal_cb, r.base)) == NULL ||
        (sigint = evsignal_new(r.base, SIGINT, relay_signal_cb, r.base)) == NULL ||
        evsignal_add(sigterm, NULL) != 0 || evsignal_add(sigint, NULL) != 0) {
        fprintf(stderr, "rtm-relay: cannot set up the event loop\n");
        goto out;
    }
    /* A deep backlog: the benchmark opens thousands of connections at once,
     * and a dropped SYN costs a second. */
    r.listener = evconnlistener_new_bind(
        r.base, relay_accept_cb, &r,
        LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC | LEV_OPT_REUSEABLE, 4096,
        (struct sockaddr *)&addr, addrlen);
    if (r.listener == NULL) {
        fprintf(stderr, "rtm-relay: cannot listen on %s: %s\n", argv[2],
                evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
        goto out;
    }
    evconnlistener_set_error_cb(r.listener, relay_accept_error_cb);
    fprintf(stderr, "rtm-relay: listening on %s\n", argv[2]);
    if (event_base_dispatch(r.base) == 0)
        rc = 0;

out:
    /* Everything is freed, so that valgrind finds nothing left. */
    relay_reap_cb(-1, 0, &r);
    while (r.conns != NULL)
        conn_free(&r, r.conns);
    if (r.listener)
        evconnlistener_free(r.listener);
    if (sigterm)
        event_free(sigterm);
    if (sigint)
        event_free(sigint);
    if (r.resume)
        event_free(r.resume);
    if (r.reaper)
        event_free(r.reaper);
    /* Groups go with their last member; what is left is a group whose
     * first JOIN ran out of memory. */
    for (size_t i = 0; i < r.groups.cap; i++)
        if (r.groups.slots[i].key != NULL)
            group_free(r.groups.slots[i].value);
    relay_table_free(&r.names);
    relay_table_free(&r.groups);
    if (r.base)
        event_base_free(r.base);
    libevent_global_shutdown();
    if (rc == 0)
        fprintf(stderr, "rtm-relay: stopped\n");
    return rc;
}
