package io.agora.rtm;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** RtmClient over the C client core (jni/). */
final class RtmClientImpl extends RtmClient {
    private final RtmClientListener listener;
    private final Guard guard;
    private final List<RtmChannelImpl> channels = new ArrayList<>();
    private final RtmCallManagerImpl callManager = new RtmCallManagerImpl(this);

    private RtmClientImpl(RtmClientListener listener) {
        this.listener = listener;
        this.guard = new Guard();
    }

    static io.agora.rtm.jni.SET_RTM_SERVICE_CONTEXT_ERR_CODE setServiceContext(RtmServiceContext context) {
        int code = RtmStatusCode.SetRtmServiceContextError.SET_RTM_SERVICE_CONTEXT_ERR_FAILURE;
        if (context != null) {
            RtmNative.init();
            code = RtmNative.setServiceContext(context.areaCode, context.proxyType);
        }
        return io.agora.rtm.jni.SET_RTM_SERVICE_CONTEXT_ERR_CODE.swigToEnum(code);
    }

    static String sdkVersion() {
        RtmNative.init();
        return RtmNative.version();
    }

    static RtmClient create(String appId, RtmClientListener listener) throws Exception {
        RtmNative.init();
        String server = System.getProperty("rtm.server");
        String params = null;
        if (server != null && !server.isEmpty()) {
            params = "{\"rtm.server\":" + jsonString(server) + "}";
        }
        // The native side keeps a reference to this object for its callbacks;
        // none comes before login, so the handle is set after creation.
        RtmClientImpl client = new RtmClientImpl(listener);
        long[] out = new long[1];
        int status = RtmNative.clientCreate(appId, params, client, out);
        if (status != 0) {
            String why = RtmNative.strerror(status);
            if (status == -1) {
                why += " (the app id \"" + appId + "\" must be 1..64 printable ASCII characters"
                        + (params != null ? "; the system property rtm.server=\"" + server
                                + "\" must be HOST:PORT" : "") + ")";
            }
            throw new Exception("RtmClient.createInstance failed: " + why);
        }
        client.guard.set(out[0], RtmNative::clientDestroy);
        // As the vendor's SDK: the log goes to agorartm.log in the working
        // directory until setLogFile says otherwise; a directory that cannot
        // take it only means no file.
        RtmNative.setLogFile(out[0], null);
        return client;
    }

    static String jsonString(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.append('"').toString();
    }

    // ------------------------------------------------------------------
    // Called by the native shim, as callbacks of the client (one at a time).

    void nativeOnState(int state, int reason) {
        if (listener != null) {
            listener.onConnectionStateChanged(state, reason);
        }
    }

    /** Called by the native shim: a file or image message from peerId. */
    void nativeOnMediaMessage(int type, byte[] mediaId, long size, byte[] fileName, byte[] thumbnail, int[] dims,
            byte[] text, long ts, boolean offline, String peerId) {
        if (listener == null) {
            return;
        }
        RtmMessage m = MediaFields.fromNative(type, mediaId, size, fileName, thumbnail, dims, text, ts, offline)
                .toMessage();
        if (m instanceof RtmImageMessage) {
            listener.onImageMessageReceivedFromPeer((RtmImageMessage) m, peerId);
        } else {
            listener.onFileMessageReceivedFromPeer((RtmFileMessage) m, peerId);
        }
    }

    /** Called by the native shim: how far an upload (or a download) has come. */
    void nativeOnMediaProgress(boolean upload, long requestId, long current, long total) {
        if (listener == null) {
            return;
        }
        RtmMediaOperationProgress p = new RtmMediaOperationProgress();
        p.currentSize = current;
        p.totalSize = total;
        if (upload) {
            listener.onMediaUploadingProgress(p, requestId);
        } else {
            listener.onMediaDownloadingProgress(p, requestId);
        }
    }

    void nativeOnMessage(int type, byte[] body, byte[] description, long ts, boolean offline, String peerId) {
        if (listener != null) {
            listener.onMessageReceived(RtmMessageImpl.received(type, body, description, ts, offline), peerId);
        }
    }

    void nativeOnReplay(int peerMessages, int channelMessages, int channelSkipped, int peerDropped) {
        if (listener != null) {
            listener.onMessagesReplayed(peerMessages, channelMessages, channelSkipped, peerDropped);
        }
    }

    void nativeOnTokenExpired() {
        if (listener != null) {
            listener.onTokenExpired();
        }
    }

