/*
 * rtm.h: the public C API of the rtm client core.
 *
 * A client (rtm_client) is one SDK instance: it logs one user in to an rtmd
 * server, keeps the connection as docs/RULES.md says, sends and receives
 * peer messages, and holds channels (rtm_channel).
 *
 * Threads
 *   - Every function here may be called from any thread, including from
 *     inside any callback of this library. None of them blocks on the
 *     network: a call checks its arguments, posts a command to the client's
 *     loop thread and returns.
 *   - The network runs on a loop thread (libevent) that many clients may
 *     share. No application code ever runs on it.
 *   - The callbacks of a client, result callbacks and channel callbacks
 *     included, run one at a time, in the order the events happened, never
 *     two at once. They run on a pool of callback threads that all clients of
 *     the process share (not one thread per client); successive callbacks of
 *     one client may run on different threads. A callback that blocks delays
 *     only the callbacks of its own client, never the network, heartbeats,
 *     reconnection or other clients (SPEC B3): when every callback thread has
 *     been inside one callback for a while (50 ms) and other clients'
 *     callbacks are waiting, the pool adds a thread for each of those
 *     clients at once, up to 128 threads (past that many callbacks blocked
 *     at once, the others wait their turn); threads above the 2 it keeps
 *     exit after 5 s idle.
 *   - The log callback is the exception: it runs on whichever thread logs,
 *     the loop thread included, and must return quickly.
 *
 * Memory
 *   - Strings and messages passed in are copied before the call returns.
 *   - Pointers passed to a callback are borrowed: valid until it returns.
 *
 * Versions
 *   - rtm_config, rtm_client_callbacks and rtm_channel_callbacks begin with
 *     their size as the application was built, which their init functions
 *     (rtm_config_init, rtm_client_callbacks_init,
 *     rtm_channel_callbacks_init) set. A later library only ever adds
 *     members at their end, so an application built against this header
 *     keeps working with it: the members it does not know of read as zero
 *     (NULL callbacks, default settings). A library older than the header
 *     refuses a larger struct (RTM_EINVAL, or NULL from rtm_channel_create)
 *     unless every member it does not know of is zero, so a setting or a
 *     callback is never ignored silently. A size of 0 (a struct zeroed by
 *     hand, not initialised) is refused the same way.
 *
 * Results
 *   - Each asynchronous operation takes a result callback and its closure.
 *     The callback is called exactly once, with 0 on success or a code of
 *     the operation's family (rtm_codes.h), unless it is NULL.
 *   - The function's return value is 0 when the operation was queued, or the
 *     code it was refused with at once (an invalid argument). The callback
 *     is called with that same code too, so an application may rely on the
 *     callback alone. Two exceptions, where nothing is called and the
 *     return value is all there is: a NULL client or channel returns
 *     NOT_INITIALIZED (101), and an allocation failure for the operation
 *     itself returns the family's FAILURE code (1, but 2 for attributes;
 *     UNKNOWN for login, REJECTED for logout, which have no FAILURE).
 *     Running out of memory later, copying the arguments, queueing the
 *     operation or copying its answer, completes it with that same code; a
 *     connection attempt that runs out of memory fails like a lost link,
 *     and a login then ends as S5 says (TIMEOUT).
 *   - rtm_client_close (and rtm_client_destroy) and rtm_channel_release
 *     complete every pending operation of theirs with the family's
 *     NOT_INITIALIZED (101) code, so closures can always be freed in the
 *     callback.
 *
 * Lifetime (the rule of libuv's uv_close)
 *   - Closing a client (rtm_client_close) or a channel (rtm_channel_release)
 *     is asynchronous. Every pending operation of it first gets its result,
 *     exactly once; then comes its close callback (the client's cb, the
 *     channel's on_closed), the last callback that handle ever gets; the
 *     memory is freed when it returns. A client's channels end before it:
 *     their on_closed before its cb.
 *   - Between the close and its callback the handle is still valid: an
 *     operation called on it is refused with NOT_INITIALIZED (101) and no
 *     callback, so that the close callback stays the last (the one case
 *     where 101 is returned, as for a NULL handle); other calls return
 *     RTM_ECLOSED or NULL. From the close callback on it must not be used.
 *   - rtm_client_destroy is the blocking form, for C programs: it closes and
 *     waits for the end, except from inside one of the client's own
 *     callbacks, where it returns at once.
 */
#ifndef RTM_H
#define RTM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h> /* memset, for the init functions */

#include "rtm_codes.h"

