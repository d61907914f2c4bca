package io.agora.rtm;

/** What a subscription to peers is about. */
public class PeerSubscriptionOption {
    public static final int ONLINE = 0;
}