    /** secondsLeft: the server's figure; the vendor's listener method takes none. */
    void nativeOnTokenWillExpire(int secondsLeft) {
        if (listener != null) {
            listener.onTokenPrivilegeWillExpire();
        }
    }

    /** An invitation event (jni/invitations_jni.c): see RtmCallManagerImpl.onNative. */
    void nativeOnInvitation(int event, long invitation, int code, byte[] a, byte[] b, byte[] c) {
        callManager.onNative(event, invitation, code, a, b, c);
    }

    // ------------------------------------------------------------------

    @Override
    public RtmCallManager getRtmCallManager() {
        return callManager;
    }

    /**
     * The client's native handle, counted in until {@link #exitHandle()}, or 0
     * once released. An invitation call takes it before any lock of its own:
     * the exit that is the last one out of a released client runs the
     * blocking native close, which must hold no lock an event may need.
     */
    long enterHandle() {
        return guard.enter();
    }

    void exitHandle() {
        guard.exit();
    }

    @Override
    public void login(String token, String userId, ResultCallback<Void> cb) {
        Pending p = new Pending(RtmNative.FAMILY_LOGIN_ERR, cb);
        long h = guard.enter();
        if (h == 0) {
            Pending.fail(cb, RtmNative.FAMILY_LOGIN_ERR, RtmStatusCode.LoginError.LOGIN_ERR_NOT_INITIALIZED);
            return;
        }
        try {
            Pending.shimFailed(cb, RtmNative.FAMILY_LOGIN_ERR, RtmNative.login(h, token, userId, p));
        } finally {
            guard.exit();
        }
    }

    @Override
    public void logout(ResultCallback<Void> cb) {
        Pending p = new Pending(RtmNative.FAMILY_LOGOUT_ERR, cb);
        long h = guard.enter();
        if (h == 0) {
            Pending.fail(cb, RtmNative.FAMILY_LOGOUT_ERR, RtmStatusCode.LogoutError.LOGOUT_ERR_NOT_INITIALIZED);
            return;
        }
        try {
            Pending.shimFailed(cb, RtmNative.FAMILY_LOGOUT_ERR, RtmNative.logout(h, p));
        } finally {
            guard.exit();
        }
    }

    @Override
    public void renewToken(String token, ResultCallback<Void> cb) {
        int fam = RtmNative.FAMILY_RENEW_TOKEN_ERR;
        Pending p = new Pending(fam, cb);
        long h = guard.enter();
        if (h == 0) {
            Pending.fail(cb, fam, RtmStatusCode.RenewTokenError.RENEW_TOKEN_ERR_NOT_INITIALIZED);
            return;
        }
        try {
            Pending.shimFailed(cb, fam, RtmNative.renewToken(h, token, p));
        } finally {
            guard.exit();
        }
    }

    @Override
    public void release() {
        // The channels die with the client: their handles close first; the
        // native side frees them with it. A channel call still in flight
        // holds this client's handle too, so the client's native close
        // waits for it (Guard).
        List<RtmChannelImpl> chs;
        synchronized (channels) {
            chs = new ArrayList<>(channels);
            channels.clear();
        }
        for (RtmChannelImpl ch : chs) {
            ch.closeWithClient();
        }
        guard.close(); // rtm_client_close, now or when the last call leaves
    }

    @Override
    public RtmMessage createMessage() {
        return new RtmMessageImpl();
    }

    @Override
    public RtmMessage createMessage(String text) {
        RtmMessage m = new RtmMessageImpl();
        m.setText(text);
        return m;
    }

    @Override
    public RtmMessage createMessage(byte[] rawMessage) {
        RtmMessage m = new RtmMessageImpl();
        m.setRawMessage(rawMessage);
        return m;
    }

    @Override
    public RtmMessage createMessage(byte[] rawMessage, String description) {
        RtmMessage m = new RtmMessageImpl();
        m.setRawMessage(rawMessage, description);
        return m;
    }

    /** The body of a message to send: UTF-8 text, or the raw bytes; null when there is none. */
    static byte[] body(RtmMessage m) {
        if (m.getMessageType() == RtmMessageType.RAW) {
            return m.getRawMessage();
        }
        String t = m.getText();
        return t != null ? t.getBytes(StandardCharsets.UTF_8) : null;
    }

    /** The description of a RAW message, or null. */
    static byte[] description(RtmMessage m) {
        if (m.getMessageType() != RtmMessageType.RAW || m.getText() == null) {
            return null;
        }
        return m.getText().getBytes(StandardCharsets.UTF_8);
    }

