/*
 * driver.c: the libevent driver of the session (session.c, sans-I/O). It
 * owns the client's link (TCP, or TLS through OpenSSL) and its one timer, on
 * the loop thread: it opens and closes the link the session asks for,
 * writes its frames, cuts what arrives into frames for it, and arms the
 * timer for its next deadline. What the session reports for the
 * application goes to events.c.
 */
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "client.h"
#include "ids.h"
#include "tls.h"

/* How long a closed link may take to hand over its last frames. */
#define RTM__LINGER_MS 1000

/* Drops a link that failed or was closed by the other side. */
static void rtm__link_free(rtm_client *c)
{
    if (c->bev == NULL)
        return;
    bufferevent_free(c->bev);
    c->bev = NULL;
}

/* The session closes the link: what it sent last (a Logout) still reaches
 * the server. */
static void rtm__drv_close_link(void *ud)
{
    rtm_client *c = ud;
    evtimer_del(c->link_fail);
    if (c->bev == NULL)
        return;
    rtm__loop_linger(c->loop, c->bev, RTM__LINGER_MS);
    c->bev = NULL;
}

static void rtm__drv_send(void *ud, const uint8_t *bytes, size_t len)
{
    rtm_client *c = ud;
    if (c->bev != NULL && bufferevent_write(c->bev, bytes, len) != 0)
        rtm__log(c, RTM_LOG_ERROR, "out of memory writing %zu bytes", len);
}

static void rtm__on_read(struct bufferevent *bev, void *arg)
{
    rtm_client *c = arg;
    struct evbuffer *in = bufferevent_get_input(bev);
    for (;;) {
        uint8_t hdr[RTM__FRAME_HEADER];
        size_t n = 0;
        if (evbuffer_copyout(in, hdr, sizeof(hdr)) < (ev_ssize_t)sizeof(hdr))
            break;
        if (rtm__frame_peek(hdr, sizeof(hdr), RTM__FRAME_MAX_DEFAULT, &n) !=
            RTM__FRAME_OK) {
            rtm__log(c, RTM_LOG_ERROR,
                     "the server announced a frame over %u bytes; closing",
                     RTM__FRAME_MAX_DEFAULT);
            rtm__link_free(c);
            rtm__session_link_down(c->session, rtm__now());
            break;
        }
        if (evbuffer_get_length(in) < RTM__FRAME_HEADER + n)
            break;
        uint8_t *p = evbuffer_pullup(in, (ev_ssize_t)(RTM__FRAME_HEADER + n));
        rtm__session_receive(c->session, rtm__now(), p + RTM__FRAME_HEADER, n);
        rtm__calls_take_received(c);
        if (c->bev != bev) /* the session closed this link */
            break;
        evbuffer_drain(in, RTM__FRAME_HEADER + n);
    }
    rtm__rearm(c);
}

static void rtm__on_event(struct bufferevent *bev, short what, void *arg)
{
    rtm_client *c = arg;
    if (what & BEV_EVENT_CONNECTED) {
        evutil_socket_t fd = bufferevent_getfd(bev);
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        rtm__log(c, RTM_LOG_INFO, "connected to %s%s", c->server_now,
                 bufferevent_openssl_get_ssl(bev) ? " (TLS)" : "");
        rtm__session_link_up(c->session, rtm__now());
    } else if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT)) {
        int err = EVUTIL_SOCKET_ERROR();
        char tls[512];
        if ((what & BEV_EVENT_ERROR) && rtm__tls_error(bev, tls, sizeof(tls))[0]) {
            /* A failed handshake (a certificate that does not verify) is a
             * failed connection attempt like any other. */
            rtm__log(c, RTM_LOG_WARNING, "TLS link error: %s", tls);
        } else if (what & BEV_EVENT_ERROR) {
            int dns = bufferevent_socket_get_dns_error(bev);
            rtm__log(c, RTM_LOG_WARNING, "link error: %s",
                     dns ? evutil_gai_strerror(dns)
                         : evutil_socket_error_to_string(err));
        }
        rtm__link_free(c);
        rtm__session_link_down(c->session, rtm__now());
    }
    rtm__rearm(c);
}

