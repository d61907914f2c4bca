/*
 * session.h: the client's session state machine, sans I/O.
 *
 * The machine owns the connection state of SPEC.md (S1-S17), the login
 * deadline, the interruption report, reconnection with backoff, heartbeats,
 * request ids and operation timeouts. It does no I/O and never reads a clock:
 * every entry point takes `now` (monotonic microseconds), and it acts through
 * the callbacks of rtm__session_ops (open or close the link, send these
 * bytes, report this state change, complete that operation). After any entry
 * point the driver asks rtm__session_expiry() when to call
 * rtm__session_handle_expiry() next. Tests drive it with a virtual clock.
 *
 * Callbacks are made synchronously from inside the entry points; they must
 * not call back into the session.
 */
#ifndef RTM__SESSION_H
#define RTM__SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "frame.h"
#include "params.h"
#include "rtm/rtm.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef uint64_t rtm__time; /* monotonic microseconds */
#define RTM__TIME_NEVER UINT64_MAX
#define RTM__MS ((rtm__time)1000)

typedef struct rtm__session rtm__session;

/* The kinds of operation, each with its error family and timeout. */
typedef enum {
    RTM__OP_LOGIN,
    RTM__OP_LOGOUT,
    RTM__OP_PEER_MESSAGE,
    RTM__OP_JOIN,
    RTM__OP_LEAVE,
    RTM__OP_CHANNEL_MESSAGE,
    RTM__OP_GET_MEMBERS,
    RTM__OP_SET_ATTRIBUTES,   /* set, add or update, delete, clear */
    RTM__OP_GET_ATTRIBUTES,
    RTM__OP_RENEW_TOKEN,
    RTM__OP_QUERY_PEERS,      /* queryPeersOnlineStatus (A8) */
    RTM__OP_SUBSCRIBE,        /* (un)subscribePeersOnlineStatus */
    RTM__OP_GET_SUBSCRIBED,   /* queryPeersBySubscriptionOption */
    RTM__OP_GET_MEMBER_COUNT,        /* getChannelMemberCount */
    RTM__OP_SET_CHANNEL_ATTRIBUTES, /* set, add or update, delete, clear */
    RTM__OP_GET_CHANNEL_ATTRIBUTES,
    RTM__OP_CALL_SIGNAL,      /* an invitation's signal (calls.h): a peer send */
    RTM__OP_INVITATION,       /* an invitation call; decided by calls.c, never
                               * given to the session */
    RTM__OP_MEDIA_UPLOAD,     /* a MediaUpload or MediaDownload request (media.c):
                               * answered by MediaBegun, bound to its link */
    RTM__OP_MEDIA_DOWNLOAD,
    RTM__OP_MEDIA_CANCEL      /* cancelMedia*: decided by media.c, never given to
                               * the session */
} rtm__op_kind;

/* The code family of an operation kind (rtm_codes.h). */
int rtm__op_family(rtm__op_kind kind);

/* The code an operation of a kind gets when the client runs out of memory
 * for it: its family's FAILURE, UNKNOWN for login, REJECTED for logout
 * (which have no FAILURE). */
int rtm__failure_code(rtm__op_kind kind);

/* A message to send, borrowed for the duration of the call. */
typedef struct {
    uint32_t type;
    const char *text;
    const uint8_t *raw;
    size_t raw_len;
    const char *description;
    bool offline;             /* a peer message: keep it if the peer is away (A6) */
    Rtm__Wire__MediaInfo *media; /* a FILE or IMAGE message's (M3) */
} rtm__outgoing;

