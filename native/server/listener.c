/* listener.c: the listening sockets (plain and TLS) and the ready file. */
#include "server.h"

#include <errno.h>
#include <netdb.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "admin.h"
#include "conn.h"
#include "log.h"
#include "tls.h"

static void listener_accept_cb(struct evconnlistener *l, evutil_socket_t fd,
                               struct sockaddr *addr, int addrlen, void *arg)
{
    rtmd_server *srv = arg;
    rtmd_server_tick(srv);
    if (srv->stopping) {
        evutil_closesocket(fd);
        return;
    }
    /* The TLS listener is the one that serves TLS: --tls-listen's, or the
     * only one when --listen itself is TLS. */
    rtmd_conn_accept(srv, fd, addr, addrlen, l == srv->tls_listener ? srv->tls_ctx : NULL);
}

void rtmd_listener_set_enabled(rtmd_server *srv, bool on)
{
    struct evconnlistener *ls[2] = { srv->listener,
                                     srv->tls_listener != srv->listener ? srv->tls_listener
                                                                        : NULL };
    for (int i = 0; i < 2; i++)
        if (ls[i])
            (on ? evconnlistener_enable : evconnlistener_disable)(ls[i]);
}

static void listener_resume_cb(evutil_socket_t fd, short what, void *arg)
{
    rtmd_server *srv = arg;
    if (!srv->stopping && !srv->store_recovering) /* server.c resumes those */
        rtmd_listener_set_enabled(srv, true);
}

static void listener_error_cb(struct evconnlistener *l, void *arg)
{
    rtmd_server *srv = arg;
    int err = EVUTIL_SOCKET_ERROR();
    uint64_t unlogged;
    if (rtmd_log_limit(&srv->accept_error_log, srv->now.mono_ms, 1000, &unlogged))
        rtmd_log(RTMD_LOG_ERROR, "accept failed: %s (%zu links; %llu failures since the last "
                 "such line)", evutil_socket_error_to_string(err), srv->nconns,
                 (unsigned long long)unlogged + 1);
    if (err != EMFILE && err != ENFILE && err != ENOBUFS && err != ENOMEM)
        return;
    if (!srv->accept_pause)
        srv->accept_pause = evtimer_new(srv->base, listener_resume_cb, srv);
    struct timeval tv = { 0, RTMD_ACCEPT_PAUSE_MS * 1000 };
    if (srv->accept_pause && evtimer_add(srv->accept_pause, &tv) == 0) {
        rtmd_listener_set_enabled(srv, false);
        rtmd_log(RTMD_LOG_WARN, "accepting paused for %d ms (the open-file limit is "
                 "reached by something other than links)", RTMD_ACCEPT_PAUSE_MS);
    }
}

/* "HOST:PORT" ("[HOST]:PORT" for IPv6) of a bound socket. */
static int listener_address(evutil_socket_t fd, char *buf, size_t size)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    char host[64], port[16];
    if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0 ||
        getnameinfo((struct sockaddr *)&ss, len, host, sizeof host, port, sizeof port,
                    NI_NUMERICHOST | NI_NUMERICSERV) != 0)
        return -1;
    snprintf(buf, size, ss.ss_family == AF_INET6 ? "[%s]:%s" : "%s:%s", host, port);
    return 0;
}

/* Writes "address\n" to path through a temporary file and a rename, so a
 * reader never sees it half written. */
