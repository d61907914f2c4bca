package io.agora.rtm;

import static org.junit.Assert.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real rtmd on a free loopback port, as the C tests start it
 * (tests/support/rtmd_process.h): {@code rtmd --listen 127.0.0.1:0
 * --ready-file PATH}, the address read from the ready file. The binary is the
 * system property rtm.rtmd (set by the Gradle build).
 */
final class Rtmd implements AutoCloseable {
    private final Process process;
    private final File dir;
    private final File log;
    private final String address;

    Rtmd(String... extraArgs) throws Exception {
        String bin = System.getProperty("rtm.rtmd");
        if (bin == null || !new File(bin).canExecute()) {
            throw new IllegalStateException("system property rtm.rtmd does not name an executable rtmd: " + bin);
        }
        dir = Files.createTempDirectory("rtmd-java-").toFile();
        File ready = new File(dir, "ready");
        log = new File(dir, "rtmd.log");
        // The default, durable store, its files in the same directory.
        List<String> cmd = new ArrayList<>(Arrays.asList(bin, "--listen", "127.0.0.1:0", "--ready-file",
                ready.getAbsolutePath(), "--data-dir", dir.getAbsolutePath()));
        cmd.addAll(Arrays.asList(extraArgs));
        process = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        String content = "";
        while (System.nanoTime() < deadline) {
            if (ready.exists()) {
                content = new String(Files.readAllBytes(ready.toPath()), StandardCharsets.UTF_8).trim();
                if (content.contains(":")) {
                    break;
                }
            }
            if (!process.isAlive()) {
                break;
            }
            Thread.sleep(10);
        }
        if (!content.contains(":")) {
            process.destroyForcibly();
            throw new IllegalStateException("rtmd did not become ready within 5 s; its log:\n" + log());
        }
        address = content;
    }

    private static volatile String help;

    /** What {@code rtmd --help} prints (cached). */
    static String help() throws Exception {
        if (help == null) {
            String bin = System.getProperty("rtm.rtmd");
            Process p = new ProcessBuilder(bin, "--help").redirectErrorStream(true).start();
            byte[] out = readAll(p.getInputStream());
            p.waitFor(5, TimeUnit.SECONDS);
            help = new String(out, StandardCharsets.UTF_8);
        }
        return help;
    }

    private static byte[] readAll(java.io.InputStream in) throws IOException {
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        byte[] buf = new byte[4096];
        for (int n; (n = in.read(buf)) > 0; ) {
            b.write(buf, 0, n);
        }
        return b.toByteArray();
    }

    /**
     * Whether this rtmd verifies tokens and answers RenewToken (it has
     * --app-cert). An rtmd without it closes the link of a client that sends
     * RenewToken.
     */
    static boolean handlesTokens() throws Exception {
        return help().contains("--app-cert");
    }

    /** "127.0.0.1:PORT" */
    String address() {
        return address;
    }

    /** The parameters JSON that points a client at this rtmd, plus extra "key":value pairs. */
    String params(String... extra) {
        StringBuilder b = new StringBuilder("{\"rtm.server\":\"").append(address).append('"');
        for (String e : extra) {
            b.append(',').append(e);
        }
        return b.append('}').toString();
    }

    String log() {
        try {
            return new String(Files.readAllBytes(log.toPath()), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** Kills it at once (no goodbye to its clients), as a crash would. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
    }

    /** SIGTERM, then expects a clean exit (code 0), like rtmd_process.h. */
    @Override
    public void close() throws Exception {
        try {
            if (process.isAlive()) {
                process.destroy();
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    fail("rtmd did not stop on SIGTERM within 10 s");
                }
                if (process.exitValue() != 0) {
                    fail("rtmd exited with " + process.exitValue() + "; its log:\n" + log());
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
