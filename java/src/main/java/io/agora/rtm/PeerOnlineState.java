package io.agora.rtm;

/** Online states of a peer. */
public class PeerOnlineState {
    public static final int ONLINE = 0;
    public static final int UNREACHABLE = 1;
    public static final int OFFLINE = 2;
}
