package io.agora.rtm;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.TreeSet;
import org.junit.Test;

/**
 * By reflection: every class, method and constant of the 1.x reference
 * (../shared/reference/java-api-1x.md), transcribed here, has the reference's
 * signature and value.
 *
 * <p>Extra public members ARE allowed, but only our documented extensions
 * (docs/JAVA.md, "Our extensions"), each listed here by name in {@link #OURS}:
 * the public API is exactly the reference plus those. An extension never
 * changes a member of the reference, and a listener extension is a default
 * method, so vendor apps compile unchanged.
 */
public class ApiShapeTest {

    static String typeName(Type t) {
        return t.getTypeName().replace("java.lang.", "").replace("java.util.", "").replace("io.agora.rtm.", "");
    }

    /** "[static] [abstract|default] Ret name(Params)[ throws X]" for each public method declared by c. */
    static List<String> methods(Class<?> c) {
        List<String> l = new ArrayList<>();
        for (Method m : c.getDeclaredMethods()) {
            if (!Modifier.isPublic(m.getModifiers()) || m.isSynthetic()) {
                continue;
            }
            StringBuilder b = new StringBuilder();
            if (Modifier.isStatic(m.getModifiers())) {
                b.append("static ");
            }
            if (m.isDefault()) {
                b.append("default ");
            } else if (Modifier.isAbstract(m.getModifiers()) && !c.isInterface()) {
                b.append("abstract ");
            }
            b.append(typeName(m.getGenericReturnType())).append(' ').append(m.getName()).append('(');
            Type[] ps = m.getGenericParameterTypes();
            for (int i = 0; i < ps.length; i++) {
                b.append(i > 0 ? "," : "").append(typeName(ps[i]));
            }
            b.append(')');
            for (Class<?> e : m.getExceptionTypes()) {
                b.append(" throws ").append(e.getSimpleName());
            }
            l.add(b.toString());
        }
        Collections.sort(l);
        return l;
    }

    static List<String> constructors(Class<?> c) {
        List<String> l = new ArrayList<>();
        for (Constructor<?> k : c.getDeclaredConstructors()) {
            if (!Modifier.isPublic(k.getModifiers())) {
                continue;
            }
            StringBuilder b = new StringBuilder("(");
            Type[] ps = k.getGenericParameterTypes();
            for (int i = 0; i < ps.length; i++) {
                b.append(i > 0 ? "," : "").append(typeName(ps[i]));
            }
            l.add(b.append(')').toString());
        }
        Collections.sort(l);
        return l;
    }

    /** Our extensions, beyond the reference (allowed; documented in docs/JAVA.md). */
    static final String[] OURS_CLIENT = {"abstract void networkChanged()"};
    static final String[] OURS_CLIENT_LISTENER = {"default void onMessagesReplayed(int,int,int,int)"};
    static final List<String> OURS = Collections.unmodifiableList(Arrays.asList(
            "RtmClient." + OURS_CLIENT[0], "RtmClientListener." + OURS_CLIENT_LISTENER[0]));

    /** The public methods of c are exactly the reference's, and nothing else. */
    static void assertMethods(Class<?> c, String... expected) {
        assertMethodsPlusOurs(c, new String[0], expected);
    }

    /**
     * Every method of the reference is there with its signature; the only
     * others are the extensions `ours`.
     */
    static void assertMethodsPlusOurs(Class<?> c, String[] ours, String... reference) {
        List<String> got = methods(c);
        List<String> missing = new ArrayList<>(Arrays.asList(reference));
        missing.removeAll(got);
        assertEquals(c.getSimpleName() + ": members of the reference missing or changed",
                Collections.emptyList(), missing);
        List<String> extra = new ArrayList<>(got);
        extra.removeAll(Arrays.asList(reference));
        List<String> wantExtra = new ArrayList<>(Arrays.asList(ours));
        Collections.sort(wantExtra);
        assertEquals(c.getSimpleName() + ": public members beyond the reference (only our documented extensions)",
                wantExtra, extra);
    }

    static void assertConstructors(Class<?> c, String... expected) {
        List<String> want = new ArrayList<>(Arrays.asList(expected));
        Collections.sort(want);
        assertEquals(c.getSimpleName(), want, constructors(c));
    }

