package io.agora.rtm;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import org.junit.Test;

/** setLogFile, setLogFilter, setLogFileSize: the library's log in files, as the vendor's SDK writes it. */
public class LogFileTest extends RtmTestBase {

    static String read(File f) throws Exception {
        return new String(Files.readAllBytes(f.toPath()), StandardCharsets.UTF_8);
    }

    /** By default a client logs to agorartm.log in the working directory. */
    @Test
    public void defaultFileIsAgorartmLogInTheWorkingDirectory() throws Exception {
        File f = new File(System.getProperty("user.dir"), "agorartm.log");
        client(new Recorder(), null);
        assertTrue(f.getAbsolutePath(), f.exists());
        assertTrue(read(f).contains("logging to agorartm.log"));
    }

    /** A file of our own gets the client's state changes; the filter applies; bad values are refused. */
    @Test
    public void logFileFilterAndSize() throws Exception {
        try (Rtmd rtmd = new Rtmd()) {
            File f = File.createTempFile("rtm-log", ".log");
            f.deleteOnExit();
            RtmClient c = client(new Recorder(), rtmd.params());
            assertEquals(0, c.setLogFile(f.getAbsolutePath()));
            assertTrue(c.setLogFile("/nonexistent-dir/x.log") < 0);
            assertTrue(c.setLogFileSize(511) < 0);
            assertTrue(c.setLogFileSize(1024 * 1024 + 1) < 0);
            assertEquals(0, c.setLogFileSize(512));
            assertTrue(c.setLogFilter(0x07) < 0);
            assertEquals(0, c.setLogFilter(RtmClient.LOG_FILTER_INFO));
            assertEquals(0, login(c, "alice"));
            String log = read(f);
            assertTrue(log, log.contains("user alice: state CONNECTING -> CONNECTED"));
            assertEquals(0, c.setLogFilter(RtmClient.LOG_FILTER_OFF));
            long before = f.length();
            assertEquals(0, logout(c));
            assertEquals(before, f.length());
        }
    }
}
