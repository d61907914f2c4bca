package io.agora.rtm;

/** An error code of an operation and its description. */
public class ErrorInfo {
    private final int errorCode;
    private final String errorDescription;

    public ErrorInfo(int errorCode) {
        this(errorCode, "");
    }

    public ErrorInfo(int errorCode, String errorDescription) {
        this.errorCode = errorCode;
        this.errorDescription = errorDescription;
    }

    /** The code, a constant of the operation's {@link RtmStatusCode} family. */
    public int getErrorCode() {
        return errorCode;
    }

    /**
     * The constant's vendor name, such as {@code LOGIN_ERR_TIMEOUT}, for errors
     * reported by the SDK.
     */
    public String getErrorDescription() {
        return errorDescription;
    }

    @Override
    public String toString() {
        return "ErrorInfo{errorCode=" + errorCode + ", errorDescription='" + errorDescription + "'}";
    }
}
