package io.agora.rtm;

/**
 * The native functions of libagora-rtm-sdk-jni.so (jni/), registered by its
 * JNI_OnLoad. Handles are pointers to the shim's per-client and per-channel
 * records. Every operation returns 0 when queued or the code it was refused
 * with; either way the Pending gets its result exactly once.
 */
final class RtmNative {
    // The code families, in the order of RTM_FAMILY_MAP (rtm_codes.h).
    static final int FAMILY_CONNECTION_STATE = 0;
    static final int FAMILY_CONNECTION_CHANGE_REASON = 1;
    static final int FAMILY_LOGIN_ERR = 2;
    static final int FAMILY_LOGOUT_ERR = 3;
    static final int FAMILY_RENEW_TOKEN_ERR = 4;
    static final int FAMILY_PEER_MESSAGE_ERR = 5;
    static final int FAMILY_CHANNEL_MESSAGE_ERR = 6;
    static final int FAMILY_JOIN_CHANNEL_ERR = 7;
    static final int FAMILY_LEAVE_CHANNEL_ERR = 8;
    static final int FAMILY_GET_MEMBERS_ERR = 9;
    static final int FAMILY_QUERY_PEERS_ONLINE_STATUS_ERR = 10;
    static final int FAMILY_PEER_SUBSCRIPTION_STATUS_ERR = 11;
    static final int FAMILY_QUERY_PEERS_BY_SUBSCRIPTION_OPTION_ERR = 12;
    static final int FAMILY_ATTRIBUTE_OPERATION_ERR = 13;
    static final int FAMILY_GET_CHANNEL_MEMBER_COUNT_ERR = 14;
    static final int FAMILY_SET_RTM_SERVICE_CONTEXT_ERR = 15;
    static final int FAMILY_INVITATION_API_CALL_ERR = 16;
    static final int FAMILY_LOCAL_INVITATION_STATE = 17;
    static final int FAMILY_LOCAL_INVITATION_ERR = 18;
    static final int FAMILY_REMOTE_INVITATION_STATE = 19;
    static final int FAMILY_REMOTE_INVITATION_ERR = 20;
    static final int FAMILY_UPLOAD_MEDIA_ERR = 21;
    static final int FAMILY_DOWNLOAD_MEDIA_ERR = 22;
    static final int FAMILY_CANCEL_MEDIA_ERR = 23;

    static {
        NativeLibraryLoader.load();
    }

    /**
     * Where the native library reports what no callback can carry: an
     * exception thrown by the application's listener or result callback
     * (the callbacks go on), or an event lost for want of memory. The library
     * itself never prints; configure this logger as any other.
     */
    static final java.util.logging.Logger LOG = java.util.logging.Logger.getLogger("io.agora.rtm");

    private RtmNative() {
    }

    /** Called by the native library (jrtm_report): thrown may be null. */
    static void report(String what, Throwable thrown) {
        LOG.log(java.util.logging.Level.WARNING, what, thrown);
    }

    /** Makes sure the library is loaded (the static initializer runs). */
    static void init() {
    }

    static native String version();

    /** rtm_set_service_context: a SetRtmServiceContextError. */
    static native int setServiceContext(int areaCode, int proxyType);

    /** rtm_code_name(family, code): "LOGIN_ERR_TIMEOUT", or "UNKNOWN". */
    static native String codeName(int family, int code);

    /** Every code of the C lists, as pairs (family, value). */
    static native int[] codeTable();

    /** rtm_strerror(status). */
    static native String strerror(int status);

    /** Bytes malloc'ed and not freed (mallinfo2), for the leak test. */
    static native long mallocInUse();

    /** The shim's records alive: {clients, channels, operations in flight}, for the leak test. */
    static native long[] liveRecords();

    /** rtm_client_create; the handle in out[0]. Returns an rtm_status. */
    static native int clientCreate(String appId, String parameters, RtmClientImpl self, long[] out);

    static native void clientDestroy(long client);

    static native int clientSetParameters(long client, String json);

    static native int login(long client, String token, String userId, Pending p);

    static native int logout(long client, Pending p);

    /** rtm_renew_token: a null token reaches the core as NULL (INVALID_ARGUMENT through the callback). */
    static native int renewToken(long client, String token, Pending p);

    /** rtm_send_peer_message_with_options; offline: SendMessageOptions.enableOfflineMessaging. */
    static native int sendPeerMessage(long client, String peerId, int type, byte[] body, byte[] description,
            boolean offline, Pending p);

    /** rtm_query_peers_online_status; ids as UTF-8; the result comes to Pending.nativeOnPeerStates. */
    static native int queryPeers(long client, byte[][] peerIds, Pending p);

    /** rtm_(un)subscribe_peers_online_status; ids as UTF-8. */
    static native int subscribePeers(long client, byte[][] peerIds, boolean unsubscribe, Pending p);

