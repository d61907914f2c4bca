package io.agora.rtm;

import static org.junit.Assert.assertEquals;

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

        // User and channel attributes work (AttributesTest, ChannelAttributesTest).
        List<String> keys = Collections.singletonList("k");
        Result<List<RtmChannelMemberCount>> count = new Result<>();
        c.getChannelMemberCount(keys, count);
        assertUnsupported(count, RtmStatusCode.GetChannelMemberCountErrCode.GET_CHANNEL_MEMBER_COUNT_ERR_FAILURE,
                "GET_CHANNEL_MEMBER_COUNT_ERR_FAILURE");

    }

    @SuppressWarnings("unchecked")
    static <T> ResultCallback<T> cast(Result<?> r) {
        return (ResultCallback<T>) r;
    }
}
