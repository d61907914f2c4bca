/*
 * token_expiry.h: a session's token expiry (issue 5 tokens, SPEC S15):
 * TokenWillExpire once per token --token-warn-s before it, the
 * --token-expiry-policy when it passes, and RenewToken.
 *
 * Each session whose token expires and that has a link owns one timer,
 * armed at its next instant (the warning, then the expiry) and only while
 * it has one; sessions without an expiry (no certificate, a token that never
 * expires) cost nothing. Expiries are Unix seconds (tokens carry wall-clock
 * times), so this timer runs on the wall clock.
 */
#ifndef RTMD_TOKEN_EXPIRY_H
#define RTMD_TOKEN_EXPIRY_H

#include <stdint.h>

#include "requests.h"
#include "rtm.pb-c.h"

struct rtmd_server;
struct rtmd_session;

/* The session's token now expires at expires_at (Unix s, 0 = never):
 * called after a login (once LoginResult is sent) and an accepted
 * RenewToken. A new expiry is a new token: it will be warned about again;
 * the same expiry (a resume with the same token) is not. Sends
 * TokenWillExpire at once when already inside the warning window. */
void rtmd_token_expiry_set(struct rtmd_server *srv, struct rtmd_session *s,
                           uint64_t expires_at);

/* Handles RenewToken from s (logged in): answers Result with a
 * RenewTokenError code; on OK the session's expiry becomes the new
 * token's. */
void rtmd_token_renew(const rtmd_req *rq, const rtm__frame *f);

/* Frees the session's timer (session_free). */
void rtmd_token_expiry_free(struct rtmd_session *s);

#endif