static int listener_write_ready(const char *path, const char *address)
{
    size_t n = strlen(path) + 16;
    char *tmp = malloc(n);
    if (!tmp)
        return -1;
    snprintf(tmp, n, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    int ok = f && fprintf(f, "%s\n", address) > 0;
    if (f && fclose(f) != 0)
        ok = 0;
    if (ok && rename(tmp, path) != 0)
        ok = 0;
    if (!ok) {
        rtmd_log(RTMD_LOG_ERROR, "cannot write the ready file %s: %s", path, strerror(errno));
        unlink(tmp);
    }
    free(tmp);
    return ok ? 0 : -1;
}

/* Resolves "HOST:PORT" or "[HOST]:PORT" (port 0: any free port). */
static struct addrinfo *listener_resolve(const char *listen)
{
    const char *colon = strrchr(listen, ':');
    if (!colon || colon == listen)
        return NULL;
    char host[256];
    size_t n = (size_t)(colon - listen);
    if (listen[0] == '[' && n >= 2 && listen[n - 1] == ']') {
        listen++;
        n -= 2;
    }
    if (n >= sizeof host)
        return NULL;
    memcpy(host, listen, n);
    host[n] = '\0';
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    if (getaddrinfo(host, colon + 1, &hints, &res) != 0)
        return NULL;
    return res;
}

struct evconnlistener *rtmd_listener_bind(rtmd_server *srv, const char *listen,
                                          evconnlistener_cb cb, char *bound, size_t size)
{
    struct addrinfo *ai = listener_resolve(listen);
    if (!ai) {
        rtmd_log(RTMD_LOG_ERROR, "cannot resolve the listen address %s", listen);
        return NULL;
    }
    struct evconnlistener *l = evconnlistener_new_bind(
        srv->base, cb, srv, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC,
        4096, ai->ai_addr, (int)ai->ai_addrlen);
    freeaddrinfo(ai);
    if (!l) {
        rtmd_log(RTMD_LOG_ERROR, "cannot listen on %s: %s", listen,
                 evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
        return NULL;
    }
    if (listener_address(evconnlistener_get_fd(l), bound, size) != 0)
        snprintf(bound, size, "%s", listen);
    return l;
}

/* Binds a listener for links; logs "listening on ...". */
static struct evconnlistener *listener_bind(rtmd_server *srv, const char *listen, bool tls,
                                            char *bound, size_t size)
{
    struct evconnlistener *l = rtmd_listener_bind(srv, listen, listener_accept_cb, bound, size);
    if (!l)
        return NULL;
    evconnlistener_set_error_cb(l, listener_error_cb);
    rtmd_log(RTMD_LOG_INFO, "listening on %s%s", bound, tls ? " (TLS)" : "");
    return l;
}

int rtmd_listener_open(rtmd_server *srv)
{
    const rtmd_config *cfg = srv->cfg;
    if (cfg->tls_cert) {
        srv->tls_ctx = rtmd_tls_ctx_new(cfg->tls_cert, cfg->tls_key);
        if (!srv->tls_ctx)
            return -1;
        rtmd_log(RTMD_LOG_INFO, "TLS: certificate %s, TLS 1.2 and 1.3 only", cfg->tls_cert);
    }
    /* --listen is TLS unless --tls-listen gives TLS its own address. */
    bool listen_tls = cfg->tls_cert && !cfg->tls_listen;
    char address[96], tls_address[96];
    srv->listener = listener_bind(srv, cfg->listen, listen_tls, address, sizeof address);
    if (!srv->listener)
        return -1;
    if (listen_tls)
        srv->tls_listener = srv->listener;
    if (cfg->tls_listen) {
        srv->tls_listener = listener_bind(srv, cfg->tls_listen, true, tls_address,
                                          sizeof tls_address);
        if (!srv->tls_listener)
            return -1;
    }
    if (rtmd_admin_open(srv) != 0)
        return -1;
    /* The ready file names --listen's address (the TLS one when it is TLS). */
    if (cfg->ready_file && listener_write_ready(cfg->ready_file, address) != 0)
        return -1;
    return 0;
}

void rtmd_listener_close(rtmd_server *srv)
{
    rtmd_admin_close(srv);
    if (srv->tls_listener && srv->tls_listener != srv->listener)
        evconnlistener_free(srv->tls_listener);
    srv->tls_listener = NULL;
    if (srv->listener) {
        evconnlistener_free(srv->listener);
        srv->listener = NULL;
    }
}

/* After every link is gone (links hold references to it anyway). */
void rtmd_listener_free_tls(rtmd_server *srv)
{
    if (srv->tls_ctx) {
        rtmd_tls_ctx_free(srv->tls_ctx);
        srv->tls_ctx = NULL;
    }
}
