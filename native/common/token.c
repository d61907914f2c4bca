/* token.c: AccessToken2 (007) and AccessToken (006): parse, verify, build. */
#include "token.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <zlib.h>

#include "rtm/rtm_token.h"

#define TOKEN_SIG_LEN 32u
#define TOKEN_006_APP_LEN 32u
#define TOKEN_006_TS_VALIDITY (24u * 3600u)

const char *rtm__token_status_name(rtm__token_status st)
{
    switch (st) {
    case RTM__TOKEN_OK: return "OK";
    case RTM__TOKEN_MALFORMED: return "MALFORMED";
    case RTM__TOKEN_WRONG_APP: return "WRONG_APP";
    case RTM__TOKEN_BAD_SIGNATURE: return "BAD_SIGNATURE";
    case RTM__TOKEN_WRONG_USER: return "WRONG_USER";
    case RTM__TOKEN_NO_PRIVILEGE: return "NO_PRIVILEGE";
    case RTM__TOKEN_EXPIRED: return "EXPIRED";
    case RTM__TOKEN_PRIVILEGE_EXPIRED: return "PRIVILEGE_EXPIRED";
    case RTM__TOKEN_INVALID_ARGUMENT: return "INVALID_ARGUMENT";
    case RTM__TOKEN_NO_SPACE: return "NO_SPACE";
    case RTM__TOKEN_NOMEM: return "NOMEM";
    case RTM__TOKEN_INTERNAL: return "INTERNAL";
    }
    return "?";
}

/* ---- little-endian reading, bounded ---- */

typedef struct {
    const uint8_t *p;
    size_t left;
    int bad; /* a read ran past the end: every later read fails too */
} token_reader;

static uint16_t rd_u16(token_reader *r)
{
    if (r->bad || r->left < 2) {
        r->bad = 1;
        return 0;
    }
    uint16_t v = (uint16_t)(r->p[0] | (r->p[1] << 8));
    r->p += 2;
    r->left -= 2;
    return v;
}

static uint32_t rd_u32(token_reader *r)
{
    if (r->bad || r->left < 4) {
        r->bad = 1;
        return 0;
    }
    uint32_t v = (uint32_t)r->p[0] | ((uint32_t)r->p[1] << 8) | ((uint32_t)r->p[2] << 16) |
                 ((uint32_t)r->p[3] << 24);
    r->p += 4;
    r->left -= 4;
    return v;
}

/* pack_string: u16 length, then that many bytes (borrowed). */
static const uint8_t *rd_str(token_reader *r, size_t *len)
{
    size_t n = rd_u16(r);
    if (r->bad || r->left < n) {
        r->bad = 1;
        *len = 0;
        return NULL;
    }
    const uint8_t *s = r->p;
    r->p += n;
    r->left -= n;
    *len = n;
    return s;
}

/* ---- little-endian writing, bounded ---- */

typedef struct {
    uint8_t *p;
    size_t len, cap;
    int full;
} token_writer;

static void wr_bytes(token_writer *w, const void *b, size_t n)
{
    if (w->full || w->cap - w->len < n) {
        w->full = 1;
        return;
    }
    if (n)
        memcpy(w->p + w->len, b, n);
    w->len += n;
}

static void wr_u16(token_writer *w, uint16_t v)
{
    uint8_t b[2] = { (uint8_t)v, (uint8_t)(v >> 8) };
    wr_bytes(w, b, 2);
}

static void wr_u32(token_writer *w, uint32_t v)
{
    uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };
    wr_bytes(w, b, 4);
}

static void wr_str(token_writer *w, const void *s, size_t n)
{
    if (n > 0xffffu) {
        w->full = 1;
        return;
    }
    wr_u16(w, (uint16_t)n);
    wr_bytes(w, s, n);
}

/* ---- base64 (standard alphabet; padding optional when decoding) ---- */

static int b64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

/* Decodes s[0..len) into a malloc'ed buffer. 0 or -1 (malformed, or no
 * memory: *out stays NULL either way on failure). */
