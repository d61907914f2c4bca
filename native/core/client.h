/*
 * client.h: what the files of the client share (client.c, commands.c,
 * driver.c, events.c, messages.c, attributes.c, presence.c,
 * invitations.c); not installed.
 *
 * The way a call travels: the public API (any thread) checks its arguments
 * and makes an operation record and a command (commands.c); the command runs
 * on the loop thread and hands the call to the session state machine
 * (session.c), which the driver (driver.c) connects to the link and the
 * timer; what the session reports for the application becomes an event on
 * the client's dispatcher (events.c), whose callbacks run on the callback
 * pool (dispatch.c), never on the loop thread.
 */
#ifndef RTM__CLIENT_H
#define RTM__CLIENT_H

#include <openssl/ssl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "calls.h"
#include "dispatch.h"
#include "ids.h"
#include "logfile.h"
#include "loop.h"
#include "params.h"
#include "rtm/rtm.h"
#include "session.h"

typedef struct rtm__cmd rtm__cmd;
typedef struct rtm__sig_in rtm__sig_in;
typedef struct rtm__media rtm__media;
typedef struct rtm__xfer rtm__xfer;

struct rtm_channel {
    rtm_channel *next;          /* in the client's registry */
    rtm_client *client;
    char id[RTM__ID_MAX + 1];
    rtm_channel_callbacks cb;
    void *closure;
    atomic_int refs;            /* registry + events + operations */
    atomic_bool released;
    /* The command that tells the loop the channel is released, made with
     * the channel so that releasing it cannot fail; NULL once posted. */
    rtm__cmd *release;
    rtm__event close_event;     /* its on_closed, the channel's last event */
};

typedef struct rtm__waiter rtm__waiter;

struct rtm_client {
    rtm_loop *loop;
    bool default_loop;
    rtm__dispatch *dispatch;
    rtm_client_callbacks cb;
    void *closure;
    rtm_log_cb log;
    void *log_closure;
    atomic_int log_filter;
    rtm__logfile *logfile;      /* setLogFile; writes nothing until opened */
    char app_id[RTM__ID_MAX + 1];
    char *env_server;           /* $RTM_SERVER, copied; NULL: not set */
    /* The loop thread's: the server of the link now (rtm__server's list
     * entry), and which entry the next link tries (each link the next). */
    char server_now[RTM__SERVER_ENTRY_MAX];
    size_t server_next;
    atomic_bool destroying;
    char user_id[RTM__ID_MAX + 1]; /* for log lines; written on the loop
                                     * thread under lock */
    atomic_uint_fast64_t media_request_ids; /* the last RtmRequestId given */
    /* setParameters: the parameters as the API has set them, those the
     * loop has not applied yet included; each call changes them and posts
     * the result under params_lock, so calls apply whole, in order, and
     * none is lost to another. The loop's copy is params. */
    pthread_mutex_t params_lock;
    rtm__params params_set;

    /* Loop thread only (driver.c). */
    rtm__session *session;
    rtm__calls *calls;          /* its call invitations (invitations.c) */
    rtm__sig_in *sigs_in;       /* call signals received, for the machine */
    rtm__media *media;          /* its media transfers (media.c); NULL: none yet */
    struct rtm__io *media_io;   /* their I/O thread once closing, to join */
    rtm__params params;         /* its own copy */
    struct bufferevent *bev;
    struct event *timer;
    struct event *link_fail;    /* reports a connect that failed at once */
    SSL_CTX *tls_ctx;           /* rtm.tls: made at the first TLS link */
    char *tls_ctx_ca;           /* the rtm.tls_ca_file it trusts ("": none) */
    uint64_t rng;

    /* Channel registry and user_id, any thread. Closing is decided under
     * it too (destroying, with the channels taken from the registry), so
     * that a channel is released by its own call or by the client's close,
     * never by both. */
    pthread_mutex_t lock;
    rtm_channel *channels;

    /* rtm_client_close: the callback to call last, the channels it took,
     * and the places its steps take in the loop's and the dispatcher's
     * queues, kept here so that closing needs no memory. */
    rtm_close_cb close_cb;
    void *close_closure;
    rtm_channel *closing_channels;
    rtm__waiter *waiters;       /* rtm_client_close_wait, waiting for the end */
    rtm__task close_task;
    rtm__event close_event;
};

/* ------------------------------------------------------------------ */
/* Operations and their results (commands.c, events.c)                 */

