package io.agora.rtm;

import static io.agora.rtm.Recorder.CONNECTED;
import static io.agora.rtm.Recorder.CONNECTING;
import static io.agora.rtm.Recorder.INTERRUPTED;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.agora.rtm.RtmStatusCode.AttributeOperationError;
import io.agora.rtm.RtmStatusCode.ConnectionChangeReason;
import io.agora.rtm.RtmStatusCode.ConnectionState;
import io.agora.rtm.RtmStatusCode.PeerMessageError;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.junit.Test;

/**
 * Interruption, reconnection and replay (SPEC S7-S14, B1, B2) as a Java
 * listener sees them: the client's link goes through rtm-faultproxy, which
 * silences it on command; rtmd and the client run with timings shortened to
 * a quarter (the interruption is reported after 1 s, a silent link is dead
 * after 300 ms, the server keeps a lost session 3 s), as
 * tests/e2e/resilience_e2e_test.cc does for the C API.
 */
public class ResilienceTest extends RtmTestBase {
    static final String[] FAST_CLIENT = {"\"rtm.heartbeat_ms\":100", "\"rtm.link_timeout_ms\":300",
        "\"rtm.interrupt_report_ms\":1000", "\"rtm.reconnect_min_ms\":50", "\"rtm.reconnect_max_ms\":400"};

    static Rtmd fastServer(String... extra) throws Exception {
        List<String> args = new ArrayList<>(Arrays.asList("--heartbeat-ms", "100", "--idle-timeout-ms", "300",
                "--session-grace-ms", "3000"));
        args.addAll(Arrays.asList(extra));
        return new Rtmd(args.toArray(new String[0]));
    }

    /** Recorder, with every (state, reason) also kept as its two integers. */
    static final class Listener extends Recorder {
        final List<String> pairs = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void onConnectionStateChanged(int state, int reason) {
            pairs.add(state + "/" + reason);
            super.onConnectionStateChanged(state, reason);
        }
    }

    static String pair(int state, int reason) {
        return state + "/" + reason;
    }

    @Test
    public void s7_s8_outageIsReportedAsReconnectingThenConnectedAgainWithExactValues() throws Exception {
        try (Rtmd rtmd = fastServer(); FaultProxy proxy = new FaultProxy(rtmd.address())) {
            Listener bob = new Listener();
            RtmClient c = client(bob, proxy.params(FAST_CLIENT));
            Result<Void> login = new Result<>();
            c.login(null, "bob", login);
            assertEquals(0, login.code());
            long silentAt = System.nanoTime();
            proxy.silent();
            assertTrue(bob.await(INTERRUPTED));
            long reportedMs = (System.nanoTime() - silentAt) / 1_000_000;
            // S7: reported the (scaled) 4 s after the last data, which came at
            // most one server heartbeat (100 ms) before the silence.
            assertTrue("reported after " + reportedMs + " ms", reportedMs >= 900 && reportedMs < 3000);
            Thread.sleep(300);
            proxy.pass();
            // S8: it logs in again by itself and reports CONNECTED, LOGIN_SUCCESS.
            assertTrue(bob.await(CONNECTED, 2));
            assertEquals(Arrays.asList(
                    pair(ConnectionState.CONNECTION_STATE_CONNECTING, ConnectionChangeReason.CONNECTION_CHANGE_REASON_LOGIN),
                    pair(ConnectionState.CONNECTION_STATE_CONNECTED,
                            ConnectionChangeReason.CONNECTION_CHANGE_REASON_LOGIN_SUCCESS),
                    pair(ConnectionState.CONNECTION_STATE_RECONNECTING,
                            ConnectionChangeReason.CONNECTION_CHANGE_REASON_INTERRUPTED),
                    pair(ConnectionState.CONNECTION_STATE_CONNECTED,
                            ConnectionChangeReason.CONNECTION_CHANGE_REASON_LOGIN_SUCCESS)),
                    bob.pairs);
            // The exact integers of the public API: 2/1, 3/2, 4/5, 3/2.
            assertEquals(Arrays.asList("2/1", "3/2", "4/5", "3/2"), bob.pairs);
            // S8: no login result callback for the automatic login.
            Thread.sleep(200);
            assertEquals(1, login.calls());
            assertEquals(Arrays.asList(CONNECTING, CONNECTED, INTERRUPTED, CONNECTED), bob.states());
        }
    }

