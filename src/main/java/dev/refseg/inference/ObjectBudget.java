package dev.refseg.inference;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/**
 * How many objects this process tracks at once ({@code refseg.limits.max-tracked-objects}). Each
 * tracked object keeps its own SAM 2 memory bank — about 1 MB per remembered frame at SAM 2.1's sizes,
 * some 32 frames, ~35 MB of heap per object — so the number of objects, not the number of calls, is what
 * runs a server out of memory: one Propagate call with 64 prompts did. A call that would pass the
 * budget is refused at once with RESOURCE_EXHAUSTED naming the key (the client may retry later), rather
 * than queued.
 */
public final class ObjectBudget {
    public static final String KEY = "refseg.limits.max-tracked-objects";

    private final int max;
    private int inUse;

    /** @param max objects tracked at once by the process (at least 1) */
    public ObjectBudget(int max) {
        if (max < 1) {
            throw new IllegalArgumentException(KEY + " must be at least 1, got " + max);
        }
        this.max = max;
    }

    public int max() {
        return max;
    }

    /** Objects tracked now, for metrics and leak tests. */
    public synchronized int inUse() {
        return inUse;
    }

    /**
     * Reserves {@code n} objects until the returned lease is closed.
     *
     * @param field the request field the objects come from, for the message
     * @throws StatusRuntimeException RESOURCE_EXHAUSTED when {@code n} alone, or with the objects other
     *                                calls track, exceeds the budget
     */
    public synchronized AutoCloseable reserve(String field, int n) {
        if (n > max) {
            throw Status.RESOURCE_EXHAUSTED.withDescription(field + ": " + n + " objects exceed the limit " + KEY
                    + " = " + max + " (objects tracked at once by this server)").asRuntimeException();
        }
        if (inUse + n > max) {
            throw Status.RESOURCE_EXHAUSTED.withDescription(field + ": " + n + " object(s), with the " + inUse
                    + " that other calls track now, make " + (inUse + n) + ", which exceeds the limit " + KEY + " = "
                    + max + "; try again when they are done").asRuntimeException();
        }
        inUse += n;
        boolean[] closed = {false};
        return () -> {
            synchronized (ObjectBudget.this) {
                if (!closed[0]) {
                    closed[0] = true;
                    inUse -= n;
                }
            }
        };
    }
}
