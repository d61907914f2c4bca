/* auth.c: app id and token checks of a login. */
#include "auth.h"

#include <string.h>

#include "log.h"
#include "rtm/rtm_codes.h"
#include "token.h"

int rtmd_auth_check_app(const rtmd_config *cfg, const char *app_id)
{
    size_t n = app_id ? strlen(app_id) : 0;
    if (n == 0 || n > RTMD_APP_ID_MAX)
        return RTM_LOGIN_ERR_INVALID_APP_ID;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)app_id[i] < 0x20 || app_id[i] == 0x7f)
            return RTM_LOGIN_ERR_INVALID_APP_ID;
    return rtmd_config_app_allowed(cfg, app_id) ? RTM_LOGIN_ERR_OK
                                                : RTM_LOGIN_ERR_INVALID_APP_ID;
}

/* Verifies token for app/user: the token module's status, logged when it is
 * a refusal (the reason is not told to the client beyond its code). */
static rtm__token_status auth_verify(const char *cert, const char *app_id,
                                     const char *user_id, const char *token, uint64_t now,
                                     uint64_t *expires_at)
{
    rtm__token_status st = rtm__token_verify(token, strlen(token), app_id, cert, user_id,
                                             now, expires_at);
    if (st != RTM__TOKEN_OK)
        rtmd_log(RTMD_LOG_DEBUG, "token of %s/%s refused: %s", app_id, user_id,
                 rtm__token_status_name(st));
    return st;
}

int rtmd_auth_check_token(const rtmd_config *cfg, const char *app_id, const char *user_id,
                          const char *token, uint64_t now, uint64_t *expires_at)
{
    *expires_at = 0;
    const char *cert = rtmd_config_app_cert(cfg, app_id);
    if (!cert)
        return RTM_LOGIN_ERR_OK;
    if (!token || token[0] == '\0')
        return RTM_LOGIN_ERR_INVALID_TOKEN;
    switch (auth_verify(cert, app_id, user_id, token, now, expires_at)) {
    case RTM__TOKEN_OK:
        return RTM_LOGIN_ERR_OK;
    case RTM__TOKEN_WRONG_APP:
        return RTM_LOGIN_ERR_INVALID_APP_ID;
    case RTM__TOKEN_EXPIRED:
    case RTM__TOKEN_PRIVILEGE_EXPIRED:
        return RTM_LOGIN_ERR_TOKEN_EXPIRED;
    case RTM__TOKEN_NOMEM:
    case RTM__TOKEN_INTERNAL:
        return RTM_LOGIN_ERR_UNKNOWN;
    default:
        return RTM_LOGIN_ERR_INVALID_TOKEN;
    }
}

int rtmd_auth_check_renew(const rtmd_config *cfg, const char *app_id, const char *user_id,
                          const char *token, uint64_t now, uint64_t *expires_at)
{
    *expires_at = 0;
    if (!token || token[0] == '\0')
        return RTM_RENEW_TOKEN_ERR_INVALID_ARGUMENT;
    const char *cert = rtmd_config_app_cert(cfg, app_id);
    if (!cert)
        return RTM_RENEW_TOKEN_ERR_OK;
    switch (auth_verify(cert, app_id, user_id, token, now, expires_at)) {
    case RTM__TOKEN_OK:
        return RTM_RENEW_TOKEN_ERR_OK;
    case RTM__TOKEN_EXPIRED:
    case RTM__TOKEN_PRIVILEGE_EXPIRED:
        return RTM_RENEW_TOKEN_ERR_TOKEN_EXPIRED;
    case RTM__TOKEN_NOMEM:
    case RTM__TOKEN_INTERNAL:
        return RTM_RENEW_TOKEN_ERR_FAILURE;
    default:
        return RTM_RENEW_TOKEN_ERR_INVALID_TOKEN;
    }
}
