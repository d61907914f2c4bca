package io.agora.rtm;

import java.util.List;

/**
 * The events of an {@link RtmChannel}, as callbacks of its client, in order
 * with its other callbacks (see {@link RtmClientListener}). No event starts after
 * {@link RtmChannel#release()} or {@link RtmClient#release()} returned.
 * The two events that not every 1.x version has (the vendor's 1.0 had
 * neither) are default methods, so that listeners written for any 1.x version
 * compile.
 */
public interface RtmChannelListener {
    /** The channel's member count: after the join, then when it changes, at most once a second. */
    default void onMemberCountUpdated(int memberCount) {
    }

    /**
     * The channel's attributes changed by a request made with
     * {@link ChannelAttributeOptions#getEnableNotificationToChannelMembers()}
     * (by any user, this one included): all of them, sorted by key, each with
     * the user who last set it and when.
     */
    default void onAttributesUpdated(List<RtmChannelAttribute> attributeList) {
    }

    /** An image message sent to the channel by another member (SPEC M3). */
    default void onImageMessageReceived(RtmImageMessage message, RtmChannelMember fromMember) {
    }

    /** A file message sent to the channel by another member. */
    default void onFileMessageReceived(RtmFileMessage message, RtmChannelMember fromMember) {
    }

    /** A channel message from another member. */
    void onMessageReceived(RtmMessage message, RtmChannelMember fromMember);

    /** A user joined the channel. */
    void onMemberJoined(RtmChannelMember member);

    /** A user left the channel. */
    void onMemberLeft(RtmChannelMember member);
}
