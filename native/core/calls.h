/*
 * calls.h: a client's call invitations (SPEC C1-C7), sans I/O.
 *
 * Two machines share one object: the caller's side of each invitation this
 * client sent (local) and the callee's side of each it received (remote).
 * Like the session (session.h), it does no I/O and reads no clock: every
 * entry point takes `now`, it acts through rtm__calls_ops, and it says when
 * it next wants to run (rtm__calls_expiry). The two sides talk in
 * CallSignal frames (rtm.proto), which the client sends and receives as
 * peer messages, so they are kept, re-sent and de-duplicated like them (S9,
 * B1). docs/PROTOCOL.md, "Call invitations", has the exchange; the
 * transitions are in docs/ARCHITECTURE.md.
 *
 * Callbacks are made synchronously from inside the entry points; they must
 * not call back into the object, but for one: ops->send may report its
 * token's answer (rtm__calls_sent) before it returns.
 */
#ifndef RTM__CALLS_H
#define RTM__CALLS_H

#include <stdbool.h>
#include <stdint.h>

#include "frame.h"
#include "ids.h"
#include "params.h"
#include "session.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { RTM__INV_LOCAL, RTM__INV_REMOTE } rtm__inv_side;

/*
 * An invitation. The client layer embeds it in the public handle
 * (rtm_local_invitation, rtm_remote_invitation) and keeps the handle alive
 * from ops->hold to ops->drop: the machine links it while it is open and
 * for a while after it ended, to answer late signals about it. Only the
 * machine writes it, on the loop thread; `state` is the machine's (it may be
 * ahead of the callbacks: the handles keep the state applications read,
 * invitations.c).
 */
typedef struct rtm__inv {
    struct rtm__inv *next;
    rtm__inv_side side;
    int state;                  /* Local/RemoteInvitationState; atomic */
    uint64_t call_id;           /* 0 until a local one is sent */
    char peer[RTM__ID_MAX + 1]; /* the callee (local) or the caller (remote) */
    bool peer_offline;          /* local: the server last said the callee is away */
    int end;                    /* ended: the CallSignal.End a late signal gets */
    rtm__time started;          /* local: sent; remote: received */
    rtm__time deadline;         /* of its current state; NEVER: none */
    rtm__time forget_at;        /* ended: when it is unlinked */
    uint64_t last_token;        /* the latest signal sent about it */
} rtm__inv;

/* The machine's state, as last set. */
int rtm__inv_state(const rtm__inv *inv);

/* What the application is told, in rtm_client_callbacks' order. */
typedef enum {
    RTM__CALL_LOCAL_RECEIVED_BY_PEER,
    RTM__CALL_LOCAL_ACCEPTED,  /* response */
    RTM__CALL_LOCAL_REFUSED,   /* response */
    RTM__CALL_LOCAL_CANCELED,
    RTM__CALL_LOCAL_FAILURE,   /* code: LocalInvitationError */
    RTM__CALL_REMOTE_RECEIVED,
    RTM__CALL_REMOTE_ACCEPTED,
    RTM__CALL_REMOTE_REFUSED,
    RTM__CALL_REMOTE_CANCELED,
    RTM__CALL_REMOTE_FAILURE,  /* code: RemoteInvitationError */
    /* No callback: a state an application call made (sent, accept sent),
     * reported before the call's result so that the state the application
     * reads (rtm_*_invitation_get_state) is always that of the last event
     * or result it was given. */
    RTM__CALL_LOCAL_SENT,
    RTM__CALL_REMOTE_ACCEPT_SENT
} rtm__call_event;

typedef struct {
    /* Send a signal to peer as a peer message kept for it while it is away.
     * token comes back once in rtm__calls_sent, with the send's
     * PeerMessageError code. sig is borrowed for the call. */
    void (*send)(void *ud, rtm__time now, uint64_t token, const char *peer,
                 const Rtm__Wire__CallSignal *sig);
    /* The result of an application call (rtm__calls_send, ...): `op` and
     * its InvitationApiCallError code, before any event the call causes
     * but the state-only ones (RTM__CALL_LOCAL_SENT, _REMOTE_ACCEPT_SENT). */
    void (*result)(void *ud, uint64_t op, int code);
    /* An event; inv's state is already the new one. code for the failures,
     * response (borrowed, never NULL) for LOCAL_ACCEPTED and LOCAL_REFUSED. */
    void (*event)(void *ud, rtm__inv *inv, rtm__call_event ev, int code,
                  const char *response);
    /* A new remote invitation's handle, held once for the machine (the
     * hold that ops->drop gives back); NULL
     * when out of memory (the invitation is then not acknowledged, and the
     * caller's deadline ends it). Strings are borrowed. */
    rtm__inv *(*new_remote)(void *ud, const char *caller, const char *content,
                            const char *channel_id);
    void (*hold)(void *ud, rtm__inv *inv);
    void (*drop)(void *ud, rtm__inv *inv);
    void (*log)(void *ud, int level, const char *line);
    /* Uniform random 64 bits, for call ids. */
    uint64_t (*random)(void *ud);
} rtm__calls_ops;

typedef struct rtm__calls rtm__calls;

/* The most remote invitations a client holds at once, open or remembered
 * after their end (SPEC B5): one more is dropped, unanswered (its caller
 * ends it with PEER_NO_RESPONSE), so that a flood of invitations cannot
 * grow a client without bound. */
#define RTM__CALLS_REMOTE_MAX 1024

rtm__calls *rtm__calls_new(const rtm__calls_ops *ops, void *ud,
                           const rtm__params *params);
/* Drops every invitation (ops->drop), with no event. */
void rtm__calls_free(rtm__calls *c);
/* Parameters for every deadline set from now on. */
void rtm__calls_set_params(rtm__calls *c, const rtm__params *params);

/*
 * Application calls. Arguments are checked by the API layer (ids, sizes,
 * the invitation's side and client); each reports its code through
 * ops->result first. sendLocalInvitation by a user not logged in is
 * accepted and ends the invitation at once with FAILURE / NOT_LOGGEDIN
 * (C1).
 */
void rtm__calls_send(rtm__calls *c, rtm__time now, uint64_t op, rtm__inv *inv,
                     const char *content, const char *channel_id, bool logged_in);
void rtm__calls_cancel(rtm__calls *c, rtm__time now, uint64_t op, rtm__inv *inv);
void rtm__calls_accept(rtm__calls *c, rtm__time now, uint64_t op, rtm__inv *inv,
                       const char *response);
void rtm__calls_refuse(rtm__calls *c, rtm__time now, uint64_t op, rtm__inv *inv,
                       const char *response);

/* A signal from user `from`, which the server took age_ms ago. */
void rtm__calls_receive(rtm__calls *c, rtm__time now, const char *from,
                        const Rtm__Wire__CallSignal *sig, uint64_t age_ms);
/* The answer to the send of `token` (PeerMessageError). */
void rtm__calls_sent(rtm__calls *c, rtm__time now, uint64_t token, int code);

/* The user logged out, was kicked or banned, or the client is going away
 * (C7): every open invitation ends with its failure (local NOT_LOGGEDIN,
 * remote PEER_OFFLINE) and all are forgotten. tell_peers: the other side of
 * each is sent END_GONE first (a logout, whose link still carries it). */
void rtm__calls_end_all(rtm__calls *c, rtm__time now, bool tell_peers);

/* The next time handle_expiry wants to run, RTM__TIME_NEVER for none. */
rtm__time rtm__calls_expiry(const rtm__calls *c);
void rtm__calls_handle_expiry(rtm__calls *c, rtm__time now);

#ifdef __cplusplus
}
#endif

#endif
