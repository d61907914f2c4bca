package io.agora.rtm;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.Test;

/**
 * release() from listener callbacks and from other threads at once, many
 * times: nothing waits on anything (rtm.h, "Lifetime": closing is
 * asynchronous and its callback is the last), so nothing deadlocks, and
 * every native record and global reference goes. The rounds are a system
 * property (rtm.release.rounds) so that ctest runs a long loop of it
 * (java_release_stress) beside the JUnit suite's short one.
 */
public class ReleaseStressTest extends RtmTestBase {
    static final int ROUNDS = Integer.getInteger("rtm.release.rounds", 20);
    static final int CLIENTS = 6;

    /**
     * The shim's records once no operation is in flight: a result's record
     * goes just after its callback returns, so right after a login it may
     * still be counted.
     */
    static long[] settled() throws InterruptedException {
        for (int i = 0; i < 500 && RtmNative.liveRecords()[2] != 0; i++) {
            Thread.sleep(10);
        }
        return RtmNative.liveRecords();
    }

    /** Waits until the shim's records are back to before (their close callbacks ran). */
    static void awaitRecords(long[] before) throws InterruptedException {
        for (int i = 0; i < 500 && !Arrays.equals(before, RtmNative.liveRecords()); i++) {
            Thread.sleep(10);
        }
        assertEquals(Arrays.toString(before), Arrays.toString(RtmNative.liveRecords()));
    }

    // The deadlock docs/JAVA.md used to warn of: a client released from a
    // channel callback while another thread releases one of its channels.
    // The two waited for each other (a lock held across the callback, and a
    // release that waited for it); now neither waits.
    @Test(timeout = 120_000)
    public void clientReleasedFromAChannelCallbackWhileAnotherThreadReleasesItsChannel() throws Exception {
        try (Rtmd rtmd = new Rtmd("--rate", "login=0/1", "--rate", "login-per-address=0/1",
                "--rate", "join=0/1", "--rate", "join-same-channel=0/1")) {
            RtmClient sender = client(new Recorder(), rtmd.params());
            assertEquals(0, login(sender, "sender"));
            RtmChannel out = sender.createChannel("room", new Recorder());
            assertEquals(0, join(out));
            long[] before = settled();
            for (int round = 0; round < ROUNDS; round++) {
                CountDownLatch inCallback = new CountDownLatch(1);
                CountDownLatch released = new CountDownLatch(2);
                final RtmClient[] self = new RtmClient[1];
                RtmClient c = RtmClient.createInstance(APP_ID, new Recorder());
                self[0] = c;
                assertEquals(0, c.setParameters(rtmd.params()));
                assertEquals(0, login(c, "victim" + round));
                final RtmChannel[] ch = new RtmChannel[1];
                ch[0] = c.createChannel("room", new Recorder() {
                    @Override
                    public void onMessageReceived(RtmMessage message, RtmChannelMember from) {
                        inCallback.countDown();
                        try {
                            Thread.sleep(20); // the other thread's release comes first
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        self[0].release(); // from the channel's callback
                        released.countDown();
                    }
                });
                assertEquals(0, join(ch[0]));
                Thread other = new Thread(() -> {
                    try {
                        inCallback.await(10, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        return;
                    }
                    ch[0].release(); // meanwhile, on another thread
                    released.countDown();
                });
                other.start();
                assertEquals(0, send(sender, out, "release now " + round));
                assertTrue("round " + round + ": the two releases wait for each other",
                        released.await(10, TimeUnit.SECONDS));
                other.join();
            }
            awaitRecords(before);
        }
    }

    // Several clients, each released from its own listener on its own
    // callback thread, at once, while other threads release their channels
    // and call them: every round ends, and leaves nothing behind.
    @Test(timeout = 300_000)
    public void releaseFromListenersOnSeveralThreadsAtOnce() throws Exception {
        try (Rtmd rtmd = new Rtmd("--rate", "login=0/1", "--rate", "login-per-address=0/1",
                "--rate", "join=0/1", "--rate", "join-same-channel=0/1")) {
            RtmClient sender = client(new Recorder(), rtmd.params());
            assertEquals(0, login(sender, "sender"));
            long[] before = settled();
            for (int round = 0; round < ROUNDS; round++) {
                CountDownLatch done = new CountDownLatch(CLIENTS);
                List<RtmChannel> channels = new ArrayList<>();
                List<RtmClient> clients = new ArrayList<>();
                for (int i = 0; i < CLIENTS; i++) {
                    final RtmClient[] self = new RtmClient[1];
                    RtmClient c = RtmClient.createInstance(APP_ID, new Recorder() {
                        @Override
                        public void onMessageReceived(RtmMessage message, String peerId) {
                            self[0].release();
                            self[0].release(); // twice: the second does nothing
                            done.countDown();
                        }
                    });
                    self[0] = c;
                    assertEquals(0, c.setParameters(rtmd.params()));
                    assertEquals(0, login(c, "u" + round + "-" + i));
                    RtmChannel ch = c.createChannel("room" + i, new Recorder());
                    ch.join(null); // pending, perhaps, at the release
                    channels.add(ch);
                    clients.add(c);
                }
                List<Thread> threads = new ArrayList<>();
                for (RtmChannel ch : channels) {
                    Thread t = new Thread(() -> {
                        ch.getMembers(null);
                        ch.release();
                        ch.release();
                    });
                    threads.add(t);
                }
                for (Thread t : threads) {
                    t.start();
                }
                for (int i = 0; i < CLIENTS; i++) {
                    send(sender, "u" + round + "-" + i, "bye"); // its receiver releases itself
                }
                assertTrue("round " + round, done.await(20, TimeUnit.SECONDS));
                for (Thread t : threads) {
                    t.join();
                }
                for (RtmClient c : clients) {
                    c.release(); // already released: nothing
                }
            }
            awaitRecords(before);
        }
    }
}
