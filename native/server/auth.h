/*
 * auth.h: whether a login may proceed: its app id, and its token (issue 5
 * tokens, docs/TOKENS.md).
 */
#ifndef RTMD_AUTH_H
#define RTMD_AUTH_H

#include <stdint.h>

#include "config.h"

/* The longest app id a login may name. */
#define RTMD_APP_ID_MAX 128u

/* A LoginError code: 0, or LOGIN_ERR_INVALID_APP_ID when the app id is
 * malformed (empty, over RTMD_APP_ID_MAX bytes, a control character) or not
 * one of --app-id. */
int rtmd_auth_check_app(const rtmd_config *cfg, const char *app_id);

/* A LoginError code for the token of a login of user_id to app_id (already
 * accepted by rtmd_auth_check_app) at Unix time now (seconds):
 *  - the app has no certificate: 0, whatever the token (app-id-only mode);
 *  - otherwise the token must be a valid 007 or 006 token of that app for
 *    that user with the RTM login privilege: a missing, malformed, tampered
 *    token, or one signed with another certificate or made for another user
 *    is LOGIN_ERR_INVALID_TOKEN (5); one made for another app id
 *    LOGIN_ERR_INVALID_APP_ID (4); one whose own expiry or whose privilege
 *    has passed LOGIN_ERR_TOKEN_EXPIRED (6).
 * On 0, *expires_at is when the session's token expires (Unix seconds;
 * 0 = never, and always 0 without a certificate). */
int rtmd_auth_check_token(const rtmd_config *cfg, const char *app_id, const char *user_id,
                          const char *token, uint64_t now, uint64_t *expires_at);

/* The same check for RenewToken: a RenewTokenError code (0, INVALID_ARGUMENT
 * for an empty token, INVALID_TOKEN, TOKEN_EXPIRED) and *expires_at. */
int rtmd_auth_check_renew(const rtmd_config *cfg, const char *app_id, const char *user_id,
                          const char *token, uint64_t now, uint64_t *expires_at);

#endif
