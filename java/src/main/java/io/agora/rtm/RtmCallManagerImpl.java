package io.agora.rtm;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentHashMap;

/**
 * RtmCallManager over the C core's invitations (rtm.h, "Call invitations").
 * The native events name an invitation by its native handle; an invitation
 * open is kept here, by handle, so that the listener gets the very object
 * the application made (local) or was first given (remote), even if the
 * application kept no reference to it. An invitation holds its native
 * handle (through a Guard, as the client and its channels do) while it is
 * open and gives it back at its final event, so nothing native outlives an
 * ended invitation, whatever the garbage collector does. The client's
 * handle is taken before any lock and given back after it (the last one out
 * of a released client runs its blocking close), and the event path takes
 * no lock at all.
 */
final class RtmCallManagerImpl extends RtmCallManager {
    // The steps of RtmNative.invitationCall.
    static final int SEND = 0;
    static final int CANCEL = 1;
    static final int ACCEPT = 2;
    static final int REFUSE = 3;

    // The events of RtmClientImpl.nativeOnInvitation (jni/invitations_jni.c).
    static final int LOCAL_RECEIVED = 0;
    static final int LOCAL_ACCEPTED = 1;
    static final int LOCAL_REFUSED = 2;
    static final int LOCAL_CANCELED = 3;
    static final int LOCAL_FAILURE = 4;
    static final int REMOTE_RECEIVED = 5;
    static final int REMOTE_ACCEPTED = 6;
    static final int REMOTE_REFUSED = 7;
    static final int REMOTE_CANCELED = 8;
    static final int REMOTE_FAILURE = 9;

    /** Content and responses: UTF-8 of at most 8 KB (C1). */
    static final int MAX_TEXT_BYTES = 8 * 1024;

    private static final int FAMILY = RtmNative.FAMILY_INVITATION_API_CALL_ERR;
    private static final int INVALID = RtmStatusCode.InvitationApiCallError.INVITATION_API_CALL_ERR_INVALID_ARGUMENT;
    private static final int ALREADY_END = RtmStatusCode.InvitationApiCallError.INVITATION_API_CALL_ERR_ALREADY_END;
    private static final int NOT_STARTED = RtmStatusCode.InvitationApiCallError.INVITATION_API_CALL_ERR_NOT_STARTED;

    private final RtmClientImpl client;
    private volatile RtmCallEventListener listener;
    private final ConcurrentHashMap<Long, LocalInvitationImpl> locals = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Long, RemoteInvitationImpl> remotes = new ConcurrentHashMap<>();

    RtmCallManagerImpl(RtmClientImpl client) {
        this.client = client;
    }

    @Override
    public void setEventListener(RtmCallEventListener listener) {
        this.listener = listener;
    }

    @Override
    public LocalInvitation createLocalInvitation(String calleeId) {
        return new LocalInvitationImpl(this, calleeId);
    }

    @Override
    public void sendLocalInvitation(LocalInvitation invitation, ResultCallback<Void> callback) {
        LocalInvitationImpl l = localOf(invitation);
        byte[] content = l != null ? utf8(l.getContent()) : null;
        if (l == null || content.length > MAX_TEXT_BYTES) {
            Pending.fail(callback, FAMILY, INVALID);
            return;
        }
        long ch = client.enterHandle(); // before any lock (RtmClientImpl.enterHandle)
        if (ch == 0) {
            Pending.fail(callback, FAMILY, ALREADY_END);
            return;
        }
        try {
            // The first send makes the native handle and submits under one lock, so
            // that the core takes sends in the order they got it: a fresh send
            // is the first, and only a real refusal makes it unsent.
            synchronized (l.sendLock) {
                Guard g = l.guard;
                long h = g.enter();
                boolean fresh = false;
                if (h == 0) {
                    if (l.ended()) {
                        Pending.fail(callback, FAMILY, ALREADY_END);
                        return;
                    }
                    long nh = RtmNative.invitationCreate(ch, l.getCalleeId());
                    if (nh == 0) {
                        Pending.fail(callback, FAMILY, INVALID); // an invalid callee id
                        return;
                    }
                    g.set(nh, x -> RtmNative.invitationRelease(x, true));
                    locals.put(nh, l); // before any event of it
                    h = g.enter();
                    fresh = true;
                }
                final long sent = h;
                try {
                    submit(ch, SEND, h, content, utf8(l.getChannelId()), callback,
                            fresh ? code -> unsent(l, g, sent, code) : null);
                } finally {
                    g.exit();
                }
            }
        } finally {
            client.exitHandle();
        }
    }

