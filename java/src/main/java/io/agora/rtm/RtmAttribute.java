package io.agora.rtm;

/** A user attribute: a key and its value. */
public class RtmAttribute {
    private String key;
    private String value;

    public RtmAttribute() {
    }

    public RtmAttribute(String key, String value) {
        this.key = key;
        this.value = value;
    }

    public void setKey(String key) {
        this.key = key;
    }

    public void setValue(String value) {
        this.value = value;
    }

    public String getKey() {
        return key;
    }

    public String getValue() {
        return value;
    }

    @Override
    public String toString() {
        return "RtmAttribute{key='" + key + "', value='" + value + "'}";
    }
}
