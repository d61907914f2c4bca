package io.agora.rtm;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import io.agora.rtm.RtmStatusCode.ChannelMessageError;
import io.agora.rtm.RtmStatusCode.LoginError;
import io.agora.rtm.RtmStatusCode.PeerMessageError;
import java.util.Arrays;
import org.junit.Test;

/** SPEC A3, A4: invalid arguments are refused with the operation's code, and nothing is sent. */
public class InvalidArgumentsTest extends RtmTestBase {

    static String repeat(char c, int n) {
        char[] a = new char[n];
        Arrays.fill(a, c);
        return new String(a);
    }

    @Test
    public void a3_a4_refusedBeforeAnythingIsSent() throws Exception {
        try (SilentServer server = new SilentServer()) {
            Recorder r = new Recorder();
            RtmClient c = client(r, server.params());
            for (String bad : new String[] {"", "null", "has/slash", "quote\"", "\u00fcmlaut", repeat('u', 65), null}) {
                Result<Void> res = new Result<>();
                c.login(null, bad, res);
                assertEquals("login " + bad, LoginError.LOGIN_ERR_INVALID_ARGUMENT, res.code());
                assertEquals("LOGIN_ERR_INVALID_ARGUMENT", res.description());
            }
            assertEquals(PeerMessageError.PEER_MESSAGE_ERR_INVALID_USERID, send(c, "null", "x"));
            assertEquals(PeerMessageError.PEER_MESSAGE_ERR_INVALID_USERID, send(c, repeat('p', 65), "x"));
            assertEquals(PeerMessageError.PEER_MESSAGE_ERR_INVALID_USERID, send(c, (String) null, "x"));
            assertEquals(PeerMessageError.PEER_MESSAGE_ERR_INVALID_MESSAGE, send(c, "bob", ""));
            assertEquals(PeerMessageError.PEER_MESSAGE_ERR_INVALID_MESSAGE, send(c, "bob", repeat('m', 32 * 1024 + 1)));
            // Text with a NUL inside cannot cross the C API whole: refused, not truncated.
            assertEquals(PeerMessageError.PEER_MESSAGE_ERR_INVALID_MESSAGE, send(c, "bob", "a\u0000b"));
            Result<Void> nul = new Result<>();
            c.sendMessageToPeer("bob", null, new SendMessageOptions(), nul);
            assertEquals(PeerMessageError.PEER_MESSAGE_ERR_INVALID_MESSAGE, nul.code());
            Result<Void> big = new Result<>();
            c.sendMessageToPeer("bob", c.createMessage(new byte[32 * 1024 + 1]), new SendMessageOptions(), big);
            assertEquals(PeerMessageError.PEER_MESSAGE_ERR_INVALID_MESSAGE, big.code());

            assertNull(c.createChannel("bad/channel", r));
            assertNull(c.createChannel(repeat('c', 65), r));
            assertNull(c.createChannel(null, r));
            RtmChannel ch = c.createChannel(repeat('c', 64), r);
            assertNotNull(ch);
            Result<Void> chBig = new Result<>();
            ch.sendMessage(c.createMessage(repeat('m', 32 * 1024 + 1)), chBig);
            assertEquals(ChannelMessageError.CHANNEL_MESSAGE_ERR_INVALID_MESSAGE, chBig.code());
            assertEquals("CHANNEL_MESSAGE_ERR_INVALID_MESSAGE", chBig.description());

            Thread.sleep(200);
            assertEquals(0, server.accepted());
            assertTrue(r.states().isEmpty());
        }
    }

    @Test
    public void operationsBeforeLoginAreUserNotLoggedIn() throws Exception {
        try (Rtmd rtmd = new Rtmd()) {
            RtmClient c = client(new Recorder(), rtmd.params());
            assertEquals(PeerMessageError.PEER_MESSAGE_ERR_USER_NOT_LOGGED_IN, send(c, "bob", "x"));
            RtmChannel ch = c.createChannel("room", null);
            assertEquals(RtmStatusCode.JoinChannelError.JOIN_CHANNEL_ERR_USER_NOT_LOGGED_IN, join(ch));
            assertEquals(RtmStatusCode.LogoutError.LOGOUT_ERR_USER_NOT_LOGGED_IN, logout(c));
        }
    }