    /** spec: "NAME value, NAME value, ..." */
    static void assertConstants(Class<?> c, String spec) throws Exception {
        TreeSet<String> want = new TreeSet<>();
        for (String item : spec.split(",")) {
            want.add(item.trim().replace(' ', '='));
        }
        TreeSet<String> got = new TreeSet<>();
        for (Field f : c.getDeclaredFields()) {
            int m = f.getModifiers();
            if (Modifier.isPublic(m) && Modifier.isStatic(m)) {
                assertTrue(f.toString(), Modifier.isFinal(m) && (f.getType() == int.class || f.getType() == String.class));
                got.add(f.getName() + "=" + f.get(null));
            }
        }
        assertEquals(c.getSimpleName(), want, got);
    }

    @Test
    public void theClassesOfTheReferenceAndNoOtherPublicOnes() throws Exception {
        String[] expected = {"RtmClient", "RtmClientListener", "RtmChannel", "RtmChannelListener", "RtmChannelMember",
            "RtmMessage", "RtmMessageType", "RtmAttribute", "RtmChannelAttribute", "ChannelAttributeOptions",
            "RtmChannelMemberCount", "SendMessageOptions", "ResultCallback", "ErrorInfo", "PeerOnlineState",
            "PeerSubscriptionOption", "RtmStatusCode", "RtmServiceContext", "RtmCallManager", "LocalInvitation",
            "RemoteInvitation", "RtmCallEventListener", "RtmFileMessage", "RtmImageMessage",
            "RtmMediaOperationProgress", "RtmRequestId"};
        for (String name : expected) {
            Class<?> c = Class.forName("io.agora.rtm." + name);
            assertTrue(name + " is public", Modifier.isPublic(c.getModifiers()));
        }
        assertTrue(Modifier.isAbstract(RtmClient.class.getModifiers()) && !RtmClient.class.isInterface());
        // An interface, as the vendor's: `implements RtmStatusCode` compiles.
        assertTrue(RtmStatusCode.class.isInterface());
        assertTrue(Modifier.isAbstract(RtmChannel.class.getModifiers()) && !RtmChannel.class.isInterface());
        assertTrue(Modifier.isAbstract(RtmMessage.class.getModifiers()) && !RtmMessage.class.isInterface());
        assertTrue(Modifier.isAbstract(RtmChannelMember.class.getModifiers()));
        assertTrue(RtmClientListener.class.isInterface());
        assertTrue(RtmChannelListener.class.isInterface());
        assertTrue(ResultCallback.class.isInterface());
        assertEquals(1, ResultCallback.class.getTypeParameters().length);
        // The implementation classes are not public API.
        for (String impl : new String[] {"RtmClientImpl", "RtmChannelImpl", "RtmMessageImpl", "RtmChannelMemberImpl",
            "RtmNative", "Pending", "Guard", "NativeLibraryLoader", "RtmCallManagerImpl", "LocalInvitationImpl",
            "RemoteInvitationImpl", "RtmFileMessageImpl", "RtmImageMessageImpl", "MediaFields"}) {
            assertTrue(impl, !Modifier.isPublic(Class.forName("io.agora.rtm." + impl).getModifiers()));
        }
    }