typedef struct {
    /* Open a link to the server. The driver later calls link_up or
     * link_down. Never called while a link is open or opening. */
    void (*open_link)(void *ud);
    /* Close the link after writing what was sent. The driver must not call
     * link_down for it. */
    void (*close_link)(void *ud);
    /* Write bytes (whole frames) on the open link. */
    void (*send)(void *ud, const uint8_t *bytes, size_t len);
    /* Report a change of state (SPEC S1). */
    void (*state_changed)(void *ud, int state, int reason);
    /* Complete an operation: code 0 or of the kind's family. answer is the
     * server's answer when it carries data (Members, Attributes), borrowed
     * for the call; NULL otherwise. */
    void (*op_done)(void *ud, uint64_t op, rtm__op_kind kind, int code,
                    const rtm__frame *answer);
    /* Frames the application sees, duplicates removed. Borrowed for the
     * call. */
    void (*peer_message)(void *ud, const Rtm__Wire__PeerDeliver *m);
    /* A peer message that carries a call signal (calls.h), duplicates
     * removed, instead of peer_message: from whom, and how long ago the
     * server took it (by the server's clock, as LoginResult.server_ts
     * told it). Borrowed for the call. */
    void (*call_signal)(void *ud, const char *from, const Rtm__Wire__CallSignal *sig,
                        uint64_t age_ms);
    void (*channel_message)(void *ud, const Rtm__Wire__ChannelDeliver *m);
    void (*member_event)(void *ud, const Rtm__Wire__MemberEvent *m);
    void (*replay_done)(void *ud, const Rtm__Wire__ReplayDone *r);
    /* SPEC S15: a reconnection attempt was refused for an expired token;
     * attempts wait for rtm__session_renew_token. Once per expired token. */
    void (*token_expired)(void *ud);
    /* The server warns that the session's token expires soon. */
    void (*token_will_expire)(void *ud, uint32_t seconds_left);
    /* Subscribed users whose presence changed (SPEC A8). */
    void (*peer_states)(void *ud, const Rtm__Wire__PeerStateEvent *e);
    /* A channel's member count changed. */
    void (*member_count)(void *ud, const Rtm__Wire__MemberCountEvent *e);
    /* A channel's whole attribute list after a change made with notify. */
    void (*channel_attributes)(void *ud, const Rtm__Wire__ChannelAttributesEvent *e);
    /* A log line, without newline. */
    void (*log)(void *ud, int level, const char *line);
    /* Uniform random 32 bits, for backoff jitter. */
    uint32_t (*random)(void *ud);
    /* A frame of a media transfer (MediaChunk, MediaAck, MediaEnd: media.c),
     * borrowed for the call. */
    void (*media_frame)(void *ud, const rtm__frame *f);
    /* The link was lost or closed (whatever the state does next): what was
     * bound to it (a media transfer) has ended. */
    void (*link_lost)(void *ud);
} rtm__session_ops;

rtm__session *rtm__session_new(const rtm__session_ops *ops, void *ud,
                               const char *app_id, uint64_t instance_id,
                               const rtm__params *params);
void rtm__session_free(rtm__session *s);

/* Parameters for every deadline set from now on. */
void rtm__session_set_params(rtm__session *s, const rtm__params *params);

int rtm__session_state(const rtm__session *s);

/* Application calls. `op` is the driver's handle for the operation; it comes
 * back in op_done exactly once, possibly before the call returns. Arguments
 * are assumed already checked for shape (ids, message size) by the API
 * layer, except where a comment says otherwise. */
void rtm__session_login(rtm__session *s, rtm__time now, uint64_t op,
                        const char *token, const char *user_id);
void rtm__session_logout(rtm__session *s, rtm__time now, uint64_t op);
void rtm__session_send_peer(rtm__session *s, rtm__time now, uint64_t op,
                            const char *peer_id, const rtm__outgoing *msg);
/* A call signal to peer_id (calls.h), kept by the server while the peer is
 * away; op comes back in op_done with kind RTM__OP_CALL_SIGNAL and a
 * PeerMessageError code. */
void rtm__session_send_call(rtm__session *s, rtm__time now, uint64_t op,
                            const char *peer_id, const Rtm__Wire__CallSignal *sig);
void rtm__session_join(rtm__session *s, rtm__time now, uint64_t op,
                       const char *channel);
void rtm__session_leave(rtm__session *s, rtm__time now, uint64_t op,
                        const char *channel);
void rtm__session_send_channel(rtm__session *s, rtm__time now, uint64_t op,
                               const char *channel, const rtm__outgoing *msg);
void rtm__session_get_members(rtm__session *s, rtm__time now, uint64_t op,
                              const char *channel);

/* The local user's attributes: op is a Rtm__Wire__SetAttributes__Op;
 * attributes for SET and ADD_OR_UPDATE, keys for DELETE. Sizes are checked
 * by the API layer. On success the session's copy changes too; it is sent
 * again after a login to a session the server did not keep (SPEC S14). */
void rtm__session_set_attributes(rtm__session *s, rtm__time now, uint64_t op,
                                 int set_op, const rtm_attribute *attributes,
                                 size_t count, const char *const *keys,
                                 size_t nkeys);
void rtm__session_get_attributes(rtm__session *s, rtm__time now, uint64_t op,
                                 const char *user_id, const char *const *keys,
                                 size_t nkeys);

