package io.agora.rtm;

import static org.junit.Assert.fail;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * rtm-faultproxy (docs/FAULTPROXY.md) between a client and rtmd, as the C
 * tests run it (tests/support/fault_proxy.h): {@code rtm-faultproxy --upstream
 * ADDR --listen 127.0.0.1:0 --control 127.0.0.1:0 --ready-file PATH}, the two
 * addresses read from the ready file. The binary is the system property
 * rtm.faultproxy (set by the Gradle build, as rtm.rtmd is).
 *
 * <p>Each command opens a control connection, sends one line and reads the
 * one reply line; it has taken effect when the reply ("ok ...") arrives.
 */
final class FaultProxy implements AutoCloseable {
    private final Process process;
    private final File dir;
    private final File log;
    private final String address;
    private final String controlHost;
    private final int controlPort;

    FaultProxy(String upstream, String... extraArgs) throws Exception {
        String bin = System.getProperty("rtm.faultproxy");
        if (bin == null || !new File(bin).canExecute()) {
            throw new IllegalStateException("system property rtm.faultproxy does not name an executable "
                    + "rtm-faultproxy: " + bin);
        }
        dir = Files.createTempDirectory("faultproxy-java-").toFile();
        File ready = new File(dir, "ready");
        log = new File(dir, "faultproxy.log");
        List<String> cmd = new ArrayList<>(Arrays.asList(bin, "--upstream", upstream, "--listen", "127.0.0.1:0",
                "--control", "127.0.0.1:0", "--ready-file", ready.getAbsolutePath()));
        cmd.addAll(Arrays.asList(extraArgs));
        process = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        String[] parts = new String[0];
        while (System.nanoTime() < deadline) {
            if (ready.exists()) { // written through a rename: never half of it
                parts = new String(Files.readAllBytes(ready.toPath()), StandardCharsets.UTF_8).trim().split("\\s+");
                if (parts.length == 2) {
                    break;
                }
            }
            if (!process.isAlive()) {
                break;
            }
            Thread.sleep(10);
        }
        if (parts.length != 2) {
            process.destroyForcibly();
            throw new IllegalStateException("rtm-faultproxy did not become ready within 5 s; its log:\n" + log());
        }
        address = parts[0];
        int colon = parts[1].lastIndexOf(':');
        controlHost = parts[1].substring(0, colon);
        controlPort = Integer.parseInt(parts[1].substring(colon + 1));
    }

    /** Where clients connect: "127.0.0.1:PORT". */
    String address() {
        return address;
    }

    /** The parameters JSON that points a client at the proxy, plus extra "key":value pairs. */
    String params(String... extra) {
        StringBuilder b = new StringBuilder("{\"rtm.server\":\"").append(address).append('"');
        for (String e : extra) {
            b.append(',').append(e);
        }
        return b.append('}').toString();
    }

    /** Sends one command line and returns the reply line; fails the test unless it is "ok ...". */
    String command(String line) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(controlHost, controlPort), 5000);
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            out.write((line + "\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            String reply = in.readLine();
            if (reply == null || !reply.startsWith("ok")) {
                fail("rtm-faultproxy: '" + line + "' got '" + reply + "'; its log:\n" + log());
            }
            return reply;
        } catch (IOException e) {
            throw new AssertionError("rtm-faultproxy control: " + e + "; its log:\n" + log(), e);
        }
    }

    void pass() {
        command("pass");
    }

    /** Every link stays open and nothing is delivered (no FIN, no RST): a silent link (SPEC S7). */
    void silent() {
        command("silent");
    }

    /** Every open link is reset (RST on both sides). */
    void reset() {
        command("reset");
    }

    String log() {
        try {
            return new String(Files.readAllBytes(log.toPath()), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** SIGTERM, then expects a clean exit (code 0), like fault_proxy.h. */
    @Override
    public void close() throws Exception {
        try {
            if (process.isAlive()) {
                process.destroy();
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    fail("rtm-faultproxy did not stop on SIGTERM within 10 s");
                }
                if (process.exitValue() != 0) {
                    fail("rtm-faultproxy exited with " + process.exitValue() + "; its log:\n" + log());
                }
            }
        } finally {
            for (File f : dir.listFiles()) {
                f.delete();
            }
            dir.delete();
        }
    }
}
