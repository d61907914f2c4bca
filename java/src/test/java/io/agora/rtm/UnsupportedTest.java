package io.agora.rtm;

import static org.junit.Assert.assertEquals;

import io.agora.rtm.RtmStatusCode.AttributeOperationError;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.junit.Test;

/**
 * The methods of the reference whose feature the client core does not have
 * yet exist, and fail: with the family's FAILURE code and "not supported yet".
 */
public class UnsupportedTest extends RtmTestBase {

    static void assertUnsupported(Result<?> r, int code, String name) {
        assertEquals(code, r.code());
        assertEquals(name + ": not supported yet", r.description());
        assertEquals(1, r.calls());
    }

    @Test
    public void unsupportedOperationsSaySo() throws Exception {
        RtmClient c = client(new Recorder(), null);

        List<RtmChannelAttribute> chAttrs = Collections.singletonList(new RtmChannelAttribute("k", "v"));
        List<String> keys = Collections.singletonList("k");
        ChannelAttributeOptions opt = new ChannelAttributeOptions(true);
        // The user attribute methods work (AttributesTest); the channel ones do not yet.
        List<Result<?>> attrResults = Arrays.asList(
                new Result<Void>(), new Result<Void>(), new Result<Void>(), new Result<Void>(),
                new Result<List<RtmChannelAttribute>>(), new Result<List<RtmChannelAttribute>>());
        int i = 0;
        c.setChannelAttributes("room", chAttrs, opt, cast(attrResults.get(i++)));
        c.addOrUpdateChannelAttributes("room", chAttrs, opt, cast(attrResults.get(i++)));
        c.deleteChannelAttributesByKeys("room", keys, opt, cast(attrResults.get(i++)));
        c.clearChannelAttributes("room", opt, cast(attrResults.get(i++)));
        c.getChannelAttributes("room", cast(attrResults.get(i++)));
        c.getChannelAttributesByKeys("room", keys, cast(attrResults.get(i++)));
        for (Result<?> r : attrResults) {
            assertUnsupported(r, AttributeOperationError.ATTRIBUTE_OPERATION_ERR_FAILURE,
                    "ATTRIBUTE_OPERATION_ERR_FAILURE");
        }


    }

    @SuppressWarnings("unchecked")
    static <T> ResultCallback<T> cast(Result<?> r) {
        return (ResultCallback<T>) r;
    }
}
