/*
 * tls.h: the client's TLS (docs/TLS.md): the context and the SSL object of
 * one link, and why a handshake failed. Loop thread only.
 *
 * Verification: the server's chain against rtm.tls_ca_file or the system
 * trust store (SSL_VERIFY_PEER), its name against rtm.tls_server_name or
 * the host of rtm.server (SSL_set1_host; an IP address is checked against
 * the certificate's IP addresses), TLS 1.2 at least. SNI carries the name
 * (not an IP address, RFC 6066).
 */
#ifndef RTM__TLS_H
#define RTM__TLS_H

#include <stdbool.h>
#include <stddef.h>

typedef struct ssl_ctx_st SSL_CTX;
typedef struct ssl_st SSL;
struct bufferevent;

/* A client context trusting ca_file (PEM), or the system store when ca_file
 * is "" or NULL. NULL on failure, with the reason in err. */
SSL_CTX *rtm__tls_ctx_new(const char *ca_file, char *err, size_t errlen);
void rtm__tls_ctx_free(SSL_CTX *ctx);

/* An SSL for one link to name (a host name or an IP address). With
 * insecure, nothing is verified. NULL on failure, reason in err. */
SSL *rtm__tls_ssl_new(SSL_CTX *ctx, const char *name, bool insecure, char *err,
                      size_t errlen);

/* Why the link of bev failed: the certificate check's verdict when it
 * failed, then the OpenSSL errors queued on bev; "" when none. */
const char *rtm__tls_error(struct bufferevent *bev, char *buf, size_t size);

/* Sends close_notify when bev is a TLS link whose handshake is done. */
void rtm__tls_shutdown(struct bufferevent *bev);

#endif
