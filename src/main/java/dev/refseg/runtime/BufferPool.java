package dev.refseg.runtime;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Direct float buffers (native order, so ONNX Runtime reads them in place) reused across frames for
 * inputs the host assembles each frame, such as a memory bank: a frame then allocates nothing. At most
 * {@code maxIdle} buffers are kept between uses; more concurrent users allocate their own, which are
 * then dropped. Thread-safe.
 */
public final class BufferPool {
    private final ConcurrentLinkedQueue<FloatBuffer> idle = new ConcurrentLinkedQueue<>();
    private final int maxIdle;

    public BufferPool(int maxIdle) {
        this.maxIdle = maxIdle;
    }

    /**
     * A new direct buffer of {@code floats} values in native order, the layout ONNX Runtime reads and writes
     * in place.
     *
     * @throws ArithmeticException when the bytes do not fit an int
     */
    public static FloatBuffer direct(long floats) {
        return ByteBuffer.allocateDirect(Math.toIntExact(Math.multiplyExact(floats, 4L))).order(ByteOrder.nativeOrder())
                .asFloatBuffer();
    }

    /** A buffer of {@code floats} values (position 0, limit {@code floats}); contents undefined. */
    public FloatBuffer take(int floats) {
        FloatBuffer b = idle.poll();
        if (b == null || b.capacity() < floats) {
            b = direct(floats);
        }
        b.clear().limit(floats);
        return b;
    }

    /** Returns a buffer from {@link #take}; the caller no longer uses it. Null is ignored. */
    public void give(FloatBuffer b) {
        if (b != null && idle.size() < maxIdle) {
            idle.offer(b);
        }
    }
}