    @Override
    @SuppressWarnings("deprecation")
    public void sendMessageToPeer(String peerId, RtmMessage message, ResultCallback<Void> cb) {
        sendMessageToPeer(peerId, message, new SendMessageOptions(), cb);
    }

    @Override
    public void sendMessageToPeer(String peerId, RtmMessage message, SendMessageOptions options,
            ResultCallback<Void> cb) {
        int fam = RtmNative.FAMILY_PEER_MESSAGE_ERR;
        long h = guard.enter();
        if (h == 0) {
            Pending.fail(cb, fam, RtmStatusCode.PeerMessageError.PEER_MESSAGE_ERR_NOT_INITIALIZED);
            return;
        }
        try {
            boolean offline = options != null && options.enableOfflineMessaging;
            MediaFields media = MediaFields.of(message);
            if (media != null) {
                Pending.shimFailed(cb, fam, sendMedia(h, peerId, media, offline, new Pending(fam, cb)));
                return;
            }
            int type = message != null ? message.getMessageType() : RtmMessageType.UNDEFINED;
            byte[] body = message != null ? body(message) : null;
            Pending.shimFailed(cb, fam, RtmNative.sendPeerMessage(h, peerId, type, body,
                    message != null ? description(message) : null, offline, new Pending(fam, cb)));
        } finally {
            guard.exit();
        }
    }

    /** A media message to a peer (h: the client's handle) or a channel (h: the channel's, peerId null). */
    static int sendMedia(long h, String peerId, MediaFields m, boolean offline, Pending p) {
        return RtmNative.sendMediaMessage(h, peerId, m.type, MediaFields.bytes(m.mediaId), m.size,
                MediaFields.bytes(m.fileName), m.thumbnail, m.dims(), MediaFields.bytes(m.text), offline, p);
    }

    // ---- file and image messages ----

    @Override
    public RtmFileMessage createFileMessageByMediaId(String mediaId) {
        return new RtmFileMessageImpl(new MediaFields(RtmMessageType.FILE, mediaId));
    }

    @Override
    public RtmImageMessage createImageMessageByMediaId(String mediaId) {
        return new RtmImageMessageImpl(new MediaFields(RtmMessageType.IMAGE, mediaId));
    }

    @Override
    public void createFileMessageByUploading(String filePath, RtmRequestId requestId,
            ResultCallback<RtmFileMessage> cb) {
        upload(filePath, RtmMessageType.FILE, requestId, cb);
    }

    @Override
    public void createImageMessageByUploading(String filePath, RtmRequestId requestId,
            ResultCallback<RtmImageMessage> cb) {
        upload(filePath, RtmMessageType.IMAGE, requestId, cb);
    }

    /** A media native: starts the transfer for Pending p, the request id in out[0]. */
    private interface Transfer {
        int start(long h, Pending p, long[] out);
    }

    /**
     * Starts a transfer of family fam (NOT_INITIALIZED, 101 in every media
     * family, on a released client): requestId gets its id as soon as the
     * call returns, or from the result if that comes first.
     */
    private void transfer(int fam, RtmRequestId requestId, ResultCallback<?> cb, Transfer t) {
        long h = guard.enter();
        if (h == 0) {
            Pending.fail(cb, fam, RtmStatusCode.UploadMediaError.UPLOAD_MEDIA_ERR_NOT_INITIALIZED);
            return;
        }
        try {
            Pending p = new Pending(fam, cb);
            p.requestId = requestId;
            long[] rid = new long[1];
            int rc = t.start(h, p, rid);
            if (requestId != null && rid[0] != 0) {
                requestId.setRequestId(rid[0]);
            }
            Pending.shimFailed(cb, fam, rc);
        } finally {
            guard.exit();
        }
    }

    private void upload(String filePath, int type, RtmRequestId requestId, ResultCallback<?> cb) {
        transfer(RtmNative.FAMILY_UPLOAD_MEDIA_ERR, requestId, cb,
                (h, p, rid) -> RtmNative.uploadMedia(h, MediaFields.bytes(filePath), type, p, rid));
    }

    @Override
    public void downloadMediaToMemory(String mediaId, RtmRequestId requestId, ResultCallback<byte[]> cb) {
        download(mediaId, null, requestId, cb);
    }

