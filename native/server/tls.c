/* tls.c: rtmd's TLS context and the TLS side of a link (tls.h). */
#include "tls.h"

#include <stdio.h>
#include <string.h>

#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "log.h"

/* TLS 1.2 suites: forward secrecy and AEAD only. TLS 1.3 keeps OpenSSL's
 * defaults (all of them are AEAD and forward secret). */
#define RTMD_TLS12_CIPHERS \
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:" \
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:" \
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"

/* The OpenSSL error queue as one line, emptied. */
static void rtmd_tls_queue_text(char *buf, size_t size)
{
    size_t used = 0;
    unsigned long e;
    buf[0] = '\0';
    while ((e = ERR_get_error()) != 0) {
        char one[256];
        ERR_error_string_n(e, one, sizeof one);
        int n = snprintf(buf + used, size - used, "%s%s", used ? "; " : "", one);
        if (n < 0 || (size_t)n >= size - used)
            break;
        used += (size_t)n;
    }
    ERR_clear_error();
}

SSL_CTX *rtmd_tls_ctx_new(const char *cert_file, const char *key_file)
{
    char why[512];
    ERR_clear_error();
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx) {
        rtmd_tls_queue_text(why, sizeof why);
        rtmd_log(RTMD_LOG_ERROR, "TLS: cannot create a context: %s", why);
        return NULL;
    }
    if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
        SSL_CTX_set_cipher_list(ctx, RTMD_TLS12_CIPHERS) != 1) {
        rtmd_tls_queue_text(why, sizeof why);
        rtmd_log(RTMD_LOG_ERROR, "TLS: cannot set the protocol policy: %s", why);
        goto fail;
    }
    SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
                             SSL_OP_CIPHER_SERVER_PREFERENCE);
    SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
    if (SSL_CTX_use_certificate_chain_file(ctx, cert_file) != 1) {
        rtmd_tls_queue_text(why, sizeof why);
        rtmd_log(RTMD_LOG_ERROR, "TLS: cannot load the certificate %s: %s", cert_file, why);
        goto fail;
    }
    if (SSL_CTX_use_PrivateKey_file(ctx, key_file, SSL_FILETYPE_PEM) != 1) {
        rtmd_tls_queue_text(why, sizeof why);
        rtmd_log(RTMD_LOG_ERROR, "TLS: cannot load the key %s: %s", key_file, why);
        goto fail;
    }
    if (SSL_CTX_check_private_key(ctx) != 1) {
        rtmd_tls_queue_text(why, sizeof why);
        rtmd_log(RTMD_LOG_ERROR, "TLS: the key %s does not match the certificate %s: %s",
                 key_file, cert_file, why);
        goto fail;
    }
    return ctx;
fail:
    SSL_CTX_free(ctx);
    return NULL;
}

void rtmd_tls_ctx_free(SSL_CTX *ctx)
{
    SSL_CTX_free(ctx);
}

struct bufferevent *rtmd_tls_accept(struct event_base *base, SSL_CTX *ctx, int fd)
{
    SSL *ssl = SSL_new(ctx);
    if (!ssl) {
        ERR_clear_error();
        evutil_closesocket(fd);
        return NULL;
    }
    struct bufferevent *bev = bufferevent_openssl_socket_new(
        base, fd, ssl, BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
    if (!bev) {
        SSL_free(ssl);
        evutil_closesocket(fd);
        return NULL;
    }
    return bev;
}

int rtmd_tls_is_tls(struct bufferevent *bev)
{
    return bufferevent_openssl_get_ssl(bev) != NULL;
}

void rtmd_tls_shutdown(struct bufferevent *bev)
{
    SSL *ssl = bufferevent_openssl_get_ssl(bev);
    if (!ssl)
        return;
    /* Writes close_notify straight to the socket (the output buffer is
     * empty by now). Refused during a handshake; nothing is lost then. */
    if (SSL_is_init_finished(ssl))
        SSL_shutdown(ssl);
    ERR_clear_error();
}

const char *rtmd_tls_error(struct bufferevent *bev, char *buf, size_t size)
{
    size_t used = 0;
    unsigned long e;
    buf[0] = '\0';
    while ((e = bufferevent_get_openssl_error(bev)) != 0) {
        /* libevent also queues SSL_get_error()'s code, which is no
         * OpenSSL error (library 0): skip it. */
        if (ERR_GET_LIB(e) == 0)
            continue;
        char one[256];
        ERR_error_string_n(e, one, sizeof one);
        int n = snprintf(buf + used, size - used, "%s%s", used ? "; " : "", one);
        if (n < 0 || (size_t)n >= size - used)
            break;
        used += (size_t)n;
    }
    return buf;
}

const char *rtmd_tls_describe(struct bufferevent *bev, char *buf, size_t size)
{
    SSL *ssl = bufferevent_openssl_get_ssl(bev);
    if (!ssl)
        snprintf(buf, size, "plain");
    else
        snprintf(buf, size, "%s %s", SSL_get_version(ssl), SSL_get_cipher_name(ssl));
    return buf;
}