    /** rtm_query_peers_by_subscription_option; the result comes to Pending.nativeOnPeerStates. */
    static native int getSubscribed(long client, int option, Pending p);

    /** rtm_set_log_file; null path: agorartm.log in the working directory. 0 or a negative rtm_status. */
    static native int setLogFile(long client, String path);

    /** rtm_set_log_filter. */
    static native int setLogFilter(long client, int filter);

    /** rtm_set_log_file_size, in KB. */
    static native int setLogFileSize(long client, int kb);

    /** rtm_get_channel_member_count; ids as UTF-8; the result comes to Pending.nativeOnMemberCounts. */
    static native int getMemberCount(long client, byte[][] channelIds, Pending p);

    /** rtm_network_changed. */
    static native void networkChanged(long client);

    /**
     * rtm_set_local_user_attributes (replace) or
     * rtm_add_or_update_local_user_attributes: keys and values as UTF-8, null
     * arrays for a null list, a null element for a null key or value.
     */
    static native int setUserAttributes(long client, boolean replace, byte[][] keys, byte[][] values, Pending p);

    /** rtm_delete_local_user_attributes_by_keys; null keys for a null list. */
    static native int deleteUserAttributes(long client, byte[][] keys, Pending p);

    static native int clearUserAttributes(long client, Pending p);

    /**
     * rtm_get_user_attributes, or rtm_get_user_attributes_by_keys when byKeys
     * (null keys for a null list); the result comes to Pending.nativeOnAttributes.
     */
    static native int getUserAttributes(long client, String userId, boolean byKeys, byte[][] keys, Pending p);

    /**
     * rtm_set_channel_attributes (what 0), rtm_add_or_update_channel_attributes
     * (1), rtm_delete_channel_attributes_by_keys (2, keys only) or
     * rtm_clear_channel_attributes (3); keys and values as for
     * setUserAttributes.
     */
    static native int changeChannelAttributes(long client, String channelId, int what, byte[][] keys,
            byte[][] values, boolean notify, Pending p);

    /**
     * rtm_get_channel_attributes, or rtm_get_channel_attributes_by_keys when
     * byKeys; the result comes to Pending.nativeOnChannelAttributes.
     */
    static native int getChannelAttributes(long client, String channelId, boolean byKeys, byte[][] keys,
            Pending p);

    /**
     * rtm_upload_media (type FILE or IMAGE; the path as UTF-8, null for
     * none): the request id in out[0] at once; the result comes to
     * Pending.nativeOnUploaded.
     */
    static native int uploadMedia(long client, byte[] path, int type, Pending p, long[] out);

    /**
     * rtm_download_media_to_memory, or rtm_download_media_to_file when path is
     * not null (both as UTF-8): the request id in out[0]; the result comes to
     * Pending.nativeOnDownloaded.
     */
    static native int downloadMedia(long client, byte[] mediaId, byte[] path, Pending p, long[] out);

    /** rtm_cancel_media_upload (upload) or rtm_cancel_media_download. */
    static native int cancelMedia(long client, long requestId, boolean upload, Pending p);

    /**
     * rtm_send_peer_media_message (peerId not null, client a client's
     * handle) or rtm_channel_send_media_message (peerId null, client a
     * channel's handle): the message's strings as UTF-8; dims: width,
     * height, thumbnail width, thumbnail height.
     */
    static native int sendMediaMessage(long handle, String peerId, int type, byte[] mediaId, long size,
            byte[] fileName, byte[] thumbnail, int[] dims, byte[] text, boolean offline, Pending p);

    /** rtm_channel_create: a handle, or 0 (invalid id, or one this client already has). */
    /** rtm_local_invitation_create: a handle with one reference, or 0 for an invalid id or a closing client. */
    static native long invitationCreate(long client, String calleeId);

    /**
     * An invitation call (RtmCallManagerImpl.SEND, CANCEL, ACCEPT, REFUSE): a is
     * the content (send) or the response (accept, refuse), b the channel id
     * (send), both UTF-8. A negative value -code: refused at once (a text with a
     * NUL byte or a bad channel id: INVALID_ARGUMENT), no callback.
     */
    static native int invitationCall(long client, int step, long invitation, byte[] a, byte[] b, Pending p);

    /** rtm_local_invitation_get_state / rtm_remote_invitation_get_state. */
    static native int invitationState(long invitation, boolean local);

    /** Gives back a reference of a local or a remote invitation. */
    static native void invitationRelease(long invitation, boolean local);

    static native long channelCreate(long client, String channelId, RtmChannelImpl self);

    static native int channelJoin(long channel, Pending p);

    static native int channelLeave(long channel, Pending p);

    static native int channelSendMessage(long channel, int type, byte[] body, byte[] description, Pending p);

    static native int channelGetMembers(long channel, Pending p);

    static native void channelRelease(long channel);
}
