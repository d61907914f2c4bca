package io.agora.rtm;

/**
 * Call invitations (docs/RULES.md, C1-C7): the caller creates a
 * {@link LocalInvitation}, sends it, and may cancel it before an answer; the
 * callee's client receives a {@link RemoteInvitation}, which it accepts or
 * refuses. Each side learns the other's steps through its
 * {@link RtmCallEventListener}. Get it with {@link RtmClient#getRtmCallManager()}.
 *
 * <p>The result callbacks report whether a call took effect on the
 * invitation: success, or an {@link RtmStatusCode.InvitationApiCallError}
 * (INVALID_ARGUMENT, NOT_STARTED, ALREADY_END, ALREADY_ACCEPT, ALREADY_SENT).
 */
public abstract class RtmCallManager {
    /** The listener of this client's invitations; null: none. */
    public abstract void setEventListener(RtmCallEventListener listener);

    /** A new invitation to calleeId, in LOCAL_INVITATION_STATE_IDLE. */
    public abstract LocalInvitation createLocalInvitation(String calleeId);

    /** Sends it: SENT_TO_REMOTE (C1). */
    public abstract void sendLocalInvitation(LocalInvitation invitation, ResultCallback<Void> callback);

    /** Accepts it, with its response (C5). */
    public abstract void acceptRemoteInvitation(RemoteInvitation invitation, ResultCallback<Void> callback);

    /** Refuses it, with its response (C5). */
    public abstract void refuseRemoteInvitation(RemoteInvitation invitation, ResultCallback<Void> callback);

    /** Cancels it before an answer (C6). */
    public abstract void cancelLocalInvitation(LocalInvitation invitation, ResultCallback<Void> callback);
}
