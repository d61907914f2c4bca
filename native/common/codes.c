/* codes.c: names of the public API's codes, generated from rtm_codes.h. */
#include "rtm/rtm_codes.h"

#include <stddef.h>

typedef struct {
    int code;
    const char *full;  /* "LOGIN_ERR_TIMEOUT" */
    const char *name;  /* "TIMEOUT" */
} rtm__code_entry;


/* One table per family, from its X-macro list. */
#define RTM__TABLE(fam, map, prefix)                                          \
    static const rtm__code_entry rtm__##fam##_table[] = {                     \
        map(RTM__ENTRY_##fam)                                                 \
    };

#define RTM__ENTRY_CONNECTION_STATE(n, v) { v, "CONNECTION_STATE_" #n, #n },
#define RTM__ENTRY_CONNECTION_CHANGE_REASON(n, v) { v, "CONNECTION_CHANGE_REASON_" #n, #n },
#define RTM__ENTRY_LOGIN_ERR(n, v) { v, "LOGIN_ERR_" #n, #n },
#define RTM__ENTRY_LOGOUT_ERR(n, v) { v, "LOGOUT_ERR_" #n, #n },
#define RTM__ENTRY_RENEW_TOKEN_ERR(n, v) { v, "RENEW_TOKEN_ERR_" #n, #n },
#define RTM__ENTRY_PEER_MESSAGE_ERR(n, v) { v, "PEER_MESSAGE_ERR_" #n, #n },
#define RTM__ENTRY_CHANNEL_MESSAGE_ERR(n, v) { v, "CHANNEL_MESSAGE_ERR_" #n, #n },
/* The vendor names code 4 JOIN_CHANNEL_TIMEOUT, without ERR_. */
#define RTM__ENTRY_JOIN_CHANNEL_ERR(n, v)                                     \
    { v, (v) == 4 ? "JOIN_CHANNEL_TIMEOUT" : "JOIN_CHANNEL_ERR_" #n, #n },
#define RTM__ENTRY_LEAVE_CHANNEL_ERR(n, v) { v, "LEAVE_CHANNEL_ERR_" #n, #n },
#define RTM__ENTRY_GET_MEMBERS_ERR(n, v) { v, "GET_MEMBERS_ERR_" #n, #n },
#define RTM__ENTRY_QUERY_PEERS_ONLINE_STATUS_ERR(n, v) { v, "QUERY_PEERS_ONLINE_STATUS_ERR_" #n, #n },
#define RTM__ENTRY_PEER_SUBSCRIPTION_STATUS_ERR(n, v) { v, "PEER_SUBSCRIPTION_STATUS_ERR_" #n, #n },
#define RTM__ENTRY_QUERY_PEERS_BY_SUBSCRIPTION_OPTION_ERR(n, v) { v, "QUERY_PEERS_BY_SUBSCRIPTION_OPTION_ERR_" #n, #n },
#define RTM__ENTRY_ATTRIBUTE_OPERATION_ERR(n, v) { v, "ATTRIBUTE_OPERATION_ERR_" #n, #n },
#define RTM__ENTRY_GET_CHANNEL_MEMBER_COUNT_ERR(n, v) { v, "GET_CHANNEL_MEMBER_COUNT_ERR_" #n, #n },
#define RTM__ENTRY_SET_RTM_SERVICE_CONTEXT_ERR(n, v) { v, "SET_RTM_SERVICE_CONTEXT_ERR_" #n, #n },
#define RTM__ENTRY_INVITATION_API_CALL_ERR(n, v) { v, "INVITATION_API_CALL_ERR_" #n, #n },
#define RTM__ENTRY_LOCAL_INVITATION_STATE(n, v) { v, "LOCAL_INVITATION_STATE_" #n, #n },
#define RTM__ENTRY_LOCAL_INVITATION_ERR(n, v) { v, "LOCAL_INVITATION_ERR_" #n, #n },
#define RTM__ENTRY_REMOTE_INVITATION_STATE(n, v) { v, "REMOTE_INVITATION_STATE_" #n, #n },
#define RTM__ENTRY_REMOTE_INVITATION_ERR(n, v) { v, "REMOTE_INVITATION_ERR_" #n, #n },
#define RTM__ENTRY_UPLOAD_MEDIA_ERR(n, v) { v, "UPLOAD_MEDIA_ERR_" #n, #n },
#define RTM__ENTRY_DOWNLOAD_MEDIA_ERR(n, v) { v, "DOWNLOAD_MEDIA_ERR_" #n, #n },
#define RTM__ENTRY_CANCEL_MEDIA_ERR(n, v) { v, "CANCEL_MEDIA_ERR_" #n, #n },

RTM_FAMILY_MAP(RTM__TABLE)

typedef struct {
    const rtm__code_entry *entries;
    size_t count;
} rtm__family_table;

static const rtm__family_table rtm__families[RTM_FAMILY__COUNT] = {
#define RTM__FAMILY_ROW(fam, map, prefix)                                     \
    { rtm__##fam##_table,                                                     \
      sizeof(rtm__##fam##_table) / sizeof(rtm__##fam##_table[0]) },
    RTM_FAMILY_MAP(RTM__FAMILY_ROW)
#undef RTM__FAMILY_ROW
};

static const rtm__code_entry *rtm__code_find(rtm_family family, int code)
{
    if ((int)family < 0 || family >= RTM_FAMILY__COUNT)
        return NULL;
    const rtm__family_table *t = &rtm__families[family];
    for (size_t i = 0; i < t->count; i++)
        if (t->entries[i].code == code)
            return &t->entries[i];
    return NULL;
}

const char *rtm_code_name(rtm_family family, int code)
{
    const rtm__code_entry *e = rtm__code_find(family, code);
    return e ? e->full : "UNKNOWN";
}

const char *rtm_code_short_name(rtm_family family, int code)
{
    const rtm__code_entry *e = rtm__code_find(family, code);
    return e ? e->name : "UNKNOWN";
}

const char *rtm_state_name(int state)
{
    return rtm_code_short_name(RTM_FAMILY_CONNECTION_STATE, state);
}

const char *rtm_reason_name(int reason)
{
    return rtm_code_short_name(RTM_FAMILY_CONNECTION_CHANGE_REASON, reason);
}