    @Override
    public void downloadMediaToFile(String mediaId, String filePath, RtmRequestId requestId,
            ResultCallback<Void> cb) {
        if (filePath == null) {
            Pending.fail(cb, RtmNative.FAMILY_DOWNLOAD_MEDIA_ERR,
                    RtmStatusCode.DownloadMediaError.DOWNLOAD_MEDIA_ERR_INVALID_ARGUMENT);
            return;
        }
        download(mediaId, filePath, requestId, cb);
    }

    private void download(String mediaId, String filePath, RtmRequestId requestId, ResultCallback<?> cb) {
        transfer(RtmNative.FAMILY_DOWNLOAD_MEDIA_ERR, requestId, cb, (h, p, rid) -> RtmNative.downloadMedia(h,
                MediaFields.bytes(mediaId), MediaFields.bytes(filePath), p, rid));
    }

    @Override
    public void cancelMediaUpload(RtmRequestId requestId, ResultCallback<Void> cb) {
        cancel(requestId, true, cb);
    }

    @Override
    public void cancelMediaDownload(RtmRequestId requestId, ResultCallback<Void> cb) {
        cancel(requestId, false, cb);
    }

    private void cancel(RtmRequestId requestId, boolean upload, ResultCallback<Void> cb) {
        int fam = RtmNative.FAMILY_CANCEL_MEDIA_ERR;
        long h = guard.enter();
        if (h == 0) {
            Pending.fail(cb, fam, RtmStatusCode.CancelMediaError.CANCEL_MEDIA_ERR_NOT_INITIALIZED);
            return;
        }
        try {
            // A null id names no transfer: NOT_EXIST, as an unknown one.
            long rid = requestId != null ? requestId.getRequestId() : 0;
            Pending.shimFailed(cb, fam, RtmNative.cancelMedia(h, rid, upload, new Pending(fam, cb)));
        } finally {
            guard.exit();
        }
    }

    @Override
    public void networkChanged() {
        long h = guard.enter();
        if (h == 0) {
            return;
        }
        try {
            RtmNative.networkChanged(h);
        } finally {
            guard.exit();
        }
    }

    @Override
    public RtmChannel createChannel(String channelId, RtmChannelListener channelListener) {
        long h = guard.enter();
        if (h == 0) {
            return null;
        }
        try {
            RtmChannelImpl ch = new RtmChannelImpl(this, channelId, channelListener);
            long chh = RtmNative.channelCreate(h, channelId, ch);
            if (chh == 0) {
                return null;
            }
            ch.setHandle(chh);
            synchronized (channels) {
                channels.add(ch);
            }
            return ch;
        } finally {
            guard.exit();
        }
    }

    Guard guard() {
        return guard;
    }

    void forget(RtmChannelImpl ch) {
        synchronized (channels) {
            channels.remove(ch);
        }
    }

    // ------------------------------------------------------------------
    // Presence (SPEC A8)

    /** User ids as UTF-8, in the set's iteration order; null for a null set. */
    private static byte[][] ids(Set<String> peerIds) {
        return peerIds != null ? utf8(new java.util.ArrayList<>(peerIds)) : null;
    }

    @Override
    public void queryPeersOnlineStatus(Set<String> peerIds, ResultCallback<Map<String, Boolean>> cb) {
        byte[][] ids = ids(peerIds);
        nativeOp(RtmNative.FAMILY_QUERY_PEERS_ONLINE_STATUS_ERR, cb,
                (h, p) -> RtmNative.queryPeers(h, ids, p));
    }

    @Override
    public void subscribePeersOnlineStatus(Set<String> peerIds, ResultCallback<Void> cb) {
        byte[][] ids = ids(peerIds);
        nativeOp(RtmNative.FAMILY_PEER_SUBSCRIPTION_STATUS_ERR, cb,
                (h, p) -> RtmNative.subscribePeers(h, ids, false, p));
    }

    @Override
    public void unsubscribePeersOnlineStatus(Set<String> peerIds, ResultCallback<Void> cb) {
        byte[][] ids = ids(peerIds);
        nativeOp(RtmNative.FAMILY_PEER_SUBSCRIPTION_STATUS_ERR, cb,
                (h, p) -> RtmNative.subscribePeers(h, ids, true, p));
    }

    @Override
    public void queryPeersBySubscriptionOption(Integer option, ResultCallback<Set<String>> cb) {
        // A null option is none of the options: refused by the core (FAILURE).
        int o = option != null ? option : -1;
        nativeOp(RtmNative.FAMILY_QUERY_PEERS_BY_SUBSCRIPTION_OPTION_ERR, cb,
                (h, p) -> RtmNative.getSubscribed(h, o, p));
    }

