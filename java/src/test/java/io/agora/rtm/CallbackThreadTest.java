package io.agora.rtm;

import static io.agora.rtm.Recorder.CONNECTED;
import static io.agora.rtm.Recorder.CONNECTING;
import static io.agora.rtm.Recorder.KICKED;
import static io.agora.rtm.Recorder.LOGGED_OUT;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotSame;
import static org.junit.Assert.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.Test;

/** Where and how callbacks run (SPEC B3), and what a listener may do in them. */
public class CallbackThreadTest extends RtmTestBase {

    @Test
    public void callbacksRunOnADaemonCallbackThreadNotTheCaller() throws Exception {
        try (Rtmd rtmd = new Rtmd()) {
            Recorder r = new Recorder();
            RtmClient c = client(r, rtmd.params());
            Result<Void> res = new Result<>();
            c.login(null, "alice", res);
            assertEquals(0, res.code());
            assertTrue(r.await(CONNECTED));
            // Events and results alike run on the callback pool's threads
            // (each attached once, as a daemon), never on the caller's.
            for (Thread t : Arrays.asList(r.threads.get(0), r.threads.get(1), res.thread)) {
                assertNotSame(Thread.currentThread(), t);
                assertTrue(t.isDaemon());
                assertEquals("rtm-callback", t.getName());
            }
        }
    }