    /**
     * A first send refused (INVALID_ARGUMENT: to oneself): it never went, so it
     * gives its handle back and stays IDLE, to be fixed and sent again.
     */
    private void unsent(LocalInvitationImpl l, Guard g, long handle, int code) {
        if (code != INVALID) {
            return; // OK: the core has it, its events follow, the last one gives the handle back
        }
        synchronized (l.sendLock) {
            if (l.guard == g) {
                locals.remove(handle, l);
                l.guard = new Guard();
            }
        }
        g.close();
    }

    /** An invitation's native call with the client's handle ch; a refusal at once is reported here. */
    private static void submit(long ch, int step, long h, byte[] a, byte[] b, ResultCallback<Void> callback,
            java.util.function.IntConsumer settle) {
        int rc = RtmNative.invitationCall(ch, step, h, a, b, new Pending(FAMILY, callback, settle));
        if (rc < 0) {
            if (settle != null) {
                settle.accept(-rc);
            }
            Pending.fail(callback, FAMILY, -rc);
        }
    }

    @Override
    public void cancelLocalInvitation(LocalInvitation invitation, ResultCallback<Void> callback) {
        LocalInvitationImpl l = localOf(invitation);
        if (l == null) {
            Pending.fail(callback, FAMILY, INVALID);
            return;
        }
        Guard g = l.guard;
        long h = g.enter();
        if (h == 0) {
            Pending.fail(callback, FAMILY, l.ended() ? ALREADY_END : NOT_STARTED);
            return;
        }
        try {
            call(CANCEL, h, null, callback);
        } finally {
            g.exit();
        }
    }

    /** A call on an invitation whose handle h the caller holds (counted in its Guard). */
    private void call(int step, long h, byte[] a, ResultCallback<Void> callback) {
        long ch = client.enterHandle();
        if (ch == 0) {
            Pending.fail(callback, FAMILY, ALREADY_END); // release ended it (C7)
            return;
        }
        try {
            submit(ch, step, h, a, null, callback, null);
        } finally {
            client.exitHandle();
        }
    }

    @Override
    public void acceptRemoteInvitation(RemoteInvitation invitation, ResultCallback<Void> callback) {
        answer(ACCEPT, invitation, callback);
    }

    @Override
    public void refuseRemoteInvitation(RemoteInvitation invitation, ResultCallback<Void> callback) {
        answer(REFUSE, invitation, callback);
    }

    private void answer(int step, RemoteInvitation invitation, ResultCallback<Void> callback) {
        RemoteInvitationImpl r = invitation instanceof RemoteInvitationImpl
                && ((RemoteInvitationImpl) invitation).owner == this ? (RemoteInvitationImpl) invitation : null;
        byte[] response = r != null ? utf8(r.getResponse()) : null;
        if (r == null || response.length > MAX_TEXT_BYTES) {
            Pending.fail(callback, FAMILY, INVALID);
            return;
        }
        long h = r.guard.enter();
        if (h == 0) { // ended: as the core answers it
            boolean accepted = r.endState == RtmStatusCode.RemoteInvitationState.REMOTE_INVITATION_STATE_ACCEPTED;
            Pending.fail(callback, FAMILY, accepted
                    ? RtmStatusCode.InvitationApiCallError.INVITATION_API_CALL_ERR_ALREADY_ACCEPT : ALREADY_END);
            return;
        }
        try {
            call(step, h, response, callback);
        } finally {
            r.guard.exit();
        }
    }

    private LocalInvitationImpl localOf(LocalInvitation invitation) {
        if (!(invitation instanceof LocalInvitationImpl)) {
            return null;
        }
        LocalInvitationImpl l = (LocalInvitationImpl) invitation;
        return l.owner == this ? l : null;
    }

