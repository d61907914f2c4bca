package io.agora.rtm;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertTrue;

import io.agora.rtm.RtmStatusCode.InvitationApiCallError;
import io.agora.rtm.RtmStatusCode.LocalInvitationError;
import io.agora.rtm.RtmStatusCode.LocalInvitationState;
import io.agora.rtm.RtmStatusCode.RemoteInvitationError;
import io.agora.rtm.RtmStatusCode.RemoteInvitationState;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.junit.Test;

/**
 * Call invitations (SPEC C1-C7) through the whole Java API, as the vendor's
 * call programs use it: RtmClient.getRtmCallManager, RtmCallManager,
 * LocalInvitation, RemoteInvitation and RtmCallEventListener, against a real
 * rtmd; bob's link goes through rtm-faultproxy. Timings are shortened as in
 * tests/e2e/invitation_e2e_test.cc: acknowledged within 3 s, expired after
 * 6 s, an accept acknowledged within 1.5 s.
 */
public class InvitationTest extends RtmTestBase {
    static final String[] PARAMS;

    static {
        List<String> p = new ArrayList<>(Arrays.asList(ResilienceTest.FAST_CLIENT));
        p.add("\"rtm.invitation_receive_timeout_ms\":3000");
        p.add("\"rtm.invitation_expire_ms\":6000");
        p.add("\"rtm.invitation_accept_ack_ms\":1500");
        PARAMS = p.toArray(new String[0]);
    }

    /**
     * A client's events, invitations included: "local received bob #2",
     * "local accepted bob: RESPONSE #3", "local failure bob 1 #6",
     * "remote received alice: CONTENT@CHANNEL #1", "remote canceled alice #5"
     * (the state after "#", read in the callback).
     */
    static final class Calls extends Recorder implements RtmCallEventListener {
        final List<LocalInvitation> locals = Collections.synchronizedList(new ArrayList<>());
        final List<RemoteInvitation> remotes = Collections.synchronizedList(new ArrayList<>());

        private void local(LocalInvitation i, String what) {
            locals.add(i);
            record("local " + what + " #" + i.getState());
        }

        private void remote(RemoteInvitation i, String what) {
            record("remote " + what + " #" + i.getState());
        }

        @Override
        public void onLocalInvitationReceivedByPeer(LocalInvitation i) {
            local(i, "received " + i.getCalleeId());
        }

        @Override
        public void onLocalInvitationAccepted(LocalInvitation i, String response) {
            assertEquals(response, i.getResponse());
            local(i, "accepted " + i.getCalleeId() + ": " + response);
        }

        @Override
        public void onLocalInvitationRefused(LocalInvitation i, String response) {
            assertEquals(response, i.getResponse());
            local(i, "refused " + i.getCalleeId() + ": " + response);
        }

        @Override
        public void onLocalInvitationCanceled(LocalInvitation i) {
            local(i, "canceled " + i.getCalleeId());
        }

        @Override
        public void onLocalInvitationFailure(LocalInvitation i, int errorCode) {
            local(i, "failure " + i.getCalleeId() + " " + errorCode);
        }

        @Override
        public void onRemoteInvitationReceived(RemoteInvitation i) {
            remotes.add(i);
            remote(i, "received " + i.getCallerId() + ": " + i.getContent() + "@" + i.getChannelId());
        }

        @Override
        public void onRemoteInvitationAccepted(RemoteInvitation i) {
            remote(i, "accepted " + i.getCallerId());
        }

        @Override
        public void onRemoteInvitationRefused(RemoteInvitation i) {
            remote(i, "refused " + i.getCallerId());
        }

        @Override
        public void onRemoteInvitationCanceled(RemoteInvitation i) {
            remote(i, "canceled " + i.getCallerId());
        }

        @Override
        public void onRemoteInvitationFailure(RemoteInvitation i, int errorCode) {
            remote(i, "failure " + i.getCallerId() + " " + errorCode);
        }

        RemoteInvitation lastRemote() {
            synchronized (remotes) {
                return remotes.isEmpty() ? null : remotes.get(remotes.size() - 1);
            }
        }
    }

