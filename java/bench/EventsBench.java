import io.agora.rtm.RtmClient;
import io.agora.rtm.RtmClientListener;
import io.agora.rtm.RtmMessage;
import io.agora.rtm.ErrorInfo;
import io.agora.rtm.ResultCallback;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The events benchmark of issue 3 (not a test; `make bench-java`): peer
 * messages from one client to another through a real rtmd on loopback,
 * delivered once to a Java RtmClientListener (this JVM, through the JNI shim)
 * and once to a C callback (rtm-events-bench recv, the same C core without
 * JNI). The sender is the same C program (rtm-events-bench send) both times.
 *
 * Two measures, each in several runs, C and Java alternating, the median kept:
 *   - flood: COUNT messages as fast as a window of 256 unanswered sends
 *     allows; events per second at the receiver (first to last arrival);
 *   - paced: PACED messages, one every INTERVAL us (not saturated); the
 *     latency from just before rtm_send_peer_message to the start of the
 *     receiver's callback (CLOCK_MONOTONIC on both sides: System.nanoTime on
 *     Linux), median and 99th percentile.
 * Printed side by side, then as ratios (Java / C) and the added latency per
 * event (Java - C).
 *
 *   java -cp agora-rtm-sdk.jar:DIR EventsBench --rtmd PATH --driver PATH
 *        [--runs 7] [--count 100000] [--paced 2000] [--interval-us 500]
 */
public final class EventsBench {
    static String rtmdPath;
    static String driver;
    static String server;
    static int runs = 7;
    static int count = 100000;
    static int paced = 2000;
    static int intervalUs = 500;
    static int userSeq;

    /** One receiver run: rate (events/s), latency median and p99 (us). */
    static final class Run {
        final double rate;
        final double medianUs;
        final double p99Us;

        Run(double rate, double medianUs, double p99Us) {
            this.rate = rate;
            this.medianUs = medianUs;
            this.p99Us = p99Us;
        }
    }

    public static void main(String[] args) throws Exception {
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--rtmd": rtmdPath = args[i + 1]; break;
                case "--driver": driver = args[i + 1]; break;
                case "--runs": runs = Integer.parseInt(args[i + 1]); break;
                case "--count": count = Integer.parseInt(args[i + 1]); break;
                case "--paced": paced = Integer.parseInt(args[i + 1]); break;
                case "--interval-us": intervalUs = Integer.parseInt(args[i + 1]); break;
                default: throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (rtmdPath == null || driver == null) {
            System.err.println("usage: EventsBench --rtmd PATH --driver PATH [--runs N] [--count N] [--paced N]"
                    + " [--interval-us US]");
            System.exit(2);
        }
        File dir = Files.createTempDirectory("events-bench-").toFile();
        File ready = new File(dir, "ready");
        // No message rate: its default (1500 per 3 s, the reference's abuse
        // limit) would hold the flood back, and the rest would be refused.
        Process rtmd = new ProcessBuilder(rtmdPath, "--listen", "127.0.0.1:0", "--ready-file",
                ready.getAbsolutePath(), "--data-dir", dir.getAbsolutePath(),
                "--max-unacked", "1000000", "--rate", "messages=0/1",
                "--log-level", "warn")
                .redirectErrorStream(true).redirectOutput(new File(dir, "rtmd.log")).start();
        try {
            for (int i = 0; i < 500 && !ready.exists(); i++) {
                Thread.sleep(10);
            }
            server = new String(Files.readAllBytes(ready.toPath()), StandardCharsets.UTF_8).trim();
            System.out.printf(Locale.ROOT, "rtmd %s; %d runs of: flood %d messages (window 256), paced %d "
                    + "messages every %d us; sender: rtm-events-bench (C)%n", server, runs, count, paced, intervalUs);

            // Warm-up (not counted): the JIT, the server's tables.
            javaRun(count, 0);
            cRun(count, 0);

            List<Run> cFlood = new ArrayList<>(), jFlood = new ArrayList<>();
            List<Run> cPaced = new ArrayList<>(), jPaced = new ArrayList<>();
            System.out.println();
            System.out.println("run  receiver  flood events/s  paced lat median us  paced lat p99 us");
            for (int r = 1; r <= runs; r++) {
                // Alternate which goes first, so that drift favours neither.
                boolean cFirst = r % 2 == 1;
                for (int k = 0; k < 2; k++) {
                    boolean c = (k == 0) == cFirst;
                    Run f = c ? cRun(count, 0) : javaRun(count, 0);
                    Run p = c ? cRun(paced, intervalUs) : javaRun(paced, intervalUs);
                    (c ? cFlood : jFlood).add(f);
                    (c ? cPaced : jPaced).add(p);
                    System.out.printf(Locale.ROOT, "%3d  %-8s  %14.0f  %19.1f  %16.1f%n", r, c ? "C" : "Java",
                            f.rate, p.medianUs, p.p99Us);
                }
            }
            double cRate = median(cFlood, 0), jRate = median(jFlood, 0);
            double cLat = median(cPaced, 1), jLat = median(jPaced, 1);
            double cP99 = median(cPaced, 2), jP99 = median(jPaced, 2);
            double cFloodLat = median(cFlood, 1), jFloodLat = median(jFlood, 1);
            System.out.println();
            System.out.printf(Locale.ROOT, "median of %d runs    C callback   Java listener   Java / C%n", runs);
            System.out.printf(Locale.ROOT, "flood events/s       %10.0f   %13.0f   %8.3f%n", cRate, jRate, jRate / cRate);
            System.out.printf(Locale.ROOT, "paced latency (us)   %10.1f   %13.1f   %8.3f%n", cLat, jLat, jLat / cLat);
            System.out.printf(Locale.ROOT, "paced p99 (us)       %10.1f   %13.1f   %8.3f%n", cP99, jP99, jP99 / cP99);
            System.out.printf(Locale.ROOT, "flood latency (us)   %10.1f   %13.1f   %8.3f%n", cFloodLat, jFloodLat,
                    jFloodLat / cFloodLat);
            System.out.printf(Locale.ROOT, "added latency per event (paced, Java - C): %.1f us%n", jLat - cLat);
            System.out.printf(Locale.ROOT, "events/s ratio (Java / C): %.3f%n", jRate / cRate);
        } finally {
            rtmd.destroy();
            rtmd.waitFor(10, TimeUnit.SECONDS);
            for (File f : dir.listFiles()) {
                f.delete();
            }
            dir.delete();
        }
    }

