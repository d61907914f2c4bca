package io.agora.rtm;

/**
 * A client's invitation events (docs/RULES.md, C1-C7), on its callback
 * thread, in order. The invitation passed is the object the application
 * created (local) or was first given (remote).
 */
public interface RtmCallEventListener {
    /** The callee has the invitation (C2): RECEIVED_BY_REMOTE. */
    void onLocalInvitationReceivedByPeer(LocalInvitation localInvitation);

    /** The callee accepted (C5): ACCEPTED_BY_REMOTE. */
    void onLocalInvitationAccepted(LocalInvitation localInvitation, String response);

    /** The callee refused (C5): REFUSED_BY_REMOTE. */
    void onLocalInvitationRefused(LocalInvitation localInvitation, String response);

    /** This client's cancel took effect (C6): CANCELED. */
    void onLocalInvitationCanceled(LocalInvitation localInvitation);

    /** It failed (C1, C3, C4, C7): a {@link RtmStatusCode.LocalInvitationError}. */
    void onLocalInvitationFailure(LocalInvitation localInvitation, int errorCode);

    /** An invitation for this user (C2): INVITATION_RECEIVED. */
    void onRemoteInvitationReceived(RemoteInvitation remoteInvitation);

    /** The caller acknowledged this client's accept (C5): ACCEPTED. */
    void onRemoteInvitationAccepted(RemoteInvitation remoteInvitation);

    /** This client's refuse took effect (C5): REFUSED. */
    void onRemoteInvitationRefused(RemoteInvitation remoteInvitation);

    /** The caller canceled it (C6): CANCELED. */
    void onRemoteInvitationCanceled(RemoteInvitation remoteInvitation);

    /** It failed (C4, C5, C7): a {@link RtmStatusCode.RemoteInvitationError}. */
    void onRemoteInvitationFailure(RemoteInvitation remoteInvitation, int errorCode);
}
