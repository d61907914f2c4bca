/*
 * rtm_codes.h: the integer codes of the public RTM 1.x API.
 *
 * Every list below is an X-macro: XX(NAME, value). The enums, their names
 * (rtm_code_name()) and the Java constants are all generated from these
 * lists, so a value is written exactly once. Values are those of the vendor's
 * public API (see ../shared/reference/java-api-1x.md) and are never
 * renumbered or reused.
 */
#ifndef RTM_CODES_H
#define RTM_CODES_H

#ifdef __cplusplus
extern "C" {
#endif

/* ConnectionState */
#define RTM_CONNECTION_STATE_MAP(XX)                                          \
    XX(DISCONNECTED, 1)                                                       \
    XX(CONNECTING, 2)                                                         \
    XX(CONNECTED, 3)                                                          \
    XX(RECONNECTING, 4)                                                       \
    XX(ABORTED, 5)

/* ConnectionChangeReason */
#define RTM_CONNECTION_CHANGE_REASON_MAP(XX)                                  \
    XX(LOGIN, 1)                                                              \
    XX(LOGIN_SUCCESS, 2)                                                      \
    XX(LOGIN_FAILURE, 3)                                                      \
    XX(LOGIN_TIMEOUT, 4)                                                      \
    XX(INTERRUPTED, 5)                                                        \
    XX(LOGOUT, 6)                                                             \
    XX(BANNED_BY_SERVER, 7)                                                   \
    XX(REMOTE_LOGIN, 8)                                                       \
    XX(TOKEN_EXPIRED, 9)

/* Codes 101 and 102 close every error family. */
#define RTM__COMMON_ERR_MAP(XX)                                               \
    XX(NOT_INITIALIZED, 101)                                                  \
    XX(USER_NOT_LOGGED_IN, 102)

/* LoginError (LOGIN_ERR_*); it has no USER_NOT_LOGGED_IN. */
#define RTM_LOGIN_ERR_MAP(XX)                                                 \
    XX(OK, 0)                                                                 \
    XX(UNKNOWN, 1)                                                            \
    XX(REJECTED, 2)                                                           \
    XX(INVALID_ARGUMENT, 3)                                                   \
    XX(INVALID_APP_ID, 4)                                                     \
    XX(INVALID_TOKEN, 5)                                                      \
    XX(TOKEN_EXPIRED, 6)                                                      \
    XX(NOT_AUTHORIZED, 7)                                                     \
    XX(ALREADY_LOGIN, 8)                                                      \
    XX(TIMEOUT, 9)                                                            \
    XX(TOO_OFTEN, 10)                                                         \
    XX(NOT_INITIALIZED, 101)

/* LogoutError (LOGOUT_ERR_*) */
#define RTM_LOGOUT_ERR_MAP(XX)                                                \
    XX(OK, 0)                                                                 \
    XX(REJECTED, 1)                                                           \
    RTM__COMMON_ERR_MAP(XX)

/* RenewTokenError (RENEW_TOKEN_ERR_*) */
#define RTM_RENEW_TOKEN_ERR_MAP(XX)                                           \
    XX(OK, 0)                                                                 \
    XX(FAILURE, 1)                                                            \
    XX(INVALID_ARGUMENT, 2)                                                   \
    XX(REJECTED, 3)                                                           \
    XX(TOO_OFTEN, 4)                                                          \
    XX(TOKEN_EXPIRED, 5)                                                      \
    XX(INVALID_TOKEN, 6)                                                      \
    RTM__COMMON_ERR_MAP(XX)

/* PeerMessageError (PEER_MESSAGE_ERR_*); IMCOMPATIBLE is the vendor's spelling. */
#define RTM_PEER_MESSAGE_ERR_MAP(XX)                                          \
    XX(OK, 0)                                                                 \
    XX(FAILURE, 1)                                                            \
    XX(TIMEOUT, 2)                                                            \
    XX(PEER_UNREACHABLE, 3)                                                   \
    XX(CACHED_BY_SERVER, 4)                                                   \
    XX(TOO_OFTEN, 5)                                                          \
    XX(INVALID_USERID, 6)                                                     \
    XX(INVALID_MESSAGE, 7)                                                    \
    XX(IMCOMPATIBLE_MESSAGE, 8)                                               \
    RTM__COMMON_ERR_MAP(XX)

/* ChannelMessageError (CHANNEL_MESSAGE_ERR_*) */
#define RTM_CHANNEL_MESSAGE_ERR_MAP(XX)                                       \
    XX(OK, 0)                                                                 \
    XX(FAILURE, 1)                                                            \
    XX(TIMEOUT, 2)                                                            \
    XX(TOO_OFTEN, 3)                                                          \
    XX(INVALID_MESSAGE, 4)                                                    \
    RTM__COMMON_ERR_MAP(XX)

/* JoinChannelError (JOIN_CHANNEL_ERR_*, but JOIN_CHANNEL_TIMEOUT: see
 * rtm_code_name()). */
#define RTM_JOIN_CHANNEL_ERR_MAP(XX)                                          \
    XX(OK, 0)                                                                 \
    XX(FAILURE, 1)                                                            \
    XX(REJECTED, 2)                                                           \
    XX(INVALID_ARGUMENT, 3)                                                   \
    XX(TIMEOUT, 4)                                                            \
    XX(EXCEED_LIMIT, 5)                                                       \
    XX(ALREADY_JOINED, 6)                                                     \
    XX(TOO_OFTEN, 7)                                                          \
    XX(JOIN_SAME_CHANNEL_TOO_OFTEN, 8)                                        \
    RTM__COMMON_ERR_MAP(XX)

/* LeaveChannelError (LEAVE_CHANNEL_ERR_*) */
#define RTM_LEAVE_CHANNEL_ERR_MAP(XX)                                         \
    XX(OK, 0)                                                                 \
    XX(FAILURE, 1)                                                            \
    XX(REJECTED, 2)                                                           \
    XX(NOT_IN_CHANNEL, 3)                                                     \
    XX(KICKED, 4)                                                             \
    RTM__COMMON_ERR_MAP(XX)

/* GetMembersError (GET_MEMBERS_ERR_*) */
#define RTM_GET_MEMBERS_ERR_MAP(XX)                                           \
    XX(OK, 0)                                                                 \
    XX(FAILURE, 1)                                                            \
    XX(REJECTED, 2)                                                           \
    XX(TIMEOUT, 3)                                                            \
    XX(TOO_OFTEN, 4)                                                          \
    XX(NOT_IN_CHANNEL, 5)                                                     \
    RTM__COMMON_ERR_MAP(XX)

/* QueryPeersOnlineStatusError (QUERY_PEERS_ONLINE_STATUS_ERR_*) */
#define RTM_QUERY_PEERS_ONLINE_STATUS_ERR_MAP(XX)                             \
    XX(OK, 0)                                                                 \
    XX(FAILURE, 1)                                                            \
    XX(INVALID_ARGUMENT, 2)                                                   \
    XX(REJECTED, 3)                                                           \
    XX(TIMEOUT, 4)                                                            \
    XX(TOO_OFTEN, 5)                                                          \
    RTM__COMMON_ERR_MAP(XX)

/* PeerSubscriptionStatusError (PEER_SUBSCRIPTION_STATUS_ERR_*) */
#define RTM_PEER_SUBSCRIPTION_STATUS_ERR_MAP(XX)                              \
    XX(OK, 0)                                                                 \
    XX(FAILURE, 1)                                                            \
    XX(INVALID_ARGUMENT, 2)                                                   \
    XX(REJECTED, 3)                                                           \
    XX(TIMEOUT, 4)                                                            \
    XX(TOO_OFTEN, 5)                                                          \
    XX(OVERFLOW, 6)                                                           \
    RTM__COMMON_ERR_MAP(XX)

/* QueryPeersBySubscriptionOptionError (QUERY_PEERS_BY_SUBSCRIPTION_OPTION_ERR_*) */
#define RTM_QUERY_PEERS_BY_SUBSCRIPTION_OPTION_ERR_MAP(XX)                    \
    XX(OK, 0)                                                                 \
    XX(FAILURE, 1)                                                            \
    XX(TIMEOUT, 2)                                                            \
    XX(TOO_OFTEN, 3)                                                          \
    RTM__COMMON_ERR_MAP(XX)

/* AttributeOperationError (ATTRIBUTE_OPERATION_ERR_*) */
#define RTM_ATTRIBUTE_OPERATION_ERR_MAP(XX)                                   \
    XX(OK, 0)                                                                 \
    XX(NOT_READY, 1)                                                          \
    XX(FAILURE, 2)                                                            \
    XX(INVALID_ARGUMENT, 3)                                                   \
    XX(SIZE_OVERFLOW, 4)                                                      \
    XX(TOO_OFTEN, 5)                                                          \
    XX(USER_NOT_FOUND, 6)                                                     \
    XX(TIMEOUT, 7)                                                            \
    RTM__COMMON_ERR_MAP(XX)

/* GetChannelMemberCountErrCode (GET_CHANNEL_MEMBER_COUNT_ERR_*) */
#define RTM_GET_CHANNEL_MEMBER_COUNT_ERR_MAP(XX)                              \
    XX(OK, 0)                                                                 \
    XX(FAILURE, 1)                                                            \
    XX(INVALID_ARGUMENT, 2)                                                   \
    XX(TOO_OFTEN, 3)                                                          \
    XX(TIMEOUT, 4)                                                            \
    XX(EXCEED_LIMIT, 5)                                                       \
    RTM__COMMON_ERR_MAP(XX)

/* SetRtmServiceContextError (SET_RTM_SERVICE_CONTEXT_ERR_*): no 101 or 102,
 * as the vendor's. */
#define RTM_SET_RTM_SERVICE_CONTEXT_ERR_MAP(XX)                               \
    XX(OK, 0)                                                                 \
    XX(FAILURE, 1)

/* InvitationApiCallError (INVITATION_API_CALL_ERR_*): no 101 or 102, as the vendor's (SPEC C1-C7). */
#define RTM_INVITATION_API_CALL_ERR_MAP(XX)                                   \
    XX(OK, 0)                                                                 \
    XX(INVALID_ARGUMENT, 1)                                                   \
    XX(NOT_STARTED, 2)                                                        \
    XX(ALREADY_END, 3)                                                        \
    XX(ALREADY_ACCEPT, 4)                                                     \
    XX(ALREADY_SENT, 5)

/* LocalInvitationState (LOCAL_INVITATION_STATE_*): no 101 or 102, as the vendor's (SPEC C1-C7). */
#define RTM_LOCAL_INVITATION_STATE_MAP(XX)                                    \
    XX(IDLE, 0)                                                               \
    XX(SENT_TO_REMOTE, 1)                                                     \
    XX(RECEIVED_BY_REMOTE, 2)                                                 \
    XX(ACCEPTED_BY_REMOTE, 3)                                                 \
    XX(REFUSED_BY_REMOTE, 4)                                                  \
    XX(CANCELED, 5)                                                           \
    XX(FAILURE, 6)

/* LocalInvitationError (LOCAL_INVITATION_ERR_*): no 101 or 102, as the vendor's (SPEC C1-C7). */
#define RTM_LOCAL_INVITATION_ERR_MAP(XX)                                      \
    XX(OK, 0)                                                                 \
    XX(PEER_OFFLINE, 1)                                                       \
    XX(PEER_NO_RESPONSE, 2)                                                   \
    XX(INVITATION_EXPIRE, 3)                                                  \
    XX(NOT_LOGGEDIN, 4)

/* RemoteInvitationState (REMOTE_INVITATION_STATE_*): no 101 or 102, as the vendor's (SPEC C1-C7). */
#define RTM_REMOTE_INVITATION_STATE_MAP(XX)                                   \
    XX(IDLE, 0)                                                               \
    XX(INVITATION_RECEIVED, 1)                                                \
    XX(ACCEPT_SENT_TO_LOCAL, 2)                                               \
    XX(REFUSED, 3)                                                            \
    XX(ACCEPTED, 4)                                                           \
    XX(CANCELED, 5)                                                           \
    XX(FAILURE, 6)

/* RemoteInvitationError (REMOTE_INVITATION_ERR_*): no 101 or 102, as the vendor's (SPEC C1-C7). */
#define RTM_REMOTE_INVITATION_ERR_MAP(XX)                                     \
    XX(OK, 0)                                                                 \
    XX(PEER_OFFLINE, 1)                                                       \
    XX(ACCEPT_FAILURE, 2)                                                     \
    XX(INVITATION_EXPIRE, 3)

/* UploadMediaError (UPLOAD_MEDIA_ERR_*), SPEC M1, M5; its 102 is NOT_LOGGED_IN
 * (not USER_NOT_LOGGED_IN), as the vendor's. */
#define RTM_UPLOAD_MEDIA_ERR_MAP(XX)                                          \
    XX(OK, 0)                                                                 \
    XX(FAILURE, 1)                                                            \
    XX(INVALID_ARGUMENT, 2)                                                   \
    XX(TIMEOUT, 3)                                                            \
    XX(SIZE_OVERFLOW, 4)                                                      \
    XX(CONCURRENCY_LIMIT_EXCEEDED, 5)                                         \
    XX(INTERRUPTED, 6)                                                        \
    XX(NOT_INITIALIZED, 101)                                                  \
    XX(NOT_LOGGED_IN, 102)

/* DownloadMediaError (DOWNLOAD_MEDIA_ERR_*), SPEC M2, M5. */
#define RTM_DOWNLOAD_MEDIA_ERR_MAP(XX)                                        \
    XX(OK, 0)                                                                 \
    XX(FAILURE, 1)                                                            \
    XX(INVALID_ARGUMENT, 2)                                                   \
    XX(TIMEOUT, 3)                                                            \
    XX(NOT_EXIST, 4)                                                          \
    XX(CONCURRENCY_LIMIT_EXCEEDED, 5)                                         \
    XX(INTERRUPTED, 6)                                                        \
    XX(NOT_INITIALIZED, 101)                                                  \
    XX(NOT_LOGGED_IN, 102)

/* CancelMediaError (CANCEL_MEDIA_ERR_*), SPEC M5. */
#define RTM_CANCEL_MEDIA_ERR_MAP(XX)                                          \
    XX(OK, 0)                                                                 \
    XX(FAILURE, 1)                                                            \
    XX(NOT_EXIST, 2)                                                          \
    XX(NOT_INITIALIZED, 101)                                                  \
    XX(NOT_LOGGED_IN, 102)

/* The code families: XX(family, MAP, vendor prefix). */
#define RTM_FAMILY_MAP(XX)                                                    \
    XX(CONNECTION_STATE, RTM_CONNECTION_STATE_MAP, "CONNECTION_STATE_")       \
    XX(CONNECTION_CHANGE_REASON, RTM_CONNECTION_CHANGE_REASON_MAP,            \
       "CONNECTION_CHANGE_REASON_")                                           \
    XX(LOGIN_ERR, RTM_LOGIN_ERR_MAP, "LOGIN_ERR_")                            \
    XX(LOGOUT_ERR, RTM_LOGOUT_ERR_MAP, "LOGOUT_ERR_")                         \
    XX(RENEW_TOKEN_ERR, RTM_RENEW_TOKEN_ERR_MAP, "RENEW_TOKEN_ERR_")          \
    XX(PEER_MESSAGE_ERR, RTM_PEER_MESSAGE_ERR_MAP, "PEER_MESSAGE_ERR_")       \
    XX(CHANNEL_MESSAGE_ERR, RTM_CHANNEL_MESSAGE_ERR_MAP,                      \
       "CHANNEL_MESSAGE_ERR_")                                                \
    XX(JOIN_CHANNEL_ERR, RTM_JOIN_CHANNEL_ERR_MAP, "JOIN_CHANNEL_ERR_")       \
    XX(LEAVE_CHANNEL_ERR, RTM_LEAVE_CHANNEL_ERR_MAP, "LEAVE_CHANNEL_ERR_")    \
    XX(GET_MEMBERS_ERR, RTM_GET_MEMBERS_ERR_MAP, "GET_MEMBERS_ERR_")          \
    XX(QUERY_PEERS_ONLINE_STATUS_ERR, RTM_QUERY_PEERS_ONLINE_STATUS_ERR_MAP,  \
       "QUERY_PEERS_ONLINE_STATUS_ERR_")                                      \
    XX(PEER_SUBSCRIPTION_STATUS_ERR, RTM_PEER_SUBSCRIPTION_STATUS_ERR_MAP,    \
       "PEER_SUBSCRIPTION_STATUS_ERR_")                                       \
    XX(QUERY_PEERS_BY_SUBSCRIPTION_OPTION_ERR,                                \
       RTM_QUERY_PEERS_BY_SUBSCRIPTION_OPTION_ERR_MAP,                        \
       "QUERY_PEERS_BY_SUBSCRIPTION_OPTION_ERR_")                             \
    XX(ATTRIBUTE_OPERATION_ERR, RTM_ATTRIBUTE_OPERATION_ERR_MAP,              \
       "ATTRIBUTE_OPERATION_ERR_")                                            \
    XX(GET_CHANNEL_MEMBER_COUNT_ERR, RTM_GET_CHANNEL_MEMBER_COUNT_ERR_MAP,    \
       "GET_CHANNEL_MEMBER_COUNT_ERR_")                                       \
    XX(SET_RTM_SERVICE_CONTEXT_ERR, RTM_SET_RTM_SERVICE_CONTEXT_ERR_MAP,      \
       "SET_RTM_SERVICE_CONTEXT_ERR_")                                        \
    XX(INVITATION_API_CALL_ERR, RTM_INVITATION_API_CALL_ERR_MAP,              \
       "INVITATION_API_CALL_ERR_")                                            \
    XX(LOCAL_INVITATION_STATE, RTM_LOCAL_INVITATION_STATE_MAP,                \
       "LOCAL_INVITATION_STATE_")                                             \
    XX(LOCAL_INVITATION_ERR, RTM_LOCAL_INVITATION_ERR_MAP,                    \
       "LOCAL_INVITATION_ERR_")                                               \
    XX(REMOTE_INVITATION_STATE, RTM_REMOTE_INVITATION_STATE_MAP,              \
       "REMOTE_INVITATION_STATE_")                                            \
    XX(REMOTE_INVITATION_ERR, RTM_REMOTE_INVITATION_ERR_MAP,                  \
       "REMOTE_INVITATION_ERR_")                                              \
    XX(UPLOAD_MEDIA_ERR, RTM_UPLOAD_MEDIA_ERR_MAP, "UPLOAD_MEDIA_ERR_")       \
    XX(DOWNLOAD_MEDIA_ERR, RTM_DOWNLOAD_MEDIA_ERR_MAP, "DOWNLOAD_MEDIA_ERR_") \
    XX(CANCEL_MEDIA_ERR, RTM_CANCEL_MEDIA_ERR_MAP, "CANCEL_MEDIA_ERR_")

/* One enum per family: RTM_CONNECTION_STATE_CONNECTED,
 * RTM_LOGIN_ERR_TIMEOUT, RTM_PEER_MESSAGE_ERR_USER_NOT_LOGGED_IN, ... */
#define RTM__ENUM_ITEM(fam, name, value) RTM_##fam##_##name = value,
#define RTM__CONNECTION_STATE_ITEM(name, value) RTM__ENUM_ITEM(CONNECTION_STATE, name, value)
#define RTM__CONNECTION_CHANGE_REASON_ITEM(name, value) RTM__ENUM_ITEM(CONNECTION_CHANGE_REASON, name, value)
#define RTM__LOGIN_ERR_ITEM(name, value) RTM__ENUM_ITEM(LOGIN_ERR, name, value)
#define RTM__LOGOUT_ERR_ITEM(name, value) RTM__ENUM_ITEM(LOGOUT_ERR, name, value)
#define RTM__RENEW_TOKEN_ERR_ITEM(name, value) RTM__ENUM_ITEM(RENEW_TOKEN_ERR, name, value)
#define RTM__PEER_MESSAGE_ERR_ITEM(name, value) RTM__ENUM_ITEM(PEER_MESSAGE_ERR, name, value)
#define RTM__CHANNEL_MESSAGE_ERR_ITEM(name, value) RTM__ENUM_ITEM(CHANNEL_MESSAGE_ERR, name, value)
#define RTM__JOIN_CHANNEL_ERR_ITEM(name, value) RTM__ENUM_ITEM(JOIN_CHANNEL_ERR, name, value)
#define RTM__LEAVE_CHANNEL_ERR_ITEM(name, value) RTM__ENUM_ITEM(LEAVE_CHANNEL_ERR, name, value)
#define RTM__GET_MEMBERS_ERR_ITEM(name, value) RTM__ENUM_ITEM(GET_MEMBERS_ERR, name, value)
#define RTM__QUERY_PEERS_ONLINE_STATUS_ERR_ITEM(name, value) RTM__ENUM_ITEM(QUERY_PEERS_ONLINE_STATUS_ERR, name, value)
#define RTM__PEER_SUBSCRIPTION_STATUS_ERR_ITEM(name, value) RTM__ENUM_ITEM(PEER_SUBSCRIPTION_STATUS_ERR, name, value)
#define RTM__QUERY_PEERS_BY_SUBSCRIPTION_OPTION_ERR_ITEM(name, value) RTM__ENUM_ITEM(QUERY_PEERS_BY_SUBSCRIPTION_OPTION_ERR, name, value)
#define RTM__ATTRIBUTE_OPERATION_ERR_ITEM(name, value) RTM__ENUM_ITEM(ATTRIBUTE_OPERATION_ERR, name, value)
#define RTM__GET_CHANNEL_MEMBER_COUNT_ERR_ITEM(name, value) RTM__ENUM_ITEM(GET_CHANNEL_MEMBER_COUNT_ERR, name, value)
#define RTM__SET_RTM_SERVICE_CONTEXT_ERR_ITEM(name, value) RTM__ENUM_ITEM(SET_RTM_SERVICE_CONTEXT_ERR, name, value)
#define RTM__INVITATION_API_CALL_ERR_ITEM(name, value) RTM__ENUM_ITEM(INVITATION_API_CALL_ERR, name, value)
#define RTM__LOCAL_INVITATION_STATE_ITEM(name, value) RTM__ENUM_ITEM(LOCAL_INVITATION_STATE, name, value)
#define RTM__LOCAL_INVITATION_ERR_ITEM(name, value) RTM__ENUM_ITEM(LOCAL_INVITATION_ERR, name, value)
#define RTM__REMOTE_INVITATION_STATE_ITEM(name, value) RTM__ENUM_ITEM(REMOTE_INVITATION_STATE, name, value)
#define RTM__REMOTE_INVITATION_ERR_ITEM(name, value) RTM__ENUM_ITEM(REMOTE_INVITATION_ERR, name, value)
#define RTM__UPLOAD_MEDIA_ERR_ITEM(name, value) RTM__ENUM_ITEM(UPLOAD_MEDIA_ERR, name, value)
#define RTM__DOWNLOAD_MEDIA_ERR_ITEM(name, value) RTM__ENUM_ITEM(DOWNLOAD_MEDIA_ERR, name, value)
#define RTM__CANCEL_MEDIA_ERR_ITEM(name, value) RTM__ENUM_ITEM(CANCEL_MEDIA_ERR, name, value)

typedef enum { RTM_CONNECTION_STATE_MAP(RTM__CONNECTION_STATE_ITEM) } rtm_connection_state;
typedef enum { RTM_CONNECTION_CHANGE_REASON_MAP(RTM__CONNECTION_CHANGE_REASON_ITEM) } rtm_connection_change_reason;
typedef enum { RTM_LOGIN_ERR_MAP(RTM__LOGIN_ERR_ITEM) } rtm_login_err;
typedef enum { RTM_LOGOUT_ERR_MAP(RTM__LOGOUT_ERR_ITEM) } rtm_logout_err;
typedef enum { RTM_RENEW_TOKEN_ERR_MAP(RTM__RENEW_TOKEN_ERR_ITEM) } rtm_renew_token_err;
typedef enum { RTM_PEER_MESSAGE_ERR_MAP(RTM__PEER_MESSAGE_ERR_ITEM) } rtm_peer_message_err;
typedef enum { RTM_CHANNEL_MESSAGE_ERR_MAP(RTM__CHANNEL_MESSAGE_ERR_ITEM) } rtm_channel_message_err;
typedef enum { RTM_JOIN_CHANNEL_ERR_MAP(RTM__JOIN_CHANNEL_ERR_ITEM) } rtm_join_channel_err;
typedef enum { RTM_LEAVE_CHANNEL_ERR_MAP(RTM__LEAVE_CHANNEL_ERR_ITEM) } rtm_leave_channel_err;
typedef enum { RTM_GET_MEMBERS_ERR_MAP(RTM__GET_MEMBERS_ERR_ITEM) } rtm_get_members_err;
typedef enum { RTM_QUERY_PEERS_ONLINE_STATUS_ERR_MAP(RTM__QUERY_PEERS_ONLINE_STATUS_ERR_ITEM) } rtm_query_peers_online_status_err;
typedef enum { RTM_PEER_SUBSCRIPTION_STATUS_ERR_MAP(RTM__PEER_SUBSCRIPTION_STATUS_ERR_ITEM) } rtm_peer_subscription_status_err;
typedef enum { RTM_QUERY_PEERS_BY_SUBSCRIPTION_OPTION_ERR_MAP(RTM__QUERY_PEERS_BY_SUBSCRIPTION_OPTION_ERR_ITEM) } rtm_query_peers_by_subscription_option_err;
typedef enum { RTM_ATTRIBUTE_OPERATION_ERR_MAP(RTM__ATTRIBUTE_OPERATION_ERR_ITEM) } rtm_attribute_operation_err;
typedef enum { RTM_GET_CHANNEL_MEMBER_COUNT_ERR_MAP(RTM__GET_CHANNEL_MEMBER_COUNT_ERR_ITEM) } rtm_get_channel_member_count_err;
typedef enum { RTM_SET_RTM_SERVICE_CONTEXT_ERR_MAP(RTM__SET_RTM_SERVICE_CONTEXT_ERR_ITEM) } rtm_set_rtm_service_context_err;
typedef enum { RTM_INVITATION_API_CALL_ERR_MAP(RTM__INVITATION_API_CALL_ERR_ITEM) } rtm_invitation_api_call_err;
typedef enum { RTM_LOCAL_INVITATION_STATE_MAP(RTM__LOCAL_INVITATION_STATE_ITEM) } rtm_local_invitation_state;
typedef enum { RTM_LOCAL_INVITATION_ERR_MAP(RTM__LOCAL_INVITATION_ERR_ITEM) } rtm_local_invitation_err;
typedef enum { RTM_REMOTE_INVITATION_STATE_MAP(RTM__REMOTE_INVITATION_STATE_ITEM) } rtm_remote_invitation_state;
typedef enum { RTM_REMOTE_INVITATION_ERR_MAP(RTM__REMOTE_INVITATION_ERR_ITEM) } rtm_remote_invitation_err;
typedef enum { RTM_UPLOAD_MEDIA_ERR_MAP(RTM__UPLOAD_MEDIA_ERR_ITEM) } rtm_upload_media_err;
typedef enum { RTM_DOWNLOAD_MEDIA_ERR_MAP(RTM__DOWNLOAD_MEDIA_ERR_ITEM) } rtm_download_media_err;
typedef enum { RTM_CANCEL_MEDIA_ERR_MAP(RTM__CANCEL_MEDIA_ERR_ITEM) } rtm_cancel_media_err;

/* The families, to name a code with rtm_code_name(). */
typedef enum {
#define RTM__FAMILY_ITEM(fam, map, prefix) RTM_FAMILY_##fam,
    RTM_FAMILY_MAP(RTM__FAMILY_ITEM)
#undef RTM__FAMILY_ITEM
    RTM_FAMILY__COUNT
} rtm_family;

/*
 * The vendor's constant name of a code, e.g.
 * rtm_code_name(RTM_FAMILY_LOGIN_ERR, 9) == "LOGIN_ERR_TIMEOUT",
 * rtm_code_name(RTM_FAMILY_CONNECTION_STATE, 3) == "CONNECTION_STATE_CONNECTED",
 * rtm_code_name(RTM_FAMILY_JOIN_CHANNEL_ERR, 4) == "JOIN_CHANNEL_TIMEOUT".
 * Unknown codes give "UNKNOWN". The string is static.
 */
const char *rtm_code_name(rtm_family family, int code);

/* The same name without the family prefix: "CONNECTED", "LOGIN_SUCCESS",
 * "TIMEOUT". The string is static. */
const char *rtm_code_short_name(rtm_family family, int code);

/* Short names of the two connection enums, as in "CONNECTED". */
const char *rtm_state_name(int state);
const char *rtm_reason_name(int reason);

#ifdef __cplusplus
}
#endif

#endif /* RTM_CODES_H */
