package io.agora.rtm;

import static io.agora.rtm.Recorder.CONNECTED;
import static io.agora.rtm.Recorder.INTERRUPTED;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotSame;
import static org.junit.Assert.assertTrue;
import static org.junit.Assume.assumeTrue;

import io.agora.rtm.RtmStatusCode.RenewTokenError;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.Test;

/**
 * renewToken over rtm_renew_token, and the two token events of the listener
 * (SPEC S15): onTokenExpired when a reconnection is refused for an expired
 * token, onTokenPrivilegeWillExpire on rtmd's notice.
 *
 * <p>Two tests need an rtmd that answers RenewToken (one that has
 * --app-cert); against an older rtmd they are skipped, saying so. The S15 test
 * also needs rtm-token (the system property rtm.token) to build tokens.
 */
public class TokenTest extends RtmTestBase {
    static final String CERT = "0123456789abcdef0123456789abcdef";

    /**
     * A Recorder that also keeps every (state, reason) as "S/R", and records
     * the token events as "token expired" and "token will expire".
     */
    static final class Listener extends Recorder {
        final List<String> pairs = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void onConnectionStateChanged(int state, int reason) {
            pairs.add(state + "/" + reason);
            super.onConnectionStateChanged(state, reason);
        }

        @Override
        public void onTokenExpired() {
            record("token expired");
        }

        @Override
        public void onTokenPrivilegeWillExpire() {
            record("token will expire");
        }
    }

    static void assertFailure(Result<Void> r, int code, String name) {
        assertEquals(code, r.code());
        assertEquals(name, r.description());
        assertEquals(1, r.calls());
        assertNotSame("the result comes on the callback thread", Thread.currentThread(), r.thread);
    }

    @Test
    public void renewBeforeLoginIsUserNotLoggedIn() throws Exception {
        RtmClient c = client(new Recorder(), null);
        Result<Void> r = new Result<>();
        c.renewToken("some-token", r);
        assertFailure(r, RenewTokenError.RENEW_TOKEN_ERR_USER_NOT_LOGGED_IN, "RENEW_TOKEN_ERR_USER_NOT_LOGGED_IN");
        assertEquals(102, r.code());
    }

    @Test
    public void nullOrEmptyTokenIsInvalidArgumentThroughOnFailure() throws Exception {
        try (Rtmd rtmd = new Rtmd()) {
            RtmClient c = client(new Recorder(), rtmd.params());
            for (boolean loggedIn : new boolean[] {false, true}) {
                if (loggedIn) {
                    assertEquals(0, login(c, "alice"));
                }
                for (String token : Arrays.asList(null, "")) {
                    Result<Void> r = new Result<>();
                    c.renewToken(token, r); // no exception
                    assertFailure(r, RenewTokenError.RENEW_TOKEN_ERR_INVALID_ARGUMENT,
                            "RENEW_TOKEN_ERR_INVALID_ARGUMENT");
                    assertEquals(2, r.code());
                }
            }
            Result<Void> none = new Result<>();
            c.renewToken("t", null); // a null callback is allowed
            c.renewToken(null, null);
            assertEquals(0, logout(c)); // the client still works
            c.release();
            c.renewToken("t", none);
            assertEquals(RenewTokenError.RENEW_TOKEN_ERR_NOT_INITIALIZED, none.code());
            assertEquals("RENEW_TOKEN_ERR_NOT_INITIALIZED", none.description());
        }
    }