    @Test
    public void rtmClient() throws Exception {
        assertMethodsPlusOurs(RtmClient.class, OURS_CLIENT,
                "static RtmClient createInstance(String,RtmClientListener) throws Exception",
                "static String getSdkVersion()",
                "static jni.SET_RTM_SERVICE_CONTEXT_ERR_CODE setRtmServiceContext(RtmServiceContext)",
                "abstract void login(String,String,ResultCallback<Void>)",
                "abstract void logout(ResultCallback<Void>)",
                "abstract RtmCallManager getRtmCallManager()",
                "abstract void renewToken(String,ResultCallback<Void>)",
                "abstract void release()",
                "abstract RtmMessage createMessage()",
                "abstract RtmMessage createMessage(String)",
                "abstract RtmMessage createMessage(byte[])",
                "abstract RtmMessage createMessage(byte[],String)",
                "abstract void sendMessageToPeer(String,RtmMessage,ResultCallback<Void>)",
                "abstract void sendMessageToPeer(String,RtmMessage,SendMessageOptions,ResultCallback<Void>)",
                "abstract RtmChannel createChannel(String,RtmChannelListener) throws RuntimeException",
                "abstract void queryPeersOnlineStatus(Set<String>,ResultCallback<Map<String, Boolean>>)",
                "abstract void subscribePeersOnlineStatus(Set<String>,ResultCallback<Void>)",
                "abstract void unsubscribePeersOnlineStatus(Set<String>,ResultCallback<Void>)",
                "abstract void queryPeersBySubscriptionOption(Integer,ResultCallback<Set<String>>)",
                "abstract void setLocalUserAttributes(List<RtmAttribute>,ResultCallback<Void>)",
                "abstract void addOrUpdateLocalUserAttributes(List<RtmAttribute>,ResultCallback<Void>)",
                "abstract void deleteLocalUserAttributesByKeys(List<String>,ResultCallback<Void>)",
                "abstract void clearLocalUserAttributes(ResultCallback<Void>)",
                "abstract void getUserAttributes(String,ResultCallback<List<RtmAttribute>>)",
                "abstract void getUserAttributesByKeys(String,List<String>,ResultCallback<List<RtmAttribute>>)",
                "abstract void setChannelAttributes(String,List<RtmChannelAttribute>,ChannelAttributeOptions,"
                        + "ResultCallback<Void>)",
                "abstract void addOrUpdateChannelAttributes(String,List<RtmChannelAttribute>,ChannelAttributeOptions,"
                        + "ResultCallback<Void>)",
                "abstract void deleteChannelAttributesByKeys(String,List<String>,ChannelAttributeOptions,"
                        + "ResultCallback<Void>)",
                "abstract void clearChannelAttributes(String,ChannelAttributeOptions,ResultCallback<Void>)",
                "abstract void getChannelAttributes(String,ResultCallback<List<RtmChannelAttribute>>)",
                "abstract void getChannelAttributesByKeys(String,List<String>,"
                        + "ResultCallback<List<RtmChannelAttribute>>)",
                "abstract void getChannelMemberCount(List<String>,ResultCallback<List<RtmChannelMemberCount>>)",
                "abstract int setParameters(String)",
                "abstract int setLogFile(String)",
                "abstract int setLogFilter(int)",
                "abstract int setLogFileSize(int)",
                "abstract RtmFileMessage createFileMessageByMediaId(String)",
                "abstract RtmImageMessage createImageMessageByMediaId(String)",
                "abstract void createFileMessageByUploading(String,RtmRequestId,ResultCallback<RtmFileMessage>)",
                "abstract void createImageMessageByUploading(String,RtmRequestId,ResultCallback<RtmImageMessage>)",
                "abstract void downloadMediaToMemory(String,RtmRequestId,ResultCallback<byte[]>)",
                "abstract void downloadMediaToFile(String,String,RtmRequestId,ResultCallback<Void>)",
                "abstract void cancelMediaUpload(RtmRequestId,ResultCallback<Void>)",
                "abstract void cancelMediaDownload(RtmRequestId,ResultCallback<Void>)");
        assertConstants(RtmClient.class, "LOG_FILTER_OFF 0, LOG_FILTER_INFO 15, LOG_FILTER_WARNING 14, "
                + "LOG_FILTER_ERROR 12, LOG_FILTER_CRITICAL 8, "
                + "AGORA_RTM_END_CALL_PREFIX AgoraRTMLegacyEndcallCompatibleMessagePrefix");
    }

