package io.agora.rtm;

/**
 * The integer codes of the public API, one nested interface per family, with
 * the vendor's names and values. They mirror the X-macro lists of
 * native/include/rtm/rtm_codes.h; RtmStatusCodeTest checks every constant
 * against the C library (value and name) and against the 1.x reference.
 */
public class RtmStatusCode {
    public interface ConnectionState {
        int CONNECTION_STATE_DISCONNECTED = 1;
        int CONNECTION_STATE_CONNECTING = 2;
        int CONNECTION_STATE_CONNECTED = 3;
        int CONNECTION_STATE_RECONNECTING = 4;
        int CONNECTION_STATE_ABORTED = 5;
    }

    public interface ConnectionChangeReason {
        int CONNECTION_CHANGE_REASON_LOGIN = 1;
        int CONNECTION_CHANGE_REASON_LOGIN_SUCCESS = 2;
        int CONNECTION_CHANGE_REASON_LOGIN_FAILURE = 3;
        int CONNECTION_CHANGE_REASON_LOGIN_TIMEOUT = 4;
        int CONNECTION_CHANGE_REASON_INTERRUPTED = 5;
        int CONNECTION_CHANGE_REASON_LOGOUT = 6;
        int CONNECTION_CHANGE_REASON_BANNED_BY_SERVER = 7;
        int CONNECTION_CHANGE_REASON_REMOTE_LOGIN = 8;
        int CONNECTION_CHANGE_REASON_TOKEN_EXPIRED = 9;
    }

    public interface LoginError {
        int LOGIN_ERR_OK = 0;
        int LOGIN_ERR_UNKNOWN = 1;
        int LOGIN_ERR_REJECTED = 2;
        int LOGIN_ERR_INVALID_ARGUMENT = 3;
        int LOGIN_ERR_INVALID_APP_ID = 4;
        int LOGIN_ERR_INVALID_TOKEN = 5;
        int LOGIN_ERR_TOKEN_EXPIRED = 6;
        int LOGIN_ERR_NOT_AUTHORIZED = 7;
        int LOGIN_ERR_ALREADY_LOGIN = 8;
        int LOGIN_ERR_TIMEOUT = 9;
        int LOGIN_ERR_TOO_OFTEN = 10;
        int LOGIN_ERR_NOT_INITIALIZED = 101;
    }

    public interface LogoutError {
        int LOGOUT_ERR_OK = 0;
        int LOGOUT_ERR_REJECTED = 1;
        int LOGOUT_ERR_NOT_INITIALIZED = 101;
        int LOGOUT_ERR_USER_NOT_LOGGED_IN = 102;
    }

    public interface RenewTokenError {
        int RENEW_TOKEN_ERR_OK = 0;
        int RENEW_TOKEN_ERR_FAILURE = 1;
        int RENEW_TOKEN_ERR_INVALID_ARGUMENT = 2;
        int RENEW_TOKEN_ERR_REJECTED = 3;
        int RENEW_TOKEN_ERR_TOO_OFTEN = 4;
        int RENEW_TOKEN_ERR_TOKEN_EXPIRED = 5;
        int RENEW_TOKEN_ERR_INVALID_TOKEN = 6;
        int RENEW_TOKEN_ERR_NOT_INITIALIZED = 101;
        int RENEW_TOKEN_ERR_USER_NOT_LOGGED_IN = 102;
    }

    public interface PeerMessageError {
        int PEER_MESSAGE_ERR_OK = 0;
        int PEER_MESSAGE_ERR_FAILURE = 1;
        int PEER_MESSAGE_ERR_TIMEOUT = 2;
        int PEER_MESSAGE_ERR_PEER_UNREACHABLE = 3;
        int PEER_MESSAGE_ERR_CACHED_BY_SERVER = 4;
        int PEER_MESSAGE_ERR_TOO_OFTEN = 5;
        int PEER_MESSAGE_ERR_INVALID_USERID = 6;
        int PEER_MESSAGE_ERR_INVALID_MESSAGE = 7;
        int PEER_MESSAGE_ERR_IMCOMPATIBLE_MESSAGE = 8;
        int PEER_MESSAGE_ERR_NOT_INITIALIZED = 101;
        int PEER_MESSAGE_ERR_USER_NOT_LOGGED_IN = 102;
    }