    /** Alice (direct) and bob (through the proxy), logged in, with their listeners. */
    final class Scene implements AutoCloseable {
        final Rtmd rtmd;
        final FaultProxy proxy;
        final Calls alice = new Calls();
        final Calls bob = new Calls();
        final RtmClient a;
        final RtmClient b;
        final RtmCallManager am;
        final RtmCallManager bm;

        Scene(boolean bobLogsIn) throws Exception {
            rtmd = ResilienceTest.fastServer();
            proxy = new FaultProxy(rtmd.address());
            a = client(alice, rtmd.params(PARAMS));
            b = client(bob, proxy.params(PARAMS));
            am = a.getRtmCallManager();
            bm = b.getRtmCallManager();
            am.setEventListener(alice);
            bm.setEventListener(bob);
            assertEquals(0, login(a, "alice"));
            if (bobLogsIn) {
                assertEquals(0, login(b, "bob"));
            }
        }

        /** Alice rings bob; both see it (C2). */
        LocalInvitation ring(String content, String channel) throws Exception {
            LocalInvitation inv = am.createLocalInvitation("bob");
            inv.setContent(content);
            inv.setChannelId(channel);
            assertEquals(0, send(am, inv));
            assertTrue(bob.await("remote received alice: " + content + "@" + channel + " #1"));
            assertTrue(alice.await("local received bob #2"));
            return inv;
        }

        @Override
        public void close() throws Exception {
            proxy.close();
            rtmd.close();
        }
    }

    static int send(RtmCallManager m, LocalInvitation i) {
        Result<Void> r = new Result<>();
        m.sendLocalInvitation(i, r);
        return r.code();
    }

    static int cancel(RtmCallManager m, LocalInvitation i) {
        Result<Void> r = new Result<>();
        m.cancelLocalInvitation(i, r);
        return r.code();
    }

    static int accept(RtmCallManager m, RemoteInvitation i) {
        Result<Void> r = new Result<>();
        m.acceptRemoteInvitation(i, r);
        return r.code();
    }

    static int refuse(RtmCallManager m, RemoteInvitation i) {
        Result<Void> r = new Result<>();
        m.refuseRemoteInvitation(i, r);
        return r.code();
    }

    @Test
    public void c2_c5_anAcceptedCallGivesTheSameObjectsToTheListener() throws Exception {
        try (Scene sc = new Scene(true)) {
            assertSame(sc.am, sc.a.getRtmCallManager());
            LocalInvitation inv = sc.am.createLocalInvitation("bob");
            assertEquals(LocalInvitationState.LOCAL_INVITATION_STATE_IDLE, inv.getState());
            assertEquals("bob", inv.getCalleeId());
            inv.setContent("video? 视频");
            inv.setChannelId("room-1");
            assertEquals(0, send(sc.am, inv));
            assertTrue(sc.bob.await("remote received alice: video? 视频@room-1 #1"));
            assertTrue(sc.alice.await("local received bob #2"));
            assertSame(inv, sc.alice.locals.get(0));
            RemoteInvitation r = sc.bob.lastRemote();
            assertEquals("alice", r.getCallerId());
            r.setResponse("on my way");
            assertEquals(0, accept(sc.bm, r));
            assertTrue(sc.alice.await("local accepted bob: on my way #3"));
            assertTrue(sc.bob.await("remote accepted alice #4"));
            assertEquals("on my way", inv.getResponse());
            assertEquals(LocalInvitationState.LOCAL_INVITATION_STATE_ACCEPTED_BY_REMOTE, inv.getState());
            assertEquals(RemoteInvitationState.REMOTE_INVITATION_STATE_ACCEPTED, r.getState());
            assertSame(inv, sc.alice.locals.get(1));
            // Ended: the same codes whether the core or the Java object answers
            // (it gives its native handle back after the final event).
            for (int i = 0; i < 2; i++) {
                assertEquals(InvitationApiCallError.INVITATION_API_CALL_ERR_ALREADY_END, cancel(sc.am, inv));
                assertEquals(InvitationApiCallError.INVITATION_API_CALL_ERR_ALREADY_END, send(sc.am, inv));
                assertEquals(InvitationApiCallError.INVITATION_API_CALL_ERR_ALREADY_ACCEPT, accept(sc.bm, r));
                assertEquals(InvitationApiCallError.INVITATION_API_CALL_ERR_ALREADY_ACCEPT, refuse(sc.bm, r));
                Thread.sleep(100);
            }
        }
    }

