/* fp_addr.h: addresses, the ready file, and the two ways to end a socket. */
#ifndef FP_ADDR_H
#define FP_ADDR_H

#include <stddef.h>
#include <sys/socket.h>

typedef struct {
    struct sockaddr_storage ss;
    socklen_t len;
} fp_sockaddr;

/* Resolves "HOST:PORT" or "[HOST]:PORT" to its first address (passive: for
 * bind). Returns 0, or -1. */
int fp_addr_resolve(const char *text, int passive, fp_sockaddr *out);

/* "HOST:PORT" ("[HOST]:PORT" for IPv6) of a socket's local (peer = 0) or
 * remote (peer = 1) end. Returns 0, or -1 (buf then holds "?"). */
int fp_addr_of(int fd, int peer, char *buf, size_t size);

/* Writes text to path through "path.tmp" and a rename, so a reader never sees
 * half of it. Returns 0, or -1 with errno. */
int fp_addr_write_ready(const char *path, const char *text);

/* Closes fd with an RST: SO_LINGER {1, 0}, then close. */
void fp_close_reset(int fd);

/* Closes fd with a FIN: reads and drops what the peer already sent (Linux
 * answers a close with unread input by an RST), shutdown(SHUT_WR), close. */
void fp_close_fin(int fd);

/* Reads and drops what is readable on fd now, without blocking. Returns the
 * bytes dropped; *eof is set when the peer's FIN (or an error) was reached. */
size_t fp_drain(int fd, int *eof);

#endif
