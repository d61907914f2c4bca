package io.agora.rtm;

/**
 * The id of an upload or a download: set by the call that starts it, named
 * by the progress callbacks and by {@code cancelMediaUpload} /
 * {@code cancelMediaDownload}.
 */
public class RtmRequestId {
    private volatile long requestId;

    public RtmRequestId() {
    }

    public RtmRequestId(long requestId) {
        this.requestId = requestId;
    }

    public void setRequestId(long requestId) {
        this.requestId = requestId;
    }

    public long getRequestId() {
        return requestId;
    }

    @Override
    public String toString() {
        return "RtmRequestId{requestId=" + requestId + "}";
    }
}
