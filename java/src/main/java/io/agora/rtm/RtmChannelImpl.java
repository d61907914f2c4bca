package io.agora.rtm;

import java.util.List;

/** RtmChannel over the C client core (jni/). */
final class RtmChannelImpl extends RtmChannel {
    private final RtmClientImpl client;
    private final String id;
    private final RtmChannelListener listener;
    private final Guard guard = new Guard();

    RtmChannelImpl(RtmClientImpl client, String id, RtmChannelListener listener) {
        this.client = client;
        this.id = id;
        this.listener = listener;
    }

    void setHandle(long h) {
        guard.set(h, RtmNative::channelRelease);
    }

    /** The client is being released: this handle dies with it (the native side frees it). */
    void closeWithClient() {
        guard.abandon();
    }

    // ------------------------------------------------------------------
    // Called by the native shim, as callbacks of the client (one at a time).

    void nativeOnMessage(int type, byte[] body, byte[] description, long ts, boolean offline, String from) {
        if (listener != null) {
            listener.onMessageReceived(RtmMessageImpl.received(type, body, description, ts, offline),
                    new RtmChannelMemberImpl(from, id));
        }
    }

    /** Called by the native shim: a file or image message from another member. */
    void nativeOnMediaMessage(int type, byte[] mediaId, long size, byte[] fileName, byte[] thumbnail, int[] dims,
            byte[] text, long ts, boolean offline, String from) {
        if (listener == null) {
            return;
        }
        RtmMessage m = MediaFields.fromNative(type, mediaId, size, fileName, thumbnail, dims, text, ts, offline)
                .toMessage();
        RtmChannelMember member = new RtmChannelMemberImpl(from, id);
        if (m instanceof RtmImageMessage) {
            listener.onImageMessageReceived((RtmImageMessage) m, member);
        } else {
            listener.onFileMessageReceived((RtmFileMessage) m, member);
        }
    }

    void nativeOnMemberCount(int count) {
        if (listener != null) {
            listener.onMemberCountUpdated(count);
        }
    }

    /** Called by the native shim: the channel's whole attribute list. */
    void nativeOnAttributesUpdated(byte[][] keys, byte[][] values, String[] users, long[] ts) {
        if (listener != null) {
            listener.onAttributesUpdated(Pending.channelAttributes(keys, values, users, ts));
        }
    }

    void nativeOnMemberJoined(String userId) {
        if (listener != null) {
            listener.onMemberJoined(new RtmChannelMemberImpl(userId, id));
        }
    }

    void nativeOnMemberLeft(String userId) {
        if (listener != null) {
            listener.onMemberLeft(new RtmChannelMemberImpl(userId, id));
        }
    }

    // ------------------------------------------------------------------

    /** Runs op with the channel's handle while both it and the client are alive; false otherwise. */
    private interface Op {
        void run(long channel);
    }

    private boolean with(Op op) {
        Guard cg = client.guard();
        if (cg.enter() == 0) {
            return false;
        }
        try {
            long h = guard.enter();
            if (h == 0) {
                return false;
            }
            try {
                op.run(h);
                return true;
            } finally {
                guard.exit();
            }
        } finally {
            cg.exit();
        }
    }

    @Override
    public void join(ResultCallback<Void> cb) {
        int fam = RtmNative.FAMILY_JOIN_CHANNEL_ERR;
        if (!with(h -> Pending.shimFailed(cb, fam, RtmNative.channelJoin(h, new Pending(fam, cb))))) {
            Pending.fail(cb, fam, RtmStatusCode.JoinChannelError.JOIN_CHANNEL_ERR_NOT_INITIALIZED);
        }
    }

    @Override
    public void leave(ResultCallback<Void> cb) {
        int fam = RtmNative.FAMILY_LEAVE_CHANNEL_ERR;
        if (!with(h -> Pending.shimFailed(cb, fam, RtmNative.channelLeave(h, new Pending(fam, cb))))) {
            Pending.fail(cb, fam, RtmStatusCode.LeaveChannelError.LEAVE_CHANNEL_ERR_NOT_INITIALIZED);
        }
    }

    @Override
    public void sendMessage(RtmMessage message, ResultCallback<Void> cb) {
        sendMessage(message, new SendMessageOptions(), cb);
    }

    @Override
    public void sendMessage(RtmMessage message, SendMessageOptions options, ResultCallback<Void> cb) {
        int fam = RtmNative.FAMILY_CHANNEL_MESSAGE_ERR;
        MediaFields media = MediaFields.of(message);
        if (media != null) {
            if (!with(h -> Pending.shimFailed(cb, fam,
                    RtmClientImpl.sendMedia(h, null, media, false, new Pending(fam, cb))))) {
                Pending.fail(cb, fam, RtmStatusCode.ChannelMessageError.CHANNEL_MESSAGE_ERR_NOT_INITIALIZED);
            }
            return;
        }
        int type = message != null ? message.getMessageType() : RtmMessageType.UNDEFINED;
        byte[] body = message != null ? RtmClientImpl.body(message) : null;
        byte[] desc = message != null ? RtmClientImpl.description(message) : null;
        if (!with(h -> Pending.shimFailed(cb, fam,
                RtmNative.channelSendMessage(h, type, body, desc, new Pending(fam, cb))))) {
            Pending.fail(cb, fam, RtmStatusCode.ChannelMessageError.CHANNEL_MESSAGE_ERR_NOT_INITIALIZED);
        }
    }

    @Override
    public void getMembers(ResultCallback<List<RtmChannelMember>> cb) {
        int fam = RtmNative.FAMILY_GET_MEMBERS_ERR;
        if (!with(h -> Pending.shimFailed(cb, fam, RtmNative.channelGetMembers(h, new Pending(fam, cb, id))))) {
            Pending.fail(cb, fam, RtmStatusCode.GetMembersError.GET_MEMBERS_ERR_NOT_INITIALIZED);
        }
    }

    @Override
    public String getId() {
        return id;
    }

    @Override
    public void release() {
        Guard cg = client.guard();
        if (cg.enter() == 0) {
            guard.abandon(); // the client is gone, and this handle with it
            return;
        }
        try {
            // rtm_channel_release, now or when the channel's last call
            // leaves: while this client's handle is held either way.
            if (guard.close()) {
                client.forget(this);
            }
        } finally {
            cg.exit();
        }
    }
}
