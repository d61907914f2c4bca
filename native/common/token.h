/*
 * token.h: the vendor's two public login token formats, parsed, verified
 * and built (docs/TOKENS.md has the byte layouts).
 *
 *   AccessToken2 "007": "007" + base64(zlib(pack_string(signature) + info))
 *     info = pack_string(app id) u32 issue_ts u32 expire u32 salt
 *            u16 n_services, services in type order; a service is
 *            u16 type, u16 n, n x (u16 privilege, u32 seconds), then its
 *            fields (RTM, type 2: pack_string(user id); login privilege 1).
 *     key = HMAC(u32 salt, HMAC(u32 issue_ts, certificate)),
 *     signature = HMAC-SHA256(key, info). Times are seconds after issue_ts.
 *   AccessToken "006": "006" + app id (32 chars) + base64(content)
 *     content = pack_string(signature) u32 crc32(user) u32 crc32("")
 *               pack_string(m);  m = u32 salt u32 ts u16 n, n x (u16, u32)
 *     signature = HMAC-SHA256(certificate, app id + user + "" + m);
 *     RTM login is privilege 1000; its value and ts are Unix seconds.
 *   Integers are little-endian; pack_string is a u16 length and the bytes.
 *
 * Sans-I/O: nothing here reads a clock or a random source, except
 * rtm__token_build_now (rtm_token_build's core). The parser takes any bytes:
 * every length is bounded before it is used, and nothing is allocated
 * beyond RTM__TOKEN_MAX_INFLATED bytes (the fuzz target's entry points are
 * rtm__token_parse and rtm__token_verify).
 */
#ifndef RTM__TOKEN_H
#define RTM__TOKEN_H

#include <stddef.h>
#include <stdint.h>

/* Longest token string accepted, and the most bytes a 007 token may
 * inflate to. */
#define RTM__TOKEN_MAX_LEN 4096u
#define RTM__TOKEN_MAX_INFLATED 8192u
/* Longest app id, certificate and user id the builder takes. */
#define RTM__TOKEN_FIELD_MAX 256u
/* A buffer this large holds any token the builder makes. */
#define RTM__TOKEN_BUILD_MAX 2048u

#define RTM__TOKEN_SERVICE_RTC 1u
#define RTM__TOKEN_SERVICE_RTM 2u
#define RTM__TOKEN_PRIVILEGE_RTM_LOGIN_007 1u
#define RTM__TOKEN_PRIVILEGE_RTM_LOGIN_006 1000u

/* Outcomes, most specific first. A verification reports the first check
 * that fails, in this order: MALFORMED, WRONG_APP, BAD_SIGNATURE,
 * WRONG_USER, NO_PRIVILEGE, EXPIRED, PRIVILEGE_EXPIRED. */
typedef enum {
    RTM__TOKEN_OK = 0,
    RTM__TOKEN_MALFORMED,         /* not a 006/007 token, or its bytes are wrong */
    RTM__TOKEN_WRONG_APP,         /* made for another app id */
    RTM__TOKEN_BAD_SIGNATURE,     /* another certificate, or tampered */
    RTM__TOKEN_WRONG_USER,        /* made for another user id */
    RTM__TOKEN_NO_PRIVILEGE,      /* no RTM login privilege in it */
    RTM__TOKEN_EXPIRED,           /* the token's own expiry (007 expire, 006 ts) passed */
    RTM__TOKEN_PRIVILEGE_EXPIRED, /* the RTM login privilege expired */
    RTM__TOKEN_INVALID_ARGUMENT,  /* builder: an argument is empty, too long or badly formed */
    RTM__TOKEN_NO_SPACE,          /* builder: the output buffer is too small */
    RTM__TOKEN_NOMEM,
    RTM__TOKEN_INTERNAL           /* OpenSSL or zlib failed */
} rtm__token_status;

