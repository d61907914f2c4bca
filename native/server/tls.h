/*
 * tls.h: rtmd's TLS (--tls-cert, --tls-key): one SSL_CTX for the process,
 * and the reason a handshake failed, for the log.
 *
 * The policy: TLS 1.2 and 1.3 only; for 1.3 OpenSSL's default suites; for
 * 1.2 forward-secret AEAD suites only (ECDHE with AES-GCM or ChaCha20), no
 * renegotiation, no compression, the server's order preferred.
 */
#ifndef RTMD_TLS_H
#define RTMD_TLS_H

#include <stddef.h>

struct bufferevent;
struct event_base;
typedef struct ssl_ctx_st SSL_CTX;

/* Loads the certificate chain and the key (PEM) and checks that they match.
 * Returns the context, or NULL with the reason logged. */
SSL_CTX *rtmd_tls_ctx_new(const char *cert_file, const char *key_file);
void rtmd_tls_ctx_free(SSL_CTX *ctx);

/* A bufferevent that runs the server side of a handshake on fd (the
 * bufferevent owns fd from here, and closes it when freed). NULL when out
 * of memory (fd is then closed). */
struct bufferevent *rtmd_tls_accept(struct event_base *base, SSL_CTX *ctx, int fd);

/* Whether bev is a TLS link. */
int rtmd_tls_is_tls(struct bufferevent *bev);

/* Sends close_notify (a TLS link's clean end) before the write side is
 * shut. Nothing for a plain link. */
void rtmd_tls_shutdown(struct bufferevent *bev);

/* Why the link failed: the OpenSSL errors queued on bev ("" when none),
 * into buf. Returns buf. */
const char *rtmd_tls_error(struct bufferevent *bev, char *buf, size_t size);

/* "TLSv1.3 TLS_AES_256_GCM_SHA384", for the log. */
const char *rtmd_tls_describe(struct bufferevent *bev, char *buf, size_t size);

#endif