    /** Called by the native shim: onPeersOnlineStatusChanged, states as PeerOnlineState. */
    void nativeOnPeersStatus(String[] users, int[] states) {
        if (listener != null) {
            Map<String, Integer> m = new java.util.HashMap<>();
            for (int i = 0; i < users.length; i++) {
                m.put(users[i], states[i]);
            }
            listener.onPeersOnlineStatusChanged(m);
        }
    }

    // ------------------------------------------------------------------
    // User attributes (SPEC A5, S14), over the C API's functions.

    private interface NativeOp {
        int run(long client, Pending p);
    }

    /**
     * Runs op with the client's handle and a Pending of family, or reports
     * NOT_INITIALIZED (101 in every family) once released.
     */
    private void nativeOp(int family, ResultCallback<?> cb, NativeOp op) {
        long h = guard.enter();
        if (h == 0) {
            Pending.fail(cb, family, RtmStatusCode.AttributeOperationError.ATTRIBUTE_OPERATION_ERR_NOT_INITIALIZED);
            return;
        }
        try {
            Pending.shimFailed(cb, family, op.run(h, new Pending(family, cb)));
        } finally {
            guard.exit();
        }
    }

    private void attributeOp(ResultCallback<?> cb, NativeOp op) {
        nativeOp(RtmNative.FAMILY_ATTRIBUTE_OPERATION_ERR, cb, op);
    }

    static byte[] utf8(String s) {
        return s != null ? s.getBytes(StandardCharsets.UTF_8) : null;
    }

    /** Keys as UTF-8; null for a null list, a null element for a null key. */
    static byte[][] utf8(List<String> l) {
        if (l == null) {
            return null;
        }
        byte[][] a = new byte[l.size()][];
        int i = 0;
        for (String s : l) {
            a[i++] = utf8(s);
        }
        return a;
    }

    /** {keys, values} as UTF-8; {null, null} for a null list. */
    static byte[][][] utf8Attributes(List<RtmAttribute> l) {
        if (l == null) {
            return new byte[2][][];
        }
        byte[][] k = new byte[l.size()][];
        byte[][] v = new byte[l.size()][];
        int i = 0;
        for (RtmAttribute a : l) {
            k[i] = a != null ? utf8(a.getKey()) : null;
            v[i] = a != null ? utf8(a.getValue()) : null;
            i++;
        }
        return new byte[][][] {k, v};
    }

    @Override
    public void setLocalUserAttributes(List<RtmAttribute> attributes, ResultCallback<Void> cb) {
        byte[][][] kv = utf8Attributes(attributes);
        attributeOp(cb, (h, p) -> RtmNative.setUserAttributes(h, true, kv[0], kv[1], p));
    }

    @Override
    public void addOrUpdateLocalUserAttributes(List<RtmAttribute> attributes, ResultCallback<Void> cb) {
        byte[][][] kv = utf8Attributes(attributes);
        attributeOp(cb, (h, p) -> RtmNative.setUserAttributes(h, false, kv[0], kv[1], p));
    }

    @Override
    public void deleteLocalUserAttributesByKeys(List<String> attributeKeys, ResultCallback<Void> cb) {
        byte[][] keys = utf8(attributeKeys);
        attributeOp(cb, (h, p) -> RtmNative.deleteUserAttributes(h, keys, p));
    }

    @Override
    public void clearLocalUserAttributes(ResultCallback<Void> cb) {
        attributeOp(cb, RtmNative::clearUserAttributes);
    }

    @Override
    public void getUserAttributes(String userId, ResultCallback<List<RtmAttribute>> cb) {
        attributeOp(cb, (h, p) -> RtmNative.getUserAttributes(h, userId, false, null, p));
    }

    @Override
    public void getUserAttributesByKeys(String userId, List<String> attributeKeys,
            ResultCallback<List<RtmAttribute>> cb) {
        byte[][] keys = utf8(attributeKeys);
        attributeOp(cb, (h, p) -> RtmNative.getUserAttributes(h, userId, true, keys, p));
    }

    // ------------------------------------------------------------------
    // Channel attributes (SPEC A5)

    // RtmNative.changeChannelAttributes's `what` (jni/jrtm.h JRTM_CHATTRS_*).
    private static final int CHATTRS_SET = 0;
    private static final int CHATTRS_ADD_OR_UPDATE = 1;
    private static final int CHATTRS_DELETE = 2;
    private static final int CHATTRS_CLEAR = 3;