    static byte[] utf8(String s) {
        return (s != null ? s : "").getBytes(StandardCharsets.UTF_8);
    }

    private static String text(byte[] b) {
        return b != null ? new String(b, StandardCharsets.UTF_8) : "";
    }

    /** The state a final event leaves, or -1 for the events of an open invitation. */
    private static int finalState(int event) {
        switch (event) {
            case LOCAL_ACCEPTED:
                return RtmStatusCode.LocalInvitationState.LOCAL_INVITATION_STATE_ACCEPTED_BY_REMOTE;
            case LOCAL_REFUSED:
                return RtmStatusCode.LocalInvitationState.LOCAL_INVITATION_STATE_REFUSED_BY_REMOTE;
            case LOCAL_CANCELED:
                return RtmStatusCode.LocalInvitationState.LOCAL_INVITATION_STATE_CANCELED;
            case LOCAL_FAILURE:
                return RtmStatusCode.LocalInvitationState.LOCAL_INVITATION_STATE_FAILURE;
            case REMOTE_ACCEPTED:
                return RtmStatusCode.RemoteInvitationState.REMOTE_INVITATION_STATE_ACCEPTED;
            case REMOTE_REFUSED:
                return RtmStatusCode.RemoteInvitationState.REMOTE_INVITATION_STATE_REFUSED;
            case REMOTE_CANCELED:
                return RtmStatusCode.RemoteInvitationState.REMOTE_INVITATION_STATE_CANCELED;
            case REMOTE_FAILURE:
                return RtmStatusCode.RemoteInvitationState.REMOTE_INVITATION_STATE_FAILURE;
            default:
                return -1;
        }
    }

    /** An event of the native core, on the client's callback thread. It takes no lock. */
    void onNative(int event, long handle, int code, byte[] a, byte[] b, byte[] c) {
        RtmCallEventListener li = listener;
        int fin = finalState(event);
        if (event <= LOCAL_FAILURE) {
            LocalInvitationImpl l = locals.get(handle);
            if (l == null) {
                return;
            }
            try {
                if (event == LOCAL_ACCEPTED || event == LOCAL_REFUSED) {
                    l.answered(text(a));
                }
                if (li != null) {
                    localEvent(li, event, l, code);
                }
            } finally {
                if (fin >= 0) {
                    locals.remove(handle, l);
                    l.ended(handle, fin);
                }
            }
            return;
        }
        RemoteInvitationImpl r = event == REMOTE_RECEIVED
                // the native shim retained the handle for this object
                ? new RemoteInvitationImpl(this, handle, text(a), text(b), text(c))
                : remotes.get(handle);
        if (r == null) {
            return;
        }
        if (event == REMOTE_RECEIVED) {
            remotes.put(handle, r);
        }
        try {
            if (li != null) {
                remoteEvent(li, event, r, code);
            }
        } finally {
            if (fin >= 0) {
                remotes.remove(handle, r);
                r.ended(fin);
            }
        }
    }

    private static void localEvent(RtmCallEventListener li, int event, LocalInvitationImpl l, int code) {
        switch (event) {
            case LOCAL_RECEIVED:
                li.onLocalInvitationReceivedByPeer(l);
                break;
            case LOCAL_ACCEPTED:
                li.onLocalInvitationAccepted(l, l.getResponse());
                break;
            case LOCAL_REFUSED:
                li.onLocalInvitationRefused(l, l.getResponse());
                break;
            case LOCAL_CANCELED:
                li.onLocalInvitationCanceled(l);
                break;
            default:
                li.onLocalInvitationFailure(l, code);
                break;
        }
    }

    private static void remoteEvent(RtmCallEventListener li, int event, RemoteInvitationImpl r, int code) {
        switch (event) {
            case REMOTE_RECEIVED:
                li.onRemoteInvitationReceived(r);
                break;
            case REMOTE_ACCEPTED:
                li.onRemoteInvitationAccepted(r);
                break;
            case REMOTE_REFUSED:
                li.onRemoteInvitationRefused(r);
                break;
            case REMOTE_CANCELED:
                li.onRemoteInvitationCanceled(r);
                break;
            default:
                li.onRemoteInvitationFailure(r, code);
                break;
        }
    }
}