/* The shape of an operation's result callback. */
typedef enum {
    RTM__CB_RESULT,             /* rtm_result_cb: a code */
    RTM__CB_MEMBERS,            /* rtm_members_cb: a channel's members */
    RTM__CB_ATTRIBUTES,         /* rtm_attributes_cb: a user's attributes */
    RTM__CB_PEER_STATUS,        /* rtm_peer_status_cb: users and states */
    RTM__CB_MEMBER_COUNTS,      /* rtm_member_counts_cb */
    RTM__CB_CHANNEL_ATTRIBUTES, /* rtm_channel_attributes_cb */
    RTM__CB_UPLOAD,             /* rtm_upload_cb */
    RTM__CB_DOWNLOAD            /* rtm_download_cb */
} rtm__cb_shape;

/* A result callback of any shape, tagged. */
typedef struct {
    rtm__cb_shape shape;
    union {
        rtm_result_cb result;
        rtm_members_cb members;
        rtm_attributes_cb attributes;
        rtm_peer_status_cb peer_status;
        rtm_member_counts_cb member_counts;
        rtm_channel_attributes_cb channel_attributes;
        rtm_upload_cb upload;
        rtm_download_cb download;
    } fn;
} rtm__callback;

#define RTM__RESULT_CB(f) ((rtm__callback){RTM__CB_RESULT, {.result = (f)}})
#define RTM__MEMBERS_CB(f) ((rtm__callback){RTM__CB_MEMBERS, {.members = (f)}})
#define RTM__ATTRIBUTES_CB(f) ((rtm__callback){RTM__CB_ATTRIBUTES, {.attributes = (f)}})
#define RTM__PEER_STATUS_CB(f) ((rtm__callback){RTM__CB_PEER_STATUS, {.peer_status = (f)}})
#define RTM__MEMBER_COUNTS_CB(f)                                                          \
    ((rtm__callback){RTM__CB_MEMBER_COUNTS, {.member_counts = (f)}})
#define RTM__CHANNEL_ATTRIBUTES_CB(f)                                                     \
    ((rtm__callback){RTM__CB_CHANNEL_ATTRIBUTES, {.channel_attributes = (f)}})
#define RTM__UPLOAD_CB(f) ((rtm__callback){RTM__CB_UPLOAD, {.upload = (f)}})
#define RTM__DOWNLOAD_CB(f) ((rtm__callback){RTM__CB_DOWNLOAD, {.download = (f)}})

/* Owned copies of channel attributes with their last-update fields. */
typedef struct {
    rtm_channel_attribute *items;
    size_t count;
} rtm__chattrs;

/* A result, with copies of what the answer carried, by the callback's
 * shape: MEMBERS the ids in strs; ATTRIBUTES the user in user and key,
 * value, key, value... in strs; PEER_STATUS the users in strs and their
 * states in states; MEMBER_COUNTS the channels in strs and their counts in
 * states; CHANNEL_ATTRIBUTES the channel in user and the list in chattrs. */
typedef struct {
    int code;
    char *user;
    char **strs;
    size_t nstrs;
    int *states;
    rtm__chattrs chattrs;
    /* UPLOAD and DOWNLOAD: the transfer's request id; an upload's message
     * (its strings owned), a download's bytes (to memory). */
    uint64_t request_id;
    rtm_media_message media;
    bool has_media;
    uint8_t *data;
    size_t len;
} rtm__result_event;

/* An operation in flight: what to call back when it completes, and the
 * room for its result, allocated with it, so that a completion never needs
 * memory it might not get: exactly once holds out of memory too. */
typedef struct rtm__op {
    rtm__op_kind kind;
    rtm_client *client;
    rtm_channel *channel;       /* holds a reference; NULL for client ops */
    rtm__callback cb;
    void *closure;
    rtm__result_event result;
    rtm__event event;           /* the result's place in the queue */
} rtm__op;

/* ------------------------------------------------------------------ */
/* Commands (commands.c)                                               */

typedef enum {
    RTM__CMD_LOGIN,
    RTM__CMD_LOGOUT,
    RTM__CMD_PEER,
    RTM__CMD_JOIN,
    RTM__CMD_LEAVE,
    RTM__CMD_CHANNEL_MESSAGE,
    RTM__CMD_GET_MEMBERS,
    RTM__CMD_RELEASE_CHANNEL,
    RTM__CMD_PARAMS,
    RTM__CMD_SET_ATTRIBUTES,
    RTM__CMD_GET_ATTRIBUTES,
    RTM__CMD_NETWORK_CHANGED,
    RTM__CMD_RENEW_TOKEN,
    RTM__CMD_QUERY_PEERS,
    RTM__CMD_SUBSCRIBE,
    RTM__CMD_UNSUBSCRIBE,
    RTM__CMD_GET_SUBSCRIBED,
    RTM__CMD_GET_MEMBER_COUNT,
    RTM__CMD_SET_CHANNEL_ATTRIBUTES,
    RTM__CMD_GET_CHANNEL_ATTRIBUTES,
    RTM__CMD_INVITATION,
    RTM__CMD_MEDIA
} rtm__cmd_kind;

