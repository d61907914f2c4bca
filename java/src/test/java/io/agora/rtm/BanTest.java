package io.agora.rtm;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import io.agora.rtm.RtmStatusCode.ConnectionChangeReason;
import io.agora.rtm.RtmStatusCode.ConnectionState;
import io.agora.rtm.RtmStatusCode.LoginError;
import java.io.File;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.Test;

/**
 * SPEC A1 through the Java API: a user banned through rtmd's admin API goes
 * ABORTED with BANNED_BY_SERVER, does not reconnect, and cannot log in until
 * the ban is lifted.
 */
public class BanTest extends RtmTestBase {
    static final String SECRET = "0123456789abcdef-java-test";

    /** POST or DELETE on rtmd's admin API; the HTTP status. */
    static int admin(String base, String method, String path) throws Exception {
        HttpURLConnection c = (HttpURLConnection) new URL(base + path).openConnection();
        c.setRequestMethod(method);
        c.setRequestProperty("Authorization", "Bearer " + SECRET);
        int status = c.getResponseCode();
        c.disconnect();
        return status;
    }

    @Test
    public void a1_bannedUserIsAbortedAndCannotLogInUntilUnbanned() throws Exception {
        File secret = File.createTempFile("rtmd-admin", ".secret");
        secret.deleteOnExit();
        Files.write(secret.toPath(), (SECRET + "\n").getBytes(StandardCharsets.UTF_8));
        try (Rtmd rtmd = new Rtmd("--admin-listen", "127.0.0.1:0", "--admin-secret-file",
                secret.getAbsolutePath())) {
            Matcher m = Pattern.compile("admin API listening on (\\S+)").matcher(rtmd.log());
            assertTrue(rtmd.log(), m.find());
            String base = "http://" + m.group(1);
            Recorder r = new Recorder();
            RtmClient c = client(r, rtmd.params());
            assertEquals(0, login(c, "mallory"));
            assertEquals(200, admin(base, "POST", "/users/mallory/ban?app=" + APP_ID));
            String aborted = Recorder.state(ConnectionState.CONNECTION_STATE_ABORTED,
                    ConnectionChangeReason.CONNECTION_CHANGE_REASON_BANNED_BY_SERVER);
            assertTrue(r.await(aborted));
            Thread.sleep(1000);
            assertFalse("no reconnection after ABORTED", r.events().toString().contains("RECONNECTING"));
            assertEquals(0, logout(c));
            assertEquals(LoginError.LOGIN_ERR_REJECTED, login(c, "mallory"));
            assertEquals(200, admin(base, "DELETE", "/users/mallory/ban?app=" + APP_ID));
            assertEquals(0, login(c, "mallory"));
        }
    }
}
