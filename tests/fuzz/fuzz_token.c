/*
 * fuzz_token.c: libFuzzer target for the login token parser and verifier
 * (native/common/token.h), which read what any client puts in its Login.
 *
 * The whole input is a token: parsed (every part must lie inside what the
 * parser owns) and verified for a fixed app, certificate and user. Then the
 * input's first bytes become a user id, salt and times for the builders, and
 * a token built that way must verify for that user and only for that user.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "token.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char app_id[] = "970CA35de60c44645bbae8a215061b33";
static const char app_cert[] = "5CFd2fd1755d40ecb72977518be15d3b";

static void fuzz__within(const uint8_t *p, size_t n, const rtm__token *t)
{
    if (n == 0)
        return;
    const uint8_t *d = t->data, *a = t->app_id006;
    int in_data = d != NULL && p >= d && p + n <= d + t->data_len;
    int in_app = p >= a && p + n <= a + sizeof t->app_id006;
    if (!in_data && !in_app)
        abort();
}

static uint32_t fuzz__u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static void fuzz__build(const uint8_t *data, size_t size)
{
    if (size < 13)
        return;
    uint32_t salt = fuzz__u32(data), ts = fuzz__u32(data + 4);
    uint32_t expire = fuzz__u32(data + 8) % 100000u;
    int legacy = data[12] & 1;
    data += 13;
    size -= 13;
    char user[RTM__TOKEN_FIELD_MAX + 2];
    size_t ulen = size < RTM__TOKEN_FIELD_MAX + 1 ? size : RTM__TOKEN_FIELD_MAX + 1;
    memcpy(user, data, ulen);
    user[ulen] = '\0';

    char tok[RTM__TOKEN_BUILD_MAX];
    rtm__token_status st;
    uint64_t now;
    if (legacy) {
        /* 006: ts is the token's expiry in Unix seconds; the privilege ends
         * at ts + expire, or never. */
        if (ts < 2 || ts > UINT32_MAX - expire)
            return;
        st = rtm__token_build006(app_id, app_cert, user, salt, ts,
                                 expire ? ts + expire : 0, tok, sizeof tok);
        now = ts - 1;
    } else {
        st = rtm__token_build007(app_id, app_cert, user, ts, salt, expire, tok,
                                 sizeof tok);
        now = ts;
    }
    if (st == RTM__TOKEN_INVALID_ARGUMENT)
        return;
    if (st != RTM__TOKEN_OK)
        abort();
    size_t len = strlen(tok);
    if (rtm__token_verify(tok, len, app_id, app_cert, user, now, NULL) != RTM__TOKEN_OK)
        abort();
    /* Another user ("x" + this one), another certificate: refused. */
    char other[sizeof user + 1];
    other[0] = 'x';
    memcpy(other + 1, user, ulen + 1);
    if (rtm__token_verify(tok, len, app_id, app_cert, other, now, NULL) == RTM__TOKEN_OK)
        abort();
    if (rtm__token_verify(tok, len, app_id, "00000000000000000000000000000000", user, now,
                          NULL) == RTM__TOKEN_OK)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rtm__token t;
    memset(&t, 0, sizeof t);
    rtm__token_status st = rtm__token_parse((const char *)data, size, &t);
    (void)rtm__token_status_name(st);
    if (st == RTM__TOKEN_OK) {
        if (t.version != 6 && t.version != 7)
            abort();
        fuzz__within(t.app_id, t.app_id_len, &t);
        fuzz__within(t.signature, t.signature_len, &t);
        fuzz__within(t.signed_bytes, t.signed_len, &t);
        fuzz__within(t.user_id, t.user_id_len, &t);
    }
    rtm__token_free(&t);

    uint64_t expires_at = 0;
    (void)rtm__token_verify((const char *)data, size, app_id, app_cert, "alice",
                            1700000000u, &expires_at);

    fuzz__build(data, size);
    return 0;
}
