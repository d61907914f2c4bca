/* tls.c: the client's TLS context, links and errors (tls.h). */
#include "tls.h"

#include <arpa/inet.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <string.h>

/* The OpenSSL errors of this thread as one line, emptied. */
static void rtm__tls_queue_text(char *buf, size_t size)
{
    size_t used = 0;
    unsigned long e;
    buf[0] = '\0';
    while ((e = ERR_get_error()) != 0) {
        char one[256];
        ERR_error_string_n(e, one, sizeof(one));
        int n = snprintf(buf + used, size - used, "%s%s", used ? "; " : "", one);
        if (n < 0 || (size_t)n >= size - used)
            break;
        used += (size_t)n;
    }
    ERR_clear_error();
}

SSL_CTX *rtm__tls_ctx_new(const char *ca_file, char *err, size_t errlen)
{
    ERR_clear_error();
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (ctx == NULL) {
        rtm__tls_queue_text(err, errlen);
        return NULL;
    }
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
    int ok = ca_file != NULL && ca_file[0] != '\0'
                 ? SSL_CTX_load_verify_locations(ctx, ca_file, NULL)
                 : SSL_CTX_set_default_verify_paths(ctx);
    if (ok != 1) {
        char why[400];
        rtm__tls_queue_text(why, sizeof(why));
        snprintf(err, errlen, "cannot load the CAs %s: %s",
                 ca_file && ca_file[0] ? ca_file : "of the system", why);
        SSL_CTX_free(ctx);
        return NULL;
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    return ctx;
}

void rtm__tls_ctx_free(SSL_CTX *ctx)
{
    SSL_CTX_free(ctx);
}

static bool rtm__is_ip(const char *name)
{
    unsigned char buf[16];
    return inet_pton(AF_INET, name, buf) == 1 || inet_pton(AF_INET6, name, buf) == 1;
}

SSL *rtm__tls_ssl_new(SSL_CTX *ctx, const char *name, bool insecure, char *err,
                      size_t errlen)
{
    ERR_clear_error();
    SSL *ssl = SSL_new(ctx);
    if (ssl == NULL) {
        rtm__tls_queue_text(err, errlen);
        return NULL;
    }
    bool ip = rtm__is_ip(name);
    if (!ip && SSL_set_tlsext_host_name(ssl, name) != 1)
        goto fail;
    if (insecure) {
        SSL_set_verify(ssl, SSL_VERIFY_NONE, NULL);
        return ssl;
    }
    SSL_set_verify(ssl, SSL_VERIFY_PEER, NULL);
    if (ip) {
        if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name) != 1)
            goto fail;
    } else {
        SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
        if (SSL_set1_host(ssl, name) != 1)
            goto fail;
    }
    return ssl;
fail:
    rtm__tls_queue_text(err, errlen);
    if (err[0] == '\0')
        snprintf(err, errlen, "bad server name \"%s\"", name);
    SSL_free(ssl);
    return NULL;
}

const char *rtm__tls_error(struct bufferevent *bev, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    SSL *ssl = bufferevent_openssl_get_ssl(bev);
    if (ssl == NULL)
        return buf;
    long v = SSL_get_verify_result(ssl);
    if (v != X509_V_OK && SSL_get_verify_mode(ssl) != SSL_VERIFY_NONE) {
        int n = snprintf(buf, size, "certificate verify failed: %s",
                         X509_verify_cert_error_string(v));
        if (n > 0 && (size_t)n < size)
            used = (size_t)n;
    }
    unsigned long e;
    while ((e = bufferevent_get_openssl_error(bev)) != 0) {
        /* libevent also queues SSL_get_error()'s code, which is no
         * OpenSSL error (library 0): skip it. */
        if (ERR_GET_LIB(e) == 0)
            continue;
        char one[256];
        ERR_error_string_n(e, one, sizeof(one));
        int n = snprintf(buf + used, size - used, "%s%s", used ? "; " : "", one);
        if (n < 0 || (size_t)n >= size - used)
            break;
        used += (size_t)n;
    }
    return buf;
}

void rtm__tls_shutdown(struct bufferevent *bev)
{
    SSL *ssl = bufferevent_openssl_get_ssl(bev);
    if (ssl == NULL)
        return;
    /* Writes close_notify straight to the socket: the caller has flushed
     * the output buffer. Refused during a handshake; nothing is lost. */
    if (SSL_is_init_finished(ssl))
        SSL_shutdown(ssl);
    ERR_clear_error();
}
