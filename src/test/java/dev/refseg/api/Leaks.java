package dev.refseg.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.refseg.inference.InferenceBackend;
import dev.refseg.segment.SessionSlots;
import java.util.concurrent.TimeUnit;

/** After a call ends: every media session, tracking state and session slot must come back. */
final class Leaks {
    private Leaks() {
    }

    static void assertAllReleased(InferenceBackend inference, SessionSlots slots) throws InterruptedException {
        // Released asynchronously, right after the final status reaches the client.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (inference.liveTrackers() + inference.openSessions() + slots.inUse() != 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(0, inference.liveTrackers(), "tracking states left alive");
        assertEquals(0, inference.openSessions(), "media sessions left open");
        assertEquals(0, slots.inUse(), "session slots left taken");
    }
}
