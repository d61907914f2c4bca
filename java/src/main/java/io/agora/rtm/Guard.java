package io.agora.rtm;

import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A native handle that calls share and release() closes. A call holds it
 * only while its (non-blocking) native function runs; close() waits for those
 * calls to end, then the handle reads 0 and every later call fails with
 * NOT_INITIALIZED. Calls never wait: inside a callback that runs while
 * another thread is in release() (which waits for the client's callbacks) they
 * fail at once instead of deadlocking.
 */
final class Guard {
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private long handle;

    Guard(long handle) {
        this.handle = handle;
    }

    /** Sets the handle once it exists. */
    void set(long h) {
        lock.writeLock().lock();
        handle = h;
        lock.writeLock().unlock();
    }

    /** The handle, held until {@link #exit()}; 0 (and nothing held) once closed. */
    long enter() {
        if (!lock.readLock().tryLock()) {
            return 0;
        }
        if (handle == 0) {
            lock.readLock().unlock();
            return 0;
        }
        return handle;
    }

    void exit() {
        lock.readLock().unlock();
    }

    /** Marks the handle closed and returns it, or 0 when it was closed already. */
    long close() {
        lock.writeLock().lock();
        try {
            long h = handle;
            handle = 0;
            return h;
        } finally {
            lock.writeLock().unlock();
        }
    }
}
