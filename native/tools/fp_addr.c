/* fp_addr.c: addresses, the ready file, and the two ways to end a socket. */
#include "fp_addr.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int fp_addr_resolve(const char *text, int passive, fp_sockaddr *out)
{
    const char *colon = strrchr(text, ':');
    if (!colon || colon == text)
        return -1;
    char host[256];
    size_t n = (size_t)(colon - text);
    if (text[0] == '[' && n >= 2 && text[n - 1] == ']') {
        text++;
        n -= 2;
    }
    if (n >= sizeof host)
        return -1;
    memcpy(host, text, n);
    host[n] = '\0';
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV | (passive ? AI_PASSIVE : 0);
    if (getaddrinfo(host, colon + 1, &hints, &res) != 0 || !res)
        return -1;
    if (res->ai_addrlen > sizeof out->ss) {
        freeaddrinfo(res);
        return -1;
    }
    memset(out, 0, sizeof *out);
    memcpy(&out->ss, res->ai_addr, res->ai_addrlen);
    out->len = (socklen_t)res->ai_addrlen;
    freeaddrinfo(res);
    return 0;
}

int fp_addr_of(int fd, int peer, char *buf, size_t size)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    char host[64], port[16];
    int rc = peer ? getpeername(fd, (struct sockaddr *)&ss, &len)
                  : getsockname(fd, (struct sockaddr *)&ss, &len);
    if (rc != 0 || getnameinfo((struct sockaddr *)&ss, len, host, sizeof host, port,
                               sizeof port, NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
        snprintf(buf, size, "?");
        return -1;
    }
    snprintf(buf, size, ss.ss_family == AF_INET6 ? "[%s]:%s" : "%s:%s", host, port);
    return 0;
}

int fp_addr_write_ready(const char *path, const char *text)
{
    size_t n = strlen(path) + 8;
    char *tmp = malloc(n);
    if (!tmp) {
        errno = ENOMEM;
        return -1;
    }
    snprintf(tmp, n, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    int ok = f && fputs(text, f) >= 0;
    if (f && fclose(f) != 0)
        ok = 0;
    if (ok && rename(tmp, path) != 0)
        ok = 0;
    if (!ok) {
        int e = errno;
        unlink(tmp);
        errno = e;
    }
    free(tmp);
    return ok ? 0 : -1;
}

void fp_close_reset(int fd)
{
    struct linger lg = { 1, 0 };
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    close(fd);
}

size_t fp_drain(int fd, int *eof)
{
    char scratch[16384];
    size_t total = 0;
    *eof = 0;
    for (;;) {
        ssize_t r = recv(fd, scratch, sizeof scratch, MSG_DONTWAIT);
        if (r > 0) {
            total += (size_t)r;
            continue;
        }
        if (r == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
            *eof = 1;
        if (r < 0 && errno == EINTR)
            continue;
        return total;
    }
}

void fp_close_fin(int fd)
{
    int eof;
    fp_drain(fd, &eof);
    shutdown(fd, SHUT_WR);
    close(fd);
}
