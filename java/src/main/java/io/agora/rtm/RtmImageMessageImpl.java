package io.agora.rtm;

final class RtmImageMessageImpl extends RtmImageMessage {
    final MediaFields fields;

    RtmImageMessageImpl(MediaFields fields) {
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
    public void setWidth(int width) {
        fields.width = width;
    }

    @Override
    public int getWidth() {
        return fields.width;
    }

    @Override
    public void setHeight(int height) {
        fields.height = height;
    }

    @Override
    public int getHeight() {
        return fields.height;
    }

    @Override
    public void setThumbnailWidth(int width) {
        fields.thumbnailWidth = width;
    }

    @Override
    public int getThumbnailWidth() {
        return fields.thumbnailWidth;
    }

    @Override
    public void setThumbnailHeight(int height) {
        fields.thumbnailHeight = height;
    }

    @Override
    public int getThumbnailHeight() {
        return fields.thumbnailHeight;
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
        return fields.describe("RtmImageMessage");
    }
}
