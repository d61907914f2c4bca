package io.agora.rtm;

import static io.agora.rtm.jni.SET_RTM_SERVICE_CONTEXT_ERR_CODE.SET_RTM_SERVICE_CONTEXT_ERR_FAILURE;
import static io.agora.rtm.jni.SET_RTM_SERVICE_CONTEXT_ERR_CODE.SET_RTM_SERVICE_CONTEXT_ERR_OK;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertSame;

import io.agora.rtm.jni.SET_RTM_SERVICE_CONTEXT_ERR_CODE;
import org.junit.After;
import org.junit.Test;

/**
 * RtmClient.setRtmServiceContext over rtm_set_service_context: an area code is
 * checked and kept (it selects nothing with a self-hosted rtmd), the vendor's
 * cloud proxy is refused with FAILURE, and a client made afterwards works.
 */
public class ServiceContextTest extends RtmTestBase {
    static RtmServiceContext context(int area, int proxy) {
        RtmServiceContext c = new RtmServiceContext();
        c.areaCode = area;
        c.proxyType = proxy;
        return c;
    }

    @After
    public void back() {
        RtmClient.setRtmServiceContext(new RtmServiceContext());
    }

    @Test
    public void areasAreCheckedTheCloudProxyIsRefused() throws Exception {
        RtmServiceContext d = new RtmServiceContext();
        assertEquals(RtmServiceContext.RtmAreaCode.AREA_CODE_GLOB, d.areaCode);
        assertEquals(RtmServiceContext.RtmCloudProxyType.NONE_PROXY, d.proxyType);
        assertEquals("RtmServiceContext{areaCode=-1, proxyType=0}", d.toString());
        assertSame(SET_RTM_SERVICE_CONTEXT_ERR_OK, RtmClient.setRtmServiceContext(d));
        assertSame(SET_RTM_SERVICE_CONTEXT_ERR_OK, RtmClient.setRtmServiceContext(
                context(RtmServiceContext.RtmAreaCode.AREA_CODE_EU | RtmServiceContext.RtmAreaCode.AREA_CODE_JP,
                        RtmServiceContext.RtmCloudProxyType.NONE_PROXY)));
        assertSame(SET_RTM_SERVICE_CONTEXT_ERR_FAILURE, RtmClient.setRtmServiceContext(
                context(RtmServiceContext.RtmAreaCode.AREA_CODE_GLOB, RtmServiceContext.RtmCloudProxyType.TCP_PROXY)));
        assertSame(SET_RTM_SERVICE_CONTEXT_ERR_FAILURE, RtmClient.setRtmServiceContext(context(0, 0)));
        assertSame(SET_RTM_SERVICE_CONTEXT_ERR_FAILURE, RtmClient.setRtmServiceContext(context(128, 0)));
        assertSame(SET_RTM_SERVICE_CONTEXT_ERR_FAILURE, RtmClient.setRtmServiceContext(null));
        assertEquals(1, SET_RTM_SERVICE_CONTEXT_ERR_FAILURE.swigValue());
        assertSame(SET_RTM_SERVICE_CONTEXT_ERR_OK, SET_RTM_SERVICE_CONTEXT_ERR_CODE.swigToEnum(0));
        assertEquals("SET_RTM_SERVICE_CONTEXT_ERR_FAILURE", SET_RTM_SERVICE_CONTEXT_ERR_FAILURE.toString());
        try {
            SET_RTM_SERVICE_CONTEXT_ERR_CODE.swigToEnum(7);
            throw new AssertionError("swigToEnum(7) returned");
        } catch (IllegalArgumentException expected) {
            // as SWIG's
        }
        // With an area set, a client still reaches rtmd: it selected nothing.
        try (Rtmd rtmd = new Rtmd()) {
            RtmClient c = client(new Recorder(), rtmd.params());
            assertEquals(0, login(c, "alice"));
        }
    }
}
