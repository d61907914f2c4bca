package io.agora.rtm;

/**
 * A file message (SPEC M1-M3): names a file stored by the server for 7 days
 * and describes it. Made by {@link RtmClient#createFileMessageByUploading}
 * or {@link RtmClient#createFileMessageByMediaId}, sent with
 * {@code sendMessageToPeer} or a channel's {@code sendMessage}, received
 * through {@link RtmClientListener#onFileMessageReceivedFromPeer} and
 * {@link RtmChannelListener#onFileMessageReceived}. Its bytes are fetched
 * with {@link RtmClient#downloadMediaToMemory} or
 * {@link RtmClient#downloadMediaToFile}. The file name, the thumbnail and
 * the text together are at most 32 KB.
 *
 * <p>The vendor deprecated file and image messages in 1.5; here they still
 * work.
 */
public abstract class RtmFileMessage extends RtmMessage {
    /** The stored file's size in bytes. */
    public abstract long getSize();

    /** The id the server stored it under. */
    public abstract String getMediaId();

    public abstract void setThumbnail(byte[] thumbnail);

    /** The thumbnail; an empty array when none. */
    public abstract byte[] getThumbnail();

    public abstract void setFileName(String fileName);

    /** The file's name ("" when none). */
    public abstract String getFileName();
}
