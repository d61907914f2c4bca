package io.agora.rtm;

/**
 * A RemoteInvitation over the native rtm_remote_invitation, which the native
 * shim retained for this object and which it gives back at its final event;
 * the state is the native one while it is held, and kept here after.
 */
final class RemoteInvitationImpl implements RemoteInvitation {
    final RtmCallManagerImpl owner;
    private final String callerId;
    private final String content;
    private final String channelId;
    private volatile String response = "";
    private long handle; // guarded by this; 0 once given back
    private int state;   // once given back

    RemoteInvitationImpl(RtmCallManagerImpl owner, long handle, String callerId, String content,
            String channelId) {
        this.owner = owner;
        this.handle = handle;
        this.callerId = callerId;
        this.content = content;
        this.channelId = channelId;
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
    public synchronized int getState() {
        return handle != 0 ? RtmNative.invitationState(handle, false) : state;
    }

    /** The native handle (0: given back); the caller holds this object's lock while it uses it. */
    long handle() {
        return handle;
    }

    void drop(int finalState) {
        if (handle != 0) {
            RtmNative.invitationRelease(handle, false);
            handle = 0;
        }
        state = finalState;
    }

    @Override
    public String toString() {
        return "RemoteInvitation{callerId=" + callerId + ", channelId=" + channelId + ", state="
                + getState() + "}";
    }
}