static int b64_decode(const char *s, size_t len, uint8_t **out, size_t *out_len)
{
    *out = NULL;
    *out_len = 0;
    while (len > 0 && s[len - 1] == '=' )
        len--;
    if (len % 4 == 1)
        return -1;
    uint8_t *buf = malloc(len / 4 * 3 + 3);
    if (!buf)
        return -1;
    size_t n = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < len; i++) {
        int v = b64_value((unsigned char)s[i]);
        if (v < 0) {
            free(buf);
            return -1;
        }
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            buf[n++] = (uint8_t)(acc >> bits);
        }
    }
    *out = buf;
    *out_len = n;
    return 0;
}

static size_t b64_encoded_len(size_t n)
{
    return (n + 2) / 3 * 4;
}

/* Writes the padded encoding and a NUL; the caller has checked the room. */
static void b64_encode(const uint8_t *b, size_t n, char *out)
{
    static const char tab[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)b[i] << 16;
        if (i + 1 < n) v |= (uint32_t)b[i + 1] << 8;
        if (i + 2 < n) v |= b[i + 2];
        out[o++] = tab[(v >> 18) & 63];
        out[o++] = tab[(v >> 12) & 63];
        out[o++] = i + 1 < n ? tab[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < n ? tab[v & 63] : '=';
    }
    out[o] = '\0';
}

/* ---- HMAC-SHA256 ---- */

static int hmac256(const void *key, size_t key_len, const void *msg, size_t msg_len,
                   uint8_t out[TOKEN_SIG_LEN])
{
    unsigned int n = 0;
    static const uint8_t empty;
    if (key_len > (size_t)0x7fffffff)
        return -1;
    if (!HMAC(EVP_sha256(), key_len ? key : &empty, (int)key_len,
              msg_len ? msg : &empty, msg_len, out, &n) || n != TOKEN_SIG_LEN)
        return -1;
    return 0;
}

/* 007 signing key: HMAC(u32 salt, HMAC(u32 issue_ts, certificate)). */
static int signing_key007(const char *cert, uint32_t issue_ts, uint32_t salt,
                          uint8_t key[TOKEN_SIG_LEN])
{
    uint8_t ts[4] = { (uint8_t)issue_ts, (uint8_t)(issue_ts >> 8), (uint8_t)(issue_ts >> 16),
                      (uint8_t)(issue_ts >> 24) };
    uint8_t sl[4] = { (uint8_t)salt, (uint8_t)(salt >> 8), (uint8_t)(salt >> 16),
                      (uint8_t)(salt >> 24) };
    uint8_t k1[TOKEN_SIG_LEN];
    if (hmac256(ts, sizeof ts, cert, strlen(cert), k1) != 0)
        return -1;
    int rc = hmac256(sl, sizeof sl, k1, sizeof k1, key);
    OPENSSL_cleanse(k1, sizeof k1);
    return rc;
}

/* ---- parsing ---- */

/* The bytes a 007 token's base64 inflates to: at most
 * RTM__TOKEN_MAX_INFLATED, malloc'ed. */
static rtm__token_status inflate_bounded(const uint8_t *in, size_t in_len, uint8_t **out,
                                         size_t *out_len)
{
    *out = NULL;
    *out_len = 0;
    uint8_t *buf = malloc(RTM__TOKEN_MAX_INFLATED);
    if (!buf)
        return RTM__TOKEN_NOMEM;
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit(&z) != Z_OK) {
        free(buf);
        return RTM__TOKEN_INTERNAL;
    }
    z.next_in = (Bytef *)(uintptr_t)in;
    z.avail_in = (uInt)in_len;
    z.next_out = buf;
    z.avail_out = RTM__TOKEN_MAX_INFLATED;
    int rc = inflate(&z, Z_FINISH);
    size_t n = RTM__TOKEN_MAX_INFLATED - z.avail_out;
    inflateEnd(&z);
    /* Only a complete stream that fits: more data (Z_BUF_ERROR with no room
     * left) is "too large", a cut stream is "truncated": both malformed. */
    if (rc != Z_STREAM_END) {
        free(buf);
        return RTM__TOKEN_MALFORMED;
    }
    *out = buf;
    *out_len = n;
    return RTM__TOKEN_OK;
}

