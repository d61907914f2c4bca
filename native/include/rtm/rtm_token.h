/*
 * rtm_token.h: building login tokens in the vendor's public formats, for an
 * application server that hands tokens to its users (docs/TOKENS.md).
 *
 * rtmd verifies them when the app has a certificate (--app-cert). Building
 * a token needs the app certificate: do it on a server, never in a client.
 */
#ifndef RTM_TOKEN_H
#define RTM_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#include "rtm.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A buffer of this many bytes holds any token rtm_token_build makes. */
#define RTM_TOKEN_MAX 2048

/*
 * Builds a token that lets user_id log in to app_id, signed with app_cert,
 * issued now (the system clock) with a fresh random salt:
 *  - legacy == 0: AccessToken2, "007..." (what the vendor's
 *    RtmTokenBuilder2.buildToken makes): the token and its RTM login
 *    privilege expire expire_seconds after now; 0 = never.
 *  - legacy != 0: AccessToken, "006..." (RtmTokenBuilder.buildToken): the
 *    RTM login privilege expires expire_seconds after now (0 = never); the
 *    token itself is valid 24 hours, as the vendor's. app_id must then be
 *    32 characters long.
 * app_id, app_cert and user_id: 1 to 256 bytes each. out receives the token,
 * NUL-terminated; out_len must be large enough (RTM_TOKEN_MAX always is).
 * Returns RTM_OK; RTM_EINVAL for a bad argument or a buffer too small;
 * RTM_ENOMEM; RTM_ESYSTEM when the crypto library fails. Thread-safe.
 */
int rtm_token_build(const char *app_id, const char *app_cert, const char *user_id,
                    uint32_t expire_seconds, int legacy, char *out, size_t out_len);

#ifdef __cplusplus
}
#endif

#endif