    @Test
    public void c5_aRefusedCall() throws Exception {
        try (Scene sc = new Scene(true)) {
            LocalInvitation inv = sc.ring("hi", "");
            RemoteInvitation r = sc.bob.lastRemote();
            r.setResponse("busy");
            assertEquals(0, refuse(sc.bm, r));
            assertTrue(sc.bob.await("remote refused alice #3"));
            assertTrue(sc.alice.await("local refused bob: busy #4"));
            assertEquals(LocalInvitationState.LOCAL_INVITATION_STATE_REFUSED_BY_REMOTE, inv.getState());
        }
    }

    @Test
    public void c6_cancelAndEveryCallError() throws Exception {
        try (Scene sc = new Scene(true)) {
            LocalInvitation idle = sc.am.createLocalInvitation("bob");
            assertEquals(InvitationApiCallError.INVITATION_API_CALL_ERR_NOT_STARTED, cancel(sc.am, idle));
            LocalInvitation inv = sc.ring("call", "room");
            assertEquals(InvitationApiCallError.INVITATION_API_CALL_ERR_ALREADY_SENT, send(sc.am, inv));
            assertEquals(0, cancel(sc.am, inv));
            assertTrue(sc.alice.await("local canceled bob #5"));
            assertTrue(sc.bob.await("remote canceled alice #5"));
            assertEquals(InvitationApiCallError.INVITATION_API_CALL_ERR_ALREADY_END, cancel(sc.am, inv));
            assertEquals(InvitationApiCallError.INVITATION_API_CALL_ERR_ALREADY_END,
                    refuse(sc.bm, sc.bob.lastRemote()));

            sc.ring("again", "room");
            RemoteInvitation r = sc.bob.lastRemote();
            assertEquals(0, accept(sc.bm, r));
            assertEquals(InvitationApiCallError.INVITATION_API_CALL_ERR_ALREADY_ACCEPT, accept(sc.bm, r));
            assertEquals(InvitationApiCallError.INVITATION_API_CALL_ERR_ALREADY_ACCEPT, refuse(sc.bm, r));

            // INVALID_ARGUMENT: null, another client's, oneself, a bad callee,
            // content over 8 KB.
            int invalid = InvitationApiCallError.INVITATION_API_CALL_ERR_INVALID_ARGUMENT;
            assertEquals(invalid, send(sc.am, null));
            assertEquals(invalid, send(sc.bm, idle));
            assertEquals(invalid, accept(sc.am, r));
            assertEquals(invalid, send(sc.am, sc.am.createLocalInvitation("alice")));
            assertEquals(invalid, send(sc.am, sc.am.createLocalInvitation("bad/id")));
            LocalInvitation big = sc.am.createLocalInvitation("bob");
            char[] k = new char[8 * 1024 + 1];
            Arrays.fill(k, 'x');
            big.setContent(new String(k));
            assertEquals(invalid, send(sc.am, big));
            big.setChannelId("bad/channel");
            big.setContent("ok");
            assertEquals(invalid, send(sc.am, big));
            // Refused, the invitation stays idle and can be fixed and sent.
            assertEquals(LocalInvitationState.LOCAL_INVITATION_STATE_IDLE, big.getState());
            big.setChannelId("room");
            assertEquals(0, send(sc.am, big));
            assertTrue(sc.bob.await("remote received alice: ok@room #1"));
        }
    }

