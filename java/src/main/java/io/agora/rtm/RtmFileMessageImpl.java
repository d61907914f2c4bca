package io.agora.rtm;

final class RtmFileMessageImpl extends RtmFileMessage {
    final MediaFields fields;

    RtmFileMessageImpl(MediaFields fields) {
        this.fields = fields;
    }

    @Override
    public long getSize() {
        return fields.size;
    }

    @Override
    public String getMediaId() {
        return fields.mediaId;
    }

    @Override
    public void setThumbnail(byte[] thumbnail) {
        fields.thumbnail = thumbnail != null ? thumbnail : new byte[0];
    }

    @Override
    public byte[] getThumbnail() {
        return fields.thumbnail;
    }

    @Override
    public void setFileName(String fileName) {
        fields.fileName = fileName != null ? fileName : "";
    }

    @Override
    public String getFileName() {
        return fields.fileName;
    }

    @Override
    public String getText() {
        return fields.text;
    }

    @Override
    public void setText(String text) {
        fields.text = text;
    }

    @Override
    public byte[] getRawMessage() {
        return new byte[0];
    }

    @Override
    public void setRawMessage(byte[] rawMessage) {
        fields.setRaw();
    }

    @Override
    public void setRawMessage(byte[] rawMessage, String description) {
        fields.setRaw();
    }

    @Override
    public int getMessageType() {
        return fields.type;
    }

    @Override
    public long getServerReceivedTs() {
        return fields.serverReceivedTs;
    }

    @Override
    public boolean isOfflineMessage() {
        return fields.offline;
    }

    @Override
    public String toString() {
        return fields.describe("RtmFileMessage");
    }
}
