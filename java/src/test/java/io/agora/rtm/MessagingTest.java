package io.agora.rtm;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import io.agora.rtm.RtmStatusCode.ChannelMessageError;
import io.agora.rtm.RtmStatusCode.GetMembersError;
import io.agora.rtm.RtmStatusCode.JoinChannelError;
import io.agora.rtm.RtmStatusCode.LeaveChannelError;
import io.agora.rtm.RtmStatusCode.PeerMessageError;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.Test;

/** Peer and channel messages both ways, members and member events, through the Java API. */
public class MessagingTest extends RtmTestBase {

    @Test
    @SuppressWarnings("deprecation")
    public void peerMessagesBothWaysTextAndRawInOrder() throws Exception {
        try (Rtmd rtmd = new Rtmd()) {
            Recorder ra = new Recorder();
            Recorder rb = new Recorder();
            RtmClient a = client(ra, rtmd.params());
            RtmClient b = client(rb, rtmd.params());
            assertEquals(0, login(a, "alice"));
            assertEquals(0, login(b, "bob"));
            assertEquals(PeerMessageError.PEER_MESSAGE_ERR_OK, send(a, "bob", "hi bob"));
            assertEquals(PeerMessageError.PEER_MESSAGE_ERR_OK, send(b, "alice", "hi alice \u00e9\u4e2d\ud83d\ude00"));
            assertTrue(rb.await("peer alice: hi bob"));
            assertTrue(ra.await("peer bob: hi alice \u00e9\u4e2d\ud83d\ude00"));

            // Raw bytes with a description, through the deprecated form too.
            Result<Void> r = new Result<>();
            a.sendMessageToPeer("bob", a.createMessage(new byte[] {0, 1, (byte) 0xff}, "three bytes"), r);
            assertEquals(0, r.code());
            assertTrue(rb.await("raw alice: 0001ff/three bytes"));

            for (int i = 0; i < 20; i++) {
                assertEquals(0, send(a, "bob", "n" + i));
            }
            assertTrue(rb.await("peer alice: n19"));
            List<String> got = new ArrayList<>();
            for (String e : rb.events()) {
                if (e.startsWith("peer alice: n")) {
                    got.add(e.substring("peer alice: ".length()));
                }
            }
            List<String> want = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                want.add("n" + i);
            }
            assertEquals(want, got);
        }
    }

    @Test
    public void receivedMessageCarriesTypeAndServerTime() throws Exception {
        try (Rtmd rtmd = new Rtmd()) {
            final RtmMessage[] got = new RtmMessage[1];
            Recorder rb = new Recorder() {
                @Override
                public void onMessageReceived(RtmMessage message, String peerId) {
                    got[0] = message;
                    super.onMessageReceived(message, peerId);
                }
            };
            RtmClient a = client(new Recorder(), rtmd.params());
            RtmClient b = client(rb, rtmd.params());
            assertEquals(0, login(a, "alice"));
            assertEquals(0, login(b, "bob"));
            long before = System.currentTimeMillis();
            assertEquals(0, send(a, "bob", "when"));
            assertTrue(rb.await("peer alice: when"));
            RtmMessage m = got[0];
            assertEquals(RtmMessageType.TEXT, m.getMessageType());
            assertEquals("when", m.getText());
            assertArrayEquals(new byte[0], m.getRawMessage());
            assertFalse(m.isOfflineMessage());
            assertTrue("ts " + m.getServerReceivedTs(), Math.abs(m.getServerReceivedTs() - before) < 60_000);
        }
    }

    @Test
    public void channelsMembershipMessagesAndMemberEvents() throws Exception {
        // bob joins room three times within 5 s: the same-channel join rate
        // (2 per 5 s, rateLimitsAreTooOftenWithTheirCodes) is turned off here.
        try (Rtmd rtmd = new Rtmd("--rate", "join-same-channel=0/1")) {
            Recorder ra = new Recorder();
            Recorder rb = new Recorder();
            RtmClient a = client(ra, rtmd.params());
            RtmClient b = client(rb, rtmd.params());
            assertEquals(0, login(a, "alice"));
            assertEquals(0, login(b, "bob"));
            RtmChannel ca = a.createChannel("room", ra);
            RtmChannel cb = b.createChannel("room", rb);
            assertNotNull(ca);
            assertNotNull(cb);
            assertEquals("room", ca.getId());
            assertNull("one handle per id", a.createChannel("room", ra));
            assertEquals(JoinChannelError.JOIN_CHANNEL_ERR_OK, join(ca));
            assertEquals(JoinChannelError.JOIN_CHANNEL_ERR_OK, join(cb));
            assertTrue(ra.await("joined room bob"));
            assertEquals(JoinChannelError.JOIN_CHANNEL_ERR_ALREADY_JOINED, join(ca));
            assertEquals(Arrays.asList("alice", "bob"), members(ca));
            assertEquals(ChannelMessageError.CHANNEL_MESSAGE_ERR_OK, send(b, cb, "hello room"));
            assertEquals(ChannelMessageError.CHANNEL_MESSAGE_ERR_OK, send(a, ca, "hello bob"));
            assertTrue(ra.await("channel room bob: hello room"));
            assertTrue(rb.await("channel room alice: hello bob"));
            Result<Void> raw = new Result<>();
            cb.sendMessage(b.createMessage(new byte[] {7}, "seven"), raw);
            assertEquals(0, raw.code());
            assertTrue(ra.await("channel room bob: 07/seven"));
            assertEquals(LeaveChannelError.LEAVE_CHANNEL_ERR_OK, leave(cb));
            assertTrue(ra.await("left room bob"));
            assertEquals(LeaveChannelError.LEAVE_CHANNEL_ERR_NOT_IN_CHANNEL, leave(cb));
            assertEquals(Arrays.asList("alice"), members(ca));
            assertEquals(Arrays.asList("error " + GetMembersError.GET_MEMBERS_ERR_NOT_IN_CHANNEL), members(cb));
            assertEquals(ChannelMessageError.CHANNEL_MESSAGE_ERR_FAILURE, send(b, cb, "not in"));
            // The sender never receives its own channel message.
            for (String e : rb.events()) {
                assertFalse(e, e.contains("hello room"));
            }
            // release leaves: the others see it; the id can be created again.
            assertEquals(0, join(cb));
            assertTrue(ra.await("joined room bob", 2));
            cb.release();
            assertTrue(ra.await("left room bob", 2));
            RtmChannel again = b.createChannel("room", rb);
            assertNotNull(again);
            assertEquals(JoinChannelError.JOIN_CHANNEL_ERR_NOT_INITIALIZED, join(cb)); // the old handle
            assertEquals(0, join(again));
            assertTrue(ra.await("joined room bob", 3));
        }
    }

    @Test
    public void s17_logoutIsSeenByTheOtherMembers() throws Exception {
        try (Rtmd rtmd = new Rtmd()) {
            Recorder ra = new Recorder();
            RtmClient a = client(ra, rtmd.params());
            RtmClient b = client(new Recorder(), rtmd.params());
            assertEquals(0, login(a, "alice"));
            assertEquals(0, login(b, "bob"));
            assertEquals(0, join(a.createChannel("room", ra)));
            assertEquals(0, join(b.createChannel("room", new Recorder())));
            assertEquals(0, logout(b));
            assertTrue(ra.await("left room bob"));
        }
    }

    /** rtmd's rate limits reach Java as each family's TOO_OFTEN constant. */
    @Test
    public void rateLimitsAreTooOftenWithTheirCodes() throws Exception {
        try (Rtmd rtmd = new Rtmd("--rate", "messages=2/600")) {
            Recorder ra = new Recorder();
            RtmClient a = client(ra, rtmd.params());
            RtmClient b = client(new Recorder(), rtmd.params());
            assertEquals(0, login(a, "alice"));
            assertEquals(0, login(b, "bob"));
            RtmChannel room = a.createChannel("room", ra);
            for (int i = 0; i < 2; i++) {
                assertEquals(JoinChannelError.JOIN_CHANNEL_ERR_OK, join(room));
                assertEquals(LeaveChannelError.LEAVE_CHANNEL_ERR_OK, leave(room));
            }
            assertEquals(JoinChannelError.JOIN_CHANNEL_ERR_JOIN_SAME_CHANNEL_TOO_OFTEN, join(room));
            RtmChannel other = a.createChannel("other", ra);
            assertEquals(JoinChannelError.JOIN_CHANNEL_ERR_OK, join(other));
            assertEquals(PeerMessageError.PEER_MESSAGE_ERR_OK, send(a, "bob", "one"));
            assertEquals(ChannelMessageError.CHANNEL_MESSAGE_ERR_OK, send(a, other, "two"));
            assertEquals(PeerMessageError.PEER_MESSAGE_ERR_TOO_OFTEN, send(a, "bob", "three"));
            assertEquals(ChannelMessageError.CHANNEL_MESSAGE_ERR_TOO_OFTEN, send(a, other, "four"));
        }
    }

    /**
     * A6: with enableOfflineMessaging a message to a peer who is not logged in is
     * CACHED_BY_SERVER and reaches the peer's next client with isOfflineMessage();
     * without it, PEER_UNREACHABLE.
     */
    @Test
    public void a6_offlineMessagesReachThePeersNextClient() throws Exception {
        try (Rtmd rtmd = new Rtmd()) {
            RtmClient a = client(new Recorder(), rtmd.params());
            assertEquals(0, login(a, "alice"));
            SendMessageOptions keep = new SendMessageOptions();
            keep.enableOfflineMessaging = true;
            Result<Void> r = new Result<>();
            a.sendMessageToPeer("bob", a.createMessage("while away"), keep, r);
            assertEquals(PeerMessageError.PEER_MESSAGE_ERR_PEER_UNREACHABLE, send(a, "bob", "not kept"));
            assertEquals(PeerMessageError.PEER_MESSAGE_ERR_CACHED_BY_SERVER, r.code());
            assertEquals("PEER_MESSAGE_ERR_CACHED_BY_SERVER", r.description());
            Recorder rb = new Recorder();
            RtmClient b = client(rb, rtmd.params());
            assertEquals(0, login(b, "bob"));
            assertTrue(rb.await("peer alice: while away (offline)"));
            assertEquals(PeerMessageError.PEER_MESSAGE_ERR_OK, send(a, "bob", "online now"));
            assertTrue(rb.await("peer alice: online now"));
            for (String e : rb.events()) {
                assertFalse(e, e.contains("not kept"));
            }
        }
    }

    /** getChannelMemberCount and onMemberCountUpdated through the Java API. */
    @Test
    public void memberCountsAndTheirUpdates() throws Exception {
        try (Rtmd rtmd = new Rtmd()) {
            Recorder ra = new Recorder();
            RtmClient a = client(ra, rtmd.params());
            RtmClient b = client(new Recorder(), rtmd.params());
            assertEquals(0, login(a, "alice"));
            assertEquals(0, login(b, "bob"));
            assertEquals(0, join(a.createChannel("room", ra)));
            assertTrue(ra.await("count 1"));
            assertEquals(0, join(b.createChannel("room", new Recorder())));
            assertTrue(ra.await("count 2"));
            Result<List<RtmChannelMemberCount>> r = new Result<>();
            a.getChannelMemberCount(Arrays.asList("room", "none"), r);
            assertEquals(0, r.code());
            assertEquals("room", r.value().get(0).getChannelID());
            assertEquals(2, r.value().get(0).getMemberCount());
            assertEquals(0, r.value().get(1).getMemberCount());
            Result<List<RtmChannelMemberCount>> bad = new Result<>();
            a.getChannelMemberCount(Arrays.asList("bad/id"), bad);
            assertEquals(RtmStatusCode.GetChannelMemberCountErrCode.GET_CHANNEL_MEMBER_COUNT_ERR_INVALID_ARGUMENT,
                    bad.code());
        }
    }
}
