package io.agora.rtm;

/**
 * An image message: a {@link RtmFileMessage}'s members and the image's and
 * its thumbnail's sizes in pixels. An image uploaded with
 * {@link RtmClient#createImageMessageByUploading} has its width and height
 * read from its own JPEG, PNG or BMP header (SPEC M4); 0 when they could not
 * be read.
 *
 * <p>The vendor deprecated file and image messages in 1.5; here they still
 * work.
 */
public abstract class RtmImageMessage extends RtmMessage {
    public abstract long getSize();

    public abstract String getMediaId();

    public abstract void setThumbnail(byte[] thumbnail);

    public abstract byte[] getThumbnail();

    public abstract void setFileName(String fileName);

    public abstract String getFileName();

    public abstract void setWidth(int width);

    public abstract int getWidth();

    public abstract void setHeight(int height);

    public abstract int getHeight();

    public abstract void setThumbnailWidth(int width);

    public abstract int getThumbnailWidth();

    public abstract void setThumbnailHeight(int height);

    public abstract int getThumbnailHeight();
}