    @Test
    public void c1_aCallerNotLoggedInGetsNotLoggedIn() throws Exception {
        try (Scene sc = new Scene(false)) {
            LocalInvitation inv = sc.bm.createLocalInvitation("alice");
            assertEquals(0, send(sc.bm, inv));
            assertTrue(sc.bob.await("local failure alice " + LocalInvitationError.LOCAL_INVITATION_ERR_NOT_LOGGEDIN
                    + " #6"));
            assertEquals(InvitationApiCallError.INVITATION_API_CALL_ERR_ALREADY_END, send(sc.bm, inv));
        }
    }

    @Test
    public void c3_aCalleeOfflineIsPeerOffline() throws Exception {
        try (Scene sc = new Scene(false)) {
            LocalInvitation inv = sc.am.createLocalInvitation("bob");
            long t0 = System.nanoTime();
            assertEquals(0, send(sc.am, inv));
            assertTrue(sc.alice.await("local failure bob " + LocalInvitationError.LOCAL_INVITATION_ERR_PEER_OFFLINE
                    + " #6"));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue("after " + ms + " ms", ms >= 2900 && ms < 4500);
            // Well past the boundary: the age the callee sees is the server's less
            // the latencies, so 3 s itself is a race.
            Thread.sleep(500);
            assertEquals(0, login(sc.b, "bob"));
            Thread.sleep(1000);
            assertEquals(Collections.emptyList(), sc.bob.withPrefix("remote "));
        }
    }

    @Test
    public void c4_anUnansweredInvitationExpiresOnBothSides() throws Exception {
        try (Scene sc = new Scene(true)) {
            sc.ring("hello", "");
            assertTrue(sc.alice.await("local failure bob " + LocalInvitationError.LOCAL_INVITATION_ERR_INVITATION_EXPIRE
                    + " #6"));
            assertTrue(sc.bob.await("remote failure alice "
                    + RemoteInvitationError.REMOTE_INVITATION_ERR_INVITATION_EXPIRE + " #6"));
        }
    }

    @Test
    public void c5_anAcceptWhoseAcknowledgementCannotComeIsAcceptFailure() throws Exception {
        try (Scene sc = new Scene(true)) {
            // Bob (behind the proxy) calls; his link goes silent once alice has it.
            LocalInvitation inv = sc.bm.createLocalInvitation("alice");
            assertEquals(0, send(sc.bm, inv));
            assertTrue(sc.bob.await("local received alice #2"));
            sc.proxy.silent();
            assertEquals(0, accept(sc.am, sc.alice.lastRemote()));
            assertTrue(sc.alice.await("remote failure bob " + RemoteInvitationError.REMOTE_INVITATION_ERR_ACCEPT_FAILURE
                    + " #6"));
            sc.proxy.pass();
            assertTrue(sc.bob.await("local failure alice " + LocalInvitationError.LOCAL_INVITATION_ERR_PEER_NO_RESPONSE
                    + " #6"));
            assertEquals(Collections.emptyList(), sc.bob.withPrefix("local accepted"));
        }
    }

    @Test
    public void c7_theCalleeInterruptedGetsTheCancelOnceAfterwards() throws Exception {
        try (Scene sc = new Scene(true)) {
            LocalInvitation inv = sc.ring("x", "");
            sc.proxy.silent();
            assertEquals(0, cancel(sc.am, inv));
            assertTrue(sc.alice.await("local canceled bob #5"));
            Thread.sleep(1500);
            assertEquals(0, sc.bob.count("remote canceled alice #5"));
            sc.proxy.pass();
            assertTrue(sc.bob.await("remote canceled alice #5"));
            Thread.sleep(500);
            assertEquals(1, sc.bob.count("remote canceled alice #5"));
        }
    }