static void rtm__on_link_fail(evutil_socket_t fd, short what, void *arg)
{
    rtm_client *c = arg;
    rtm__link_free(c);
    rtm__session_link_down(c->session, rtm__now());
    rtm__rearm(c);
}

/* c->bev for a TLS link to host (rtm.tls): the context is made once per
 * client, again only when rtm.tls_ca_file changes. 0, or -1 (logged). */
static int rtm__open_tls(rtm_client *c, struct event_base *base, const char *host)
{
    char err[512];
    const char *ca = c->params.tls_ca_file != NULL ? c->params.tls_ca_file : "";
    if (c->tls_ctx != NULL && strcmp(c->tls_ctx_ca, ca) != 0) {
        rtm__tls_ctx_free(c->tls_ctx);
        c->tls_ctx = NULL;
        free(c->tls_ctx_ca);
        c->tls_ctx_ca = NULL;
    }
    if (c->tls_ctx == NULL) {
        if ((c->tls_ctx_ca = strdup(ca)) == NULL) {
            rtm__log(c, RTM_LOG_ERROR, "TLS: out of memory");
            return -1;
        }
        c->tls_ctx = rtm__tls_ctx_new(ca, err, sizeof(err));
        if (c->tls_ctx == NULL) {
            rtm__log(c, RTM_LOG_ERROR, "TLS: %s", err);
            free(c->tls_ctx_ca);
            c->tls_ctx_ca = NULL;
            return -1;
        }
    }
    const char *name = c->params.tls_server_name != NULL ? c->params.tls_server_name : host;
    bool insecure = c->params.tls_insecure_skip_verify;
    if (insecure)
        rtm__log(c, RTM_LOG_WARNING,
                 "WARNING: rtm.tls_insecure_skip_verify is set: the server's "
                 "certificate is NOT verified; anyone on the path can read and "
                 "change this link");
    SSL *ssl = rtm__tls_ssl_new(c->tls_ctx, name, insecure, err, sizeof(err));
    if (ssl == NULL) {
        rtm__log(c, RTM_LOG_ERROR, "TLS: %s", err);
        return -1;
    }
    c->bev = bufferevent_openssl_socket_new(base, -1, ssl, BUFFEREVENT_SSL_CONNECTING,
                                            BEV_OPT_CLOSE_ON_FREE);
    if (c->bev == NULL) {
        SSL_free(ssl);
        return -1;
    }
    /* A server that closes without close_notify ends the link, not an
     * error: frames are whole or not at all anyway. */
    bufferevent_openssl_set_allow_dirty_shutdown(c->bev, 1);
    return 0;
}

static void rtm__drv_open_link(void *ud)
{
    rtm_client *c = ud;
    char host[RTM__SERVER_ENTRY_MAX];
    uint16_t port = 0;
    struct event_base *base = rtm__loop_base(c->loop);
    /* Several servers: each link tries the one after the last link's, so
     * that a dead one costs one attempt (docs/PARAMETERS.md). */
    if (rtm__servers_pick(rtm__server(c), c->server_next++, c->server_now,
                          sizeof(c->server_now), host, sizeof(host), &port) != 0) {
        rtm__log(c, RTM_LOG_ERROR, "bad server address \"%s\"", rtm__server(c));
        goto fail;
    }
    if (c->params.tls) {
        if (rtm__open_tls(c, base, host) != 0)
            goto fail;
    } else {
        c->bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
    }
    if (c->bev == NULL)
        goto fail;
    bufferevent_setcb(c->bev, rtm__on_read, NULL, rtm__on_event, c);
    bufferevent_enable(c->bev, EV_READ);
    if (bufferevent_socket_connect_hostname(c->bev, rtm__loop_dns(c->loop),
                                            AF_UNSPEC, host, port) != 0) {
        rtm__log(c, RTM_LOG_WARNING, "cannot connect to %s", c->server_now);
        goto fail;
    }
    return;
fail:
    /* The session is inside its call: report the failure from the loop. */
    {
        struct timeval zero = { 0, 0 };
        evtimer_add(c->link_fail, &zero);
    }
}

