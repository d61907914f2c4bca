package io.agora.rtm;

/**
 * Options of a peer or channel message. With {@code enableOfflineMessaging}, a
 * peer message to a user who is offline is kept by the server and delivered at
 * its next login ({@link RtmMessage#isOfflineMessage()}); the sender gets
 * {@code PEER_MESSAGE_ERR_CACHED_BY_SERVER}. Without it, such a message fails
 * with {@code PEER_MESSAGE_ERR_PEER_UNREACHABLE}. {@code enableHistoricalMessaging}
 * is accepted and has no effect (the server keeps no history for queries).
 */
public class SendMessageOptions {
    public boolean enableOfflineMessaging = false;
    public boolean enableHistoricalMessaging = false;

    public SendMessageOptions() {
    }

    @Override
    public String toString() {
        return "SendMessageOptions{enableOfflineMessaging=" + enableOfflineMessaging
                + ", enableHistoricalMessaging=" + enableHistoricalMessaging + "}";
    }
}
