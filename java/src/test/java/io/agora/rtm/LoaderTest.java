package io.agora.rtm;

import static org.junit.Assert.assertTrue;

import java.io.File;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.Test;

/**
 * Loading (the JAR's own library when loadLibrary fails, a failure that names
 * every place tried) and which server (setParameters, then -Drtm.server, then
 * RTM_SERVER), each in a JVM of its own.
 */
public class LoaderTest {
    static final String JAVA = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";

    static String run(List<String> jvmArgs, String classpath, String env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(JAVA);
        cmd.addAll(jvmArgs);
        cmd.add("-cp");
        cmd.add(classpath);
        cmd.add("io.agora.rtm.Probe");
        cmd.addAll(Arrays.asList(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().remove("RTM_SERVER");
        if (env != null) {
            pb.environment().put("RTM_SERVER", env);
        }
        Process p = pb.start();
        byte[] out;
        try (InputStream in = p.getInputStream()) {
            out = readAll(in);
        }
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        return new String(out, StandardCharsets.UTF_8) + "exit " + p.exitValue();
    }

    static byte[] readAll(InputStream in) throws Exception {
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        for (int n; (n = in.read(buf)) > 0;) {
            b.write(buf, 0, n);
        }
        return b.toByteArray();
    }

    /** The test classes (Probe, Result), without the main classes. */
    static String testClasses() throws Exception {
        return new File(Probe.class.getProtectionDomain().getCodeSource().getLocation().toURI()).getPath();
    }

    static String mainClasses() throws Exception {
        return new File(RtmClient.class.getProtectionDomain().getCodeSource().getLocation().toURI()).getPath();
    }

    static String jar() {
        String jar = System.getProperty("rtm.jar");
        assertTrue("rtm.jar " + jar, jar != null && new File(jar).isFile());
        return jar;
    }

    @Test
    public void theJarLoadsItsOwnLibraryWithNoFlag() throws Exception {
        try (Rtmd rtmd = new Rtmd()) {
            String out = run(Arrays.asList(), jar() + File.pathSeparator + testClasses(), null, "alice",
                    rtmd.params());
            assertTrue(out, out.contains("loaded from jar:/native/linux-x86_64/libagora-rtm-sdk-jni.so"));
            assertTrue(out, out.contains("login 0"));
            assertTrue(out, out.endsWith("exit 0"));
        }
    }

    @Test
    public void aLoadFailureNamesEveryPlaceTried() throws Exception {
        // The classes without the JAR's library, and no java.library.path.
        String out = run(Arrays.asList("-Djava.library.path=/nonexistent"),
                mainClasses() + File.pathSeparator + testClasses(), null, "alice");
        assertTrue(out, out.contains("cannot load the RTM native library; tried:"));
        assertTrue(out, out.contains("System.loadLibrary(\"agora-rtm-sdk-jni\") with java.library.path=/nonexistent"));
        assertTrue(out, out.contains("resource /native/linux-x86_64/libagora-rtm-sdk-jni.so in the JAR: not found"));
        assertTrue(out, !out.endsWith("exit 0"));
    }

    @Test
    public void serverAddressOrder() throws Exception {
        String lib = "-Djava.library.path=" + System.getProperty("java.library.path");
        String cp = mainClasses() + File.pathSeparator + testClasses();
        String dead;
        try (SilentServer probe = new SilentServer()) {
            dead = probe.address(); // a port nothing listens on afterwards
        }
        try (Rtmd rtmd = new Rtmd()) {
            String live = rtmd.address();
            String fast = "{\"rtm.login_timeout_ms\":1500}";
            // RTM_SERVER alone.
            assertTrue(run(Arrays.asList(lib), cp, live, "alice", fast).contains("login 0"));
            // The system property beats RTM_SERVER.
            String out = run(Arrays.asList(lib, "-Drtm.server=" + live), cp, dead, "alice", fast);
            assertTrue(out, out.contains("login 0"));
            out = run(Arrays.asList(lib, "-Drtm.server=" + dead), cp, live, "alice", fast);
            assertTrue(out, out.contains("login 9")); // LOGIN_ERR_TIMEOUT: it went to the dead one
            // setParameters beats the system property.
            out = run(Arrays.asList(lib, "-Drtm.server=" + dead), cp, dead, "alice",
                    "{\"rtm.server\":\"" + live + "\"}");
            assertTrue(out, out.contains("setParameters 0") && out.contains("login 0"));
            // A bad property is reported by createInstance.
            out = run(Arrays.asList(lib, "-Drtm.server=no port"), cp, null, "alice");
            assertTrue(out, out.contains("system property rtm.server=\"no port\""));
        }
    }
}