    @Test
    public void callInvitations() throws Exception {
        assertTrue(Modifier.isAbstract(RtmCallManager.class.getModifiers()) && !RtmCallManager.class.isInterface());
        assertMethods(RtmCallManager.class,
                "abstract void setEventListener(RtmCallEventListener)",
                "abstract LocalInvitation createLocalInvitation(String)",
                "abstract void sendLocalInvitation(LocalInvitation,ResultCallback<Void>)",
                "abstract void acceptRemoteInvitation(RemoteInvitation,ResultCallback<Void>)",
                "abstract void refuseRemoteInvitation(RemoteInvitation,ResultCallback<Void>)",
                "abstract void cancelLocalInvitation(LocalInvitation,ResultCallback<Void>)");
        for (Class<?> c : new Class<?>[] {LocalInvitation.class, RemoteInvitation.class, RtmCallEventListener.class}) {
            assertTrue(c.getSimpleName(), c.isInterface());
        }
        assertMethods(LocalInvitation.class, "String getCalleeId()", "void setContent(String)", "String getContent()",
                "void setChannelId(String)", "String getChannelId()", "String getResponse()", "int getState()");
        assertMethods(RemoteInvitation.class, "String getCallerId()", "String getContent()", "String getChannelId()",
                "void setResponse(String)", "String getResponse()", "int getState()");
        assertMethods(RtmCallEventListener.class,
                "void onLocalInvitationReceivedByPeer(LocalInvitation)",
                "void onLocalInvitationAccepted(LocalInvitation,String)",
                "void onLocalInvitationRefused(LocalInvitation,String)",
                "void onLocalInvitationCanceled(LocalInvitation)",
                "void onLocalInvitationFailure(LocalInvitation,int)",
                "void onRemoteInvitationReceived(RemoteInvitation)",
                "void onRemoteInvitationAccepted(RemoteInvitation)",
                "void onRemoteInvitationRefused(RemoteInvitation)",
                "void onRemoteInvitationCanceled(RemoteInvitation)",
                "void onRemoteInvitationFailure(RemoteInvitation,int)");
    }

    @Test
    public void fileAndImageMessages() throws Exception {
        for (Class<?> c : new Class<?>[] {RtmFileMessage.class, RtmImageMessage.class}) {
            assertTrue(c.getSimpleName(), Modifier.isAbstract(c.getModifiers()) && !c.isInterface());
            assertEquals(c.getSimpleName(), RtmMessage.class, c.getSuperclass());
        }
        String[] file = {"abstract long getSize()", "abstract String getMediaId()",
            "abstract void setThumbnail(byte[])", "abstract byte[] getThumbnail()",
            "abstract void setFileName(String)", "abstract String getFileName()"};
        assertMethods(RtmFileMessage.class, file);
        List<String> image = new ArrayList<>(Arrays.asList(file));
        image.addAll(Arrays.asList("abstract void setWidth(int)", "abstract int getWidth()",
                "abstract void setHeight(int)", "abstract int getHeight()",
                "abstract void setThumbnailWidth(int)", "abstract int getThumbnailWidth()",
                "abstract void setThumbnailHeight(int)", "abstract int getThumbnailHeight()"));
        assertMethods(RtmImageMessage.class, image.toArray(new String[0]));
        assertMethods(RtmMediaOperationProgress.class, "String toString()");
        assertConstructors(RtmMediaOperationProgress.class, "()");
        for (String f : new String[] {"totalSize", "currentSize"}) {
            Field fld = RtmMediaOperationProgress.class.getField(f);
            assertEquals(f, long.class, fld.getType());
            assertTrue(f, !Modifier.isStatic(fld.getModifiers()) && !Modifier.isFinal(fld.getModifiers()));
        }
        assertMethods(RtmRequestId.class, "void setRequestId(long)", "long getRequestId()", "String toString()");
        assertConstructors(RtmRequestId.class, "()", "(long)");
        assertEquals("RtmRequestId{requestId=7}", new RtmRequestId(7).toString());
        RtmMediaOperationProgress p = new RtmMediaOperationProgress();
        p.totalSize = 10;
        p.currentSize = 4;
        assertEquals("RtmMediaOperationProgress{totalSize=10, currentSize=4}", p.toString());
    }

    @Test
    public void ourExtensionsAreTheListedOnesAndVendorListenersNeedNotImplementThem() throws Exception {
        assertEquals(2, OURS.size());
        // A listener written for the vendor's 1.4 API (only the two abstract
        // methods) compiles and is complete: the extension is a default.
        RtmClientListener vendorStyle = new RtmClientListener() {
            @Override
            public void onConnectionStateChanged(int state, int reason) {
            }

            @Override
            public void onMessageReceived(RtmMessage message, String peerId) {
            }
        };
        vendorStyle.onMessagesReplayed(1, 2, 3, 4);
        assertTrue(RtmClientListener.class.getMethod("onMessagesReplayed", int.class, int.class, int.class,
                int.class).isDefault());
    }

