package io.agora.rtm;

/** An invitation this client sends (caller side); see {@link RtmCallManager}. */
public interface LocalInvitation {
    String getCalleeId();

    /** Its content, UTF-8 text of at most 8 KB, before it is sent. */
    void setContent(String content);

    String getContent();

    /** A channel id it carries (never joined), before it is sent. */
    void setChannelId(String channelId);

    String getChannelId();

    /** The callee's response once it accepted or refused; "" before. */
    String getResponse();

    /** A {@link RtmStatusCode.LocalInvitationState}. */
    int getState();
}
