package io.agora.rtm;

import static org.junit.Assert.fail;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** A ResultCallback a test waits on: the code (0 for success), the value, and the thread it came on. */
final class Result<T> implements ResultCallback<T> {
    private final CountDownLatch done = new CountDownLatch(1);
    private final AtomicInteger calls = new AtomicInteger();
    private volatile int code = -1;
    private volatile String description;
    private volatile T value;
    volatile Thread thread;

    @Override
    public void onSuccess(T responseInfo) {
        value = responseInfo;
        code = 0;
        thread = Thread.currentThread();
        calls.incrementAndGet();
        done.countDown();
    }

    @Override
    public void onFailure(ErrorInfo errorInfo) {
        code = errorInfo.getErrorCode();
        description = errorInfo.getErrorDescription();
        thread = Thread.currentThread();
        calls.incrementAndGet();
        done.countDown();
    }

    /** Waits up to 15 s for the result and returns its code. */
    int code() {
        try {
            if (!done.await(15, TimeUnit.SECONDS)) {
                fail("no result callback within 15 s");
            }
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        return code;
    }

    boolean arrivedWithin(long ms) throws InterruptedException {
        return done.await(ms, TimeUnit.MILLISECONDS);
    }

    T value() {
        code();
        return value;
    }

    String description() {
        code();
        return description;
    }

    int calls() {
        return calls.get();
    }
}
