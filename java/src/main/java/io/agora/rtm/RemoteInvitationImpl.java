package io.agora.rtm;

/**
 * A RemoteInvitation over the native rtm_remote_invitation, which the native
 * shim retained for this object: held through a Guard and given back at its
 * final event once no call uses it; the state is the native one while it is
 * held, and kept here after.
 */
final class RemoteInvitationImpl implements RemoteInvitation {
    final RtmCallManagerImpl owner;
    private final String callerId;
    private final String content;
    private final String channelId;
    private volatile String response = "";
    final Guard guard = new Guard();
    volatile int endState; // once the handle is given back

    RemoteInvitationImpl(RtmCallManagerImpl owner, long handle, String callerId, String content,
            String channelId) {
        this.owner = owner;
        this.callerId = callerId;
        this.content = content;
        this.channelId = channelId;
        guard.set(handle, h -> RtmNative.invitationRelease(h, false));
    }

    @Override
    public String getCallerId() {
        return callerId;
    }

    @Override
    public String getContent() {
        return content;
    }

    @Override
    public String getChannelId() {
        return channelId;
    }

    @Override
    public void setResponse(String response) {
        this.response = response != null ? response : "";
    }

    @Override
    public String getResponse() {
        return response;
    }

    @Override
    public int getState() {
        long h = guard.enter();
        if (h == 0) {
            return endState;
        }
        try {
            return RtmNative.invitationState(h, false);
        } finally {
            guard.exit();
        }
    }

    /** Its final event came: the handle goes back once no call uses it. */
    void ended(int finalState) {
        endState = finalState;
        guard.close();
    }

    @Override
    public String toString() {
        return "RemoteInvitation{callerId=" + callerId + ", channelId=" + channelId + ", state="
                + getState() + "}";
    }
}
