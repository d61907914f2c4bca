/* listener.c: the listening socket and the ready file. */
#include "server.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "conn.h"
#include "log.h"

static void listener_accept_cb(struct evconnlistener *l, evutil_socket_t fd,
                               struct sockaddr *addr, int addrlen, void *arg)
{
    rtmd_server *srv = arg;
    if (srv->stopping) {
        evutil_closesocket(fd);
        return;
    }
    rtmd_conn_accept(srv, fd, addr, addrlen);
}

static void listener_error_cb(struct evconnlistener *l, void *arg)
{
    int err = EVUTIL_SOCKET_ERROR();
    rtmd_log(RTMD_LOG_ERROR, "accept failed: %s", evutil_socket_error_to_string(err));
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

int rtmd_listener_open(rtmd_server *srv)
{
    const rtmd_config *cfg = srv->cfg;
    struct addrinfo *ai = listener_resolve(cfg->listen);
    if (!ai) {
        rtmd_log(RTMD_LOG_ERROR, "cannot resolve the listen address %s", cfg->listen);
        return -1;
    }
    srv->listener = evconnlistener_new_bind(
        srv->base, listener_accept_cb, srv,
        LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC, 128,
        ai->ai_addr, (int)ai->ai_addrlen);
    freeaddrinfo(ai);
    if (!srv->listener) {
        rtmd_log(RTMD_LOG_ERROR, "cannot listen on %s: %s", cfg->listen,
                 evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
        return -1;
    }
    evconnlistener_set_error_cb(srv->listener, listener_error_cb);
    char address[96];
    if (listener_address(evconnlistener_get_fd(srv->listener), address, sizeof address) != 0)
        snprintf(address, sizeof address, "%s", cfg->listen);
    rtmd_log(RTMD_LOG_INFO, "listening on %s", address);
    if (cfg->ready_file && listener_write_ready(cfg->ready_file, address) != 0)
        return -1;
    return 0;
}

void rtmd_listener_close(rtmd_server *srv)
{
    if (srv->listener) {
        evconnlistener_free(srv->listener);
        srv->listener = NULL;
    }
}
