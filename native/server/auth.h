/*
 * auth.h: whether a login may proceed: its app id, and (later) its token.
 */
#ifndef RTMD_AUTH_H
#define RTMD_AUTH_H

#include "config.h"

/* A LoginError code: 0, or LOGIN_ERR_INVALID_APP_ID when the app id is
 * malformed (empty, over 128 bytes, a control character) or not one of
 * --app-id. */
int rtmd_auth_check_app(const rtmd_config *cfg, const char *app_id);

/* A LoginError code for the token of a login. Tokens are carried but not
 * verified yet: this always returns 0. Token verification plugs in here
 * (LOGIN_ERR_INVALID_TOKEN, LOGIN_ERR_TOKEN_EXPIRED). */
int rtmd_auth_check_token(const rtmd_config *cfg, const char *app_id,
                          const char *user_id, const char *token);

#endif