    @Test
    public void createInstanceRefusesABadAppId() {
        for (String bad : new String[] {"", null, "has space", repeat('a', 65)}) {
            try {
                RtmClient c = RtmClient.createInstance(bad, new Recorder());
                c.release();
                fail("createInstance accepted app id " + bad);
            } catch (Exception e) {
                assertTrue(e.getMessage(), e.getMessage().contains("invalid argument"));
            }
        }
    }

    @Test
    public void setParametersReturnsZeroOrNonZero() throws Exception {
        RtmClient c = client(new Recorder(), null);
        assertEquals(0, c.setParameters("{\"rtm.login_timeout_ms\":100}"));
        assertEquals(0, c.setParameters("{\"rtm.server\":\"127.0.0.1:1\"}"));
        assertNotEquals(0, c.setParameters("{\"rtm.login_timeout_ms\":0}"));
        assertNotEquals(0, c.setParameters("{\"rtm.no_such_key\":1}"));
        assertNotEquals(0, c.setParameters("not json"));
        assertNotEquals(0, c.setParameters(null));
    }

    @Test
    public void everyCallAfterReleaseFailsWithNotInitialized() throws Exception {
        try (Rtmd rtmd = new Rtmd()) {
            RtmClient c = RtmClient.createInstance(APP_ID, new Recorder());
            assertEquals(0, c.setParameters(rtmd.params()));
            assertEquals(0, login(c, "alice"));
            RtmChannel ch = c.createChannel("room", new Recorder());
            assertEquals(0, join(ch));
            c.release();
            c.release(); // twice is harmless
            Result<Void> r = new Result<>();
            c.login(null, "alice", r);
            assertEquals(LoginError.LOGIN_ERR_NOT_INITIALIZED, r.code());
            assertEquals("LOGIN_ERR_NOT_INITIALIZED", r.description());
            assertEquals(RtmStatusCode.LogoutError.LOGOUT_ERR_NOT_INITIALIZED, logout(c));
            assertEquals(PeerMessageError.PEER_MESSAGE_ERR_NOT_INITIALIZED, send(c, "bob", "x"));
            assertEquals(RtmStatusCode.JoinChannelError.JOIN_CHANNEL_ERR_NOT_INITIALIZED, join(ch));
            assertEquals(RtmStatusCode.LeaveChannelError.LEAVE_CHANNEL_ERR_NOT_INITIALIZED, leave(ch));
            assertEquals(ChannelMessageError.CHANNEL_MESSAGE_ERR_NOT_INITIALIZED, send(c, ch, "x"));
            assertEquals(Arrays.asList("error " + RtmStatusCode.GetMembersError.GET_MEMBERS_ERR_NOT_INITIALIZED),
                    members(ch));
            ch.release(); // harmless after the client's release
            assertNull(c.createChannel("other", null));
            assertNotEquals(0, c.setParameters("{}"));
            // The server saw alice go: she can log in again elsewhere without kicking anyone.
            Recorder r2 = new Recorder();
            RtmClient c2 = client(r2, rtmd.params());
            assertEquals(0, login(c2, "alice"));
        }
    }

    @Test
    public void pendingOperationsCompleteWithNotInitializedOnRelease() throws Exception {
        try (SilentServer server = new SilentServer()) {
            RtmClient c = RtmClient.createInstance(APP_ID, new Recorder());
            assertEquals(0, c.setParameters(server.params()));
            Result<Void> login = new Result<>();
            c.login(null, "alice", login);
            Thread.sleep(100);
            c.release();
            // The login in flight got its callback exactly once, with 101.
            assertTrue(login.arrivedWithin(0));
            assertEquals(LoginError.LOGIN_ERR_NOT_INITIALIZED, login.code());
            Thread.sleep(100);
            assertEquals(1, login.calls());
        }
    }
}