    @Test
    public void listeners() {
        assertMethodsPlusOurs(RtmClientListener.class, OURS_CLIENT_LISTENER,
                "void onConnectionStateChanged(int,int)",
                "void onMessageReceived(RtmMessage,String)",
                "default void onTokenExpired()",
                "default void onTokenPrivilegeWillExpire()",
                "default void onPeersOnlineStatusChanged(Map<String, Integer>)",
                "default void onImageMessageReceivedFromPeer(RtmImageMessage,String)",
                "default void onFileMessageReceivedFromPeer(RtmFileMessage,String)",
                "default void onMediaUploadingProgress(RtmMediaOperationProgress,long)",
                "default void onMediaDownloadingProgress(RtmMediaOperationProgress,long)");
        assertMethods(RtmChannelListener.class,
                "default void onMemberCountUpdated(int)",
                "default void onAttributesUpdated(List<RtmChannelAttribute>)",
                "default void onImageMessageReceived(RtmImageMessage,RtmChannelMember)",
                "default void onFileMessageReceived(RtmFileMessage,RtmChannelMember)",
                "void onMessageReceived(RtmMessage,RtmChannelMember)",
                "void onMemberJoined(RtmChannelMember)",
                "void onMemberLeft(RtmChannelMember)");
        assertMethods(ResultCallback.class, "void onSuccess(T)", "void onFailure(ErrorInfo)");
    }

    @Test
    public void channelMemberAndMessage() throws Exception {
        assertMethods(RtmChannel.class,
                "abstract void join(ResultCallback<Void>)",
                "abstract void leave(ResultCallback<Void>)",
                "abstract void sendMessage(RtmMessage,ResultCallback<Void>)",
                "abstract void sendMessage(RtmMessage,SendMessageOptions,ResultCallback<Void>)",
                "abstract void getMembers(ResultCallback<List<RtmChannelMember>>)",
                "abstract String getId()",
                "abstract void release()");
        assertMethods(RtmChannelMember.class, "abstract String getUserId()", "abstract String getChannelId()");
        assertMethods(RtmMessage.class,
                "abstract String getText()",
                "abstract void setText(String)",
                "abstract byte[] getRawMessage()",
                "abstract void setRawMessage(byte[])",
                "abstract void setRawMessage(byte[],String)",
                "abstract int getMessageType()",
                "abstract long getServerReceivedTs()",
                "abstract boolean isOfflineMessage()");
        assertConstants(RtmMessageType.class, "UNDEFINED 0, TEXT 1, RAW 2, FILE 3, IMAGE 4");
        assertConstants(PeerOnlineState.class, "ONLINE 0, UNREACHABLE 1, OFFLINE 2");
        assertConstants(PeerSubscriptionOption.class, "ONLINE 0");
    }

    @Test
    public void valueClasses() throws Exception {
        assertConstructors(RtmAttribute.class, "()", "(String,String)");
        assertMethods(RtmAttribute.class, "String getKey()", "String getValue()", "void setKey(String)",
                "void setValue(String)", "String toString()");
        assertConstructors(RtmChannelAttribute.class, "()", "(String,String)", "(String,String,String,long)");
        assertMethods(RtmChannelAttribute.class, "String getKey()", "String getValue()", "void setKey(String)",
                "void setValue(String)", "String getLastUpdateUserId()", "void setLastUpdateUserId(String)",
                "long getLastUpdateTs()", "void setLastUpdateTs(long)", "String toString()");
        assertConstructors(ChannelAttributeOptions.class, "()", "(boolean)");
        assertMethods(ChannelAttributeOptions.class, "boolean getEnableNotificationToChannelMembers()",
                "void setEnableNotificationToChannelMembers(boolean)", "String toString()");
        assertEquals(false, new ChannelAttributeOptions().getEnableNotificationToChannelMembers());
        assertConstructors(RtmChannelMemberCount.class, "()", "(String,int)");
        assertMethods(RtmChannelMemberCount.class, "String getChannelID()", "int getMemberCount()",
                "void setChannelID(String)", "void setMemberCount(int)", "String toString()");
        assertConstructors(SendMessageOptions.class, "()");
        assertMethods(SendMessageOptions.class, "String toString()");
        Field off = SendMessageOptions.class.getField("enableOfflineMessaging");
        Field hist = SendMessageOptions.class.getField("enableHistoricalMessaging");
        assertEquals(boolean.class, off.getType());
        assertEquals(boolean.class, hist.getType());
        assertEquals(false, off.getBoolean(new SendMessageOptions()));
        assertEquals(false, hist.getBoolean(new SendMessageOptions()));
        assertConstructors(ErrorInfo.class, "(int)", "(int,String)");
        assertMethods(ErrorInfo.class, "int getErrorCode()", "String getErrorDescription()", "String toString()");
        RtmChannelAttribute a = new RtmChannelAttribute("k", "v", "u", 5L);
        assertEquals("k/v/u/5", a.getKey() + "/" + a.getValue() + "/" + a.getLastUpdateUserId() + "/"
                + a.getLastUpdateTs());
    }

