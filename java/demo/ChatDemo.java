// A vendor-style application of the RTM 1.x Java API: it uses only
// io.agora.rtm, as an app written for the vendor's Linux SDK does, and is
// compiled and run against agora-rtm-sdk.jar with no JVM flag:
//
//   javac -cp agora-rtm-sdk.jar ChatDemo.java
//   java -cp agora-rtm-sdk.jar:. -Drtm.server=127.0.0.1:9777 ChatDemo
//
// (or RTM_SERVER=HOST:PORT instead of -Drtm.server). Two users log in, chat
// peer to peer and in a channel; alice rings bob with a call invitation,
// which bob accepts from his listener; then a third instance logs in as alice and
// kicks the first (ABORTED, REMOTE_LOGIN), which logs out and back in from
// inside its listener. Every onConnectionStateChanged is printed.
import io.agora.rtm.ErrorInfo;
import io.agora.rtm.LocalInvitation;
import io.agora.rtm.RemoteInvitation;
import io.agora.rtm.ResultCallback;
import io.agora.rtm.RtmCallEventListener;
import io.agora.rtm.RtmCallManager;
import io.agora.rtm.RtmChannel;
import io.agora.rtm.RtmChannelAttribute;
import io.agora.rtm.RtmChannelListener;
import io.agora.rtm.RtmChannelMember;
import io.agora.rtm.RtmClient;
import io.agora.rtm.RtmClientListener;
import io.agora.rtm.RtmMessage;
import io.agora.rtm.RtmStatusCode;
import io.agora.rtm.SendMessageOptions;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

public class ChatDemo {
    static final String[] STATES = {"?", "DISCONNECTED", "CONNECTING", "CONNECTED", "RECONNECTING", "ABORTED"};
    static final String[] REASONS = {"?", "LOGIN", "LOGIN_SUCCESS", "LOGIN_FAILURE", "LOGIN_TIMEOUT",
        "INTERRUPTED", "LOGOUT", "BANNED_BY_SERVER", "REMOTE_LOGIN", "TOKEN_EXPIRED"};

    static void say(String who, String what) {
        System.out.println("[" + who + "] " + what);
        System.out.flush();
    }

    /** A listener that prints everything, as an app's would. */
    static class Printer implements RtmClientListener, RtmChannelListener {
        final String who;
        final CountDownLatch messages;

        Printer(String who, int expectedMessages) {
            this.who = who;
            this.messages = new CountDownLatch(expectedMessages);
        }

        @Override
        public void onConnectionStateChanged(int state, int reason) {
            say(who, "onConnectionStateChanged(state=" + STATES[state] + " (" + state + "), reason="
                    + REASONS[reason] + " (" + reason + "))");
        }

        @Override
        public void onMessageReceived(RtmMessage message, String peerId) {
            say(who, "peer message from " + peerId + ": " + message.getText());
            messages.countDown();
        }

        @Override
        public void onMemberCountUpdated(int memberCount) {
        }

        @Override
        public void onAttributesUpdated(List<RtmChannelAttribute> attributeList) {
        }

        @Override
        public void onMessageReceived(RtmMessage message, RtmChannelMember fromMember) {
            say(who, "channel " + fromMember.getChannelId() + " message from " + fromMember.getUserId() + ": "
                    + message.getText());
            messages.countDown();
        }

        @Override
        public void onMemberJoined(RtmChannelMember member) {
            say(who, member.getUserId() + " joined " + member.getChannelId());
        }

        @Override
        public void onMemberLeft(RtmChannelMember member) {
            say(who, member.getUserId() + " left " + member.getChannelId());
        }
    }

    /** Prints every invitation event; the callee accepts what it is offered. */
    static class CallPrinter implements RtmCallEventListener {
        final String who;
        final RtmCallManager calls;
        final CountDownLatch accepted;

        CallPrinter(String who, RtmCallManager calls, CountDownLatch accepted) {
            this.who = who;
            this.calls = calls;
            this.accepted = accepted;
        }

        @Override
        public void onLocalInvitationReceivedByPeer(LocalInvitation i) {
            say(who, i.getCalleeId() + " is ringing (state " + i.getState() + ")");
        }

        @Override
        public void onLocalInvitationAccepted(LocalInvitation i, String response) {
            say(who, i.getCalleeId() + " accepted: \"" + response + "\"; join channel " + i.getChannelId());
            accepted.countDown();
        }

        @Override
        public void onLocalInvitationRefused(LocalInvitation i, String response) {
            say(who, i.getCalleeId() + " refused: " + response);
        }

        @Override
        public void onLocalInvitationCanceled(LocalInvitation i) {
            say(who, "canceled the call to " + i.getCalleeId());
        }

        @Override
        public void onLocalInvitationFailure(LocalInvitation i, int errorCode) {
            say(who, "the call to " + i.getCalleeId() + " failed: " + errorCode);
        }

        @Override
        public void onRemoteInvitationReceived(RemoteInvitation i) {
            say(who, i.getCallerId() + " calls: \"" + i.getContent() + "\" in " + i.getChannelId() + "; accepting");
            i.setResponse("on my way");
            calls.acceptRemoteInvitation(i, null);
        }

        @Override
        public void onRemoteInvitationAccepted(RemoteInvitation i) {
            say(who, "the call from " + i.getCallerId() + " is on (state " + i.getState() + ")");
            accepted.countDown();
        }

        @Override
        public void onRemoteInvitationRefused(RemoteInvitation i) {
            say(who, "refused the call from " + i.getCallerId());
        }

        @Override
        public void onRemoteInvitationCanceled(RemoteInvitation i) {
            say(who, i.getCallerId() + " canceled the call");
        }

        @Override
        public void onRemoteInvitationFailure(RemoteInvitation i, int errorCode) {
            say(who, "the call from " + i.getCallerId() + " failed: " + errorCode);
        }
    }

