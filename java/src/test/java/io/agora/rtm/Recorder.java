package io.agora.rtm;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Records every event of a client and of its channels as text, in order:
 * "state CONNECTING/LOGIN", "peer alice: hi", "raw alice: 0102/two bytes",
 * "channel room bob: hello", "joined room bob", "left room bob",
 * "replay peer=1 channel=2 skipped=0 dropped=0".
 */
class Recorder implements RtmClientListener, RtmChannelListener {
    private final List<String> events = new ArrayList<>();
    final List<Thread> threads = new ArrayList<>();

    static String stateName(int state) {
        switch (state) {
            case 1: return "DISCONNECTED";
            case 2: return "CONNECTING";
            case 3: return "CONNECTED";
            case 4: return "RECONNECTING";
            case 5: return "ABORTED";
            default: return "STATE" + state;
        }
    }

    static String reasonName(int reason) {
        String[] names = {"?", "LOGIN", "LOGIN_SUCCESS", "LOGIN_FAILURE", "LOGIN_TIMEOUT", "INTERRUPTED", "LOGOUT",
            "BANNED_BY_SERVER", "REMOTE_LOGIN", "TOKEN_EXPIRED"};
        return reason > 0 && reason < names.length ? names[reason] : "REASON" + reason;
    }

    static String state(int state, int reason) {
        return "state " + stateName(state) + "/" + reasonName(reason);
    }

    static final String CONNECTING = state(2, 1);
    static final String CONNECTED = state(3, 2);
    static final String REFUSED = state(1, 3);
    static final String TIMED_OUT = state(1, 4);
    static final String INTERRUPTED = state(4, 5);
    static final String LOGGED_OUT = state(1, 6);
    static final String KICKED = state(5, 8);

    synchronized void record(String e) {
        events.add(e);
        threads.add(Thread.currentThread());
        notifyAll();
    }

    @Override
    public void onConnectionStateChanged(int state, int reason) {
        record(state(state, reason));
    }

    static String hex(byte[] b) {
        StringBuilder s = new StringBuilder();
        for (byte x : b) {
            s.append(String.format("%02x", x));
        }
        return s.toString();
    }

    static String body(RtmMessage m) {
        return m.getMessageType() == RtmMessageType.RAW ? hex(m.getRawMessage()) + "/" + m.getText() : m.getText();
    }

    @Override
    public void onMessageReceived(RtmMessage message, String peerId) {
        record((message.getMessageType() == RtmMessageType.RAW ? "raw " : "peer ") + peerId + ": " + body(message)
                + (message.isOfflineMessage() ? " (offline)" : ""));
    }

    /** Ours: "replay peer=P channel=C skipped=S dropped=D". */
    @Override
    public void onMessagesReplayed(int peerMessages, int channelMessages, int channelSkipped, int peerDropped) {
        record("replay peer=" + peerMessages + " channel=" + channelMessages + " skipped=" + channelSkipped
                + " dropped=" + peerDropped);
    }

    /** The events that start with prefix, in order. */
    synchronized List<String> withPrefix(String prefix) {
        List<String> l = new ArrayList<>();
        for (String e : events) {
            if (e.startsWith(prefix)) {
                l.add(e);
            }
        }
        return l;
    }

    synchronized long count(String event) {
        return events.stream().filter(event::equals).count();
    }

    /** "presence USER=STATE", one per user, sorted by user. */
    @Override
    public void onPeersOnlineStatusChanged(java.util.Map<String, Integer> peersStatus) {
        for (java.util.Map.Entry<String, Integer> e : new java.util.TreeMap<>(peersStatus).entrySet()) {
            record("presence " + e.getKey() + "=" + e.getValue());
        }
    }

    @Override
    public void onMemberCountUpdated(int memberCount) {
        record("count " + memberCount);
    }

    @Override
    public void onAttributesUpdated(List<RtmChannelAttribute> attributeList) {
        record("attributes " + ChannelAttributesTest.text(attributeList));
    }

    @Override
    public void onMessageReceived(RtmMessage message, RtmChannelMember fromMember) {
        record("channel " + fromMember.getChannelId() + " " + fromMember.getUserId() + ": " + body(message));
    }

    @Override
    public void onMemberJoined(RtmChannelMember member) {
        record("joined " + member.getChannelId() + " " + member.getUserId());
    }

    @Override
    public void onMemberLeft(RtmChannelMember member) {
        record("left " + member.getChannelId() + " " + member.getUserId());
    }

    /** The media messages received, in order, as the application got them. */
    final List<RtmMessage> media = new ArrayList<>();
    /** The progress reports: "up|down requestId current/total". */
    final List<String> progress = new ArrayList<>();

    static String describe(RtmMessage m) {
        if (m instanceof RtmImageMessage) {
            RtmImageMessage i = (RtmImageMessage) m;
            return "image " + i.getMediaId() + " " + i.getFileName() + " " + i.getSize() + " " + i.getWidth() + "x"
                    + i.getHeight() + " thumb " + i.getThumbnail().length + " " + i.getThumbnailWidth() + "x"
                    + i.getThumbnailHeight() + " '" + i.getText() + "'";
        }
        RtmFileMessage f = (RtmFileMessage) m;
        return "file " + f.getMediaId() + " " + f.getFileName() + " " + f.getSize() + " thumb "
                + f.getThumbnail().length + " '" + f.getText() + "'";
    }

    private void media(String where, RtmMessage m) {
        synchronized (this) {
            media.add(m);
        }
        record(where + ": " + describe(m));
    }

    @Override
    public void onImageMessageReceivedFromPeer(RtmImageMessage message, String peerId) {
        media("peer " + peerId, message);
    }

    @Override
    public void onFileMessageReceivedFromPeer(RtmFileMessage message, String peerId) {
        media("peer " + peerId, message);
    }

    @Override
    public void onImageMessageReceived(RtmImageMessage message, RtmChannelMember fromMember) {
        media("channel " + fromMember.getChannelId() + " " + fromMember.getUserId(), message);
    }

    @Override
    public void onFileMessageReceived(RtmFileMessage message, RtmChannelMember fromMember) {
        media("channel " + fromMember.getChannelId() + " " + fromMember.getUserId(), message);
    }

    @Override
    public synchronized void onMediaUploadingProgress(RtmMediaOperationProgress p, long requestId) {
        progress.add("up " + requestId + " " + p.currentSize + "/" + p.totalSize);
    }

    @Override
    public synchronized void onMediaDownloadingProgress(RtmMediaOperationProgress p, long requestId) {
        progress.add("down " + requestId + " " + p.currentSize + "/" + p.totalSize);
    }

    synchronized List<String> progress() {
        return new ArrayList<>(progress);
    }

    synchronized List<String> events() {
        return new ArrayList<>(events);
    }

    synchronized List<String> states() {
        List<String> s = new ArrayList<>();
        for (String e : events) {
            if (e.startsWith("state ")) {
                s.add(e);
            }
        }
        return s;
    }

    /** Waits up to 15 s until some recorded event satisfies p. */
    synchronized boolean await(Predicate<List<String>> p) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (!p.test(events)) {
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (left <= 0) {
                return false;
            }
            wait(left);
        }
        return true;
    }

    boolean await(String event) throws InterruptedException {
        return await(l -> l.contains(event));
    }

    /** Waits until `event` has been recorded n times. */
    boolean await(String event, int n) throws InterruptedException {
        return await(l -> l.stream().filter(event::equals).count() >= n);
    }
}
