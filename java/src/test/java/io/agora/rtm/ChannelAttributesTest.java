package io.agora.rtm;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.agora.rtm.RtmStatusCode.AttributeOperationError;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.junit.Test;

/**
 * Channel attributes (SPEC A5) through the Java API against a real rtmd:
 * set by one client and read by another, member or not, with the user and
 * time of each entry's last update; onAttributesUpdated for a change made
 * with enableNotificationToChannelMembers; the limits and invalid arguments.
 */
public class ChannelAttributesTest extends RtmTestBase {
    static final int INVALID = AttributeOperationError.ATTRIBUTE_OPERATION_ERR_INVALID_ARGUMENT;
    static final int OVERFLOW = AttributeOperationError.ATTRIBUTE_OPERATION_ERR_SIZE_OVERFLOW;

    static List<RtmChannelAttribute> attrs(String... kv) {
        List<RtmChannelAttribute> l = new ArrayList<>();
        for (int i = 0; i < kv.length; i += 2) {
            l.add(new RtmChannelAttribute(kv[i], kv[i + 1]));
        }
        return l;
    }

    /** "k=v@user,..." in the order given (the system sorts by key). */
    static String text(List<RtmChannelAttribute> l) {
        List<String> s = new ArrayList<>();
        for (RtmChannelAttribute a : l) {
            s.add(a.getKey() + "=" + a.getValue() + "@" + a.getLastUpdateUserId());
        }
        return String.join(",", s);
    }

    static String get(RtmClient c, String channel, String... keys) {
        Result<List<RtmChannelAttribute>> r = new Result<>();
        if (keys.length == 0) {
            c.getChannelAttributes(channel, r);
        } else {
            c.getChannelAttributesByKeys(channel, Arrays.asList(keys), r);
        }
        return r.code() != 0 ? "error " + r.code() : text(r.value());
    }

    static int set(RtmClient c, String channel, boolean notify, String... kv) {
        Result<Void> r = new Result<>();
        c.setChannelAttributes(channel, attrs(kv), new ChannelAttributeOptions(notify), r);
        return r.code();
    }

    @Test
    public void a5_setByOneReadByAnotherWithLastUpdateAndNotified() throws Exception {
        try (Rtmd rtmd = new Rtmd()) {
            Recorder ra = new Recorder(), rb = new Recorder(), rc = new Recorder();
            RtmClient a = client(ra, rtmd.params());
            RtmClient b = client(rb, rtmd.params());
            RtmClient c = client(rc, rtmd.params());
            assertEquals(0, login(a, "alice"));
            assertEquals(0, login(b, "bob"));
            assertEquals(0, login(c, "carol"));
            RtmChannel ca = a.createChannel("room", ra);
            RtmChannel cb = b.createChannel("room", rb);
            assertEquals(0, join(ca));
            assertEquals(0, join(cb));

            // carol is not a member and sets them; bob reads them.
            long before = System.currentTimeMillis();
            assertEquals(0, set(c, "room", false, "b", "2", "a", "1"));
            Result<List<RtmChannelAttribute>> r = new Result<>();
            b.getChannelAttributes("room", r);
            assertEquals(0, r.code());
            assertEquals("a=1@carol,b=2@carol", text(r.value()));
            long ts = r.value().get(0).getLastUpdateTs();
            assertTrue("lastUpdateTs " + ts + " is the server's time in ms",
                    ts + 5 >= before && ts <= System.currentTimeMillis() + 5);
            assertEquals("b=2@carol", get(a, "room", "b", "nope"));

            // With notification every member hears of it, the changer too.
            Result<Void> u = new Result<>();
            a.addOrUpdateChannelAttributes("room", attrs("b", "3"), new ChannelAttributeOptions(true), u);
            assertEquals(0, u.code());
            assertTrue(rb.await("attributes a=1@carol,b=3@alice"));
            assertTrue(ra.await("attributes a=1@carol,b=3@alice"));
            Result<Void> d = new Result<>();
            c.deleteChannelAttributesByKeys("room", Collections.singletonList("a"),
                    new ChannelAttributeOptions(true), d);
            assertEquals(0, d.code());
            assertTrue(rb.await("attributes b=3@alice"));
            Result<Void> cl = new Result<>();
            c.clearChannelAttributes("room", new ChannelAttributeOptions(true), cl);
            assertEquals(0, cl.code());
            assertTrue(ra.await("attributes "));
            assertEquals("", get(b, "room"));
            assertTrue(rc.withPrefix("attributes").isEmpty());
            // Without it (or with null options), no event.
            Result<Void> quiet = new Result<>();
            a.setChannelAttributes("room", attrs("q", "1"), null, quiet);
            assertEquals(0, quiet.code());
            assertEquals("q=1@alice", get(b, "room"));
            assertEquals(3, rb.withPrefix("attributes").size());
        }
    }

    @Test
    public void a5_limitsAndInvalidArgumentsThroughOnFailure() throws Exception {
        try (Rtmd rtmd = new Rtmd()) {
            RtmClient a = client(new Recorder(), rtmd.params());
            assertEquals(0, login(a, "alice"));
            String v8k = AttributesTest.repeat('v', 8000);
            // 32 KB in all: four values of 8000 bytes fit, five do not.
            assertEquals(0, set(a, "room", false, "k1", v8k, "k2", v8k, "k3", v8k, "k4", v8k));
            assertEquals(OVERFLOW, set(a, "room", false, "k1", v8k, "k2", v8k, "k3", v8k, "k4", v8k, "k5", v8k));
            assertEquals(OVERFLOW, set(a, "room", false, AttributesTest.repeat('k', 33), "v"));
            Result<Void> r = new Result<>();
            a.setChannelAttributes("room", attrs("k", "v"), null, r);
            assertEquals(0, r.code());
            assertEquals(INVALID, set(a, "bad/id", false, "k", "v"));
            assertEquals(INVALID, set(a, null, false, "k", "v"));
            assertEquals(INVALID, set(a, "room", false, "", "v"));
            Result<Void> nul = new Result<>();
            a.setChannelAttributes("room", null, null, nul);
            assertEquals(INVALID, nul.code());
            assertEquals("ATTRIBUTE_OPERATION_ERR_INVALID_ARGUMENT", nul.description());
            assertEquals("error " + INVALID, get(a, ""));
            assertEquals("k=v@alice", get(a, "room"));
        }
    }
}