rtm__token_status rtm__token_inflate007(const char *s, size_t len, uint8_t **out,
                                        size_t *out_len)
{
    *out = NULL;
    *out_len = 0;
    if (!s || len < 4 || len > RTM__TOKEN_MAX_LEN || memcmp(s, "007", 3) != 0)
        return RTM__TOKEN_MALFORMED;
    uint8_t *raw;
    size_t raw_len;
    if (b64_decode(s + 3, len - 3, &raw, &raw_len) != 0)
        return RTM__TOKEN_MALFORMED;
    rtm__token_status st = inflate_bounded(raw, raw_len, out, out_len);
    free(raw);
    return st;
}

/* Skips the fields of a service after its privileges; 0, or -1 for a type
 * whose layout we do not know (the vendor's parser stops there too). */
static int skip_service_fields(token_reader *r, uint16_t type)
{
    size_t n;
    switch (type) {
    case 1: /* RTC: channel, uid */
    case 3: /* streaming: channel, account */
    case 6: /* FCDN: channel, account */
        rd_str(r, &n);
        rd_str(r, &n);
        return 0;
    case 5: /* chat: user id */
        rd_str(r, &n);
        return 0;
    case 4:  /* FPA */
    case 9:  /* ConvoAI */
    case 10: /* STT */
        return 0;
    default:
        return -1;
    }
}

static rtm__token_status parse007(const char *s, size_t len, rtm__token *t)
{
    rtm__token_status st = rtm__token_inflate007(s, len, &t->data, &t->data_len);
    if (st != RTM__TOKEN_OK)
        return st;
    token_reader r = { t->data, t->data_len, 0 };
    t->version = 7;
    t->signature = rd_str(&r, &t->signature_len);
    t->signed_bytes = r.p;
    t->signed_len = r.left;
    t->app_id = rd_str(&r, &t->app_id_len);
    t->issue_ts = rd_u32(&r);
    t->expire = rd_u32(&r);
    t->salt = rd_u32(&r);
    uint16_t n_services = rd_u16(&r);
    if (r.bad || t->signature_len != TOKEN_SIG_LEN)
        return RTM__TOKEN_MALFORMED;
    for (uint16_t i = 0; i < n_services; i++) {
        uint16_t type = rd_u16(&r);
        uint16_t n_priv = rd_u16(&r);
        uint32_t login = 0;
        int has_login = 0;
        for (uint16_t k = 0; k < n_priv && !r.bad; k++) {
            uint16_t key = rd_u16(&r);
            uint32_t value = rd_u32(&r);
            if (key == RTM__TOKEN_PRIVILEGE_RTM_LOGIN_007) {
                login = value;
                has_login = 1;
            }
        }
        if (r.bad)
            return RTM__TOKEN_MALFORMED;
        if (type == RTM__TOKEN_SERVICE_RTM) {
            size_t ulen;
            const uint8_t *user = rd_str(&r, &ulen);
            if (r.bad)
                return RTM__TOKEN_MALFORMED;
            if (!t->user_id) { /* the first RTM service counts */
                t->user_id = user;
                t->user_id_len = ulen;
                t->has_login = has_login;
                t->login_expire = login;
            }
            continue;
        }
        if (skip_service_fields(&r, type) != 0)
            break;
        if (r.bad)
            return RTM__TOKEN_MALFORMED;
    }
    return RTM__TOKEN_OK;
}

static rtm__token_status parse006(const char *s, size_t len, rtm__token *t)
{
    if (len < 3 + TOKEN_006_APP_LEN + 4 || len > RTM__TOKEN_MAX_LEN)
        return RTM__TOKEN_MALFORMED;
    t->version = 6;
    memcpy(t->app_id006, s + 3, TOKEN_006_APP_LEN);
    t->app_id = t->app_id006;
    t->app_id_len = TOKEN_006_APP_LEN;
    if (b64_decode(s + 3 + TOKEN_006_APP_LEN, len - 3 - TOKEN_006_APP_LEN, &t->data,
                   &t->data_len) != 0)
        return RTM__TOKEN_MALFORMED;
    token_reader r = { t->data, t->data_len, 0 };
    t->signature = rd_str(&r, &t->signature_len);
    t->crc_user = rd_u32(&r);
    t->crc_uid = rd_u32(&r); /* crc32 of the uid: "" for RTM */
    t->signed_bytes = rd_str(&r, &t->signed_len);
    if (r.bad || t->signature_len != TOKEN_SIG_LEN)
        return RTM__TOKEN_MALFORMED;
    token_reader m = { t->signed_bytes, t->signed_len, 0 };
    t->salt = rd_u32(&m);
    t->expire = rd_u32(&m);
    uint16_t n = rd_u16(&m);
    for (uint16_t k = 0; k < n && !m.bad; k++) {
        uint16_t key = rd_u16(&m);
        uint32_t value = rd_u32(&m);
        if (key == RTM__TOKEN_PRIVILEGE_RTM_LOGIN_006 && !m.bad) {
            t->has_login = 1;
            t->login_expire = value;
        }
    }
    if (m.bad)
        return RTM__TOKEN_MALFORMED;
    return RTM__TOKEN_OK;
}

