package io.agora.rtm;

import java.util.Map;

/**
 * The events of an {@link RtmClient}. Every method runs on a callback thread
 * (a pool that all clients share), one at a time for this client, in the
 * order the events happened; a method that blocks delays only this client's
 * events. SDK methods may be called
 * from inside any of them. An exception thrown here is logged (to stderr) and
 * does not stop later events.
 */
public interface RtmClientListener {
    /** Every change of connection state, once, in order (RtmStatusCode.ConnectionState, .ConnectionChangeReason). */
    void onConnectionStateChanged(int state, int reason);

    /** A peer-to-peer message from {@code peerId}. */
    void onMessageReceived(RtmMessage message, String peerId);

    /**
     * The token expired (SPEC S15): an automatic reconnection was refused
     * because the token it logs in with has expired. The connection state
     * does not change (it stays RECONNECTING); the client makes no further
     * attempt until {@link RtmClient#renewToken} gives it a new token, then
     * tries at once. Once per expired token.
     */
    default void onTokenExpired() {
    }

    /** 1.5: the server says the session's token expires soon (in 30 s by default, rtmd --token-warn-s). */
    default void onTokenPrivilegeWillExpire() {
    }

    /**
     * Online states ({@link PeerOnlineState}) of subscribed peers (SPEC A8): those that changed;
     * right after a subscription, those it added; after an automatic reconnection, all of them.
     */
    default void onPeersOnlineStatusChanged(Map<String, Integer> peersStatus) {
    }

    /**
     * Ours, not in the vendor's API (a default method, so vendor apps compile
     * unchanged): what a reconnection re-delivered and what it left out
     * (SPEC S9, S10). Called once after a reconnection to a session the
     * server kept; after one whose session had ended (S13), once for the
     * login (the peer messages kept for the user) and once for each channel
     * rejoined; and after a login when messages kept for the user were
     * dropped. The re-delivered messages arrived just before, through
     * {@link #onMessageReceived} and the channel listeners.
     *
     * @param peerMessages peer messages re-delivered (S9)
     * @param channelMessages channel messages re-delivered (S10)
     * @param channelSkipped channel messages missed but not re-delivered: older
     *     than the server's replay window (30 s), beyond its count (32), or no
     *     longer kept
     * @param peerDropped peer messages the server had accepted for this user
     *     but dropped: a bound of its queues, or kept longer than it keeps them
     */
    default void onMessagesReplayed(int peerMessages, int channelMessages, int channelSkipped, int peerDropped) {
    }

    /** An image message from {@code peerId} (SPEC M3; the vendor's 1.3 to 1.5.0). */
    default void onImageMessageReceivedFromPeer(RtmImageMessage message, String peerId) {
    }

    /** A file message from {@code peerId}. */
    default void onFileMessageReceivedFromPeer(RtmFileMessage message, String peerId) {
    }

    /**
     * How far the upload {@code requestId} has come: at most every 100 ms,
     * never going back, the last one (currentSize == totalSize) before its
     * result.
     */
    default void onMediaUploadingProgress(RtmMediaOperationProgress progress, long requestId) {
    }

    /** The same for a download. */
    default void onMediaDownloadingProgress(RtmMediaOperationProgress progress, long requestId) {
    }
}