    /** {keys, values} as UTF-8; {null, null} for a null list. */
    static byte[][][] utf8ChannelAttributes(List<RtmChannelAttribute> l) {
        if (l == null) {
            return new byte[2][][];
        }
        List<RtmAttribute> kv = new java.util.ArrayList<>(l.size());
        for (RtmChannelAttribute a : l) {
            kv.add(a != null ? new RtmAttribute(a.getKey(), a.getValue()) : null);
        }
        return utf8Attributes(kv);
    }

    private static boolean notify(ChannelAttributeOptions options) {
        return options != null && options.getEnableNotificationToChannelMembers();
    }

    private void changeChannelAttributes(String channelId, int what, byte[][] keys, byte[][] values,
            ChannelAttributeOptions options, ResultCallback<Void> cb) {
        boolean n = notify(options);
        attributeOp(cb, (h, p) -> RtmNative.changeChannelAttributes(h, channelId, what, keys, values, n, p));
    }

    @Override
    public void setChannelAttributes(String channelId, List<RtmChannelAttribute> attributes,
            ChannelAttributeOptions options, ResultCallback<Void> cb) {
        byte[][][] kv = utf8ChannelAttributes(attributes);
        changeChannelAttributes(channelId, CHATTRS_SET, kv[0], kv[1], options, cb);
    }

    @Override
    public void addOrUpdateChannelAttributes(String channelId, List<RtmChannelAttribute> attributes,
            ChannelAttributeOptions options, ResultCallback<Void> cb) {
        byte[][][] kv = utf8ChannelAttributes(attributes);
        changeChannelAttributes(channelId, CHATTRS_ADD_OR_UPDATE, kv[0], kv[1], options, cb);
    }

    @Override
    public void deleteChannelAttributesByKeys(String channelId, List<String> attributeKeys,
            ChannelAttributeOptions options, ResultCallback<Void> cb) {
        changeChannelAttributes(channelId, CHATTRS_DELETE, utf8(attributeKeys), null, options, cb);
    }

    @Override
    public void clearChannelAttributes(String channelId, ChannelAttributeOptions options, ResultCallback<Void> cb) {
        changeChannelAttributes(channelId, CHATTRS_CLEAR, null, null, options, cb);
    }

    @Override
    public void getChannelAttributes(String channelId, ResultCallback<List<RtmChannelAttribute>> cb) {
        attributeOp(cb, (h, p) -> RtmNative.getChannelAttributes(h, channelId, false, null, p));
    }

    @Override
    public void getChannelAttributesByKeys(String channelId, List<String> attributeKeys,
            ResultCallback<List<RtmChannelAttribute>> cb) {
        byte[][] keys = utf8(attributeKeys);
        attributeOp(cb, (h, p) -> RtmNative.getChannelAttributes(h, channelId, true, keys, p));
    }

    @Override
    public void getChannelMemberCount(List<String> channelIds, ResultCallback<List<RtmChannelMemberCount>> cb) {
        byte[][] ids = utf8(channelIds);
        nativeOp(RtmNative.FAMILY_GET_CHANNEL_MEMBER_COUNT_ERR, cb,
                (h, p) -> RtmNative.getMemberCount(h, ids, p));
    }

    @Override
    public int setParameters(String parameters) {
        long h = guard.enter();
        if (h == 0) {
            return -4; // RTM_ECLOSED
        }
        try {
            return parameters == null ? -1 : RtmNative.clientSetParameters(h, parameters);
        } finally {
            guard.exit();
        }
    }

    /** Runs a log setting with the client's handle; -4 (RTM_ECLOSED) once released. */
    private int logSetting(java.util.function.LongToIntFunction f) {
        long h = guard.enter();
        if (h == 0) {
            return -4; // RTM_ECLOSED
        }
        try {
            return f.applyAsInt(h);
        } finally {
            guard.exit();
        }
    }

    /** 0, or a negative value: -1 a bad argument, -3 a file that cannot be opened. */
    @Override
    public int setLogFile(String filePath) {
        return logSetting(h -> RtmNative.setLogFile(h, filePath));
    }

    @Override
    public int setLogFilter(int filter) {
        return logSetting(h -> RtmNative.setLogFilter(h, filter));
    }

    @Override
    public int setLogFileSize(int fileSizeInKBytes) {
        return logSetting(h -> RtmNative.setLogFileSize(h, fileSizeInKBytes));
    }
}
