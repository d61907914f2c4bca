package io.agora.rtm;

import java.nio.charset.StandardCharsets;

final class RtmMessageImpl extends RtmMessage {
    private static final byte[] EMPTY = new byte[0];

    private int type = RtmMessageType.TEXT;
    private String text = "";
    private byte[] raw = EMPTY;
    private long serverReceivedTs;
    private boolean offline;

    RtmMessageImpl() {
    }

    /** A received message, from the native shim's UTF-8 bytes. */
    static RtmMessageImpl received(int type, byte[] body, byte[] description, long ts, boolean offline) {
        RtmMessageImpl m = new RtmMessageImpl();
        if (type == RtmMessageType.RAW) {
            m.type = RtmMessageType.RAW;
            m.raw = body != null ? body : EMPTY;
            m.text = description != null ? new String(description, StandardCharsets.UTF_8) : "";
        } else {
            m.type = type;
            m.text = body != null ? new String(body, StandardCharsets.UTF_8) : "";
        }
        m.serverReceivedTs = ts;
        m.offline = offline;
        return m;
    }

    @Override
    public String getText() {
        return text;
    }

    @Override
    public void setText(String text) {
        this.type = RtmMessageType.TEXT;
        this.text = text;
        this.raw = EMPTY;
    }

    @Override
    public byte[] getRawMessage() {
        return raw;
    }

    @Override
    public void setRawMessage(byte[] rawMessage) {
        setRawMessage(rawMessage, "");
    }

    @Override
    public void setRawMessage(byte[] rawMessage, String description) {
        this.type = RtmMessageType.RAW;
        this.raw = rawMessage;
        this.text = description;
    }

    @Override
    public int getMessageType() {
        return type;
    }

    @Override
    public long getServerReceivedTs() {
        return serverReceivedTs;
    }

    @Override
    public boolean isOfflineMessage() {
        return offline;
    }

    /** The body to send: the text's UTF-8 bytes, or the raw bytes; null when there is none. */
    byte[] bodyBytes() {
        if (type == RtmMessageType.RAW) {
            return raw;
        }
        return text != null ? text.getBytes(StandardCharsets.UTF_8) : null;
    }

    /** The description of a RAW message as UTF-8, or null. */
    byte[] descriptionBytes() {
        if (type != RtmMessageType.RAW || text == null) {
            return null;
        }
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return type == RtmMessageType.RAW
                ? "RtmMessage{RAW, " + raw.length + " bytes, description='" + text + "'}"
                : "RtmMessage{type=" + type + ", text='" + text + "'}";
    }
}