/* "OK", "MALFORMED", ... */
const char *rtm__token_status_name(rtm__token_status st);

/* A parsed token. Strings are not NUL-terminated: pointer and length into
 * `data` (or app_id006). Free with rtm__token_free. */
typedef struct {
    int version;                  /* 6 or 7 */
    const uint8_t *app_id;
    size_t app_id_len;
    const uint8_t *signature;
    size_t signature_len;
    const uint8_t *signed_bytes;  /* what the signature covers (007: info, 006: m) */
    size_t signed_len;
    uint32_t issue_ts;            /* 007; 0 for 006 */
    uint32_t expire;              /* 007: seconds after issue_ts; 006: ts (Unix s) */
    uint32_t salt;
    int has_login;                /* an RTM service / the RTM login privilege was found */
    uint32_t login_expire;        /* 007: seconds after issue_ts; 006: Unix s; 0: never */
    const uint8_t *user_id;       /* 007: the RTM service's user id */
    size_t user_id_len;
    uint32_t crc_user;            /* 006: crc32 of the user id */
    uint32_t crc_uid;             /* 006: crc32 of the uid, "" (0) for RTM */
    uint8_t *data;                /* owned */
    size_t data_len;
    uint8_t app_id006[32];
} rtm__token;

/* Parses len bytes (any bytes). RTM__TOKEN_OK and *t filled, or
 * MALFORMED / NOMEM with *t empty. */
rtm__token_status rtm__token_parse(const char *s, size_t len, rtm__token *t);
void rtm__token_free(rtm__token *t);

/* Verifies a token for a login of user_id to app_id whose certificate is
 * app_cert, at Unix time now (seconds). On OK, *expires_at (may be NULL)
 * is when the login privilege ends, the earlier of the token's and the
 * privilege's expiry, in Unix seconds; 0 = never. An expiry of 0 in a
 * token means "never" (for 007 a token or privilege expire of 0). A token
 * is expired from its expiry second on (now >= expires_at). */
rtm__token_status rtm__token_verify(const char *token, size_t len, const char *app_id,
                                    const char *app_cert, const char *user_id, uint64_t now,
                                    uint64_t *expires_at);

/* Builds a 007 token with one RTM service (login privilege = expire) for
 * user_id, as the vendor's RtmTokenBuilder2.buildToken does, with the given
 * issue ts and salt. out receives a NUL-terminated string. */
rtm__token_status rtm__token_build007(const char *app_id, const char *app_cert,
                                      const char *user_id, uint32_t issue_ts, uint32_t salt,
                                      uint32_t expire, char *out, size_t out_len);

/* Builds a 006 token with the RTM login privilege (1000) expiring at
 * privilege_expire_at (Unix s, 0 = never) for user_id, as the vendor's
 * RtmTokenBuilder.buildToken does, with the given salt and ts (the token's
 * own expiry: the vendor puts now + 24 h). app_id must be 32 characters. */
rtm__token_status rtm__token_build006(const char *app_id, const char *app_cert,
                                      const char *user_id, uint32_t salt, uint32_t ts,
                                      uint32_t privilege_expire_at, char *out,
                                      size_t out_len);

/* The vendor's builders at time `now` with a fresh random salt (OpenSSL
 * RAND_bytes): 007 with expire_seconds for the token and the privilege;
 * 006 (legacy) with the privilege ending now + expire_seconds (0: never)
 * and ts = now + 24 h. */
rtm__token_status rtm__token_build_now(const char *app_id, const char *app_cert,
                                       const char *user_id, uint32_t expire_seconds,
                                       int legacy, uint64_t now, char *out, size_t out_len);

/* The bytes a 007 token inflates to (signature + info), for tests that
 * compare two builders whose deflate streams differ. OK or MALFORMED;
 * *out is malloc'ed. */
rtm__token_status rtm__token_inflate007(const char *s, size_t len, uint8_t **out,
                                        size_t *out_len);

#endif
