package io.agora.rtm;

import static io.agora.rtm.Recorder.CONNECTED;
import static io.agora.rtm.Recorder.CONNECTING;
import static io.agora.rtm.Recorder.INTERRUPTED;
import static io.agora.rtm.Recorder.KICKED;
import static io.agora.rtm.Recorder.LOGGED_OUT;
import static io.agora.rtm.Recorder.REFUSED;
import static io.agora.rtm.Recorder.TIMED_OUT;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.agora.rtm.RtmStatusCode.ConnectionChangeReason;
import io.agora.rtm.RtmStatusCode.ConnectionState;
import io.agora.rtm.RtmStatusCode.LoginError;
import io.agora.rtm.RtmStatusCode.LogoutError;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.Test;

/** The connection states of SPEC S2-S6, S16, S17 through the Java API, with their exact values, in order. */
public class ConnectionStateTest extends RtmTestBase {

    /** The raw (state, reason) pairs, to check the exact integers of the public API. */
    static final class Pairs implements RtmClientListener {
        final List<int[]> pairs = new ArrayList<>();

        @Override
        public synchronized void onConnectionStateChanged(int state, int reason) {
            pairs.add(new int[] {state, reason});
            notifyAll();
        }

        @Override
        public void onMessageReceived(RtmMessage message, String peerId) {
        }

        synchronized List<String> get() {
            List<String> l = new ArrayList<>();
            for (int[] p : pairs) {
                l.add(p[0] + "/" + p[1]);
            }
            return l;
        }

        synchronized boolean await(int n) throws InterruptedException {
            long end = System.currentTimeMillis() + 15000;
            while (pairs.size() < n && System.currentTimeMillis() < end) {
                wait(100);
            }
            return pairs.size() >= n;
        }
    }

    @Test
    public void s2_s3_s17_loginThenLogoutReportExactValuesInOrder() throws Exception {
        try (Rtmd rtmd = new Rtmd()) {
            Pairs p = new Pairs();
            RtmClient c = client(p, rtmd.params());
            assertEquals(LoginError.LOGIN_ERR_OK, login(c, "alice"));
            assertTrue(p.await(2));
            assertEquals(LogoutError.LOGOUT_ERR_OK, logout(c));
            assertTrue(p.await(3));
            // CONNECTING(2)/LOGIN(1), CONNECTED(3)/LOGIN_SUCCESS(2), DISCONNECTED(1)/LOGOUT(6)
            assertEquals(Arrays.asList("2/1", "3/2", "1/6"), p.get());
            assertEquals(ConnectionState.CONNECTION_STATE_CONNECTING + "/"
                    + ConnectionChangeReason.CONNECTION_CHANGE_REASON_LOGIN, p.get().get(0));
            // S1: a logout when already out changes nothing.
            assertEquals(LogoutError.LOGOUT_ERR_USER_NOT_LOGGED_IN, logout(c));
            Thread.sleep(300);
            assertEquals(3, p.get().size());
        }
    }

    @Test
    public void s4_loginRefusedByTheServerIsLoginFailure() throws Exception {
        try (Rtmd rtmd = new Rtmd("--app-id", "only-this-app")) {
            Recorder r = new Recorder();
            RtmClient c = client("another-app", r, rtmd.params());
            assertEquals(LoginError.LOGIN_ERR_INVALID_APP_ID, login(c, "alice"));
            assertTrue(r.await(REFUSED));
            assertEquals(Arrays.asList(CONNECTING, REFUSED), r.states());
            // S6: no retry from DISCONNECTED.
            Thread.sleep(1500);
            assertEquals(2, r.states().size());
            RtmClient ok = client("only-this-app", new Recorder(), rtmd.params());
            assertEquals(LoginError.LOGIN_ERR_OK, login(ok, "alice"));
        }
    }

    @Test
    public void s5_s6_loginAgainstASilentServerTimesOutAfter6sAndIsNotRetried() throws Exception {
        try (SilentServer server = new SilentServer()) {
            Recorder r = new Recorder();
            RtmClient c = client(r, server.params()); // the default login timeout: 6 s
            long t0 = System.nanoTime();
            assertEquals(LoginError.LOGIN_ERR_TIMEOUT, login(c, "alice"));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(Arrays.asList(CONNECTING, TIMED_OUT), r.states());
            assertTrue("took " + ms + " ms", ms >= 6000 && ms < 9000);
            assertTrue(server.accepted() >= 1);
            Thread.sleep(1500); // S6
            assertEquals(2, r.states().size());
        }
    }

    @Test
    public void s17_logoutWhileConnecting() throws Exception {
        try (SilentServer server = new SilentServer()) {
            Recorder r = new Recorder();
            RtmClient c = client(r, server.params());
            Result<Void> login = new Result<>();
            c.login(null, "alice", login);
            assertTrue(r.await(CONNECTING));
            assertEquals(LogoutError.LOGOUT_ERR_OK, logout(c));
            assertTrue(r.await(LOGGED_OUT));
            assertEquals(Arrays.asList(CONNECTING, LOGGED_OUT), r.states());
            assertTrue(login.code() != 0); // the login did not succeed
        }
    }

    @Test
    public void s16_s17_duplicateLoginKicksTheOlderWhichLogsOutAndInAgain() throws Exception {
        try (Rtmd rtmd = new Rtmd()) {
            Recorder first = new Recorder();
            Recorder second = new Recorder();
            RtmClient a = client(first, rtmd.params());
            RtmClient b = client(second, rtmd.params());
            assertEquals(0, login(a, "alice"));
            assertEquals(0, login(b, "alice"));
            assertTrue(first.await(KICKED));
            assertEquals(Arrays.asList(CONNECTING, CONNECTED, KICKED), first.states());
            Thread.sleep(1500); // no reconnection from ABORTED
            assertEquals(3, first.states().size());
            assertEquals(Arrays.asList(CONNECTING, CONNECTED), second.states());
            // A2: login from ABORTED without logout is ALREADY_LOGIN.
            assertEquals(LoginError.LOGIN_ERR_ALREADY_LOGIN, login(a, "alice"));
            assertEquals(LogoutError.LOGOUT_ERR_OK, logout(a));
            assertTrue(first.await(LOGGED_OUT));
            assertEquals(0, login(a, "alice"));
            assertTrue(second.await(KICKED));
            assertEquals(Arrays.asList(CONNECTING, CONNECTED, KICKED, LOGGED_OUT, CONNECTING, CONNECTED),
                    first.states());
        }
    }

    @Test
    public void a2_secondLoginIsAlreadyLogin() throws Exception {
        try (Rtmd rtmd = new Rtmd()) {
            Recorder r = new Recorder();
            RtmClient c = client(r, rtmd.params());
            assertEquals(0, login(c, "alice"));
            assertEquals(LoginError.LOGIN_ERR_ALREADY_LOGIN, login(c, "alice"));
            assertEquals(Arrays.asList(CONNECTING, CONNECTED), r.states());
        }
    }

    @Test
    public void s7_s17_logoutWhileReconnecting() throws Exception {
        try (Rtmd rtmd = new Rtmd()) {
            Recorder r = new Recorder();
            RtmClient c = client(r, rtmd.params("\"rtm.interrupt_report_ms\":300"));
            assertEquals(0, login(c, "alice"));
            rtmd.kill();
            assertTrue(r.await(INTERRUPTED));
            assertEquals(LogoutError.LOGOUT_ERR_OK, logout(c));
            assertTrue(r.await(LOGGED_OUT));
            assertEquals(Arrays.asList(CONNECTING, CONNECTED, INTERRUPTED, LOGGED_OUT), r.states());
        }
    }
}