rtm__token_status rtm__token_parse(const char *s, size_t len, rtm__token *t)
{
    memset(t, 0, sizeof *t);
    if (!s || len < 3 || len > RTM__TOKEN_MAX_LEN)
        return RTM__TOKEN_MALFORMED;
    rtm__token_status st = RTM__TOKEN_MALFORMED;
    if (memcmp(s, "007", 3) == 0)
        st = parse007(s, len, t);
    else if (memcmp(s, "006", 3) == 0)
        st = parse006(s, len, t);
    if (st != RTM__TOKEN_OK)
        rtm__token_free(t);
    return st;
}

void rtm__token_free(rtm__token *t)
{
    free(t->data);
    memset(t, 0, sizeof *t);
}

/* ---- verification ---- */

static int bytes_eq(const uint8_t *a, size_t alen, const char *b)
{
    size_t blen = strlen(b);
    return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
}

/* The earlier of two expiries (0 = never). */
static uint64_t earlier(uint64_t a, uint64_t b)
{
    if (!a) return b;
    if (!b) return a;
    return a < b ? a : b;
}

rtm__token_status rtm__token_verify(const char *token, size_t len, const char *app_id,
                                    const char *app_cert, const char *user_id, uint64_t now,
                                    uint64_t *expires_at)
{
    if (expires_at)
        *expires_at = 0;
    if (!app_id || !app_cert || !user_id)
        return RTM__TOKEN_INVALID_ARGUMENT;
    rtm__token t;
    rtm__token_status st = rtm__token_parse(token, len, &t);
    if (st != RTM__TOKEN_OK)
        return st;
    uint8_t sig[TOKEN_SIG_LEN];
    uint64_t token_at = 0, priv_at = 0;
    if (!bytes_eq(t.app_id, t.app_id_len, app_id)) {
        st = RTM__TOKEN_WRONG_APP;
        goto out;
    }
    if (t.version == 7) {
        uint8_t key[TOKEN_SIG_LEN];
        int rc = signing_key007(app_cert, t.issue_ts, t.salt, key);
        if (rc == 0)
            rc = hmac256(key, sizeof key, t.signed_bytes, t.signed_len, sig);
        OPENSSL_cleanse(key, sizeof key);
        if (rc != 0) {
            st = RTM__TOKEN_INTERNAL;
            goto out;
        }
        if (CRYPTO_memcmp(sig, t.signature, TOKEN_SIG_LEN) != 0) {
            st = RTM__TOKEN_BAD_SIGNATURE;
            goto out;
        }
        if (!t.user_id || !bytes_eq(t.user_id, t.user_id_len, user_id)) {
            st = t.user_id ? RTM__TOKEN_WRONG_USER : RTM__TOKEN_NO_PRIVILEGE;
            goto out;
        }
        token_at = t.expire ? (uint64_t)t.issue_ts + t.expire : 0;
        priv_at = t.login_expire ? (uint64_t)t.issue_ts + t.login_expire : 0;
    } else {
        /* The user id is signed (app id + user + "" + m) and its crc32 is
         * carried: a crc that differs tells "another user" from "tampered". */
        size_t ulen = strlen(user_id), alen = strlen(app_id);
        size_t n = alen + ulen + t.signed_len;
        uint8_t *msg = malloc(n ? n : 1);
        if (!msg) {
            st = RTM__TOKEN_NOMEM;
            goto out;
        }
        memcpy(msg, app_id, alen);
        memcpy(msg + alen, user_id, ulen);
        memcpy(msg + alen + ulen, t.signed_bytes, t.signed_len);
        int rc = hmac256(app_cert, strlen(app_cert), msg, n, sig);
        free(msg);
        if (rc != 0) {
            st = RTM__TOKEN_INTERNAL;
            goto out;
        }
        uint32_t crc = (uint32_t)crc32(0L, (const Bytef *)user_id, (uInt)ulen);
        if (CRYPTO_memcmp(sig, t.signature, TOKEN_SIG_LEN) != 0) {
            st = crc != t.crc_user ? RTM__TOKEN_WRONG_USER : RTM__TOKEN_BAD_SIGNATURE;
            goto out;
        }
        /* The crcs are not signed: changed ones are tampering. */
        if (crc != t.crc_user || t.crc_uid != 0) {
            st = RTM__TOKEN_BAD_SIGNATURE;
            goto out;
        }
        token_at = t.expire;
        priv_at = t.login_expire;
    }
    if (!t.has_login) {
        st = RTM__TOKEN_NO_PRIVILEGE;
        goto out;
    }
    if (token_at && now >= token_at) {
        st = RTM__TOKEN_EXPIRED;
        goto out;
    }
    if (priv_at && now >= priv_at) {
        st = RTM__TOKEN_PRIVILEGE_EXPIRED;
        goto out;
    }
    if (expires_at)
        *expires_at = earlier(token_at, priv_at);
    st = RTM__TOKEN_OK;
out:
    rtm__token_free(&t);
    return st;
}