static void rtm__drv_log(void *ud, int level, const char *line)
{
    rtm__log(ud, level, "%s", line);
}

uint32_t rtm__client_random(rtm_client *c)
{
    /* xorshift64*, seeded from getrandom: jitter needs spread, not secrecy. */
    c->rng ^= c->rng >> 12;
    c->rng ^= c->rng << 25;
    c->rng ^= c->rng >> 27;
    return (uint32_t)((c->rng * 0x2545F4914F6CDD1DULL) >> 32);
}

static uint32_t rtm__drv_random(void *ud)
{
    return rtm__client_random(ud);
}

const rtm__session_ops rtm__driver_ops = {
    .open_link = rtm__drv_open_link,
    .close_link = rtm__drv_close_link,
    .send = rtm__drv_send,
    .state_changed = rtm__ev_state_changed,
    .op_done = rtm__ev_op_done,
    .peer_message = rtm__ev_peer_message,
    .call_signal = rtm__ev_call_signal,
    .channel_message = rtm__ev_channel_message,
    .member_event = rtm__ev_member_event,
    .replay_done = rtm__ev_replay_done,
    .token_expired = rtm__ev_token_expired,
    .token_will_expire = rtm__ev_token_will_expire,
    .peer_states = rtm__ev_peer_states,
    .member_count = rtm__ev_member_count,
    .channel_attributes = rtm__ev_channel_attributes,
    .log = rtm__drv_log,
    .random = rtm__drv_random,
    .media_frame = rtm__ev_media_frame,
    .link_lost = rtm__ev_link_lost,
};

static void rtm__on_timer(evutil_socket_t fd, short what, void *arg)
{
    rtm_client *c = arg;
    rtm__time now = rtm__now();
    rtm__session_handle_expiry(c->session, now);
    rtm__calls_handle_expiry(c->calls, now);
    rtm__media_handle_expiry(c, now);
    rtm__rearm(c);
}

/* Arms the one timer for the next deadline of the session, of the
 * invitations and of the media transfers. */
void rtm__rearm(rtm_client *c)
{
    rtm__time t = rtm__session_expiry(c->session);
    rtm__time tc = rtm__calls_expiry(c->calls);
    rtm__time tm = rtm__media_expiry(c);
    if (tc < t)
        t = tc;
    if (tm < t)
        t = tm;
    if (t == RTM__TIME_NEVER) {
        evtimer_del(c->timer);
        return;
    }
    rtm__time now = rtm__now();
    rtm__time d = t > now ? t - now : 0;
    struct timeval tv = { (time_t)(d / 1000000u), (suseconds_t)(d % 1000000u) };
    evtimer_add(c->timer, &tv);
}

bool rtm__driver_start(rtm_client *c)
{
    struct event_base *base = rtm__loop_base(c->loop);
    c->timer = evtimer_new(base, rtm__on_timer, c);
    c->link_fail = evtimer_new(base, rtm__on_link_fail, c);
    return c->timer != NULL && c->link_fail != NULL;
}

void rtm__driver_stop(rtm_client *c)
{
    rtm__link_free(c);
    event_free(c->timer);
    event_free(c->link_fail);
    c->timer = c->link_fail = NULL;
    /* Links still lingering hold their own reference to it. */
    rtm__tls_ctx_free(c->tls_ctx);
    c->tls_ctx = NULL;
    free(c->tls_ctx_ca);
    c->tls_ctx_ca = NULL;
}
