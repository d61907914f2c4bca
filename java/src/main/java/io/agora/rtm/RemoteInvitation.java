package io.agora.rtm;

/** An invitation this client received (callee side); see {@link RtmCallManager}. */
public interface RemoteInvitation {
    String getCallerId();

    String getContent();

    String getChannelId();

    /** The response that accepting or refusing sends, at most 8 KB. */
    void setResponse(String response);

    String getResponse();

    /** A {@link RtmStatusCode.RemoteInvitationState}. */
    int getState();
}