/* The step of an RTM__CMD_INVITATION. */
typedef enum {
    RTM__INV_SEND,
    RTM__INV_CANCEL,
    RTM__INV_ACCEPT,
    RTM__INV_REFUSE
} rtm__inv_step;

/* A call on its way to the loop thread, with copies of its arguments. */
struct rtm__cmd {
    rtm__cmd_kind kind;
    rtm_client *client;
    rtm__op *op;
    char *a;                /* user id, peer id, channel id */
    char *b;                /* token */
    rtm__outgoing msg;      /* owned copies */
    rtm__params *params;    /* PARAMS: the parameters, owned */
    int set_op;             /* Rtm__Wire__SetAttributes__Op */
    rtm_attribute *attrs;   /* owned copies */
    size_t nattrs;
    char **keys;            /* owned copies */
    size_t nkeys;
    bool notify;            /* channel attributes: notify the members */
    rtm_channel *channel;   /* RELEASE_CHANNEL: the channel, with the
                             * registry's reference */
    rtm__inv *inv;          /* INVITATION: the invitation, held */
    rtm__inv_step step;
    rtm__xfer *xfer;        /* MEDIA: a transfer to begin (op is its result) */
    uint64_t media_cancel;  /* MEDIA without xfer: cancel this request id */
    bool media_upload;      /* ... of an upload (else a download) */
    rtm__task task;         /* its place in the loop's queue */
};

/* A new command for op (may be NULL) with copies of a and b (either may be
 * NULL), or NULL when out of memory. */
rtm__cmd *rtm__cmd_new(rtm_client *c, rtm__cmd_kind kind, rtm__op *op, const char *a,
                       const char *b);
/* Frees a command that was not posted (its op, if any, is the caller's). */
void rtm__cmd_free(rtm__cmd *cmd);
/* Posts cmd to the client's loop, which runs and frees it. Cannot fail. */
void rtm__cmd_post(rtm_client *c, rtm__cmd *cmd);

/* A new operation record, with a reference on ch when not NULL, or NULL
 * when out of memory. */
rtm__op *rtm__op_new(rtm_client *c, rtm_channel *ch, rtm__op_kind kind, rtm__callback cb,
                     void *closure);
/* Completes op at once with code (refused before anything is sent) and
 * returns the code. */
int rtm__refuse(rtm_client *c, rtm__op *op, int code);
/* Posts cmd for op, or completes op at once when it cannot be posted and
 * returns the code: the family's FAILURE when cmd is NULL (out of memory).
 * On a client that is closing, frees both and returns NOT_INITIALIZED (101)
 * with no callback: the close callback stays the last one (rtm.h). */
int rtm__submit(rtm_client *c, rtm__cmd *cmd, rtm__op *op);

/* ------------------------------------------------------------------ */
/* Events (events.c): the session's reports, on the loop thread        */

/* Posts the completion of op, with copies of what answer carries. Never
 * fails: out of memory, op gets its family's FAILURE code. */
void rtm__complete(rtm_client *c, rtm__op *op, int code, const rtm__frame *answer);

void rtm__ev_state_changed(void *ud, int state, int reason);
void rtm__ev_op_done(void *ud, uint64_t op, rtm__op_kind kind, int code,
                     const rtm__frame *answer);
void rtm__ev_peer_message(void *ud, const Rtm__Wire__PeerDeliver *m);
void rtm__ev_channel_message(void *ud, const Rtm__Wire__ChannelDeliver *m);
void rtm__ev_member_event(void *ud, const Rtm__Wire__MemberEvent *m);
void rtm__ev_member_count(void *ud, const Rtm__Wire__MemberCountEvent *m);
void rtm__ev_replay_done(void *ud, const Rtm__Wire__ReplayDone *r);
void rtm__ev_token_expired(void *ud);
void rtm__ev_token_will_expire(void *ud, uint32_t seconds_left);
void rtm__ev_peer_states(void *ud, const Rtm__Wire__PeerStateEvent *e);
void rtm__ev_channel_attributes(void *ud, const Rtm__Wire__ChannelAttributesEvent *e);
/* The channel's on_closed, after its results; drops the reference the
 * registry held. */
