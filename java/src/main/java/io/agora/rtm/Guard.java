package io.agora.rtm;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A native handle that calls share and release() closes. Nothing here ever
 * waits: a call counts itself in while its (non-blocking) native function
 * runs; release() marks the handle closed, so that every later call fails at
 * once with NOT_INITIALIZED, and the native close runs as soon as no call is
 * in: at once, or when the last call in flight leaves. The native side then
 * closes asynchronously (rtm.h, "Lifetime") and frees its record in the
 * close callback, so a native call never reaches a closed record, and a
 * release from any thread or callback never waits for another.
 */
final class Guard {
    private static final int CLOSED = 1 << 30;

    /** The calls in, plus CLOSED once release() ran. */
    private final AtomicInteger state = new AtomicInteger();
    private volatile long handle;
    private volatile Closer closer;

    /** What closes the native handle. */
    interface Closer {
        void close(long handle);
    }

    /** Sets the handle, once it exists, and what closes it (null: nothing, the native side frees it). */
    void set(long h, Closer c) {
        closer = c;
        handle = h;
    }

    /** Whether this guard was set to handle h (it may be closed since). */
    boolean holds(long h) {
        return h != 0 && handle == h;
    }

    /** The handle, counted in until {@link #exit()}; 0 (and nothing counted) when closed or not set. */
    long enter() {
        for (;;) {
            int s = state.get();
            if ((s & CLOSED) != 0) {
                return 0;
            }
            if (state.compareAndSet(s, s + 1)) {
                long h = handle;
                if (h == 0) {
                    exit();
                }
                return h;
            }
        }
    }

    void exit() {
        if (state.decrementAndGet() == CLOSED) {
            closeNative(); // the last call out of a closed handle
        }
    }

    /** Marks the handle closed; true the first time. The native close runs once no call is in. */
    boolean close() {
        for (;;) {
            int s = state.get();
            if ((s & CLOSED) != 0) {
                return false;
            }
            if (state.compareAndSet(s, s | CLOSED)) {
                if (s == 0) {
                    closeNative();
                }
                return true;
            }
        }
    }

    /** Marks the handle closed without closing it natively: the native side frees it (a channel whose client closes). */
    void abandon() {
        closer = null;
        close();
    }

    private void closeNative() {
        Closer c = closer;
        long h = handle;
        if (c != null && h != 0) {
            c.close(h);
        }
    }
}