/* ---- building ---- */

static int field_ok(const char *s, int may_be_empty)
{
    if (!s)
        return 0;
    size_t n = strlen(s);
    return (may_be_empty || n > 0) && n <= RTM__TOKEN_FIELD_MAX;
}

rtm__token_status rtm__token_build007(const char *app_id, const char *app_cert,
                                      const char *user_id, uint32_t issue_ts, uint32_t salt,
                                      uint32_t expire, char *out, size_t out_len)
{
    if (!field_ok(app_id, 0) || !field_ok(app_cert, 0) || !field_ok(user_id, 0) || !out)
        return RTM__TOKEN_INVALID_ARGUMENT;
    uint8_t info_buf[4 * RTM__TOKEN_FIELD_MAX];
    token_writer w = { info_buf, 0, sizeof info_buf, 0 };
    wr_str(&w, app_id, strlen(app_id));
    wr_u32(&w, issue_ts);
    wr_u32(&w, expire);
    wr_u32(&w, salt);
    wr_u16(&w, 1); /* one service: RTM */
    wr_u16(&w, RTM__TOKEN_SERVICE_RTM);
    wr_u16(&w, 1); /* one privilege: login */
    wr_u16(&w, RTM__TOKEN_PRIVILEGE_RTM_LOGIN_007);
    wr_u32(&w, expire);
    wr_str(&w, user_id, strlen(user_id));
    if (w.full)
        return RTM__TOKEN_INVALID_ARGUMENT;

    uint8_t key[TOKEN_SIG_LEN], sig[TOKEN_SIG_LEN];
    int rc = signing_key007(app_cert, issue_ts, salt, key);
    if (rc == 0)
        rc = hmac256(key, sizeof key, info_buf, w.len, sig);
    OPENSSL_cleanse(key, sizeof key);
    if (rc != 0)
        return RTM__TOKEN_INTERNAL;

    uint8_t content[4 * RTM__TOKEN_FIELD_MAX + 64];
    token_writer c = { content, 0, sizeof content, 0 };
    wr_str(&c, sig, sizeof sig);
    wr_bytes(&c, info_buf, w.len);
    if (c.full)
        return RTM__TOKEN_INVALID_ARGUMENT;

    uint8_t packed[sizeof content + 64];
    uLongf packed_len = sizeof packed;
    if (compressBound(c.len) > sizeof packed ||
        compress2(packed, &packed_len, content, c.len, Z_DEFAULT_COMPRESSION) != Z_OK)
        return RTM__TOKEN_INTERNAL;
    if (out_len < 3 + b64_encoded_len(packed_len) + 1)
        return RTM__TOKEN_NO_SPACE;
    memcpy(out, "007", 3);
    b64_encode(packed, packed_len, out + 3);
    return RTM__TOKEN_OK;
}

