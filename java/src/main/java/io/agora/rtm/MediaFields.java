package io.agora.rtm;

import java.nio.charset.StandardCharsets;

/**
 * What a file or an image message holds (RtmFileMessageImpl,
 * RtmImageMessageImpl delegate to it), and how it crosses to the native
 * shim. A media message carries a text but no raw bytes.
 */
final class MediaFields {
    private static final byte[] EMPTY = new byte[0];

    final int type;
    String mediaId = "";
    long size;
    String fileName = "";
    byte[] thumbnail = EMPTY;
    int width;
    int height;
    int thumbnailWidth;
    int thumbnailHeight;
    String text = "";
    long serverReceivedTs;
    boolean offline;

    MediaFields(int type, String mediaId) {
        this.type = type;
        this.mediaId = mediaId != null ? mediaId : "";
    }

    /** The message the shim described (received, or uploaded: ts 0). */
    static MediaFields fromNative(int type, byte[] mediaId, long size, byte[] fileName, byte[] thumbnail,
            int[] dims, byte[] text, long ts, boolean offline) {
        MediaFields f = new MediaFields(type, utf8(mediaId));
        f.size = size;
        f.fileName = utf8(fileName);
        f.thumbnail = thumbnail != null ? thumbnail : EMPTY;
        f.width = dims[0];
        f.height = dims[1];
        f.thumbnailWidth = dims[2];
        f.thumbnailHeight = dims[3];
        f.text = utf8(text);
        f.serverReceivedTs = ts;
        f.offline = offline;
        return f;
    }

    /** The fields of m, if it is a media message of ours; else null. */
    static MediaFields of(RtmMessage m) {
        if (m instanceof RtmFileMessageImpl) {
            return ((RtmFileMessageImpl) m).fields;
        }
        if (m instanceof RtmImageMessageImpl) {
            return ((RtmImageMessageImpl) m).fields;
        }
        return null;
    }

    /** The message for the application: a RtmFileMessage or a RtmImageMessage. */
    RtmMessage toMessage() {
        return type == RtmMessageType.IMAGE ? new RtmImageMessageImpl(this) : new RtmFileMessageImpl(this);
    }

    static String utf8(byte[] b) {
        return b != null ? new String(b, StandardCharsets.UTF_8) : "";
    }

    static byte[] bytes(String s) {
        return s != null ? s.getBytes(StandardCharsets.UTF_8) : null;
    }

    int[] dims() {
        return new int[] {width, height, thumbnailWidth, thumbnailHeight};
    }

    void setRaw() {
        throw new UnsupportedOperationException("a file or image message carries no raw bytes");
    }

    String describe(String kind) {
        return kind + "{mediaId='" + mediaId + "', size=" + size + ", fileName='" + fileName + "', thumbnail="
                + thumbnail.length + " bytes" + (type == RtmMessageType.IMAGE ? ", " + width + "x" + height
                + ", thumbnail " + thumbnailWidth + "x" + thumbnailHeight : "") + "}";
    }
}
