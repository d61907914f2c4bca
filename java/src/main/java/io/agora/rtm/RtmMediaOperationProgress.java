package io.agora.rtm;

/** How far an upload or a download has come: currentSize of totalSize bytes. */
public class RtmMediaOperationProgress {
    public long totalSize;
    public long currentSize;

    public RtmMediaOperationProgress() {
    }

    @Override
    public String toString() {
        return "RtmMediaOperationProgress{totalSize=" + totalSize + ", currentSize=" + currentSize + "}";
    }
}