    public interface ChannelMessageError {
        int CHANNEL_MESSAGE_ERR_OK = 0;
        int CHANNEL_MESSAGE_ERR_FAILURE = 1;
        int CHANNEL_MESSAGE_ERR_TIMEOUT = 2;
        int CHANNEL_MESSAGE_ERR_TOO_OFTEN = 3;
        int CHANNEL_MESSAGE_ERR_INVALID_MESSAGE = 4;
        int CHANNEL_MESSAGE_ERR_NOT_INITIALIZED = 101;
        int CHANNEL_MESSAGE_ERR_USER_NOT_LOGGED_IN = 102;
    }

    public interface JoinChannelError {
        int JOIN_CHANNEL_ERR_OK = 0;
        int JOIN_CHANNEL_ERR_FAILURE = 1;
        int JOIN_CHANNEL_ERR_REJECTED = 2;
        int JOIN_CHANNEL_ERR_INVALID_ARGUMENT = 3;
        int JOIN_CHANNEL_TIMEOUT = 4;
        int JOIN_CHANNEL_ERR_EXCEED_LIMIT = 5;
        int JOIN_CHANNEL_ERR_ALREADY_JOINED = 6;
        int JOIN_CHANNEL_ERR_TOO_OFTEN = 7;
        int JOIN_CHANNEL_ERR_JOIN_SAME_CHANNEL_TOO_OFTEN = 8;
        int JOIN_CHANNEL_ERR_NOT_INITIALIZED = 101;
        int JOIN_CHANNEL_ERR_USER_NOT_LOGGED_IN = 102;
    }

    public interface LeaveChannelError {
        int LEAVE_CHANNEL_ERR_OK = 0;
        int LEAVE_CHANNEL_ERR_FAILURE = 1;
        int LEAVE_CHANNEL_ERR_REJECTED = 2;
        int LEAVE_CHANNEL_ERR_NOT_IN_CHANNEL = 3;
        int LEAVE_CHANNEL_ERR_KICKED = 4;
        int LEAVE_CHANNEL_ERR_NOT_INITIALIZED = 101;
        int LEAVE_CHANNEL_ERR_USER_NOT_LOGGED_IN = 102;
    }

    public interface GetMembersError {
        int GET_MEMBERS_ERR_OK = 0;
        int GET_MEMBERS_ERR_FAILURE = 1;
        int GET_MEMBERS_ERR_REJECTED = 2;
        int GET_MEMBERS_ERR_TIMEOUT = 3;
        int GET_MEMBERS_ERR_TOO_OFTEN = 4;
        int GET_MEMBERS_ERR_NOT_IN_CHANNEL = 5;
        int GET_MEMBERS_ERR_NOT_INITIALIZED = 101;
        int GET_MEMBERS_ERR_USER_NOT_LOGGED_IN = 102;
    }

    public interface QueryPeersOnlineStatusError {
        int QUERY_PEERS_ONLINE_STATUS_ERR_OK = 0;
        int QUERY_PEERS_ONLINE_STATUS_ERR_FAILURE = 1;
        int QUERY_PEERS_ONLINE_STATUS_ERR_INVALID_ARGUMENT = 2;
        int QUERY_PEERS_ONLINE_STATUS_ERR_REJECTED = 3;
        int QUERY_PEERS_ONLINE_STATUS_ERR_TIMEOUT = 4;
        int QUERY_PEERS_ONLINE_STATUS_ERR_TOO_OFTEN = 5;
        int QUERY_PEERS_ONLINE_STATUS_ERR_NOT_INITIALIZED = 101;
        int QUERY_PEERS_ONLINE_STATUS_ERR_USER_NOT_LOGGED_IN = 102;
    }

