package dev.refseg.sam2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.refseg.errors.Errors;
import dev.refseg.mask.BinaryMask;
import dev.refseg.mask.PixelBox;
import dev.refseg.media.DecodedFrame;
import dev.refseg.synth.SampleClip;
import dev.refseg.synth.SyntheticClip;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Pipelined propagation (frame t+1 encoded on another thread while frame t is tracked) gives the
 * sequential masks to the bit, in the same order; a frame that fails to load ends the call with that
 * frame's error; and every frame's features are given back, whether the call ends well or not.
 */
class PipelinedTrackingTest {
    static final SyntheticClip CLIP = SampleClip.render();
    static ExecutorService pool;
    static final AtomicInteger TASKS = new AtomicInteger();

    @BeforeAll
    static void start() {
        pool = Executors.newSingleThreadExecutor();
    }

    @AfterAll
    static void stop() {
        pool.shutdownNow();
    }

    /** Counts the features a model hands out and those given back. */
    static final class Counting implements Sam2Model {
        final Sam2Model real;
        final AtomicInteger open = new AtomicInteger();

        Counting(Sam2Model real) {
            this.real = real;
        }

        record Counted(Sam2Model.Features inner, AtomicInteger open, boolean[] closed) implements Features {
            @Override
            public int frameIdx() {
                return inner.frameIdx();
            }

            @Override
            public synchronized void close() {
                if (!closed[0]) {
                    closed[0] = true;
                    open.decrementAndGet();
                }
                inner.close();
            }
        }

        private static Features in(Features f) {
            return ((Counted) f).inner();
        }

        @Override
        public String family() {
            return real.family();
        }

        @Override
        public int imageSize() {
            return real.imageSize();
        }

        @Override
        public java.nio.FloatBuffer preprocess(byte[] rgb, int w, int h, java.nio.FloatBuffer reuse) {
            return real.preprocess(rgb, w, h, reuse);
        }

        @Override
        public Features encode(int frameIdx, java.nio.FloatBuffer image) {
            Features f = real.encode(frameIdx, image); // counted once made: a refused encode hands out none
            open.incrementAndGet();
            return new Counted(f, open, new boolean[1]);
        }

        @Override
        public Decoded decodeBox(Features f, float[] boxPoints) {
            return real.decodeBox(in(f), boxPoints);
        }

        @Override
        public Decoded decodeTracked(Features f, MemoryBank.Selection sel, int t, int numFrames) {
            return real.decodeTracked(in(f), sel, t, numFrames);
        }

        @Override
        public float[] memory(Features f, Decoded out, boolean prompted) {
            return real.memory(in(f), out, prompted);
        }

        @Override
        public float[] maskMemory(Features f, BinaryMask mask, Decoded out) {
            return real.maskMemory(in(f), mask, out);
        }
    }

    private static java.util.concurrent.Executor counted() {
        return r -> {
            TASKS.incrementAndGet();
            pool.execute(r);
        };
    }

    private static Map<Integer, BinaryMask> run(Sam2Tracker tracker, List<Integer> order) {
        Map<Integer, BinaryMask> masks = new TreeMap<>();
        try (TrackerState s = tracker.init(i -> new DecodedFrame(i, 0, CLIP.width(), CLIP.height(),
                CLIP.frames().get(i)), CLIP.frameCount(), CLIP.width(), CLIP.height())) {
            tracker.addBox(s, 1, 24, PixelBox.of(CLIP.truth().get(1).get(24)));
            tracker.propagate(s, (t, d, ms) -> {
                order.add(t);
                masks.put(t, ms.get(0).mask());
            });
        }
        return masks;
    }

    @ParameterizedTest
    @ValueSource(strings = {"nvidia", "transformers-512"})
    void sameMasksInTheSameOrder(String family) throws Exception {
        try (TrackerHarness h = new TrackerHarness(family)) {
            Counting sequentialModel = new Counting(h.tracker.model());
            List<Integer> sequentialOrder = new ArrayList<>();
            Map<Integer, BinaryMask> sequential = run(new Sam2Tracker(sequentialModel), sequentialOrder);
            Counting pipelinedModel = new Counting(h.tracker.model());
            List<Integer> pipelinedOrder = new ArrayList<>();
            int tasks = TASKS.get();
            Map<Integer, BinaryMask> pipelined = run(new Sam2Tracker(pipelinedModel, counted()), pipelinedOrder);
            assertEquals(sequentialOrder, pipelinedOrder);
            assertEquals(CLIP.frameCount(), pipelined.size());
            for (int t : sequential.keySet()) {
                assertArrayEquals(sequential.get(t).data(), pipelined.get(t).data(), "frame " + t);
            }
            // Every tracked frame was encoded ahead (the backward pass's first while the forward pass ended).
            assertEquals(CLIP.frameCount() - 1, TASKS.get() - tasks);
            assertEquals(0, sequentialModel.open.get(), "features not given back (sequential)");
            assertEquals(0, pipelinedModel.open.get(), "features not given back (pipelined)");
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {30, 25, 47})
    void aFrameThatFailsToLoadEndsTheCallAndFreesItsFeatures(int bad) throws Exception {
        try (TrackerHarness h = new TrackerHarness("nvidia")) {
            Counting model = new Counting(h.tracker.model());
            Sam2Tracker tracker = new Sam2Tracker(model, counted());
            List<Integer> out = new ArrayList<>();
            TrackerState s = tracker.init(i -> {
                if (i == bad) {
                    throw Errors.invalid("frame[" + i + "].data", "corrupt JPEG: test");
                }
                return new DecodedFrame(i, 0, CLIP.width(), CLIP.height(), CLIP.frames().get(i));
            }, CLIP.frameCount(), CLIP.width(), CLIP.height());
            tracker.addBox(s, 1, 24, PixelBox.of(CLIP.truth().get(1).get(24)));
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                    () -> tracker.propagate(s, (t, d, ms) -> out.add(t)));
            s.close();
            pool.submit(() -> { }).get(); // any lookahead still running has finished
            assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
            assertTrue(e.getStatus().getDescription().contains("frame[" + bad + "]"), e.getStatus().getDescription());
            assertEquals(bad - 24, out.size(), "the frames before the bad one went out, in order: " + out);
            assertEquals(0, model.open.get(), "features not given back");
        }
    }
}