    @Test
    public void statusCodesHaveTheReferenceValues() throws Exception {
        String common = ", NOT_INITIALIZED 101, USER_NOT_LOGGED_IN 102";
        Object[][] families = {
            {RtmStatusCode.ConnectionState.class, "CONNECTION_STATE_",
                "DISCONNECTED 1, CONNECTING 2, CONNECTED 3, RECONNECTING 4, ABORTED 5"},
            {RtmStatusCode.ConnectionChangeReason.class, "CONNECTION_CHANGE_REASON_",
                "LOGIN 1, LOGIN_SUCCESS 2, LOGIN_FAILURE 3, LOGIN_TIMEOUT 4, INTERRUPTED 5, LOGOUT 6, "
                    + "BANNED_BY_SERVER 7, REMOTE_LOGIN 8, TOKEN_EXPIRED 9"},
            {RtmStatusCode.LoginError.class, "LOGIN_ERR_",
                "OK 0, UNKNOWN 1, REJECTED 2, INVALID_ARGUMENT 3, INVALID_APP_ID 4, INVALID_TOKEN 5, TOKEN_EXPIRED 6, "
                    + "NOT_AUTHORIZED 7, ALREADY_LOGIN 8, TIMEOUT 9, TOO_OFTEN 10, NOT_INITIALIZED 101"},
            {RtmStatusCode.LogoutError.class, "LOGOUT_ERR_", "OK 0, REJECTED 1" + common},
            {RtmStatusCode.RenewTokenError.class, "RENEW_TOKEN_ERR_",
                "OK 0, FAILURE 1, INVALID_ARGUMENT 2, REJECTED 3, TOO_OFTEN 4, TOKEN_EXPIRED 5, INVALID_TOKEN 6"
                    + common},
            {RtmStatusCode.PeerMessageError.class, "PEER_MESSAGE_ERR_",
                "OK 0, FAILURE 1, TIMEOUT 2, PEER_UNREACHABLE 3, CACHED_BY_SERVER 4, TOO_OFTEN 5, INVALID_USERID 6, "
                    + "INVALID_MESSAGE 7, IMCOMPATIBLE_MESSAGE 8" + common},
            {RtmStatusCode.ChannelMessageError.class, "CHANNEL_MESSAGE_ERR_",
                "OK 0, FAILURE 1, TIMEOUT 2, TOO_OFTEN 3, INVALID_MESSAGE 4" + common},
            {RtmStatusCode.JoinChannelError.class, "JOIN_CHANNEL_ERR_",
                "OK 0, FAILURE 1, REJECTED 2, INVALID_ARGUMENT 3, EXCEED_LIMIT 5, ALREADY_JOINED 6, TOO_OFTEN 7, "
                    + "JOIN_SAME_CHANNEL_TOO_OFTEN 8" + common},
            {RtmStatusCode.LeaveChannelError.class, "LEAVE_CHANNEL_ERR_",
                "OK 0, FAILURE 1, REJECTED 2, NOT_IN_CHANNEL 3, KICKED 4" + common},
            {RtmStatusCode.GetMembersError.class, "GET_MEMBERS_ERR_",
                "OK 0, FAILURE 1, REJECTED 2, TIMEOUT 3, TOO_OFTEN 4, NOT_IN_CHANNEL 5" + common},
            {RtmStatusCode.QueryPeersOnlineStatusError.class, "QUERY_PEERS_ONLINE_STATUS_ERR_",
                "OK 0, FAILURE 1, INVALID_ARGUMENT 2, REJECTED 3, TIMEOUT 4, TOO_OFTEN 5" + common},
            {RtmStatusCode.PeerSubscriptionStatusError.class, "PEER_SUBSCRIPTION_STATUS_ERR_",
                "OK 0, FAILURE 1, INVALID_ARGUMENT 2, REJECTED 3, TIMEOUT 4, TOO_OFTEN 5, OVERFLOW 6" + common},
            {RtmStatusCode.QueryPeersBySubscriptionOptionError.class, "QUERY_PEERS_BY_SUBSCRIPTION_OPTION_ERR_",
                "OK 0, FAILURE 1, TIMEOUT 2, TOO_OFTEN 3" + common},
            {RtmStatusCode.AttributeOperationError.class, "ATTRIBUTE_OPERATION_ERR_",
                "OK 0, NOT_READY 1, FAILURE 2, INVALID_ARGUMENT 3, SIZE_OVERFLOW 4, TOO_OFTEN 5, USER_NOT_FOUND 6, "
                    + "TIMEOUT 7" + common},
            {RtmStatusCode.GetChannelMemberCountErrCode.class, "GET_CHANNEL_MEMBER_COUNT_ERR_",
                "OK 0, FAILURE 1, INVALID_ARGUMENT 2, TOO_OFTEN 3, TIMEOUT 4, EXCEED_LIMIT 5" + common},
            {RtmStatusCode.SetRtmServiceContextError.class, "SET_RTM_SERVICE_CONTEXT_ERR_", "OK 0, FAILURE 1"},
            // Call invitations (SPEC C1-C7), as the reference lists them.
            {RtmStatusCode.InvitationApiCallError.class, "INVITATION_API_CALL_ERR_",
                "OK 0, INVALID_ARGUMENT 1, NOT_STARTED 2, ALREADY_END 3, ALREADY_ACCEPT 4, ALREADY_SENT 5"},
            {RtmStatusCode.LocalInvitationState.class, "LOCAL_INVITATION_STATE_",
                "IDLE 0, SENT_TO_REMOTE 1, RECEIVED_BY_REMOTE 2, ACCEPTED_BY_REMOTE 3, REFUSED_BY_REMOTE 4, CANCELED 5, "
                    + "FAILURE 6"},
            {RtmStatusCode.LocalInvitationError.class, "LOCAL_INVITATION_ERR_",
                "OK 0, PEER_OFFLINE 1, PEER_NO_RESPONSE 2, INVITATION_EXPIRE 3, NOT_LOGGEDIN 4"},
            {RtmStatusCode.RemoteInvitationState.class, "REMOTE_INVITATION_STATE_",
                "IDLE 0, INVITATION_RECEIVED 1, ACCEPT_SENT_TO_LOCAL 2, REFUSED 3, ACCEPTED 4, CANCELED 5, FAILURE 6"},
            {RtmStatusCode.RemoteInvitationError.class, "REMOTE_INVITATION_ERR_",
                "OK 0, PEER_OFFLINE 1, ACCEPT_FAILURE 2, INVITATION_EXPIRE 3"},
            // The media families' 102 is NOT_LOGGED_IN, not USER_NOT_LOGGED_IN.
            {RtmStatusCode.UploadMediaError.class, "UPLOAD_MEDIA_ERR_", "OK 0, FAILURE 1, INVALID_ARGUMENT 2, "
                + "TIMEOUT 3, SIZE_OVERFLOW 4, CONCURRENCY_LIMIT_EXCEEDED 5, INTERRUPTED 6, NOT_INITIALIZED 101, "
                + "NOT_LOGGED_IN 102"},
            {RtmStatusCode.DownloadMediaError.class, "DOWNLOAD_MEDIA_ERR_", "OK 0, FAILURE 1, INVALID_ARGUMENT 2, "
                + "TIMEOUT 3, NOT_EXIST 4, CONCURRENCY_LIMIT_EXCEEDED 5, INTERRUPTED 6, NOT_INITIALIZED 101, "
                + "NOT_LOGGED_IN 102"},
            {RtmStatusCode.CancelMediaError.class, "CANCEL_MEDIA_ERR_",
                "OK 0, FAILURE 1, NOT_EXIST 2, NOT_INITIALIZED 101, NOT_LOGGED_IN 102"},
        };
        assertEquals(families.length, RtmStatusCode.class.getDeclaredClasses().length);
        for (Object[] f : families) {
            Class<?> c = (Class<?>) f[0];
            assertTrue(c.isInterface() && Modifier.isPublic(c.getModifiers()));
            StringBuilder spec = new StringBuilder();
            for (String item : ((String) f[2]).split(",")) {
                spec.append(spec.length() > 0 ? "," : "").append(f[1]).append(item.trim());
            }
            if (c == RtmStatusCode.JoinChannelError.class) {
                spec.append(", JOIN_CHANNEL_TIMEOUT 4"); // the vendor's name, without ERR_
            }
            assertConstants(c, spec.toString());
        }
    }