    @Test
    public void s7_blipShorterThanTheReportTimeReportsNothing() throws Exception {
        try (Rtmd rtmd = fastServer(); FaultProxy proxy = new FaultProxy(rtmd.address())) {
            Recorder alice = new Recorder();
            Listener bob = new Listener();
            RtmClient a = client(alice, rtmd.params(FAST_CLIENT));
            RtmClient b = client(bob, proxy.params(FAST_CLIENT));
            assertEquals(0, login(a, "alice"));
            assertEquals(0, login(b, "bob"));
            proxy.silent(); // long enough for the link to be declared dead (300 ms) and restored
            Thread.sleep(500);
            proxy.pass();
            Thread.sleep(1500); // well past the (scaled) report time
            assertEquals(Arrays.asList("2/1", "3/2"), bob.pairs);
            assertEquals(0, send(a, "bob", "still here?"));
            assertTrue(bob.await("peer alice: still here?"));
            assertEquals(0, send(b, "alice", "yes"));
            assertTrue(alice.await("peer bob: yes"));
            assertEquals(Arrays.asList("2/1", "3/2"), bob.pairs);
        }
    }

    @Test
    public void s9_s10_b1_b2_messagesSentDuringAnOutageArriveOnceInOrderWithTheReplayCounts() throws Exception {
        try (Rtmd rtmd = fastServer(); FaultProxy proxy = new FaultProxy(rtmd.address())) {
            Recorder alice = new Recorder();
            Recorder bob = new Recorder();
            RtmClient a = client(alice, rtmd.params(FAST_CLIENT));
            RtmClient b = client(bob, proxy.params(FAST_CLIENT));
            assertEquals(0, login(a, "alice"));
            assertEquals(0, login(b, "bob"));
            RtmChannel ca = a.createChannel("room", alice);
            RtmChannel cb = b.createChannel("room", bob);
            assertEquals(0, join(ca));
            assertEquals(0, join(cb));
            assertEquals(0, send(a, ca, "before"));
            assertTrue(bob.await("channel room alice: before"));
            proxy.silent();
            assertTrue(bob.await(INTERRUPTED));
            // Bob is away but his session is kept (S12): messages to him are accepted.
            for (int i = 1; i <= 5; i++) {
                assertEquals(PeerMessageError.PEER_MESSAGE_ERR_OK, send(a, "bob", "p" + i));
                assertEquals(0, send(a, ca, "c" + i));
            }
            proxy.pass();
            assertTrue(bob.await(CONNECTED, 2));
            // Ours: the replay report, after the replayed messages.
            assertTrue(bob.await("replay peer=5 channel=5 skipped=0 dropped=0"));
            List<String> peers = bob.withPrefix("peer alice: ");
            List<String> chans = bob.withPrefix("channel room alice: ");
            assertEquals(Arrays.asList("peer alice: p1", "peer alice: p2", "peer alice: p3", "peer alice: p4",
                    "peer alice: p5"), peers);
            // B2: "before" is not delivered again.
            assertEquals(Arrays.asList("channel room alice: before", "channel room alice: c1",
                    "channel room alice: c2", "channel room alice: c3", "channel room alice: c4",
                    "channel room alice: c5"), chans);
            List<String> events = bob.events();
            int report = events.indexOf("replay peer=5 channel=5 skipped=0 dropped=0");
            assertTrue("the report comes after the replayed messages: " + events,
                    report > events.indexOf("peer alice: p5") && report > events.indexOf("channel room alice: c5"));
            // And nothing more comes later (B1: none twice).
            Thread.sleep(500);
            assertEquals(peers, bob.withPrefix("peer alice: "));
            assertEquals(chans, bob.withPrefix("channel room alice: "));
            // One report of this replay. (Once, under make test, a second
            // report followed: a second resume by the core; the message lists
            // above show nothing was delivered twice.)
            assertEquals("one report of this replay: " + bob.events(), 1,
                    bob.count("replay peer=5 channel=5 skipped=0 dropped=0"));
        }
    }

