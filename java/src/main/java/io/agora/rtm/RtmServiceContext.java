package io.agora.rtm;

/**
 * The service context of {@link RtmClient#setRtmServiceContext}: the area the
 * vendor's cloud would serve the clients from, and its cloud proxy. With a
 * self-hosted rtmd the area code is checked and kept but selects nothing,
 * and only {@link RtmCloudProxyType#NONE_PROXY} applies (docs/JAVA.md).
 */
public class RtmServiceContext {
    /** Area codes, as bits; {@link #AREA_CODE_GLOB} is all of them. */
    public static class RtmAreaCode {
        public static final int AREA_CODE_CN = 1;
        public static final int AREA_CODE_NA = 2;
        public static final int AREA_CODE_EU = 4;
        public static final int AREA_CODE_AS = 8;
        public static final int AREA_CODE_JP = 16;
        public static final int AREA_CODE_IN = 32;
        public static final int AREA_CODE_GLOB = -1;
    }

    /** Cloud proxy types. */
    public static class RtmCloudProxyType {
        public static final int NONE_PROXY = 0;
        public static final int TCP_PROXY = 1;
    }

    public int areaCode = RtmAreaCode.AREA_CODE_GLOB;
    public int proxyType = RtmCloudProxyType.NONE_PROXY;

    public RtmServiceContext() {
    }

    @Override
    public String toString() {
        return "RtmServiceContext{areaCode=" + areaCode + ", proxyType=" + proxyType + "}";
    }
}
