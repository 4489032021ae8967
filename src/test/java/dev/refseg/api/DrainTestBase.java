package dev.refseg.api;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.refseg.inference.InferenceBackend;
import dev.refseg.segment.SessionSlots;
import jakarta.inject.Inject;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** What the drain tests share: the drain, the leak checks' beans, a bounded wait. */
abstract class DrainTestBase {
    @Inject
    Draining draining;
    @Inject
    InferenceBackend inference;
    @Inject
    SessionSlots slots;

    /** Waits (at most 30 s) for {@code condition}. */
    static void awaitTrue(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "not within 30 s: " + what);
            Thread.sleep(20);
        }
    }
}