/* A channel's attributes (SPEC A5), as for the local user's but on the
 * server only: nothing is kept or sent again. The channel id and sizes are
 * checked by the API layer. set_channel_attributes answers with Result,
 * get_channel_attributes with ChannelAttributes (both
 * AttributeOperationError). */
void rtm__session_set_channel_attributes(rtm__session *s, rtm__time now, uint64_t op,
                                         const char *channel, int set_op,
                                         const rtm_attribute *attributes, size_t count,
                                         const char *const *keys, size_t nkeys,
                                         bool notify);
void rtm__session_get_channel_attributes(rtm__session *s, rtm__time now, uint64_t op,
                                         const char *channel, const char *const *keys,
                                         size_t nkeys);

/* Presence (SPEC A8). users are valid ids, checked by the API layer.
 * query_peers answers with PeerStates (QueryPeersOnlineStatusError);
 * subscribe (PeerSubscriptionStatusError) keeps the session's list of
 * subscribed users on success, sent again after a login to a session the
 * server did not keep (S14) and forgotten at logout; get_subscribed answers
 * with PeerStates (QueryPeersBySubscriptionOptionError). */
void rtm__session_query_peers(rtm__session *s, rtm__time now, uint64_t op,
                              const char *const *users, size_t n);
void rtm__session_subscribe(rtm__session *s, rtm__time now, uint64_t op,
                            const char *const *users, size_t n, bool unsubscribe);
void rtm__session_get_subscribed(rtm__session *s, rtm__time now, uint64_t op);

/* getChannelMemberCount: answered with MemberCounts
 * (GetChannelMemberCountErrCode); channels checked by the API layer. */
void rtm__session_get_member_count(rtm__session *s, rtm__time now, uint64_t op,
                                   const char *const *channels, size_t n);

/* Media (SPEC M1, M2; media.c). media_request sends f (a MediaUpload or
 * MediaDownload; kind RTM__OP_MEDIA_UPLOAD or _DOWNLOAD) with a request id
 * of its own, which it returns: the transfer's id on this link. Unlike
 * other requests it is bound to the link it goes on: answered by MediaBegun
 * (op_done with that frame as the answer), or by its family's INTERRUPTED
 * if the link is lost first, or TIMEOUT; never written again on another
 * link. Made while the link is down, it goes on the next one. 0 when it
 * could not be queued (op_done was called). media_send writes a frame of a
 * transfer (chunk, acknowledgement, cancel; request_id 0) if the link is
 * up and logged in: 0 when written, 1 when there is no such link, -1 when
 * out of memory (logged). */
uint32_t rtm__session_media_request(rtm__session *s, rtm__time now, uint64_t op,
                                    rtm__op_kind kind, rtm__frame *f);
int rtm__session_media_send(rtm__session *s, rtm__time now, const rtm__frame *f);

/* renewToken (RenewTokenError codes): when connected the server checks the
 * new token; while the link is down it is kept for the next attempt (OK),
 * and an attempt waiting for it (S15) starts at once. */
void rtm__session_renew_token(rtm__session *s, rtm__time now, uint64_t op,
                              const char *token);

/* The network changed: a pending reconnection attempt is made now, and the
 * backoff starts over (SPEC S8). */
void rtm__session_network_changed(rtm__session *s, rtm__time now);

/* Forgets a channel the application released: leaves it if joined (with no
 * result to report) and completes its pending operations with
 * NOT_INITIALIZED. */
void rtm__session_release_channel(rtm__session *s, rtm__time now,
                                  const char *channel);

/* Completes every pending operation with NOT_INITIALIZED and closes the
 * link, without a state report: the client is going away. */
void rtm__session_shutdown(rtm__session *s, rtm__time now);

/* Driver events. */
void rtm__session_link_up(rtm__session *s, rtm__time now);
/* The link failed to open, or was closed or reset by the other side. */
void rtm__session_link_down(rtm__session *s, rtm__time now);
/* One whole frame's payload arrived. A malformed payload closes the link. */
void rtm__session_receive(rtm__session *s, rtm__time now,
                          const uint8_t *payload, size_t len);

/* The next time handle_expiry wants to run, RTM__TIME_NEVER for none. */
rtm__time rtm__session_expiry(const rtm__session *s);
void rtm__session_handle_expiry(rtm__session *s, rtm__time now);

#ifdef __cplusplus
}
#endif

#endif