    @Test
    public void serviceContext() throws Exception {
        Class<?> c = RtmServiceContext.class;
        assertTrue(Modifier.isPublic(c.getModifiers()) && !Modifier.isAbstract(c.getModifiers()));
        assertConstructors(c, "()");
        assertMethods(c, "String toString()");
        for (String f : new String[] {"areaCode", "proxyType"}) {
            Field field = c.getField(f);
            assertTrue(f, Modifier.isPublic(field.getModifiers()) && !Modifier.isStatic(field.getModifiers())
                    && field.getType() == int.class);
        }
        assertConstants(RtmServiceContext.RtmAreaCode.class,
                "AREA_CODE_CN 1, AREA_CODE_NA 2, AREA_CODE_EU 4, AREA_CODE_AS 8, AREA_CODE_JP 16, AREA_CODE_IN 32, "
                        + "AREA_CODE_GLOB -1");
        assertConstants(RtmServiceContext.RtmCloudProxyType.class, "NONE_PROXY 0, TCP_PROXY 1");
        Class<?> e = io.agora.rtm.jni.SET_RTM_SERVICE_CONTEXT_ERR_CODE.class;
        assertTrue(Modifier.isPublic(e.getModifiers()) && Modifier.isFinal(e.getModifiers()));
        assertConstructors(e);
        assertMethods(e, "int swigValue()", "static jni.SET_RTM_SERVICE_CONTEXT_ERR_CODE swigToEnum(int)",
                "String toString()");
        for (String f : new String[] {"SET_RTM_SERVICE_CONTEXT_ERR_OK", "SET_RTM_SERVICE_CONTEXT_ERR_FAILURE"}) {
            Field field = e.getField(f);
            int m = field.getModifiers();
            assertTrue(f, Modifier.isPublic(m) && Modifier.isStatic(m) && Modifier.isFinal(m) && field.getType() == e);
        }
    }

