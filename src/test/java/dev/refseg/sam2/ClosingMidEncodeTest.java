package dev.refseg.sam2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.refseg.inference.ModelSet;
import dev.refseg.mask.PixelBox;
import dev.refseg.media.DecodedFrame;
import dev.refseg.runtime.GraphTimer;
import dev.refseg.runtime.OrtRuntime;
import dev.refseg.synth.SampleClip;
import dev.refseg.synth.SyntheticClip;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A tracking call's lookahead encode (frame t+1 on another thread) still in its ONNX Runtime run when the
 * call ends or the models close, as in the field crash (hs_err_pid16126.log: sam2-lookahead inside
 * OrtSession.run while the JVM shut down): no crash, the call fails with the models-closed status, and
 * every frame's features are given back, the lookahead's once its encode has finished.
 */
class ClosingMidEncodeTest {
    static final SyntheticClip CLIP = SampleClip.render();
    /** Bound on waiting for the other threads; only a hang reaches it. */
    static final long TIMEOUT_S = 120;
    static final String LOOKAHEAD = "test-lookahead";
    /**
     * The lookahead encode during which the models or the state are closed: of frame 3, started by the
     * tracking thread before it tracks frame 2 (frame 0 is prompted).
     */
    static final int NTH_ENCODE_AHEAD = 3;

    /**
     * Counts the image-encoder runs the lookahead thread starts; at the nth, runs {@code atStart} on that
     * thread just before its native run, then opens {@code started}.
     */
    static final class AheadRuns implements GraphTimer {
        final AtomicInteger count = new AtomicInteger();
        final CountDownLatch started = new CountDownLatch(1);
        Runnable atStart = () -> { };

        @Override
        public void record(String graph, long nanos) {
        }

        @Override
        public void step(String step, long nanos) {
            // The inputs are in: the lookahead's native encoder run starts right after this step.
            if (step.equals(COPY_IN) && Thread.currentThread().getName().equals(LOOKAHEAD)
                    && count.incrementAndGet() == NTH_ENCODE_AHEAD) {
                atStart.run();
                started.countDown();
            }
        }
    }

    private static ExecutorService lookahead() {
        return Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, LOOKAHEAD);
            t.setDaemon(true);
            return t;
        });
    }

    private static TrackerState prompted(Sam2Tracker tracker) {
        TrackerState s = tracker.init(i -> new DecodedFrame(i, 0, CLIP.width(), CLIP.height(), CLIP.frames().get(i)),
                CLIP.frameCount(), CLIP.width(), CLIP.height());
        tracker.addBox(s, 1, 0, PixelBox.of(CLIP.truth().get(0).get(0)));
        return s;
    }

    @Test
    void modelsClosedWhileTheNextFrameIsEncoded() throws Exception {
        ExecutorService pool = lookahead();
        AheadRuns runs = new AheadRuns();
        CompletableFuture<Void> closed = new CompletableFuture<>();
        try (ModelSet models = ModelSet.load(TrackerHarness.fixtures(), new OrtRuntime(List.of("cpu"), 0, 1))) {
            // A shutdown thread closes the models as the lookahead's encoder run starts.
            runs.atStart = () -> CompletableFuture.runAsync(models::close).whenComplete((v, e) -> {
                if (e != null) {
                    closed.completeExceptionally(e);
                } else {
                    closed.complete(null);
                }
            });
            PipelinedTrackingTest.Counting model = counting(models, runs);
            Sam2Tracker tracker = new Sam2Tracker(model, pool);
            try (TrackerState s = prompted(tracker)) {
                // Tracking goes on once the close returned (it waited for the encode in flight).
                StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> tracker.propagate(s, 0,
                        (t, d, masks) -> {
                            if (t == NTH_ENCODE_AHEAD - 1) {
                                join(closed);
                            }
                        }));
                assertModelsClosed(e);
            }
            assertAllGivenBack(pool, model);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void stateClosedWhileItsLookaheadEncodesThenTheModels() throws Exception {
        ExecutorService pool = lookahead();
        AheadRuns runs = new AheadRuns();
        try (ModelSet models = ModelSet.load(TrackerHarness.fixtures(), new OrtRuntime(List.of("cpu"), 0, 1))) {
            PipelinedTrackingTest.Counting model = counting(models, runs);
            Sam2Tracker tracker = new Sam2Tracker(model, pool);
            IllegalStateException cancelled = new IllegalStateException("call cancelled");
            CountDownLatch cancelling = new CountDownLatch(1);
            // The encode starts as the call is cancelled (not before, when it might be over by then).
            runs.atStart = () -> await(cancelling);
            try (TrackerState s = prompted(tracker)) {
                // The call is cancelled while the next frame's encoder runs: the state closes under it.
                assertEquals(cancelled, assertThrows(IllegalStateException.class, () -> tracker.propagate(s, 0,
                        (t, d, masks) -> {
                            if (t == NTH_ENCODE_AHEAD - 1) {
                                cancelling.countDown();
                                await(runs.started);
                                throw cancelled;
                            }
                        })));
            }
            // Then the server shuts down with that encode perhaps still running.
            models.close();
            assertAllGivenBack(pool, model);
            assertTrue(runs.count.get() >= NTH_ENCODE_AHEAD);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aStoppedLookaheadExecutorLeavesTheEncodesToTheCaller() throws Exception {
        ExecutorService pool = lookahead();
        // As when the models start closing: the executor takes no more tasks.
        pool.shutdown();
        try (TrackerHarness h = new TrackerHarness()) {
            PipelinedTrackingTest.Counting model = new PipelinedTrackingTest.Counting(h.tracker.model());
            Sam2Tracker tracker = new Sam2Tracker(model, pool);
            List<Integer> order = new java.util.ArrayList<>();
            try (TrackerState s = prompted(tracker)) {
                tracker.propagate(s, 0, (t, d, masks) -> order.add(t));
            }
            assertEquals(java.util.stream.IntStream.range(0, CLIP.frameCount()).boxed().toList(), order);
            assertAllGivenBack(pool, model);
        }
    }

    /** Waits for the latch (from a callback, which cannot throw checked exceptions). */
    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(TIMEOUT_S, TimeUnit.SECONDS)) {
                throw new AssertionError("the other thread did not get there");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static void join(CompletableFuture<Void> f) {
        try {
            f.get(TIMEOUT_S, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("closing the models failed", e);
        }
    }

    /** The SAM 2 fixture graphs timed by {@code timer}, counting the features handed out and given back. */
    private static PipelinedTrackingTest.Counting counting(ModelSet models, GraphTimer timer) {
        return new PipelinedTrackingTest.Counting(models.sam2().create(models.registry(), timer));
    }

    /** Once the lookahead task has ended, every frame's features were given back, its own included. */
    private static void assertAllGivenBack(ExecutorService pool, PipelinedTrackingTest.Counting model)
            throws InterruptedException {
        pool.shutdown();
        assertTrue(pool.awaitTermination(TIMEOUT_S, TimeUnit.SECONDS), "the lookahead task did not end");
        assertEquals(0, model.open.get(), "features not given back");
    }

    static void assertModelsClosed(StatusRuntimeException e) {
        assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode(), String.valueOf(e));
        assertTrue(e.getStatus().getDescription().contains("the models are closed"), String.valueOf(e));
    }
}