    public interface PeerSubscriptionStatusError {
        int PEER_SUBSCRIPTION_STATUS_ERR_OK = 0;
        int PEER_SUBSCRIPTION_STATUS_ERR_FAILURE = 1;
        int PEER_SUBSCRIPTION_STATUS_ERR_INVALID_ARGUMENT = 2;
        int PEER_SUBSCRIPTION_STATUS_ERR_REJECTED = 3;
        int PEER_SUBSCRIPTION_STATUS_ERR_TIMEOUT = 4;
        int PEER_SUBSCRIPTION_STATUS_ERR_TOO_OFTEN = 5;
        int PEER_SUBSCRIPTION_STATUS_ERR_OVERFLOW = 6;
        int PEER_SUBSCRIPTION_STATUS_ERR_NOT_INITIALIZED = 101;
        int PEER_SUBSCRIPTION_STATUS_ERR_USER_NOT_LOGGED_IN = 102;
    }

    public interface QueryPeersBySubscriptionOptionError {
        int QUERY_PEERS_BY_SUBSCRIPTION_OPTION_ERR_OK = 0;
        int QUERY_PEERS_BY_SUBSCRIPTION_OPTION_ERR_FAILURE = 1;
        int QUERY_PEERS_BY_SUBSCRIPTION_OPTION_ERR_TIMEOUT = 2;
        int QUERY_PEERS_BY_SUBSCRIPTION_OPTION_ERR_TOO_OFTEN = 3;
        int QUERY_PEERS_BY_SUBSCRIPTION_OPTION_ERR_NOT_INITIALIZED = 101;
        int QUERY_PEERS_BY_SUBSCRIPTION_OPTION_ERR_USER_NOT_LOGGED_IN = 102;
    }

    public interface AttributeOperationError {
        int ATTRIBUTE_OPERATION_ERR_OK = 0;
        int ATTRIBUTE_OPERATION_ERR_NOT_READY = 1;
        int ATTRIBUTE_OPERATION_ERR_FAILURE = 2;
        int ATTRIBUTE_OPERATION_ERR_INVALID_ARGUMENT = 3;
        int ATTRIBUTE_OPERATION_ERR_SIZE_OVERFLOW = 4;
        int ATTRIBUTE_OPERATION_ERR_TOO_OFTEN = 5;
        int ATTRIBUTE_OPERATION_ERR_USER_NOT_FOUND = 6;
        int ATTRIBUTE_OPERATION_ERR_TIMEOUT = 7;
        int ATTRIBUTE_OPERATION_ERR_NOT_INITIALIZED = 101;
        int ATTRIBUTE_OPERATION_ERR_USER_NOT_LOGGED_IN = 102;
    }

    public interface GetChannelMemberCountErrCode {
        int GET_CHANNEL_MEMBER_COUNT_ERR_OK = 0;
        int GET_CHANNEL_MEMBER_COUNT_ERR_FAILURE = 1;
        int GET_CHANNEL_MEMBER_COUNT_ERR_INVALID_ARGUMENT = 2;
        int GET_CHANNEL_MEMBER_COUNT_ERR_TOO_OFTEN = 3;
        int GET_CHANNEL_MEMBER_COUNT_ERR_TIMEOUT = 4;
        int GET_CHANNEL_MEMBER_COUNT_ERR_EXCEED_LIMIT = 5;
        int GET_CHANNEL_MEMBER_COUNT_ERR_NOT_INITIALIZED = 101;
        int GET_CHANNEL_MEMBER_COUNT_ERR_USER_NOT_LOGGED_IN = 102;
    }

    public interface SetRtmServiceContextError {
        int SET_RTM_SERVICE_CONTEXT_ERR_OK = 0;
        int SET_RTM_SERVICE_CONTEXT_ERR_FAILURE = 1;
    }
}
