package io.agora.rtm;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One SDK instance: logs one user in to an rtmd server and keeps the
 * connection as the vendor's 1.x SDK documents. Create it with
 * {@link #createInstance(String, RtmClientListener)}.
 *
 * <p>Which server: {@code setParameters("{\"rtm.server\":\"HOST:PORT\"}")}, else
 * the system property {@code rtm.server}, else the environment variable
 * {@code RTM_SERVER}, else 127.0.0.1:9777.
 *
 * <p>Every method returns at once; results arrive through the
 * {@link ResultCallback}. Every method of the reference works (docs/JAVA.md),
 * call invitations included ({@link #getRtmCallManager()}), but the file and
 * image family, which is not built yet.
 */
public abstract class RtmClient {
    /**
     * The prefix of the peer message that the vendor's legacy SDKs send to end
     * a call; kept for programs that look for it. Nothing here sends it.
     */
    public static final String AGORA_RTM_END_CALL_PREFIX = "AgoraRTMLegacyEndcallCompatibleMessagePrefix";

    public static final int LOG_FILTER_OFF = 0;
    public static final int LOG_FILTER_INFO = 0x0f;
    public static final int LOG_FILTER_WARNING = 0x0e;
    public static final int LOG_FILTER_ERROR = 0x0c;
    public static final int LOG_FILTER_CRITICAL = 0x08;

    /**
     * Creates a client in state DISCONNECTED.
     *
     * @throws Exception when the app id is invalid (1..64 printable ASCII bytes),
     *     the system property {@code rtm.server} is not a valid address, the
     *     native library cannot be loaded, or the client cannot start.
     */
    public static RtmClient createInstance(String appId, RtmClientListener listener) throws Exception {
        return RtmClientImpl.create(appId, listener);
    }

    /**
     * The process's service context, for the clients created after it
     * (rtm_set_service_context). A self-hosted rtmd has neither areas nor a
     * cloud proxy: an area code ({@link RtmServiceContext.RtmAreaCode}, GLOB or
     * an OR of the others) is checked and kept but selects nothing;
     * {@link RtmServiceContext.RtmCloudProxyType#TCP_PROXY} cannot apply.
     *
     * @return SET_RTM_SERVICE_CONTEXT_ERR_OK, or _FAILURE (nothing changed) for
     *     a null context, an unknown area code, or TCP_PROXY
     */
    public static io.agora.rtm.jni.SET_RTM_SERVICE_CONTEXT_ERR_CODE setRtmServiceContext(RtmServiceContext context) {
        return RtmClientImpl.setServiceContext(context);
    }

    /** The version of this SDK (of its native client core). */
    public static String getSdkVersion() {
        return RtmClientImpl.sdkVersion();
    }

    public abstract void login(String token, String userId, ResultCallback<Void> resultCallback);

    public abstract void logout(ResultCallback<Void> resultCallback);

    /** This client's call invitations (docs/RULES.md, C1-C7). */
    public abstract RtmCallManager getRtmCallManager();

    /**
     * Gives the client a new token (rtm_renew_token), codes of
     * {@link RtmStatusCode.RenewTokenError}. Connected, the server checks it:
     * OK (later logins use it), INVALID_TOKEN or TOKEN_EXPIRED; while
     * reconnecting it is kept for the next attempt (OK), and after
     * {@link RtmClientListener#onTokenExpired} that attempt starts at once
     * (SPEC S15). INVALID_ARGUMENT for a null or empty token, TOO_OFTEN for
     * more than 2 a second, USER_NOT_LOGGED_IN when not logged in, FAILURE
     * when the server does not answer in 5 s.
     */
    public abstract void renewToken(String token, ResultCallback<Void> resultCallback);

    /**
     * Logs out if logged in, completes pending operations with NOT_INITIALIZED
     * (101), releases every channel of this client and frees it. May be called
     * from inside a callback; later calls on this client fail with 101.
     */
    public abstract void release();

    public abstract RtmMessage createMessage();

    public abstract RtmMessage createMessage(String text);

    public abstract RtmMessage createMessage(byte[] rawMessage);

    public abstract RtmMessage createMessage(byte[] rawMessage, String description);

    /** @deprecated use {@link #sendMessageToPeer(String, RtmMessage, SendMessageOptions, ResultCallback)} */
    @Deprecated
    public abstract void sendMessageToPeer(String peerId, RtmMessage message, ResultCallback<Void> resultCallback);

    public abstract void sendMessageToPeer(String peerId, RtmMessage message, SendMessageOptions options,
            ResultCallback<Void> resultCallback);

    /**
     * Ours, not in the vendor's API: tells the client that the network changed
     * (an interface came up, the route changed). When it is waiting to
     * reconnect (SPEC S8) it tries now instead of at the end of its backoff;
     * otherwise nothing happens. Does nothing after {@link #release()}.
     */
    public abstract void networkChanged();

    /** A channel handle, not joined yet; null for an invalid id or an id this client already has a handle for. */
    public abstract RtmChannel createChannel(String channelId, RtmChannelListener channelListener)
            throws RuntimeException;

    public abstract void queryPeersOnlineStatus(Set<String> peerIds, ResultCallback<Map<String, Boolean>> resultCallback);

    public abstract void subscribePeersOnlineStatus(Set<String> peerIds, ResultCallback<Void> resultCallback);

    public abstract void unsubscribePeersOnlineStatus(Set<String> peerIds, ResultCallback<Void> resultCallback);

    public abstract void queryPeersBySubscriptionOption(Integer option, ResultCallback<Set<String>> resultCallback);

    public abstract void setLocalUserAttributes(List<RtmAttribute> attributes, ResultCallback<Void> resultCallback);

    public abstract void addOrUpdateLocalUserAttributes(List<RtmAttribute> attributes,
            ResultCallback<Void> resultCallback);

    public abstract void deleteLocalUserAttributesByKeys(List<String> attributeKeys,
            ResultCallback<Void> resultCallback);

    public abstract void clearLocalUserAttributes(ResultCallback<Void> resultCallback);

    public abstract void getUserAttributes(String userId, ResultCallback<List<RtmAttribute>> resultCallback);

    public abstract void getUserAttributesByKeys(String userId, List<String> attributeKeys,
            ResultCallback<List<RtmAttribute>> resultCallback);

    public abstract void setChannelAttributes(String channelId, List<RtmChannelAttribute> attributes,
            ChannelAttributeOptions options, ResultCallback<Void> resultCallback);

    public abstract void addOrUpdateChannelAttributes(String channelId, List<RtmChannelAttribute> attributes,
            ChannelAttributeOptions options, ResultCallback<Void> resultCallback);

    public abstract void deleteChannelAttributesByKeys(String channelId, List<String> attributeKeys,
            ChannelAttributeOptions options, ResultCallback<Void> resultCallback);

    public abstract void clearChannelAttributes(String channelId, ChannelAttributeOptions options,
            ResultCallback<Void> resultCallback);

    public abstract void getChannelAttributes(String channelId,
            ResultCallback<List<RtmChannelAttribute>> resultCallback);

    public abstract void getChannelAttributesByKeys(String channelId, List<String> attributeKeys,
            ResultCallback<List<RtmChannelAttribute>> resultCallback);

    public abstract void getChannelMemberCount(List<String> channelIds,
            ResultCallback<List<RtmChannelMemberCount>> resultCallback);

    /**
     * Tunables as a JSON object, the keys of docs/PARAMETERS.md (for example
     * {@code {"rtm.server":"127.0.0.1:9777"}}). Returns 0, or non-zero when the
     * JSON is refused (not JSON, unknown key, wrong type or out of range;
     * nothing of it is applied) or the client was released.
     */
    public abstract int setParameters(String parameters);

    /**
     * The client's log goes to this file (appended; rotated at its size into
     * filePath.1 .. filePath.4); by default agorartm.log in the working
     * directory. 0, or -3 when it cannot be opened (the previous file stays in
     * use), -4 once released.
     */
    public abstract int setLogFile(String filePath);

    /** One of the LOG_FILTER_* constants: 0, or -1 for another value. */
    public abstract int setLogFilter(int filter);

    /** The size of one log file, 512 to 1048576 KB (default 10240): 0, or -1 outside that range. */
    public abstract int setLogFileSize(int fileSizeInKBytes);

    // ---- File and image messages (SPEC M1-M5; deprecated by the vendor in 1.5, working here) ----

    /** A file message for a media id already stored (nothing is uploaded; M2). */
    public abstract RtmFileMessage createFileMessageByMediaId(String mediaId);

    /** An image message for a media id already stored (its sizes 0 until set). */
    public abstract RtmImageMessage createImageMessageByMediaId(String mediaId);

    /**
     * Uploads the file at filePath (at most 30 MB) and gives the message that
     * names it (M1): its media id, size and file name. requestId (may be
     * null) gets the transfer's id at once, for the progress callbacks
     * ({@link RtmClientListener#onMediaUploadingProgress}) and
     * {@link #cancelMediaUpload}. Failures: RtmStatusCode.UploadMediaError
     * (INVALID_ARGUMENT for a file that cannot be read, SIZE_OVERFLOW,
     * CONCURRENCY_LIMIT_EXCEEDED past 9 at once, TIMEOUT after 120 s without
     * data moving, INTERRUPTED when the connection is lost or the upload
     * canceled, NOT_LOGGED_IN).
     */
    public abstract void createFileMessageByUploading(String filePath, RtmRequestId requestId,
            ResultCallback<RtmFileMessage> resultCallback);

    /** The same for an image: its width and height are read from its JPEG, PNG or BMP header (M4). */
    public abstract void createImageMessageByUploading(String filePath, RtmRequestId requestId,
            ResultCallback<RtmImageMessage> resultCallback);

    /**
     * Fetches a stored media's bytes (M2). Failures:
     * RtmStatusCode.DownloadMediaError (NOT_EXIST for an unknown, another
     * app's or expired id, and the codes of uploads).
     */
    public abstract void downloadMediaToMemory(String mediaId, RtmRequestId requestId,
            ResultCallback<byte[]> resultCallback);

    /** The same into filePath, written beside it and renamed onto it once whole. */
    public abstract void downloadMediaToFile(String mediaId, String filePath, RtmRequestId requestId,
            ResultCallback<Void> resultCallback);

    /** Ends an upload (its callback gets INTERRUPTED); RtmStatusCode.CancelMediaError. */
    public abstract void cancelMediaUpload(RtmRequestId requestId, ResultCallback<Void> resultCallback);

    /** Ends a download (its callback gets INTERRUPTED); RtmStatusCode.CancelMediaError. */
    public abstract void cancelMediaDownload(RtmRequestId requestId, ResultCallback<Void> resultCallback);
}