    /** Waits for a result and prints it; the code (0 on success). */
    static <T> int await(String who, String what, java.util.function.Consumer<ResultCallback<T>> op)
            throws Exception {
        CompletableFuture<Integer> done = new CompletableFuture<>();
        op.accept(new ResultCallback<T>() {
            @Override
            public void onSuccess(T v) {
                say(who, what + ": ok" + (v != null ? " " + v : ""));
                done.complete(0);
            }

            @Override
            public void onFailure(ErrorInfo e) {
                say(who, what + ": failed " + e.getErrorCode() + " " + e.getErrorDescription());
                done.complete(e.getErrorCode());
            }
        });
        return done.get(15, TimeUnit.SECONDS);
    }

    static void check(boolean ok, String what) {
        if (!ok) {
            throw new IllegalStateException("demo: " + what);
        }
    }

    public static void main(String[] args) throws Exception {
        System.out.println("RTM SDK version " + RtmClient.getSdkVersion());
        Printer alicePrinter = new Printer("alice", 2);
        Printer bobPrinter = new Printer("bob", 2);
        RtmClient alice = RtmClient.createInstance("demo-app", alicePrinter);
        RtmClient bob = RtmClient.createInstance("demo-app", bobPrinter);

        check(await("alice", "login", (ResultCallback<Void> cb) -> alice.login(null, "alice", cb)) == 0, "alice login");
        check(await("bob", "login", (ResultCallback<Void> cb) -> bob.login(null, "bob", cb)) == 0, "bob login");

        SendMessageOptions options = new SendMessageOptions();
        check(await("alice", "send to bob",
                (ResultCallback<Void> cb) -> alice.sendMessageToPeer("bob", alice.createMessage("hi bob"), options, cb)) == 0, "peer");
        check(await("bob", "send to alice",
                (ResultCallback<Void> cb) -> bob.sendMessageToPeer("alice", bob.createMessage("hi alice"), options, cb)) == 0, "peer");

        RtmChannel aliceRoom = alice.createChannel("lobby", alicePrinter);
        RtmChannel bobRoom = bob.createChannel("lobby", bobPrinter);
        check(await("alice", "join lobby", aliceRoom::join) == 0, "join");
        check(await("bob", "join lobby", bobRoom::join) == 0, "join");
        await("alice", "members of lobby", aliceRoom::getMembers);
        check(await("alice", "send to lobby",
                (ResultCallback<Void> cb) -> aliceRoom.sendMessage(alice.createMessage("hello lobby"), options, cb)) == 0, "channel");
        check(await("bob", "send to lobby",
                (ResultCallback<Void> cb) -> bobRoom.sendMessage(bob.createMessage("hello alice"), options, cb)) == 0, "channel");
        check(alicePrinter.messages.await(10, TimeUnit.SECONDS), "alice's messages");
        check(bobPrinter.messages.await(10, TimeUnit.SECONDS), "bob's messages");

        // A call invitation: alice rings bob, whose listener accepts.
        CountDownLatch accepted = new CountDownLatch(2);
        RtmCallManager aliceCalls = alice.getRtmCallManager();
        RtmCallManager bobCalls = bob.getRtmCallManager();
        aliceCalls.setEventListener(new CallPrinter("alice", aliceCalls, accepted));
        bobCalls.setEventListener(new CallPrinter("bob", bobCalls, accepted));
        LocalInvitation ring = aliceCalls.createLocalInvitation("bob");
        ring.setContent("video call?");
        ring.setChannelId("room-42");
        check(await("alice", "ring bob", (ResultCallback<Void> cb) -> aliceCalls.sendLocalInvitation(ring, cb)) == 0,
                "invitation");
        check(accepted.await(10, TimeUnit.SECONDS), "the call accepted on both sides");

        // A second instance logs in as alice: the first is kicked (ABORTED,
        // REMOTE_LOGIN); its listener logs out and back in, as an app may.
        CountDownLatch relogged = new CountDownLatch(1);
        final RtmClient[] first = new RtmClient[1];
        Printer kickedPrinter = new Printer("alice#1", 0) {
            @Override
            public void onConnectionStateChanged(int state, int reason) {
                super.onConnectionStateChanged(state, reason);
                if (state == RtmStatusCode.ConnectionState.CONNECTION_STATE_ABORTED) {
                    say(who, "kicked: logout, then login again, from inside the callback");
                    first[0].logout(null);
                    first[0].login(null, "alice", null);
                } else if (state == RtmStatusCode.ConnectionState.CONNECTION_STATE_CONNECTED
                        && reason == RtmStatusCode.ConnectionChangeReason.CONNECTION_CHANGE_REASON_LOGIN_SUCCESS
                        && first[0] != null && kicked) {
                    relogged.countDown();
                }
                if (state == RtmStatusCode.ConnectionState.CONNECTION_STATE_ABORTED) {
                    kicked = true;
                }
            }

            volatile boolean kicked;
        };
        alice.release();
        first[0] = RtmClient.createInstance("demo-app", kickedPrinter);
        check(await("alice#1", "login", (ResultCallback<Void> cb) -> first[0].login(null, "alice", cb)) == 0, "alice#1 login");
        RtmClient second = RtmClient.createInstance("demo-app", new Printer("alice#2", 0));
        check(await("alice#2", "login", (ResultCallback<Void> cb) -> second.login(null, "alice", cb)) == 0, "alice#2 login");
        check(relogged.await(10, TimeUnit.SECONDS), "alice#1 back in");

        check(await("bob", "logout", bob::logout) == 0, "logout");
        for (RtmClient c : new RtmClient[] {first[0], second, bob}) {
            c.release();
        }
        System.out.println("java demo: done");
    }
}