    @Test(timeout = 30000)
    public void b3_aListenerSleeping10sDoesNotDelayAnotherClient() throws Exception {
        try (Rtmd rtmd = new Rtmd()) {
            CountDownLatch blocked = new CountDownLatch(1);
            RtmClientListener sleeper = new Recorder() {
                @Override
                public void onConnectionStateChanged(int state, int reason) {
                    super.onConnectionStateChanged(state, reason);
                    if (state == RtmStatusCode.ConnectionState.CONNECTION_STATE_CONNECTING) {
                        blocked.countDown();
                        try {
                            Thread.sleep(10_000);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                }
            };
            RtmClient slow = client(sleeper, rtmd.params());
            Result<Void> slowLogin = new Result<>();
            slow.login(null, "slow", slowLogin);
            assertTrue(blocked.await(10, TimeUnit.SECONDS)); // now asleep in its callback
            long t0 = System.nanoTime();
            Recorder rb = new Recorder();
            RtmClient a = client(new Recorder(), rtmd.params());
            RtmClient b = client(rb, rtmd.params());
            assertEquals(0, login(a, "alice"));
            assertEquals(0, login(b, "bob"));
            for (int i = 0; i < 10; i++) {
                assertEquals(0, send(a, "bob", "m" + i));
            }
            assertTrue(rb.await("peer alice: m9"));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue("the other clients took " + ms + " ms", ms < 3000);
            // The sleeping client's login went through meanwhile (its heartbeats too):
            // its result comes once its listener wakes up, and it is still in.
            assertEquals(0, slowLogin.code());
            assertEquals(0, send(a, "slow", "still there?"));
        }
    }

    @Test
    public void sdkMethodsFromInsideCallbacks_logoutThenLoginOnAborted() throws Exception {
        try (Rtmd rtmd = new Rtmd()) {
            CountDownLatch back = new CountDownLatch(1);
            final RtmClient[] self = new RtmClient[1];
            Recorder r = new Recorder() {
                @Override
                public void onConnectionStateChanged(int state, int reason) {
                    super.onConnectionStateChanged(state, reason);
                    if (state == RtmStatusCode.ConnectionState.CONNECTION_STATE_ABORTED) {
                        self[0].logout(null);
                        self[0].login(null, "alice", new ResultCallback<Void>() {
                            @Override
                            public void onSuccess(Void v) {
                                // and a message from inside a result callback
                                self[0].sendMessageToPeer("bob", self[0].createMessage("back"),
                                        new SendMessageOptions(), null);
                                back.countDown();
                            }

                            @Override
                            public void onFailure(ErrorInfo e) {
                                record("relogin failed " + e);
                            }
                        });
                    }
                }
            };
            RtmClient a = client(r, rtmd.params());
            self[0] = a;
            Recorder rb = new Recorder();
            RtmClient bob = client(rb, rtmd.params());
            assertEquals(0, login(bob, "bob"));
            assertEquals(0, login(a, "alice"));
            Recorder r2 = new Recorder();
            RtmClient other = client(r2, rtmd.params());
            assertEquals(0, login(other, "alice")); // kicks a
            assertTrue(back.await(15, TimeUnit.SECONDS));
            assertTrue(rb.await("peer alice: back"));
            assertTrue(r2.await(KICKED)); // a's new login kicked the other one
            assertEquals(Arrays.asList(CONNECTING, CONNECTED, KICKED, LOGGED_OUT, CONNECTING, CONNECTED), r.states());
        }
    }

    /** The records of the logger "io.agora.rtm" while it is installed. */
    static final class Captured extends Handler implements AutoCloseable {
        final List<LogRecord> records = new ArrayList<>();
        private final Logger logger = Logger.getLogger("io.agora.rtm");
        private final boolean parents = logger.getUseParentHandlers();

        Captured() {
            logger.addHandler(this);
            logger.setUseParentHandlers(false); // the test's own choice: quiet
        }

        @Override
        public synchronized void publish(LogRecord r) {
            records.add(r);
        }

        synchronized List<String> thrown() {
            List<String> out = new ArrayList<>();
            for (LogRecord r : records) {
                if (r.getThrown() != null) {
                    out.add(r.getThrown().getMessage());
                }
            }
            return out;
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
            logger.removeHandler(this);
            logger.setUseParentHandlers(parents);
        }
    }

    // What a listener throws goes to the logger "io.agora.rtm", where the
    // application configures it (the library never prints), and the
    // callbacks go on.
    @Test
    public void aListenerThatThrowsDoesNotStopLaterCallbacks() throws Exception {
        try (Rtmd rtmd = new Rtmd(); Captured log = new Captured()) {
            Recorder rb = new Recorder() {
                @Override
                public void onMessageReceived(RtmMessage message, String peerId) {
                    super.onMessageReceived(message, peerId);
                    throw new IllegalStateException("thrown by a test listener");
                }
            };
            RtmClient a = client(new Recorder(), rtmd.params());
            RtmClient b = client(rb, rtmd.params());
            assertEquals(0, login(a, "alice"));
            assertEquals(0, login(b, "bob"));
            for (int i = 0; i < 3; i++) {
                assertEquals(0, send(a, "bob", "t" + i));
            }
            assertTrue(rb.await("peer alice: t2"));
            Thread cbThread = rb.threads.get(rb.threads.size() - 1);
            assertTrue(cbThread.isAlive());
            // A throwing result callback too.
            CountDownLatch after = new CountDownLatch(1);
            b.logout(new ResultCallback<Void>() {
                @Override
                public void onSuccess(Void v) {
                    after.countDown();
                    throw new RuntimeException("thrown by a test result callback");
                }

                @Override
                public void onFailure(ErrorInfo e) {
                }
            });
            assertTrue(after.await(10, TimeUnit.SECONDS));
            assertTrue(rb.await(LOGGED_OUT));
            assertEquals(0, login(b, "bob"));
            assertEquals(0, send(a, "bob", "after"));
            assertTrue(rb.await("peer alice: after"));
            List<String> thrown = log.thrown();
            assertTrue(thrown.toString(), thrown.contains("thrown by a test listener"));
            assertTrue(thrown.toString(), thrown.contains("thrown by a test result callback"));
        }
    }

    @Test
    public void releaseFromInsideItsOwnCallback() throws Exception {
        try (Rtmd rtmd = new Rtmd()) {
            // Another client keeps the callback pool's threads running: what
            // the released client held is freed all the same, after its last
            // result, not when the thread it ran on exits.
            client(new Recorder(), rtmd.params());
            long[] before = RtmNative.liveRecords();
            CountDownLatch released = new CountDownLatch(1);
            final RtmClient[] self = new RtmClient[1];
            final RtmChannel[] chan = new RtmChannel[1];
            final int[] after = new int[1];
            RtmClientListener l = new Recorder() {
                @Override
                public void onConnectionStateChanged(int state, int reason) {
                    if (released.getCount() == 0) {
                        after[0]++;
                        return;
                    }
                    if (state == RtmStatusCode.ConnectionState.CONNECTION_STATE_CONNECTED) {
                        chan[0] = self[0].createChannel("room", this);
                        chan[0].join(null); // pending: completed with 101 by release
                        self[0].release();
                        released.countDown();
                    }
                }
            };
            RtmClient c = RtmClient.createInstance(APP_ID, l);
            self[0] = c;
            assertEquals(0, c.setParameters(rtmd.params()));
            c.login(null, "alice", null);
            assertTrue(released.await(10, TimeUnit.SECONDS));
            Thread.sleep(300);
            assertEquals(0, after[0]);
            assertEquals(Arrays.toString(before), Arrays.toString(RtmNative.liveRecords()));
            // The server saw alice go; she logs in again without kicking anybody.
            Recorder r2 = new Recorder();
            RtmClient again = client(r2, rtmd.params());
            assertEquals(0, login(again, "alice"));
            Thread.sleep(300);
            assertEquals(Arrays.asList(CONNECTING, CONNECTED), r2.states());
        }
    }
}
