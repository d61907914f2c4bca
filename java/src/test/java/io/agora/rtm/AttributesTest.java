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
 * User attributes (SPEC A5) through the Java API against a real rtmd:
 * set / addOrUpdate / delete / clear / get, their codes and descriptions, the
 * SIZE_OVERFLOW limits, and invalid arguments refused with INVALID_ARGUMENT
 * through onFailure (never an exception).
 */
public class AttributesTest extends RtmTestBase {
    static final int INVALID = AttributeOperationError.ATTRIBUTE_OPERATION_ERR_INVALID_ARGUMENT;
    static final int OVERFLOW = AttributeOperationError.ATTRIBUTE_OPERATION_ERR_SIZE_OVERFLOW;

    static List<RtmAttribute> attrs(String... kv) {
        List<RtmAttribute> l = new ArrayList<>();
        for (int i = 0; i < kv.length; i += 2) {
            l.add(new RtmAttribute(kv[i], kv[i + 1]));
        }
        return l;
    }

    static int set(RtmClient c, String... kv) {
        Result<Void> r = new Result<>();
        c.setLocalUserAttributes(attrs(kv), r);
        return r.code();
    }

    static int update(RtmClient c, String... kv) {
        Result<Void> r = new Result<>();
        c.addOrUpdateLocalUserAttributes(attrs(kv), r);
        return r.code();
    }

    static int delete(RtmClient c, String... keys) {
        Result<Void> r = new Result<>();
        c.deleteLocalUserAttributesByKeys(Arrays.asList(keys), r);
        return r.code();
    }

    static int clear(RtmClient c) {
        Result<Void> r = new Result<>();
        c.clearLocalUserAttributes(r);
        return r.code();
    }

    /** "k=v,k2=v2" sorted by key, or "error N". */
    static String text(Result<List<RtmAttribute>> r) {
        if (r.code() != 0) {
            return "error " + r.code();
        }
        List<String> l = new ArrayList<>();
        for (RtmAttribute a : r.value()) {
            l.add(a.getKey() + "=" + a.getValue());
        }
        Collections.sort(l);
        return String.join(",", l);
    }

    static String get(RtmClient c, String user) {
        Result<List<RtmAttribute>> r = new Result<>();
        c.getUserAttributes(user, r);
        return text(r);
    }

    static String get(RtmClient c, String user, String... keys) {
        Result<List<RtmAttribute>> r = new Result<>();
        c.getUserAttributesByKeys(user, Arrays.asList(keys), r);
        return text(r);
    }

    static String repeat(char ch, int n) {
        return InvalidArgumentsTest.repeat(ch, n);
    }

    @Test
    public void a5_setGetUpdateDeleteClearSeenByTheUserAndByOthers() throws Exception {
        try (Rtmd rtmd = new Rtmd()) {
            RtmClient a = client(new Recorder(), rtmd.params());
            RtmClient b = client(new Recorder(), rtmd.params());
            assertEquals(0, login(a, "alice"));
            assertEquals(0, login(b, "bob"));
            assertEquals("", get(b, "alice")); // none set yet

            // set replaces all; a value may be empty; any text survives (UTF-8).
            assertEquals(AttributeOperationError.ATTRIBUTE_OPERATION_ERR_OK,
                    set(a, "color", "red", "note", "", "emoji", "\u00e9t\u00e9 \ud83d\ude00"));
            assertEquals("color=red,emoji=\u00e9t\u00e9 \ud83d\ude00,note=", get(a, "alice"));
            assertEquals("color=red,emoji=\u00e9t\u00e9 \ud83d\ude00,note=", get(b, "alice"));
            assertEquals("color=red", get(b, "alice", "color", "nope"));
            assertEquals(0, set(a, "size", "L"));
            assertEquals("size=L", get(b, "alice"));

            // addOrUpdate merges (adds and overwrites).
            assertEquals(0, set(a, "a", "1", "b", "2", "c", "3"));
            assertEquals(0, update(a, "b", "20", "d", "4"));
            assertEquals("a=1,b=20,c=3,d=4", get(b, "alice"));

            // delete removes keys; an absent key is no error.
            assertEquals(0, delete(a, "a", "c", "nope"));
            assertEquals("b=20,d=4", get(b, "alice"));
            // An empty key list of getUserAttributesByKeys is all of them (the C API's rule).
            assertEquals("b=20,d=4", get(b, "alice", new String[0]));

            // clear removes all; so does set with an empty list.
            assertEquals(0, clear(a));
            assertEquals("", get(b, "alice"));
            assertEquals(0, set(a, "x", "1"));
            Result<Void> empty = new Result<>();
            a.setLocalUserAttributes(new ArrayList<>(), empty);
            assertEquals(0, empty.code());
            assertEquals("", get(a, "alice"));
        }
    }

