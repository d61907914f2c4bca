package io.agora.rtm;

/**
 * A LocalInvitation. Until it is sent it lives here only; sending makes its
 * native rtm_local_invitation (jni/invitations_jni.c), which it holds while
 * the invitation is open and gives back at its final event. The state is the
 * native one while it is held, and kept here before and after.
 */
final class LocalInvitationImpl implements LocalInvitation {
    final RtmCallManagerImpl owner;
    private final String calleeId;
    private volatile String content = "";
    private volatile String channelId = "";
    private volatile String response = "";
    private long handle; // guarded by this; 0: none
    private int state = RtmStatusCode.LocalInvitationState.LOCAL_INVITATION_STATE_IDLE; // without a handle

    LocalInvitationImpl(RtmCallManagerImpl owner, String calleeId) {
        this.owner = owner;
        this.calleeId = calleeId;
    }

    @Override
    public String getCalleeId() {
        return calleeId;
    }

    @Override
    public void setContent(String content) {
        this.content = content != null ? content : "";
    }

    @Override
    public String getContent() {
        return content;
    }

    @Override
    public void setChannelId(String channelId) {
        this.channelId = channelId != null ? channelId : "";
    }

    @Override
    public String getChannelId() {
        return channelId;
    }

    /** "" until the callee accepted or refused. */
    @Override
    public String getResponse() {
        return response;
    }

    void answered(String response) {
        this.response = response;
    }

    @Override
    public synchronized int getState() {
        return handle != 0 ? RtmNative.invitationState(handle, true) : state;
    }

    /** The native handle (0: none); the caller holds this object's lock while it uses it. */
    long handle() {
        return handle;
    }

    void setHandle(long h) {
        handle = h;
    }

    /** Whether it was sent and has ended (its handle given back). */
    boolean ended() {
        return handle == 0 && state != RtmStatusCode.LocalInvitationState.LOCAL_INVITATION_STATE_IDLE;
    }

    /** Gives the handle back, keeping finalState (IDLE: as if never sent). */
    void drop(int finalState) {
        if (handle != 0) {
            RtmNative.invitationRelease(handle, true);
            handle = 0;
        }
        state = finalState;
    }

    @Override
    public String toString() {
        return "LocalInvitation{calleeId=" + calleeId + ", channelId=" + channelId + ", state="
                + getState() + "}";
    }
}