    /** A channel listener as written for the vendor's 1.0: it compiles only while the two newer events are default methods. */
    static final class OneZeroChannelListener implements RtmChannelListener {
        @Override
        public void onMessageReceived(RtmMessage message, RtmChannelMember fromMember) {
        }

        @Override
        public void onMemberJoined(RtmChannelMember member) {
        }

        @Override
        public void onMemberLeft(RtmChannelMember member) {
        }
    }

    /** As some vendor apps do, for the constants unqualified: compiles only while RtmStatusCode is an interface. */
    static final class UsesTheCodes implements RtmStatusCode {
        int ok() {
            return LoginError.LOGIN_ERR_OK;
        }
    }

    /** A listener as written for the vendor's 1.3 to 1.5.0, which had the media callbacks: they override. */
    static final class MediaEraListener implements RtmClientListener {
        int seen;

        @Override
        public void onConnectionStateChanged(int state, int reason) {
        }

        @Override
        public void onMessageReceived(RtmMessage message, String peerId) {
        }

        @Override
        public void onImageMessageReceivedFromPeer(RtmImageMessage message, String peerId) {
            seen++;
        }

        @Override
        public void onFileMessageReceivedFromPeer(RtmFileMessage message, String peerId) {
            seen++;
        }

        @Override
        public void onMediaUploadingProgress(RtmMediaOperationProgress progress, long requestId) {
        }

        @Override
        public void onMediaDownloadingProgress(RtmMediaOperationProgress progress, long requestId) {
        }
    }

    @Test
    public void programsWrittenForOlderVersionsCompile() {
        new OneZeroChannelListener().onMemberCountUpdated(3); // the default does nothing
        assertEquals(0, new UsesTheCodes().ok());
        MediaEraListener l = new MediaEraListener();
        l.onFileMessageReceivedFromPeer(null, "x");
        assertEquals(1, l.seen);
    }
}
