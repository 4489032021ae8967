package dev.refseg.media;

import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Native helpers of one session (decoder contexts, converters), each lent to one thread at a time: two
 * threads reading frames at once (tracking frame t while t + 1 is prefetched) each get their own rather
 * than queue on one lock. As many are made as threads ever read at once, and kept for reuse until the
 * session closes; one still on loan then is freed when it comes back.
 */
public final class NativePool<T extends AutoCloseable> implements AutoCloseable {
    /** Helpers alive in the process, for leak checks. */
    private static final AtomicInteger LIVE = new AtomicInteger();

    private final Supplier<T> make;
    private final ArrayDeque<T> idle = new ArrayDeque<>();
    private boolean closed;

    NativePool(Supplier<T> make) {
        this.make = make;
    }

    /** Runs {@code work} with a helper of its own. */
    <R> R with(Function<T, R> work) {
        T t = take();
        try {
            return work.apply(t);
        } finally {
            giveBack(t);
        }
    }

    private T take() {
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException("the session's frames are closed");
            }
            T t = idle.poll();
            if (t != null) {
                return t;
            }
        }
        T t = make.get();
        LIVE.incrementAndGet();
        return t;
    }

    private void giveBack(T t) {
        synchronized (this) {
            if (!closed) {
                idle.push(t);
                return;
            }
        }
        free(t);
    }

    /** Frees the idle helpers now and the lent ones when they come back. Idempotent. */
    @Override
    public void close() {
        ArrayDeque<T> free;
        synchronized (this) {
            closed = true;
            free = new ArrayDeque<>(idle);
            idle.clear();
        }
        free.forEach(NativePool::free);
    }

    private static void free(AutoCloseable t) {
        LIVE.decrementAndGet();
        try {
            t.close();
        } catch (Exception e) {
            throw new IllegalStateException("cannot free " + t, e);
        }
    }

    /** Helpers of every session alive now (0 once every session has closed and its readers returned). */
    public static int live() {
        return LIVE.get();
    }
}