    @Test
    public void c7_logoutAndReleaseEndOpenInvitations() throws Exception {
        try (Scene sc = new Scene(true)) {
            LocalInvitation inv = sc.ring("x", "");
            assertEquals(0, logout(sc.a));
            assertTrue(sc.alice.await("local failure bob " + LocalInvitationError.LOCAL_INVITATION_ERR_NOT_LOGGEDIN
                    + " #6"));
            assertTrue(sc.bob.await("remote failure alice " + RemoteInvitationError.REMOTE_INVITATION_ERR_PEER_OFFLINE
                    + " #6"));
            assertEquals(LocalInvitationState.LOCAL_INVITATION_STATE_FAILURE, inv.getState());

            assertEquals(0, login(sc.a, "alice"));
            sc.ring("y", "");
            RemoteInvitation r = sc.bob.lastRemote();
            sc.b.release(); // the callee goes away: its invitation ends, the caller hears it
            assertTrue(sc.bob.await("remote failure alice " + RemoteInvitationError.REMOTE_INVITATION_ERR_PEER_OFFLINE
                    + " #6", 2));
            assertTrue(sc.alice.await("local failure bob " + LocalInvitationError.LOCAL_INVITATION_ERR_PEER_OFFLINE
                    + " #6"));
            assertEquals(RemoteInvitationState.REMOTE_INVITATION_STATE_FAILURE, r.getState());
            assertEquals(InvitationApiCallError.INVITATION_API_CALL_ERR_ALREADY_END, accept(sc.bm, r));
        }
    }

    @Test
    public void c1_c6_callsBackToBackGetTheirCodes() throws Exception {
        try (Scene sc = new Scene(true)) {
            LocalInvitation inv = sc.am.createLocalInvitation("bob");
            Result<Void> first = new Result<>();
            Result<Void> second = new Result<>();
            sc.am.sendLocalInvitation(inv, first);
            sc.am.sendLocalInvitation(inv, second);
            assertEquals(0, first.code());
            assertEquals(InvitationApiCallError.INVITATION_API_CALL_ERR_ALREADY_SENT, second.code());
            assertTrue(sc.bob.await("remote received alice: @ #1"));
            RemoteInvitation r = sc.bob.lastRemote();
            Result<Void> a1 = new Result<>();
            Result<Void> a2 = new Result<>();
            Result<Void> a3 = new Result<>();
            sc.bm.acceptRemoteInvitation(r, a1);
            sc.bm.acceptRemoteInvitation(r, a2);
            sc.bm.refuseRemoteInvitation(r, a3);
            assertEquals(0, a1.code());
            assertEquals(InvitationApiCallError.INVITATION_API_CALL_ERR_ALREADY_ACCEPT, a2.code());
            assertEquals(InvitationApiCallError.INVITATION_API_CALL_ERR_ALREADY_ACCEPT, a3.code());
        }
    }