#ifdef __cplusplus
extern "C" {
#endif

#define RTM_VERSION "0.1.0"

/* The default server address when none is configured (rtmd's default). */
#define RTM_DEFAULT_SERVER "127.0.0.1:9777"

/* Status of the synchronous calls that are not operations of the public
 * 1.x API (creating a client, setting parameters, ...). */
#define RTM_STATUS_MAP(XX)                                                    \
    XX(OK, 0, "success")                                                      \
    XX(EINVAL, -1, "invalid argument")                                        \
    XX(ENOMEM, -2, "out of memory")                                           \
    XX(ESYSTEM, -3, "system error (thread, socket or event loop)")            \
    XX(ECLOSED, -4, "the client is being destroyed")                         \
    XX(ESTATE, -5, "not in a state that allows it")

typedef enum {
#define RTM__STATUS_ITEM(name, value, text) RTM_##name = value,
    RTM_STATUS_MAP(RTM__STATUS_ITEM)
#undef RTM__STATUS_ITEM
} rtm_status;

/* A sentence for a status ("invalid argument"). Static. */
const char *rtm_strerror(int status);

/* The library's version, RTM_VERSION. */
const char *rtm_version(void);

typedef struct rtm_client rtm_client;
typedef struct rtm_channel rtm_channel;
typedef struct rtm_loop rtm_loop;
typedef struct rtm_local_invitation rtm_local_invitation;
typedef struct rtm_remote_invitation rtm_remote_invitation;
struct rtm_replay_info;
struct rtm_media_message;

/* RtmMessageType */
typedef enum {
    RTM_MESSAGE_TYPE_UNDEFINED = 0,
    RTM_MESSAGE_TYPE_TEXT = 1,
    RTM_MESSAGE_TYPE_RAW = 2,
    RTM_MESSAGE_TYPE_FILE = 3,
    RTM_MESSAGE_TYPE_IMAGE = 4
} rtm_message_type;

/*
 * A message. To send: TEXT with text (NUL-terminated UTF-8), or RAW with
 * raw/raw_len and an optional description; at most 32 KB in all (SPEC A4),
 * not empty. Received messages also carry the server's receive time and
 * whether it was kept for the receiver while it was offline.
 */
typedef struct rtm_message {
    int type;                    /* rtm_message_type */
    const char *text;            /* TEXT; NULL for RAW */
    const void *raw;             /* RAW bytes; NULL for TEXT */
    size_t raw_len;
    const char *description;     /* RAW; may be NULL */
    int64_t server_received_ts;  /* received: ms since the Unix epoch */
    bool offline;                /* received: kept while the receiver was away */
} rtm_message;

/* Log levels, as the filter bits of setLogFilter. */
typedef enum {
    RTM_LOG_CRITICAL = 0x08,
    RTM_LOG_ERROR = 0x04,
    RTM_LOG_WARNING = 0x02,
    RTM_LOG_INFO = 0x01
} rtm_log_level;

/* Log filters (the Java LOG_FILTER_* values): a line of level L is written
 * when (filter & L) != 0. */
#define RTM_LOG_FILTER_OFF 0x00
#define RTM_LOG_FILTER_INFO 0x0f
#define RTM_LOG_FILTER_WARNING 0x0e
#define RTM_LOG_FILTER_ERROR 0x0c
#define RTM_LOG_FILTER_CRITICAL 0x08

/* One log line, without a trailing newline, that names the client and its
 * user. Called on any thread (see Threads above); must not block. */
typedef void (*rtm_log_cb)(int level, const char *line, void *closure);

/* PeerOnlineState. */
typedef enum {
    RTM_PEER_ONLINE = 0,      /* logged in, its link up (or lost < 6 s ago) */
    RTM_PEER_UNREACHABLE = 1, /* its link lost for longer; its session kept */
    RTM_PEER_OFFLINE = 2      /* not logged in */
} rtm_peer_online_state;

/* PeerSubscriptionOption. */
#define RTM_PEER_SUBSCRIPTION_OPTION_ONLINE 0

typedef struct rtm_peer_status {
    const char *peer_id;
    int state;                /* rtm_peer_online_state */
} rtm_peer_status;

/* The client's events. Any member may be NULL. They run as the client's
 * callbacks: one at a time, in order, on the callback threads (Threads,
 * above). Fill it with rtm_client_callbacks_init (Versions, above). */
typedef struct rtm_client_callbacks {
    size_t size;                      /* set by rtm_client_callbacks_init */
    /* onConnectionStateChanged: every change of state, once, in order
     * (SPEC S1). state: rtm_connection_state; reason:
     * rtm_connection_change_reason. */
    void (*on_connection_state_changed)(rtm_client *client, int state,
                                        int reason, void *closure);
    /* onMessageReceived: a peer message from peer_id. */
    void (*on_message_received)(rtm_client *client, const rtm_message *msg,
                                const char *peer_id, void *closure);
    /* What a reconnection re-delivered (the messages arrived just before,
     * through the usual callbacks) and what it left out (SPEC S9, S10).
     * Once after a reconnection to a session the server kept; after one
     * whose session had ended (S13), once for the login (the peer messages
     * kept for the user) and once for each channel rejoined. Also after a
     * login of the application's own when messages kept for the user were
     * dropped. Ours, beyond the vendor's API. */
    void (*on_replay_done)(rtm_client *client, const struct rtm_replay_info *info,
                           void *closure);
    /* onTokenExpired (SPEC S15): an automatic reconnection was refused
     * because the token expired. The state does not change; attempts wait
     * for rtm_renew_token. Once per expired token. */
    void (*on_token_expired)(rtm_client *client, void *closure);
    /* onTokenPrivilegeWillExpire: the server says the session's token
     * expires in seconds_left seconds (30 by default). */
    void (*on_token_privilege_will_expire)(rtm_client *client,
                                           uint32_t seconds_left,
                                           void *closure);
    /* onPeersOnlineStatusChanged (SPEC A8): subscribed users whose presence
     * changed, each with its rtm_peer_online_state; right after a
     * subscription, the state of the users it added; after an automatic
     * reconnection, the state of every subscribed user. peers is borrowed
     * for the call. */
    void (*on_peers_online_status_changed)(rtm_client *client,
                                           const struct rtm_peer_status *peers,
                                           size_t count, void *closure);
    /* RtmCallEventListener (SPEC C1-C7; Call invitations, below). The
     * invitation is borrowed for the call: retain it to keep it. Unlike
     * the other events, these are never dropped by rtm_client_close: every
     * open invitation ends, with its failure, before the close callback. */
    /* onLocalInvitationReceivedByPeer: the callee has it (C2). */
    void (*on_local_invitation_received_by_peer)(rtm_client *client,
                                                 rtm_local_invitation *invitation,
                                                 void *closure);
    /* onLocalInvitationAccepted, onLocalInvitationRefused (C5), with the
     * callee's response ("" when none). */
    void (*on_local_invitation_accepted)(rtm_client *client, rtm_local_invitation *invitation,
                                         const char *response, void *closure);
    void (*on_local_invitation_refused)(rtm_client *client, rtm_local_invitation *invitation,
                                        const char *response, void *closure);
    /* onLocalInvitationCanceled: the caller's cancel took effect (C6). */
    void (*on_local_invitation_canceled)(rtm_client *client, rtm_local_invitation *invitation,
                                         void *closure);
    /* onLocalInvitationFailure: code is an rtm_local_invitation_err (C1,
     * C3, C4, C7). */
    void (*on_local_invitation_failure)(rtm_client *client, rtm_local_invitation *invitation,
                                        int code, void *closure);
    /* onRemoteInvitationReceived: an invitation for this user (C2). */
    void (*on_remote_invitation_received)(rtm_client *client,
                                          rtm_remote_invitation *invitation, void *closure);
    /* onRemoteInvitationAccepted: the caller acknowledged our accept (C5). */
    void (*on_remote_invitation_accepted)(rtm_client *client,
                                          rtm_remote_invitation *invitation, void *closure);
    /* onRemoteInvitationRefused: our refuse took effect (C5). */
    void (*on_remote_invitation_refused)(rtm_client *client,
                                         rtm_remote_invitation *invitation, void *closure);
    /* onRemoteInvitationCanceled: the caller canceled it (C6). */
    void (*on_remote_invitation_canceled)(rtm_client *client,
                                          rtm_remote_invitation *invitation, void *closure);
    /* onRemoteInvitationFailure: code is an rtm_remote_invitation_err (C4,
     * C5, C7). */
    void (*on_remote_invitation_failure)(rtm_client *client,
                                         rtm_remote_invitation *invitation, int code,
                                         void *closure);
    /* File and image messages (SPEC M1-M5; File and image messages, below). */
    /* onFileMessageReceivedFromPeer, onImageMessageReceivedFromPeer: a
     * media message from peer_id (msg->type says which). */
    void (*on_media_message_received)(rtm_client *client,
                                      const struct rtm_media_message *msg,
                                      const char *peer_id, void *closure);
    /* onMediaUploadingProgress, onMediaDownloadingProgress: current of
     * total bytes of the transfer request_id have moved; at most every
     * 100 ms, never going back, the last one (current == total) before
     * the transfer's result. */
    void (*on_media_uploading_progress)(rtm_client *client, uint64_t request_id,
                                        uint64_t current, uint64_t total, void *closure);
    void (*on_media_downloading_progress)(rtm_client *client, uint64_t request_id,
                                          uint64_t current, uint64_t total, void *closure);
} rtm_client_callbacks;

/* Zeroes *cb and sets its size (Versions, above). */
static inline void rtm_client_callbacks_init(rtm_client_callbacks *cb)
{
    memset(cb, 0, sizeof(*cb));
    cb->size = sizeof(*cb);
}

/* What a replay held. */
typedef struct rtm_replay_info {
    uint32_t peer_messages;    /* peer messages re-delivered (S9) */
    uint32_t channel_messages; /* channel messages re-delivered (S10) */
    /* Channel messages missed but not re-delivered: older than the server's
     * replay window (30 s), beyond its count (32), or no longer kept. */
    uint32_t channel_skipped;
    /* Peer messages the server had accepted for this user but dropped: a
     * bound of its queues overflowed while it was away, or they were kept
     * longer than it keeps them. */
    uint32_t peer_dropped;
} rtm_replay_info;

/* A channel's events. Any member may be NULL. They run on the callback
 * thread of the channel's client. Events not yet started when
 * rtm_channel_release is called are dropped. */
/* A channel attribute as the server holds it (SPEC A5): key at most 32
 * bytes, value at most 8 KB, the user whose request last set it and when
 * (server wall clock, ms since the Unix epoch). */
typedef struct rtm_channel_attribute {
    const char *key;
    const char *value;
    const char *last_update_user_id;
    int64_t last_update_ts;
} rtm_channel_attribute;

/* A channel's events, any of them NULL. Fill it with
 * rtm_channel_callbacks_init (Versions, above). */
typedef struct rtm_channel_callbacks {
    size_t size;                      /* set by rtm_channel_callbacks_init */
    void (*on_message_received)(rtm_channel *channel, const rtm_message *msg,
                                const char *from_user_id, void *closure);
    void (*on_member_joined)(rtm_channel *channel, const char *user_id,
                             void *closure);
    void (*on_member_left)(rtm_channel *channel, const char *user_id,
                           void *closure);
    /* onMemberCountUpdated: the channel's member count, after this client
     * joined it and when it changes, at most once a second. Channels of more
     * than 512 members send no member joined/left events (the reference's
     * limit); their count still comes here. */
    void (*on_member_count_updated)(rtm_channel *channel, int count, void *closure);
    /* The channel's attributes changed by a request made with
     * enable_notification_to_channel_members (by any user, this one
     * included): all of them, sorted by key, borrowed until it returns. For
     * a channel this client has a handle for and is a member of. */
    void (*on_attributes_updated)(rtm_channel *channel,
                                  const rtm_channel_attribute *attributes,
                                  size_t count, void *closure);
    /* The channel's last callback (Lifetime, above): after
     * rtm_channel_release or the client's close, once every operation of
     * the channel has had its result. The handle is freed when it returns:
     * free the closure here. */
    void (*on_closed)(rtm_channel *channel, void *closure);
    /* onFileMessageReceived, onImageMessageReceived: a media message sent
     * to the channel by from_user_id. */
    void (*on_media_message_received)(rtm_channel *channel,
                                      const struct rtm_media_message *msg,
                                      const char *from_user_id, void *closure);
} rtm_channel_callbacks;

/* Zeroes *cb and sets its size (Versions, above). */
static inline void rtm_channel_callbacks_init(rtm_channel_callbacks *cb)
{
    memset(cb, 0, sizeof(*cb));
    cb->size = sizeof(*cb);
}

/* The result of an operation: 0 or a code of the operation's family. */
typedef void (*rtm_result_cb)(rtm_client *client, int code, void *closure);

/* The result of rtm_channel_get_members: on success (code 0) the members'
 * user ids, borrowed until the callback returns. */
typedef void (*rtm_members_cb)(rtm_channel *channel, int code,
                               const char *const *user_ids, size_t count,
                               void *closure);

/* Everything rtm_client_create needs. Fill it with rtm_config_init, then set
 * what you need; new fields are only ever added at the end (Versions,
 * above). */
typedef struct rtm_config {
    size_t size;                      /* set by rtm_config_init */
    const char *app_id;               /* required, copied */
    /* The client's events, copied; NULL: none. */
    const rtm_client_callbacks *callbacks;
    void *closure;                    /* passed to the client's callbacks */
    /* Tunables as the JSON of setParameters (see rtm_client_set_parameters);
     * NULL for none. */
    const char *parameters;
    rtm_log_cb log;                   /* NULL: no log */
    void *log_closure;
    int log_filter;                   /* default RTM_LOG_FILTER_INFO */
    /* The loop thread to run on. NULL: the process-wide default loop, started
     * with the first client that uses it and stopped after the last one. */
    rtm_loop *loop;
} rtm_config;

/* Zeroes *config, sets its size (Versions, above) and the defaults. */
void rtm_config_init_size(rtm_config *config, size_t size);
#define rtm_config_init(config) rtm_config_init_size((config), sizeof(rtm_config))

/*
 * A loop thread that clients can share. rtm_loop_create starts it;
 * rtm_loop_destroy stops it and must be called after every client on it was
 * destroyed (it returns RTM_EINVAL otherwise, and does nothing).
 */
int rtm_loop_create(rtm_loop **out);
int rtm_loop_destroy(rtm_loop *loop);

/*
 * Creates a client in state DISCONNECTED. Returns RTM_OK and the client in
 * *out, or RTM_EINVAL (no app id, or bad parameters), RTM_ENOMEM,
 * RTM_ESYSTEM. The app id must be 1..64 printable ASCII bytes.
 */
int rtm_client_create(const rtm_config *config, rtm_client **out);

/* RtmServiceContext.RtmAreaCode: where the vendor's cloud would serve the
 * clients, as bits; GLOB is all of them. */
typedef enum {
    RTM_AREA_CODE_CN = 1,
    RTM_AREA_CODE_NA = 2,
    RTM_AREA_CODE_EU = 4,
    RTM_AREA_CODE_AS = 8,
    RTM_AREA_CODE_JP = 16,
    RTM_AREA_CODE_IN = 32,
    RTM_AREA_CODE_GLOB = -1
} rtm_area_code;

/* RtmServiceContext.RtmCloudProxyType. */
typedef enum {
    RTM_CLOUD_PROXY_NONE_PROXY = 0,
    RTM_CLOUD_PROXY_TCP_PROXY = 1
} rtm_cloud_proxy_type;

/*
 * setRtmServiceContext: the process's service context, for the clients
 * created after it (the vendor's rule: call it before creating clients).
 * A self-hosted rtmd has neither areas nor a cloud proxy, so:
 *   - area_code must be RTM_AREA_CODE_GLOB or a non-empty OR of the other
 *     area codes; it is kept (rtm_get_service_context) and each client
 *     created afterwards logs it, but it selects nothing;
 *   - proxy_type RTM_CLOUD_PROXY_NONE_PROXY is how every client connects;
 *     TCP_PROXY, the vendor's cloud proxy, cannot apply and is refused (to
 *     go through a TCP forwarder, point "rtm.server" at it).
 * Returns RTM_SET_RTM_SERVICE_CONTEXT_ERR_OK, or _FAILURE with nothing
 * changed. Any thread.
 */
int rtm_set_service_context(int area_code, int proxy_type);

/* The service context set last: GLOB and NONE_PROXY until then. */
void rtm_get_service_context(int *area_code, int *proxy_type);

/* The last callback of a closed client (rtm_client_close). */
typedef void (*rtm_close_cb)(rtm_client *client, void *closure);

/*
 * Closes the client, asynchronously (Lifetime, above): logs out if logged
 * in (without a state callback), completes every pending operation with
 * NOT_INITIALIZED (101), ends its channels (each gets its on_closed), and
 * then calls cb (NULL: nothing), the client's last callback; the memory is
 * freed when it returns. Events that had not started are dropped. From any
 * thread, one of the client's own callbacks included. Returns RTM_OK, or
 * RTM_ECLOSED when the client was already closing (cb is not called), or
 * RTM_EINVAL for NULL.
 */
int rtm_client_close(rtm_client *client, rtm_close_cb cb, void *closure);

/*
 * rtm_client_close, then waits until the client is freed: its close
 * callback has run and no callback of it runs after this returns. Called
 * from one of this client's own callbacks it cannot wait: it returns at
 * once, and the pending results, the on_closed of its channels, cb and the
 * end follow once that callback returns. Returns as rtm_client_close.
 */
int rtm_client_close_wait(rtm_client *client, rtm_close_cb cb, void *closure);

/*
 * rtm_client_close_wait(client, NULL, NULL), for C programs: the client and
 * its channels must not be used once it has returned.
 */
void rtm_client_destroy(rtm_client *client);

/*
 * setParameters: a JSON object of tunables, the same keys as the CLI's
 * --param and Java's setParameters (docs/PARAMETERS.md):
 *   "rtm.server"                     "HOST:PORT" of rtmd
 *   "rtm.login_timeout_ms"           6000 (SPEC S5)
 *   "rtm.interrupt_report_ms"        4000 (SPEC S7)
 *   "rtm.heartbeat_ms"               1000: send when idle this long
 *   "rtm.link_timeout_ms"            3000: link dead after this much silence
 *   "rtm.peer_message_timeout_ms"    10000 (SPEC A7)
 *   "rtm.channel_message_timeout_ms" 10000 (SPEC A7)
 *   "rtm.request_timeout_ms"         5000: join, leave, get members, attributes,
 *                                    presence, member counts (SPEC A7)
 *   "rtm.reconnect_min_ms"           500: first backoff step (SPEC S8)
 *   "rtm.reconnect_max_ms"           8000: backoff cap (SPEC S8)
 *   "rtm.invitation_receive_timeout_ms" 30000 (SPEC C3)
 *   "rtm.invitation_expire_ms"       60000 (SPEC C4)
 *   "rtm.invitation_accept_ack_ms"   5000 (SPEC C5)
 *   "rtm.invitation_retry_ms"        1000: a failed invitation signal again
 *   "rtm.tls", "rtm.tls_ca_file", "rtm.tls_server_name",
 *   "rtm.tls_insecure_skip_verify"   TLS links (docs/TLS.md)
 * Values take effect for the next deadline set. Any thread may call it,
 * at any time: calls apply whole and in the order they return, each on top
 * of all before it (two calls in a row keep both). Returns RTM_OK, or
 * RTM_EINVAL (not JSON, unknown key, wrong type or out of range, checked
 * against the parameters the calls before it set; nothing is applied).
 */
int rtm_client_set_parameters(rtm_client *client, const char *json);

/*
 * setLogFile: the client's log also goes to the file at path (NULL or "":
 * "agorartm.log" in the working directory), appended to. When the next line
 * would take it over its size (rtm_set_log_file_size) it is renamed
 * path.1 (path.1 to path.2, ..., path.4 dropped) and a new one started: at
 * most 5 files. Lines are "2026-11-26T01:02:03.456Z LEVEL text". Returns
 * RTM_OK, or RTM_ESYSTEM when it cannot be opened (the previous file, if
 * any, stays in use). A C client writes no file until this is called; the
 * Java API calls it with the default when a client is created (the
 * vendor's behaviour).
 */
int rtm_set_log_file(rtm_client *client, const char *path);

/*
 * setLogFilter: what is logged, to the log callback and the file:
 * RTM_LOG_FILTER_OFF, _INFO (everything), _WARNING, _ERROR or _CRITICAL.
 * RTM_EINVAL for another value.
 */
int rtm_set_log_filter(rtm_client *client, int filter);

/*
 * setLogFileSize: the size of one log file, in KB: 512 to 1048576 (1 GB),
 * 10240 (10 MB) by default. RTM_EINVAL outside that range.
 */
int rtm_set_log_file_size(rtm_client *client, int kb);

/*
 * login: in DISCONNECTED moves to CONNECTING (LOGIN), then to CONNECTED
 * (LOGIN_SUCCESS) or DISCONNECTED (LOGIN_FAILURE, LOGIN_TIMEOUT). cb gets a
 * LoginError: INVALID_ARGUMENT (bad user id, SPEC A3), ALREADY_LOGIN (not
 * DISCONNECTED, SPEC A2), TOO_OFTEN (more than 2 per second, SPEC A2),
 * INVALID_TOKEN at once, nothing sent and no state change, for a token over
 * 4096 bytes (no server takes one), TIMEOUT (SPEC S5), or the server's
 * refusal (SPEC S4). token may be NULL.
 */
int rtm_login(rtm_client *client, const char *token, const char *user_id,
              rtm_result_cb cb, void *closure);

/*
 * logout: from CONNECTING, CONNECTED, RECONNECTING or ABORTED moves to
 * DISCONNECTED (LOGOUT) (SPEC S17). cb gets a LogoutError: OK, or
 * USER_NOT_LOGGED_IN when already DISCONNECTED.
 */
int rtm_logout(rtm_client *client, rtm_result_cb cb, void *closure);

/* SendMessageOptions. */
typedef struct rtm_send_options {
    /* A peer message to a user who is offline is kept by the server (at
     * most 200 per receiver, 7 days, the newest replacing the oldest: rtmd's
     * --offline-* flags) and delivered at its next login with
     * rtm_message.offline set; the sender gets CACHED_BY_SERVER (SPEC A6). */
    bool enable_offline_messaging;
    /* Accepted for compatibility; the server keeps no history for queries. */
    bool enable_historical_messaging;
} rtm_send_options;

/*
 * sendMessageToPeer. cb gets a PeerMessageError: OK once the server accepted
 * it for delivery, PEER_UNREACHABLE (the peer is offline; SPEC A6),
 * CACHED_BY_SERVER (it is offline and options->enable_offline_messaging is
 * set), TOO_OFTEN (over the server's message rate), INVALID_USERID,
 * INVALID_MESSAGE, FAILURE, TIMEOUT (10 s, SPEC A7), USER_NOT_LOGGED_IN.
 * options may be NULL (all off).
 */
int rtm_send_peer_message_with_options(rtm_client *client, const char *peer_id,
                                       const rtm_message *msg,
                                       const rtm_send_options *options,
                                       rtm_result_cb cb, void *closure);
/* The same with no options. */
int rtm_send_peer_message(rtm_client *client, const char *peer_id,
                          const rtm_message *msg, rtm_result_cb cb,
                          void *closure);

/*
 * renewToken. cb gets a RenewTokenError. When connected the server checks
 * the new token: OK (later logins use it), INVALID_TOKEN, TOKEN_EXPIRED;
 * while the link is down the token is kept for the next attempt (OK), and
 * an attempt waiting after onTokenExpired starts at once (SPEC S15). Also
 * INVALID_ARGUMENT (NULL or empty), INVALID_TOKEN at once for one over 4096
 * bytes, TOO_OFTEN (more than 2 per second), USER_NOT_LOGGED_IN
 * (DISCONNECTED, CONNECTING, ABORTED), FAILURE (no answer in 5 s).
 */
int rtm_renew_token(rtm_client *client, const char *token, rtm_result_cb cb,
                    void *closure);

/*
 * Tells the client that the network changed (an interface came up, the
 * route changed): when it is waiting to reconnect, it tries now instead of
 * at the end of its backoff; otherwise nothing happens (SPEC S8).
 */
void rtm_network_changed(rtm_client *client);

/* A user attribute: key at most 32 bytes, value at most 8 KB (SPEC A5). */
typedef struct rtm_attribute {
    const char *key;
    const char *value;
} rtm_attribute;

/* The result of getting attributes: on success (code 0) the user's
 * attributes, borrowed until the callback returns. user_id is the user
 * asked about, NULL when the request was refused before it was sent. */
typedef void (*rtm_attributes_cb)(rtm_client *client, int code,
                                  const char *user_id,
                                  const rtm_attribute *attributes,
                                  size_t count, void *closure);

/*
 * The local user's attributes (AttributeOperationError codes):
 * set replaces them all, add_or_update merges, delete removes keys, clear
 * removes all. At most 32 attributes and 16 KB in all, key at most 32
 * bytes, value at most 8 KB: beyond, SIZE_OVERFLOW; an empty key, a NULL
 * value or a key given twice, INVALID_ARGUMENT; not logged in, USER_NOT_LOGGED_IN; no answer in 5 s,
 * TIMEOUT. The client keeps a copy and sends it again when it logs back in
 * to a session the server had removed (SPEC S14).
 */
int rtm_set_local_user_attributes(rtm_client *client,
                                  const rtm_attribute *attributes,
                                  size_t count, rtm_result_cb cb,
                                  void *closure);
int rtm_add_or_update_local_user_attributes(rtm_client *client,
                                            const rtm_attribute *attributes,
                                            size_t count, rtm_result_cb cb,
                                            void *closure);
int rtm_delete_local_user_attributes_by_keys(rtm_client *client,
                                             const char *const *keys,
                                             size_t count, rtm_result_cb cb,
                                             void *closure);
int rtm_clear_local_user_attributes(rtm_client *client, rtm_result_cb cb,
                                    void *closure);

/*
 * A user's attributes: all of them, or those of keys (count > 0). cb gets
 * OK with the list (possibly empty), USER_NOT_FOUND (the user is not
 * online), INVALID_ARGUMENT, TOO_OFTEN (over the server's read rate, 400 per
 * 5 s), TIMEOUT or USER_NOT_LOGGED_IN.
 */
int rtm_get_user_attributes(rtm_client *client, const char *user_id,
                            rtm_attributes_cb cb, void *closure);
int rtm_get_user_attributes_by_keys(rtm_client *client, const char *user_id,
                                    const char *const *keys, size_t count,
                                    rtm_attributes_cb cb, void *closure);

/* Options of a change of a channel's attributes. */
typedef struct rtm_channel_attribute_options {
    /* Every member of the channel then gets on_attributes_updated. */
    bool enable_notification_to_channel_members;
} rtm_channel_attribute_options;

/* The result of getting a channel's attributes: on success (code 0) the
 * attributes, sorted by key, borrowed until the callback returns.
 * channel_id is the channel asked about, NULL when the request was refused
 * before it was sent. */
typedef void (*rtm_channel_attributes_cb)(rtm_client *client, int code,
                                          const char *channel_id,
                                          const rtm_channel_attribute *attributes,
                                          size_t count, void *closure);

/*
 * A channel's attributes (AttributeOperationError codes), kept by the server
 * per channel whether or not it has members; any logged-in user may change
 * or read them without joining. set replaces them all, add_or_update
 * merges, delete removes keys, clear removes all; each entry a change sets
 * records this user and the server's time. options may be NULL (no
 * notification). At most 32 attributes and 32 KB in all, key at most 32
 * bytes, value at most 8 KB: beyond, SIZE_OVERFLOW; an invalid channel id
 * (SPEC A3), an empty key, a NULL value or a key given twice,
 * INVALID_ARGUMENT; over the server's rate, TOO_OFTEN; not logged in,
 * USER_NOT_LOGGED_IN; no answer in 5 s, TIMEOUT.
 */
int rtm_set_channel_attributes(rtm_client *client, const char *channel_id,
                               const rtm_attribute *attributes, size_t count,
                               const rtm_channel_attribute_options *options,
                               rtm_result_cb cb, void *closure);
int rtm_add_or_update_channel_attributes(rtm_client *client, const char *channel_id,
                                         const rtm_attribute *attributes, size_t count,
                                         const rtm_channel_attribute_options *options,
                                         rtm_result_cb cb, void *closure);
int rtm_delete_channel_attributes_by_keys(rtm_client *client, const char *channel_id,
                                          const char *const *keys, size_t count,
                                          const rtm_channel_attribute_options *options,
                                          rtm_result_cb cb, void *closure);
int rtm_clear_channel_attributes(rtm_client *client, const char *channel_id,
                                 const rtm_channel_attribute_options *options,
                                 rtm_result_cb cb, void *closure);

/*
 * A channel's attributes: all of them, or those of keys (count > 0) that
 * exist. cb gets OK with the list (empty for a channel that has none),
 * INVALID_ARGUMENT, TOO_OFTEN, TIMEOUT or USER_NOT_LOGGED_IN.
 */
int rtm_get_channel_attributes(rtm_client *client, const char *channel_id,
                               rtm_channel_attributes_cb cb, void *closure);
int rtm_get_channel_attributes_by_keys(rtm_client *client, const char *channel_id,
                                       const char *const *keys, size_t count,
                                       rtm_channel_attributes_cb cb, void *closure);

/* The result of a presence query: on success (code 0) the users with their
 * states, borrowed until the callback returns. */
typedef void (*rtm_peer_status_cb)(rtm_client *client, int code,
                                   const rtm_peer_status *peers, size_t count,
                                   void *closure);

/* At most this many peers per queryPeersOnlineStatus, and subscribed at
 * once. */
#define RTM_QUERY_PEERS_MAX 256
#define RTM_SUBSCRIPTIONS_MAX 512

/*
 * queryPeersOnlineStatus (SPEC A8): the state of each of peer_ids (1 to
 * 256 valid user ids), in the order asked. cb gets a
 * QueryPeersOnlineStatusError: OK, INVALID_ARGUMENT, TOO_OFTEN (over the
 * server's rate, 100 per 5 s), TIMEOUT (5 s), USER_NOT_LOGGED_IN. The
 * vendor's Map<String,Boolean> is state == RTM_PEER_ONLINE.
 */
int rtm_query_peers_online_status(rtm_client *client, const char *const *peer_ids,
                                  size_t count, rtm_peer_status_cb cb, void *closure);

/*
 * subscribePeersOnlineStatus / unsubscribePeersOnlineStatus (SPEC A8): follow
 * (or stop following) the presence of peer_ids (at least one, valid user
 * ids) through on_peers_online_status_changed. cb gets a
 * PeerSubscriptionStatusError: OK, INVALID_ARGUMENT, OVERFLOW (more than 512
 * subscribed), TIMEOUT, USER_NOT_LOGGED_IN. Subscriptions survive
 * reconnections (they are made again on a new server session) and end at
 * logout.
 */
int rtm_subscribe_peers_online_status(rtm_client *client, const char *const *peer_ids,
                                      size_t count, rtm_result_cb cb, void *closure);
int rtm_unsubscribe_peers_online_status(rtm_client *client, const char *const *peer_ids,
                                        size_t count, rtm_result_cb cb, void *closure);

/*
 * queryPeersBySubscriptionOption: the users this client is subscribed to
 * (option RTM_PEER_SUBSCRIPTION_OPTION_ONLINE, the only one), sorted, with
 * their states. cb gets a QueryPeersBySubscriptionOptionError: OK, FAILURE
 * (another option), TIMEOUT, USER_NOT_LOGGED_IN.
 */
int rtm_query_peers_by_subscription_option(rtm_client *client, int option,
                                           rtm_peer_status_cb cb, void *closure);

/* A channel's member count. */
typedef struct rtm_channel_member_count {
    const char *channel_id;
    int count;
} rtm_channel_member_count;

/* The result of rtm_get_channel_member_count: on success (code 0) each
 * channel's count, borrowed until the callback returns. */
typedef void (*rtm_member_counts_cb)(rtm_client *client, int code,
                                     const rtm_channel_member_count *counts,
                                     size_t count, void *closure);

/* At most this many channels per getChannelMemberCount. */
#define RTM_MEMBER_COUNT_MAX_CHANNELS 32

/*
 * getChannelMemberCount: the member counts of channel_ids (1 to 32 valid
 * channel ids, joined or not; a channel nobody is in counts 0), in the
 * order asked. cb gets a GetChannelMemberCountErrCode: OK, INVALID_ARGUMENT,
 * EXCEED_LIMIT (more than 32), TIMEOUT (5 s), USER_NOT_LOGGED_IN.
 */
int rtm_get_channel_member_count(rtm_client *client, const char *const *channel_ids,
                                 size_t count, rtm_member_counts_cb cb, void *closure);

/*
 * Call invitations (RtmCallManager; SPEC C1-C7, docs/API.md).
 *
 * The caller makes a local invitation for a callee, may set its content and
 * a channel id (carried, never joined), and sends it; the callee's client
 * gets a remote invitation, which it accepts or refuses, each with an
 * optional response; the caller may cancel before an answer. Each side
 * learns the other's steps through the callbacks of rtm_client_callbacks,
 * and sees the state (rtm_local_invitation_get_state,
 * rtm_remote_invitation_get_state) move as docs/RULES.md (C1-C7) says. Timings are the
 * rtm.invitation_* parameters.
 *
 * The invitation calls' result callbacks get an rtm_invitation_api_call_err:
 * OK, or INVALID_ARGUMENT (a NULL invitation, one of another client, an
 * invitation to oneself), NOT_STARTED (canceling one never sent),
 * ALREADY_SENT, ALREADY_END (any call on an invitation that has ended),
 * ALREADY_ACCEPT. They report whether the call took effect on the
 * invitation; what the callee did comes through the callbacks. A
 * sendLocalInvitation by a user not logged in gets OK, then the failure
 * NOT_LOGGEDIN (C1). InvitationApiCallError has no FAILURE: out of memory
 * for the call itself gets 1 (INVALID_ARGUMENT).
 *
 * Handles are reference counted: create gives the caller one reference,
 * the callbacks lend theirs for the call, and retain adds one; release
 * gives one back. A handle outlives its client (its getters keep working),
 * but calls on it after the client's close callback are the application's
 * error, as for any handle of a closed client. Getters may be called from
 * any thread, also while another thread sets; the strings they return stay
 * valid until the handle's last release.
 */

/* createLocalInvitation: an invitation to callee_id (SPEC A3), in
 * LOCAL_INVITATION_STATE_IDLE. NULL for an invalid id, a closing client or
 * out of memory. */
rtm_local_invitation *rtm_local_invitation_create(rtm_client *client, const char *callee_id);
void rtm_local_invitation_retain(rtm_local_invitation *invitation);
void rtm_local_invitation_release(rtm_local_invitation *invitation);
/* setContent and setChannelId, before it is sent: RTM_EINVAL for content
 * over 8 KB or a channel id that is neither empty nor valid (SPEC A3),
 * RTM_ESTATE once it was sent. Once the send took effect the getters show
 * what went, even after a set that raced it. NULL sets "". */
int rtm_local_invitation_set_content(rtm_local_invitation *invitation, const char *content);
int rtm_local_invitation_set_channel_id(rtm_local_invitation *invitation,
                                        const char *channel_id);
const char *rtm_local_invitation_get_callee_id(const rtm_local_invitation *invitation);
const char *rtm_local_invitation_get_content(const rtm_local_invitation *invitation);
const char *rtm_local_invitation_get_channel_id(const rtm_local_invitation *invitation);
/* The callee's response once it accepted or refused; "" before. */
const char *rtm_local_invitation_get_response(const rtm_local_invitation *invitation);
/* An rtm_local_invitation_state: the state the last callback about the
 * invitation left (the event's, or the call's whose result it was), so that
 * inside a callback it is the state that event made. */
int rtm_local_invitation_get_state(const rtm_local_invitation *invitation);

void rtm_remote_invitation_retain(rtm_remote_invitation *invitation);
void rtm_remote_invitation_release(rtm_remote_invitation *invitation);
const char *rtm_remote_invitation_get_caller_id(const rtm_remote_invitation *invitation);
const char *rtm_remote_invitation_get_content(const rtm_remote_invitation *invitation);
const char *rtm_remote_invitation_get_channel_id(const rtm_remote_invitation *invitation);
/* setResponse, before accepting or refusing: RTM_EINVAL over 8 KB,
 * RTM_ESTATE once answered (the getter then shows what went). NULL sets
 * "". */
int rtm_remote_invitation_set_response(rtm_remote_invitation *invitation, const char *response);
const char *rtm_remote_invitation_get_response(const rtm_remote_invitation *invitation);
/* An rtm_remote_invitation_state. */
int rtm_remote_invitation_get_state(const rtm_remote_invitation *invitation);

/* sendLocalInvitation (C1), cancelLocalInvitation (C6),
 * acceptRemoteInvitation and refuseRemoteInvitation (C5), with the
 * invitation's content, channel id and response as set. */
int rtm_send_local_invitation(rtm_client *client, rtm_local_invitation *invitation,
                              rtm_result_cb cb, void *closure);
int rtm_cancel_local_invitation(rtm_client *client, rtm_local_invitation *invitation,
                                rtm_result_cb cb, void *closure);
int rtm_accept_remote_invitation(rtm_client *client, rtm_remote_invitation *invitation,
                                 rtm_result_cb cb, void *closure);
int rtm_refuse_remote_invitation(rtm_client *client, rtm_remote_invitation *invitation,
                                 rtm_result_cb cb, void *closure);

/*
 * createChannel: a channel handle, not yet joined. Returns NULL for an
 * invalid channel id (SPEC A3), for an id this client already has a handle
 * for, for callbacks this library cannot take (Versions, above), or on
 * allocation failure. callbacks (NULL: none) is copied; closure is passed
 * to them and to the channel's result callbacks.
 */
rtm_channel *rtm_channel_create(rtm_client *client, const char *channel_id,
                                const rtm_channel_callbacks *callbacks,
                                void *closure);

/* The channel's id, valid until rtm_channel_release. */
const char *rtm_channel_id(const rtm_channel *channel);

/* The client the channel belongs to. */
rtm_client *rtm_channel_client(const rtm_channel *channel);

/*
 * join. cb gets a JoinChannelError: OK, ALREADY_JOINED, EXCEED_LIMIT (20
 * channels, SPEC A5), TOO_OFTEN and JOIN_SAME_CHANNEL_TOO_OFTEN (over the
 * server's rates: 50 joins per 3 s, 2 of one channel per 5 s), TIMEOUT (5 s),
 * USER_NOT_LOGGED_IN.
 */
int rtm_channel_join(rtm_channel *channel, rtm_result_cb cb, void *closure);

/* leave. cb gets a LeaveChannelError: OK, NOT_IN_CHANNEL, USER_NOT_LOGGED_IN,
 * FAILURE (no answer in 5 s: the family has no TIMEOUT). */
int rtm_channel_leave(rtm_channel *channel, rtm_result_cb cb, void *closure);

/*
 * sendMessage to the channel's other members. cb gets a ChannelMessageError:
 * OK once the server accepted it, INVALID_MESSAGE, TOO_OFTEN (over the
 * server's message rate, 1500 per 3 s with peer messages), TIMEOUT (10 s),
 * FAILURE (not joined), USER_NOT_LOGGED_IN.
 */
int rtm_channel_send_message(rtm_channel *channel, const rtm_message *msg,
                             rtm_result_cb cb, void *closure);

/* getMembers. cb gets a GetMembersError: OK with the list, NOT_IN_CHANNEL,
 * TIMEOUT (5 s), USER_NOT_LOGGED_IN. */
int rtm_channel_get_members(rtm_channel *channel, rtm_members_cb cb,
                            void *closure);

/*
 * release: closes the channel, asynchronously (Lifetime, above): leaves it
 * if joined (the other members see it leave), completes its pending
 * operations with NOT_INITIALIZED, drops its events not yet delivered, and
 * then calls its on_closed, its last callback; the handle is freed when
 * that returns. A result callback still to come may receive the handle,
 * but calls on it are refused (101, with no callback). Its id can be
 * created again at once. Nothing happens for a channel already released,
 * or ended by its client's close.
 */
void rtm_channel_release(rtm_channel *channel);

/* ------------------------------------------------------------------ */
/* File and image messages (SPEC M1-M5)                                */

/*
 * A file or image message names a media stored by the server (uploaded
 * with rtm_upload_media, kept 7 days) and describes it; it travels as a
 * peer or channel message (rtm_send_peer_media_message,
 * rtm_channel_send_media_message) and arrives through
 * on_media_message_received. The bytes themselves move apart, over the
 * client's own link, in chunks paced so that chat and heartbeats go on
 * beside them (M6): rtm_upload_media, rtm_download_media_to_memory,
 * rtm_download_media_to_file, each identified by a request id that the
 * progress callbacks and the cancels name. At most 9 uploads and 9
 * downloads at once (the tenth is CONCURRENCY_LIMIT_EXCEEDED); one whose
 * data does not move for 120 s (rtm.media_idle_ms) ends with TIMEOUT; a
 * transfer whose link is lost ends with INTERRUPTED (it is not resumed:
 * start it again once connected), as does one canceled.
 *
 * Fill an rtm_media_message with rtm_media_message_init (Versions, above).
 */
typedef struct rtm_media_message {
    size_t size;                 /* set by rtm_media_message_init */
    int type;                    /* RTM_MESSAGE_TYPE_FILE or _IMAGE */
    const char *media_id;        /* 1 to 128 printable ASCII bytes */
    uint64_t file_size;          /* the media's size in bytes (getSize) */
    const char *file_name;       /* may be NULL */
    const void *thumbnail;       /* may be NULL */
    size_t thumbnail_len;        /* file name, thumbnail and text: 32 KB at most (M3) */
    int width, height;           /* IMAGE: the image's, in pixels (0: unknown) */
    int thumbnail_width, thumbnail_height;
    int64_t server_received_ts;  /* received: ms since the Unix epoch */
    bool offline;                /* received: kept while the receiver was away */
    /* A text that goes with it (NUL-terminated UTF-8; NULL or "": none),
     * counted in the 32 KB. */
    const char *text;
} rtm_media_message;

/* Zeroes *msg, sets its size and type (Versions, above). */
static inline void rtm_media_message_init(rtm_media_message *msg, int type)
{
    memset(msg, 0, sizeof(*msg));
    msg->size = sizeof(*msg);
    msg->type = type;
}

/* The result of an upload: on success the message for the stored media
 * (its id, size, the file's name; for an image its width and height read
 * from the file's JPEG, PNG or BMP header, M4), borrowed until the
 * callback returns; NULL otherwise. */
typedef void (*rtm_upload_cb)(rtm_client *client, int code, const rtm_media_message *msg,
                              uint64_t request_id, void *closure);
/* The result of a download: to memory, the bytes (borrowed until the
 * callback returns); to a file, NULL and 0 (the file is in place). */
typedef void (*rtm_download_cb)(rtm_client *client, int code, const void *data, size_t len,
                                uint64_t request_id, void *closure);

/*
 * createFileMessageByUploading, createImageMessageByUploading (type FILE
 * or IMAGE). *request_id (may be NULL) gets the transfer's id. cb gets an
 * UploadMediaError: OK with the message, INVALID_ARGUMENT (no such readable
 * file, a NULL path, another type), SIZE_OVERFLOW (over 30 MB),
 * CONCURRENCY_LIMIT_EXCEEDED, TIMEOUT, INTERRUPTED, FAILURE (the server
 * could not store it), NOT_LOGGED_IN (not CONNECTED).
 */
int rtm_upload_media(rtm_client *client, const char *file_path, int type, rtm_upload_cb cb,
                     void *closure, uint64_t *request_id);
/*
 * downloadMediaToMemory, downloadMediaToFile. cb gets a DownloadMediaError:
 * OK, NOT_EXIST (unknown, of another app, or expired: M2), INVALID_ARGUMENT
 * (an id of the wrong form; a path that cannot be written),
 * CONCURRENCY_LIMIT_EXCEEDED, TIMEOUT, INTERRUPTED, FAILURE,
 * NOT_LOGGED_IN. A file is written beside file_path and renamed onto it
 * once whole: nothing is left of a failed download.
 */
int rtm_download_media_to_memory(rtm_client *client, const char *media_id,
                                 rtm_download_cb cb, void *closure, uint64_t *request_id);
int rtm_download_media_to_file(rtm_client *client, const char *media_id,
                               const char *file_path, rtm_download_cb cb, void *closure,
                               uint64_t *request_id);
/* cancelMediaUpload, cancelMediaDownload: the transfer ends (its callback
 * gets INTERRUPTED) and cb gets a CancelMediaError: OK, NOT_EXIST (no such
 * transfer going on), NOT_LOGGED_IN. */
int rtm_cancel_media_upload(rtm_client *client, uint64_t request_id, rtm_result_cb cb,
                            void *closure);
int rtm_cancel_media_download(rtm_client *client, uint64_t request_id, rtm_result_cb cb,
                              void *closure);
/* sendMessageToPeer and the channel's sendMessage with a file or image
 * message: the same codes as for other messages (INVALID_MESSAGE for a
 * media id of the wrong form, or over the 32 KB). */
int rtm_send_peer_media_message(rtm_client *client, const char *peer_id,
                                const rtm_media_message *msg, const rtm_send_options *options,
                                rtm_result_cb cb, void *closure);
int rtm_channel_send_media_message(rtm_channel *channel, const rtm_media_message *msg,
                                   rtm_result_cb cb, void *closure);

#ifdef __cplusplus
}
#endif

#endif /* RTM_H */