    /** Field 0 rate, 1 median, 2 p99: the median over the runs. */
    static double median(List<Run> l, int field) {
        List<Double> v = new ArrayList<>();
        for (Run r : l) {
            v.add(field == 0 ? r.rate : field == 1 ? r.medianUs : r.p99Us);
        }
        Collections.sort(v);
        int n = v.size();
        return n % 2 == 1 ? v.get(n / 2) : (v.get(n / 2 - 1) + v.get(n / 2)) / 2;
    }

    static Process sender(String to, int n, int interval) throws Exception {
        return new ProcessBuilder(driver, "send", server, "tx-" + (++userSeq), to, Integer.toString(n), "256",
                Integer.toString(interval)).redirectErrorStream(true).start();
    }

    static void finish(Process p, String what) throws Exception {
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        StringBuilder all = new StringBuilder();
        for (String line; (line = out.readLine()) != null; ) {
            all.append(line).append('\n');
        }
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException(what + " failed:\n" + all);
        }
    }

    /** The Java listener: what the C callback of rtm-events-bench does, in Java. */
    static final class Receiver implements RtmClientListener {
        final long[] latNs;
        final CountDownLatch done = new CountDownLatch(1);
        int received;
        long firstNs;
        long lastNs;
        long lastSeq;
        long orderErrors;

        Receiver(int n) {
            latNs = new long[n];
        }

        @Override
        public void onConnectionStateChanged(int state, int reason) {
        }

        @Override
        public synchronized void onMessageReceived(RtmMessage message, String peerId) {
            long t = System.nanoTime();
            String text = message.getText();
            int sp = text.indexOf(' ');
            if (sp < 0 || received >= latNs.length) {
                return;
            }
            long seq = Long.parseLong(text.substring(0, sp));
            long sent = Long.parseLong(text.substring(sp + 1));
            if (received == 0) {
                firstNs = t;
            }
            lastNs = t;
            latNs[received] = t - sent;
            if (seq != lastSeq + 1) {
                orderErrors++;
            }
            lastSeq = seq;
            if (++received == latNs.length) {
                done.countDown();
            }
        }
    }

    static Run javaRun(int n, int interval) throws Exception {
        Receiver rx = new Receiver(n);
        RtmClient c = RtmClient.createInstance("events-bench", rx);
        try {
            if (c.setParameters("{\"rtm.server\":\"" + server + "\"}") != 0) {
                throw new IllegalStateException("setParameters refused");
            }
            String user = "jrx-" + (++userSeq);
            CountDownLatch in = new CountDownLatch(1);
            int[] code = {-1};
            c.login(null, user, new ResultCallback<Void>() {
                @Override
                public void onSuccess(Void v) {
                    code[0] = 0;
                    in.countDown();
                }

                @Override
                public void onFailure(ErrorInfo e) {
                    code[0] = e.getErrorCode();
                    in.countDown();
                }
            });
            if (!in.await(10, TimeUnit.SECONDS) || code[0] != 0) {
                throw new IllegalStateException("login failed: " + code[0]);
            }
            Process tx = sender(user, n, interval);
            if (!rx.done.await(120, TimeUnit.SECONDS)) {
                throw new IllegalStateException("Java receiver: " + rx.received + " of " + n);
            }
            finish(tx, "sender");
            synchronized (rx) {
                if (rx.orderErrors != 0) {
                    throw new IllegalStateException("Java receiver: " + rx.orderErrors + " out of order");
                }
                long[] lat = rx.latNs.clone();
                Arrays.sort(lat);
                double secs = (rx.lastNs - rx.firstNs) / 1e9;
                return new Run(secs > 0 ? (n - 1) / secs : 0, lat[n / 2] / 1e3, lat[(n * 99) / 100] / 1e3);
            }
        } finally {
            c.release();
        }
    }

    static Run cRun(int n, int interval) throws Exception {
        String user = "crx-" + (++userSeq);
        Process rx = new ProcessBuilder(driver, "recv", server, user, Integer.toString(n), "120000")
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(rx.getInputStream(), StandardCharsets.UTF_8));
        String line = out.readLine();
        if (!"ready".equals(line)) {
            throw new IllegalStateException("C receiver: " + line);
        }
        Process tx = sender(user, n, interval);
        line = out.readLine();
        finish(tx, "sender");
        if (!rx.waitFor(60, TimeUnit.SECONDS) || rx.exitValue() != 0 || line == null) {
            throw new IllegalStateException("C receiver failed: " + line);
        }
        // "received N seconds S rate R lat_median_us M lat_p99_us P order_errors E"
        String[] f = line.trim().split(" ");
        if (!"0".equals(f[11])) {
            throw new IllegalStateException("C receiver: " + f[11] + " out of order");
        }
        return new Run(Double.parseDouble(f[5]), Double.parseDouble(f[7]), Double.parseDouble(f[9]));
    }
}
