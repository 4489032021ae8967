package dev.refseg.media;

import dev.refseg.errors.Errors;
import io.grpc.Status;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.ArrayDeque;
import org.bytedeco.javacpp.BytePointer;

/**
 * Writes container pictures to the frame store's file on a thread of its own, in the order given, so
 * the decoder thread only decodes: the decoder hands over a reference to its picture (no copy), this
 * thread packs the planes into one native buffer and writes it. The queue is bounded (frames and
 * bytes), so a slow disk holds the decoder back instead of growing native memory. A write failure is
 * kept and thrown to the next caller; {@link #abort()} frees what is queued and unblocks everyone.
 */
final class PictureWriter implements AutoCloseable {
    /** Frames queued at most; enough to ride out jitter, few enough to bound the decoder's extra buffers. */
    private static final int MAX_QUEUED = 8;
    /** Bytes queued at most (one frame always fits). */
    private static final long MAX_QUEUED_BYTES = 32L << 20;

    private record Job(VideoPicture picture, long offset, int bytes) {
    }

    private final FileChannel file;
    private final ArrayDeque<Job> queue = new ArrayDeque<>();
    private long queuedBytes;
    /** Frames handed over, and frames written: both count from the store's first picture-or-not frame. */
    private int submitted;
    private int written;
    private RuntimeException failure;
    private boolean stopped;
    private Thread thread;

    /** @param firstIndex the store index the first submitted picture gets (frames before it are written) */
    PictureWriter(FileChannel file, int firstIndex) {
        this.file = file;
        this.submitted = firstIndex;
        this.written = firstIndex;
    }

    /**
     * Queues a picture for the given place in the file; blocks while the queue is full. Takes ownership
     * of {@code p} (closed once written, or at once when this throws).
     *
     * @throws io.grpc.StatusRuntimeException an earlier write's failure, or CANCELLED once aborted
     */
    synchronized void submit(VideoPicture p, long offset, int bytes) {
        try {
            while (!stopped && failure == null && !queue.isEmpty()
                    && (queue.size() >= MAX_QUEUED || queuedBytes + bytes > MAX_QUEUED_BYTES)) {
                wait();
            }
            throwIfFailed();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.close();
            throw Status.CANCELLED.withDescription("interrupted while storing frames").asRuntimeException();
        } catch (RuntimeException e) {
            p.close();
            throw e;
        }
        queue.add(new Job(p, offset, bytes));
        queuedBytes += bytes;
        submitted++;
        if (thread == null) {
            thread = new Thread(this::run, "refseg-media-writer");
            thread.setDaemon(true);
            thread.start();
        }
        notifyAll();
    }

    /** Waits until the first {@code count} frames of the store are written. */
    synchronized void awaitWritten(int count) {
        try {
            while (written < count && failure == null && !stopped) {
                wait();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Status.CANCELLED.withDescription("interrupted while storing frames").asRuntimeException();
        }
        if (written < count) {
            throwIfFailed();
        }
    }

    /** Waits until everything submitted is written; throws a write failure. */
    /** Pictures submitted so far, counted from the first frame of the store. */
    synchronized int submitted() {
        return submitted;
    }

    synchronized void flush() {
        awaitWritten(submitted);
        throwIfFailed();
    }

    private void throwIfFailed() {
        if (failure != null) {
            throw failure;
        }
        if (stopped) {
            throw Status.CANCELLED.withDescription("frame storing was stopped").asRuntimeException();
        }
    }

    private void run() {
        BytePointer buffer = new BytePointer(0L);
        try {
            while (true) {
                Job job;
                synchronized (this) {
                    while (queue.isEmpty() && !stopped) {
                        wait();
                    }
                    if (stopped) {
                        return;
                    }
                    job = queue.peek();
                }
                try (VideoPicture p = job.picture()) {
                    if (buffer.capacity() < job.bytes()) {
                        buffer.close();
                        buffer = new BytePointer(job.bytes());
                    }
                    p.packInto(buffer);
                    ByteBuffer b = buffer.position(0).limit(job.bytes()).asByteBuffer();
                    while (b.hasRemaining()) {
                        file.write(b, job.offset() + b.position());
                    }
                }
                synchronized (this) {
                    queue.poll();
                    queuedBytes -= job.bytes();
                    written++;
                    notifyAll();
                }
            }
        } catch (IOException | RuntimeException e) {
            synchronized (this) {
                failure = Errors.internal("media: cannot store decoded frame " + written + ": " + e, e);
                notifyAll();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            buffer.close();
            drain();
        }
    }

    /** Frees the queued pictures (the thread has ended, or never started). */
    private synchronized void drain() {
        queue.forEach(j -> j.picture().close());
        queue.clear();
        queuedBytes = 0;
    }

    /** Stops writing from any thread: blocked callers return (CANCELLED), queued pictures are freed. */
    synchronized void abort() {
        stopped = true;
        notifyAll();
        if (thread == null) {
            drain();
        }
    }

    /** Aborts and waits for the thread to end, so the file may be closed. Idempotent. */
    @Override
    public void close() {
        abort();
        Thread t;
        synchronized (this) {
            t = thread;
        }
        if (t != null) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
