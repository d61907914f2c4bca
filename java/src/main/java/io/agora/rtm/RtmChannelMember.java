package io.agora.rtm;

/** A member of a channel. */
public abstract class RtmChannelMember {
    public abstract String getUserId();

    public abstract String getChannelId();
}
