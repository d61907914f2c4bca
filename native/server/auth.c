/* auth.c: app id and token checks of a login. */
#include "auth.h"

#include <string.h>

#include "rtm/rtm_codes.h"

#define RTMD_APP_ID_MAX 128u

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

int rtmd_auth_check_token(const rtmd_config *cfg, const char *app_id,
                          const char *user_id, const char *token)
{
    return RTM_LOGIN_ERR_OK;
}