    @Test
    public void a5_sizeOverflowAtTheLimitsAndNothingIsChanged() throws Exception {
        try (Rtmd rtmd = new Rtmd()) {
            RtmClient a = client(new Recorder(), rtmd.params());
            assertEquals(0, login(a, "alice"));
            assertEquals(0, set(a, "keep", "me"));

            List<String> kv = new ArrayList<>();
            for (int i = 0; i < 33; i++) { // a 33rd attribute
                kv.add("k" + i);
                kv.add("v");
            }
            Result<Void> r33 = new Result<>();
            a.setLocalUserAttributes(attrs(kv.toArray(new String[0])), r33);
            assertEquals(OVERFLOW, r33.code());
            assertEquals("ATTRIBUTE_OPERATION_ERR_SIZE_OVERFLOW", r33.description());
            assertEquals(OVERFLOW, update(a, "big", repeat('x', 8193))); // a value of 8 KB + 1
            assertEquals(OVERFLOW, set(a, "big", repeat('x', 8193)));
            assertEquals(OVERFLOW, set(a, repeat('k', 33), "v")); // a key over 32 bytes
            assertEquals(OVERFLOW, delete(a, repeat('k', 33)));
            assertEquals("error " + OVERFLOW, get(a, "alice", repeat('k', 33)));
            // 16 KB in all, keys and values: 2 x 8 KB values plus their keys.
            assertEquals(OVERFLOW, set(a, "b1", repeat('x', 8192), "b2", repeat('y', 8192)));
            assertEquals("keep=me", get(a, "alice"));

            // 32 attributes, a value of exactly 8 KB: within the limits, read back whole.
            kv.clear();
            for (int i = 0; i < 31; i++) {
                kv.add("k" + i);
                kv.add("v");
            }
            kv.add("big");
            kv.add(repeat('y', 8192));
            assertEquals(0, set(a, kv.toArray(new String[0])));
            assertEquals("big=" + repeat('y', 8192), get(a, "alice", "big"));
            // A merge that would pass 16 KB in all is refused by the system.
            assertEquals(OVERFLOW, update(a, "more", repeat('z', 8192)));
            assertEquals("big=" + repeat('y', 8192), get(a, "alice", "big"));
        }
    }

