package io.agora.rtm;

/** A channel attribute: a key, its value, and who set it when. */
public class RtmChannelAttribute {
    private String key;
    private String value;
    private String lastUpdateUserId;
    private long lastUpdateTs;

    public RtmChannelAttribute() {
    }

    public RtmChannelAttribute(String key, String value) {
        this.key = key;
        this.value = value;
    }

    public RtmChannelAttribute(String key, String value, String lastUpdateUserId, long lastUpdateTs) {
        this.key = key;
        this.value = value;
        this.lastUpdateUserId = lastUpdateUserId;
        this.lastUpdateTs = lastUpdateTs;
    }

    public void setKey(String key) {
        this.key = key;
    }

    public void setValue(String value) {
        this.value = value;
    }

    public void setLastUpdateUserId(String lastUpdateUserId) {
        this.lastUpdateUserId = lastUpdateUserId;
    }

    public void setLastUpdateTs(long lastUpdateTs) {
        this.lastUpdateTs = lastUpdateTs;
    }

    public String getKey() {
        return key;
    }

    public String getValue() {
        return value;
    }

    public String getLastUpdateUserId() {
        return lastUpdateUserId;
    }

    public long getLastUpdateTs() {
        return lastUpdateTs;
    }

    @Override
    public String toString() {
        return "RtmChannelAttribute{key='" + key + "', value='" + value + "', lastUpdateUserId='"
                + lastUpdateUserId + "', lastUpdateTs=" + lastUpdateTs + "}";
    }
}