rtm__token_status rtm__token_build006(const char *app_id, const char *app_cert,
                                      const char *user_id, uint32_t salt, uint32_t ts,
                                      uint32_t privilege_expire_at, char *out,
                                      size_t out_len)
{
    if (!field_ok(app_id, 0) || strlen(app_id) != TOKEN_006_APP_LEN ||
        !field_ok(app_cert, 0) || !field_ok(user_id, 0) || !out)
        return RTM__TOKEN_INVALID_ARGUMENT;
    uint8_t m_buf[16];
    token_writer m = { m_buf, 0, sizeof m_buf, 0 };
    wr_u32(&m, salt);
    wr_u32(&m, ts);
    wr_u16(&m, 1);
    wr_u16(&m, RTM__TOKEN_PRIVILEGE_RTM_LOGIN_006);
    wr_u32(&m, privilege_expire_at);

    /* Signed: app id + user id (the "channel name") + uid "" + m. */
    size_t alen = strlen(app_id), ulen = strlen(user_id);
    uint8_t msg[2 * RTM__TOKEN_FIELD_MAX + sizeof m_buf];
    memcpy(msg, app_id, alen);
    memcpy(msg + alen, user_id, ulen);
    memcpy(msg + alen + ulen, m_buf, m.len);
    uint8_t sig[TOKEN_SIG_LEN];
    if (hmac256(app_cert, strlen(app_cert), msg, alen + ulen + m.len, sig) != 0)
        return RTM__TOKEN_INTERNAL;

    uint8_t content[64 + sizeof m_buf];
    token_writer c = { content, 0, sizeof content, 0 };
    wr_str(&c, sig, sizeof sig);
    wr_u32(&c, (uint32_t)crc32(0L, (const Bytef *)user_id, (uInt)ulen));
    wr_u32(&c, (uint32_t)crc32(0L, Z_NULL, 0)); /* crc32("") of the uid */
    wr_str(&c, m_buf, m.len);
    if (c.full)
        return RTM__TOKEN_INTERNAL;
    if (out_len < 3 + alen + b64_encoded_len(c.len) + 1)
        return RTM__TOKEN_NO_SPACE;
    memcpy(out, "006", 3);
    memcpy(out + 3, app_id, alen);
    b64_encode(content, c.len, out + 3 + alen);
    return RTM__TOKEN_OK;
}

rtm__token_status rtm__token_build_now(const char *app_id, const char *app_cert,
                                       const char *user_id, uint32_t expire_seconds,
                                       int legacy, uint64_t now, char *out, size_t out_len)
{
    uint8_t r[4];
    if (now > 0xffffffffu - TOKEN_006_TS_VALIDITY)
        return RTM__TOKEN_INVALID_ARGUMENT;
    if (RAND_bytes(r, sizeof r) != 1)
        return RTM__TOKEN_INTERNAL;
    uint32_t rnd = (uint32_t)r[0] | ((uint32_t)r[1] << 8) | ((uint32_t)r[2] << 16) |
                   ((uint32_t)r[3] << 24);
    if (legacy) {
        uint64_t at = expire_seconds ? now + expire_seconds : 0;
        if (at > 0xffffffffu)
            return RTM__TOKEN_INVALID_ARGUMENT;
        return rtm__token_build006(app_id, app_cert, user_id, rnd,
                                   (uint32_t)now + TOKEN_006_TS_VALIDITY, (uint32_t)at, out,
                                   out_len);
    }
    /* The vendor's salt is in 1..99999999. */
    return rtm__token_build007(app_id, app_cert, user_id, (uint32_t)now,
                               rnd % 99999999u + 1u, expire_seconds, out, out_len);
}

/* ---- the public builder (rtm/rtm_token.h) ---- */

int rtm_token_build(const char *app_id, const char *app_cert, const char *user_id,
                    uint32_t expire_seconds, int legacy, char *out, size_t out_len)
{
    if (out && out_len)
        out[0] = '\0';
    time_t now = time(NULL);
    if (now < 0)
        return RTM_ESYSTEM;
    switch (rtm__token_build_now(app_id, app_cert, user_id, expire_seconds, legacy,
                                 (uint64_t)now, out, out_len)) {
    case RTM__TOKEN_OK:
        return RTM_OK;
    case RTM__TOKEN_NOMEM:
        return RTM_ENOMEM;
    case RTM__TOKEN_INTERNAL:
        return RTM_ESYSTEM;
    default:
        return RTM_EINVAL;
    }
}