    /**
     * C7 and the lifetime rule: release() while other threads call on the
     * client's invitations. Release ends them (their failures come), every call
     * gets one result, and nothing waits for anything else (a call that is the
     * last one out of the released client closes it while holding no lock).
     */
    @Test
    public void c7_releaseRacingInvitationCallsNeverDeadlocks() throws Exception {
        try (Rtmd rtmd = ResilienceTest.fastServer()) {
            Calls bob = new Calls();
            RtmClient b = client(bob, rtmd.params(PARAMS));
            b.getRtmCallManager().setEventListener(bob);
            assertEquals(0, login(b, "bob"));
            for (int round = 0; round < 10; round++) {
                Calls alice = new Calls();
                RtmClient a = RtmClient.createInstance(APP_ID, alice);
                assertEquals(0, a.setParameters(rtmd.params(PARAMS)));
                RtmCallManager m = a.getRtmCallManager();
                m.setEventListener(alice);
                assertEquals(0, login(a, "alice"));
                List<Result<Void>> results = Collections.synchronizedList(new ArrayList<>());
                List<LocalInvitation> invs = new ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    LocalInvitation inv = m.createLocalInvitation("bob");
                    invs.add(inv);
                    Result<Void> r = new Result<>();
                    results.add(r);
                    m.sendLocalInvitation(inv, r);
                }
                // The caller is inside a call nearly all the time, so the
                // release lands in one: that call is then the last one out
                // of the client and closes it (Guard).
                java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
                Thread caller = new Thread(() -> {
                    for (int k = 0; !stop.get() && k < 20_000; k++) {
                        LocalInvitation inv = invs.get(k % invs.size());
                        Result<Void> r = new Result<>();
                        if (k % 2 == 0) {
                            m.cancelLocalInvitation(inv, r);
                        } else {
                            m.sendLocalInvitation(inv, r);
                        }
                        if (k % 100 == 0) {
                            results.add(r);
                        }
                    }
                });
                caller.start();
                Thread.sleep(2);
                Thread releaser = new Thread(a::release);
                releaser.start();
                releaser.join(10_000);
                stop.set(true);
                caller.join(10_000);
                assertTrue("round " + round + ": release returned", !releaser.isAlive());
                assertTrue("round " + round + ": the calls returned", !caller.isAlive());
                synchronized (results) {
                    for (Result<Void> r : results) {
                        r.code(); // each got its result (15 s at most)
                    }
                }
                for (LocalInvitation inv : invs) {
                    int st = inv.getState();
                    assertTrue("round " + round + ": state " + st, st >= LocalInvitationState.LOCAL_INVITATION_STATE_ACCEPTED_BY_REMOTE
                            || st == LocalInvitationState.LOCAL_INVITATION_STATE_IDLE);
                }
            }
        }
    }

    /**
     * Two first sends of one invitation at once, from two threads: one goes,
     * the other is ALREADY_SENT, and the invitation stays the one that went
     * (cancelable, answered to this object).
     */
    @Test
    public void c1_twoFirstSendsAtOnceSendOnce() throws Exception {
        try (Scene sc = new Scene(true)) {
            for (int round = 0; round < 100; round++) {
                LocalInvitation inv = sc.am.createLocalInvitation("bob");
                Result<Void> r1 = new Result<>();
                Result<Void> r2 = new Result<>();
                java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
                Thread t = new Thread(() -> {
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    sc.am.sendLocalInvitation(inv, r2);
                });
                t.start();
                go.countDown();
                sc.am.sendLocalInvitation(inv, r1);
                t.join();
                List<Integer> codes = new ArrayList<>(Arrays.asList(r1.code(), r2.code()));
                Collections.sort(codes);
                assertEquals("round " + round, Arrays.asList(0,
                        InvitationApiCallError.INVITATION_API_CALL_ERR_ALREADY_SENT), codes);
                assertTrue("round " + round + ": state " + inv.getState(),
                        inv.getState() != LocalInvitationState.LOCAL_INVITATION_STATE_IDLE);
                assertEquals("round " + round, 0, cancel(sc.am, inv));
                assertTrue(sc.alice.await("local canceled bob #5", round + 1));
            }
        }
    }

    /** Bad input from the API: nulls are INVALID_ARGUMENT (or ""), never an exception. */
    @Test
    public void nullArgumentsAreInvalidArgumentsNotExceptions() throws Exception {
        try (Scene sc = new Scene(true)) {
            int invalid = InvitationApiCallError.INVITATION_API_CALL_ERR_INVALID_ARGUMENT;
            LocalInvitation nobody = sc.am.createLocalInvitation(null);
            assertEquals(null, nobody.getCalleeId());
            assertEquals(invalid, send(sc.am, nobody));
            assertEquals(invalid, cancel(sc.am, null));
            assertEquals(invalid, accept(sc.bm, null));
            assertEquals(invalid, refuse(sc.bm, null));
            LocalInvitation inv = sc.am.createLocalInvitation("bob");
            inv.setContent(null);
            inv.setChannelId(null);
            assertEquals("", inv.getContent());
            assertEquals("", inv.getChannelId());
            sc.am.sendLocalInvitation(inv, null); // no callback: fine
            assertTrue(sc.bob.await("remote received alice: @ #1"));
            sc.bob.lastRemote().setResponse(null);
            assertEquals("", sc.bob.lastRemote().getResponse());
            sc.bm.setEventListener(null); // events go nowhere, the calls still work
            assertEquals(0, refuse(sc.bm, sc.bob.lastRemote()));
            assertTrue(sc.alice.await("local refused bob:  #4"));
        }
    }

    @Test
    public void endCallPrefixIsTheVendors() {
        assertEquals("AgoraRTMLegacyEndcallCompatibleMessagePrefix", RtmClient.AGORA_RTM_END_CALL_PREFIX);
        assertNotNull(RtmCallEventListener.class);
    }
}