    @Test
    public void a5_invalidArgumentsAreInvalidArgumentThroughOnFailure() throws Exception {
        try (Rtmd rtmd = new Rtmd()) {
            RtmClient a = client(new Recorder(), rtmd.params());
            assertEquals(0, login(a, "alice"));
            assertEquals(0, set(a, "keep", "me"));

            List<Result<?>> results = new ArrayList<>();
            Result<Void> r;
            a.setLocalUserAttributes(null, r = new Result<>());
            results.add(r);
            a.addOrUpdateLocalUserAttributes(null, r = new Result<>());
            results.add(r);
            a.setLocalUserAttributes(Collections.singletonList(null), r = new Result<>());
            results.add(r);
            a.setLocalUserAttributes(attrs("", "v"), r = new Result<>()); // empty key
            results.add(r);
            a.setLocalUserAttributes(attrs(null, "v"), r = new Result<>());
            results.add(r);
            a.setLocalUserAttributes(attrs("k", null), r = new Result<>());
            results.add(r);
            a.addOrUpdateLocalUserAttributes(attrs("k", "1", "k", "2"), r = new Result<>()); // a key twice
            results.add(r);
            a.setLocalUserAttributes(attrs("k", "a\u0000b"), r = new Result<>()); // not a C string: refused, not cut
            results.add(r);
            a.deleteLocalUserAttributesByKeys(null, r = new Result<>());
            results.add(r);
            a.deleteLocalUserAttributesByKeys(Arrays.asList("k", null), r = new Result<>());
            results.add(r);
            Result<List<RtmAttribute>> g;
            a.getUserAttributes(null, g = new Result<>());
            results.add(g);
            a.getUserAttributes("bad/user", g = new Result<>());
            results.add(g);
            a.getUserAttributesByKeys("alice", null, g = new Result<>());
            results.add(g);
            a.getUserAttributesByKeys("alice", Collections.singletonList(""), g = new Result<>());
            results.add(g);
            for (int i = 0; i < results.size(); i++) {
                assertEquals("call " + i, INVALID, results.get(i).code());
                assertEquals("call " + i, "ATTRIBUTE_OPERATION_ERR_INVALID_ARGUMENT", results.get(i).description());
                assertEquals(1, results.get(i).calls());
            }
            // A key of exactly 32 bytes is valid. Nothing above changed anything.
            assertEquals("keep=me", get(a, "alice"));
            assertEquals(0, update(a, repeat('k', 32), "v"));
            assertEquals("keep=me," + repeat('k', 32) + "=v", get(a, "alice"));
            // A null callback is allowed: the result is dropped.
            a.clearLocalUserAttributes(null);
            a.setLocalUserAttributes(null, null);
        }
    }

    @Test
    public void a5_codesOfStateUserNotLoggedInUserNotFoundNotInitialized() throws Exception {
        try (Rtmd rtmd = new Rtmd()) {
            RtmClient a = client(new Recorder(), rtmd.params());
            assertEquals(AttributeOperationError.ATTRIBUTE_OPERATION_ERR_USER_NOT_LOGGED_IN, set(a, "a", "1"));
            Result<List<RtmAttribute>> before = new Result<>();
            a.getUserAttributes("bob", before);
            assertEquals(AttributeOperationError.ATTRIBUTE_OPERATION_ERR_USER_NOT_LOGGED_IN, before.code());
            assertEquals("ATTRIBUTE_OPERATION_ERR_USER_NOT_LOGGED_IN", before.description());

            assertEquals(0, login(a, "alice"));
            Result<List<RtmAttribute>> carol = new Result<>();
            a.getUserAttributes("carol", carol); // not online
            assertEquals(AttributeOperationError.ATTRIBUTE_OPERATION_ERR_USER_NOT_FOUND, carol.code());
            assertEquals("ATTRIBUTE_OPERATION_ERR_USER_NOT_FOUND", carol.description());
            assertEquals("error " + AttributeOperationError.ATTRIBUTE_OPERATION_ERR_USER_NOT_FOUND,
                    get(a, "carol", "color"));

            a.release();
            Result<Void> after = new Result<>();
            a.setLocalUserAttributes(attrs("a", "1"), after);
            assertEquals(AttributeOperationError.ATTRIBUTE_OPERATION_ERR_NOT_INITIALIZED, after.code());
            assertEquals("ATTRIBUTE_OPERATION_ERR_NOT_INITIALIZED", after.description());
            assertTrue(get(a, "alice").equals("error "
                    + AttributeOperationError.ATTRIBUTE_OPERATION_ERR_NOT_INITIALIZED));
        }
    }
}
