package io.agora.rtm;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * One operation in flight: the native shim holds a global reference to it and
 * calls {@link #nativeOnResult} or {@link #nativeOnMembers} exactly once, as a
 * callback of the client (on a callback thread), then drops the reference.
 */
final class Pending {
    private final int family;
    private final ResultCallback<?> callback;
    private final String channelId; // getMembers only
    private final java.util.function.IntConsumer before; // invitation calls: gets the code before the callback; or null

    Pending(int family, ResultCallback<?> callback) {
        this(family, callback, (String) null);
    }

    Pending(int family, ResultCallback<?> callback, String channelId) {
        this.family = family;
        this.callback = callback;
        this.channelId = channelId;
        this.before = null;
    }

    Pending(int family, ResultCallback<?> callback, java.util.function.IntConsumer before) {
        this.family = family;
        this.callback = callback;
        this.channelId = null;
        this.before = before;
    }

    /** Called by the native shim. */
    @SuppressWarnings("unchecked")
    void nativeOnResult(int code) {
        if (before != null) {
            before.accept(code);
        }
        if (callback == null) {
            return;
        }
        if (code == 0) {
            ((ResultCallback<Void>) callback).onSuccess(null);
        } else {
            callback.onFailure(errorInfo(family, code));
        }
    }

    /** Called by the native shim for getMembers. */
    @SuppressWarnings("unchecked")
    void nativeOnMembers(int code, String[] userIds) {
        if (callback == null) {
            return;
        }
        if (code != 0) {
            callback.onFailure(errorInfo(family, code));
            return;
        }
        List<RtmChannelMember> members = new ArrayList<>(userIds.length);
        for (String u : userIds) {
            members.add(new RtmChannelMemberImpl(u, channelId));
        }
        ((ResultCallback<List<RtmChannelMember>>) callback).onSuccess(Collections.unmodifiableList(members));
    }

    /** Called by the native shim for getUserAttributes(ByKeys): keys and values as UTF-8. */
    @SuppressWarnings("unchecked")
    void nativeOnAttributes(int code, byte[][] keys, byte[][] values) {
        if (callback == null) {
            return;
        }
        if (code != 0) {
            callback.onFailure(errorInfo(family, code));
            return;
        }
        List<RtmAttribute> attrs = new ArrayList<>(keys.length);
        for (int i = 0; i < keys.length; i++) {
            attrs.add(new RtmAttribute(new String(keys[i], StandardCharsets.UTF_8),
                    new String(values[i], StandardCharsets.UTF_8)));
        }
        ((ResultCallback<List<RtmAttribute>>) callback).onSuccess(attrs);
    }

    /** Called by the native shim for getChannelAttributes(ByKeys). */
    @SuppressWarnings("unchecked")
    void nativeOnChannelAttributes(int code, byte[][] keys, byte[][] values, String[] users, long[] ts) {
        if (callback == null) {
            return;
        }
        if (code != 0) {
            callback.onFailure(errorInfo(family, code));
            return;
        }
        ((ResultCallback<List<RtmChannelAttribute>>) callback).onSuccess(
                channelAttributes(keys, values, users, ts));
    }

    /** Channel attributes from the arrays the native shim passes. */
    static List<RtmChannelAttribute> channelAttributes(byte[][] keys, byte[][] values, String[] users,
            long[] ts) {
        List<RtmChannelAttribute> attrs = new ArrayList<>(keys.length);
        for (int i = 0; i < keys.length; i++) {
            attrs.add(new RtmChannelAttribute(new String(keys[i], StandardCharsets.UTF_8),
                    new String(values[i], StandardCharsets.UTF_8), users[i], ts[i]));
        }
        return attrs;
    }

    /**
     * Called by the native shim for the presence queries: queryPeersOnlineStatus
     * gets a map of "is ONLINE", queryPeersBySubscriptionOption the set of users.
     */
    @SuppressWarnings("unchecked")
    void nativeOnPeerStates(int code, String[] users, int[] states) {
        if (callback == null) {
            return;
        }
        if (code != 0) {
            callback.onFailure(errorInfo(family, code));
            return;
        }
        if (family == RtmNative.FAMILY_QUERY_PEERS_ONLINE_STATUS_ERR) {
            java.util.Map<String, Boolean> online = new java.util.HashMap<>();
            for (int i = 0; i < users.length; i++) {
                online.put(users[i], states[i] == PeerOnlineState.ONLINE);
            }
            ((ResultCallback<java.util.Map<String, Boolean>>) callback).onSuccess(online);
        } else {
            java.util.Set<String> set = new java.util.HashSet<>(java.util.Arrays.asList(users));
            ((ResultCallback<java.util.Set<String>>) callback).onSuccess(set);
        }
    }

    /** Called by the native shim for getChannelMemberCount. */
    @SuppressWarnings("unchecked")
    void nativeOnMemberCounts(int code, String[] channels, int[] counts) {
        if (callback == null) {
            return;
        }
        if (code != 0) {
            callback.onFailure(errorInfo(family, code));
            return;
        }
        List<RtmChannelMemberCount> list = new ArrayList<>(channels.length);
        for (int i = 0; i < channels.length; i++) {
            list.add(new RtmChannelMemberCount(channels[i], counts[i]));
        }
        ((ResultCallback<List<RtmChannelMemberCount>>) callback).onSuccess(list);
    }

    /** The RtmRequestId of a media call, set from its result too (it may come before the call returns). */
    RtmRequestId requestId;

    /** Called by the native shim for an upload: the stored media's message on success. */
    @SuppressWarnings("unchecked")
    void nativeOnUploaded(int code, long rid, int type, byte[] mediaId, long size, byte[] fileName,
            int[] dims) {
        if (!transferSucceeded(code, rid)) {
            return;
        }
        MediaFields f = MediaFields.fromNative(type, mediaId, size, fileName, null, dims, null, 0, false);
        ((ResultCallback<Object>) callback).onSuccess(f.toMessage());
    }

    /** Called by the native shim for a download: the bytes (to memory), or null (to a file). */
    @SuppressWarnings("unchecked")
    void nativeOnDownloaded(int code, long rid, byte[] data) {
        if (transferSucceeded(code, rid)) {
            ((ResultCallback<byte[]>) callback).onSuccess(data);
        }
    }

    /** A transfer's result: its id set, a failure reported; true when there is a success to report. */
    private boolean transferSucceeded(int code, long rid) {
        if (requestId != null) {
            requestId.setRequestId(rid);
        }
        if (callback == null) {
            return false;
        }
        if (code != 0) {
            callback.onFailure(errorInfo(family, code));
            return false;
        }
        return true;
    }

    static ErrorInfo errorInfo(int family, int code) {
        return new ErrorInfo(code, RtmNative.codeName(family, code));
    }

    /** Reports a failure at once, on the calling thread (the operation never reached the core). */
    static void fail(ResultCallback<?> callback, int family, int code) {
        if (callback != null) {
            callback.onFailure(errorInfo(family, code));
        }
    }

    /**
     * A native's return value: 0 or a code means the core has the operation
     * and will call back; a negative value means the shim failed before
     * handing it over (out of memory) and -rc is reported here, at once.
     */
    static void shimFailed(ResultCallback<?> callback, int family, int rc) {
        if (rc < 0) {
            fail(callback, family, -rc);
        }
    }
}
