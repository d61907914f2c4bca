package io.agora.rtm;

/**
 * A LocalInvitation. Until it is sent it lives here only; sending makes its
 * native rtm_local_invitation (jni/invitations_jni.c), held through a Guard
 * while the invitation is open and given back at its final event once no
 * call is using it, so that a call never reaches a freed handle and no lock
 * is held across one. The state is the native one while it is held, and
 * kept here before and after.
 */
final class LocalInvitationImpl implements LocalInvitation {
    final RtmCallManagerImpl owner;
    private final String calleeId;
    private volatile String content = "";
    private volatile String channelId = "";
    private volatile String response = "";
    /** The native handle's; replaced by a fresh one when a first send is refused. */
    volatile Guard guard = new Guard();
    /** Serialises a first send's making of the handle with its submission (never held across a wait). */
    final Object sendLock = new Object();
    /** The state without a handle: IDLE before it is sent, the final one after. */
    volatile int endState = RtmStatusCode.LocalInvitationState.LOCAL_INVITATION_STATE_IDLE;

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
    public int getState() {
        Guard g = guard;
        long h = g.enter();
        if (h == 0) {
            return endState;
        }
        try {
            return RtmNative.invitationState(h, true);
        } finally {
            g.exit();
        }
    }

    /** Whether it was sent and has ended (its handle given back). */
    boolean ended() {
        return endState != RtmStatusCode.LocalInvitationState.LOCAL_INVITATION_STATE_IDLE;
    }

    /** The final event of handle h came: it goes back once no call uses it. */
    void ended(long h, int finalState) {
        Guard g = guard;
        if (g.holds(h)) {
            endState = finalState;
            g.close();
        }
    }

    @Override
    public String toString() {
        return "LocalInvitation{calleeId=" + calleeId + ", channelId=" + channelId + ", state="
                + getState() + "}";
    }
}
