package dev.refseg.segment;

import dev.refseg.config.RefsegConfig;
import dev.refseg.errors.Errors;
import jakarta.inject.Singleton;
import java.util.concurrent.atomic.AtomicInteger;

/** Caps concurrent sessions per process (refseg.limits.max-sessions). */
@Singleton
public class SessionSlots {
    public static final String KEY = "refseg.limits.max-sessions";
    private final int max;
    private final AtomicInteger used = new AtomicInteger();

    public SessionSlots(RefsegConfig config) {
        this.max = config.limits().maxSessions();
    }

    /** Takes a slot or throws RESOURCE_EXHAUSTED naming the limit. */
    public void acquire() {
        while (true) {
            int n = used.get();
            if (n >= max) {
                throw Errors.limit("start", "concurrent sessions", n + 1L, KEY, max);
            }
            if (used.compareAndSet(n, n + 1)) {
                return;
            }
        }
    }

    public void release() {
        used.decrementAndGet();
    }

    public int inUse() {
        return used.get();
    }
}
