package dev.refseg.media;

import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A bounded in-memory pipe between the gRPC intake (one writer) and FFmpeg's read callback (one reader).
 * It replaces a named pipe: nothing on disk, no open() that blocks without a writer, and every wait ends
 * when the pipe is closed or aborted. The capacity is the only buffer, so a writer blocks while FFmpeg is
 * behind, and the intake asks gRPC for the next message only after the write returns (backpressure).
 * <p>
 * {@link java.io.PipedInputStream} would do the buffering but fails once the thread that last wrote has
 * ended, which pooled intake threads do.
 */
final class BytePipe {
    /** Thrown to a writer or reader once the pipe was aborted. */
    static final class Aborted extends RuntimeException {
        Aborted() {
            super("the media pipe was aborted", null, false, false);
        }
    }

    private final long capacity;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<byte[]> chunks = new ArrayDeque<>();
    private int headOffset;
    private long buffered;
    private boolean endOfInput;
    private boolean aborted;

    /** @param capacity bytes held at most before a write blocks (a single larger chunk is still accepted) */
    BytePipe(long capacity) {
        this.capacity = Math.max(1, capacity);
    }

    /**
     * Appends a chunk, waiting at most {@code waitMillis} for room (the pipe holds {@code capacity} bytes
     * or more while the reader is behind).
     *
     * @return true when the chunk was appended, false when there was no room in time (try again)
     * @throws Aborted once the pipe is aborted
     */
    boolean write(byte[] chunk, long waitMillis) throws InterruptedException {
        if (chunk.length == 0) {
            return true;
        }
        lock.lock();
        try {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMillis);
            while (buffered >= capacity && !aborted) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                changed.awaitNanos(left);
            }
            if (aborted) {
                throw new Aborted();
            }
            if (endOfInput) {
                throw new IllegalStateException("write after end of input");
            }
            chunks.add(chunk);
            buffered += chunk.length;
            changed.signalAll();
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** No more bytes will come: a reader gets the rest, then end of input. */
    void endOfInput() {
        lock.lock();
        try {
            endOfInput = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Wakes both sides for good: blocked and later calls throw {@link Aborted}. */
    void abort() {
        lock.lock();
        try {
            aborted = true;
            chunks.clear();
            buffered = 0;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Reads up to {@code max} bytes into {@code dst}; waits for bytes at most {@code waitMillis} at a time.
     *
     * @return bytes read (> 0), 0 when nothing arrived in time, -1 at the end of input
     * @throws Aborted once the pipe is aborted
     */
    int read(byte[] dst, int max, long waitMillis) throws InterruptedException {
        lock.lock();
        try {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMillis);
            while (buffered == 0 && !endOfInput && !aborted) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return 0;
                }
                changed.awaitNanos(left);
            }
            if (aborted) {
                throw new Aborted();
            }
            if (buffered == 0) {
                return -1;
            }
            int n = 0;
            while (n < max && !chunks.isEmpty()) {
                byte[] head = chunks.peek();
                int take = Math.min(max - n, head.length - headOffset);
                System.arraycopy(head, headOffset, dst, n, take);
                n += take;
                headOffset += take;
                if (headOffset == head.length) {
                    chunks.poll();
                    headOffset = 0;
                }
            }
            buffered -= n;
            changed.signalAll();
            return n;
        } finally {
            lock.unlock();
        }
    }
}
