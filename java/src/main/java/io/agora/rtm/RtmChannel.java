package io.agora.rtm;

import java.util.List;

/** A channel of a client, created by {@link RtmClient#createChannel}. */
public abstract class RtmChannel {
    public abstract void join(ResultCallback<Void> resultCallback);

    public abstract void leave(ResultCallback<Void> resultCallback);

    public abstract void sendMessage(RtmMessage message, ResultCallback<Void> resultCallback);

    public abstract void sendMessage(RtmMessage message, SendMessageOptions options,
            ResultCallback<Void> resultCallback);

    public abstract void getMembers(ResultCallback<List<RtmChannelMember>> resultCallback);

    public abstract String getId();

    /**
     * Leaves the channel if joined, completes its pending operations with
     * NOT_INITIALIZED (101) and frees the handle; the id can be created again.
     */
    public abstract void release();
}