    @Test
    public void connectedToAnRtmdWithoutCertificateAnyTokenIsAccepted() throws Exception {
        assumeTrue("skipped: this rtmd (" + System.getProperty("rtm.rtmd") + ") does not answer RenewToken yet "
                + "(no --app-cert in its --help); it would close the link", Rtmd.handlesTokens());
        try (Rtmd rtmd = new Rtmd()) {
            Listener l = new Listener();
            RtmClient c = client(l, rtmd.params());
            assertEquals(0, login(c, "alice"));
            Result<Void> r = new Result<>();
            c.renewToken("any-token-at-all", r);
            assertEquals(RenewTokenError.RENEW_TOKEN_ERR_OK, r.code());
            assertEquals(1, r.calls());
            assertEquals(Arrays.asList("2/1", "3/2"), l.pairs);
            assertEquals(0, send(c, "alice", "still connected"));
            assertTrue(l.await("peer alice: still connected"));
        }
    }

    /** rtm-token's token for user of app APP_ID, signed with CERT, valid for seconds. */
    static String token(String user, int seconds) throws Exception {
        String bin = System.getProperty("rtm.token");
        Process p = new ProcessBuilder(bin, "--app-id", APP_ID, "--app-cert", CERT, "--user", user,
                "--expire", Integer.toString(seconds)).redirectErrorStream(true).start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (InputStream in = p.getInputStream()) {
            byte[] buf = new byte[4096];
            for (int n; (n = in.read(buf)) > 0; ) {
                out.write(buf, 0, n);
            }
        }
        assertTrue("rtm-token did not exit within 5 s", p.waitFor(5, TimeUnit.SECONDS));
        String text = new String(out.toByteArray(), StandardCharsets.UTF_8).trim();
        assertEquals("rtm-token: " + text, 0, p.exitValue());
        return text;
    }

    @Test
    public void s15_reconnectionRefusedForAnExpiredTokenWaitsForRenewToken() throws Exception {
        assumeTrue("skipped: this rtmd (" + System.getProperty("rtm.rtmd") + ") does not verify tokens yet "
                + "(no --app-cert in its --help)", Rtmd.handlesTokens());
        String tool = System.getProperty("rtm.token");
        assumeTrue("skipped: no rtm-token to build tokens with (system property rtm.token: " + tool + ")",
                tool != null && new File(tool).canExecute());
        try (Rtmd rtmd = ResilienceTest.fastServer("--app-id", APP_ID, "--app-cert", CERT);
                FaultProxy proxy = new FaultProxy(rtmd.address())) {
            Listener bob = new Listener();
            RtmClient c = client(bob, proxy.params(ResilienceTest.FAST_CLIENT));
            // Issued now (whole seconds, rounded down): expired at most 2 s from here.
            long expiredBy = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            String shortLived = token("bob", 2);
            Result<Void> login = new Result<>();
            c.login(shortLived, "bob", login);
            assertEquals(0, login.code());
            // rtmd warns 30 s before expiry by default: at once for this token.
            assertTrue(bob.await("token will expire"));
            proxy.silent();
            assertTrue(bob.await(INTERRUPTED));
            long wait = TimeUnit.NANOSECONDS.toMillis(expiredBy - System.nanoTime()) + 300;
            if (wait > 0) {
                Thread.sleep(wait);
            }
            proxy.pass();
            // The attempt reaches rtmd with the expired token and is refused:
            // onTokenExpired, once; the state stays RECONNECTING and the
            // client makes no further attempt.
            assertTrue(bob.await("token expired"));
            Thread.sleep(600); // longer than the backoff's cap (400 ms)
            assertEquals(1, bob.count("token expired"));
            assertEquals(Arrays.asList("2/1", "3/2", "4/5"), bob.pairs);
            assertEquals(1, login.calls());

            Result<Void> renew = new Result<>();
            c.renewToken(token("bob", 60), renew);
            assertEquals(RenewTokenError.RENEW_TOKEN_ERR_OK, renew.code());
            assertTrue(bob.await(CONNECTED, 2));
            assertEquals(Arrays.asList("2/1", "3/2", "4/5", "3/2"), bob.pairs);
            assertEquals(1, bob.count("token expired"));
            assertEquals(0, send(c, "bob", "back"));
            assertTrue(bob.await("peer bob: back"));
        }
    }
}
