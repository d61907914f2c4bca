package io.agora.rtm;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import org.junit.Test;

/** Create/login/logout/release cycles leave no thread, global reference or native memory behind. */
public class LifecycleTest extends RtmTestBase {
    static final int CYCLES = Integer.getInteger("rtm.cycles", 1000);

    static int liveThreads() throws InterruptedException {
        // Threads of released clients end once their last callback returned.
        int n = Thread.activeCount();
        for (int i = 0; i < 50; i++) {
            int m = Thread.activeCount();
            if (m == n) {
                break;
            }
            n = m;
            Thread.sleep(20);
        }
        return n;
    }

    static long callbackThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals("rtm-callback")).count();
    }

    static void cycle(String server, int i) throws Exception {
        Recorder r = new Recorder();
        RtmClient c = RtmClient.createInstance(APP_ID, r);
        assertEquals(0, c.setParameters(server));
        assertEquals(0, login(c, "cycler" + (i % 7)));
        RtmChannel ch = c.createChannel("room", r);
        assertEquals(0, join(ch));
        assertEquals(0, logout(c));
        c.release();
    }

    @Test(timeout = 120_000)
    public void thousandCreateLoginLogoutReleaseCycles() throws Exception {
        // Seven users log in and join "room" hundreds of times a second, far
        // over rtmd's login and join rates, which are per user (their own tests).
        try (Rtmd rtmd = new Rtmd("--rate", "login=0/1", "--rate", "login-per-address=0/1",
                "--rate", "join=0/1", "--rate", "join-same-channel=0/1")) {
            String params = rtmd.params();
            // Warm up: the first cycles load classes, grow arenas and caches.
            for (int i = 0; i < 50; i++) {
                cycle(params, i);
            }
            System.gc();
            Thread.sleep(200);
            int threads0 = liveThreads();
            long cb0 = callbackThreads();
            long mem0 = RtmNative.mallocInUse();
            long t0 = System.nanoTime();
            for (int i = 0; i < CYCLES; i++) {
                cycle(params, i);
            }
            long ms = (System.nanoTime() - t0) / 1_000_000;
            System.gc();
            Thread.sleep(200);
            int threads1 = liveThreads();
            long mem1 = RtmNative.mallocInUse();
            System.out.println("lifecycle: " + CYCLES + " cycles in " + ms + " ms; threads " + threads0 + " -> "
                    + threads1 + "; rtm-callback threads " + cb0 + " -> " + callbackThreads()
                    + "; native heap in use " + mem0 + " -> " + mem1 + " bytes (" + (mem1 - mem0) + ")");
            assertEquals("threads", threads0, threads1);
            // Every record of the shim (and the global reference each holds) is gone.
            assertEquals("[0, 0, 0]", java.util.Arrays.toString(RtmNative.liveRecords()));
            assertEquals(0, callbackThreads());
            // The JVM's own mallocs make this figure noisy (+-several MB over
            // batches of 2000 cycles, measured): it is reported, and bounds
            // only a gross leak (a client's buffers or event base per cycle).
            assertTrue("native heap grew by " + (mem1 - mem0) + " bytes", mem1 - mem0 < 16L << 20);
        }
    }
}
