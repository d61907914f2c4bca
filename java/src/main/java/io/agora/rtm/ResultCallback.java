package io.agora.rtm;

/**
 * The result of an asynchronous operation: exactly one of the two methods is
 * called, once, on a callback thread, in order with the client's other
 * callbacks (or, for a call refused before it reached the native client, on
 * the calling thread).
 */
public interface ResultCallback<T> {
    /** Success; {@code responseInfo} is {@code null} for {@code Void}. */
    void onSuccess(T responseInfo);

    /** Failure, with the operation's error code and its vendor name. */
    void onFailure(ErrorInfo errorInfo);
}
