package io.agora.rtm;

/**
 * Options of a peer or channel message. The client core does not keep
 * messages for offline receivers yet: a message to an offline peer fails with
 * {@code PEER_MESSAGE_ERR_PEER_UNREACHABLE} whatever these flags say, and is
 * never reported as {@code CACHED_BY_SERVER} (docs/JAVA.md).
 */
public class SendMessageOptions {
    public boolean enableOfflineMessaging = false;
    public boolean enableHistoricalMessaging = false;

    public SendMessageOptions() {
    }
}
