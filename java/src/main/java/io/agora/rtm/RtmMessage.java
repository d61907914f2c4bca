package io.agora.rtm;

/**
 * A message: text, or raw bytes with a description. Created with
 * {@link RtmClient#createMessage()} and its variants; received through the
 * listeners.
 */
public abstract class RtmMessage {
    /** The text of a TEXT message; the description of a RAW message. */
    public abstract String getText();

    /** Makes this a TEXT message. */
    public abstract void setText(String text);

    /** The bytes of a RAW message; an empty array for a TEXT message. */
    public abstract byte[] getRawMessage();

    /** Makes this a RAW message with no description. */
    public abstract void setRawMessage(byte[] rawMessage);

    /** Makes this a RAW message with a description. */
    public abstract void setRawMessage(byte[] rawMessage, String description);

    /** A {@link RtmMessageType} constant. */
    public abstract int getMessageType();

    /** When the server received a received message, in ms since the epoch; 0 for a message created here. */
    public abstract long getServerReceivedTs();

    /** Whether a received message was kept for this user while it was offline. */
    public abstract boolean isOfflineMessage();
}