void rtm__ev_channel_closed(rtm_channel *ch);

/* A call signal for c's invitations (session ops). */
void rtm__ev_call_signal(void *ud, const char *from, const Rtm__Wire__CallSignal *sig,
                         uint64_t age_ms);

/* ------------------------------------------------------------------ */
/* Call invitations (invitations.c)                                    */

extern const rtm__calls_ops rtm__calls_driver_ops;
/* Runs an RTM__CMD_INVITATION on the loop thread. */
void rtm__invitation_run(rtm__cmd *cmd, rtm__time now);
/* Hands the call signals the session received to the machine; after each
 * rtm__session_receive. */
void rtm__calls_take_received(rtm_client *c);
/* Gives back a reference to an invitation of either side. */
void rtm__inv_unref(rtm__inv *inv);

/* ------------------------------------------------------------------ */
/* File and image messages (media.c)                                   */

/* An owned copy of a received media message (strings and thumbnail), and
 * its free. False when out of memory (what was copied is out's). */
bool rtm__media_message_from_wire(rtm_media_message *out, const Rtm__Wire__Message *m);
void rtm__media_message_free(rtm_media_message *m);
/* The wire form of an application's media message, owned; NULL when out
 * of memory. */
Rtm__Wire__MediaInfo *rtm__media_info_new(const rtm_media_message *m);
void rtm__media_info_free(Rtm__Wire__MediaInfo *i);
/* Runs an RTM__CMD_MEDIA on the loop thread. */
void rtm__media_run(rtm__cmd *cmd, rtm__time now);
/* Frees a transfer that never began (its command was not run). */
void rtm__xfer_free(rtm__xfer *x);
/* The session's reports for the transfers: a begin answered (op is the
 * transfer's serial), a frame of one, the link lost. */
void rtm__media_begun(rtm_client *c, uint64_t serial, int code, const rtm__frame *answer);
void rtm__ev_media_frame(void *ud, const rtm__frame *f);
void rtm__ev_link_lost(void *ud);
/* Ends every transfer with INTERRUPTED (the state left CONNECTED) or, at
 * the client's close, NOT_INITIALIZED. */
void rtm__media_end_all(rtm_client *c, bool closing);
/* The next deadline of the transfers, and its handler. */
rtm__time rtm__media_expiry(const rtm_client *c);
void rtm__media_handle_expiry(rtm_client *c, rtm__time now);
/* Ends the transfers and asks their I/O thread to stop (loop thread);
 * rtm__media_join waits for it (off the loop thread, before the loop may be
 * released). */
void rtm__media_free(rtm_client *c);
void rtm__media_join(rtm_client *c);
/* Posts the result of a media op whose result fields are filled in. */
void rtm__complete_media(rtm_client *c, rtm__op *op, int code);

/* ------------------------------------------------------------------ */
/* The driver (driver.c), loop thread only                             */

/* The client's timer and its failed-connect event, on the loop of c. False
 * when out of memory. */
bool rtm__driver_start(rtm_client *c);
/* Ends the link and frees what the driver holds; on the loop thread. */
void rtm__driver_stop(rtm_client *c);
/* Arms the timer for the session's next deadline. */
void rtm__rearm(rtm_client *c);
extern const rtm__session_ops rtm__driver_ops;
/* Uniform random 32 bits from c's generator (jitter, call ids). */
uint32_t rtm__client_random(rtm_client *c);

/* ------------------------------------------------------------------ */
/* Shared helpers (client.c)                                           */

rtm__time rtm__now(void);
void rtm__log(rtm_client *c, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
char *rtm__strdup_or_empty(const char *s);
/* The server to connect to: rtm.server, else $RTM_SERVER or the default. */
const char *rtm__server(const rtm_client *c);
void rtm__channel_ref(rtm_channel *ch);
void rtm__channel_unref(rtm_channel *ch);
/* The channel handle of c for a name, with a reference, or NULL. */
rtm_channel *rtm__channel_lookup(rtm_client *c, const char *id);
/* Copies an application's extensible struct (rtm.h, Versions) of src_size
 * bytes into dst, of dst_size bytes as this library knows it. False when
 * src_size cannot be a size of it (rtm.h says when), or src sets members
 * this library does not know of. */
bool rtm__struct_copy(void *dst, size_t dst_size, const void *src, size_t src_size);

#endif