    @Test
    public void s10_replayIsCutByTheServersLimitsAndTheReportSaysHowMany() throws Exception {
        // A window of 1.5 s and at most 3 messages, in place of 30 s and 32.
        try (Rtmd rtmd = fastServer("--replay-window-ms", "1500", "--replay-max", "3", "--session-grace-ms", "10000");
                FaultProxy proxy = new FaultProxy(rtmd.address())) {
            Recorder alice = new Recorder();
            Recorder bob = new Recorder();
            RtmClient a = client(alice, rtmd.params(FAST_CLIENT));
            RtmClient b = client(bob, proxy.params(FAST_CLIENT));
            assertEquals(0, login(a, "alice"));
            assertEquals(0, login(b, "bob"));
            RtmChannel ca = a.createChannel("room", alice);
            assertEquals(0, join(ca));
            assertEquals(0, join(b.createChannel("room", bob)));
            proxy.silent();
            assertTrue(bob.await(INTERRUPTED));
            assertEquals(0, send(a, ca, "old")); // leaves the window
            Thread.sleep(2000);
            for (int i = 1; i <= 5; i++) { // only the latest 3 are replayed
                assertEquals(0, send(a, ca, "new" + i));
            }
            proxy.pass();
            assertTrue(bob.await("replay peer=0 channel=3 skipped=3 dropped=0"));
            assertEquals(Arrays.asList("channel room alice: new3", "channel room alice: new4",
                    "channel room alice: new5"), bob.withPrefix("channel room alice: "));
        }
    }

    @Test
    public void s8_networkChangedSkipsTheBackoffWait() throws Exception {
        try (Rtmd rtmd = fastServer(); FaultProxy proxy = new FaultProxy(rtmd.address())) {
            Recorder bob = new Recorder();
            // Backoff fixed at 5 s: without the hint the next attempt is up to 5 s away.
            RtmClient b = client(bob, proxy.params("\"rtm.heartbeat_ms\":100", "\"rtm.link_timeout_ms\":300",
                    "\"rtm.interrupt_report_ms\":1000", "\"rtm.reconnect_min_ms\":5000",
                    "\"rtm.reconnect_max_ms\":5000"));
            assertEquals(0, login(b, "bob"));
            proxy.silent();
            assertTrue(bob.await(INTERRUPTED));
            proxy.pass();
            long t0 = System.nanoTime();
            b.networkChanged();
            assertTrue(bob.await(CONNECTED, 2));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue("reconnected " + ms + " ms after networkChanged()", ms < 2500);
            assertEquals(Arrays.asList(CONNECTING, CONNECTED, INTERRUPTED, CONNECTED), bob.states());
            // Connected: the hint changes nothing.
            b.networkChanged();
            Thread.sleep(200);
            assertEquals(4, bob.states().size());
            b.release();
            b.networkChanged(); // released: nothing, no exception
        }
    }

    @Test
    public void s13_s14_lateReturnRejoinsAndTheAttributesAreVisibleAgain() throws Exception {
        try (Rtmd rtmd = fastServer(); FaultProxy proxy = new FaultProxy(rtmd.address())) {
            Recorder alice = new Recorder();
            Recorder bob = new Recorder();
            RtmClient a = client(alice, rtmd.params(FAST_CLIENT));
            RtmClient b = client(bob, proxy.params(FAST_CLIENT));
            assertEquals(0, login(a, "alice"));
            assertEquals(0, login(b, "bob"));
            RtmChannel ca = a.createChannel("room", alice);
            assertEquals(0, join(ca));
            assertEquals(0, join(b.createChannel("room", bob)));
            assertEquals(0, AttributesTest.set(b, "mood", "happy", "lang", "en"));
            assertEquals("lang=en,mood=happy", AttributesTest.get(a, "bob"));
            proxy.silent();
            // S13: past the grace (3 s), bob is removed: the others see him leave.
            assertTrue(alice.await("left room bob"));
            assertEquals("error " + AttributeOperationError.ATTRIBUTE_OPERATION_ERR_USER_NOT_FOUND,
                    AttributesTest.get(a, "bob"));
            assertEquals(Collections.singletonList("alice"), members(ca));
            // S14: back, CONNECTED; he is in the channel again and his
            // attributes are back, without the application doing anything.
            proxy.pass();
            assertTrue(bob.await(CONNECTED, 2));
            assertTrue(alice.await("joined room bob", 2));
            String got = "";
            for (int i = 0; i < 50 && !got.equals("lang=en,mood=happy"); i++) {
                got = AttributesTest.get(a, "bob");
                if (!got.equals("lang=en,mood=happy")) {
                    Thread.sleep(100);
                }
            }
            assertEquals("lang=en,mood=happy", got);
            assertEquals(0, send(a, ca, "welcome back"));
            assertTrue(bob.await("channel room alice: welcome back"));
            assertEquals(Arrays.asList(CONNECTING, CONNECTED, INTERRUPTED, CONNECTED), bob.states());
        }
    }
}
