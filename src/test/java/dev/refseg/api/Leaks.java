package dev.refseg.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.refseg.inference.InferenceBackend;
import dev.refseg.media.IntakeSession;
import dev.refseg.media.NativePool;
import dev.refseg.segment.SessionSlots;
import java.util.concurrent.TimeUnit;

/** After a call ends: every media session, tracking state and session slot must come back. */
final class Leaks {
    private Leaks() {
    }

    static void assertAllReleased(InferenceBackend inference, SessionSlots slots) throws InterruptedException {
        // Released asynchronously, right after the final status reaches the client.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (inference.liveTrackers() + inference.openSessions() + slots.inUse() + inference.trackedObjects() != 0
                && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(0, inference.liveTrackers(), "tracking states left alive");
        assertEquals(0, inference.openSessions(), "media sessions left open");
        assertEquals(0, slots.inUse(), "session slots left taken");
        assertEquals(0, inference.trackedObjects(), "tracked objects left reserved");
    }

    /**
     * Also: no scratch file left in the test server's work directory, no media decoder or frame writer
     * thread alive, and no native frame reader (image decoder, picture converter) or audio resampler left
     * unfreed.
     */
    static void assertNothingLeft(InferenceBackend inference, SessionSlots slots) throws InterruptedException {
        assertAllReleased(inference, slots);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while ((scratchFiles() > 0 || decoderThreads() > 0 || NativePool.live() > 0
                || IntakeSession.liveAudioResamplers() > 0) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(0, scratchFiles(), "scratch files left in " + WORK);
        assertEquals(0, decoderThreads(), "media decoder or writer threads still running");
        assertEquals(0, NativePool.live(), "native frame readers left unfreed");
        assertEquals(0, IntakeSession.liveAudioResamplers(), "native audio resamplers left unfreed");
    }

    static final java.nio.file.Path WORK = java.nio.file.Path.of("target/refseg-work");

    static long scratchFiles() {
        if (!java.nio.file.Files.isDirectory(WORK)) {
            return 0;
        }
        try (var files = java.nio.file.Files.walk(WORK)) {
            // The server's own scratch directory (refseg-*) and its lock file stay while it runs.
            return files.filter(p -> !p.equals(WORK) && !(p.getParent().equals(WORK)
                    && p.getFileName().toString().startsWith("refseg-")) && !p.getFileName().toString().equals(".lock"))
                    .count();
        } catch (java.io.IOException | java.io.UncheckedIOException e) {
            return -1; // changing under us: look again
        }
    }

    static long decoderThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith("refseg-media-")).count();
    }
}
