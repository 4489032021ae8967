package dev.refseg.sam2;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.refseg.eval.JandF;
import dev.refseg.synth.SampleClip;
import dev.refseg.synth.SyntheticClip;
import dev.refseg.runtime.GraphRunner;
import java.nio.FloatBuffer;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The fixture models must punish each wiring mistake that public SAM 2 ports make (models.md §1.6):
 * the same clip that tracks at J&F >= 0.9 with the right wiring must fall below it with the mistake.
 * Each fault is injected by wrapping the graph runner, so the tracker code under test is unchanged.
 */
class WiringFaultTest {
    static TrackerHarness h;
    static SyntheticClip clip;

    @BeforeAll
    static void setUp() throws Exception {
        h = new TrackerHarness();
        clip = SampleClip.render();
    }

    @AfterAll
    static void tearDown() {
        h.close();
    }

    enum Fault { NONE, DROP_CONDITIONING_AFTER_7, REVERSED_TEMPORAL_CODES, POINTERS_OUT_OF_ORDER,
        CONDITIONED_FEATURE_TO_MEMORY_ENCODER, BOX_NOT_SCALED }

    /** The real graph runner with one fault injected on the way in. */
    static final class FaultyGraphs extends NvidiaSam2 {
        final Fault fault;
        int attendCalls;
        GraphRunner.Held lastEmbed;

        FaultyGraphs(NvidiaSam2 real, Fault fault) {
            super(real);
            this.fault = fault;
        }

        @Override
        public GraphRunner.Held attend(FrameFeatures f, float[] pointers, int p, FloatBuffer memoryValues, int n,
                FloatBuffer posValues, float diff) {
            float[] memories = array(memoryValues);
            float[] pos = array(posValues);
            attendCalls++;
            int memSize = 64 * 64 * 64;
            int posSize = 4096 * 64;
            if (fault == Fault.DROP_CONDITIONING_AFTER_7 && attendCalls > 7) {
                // A 7-slot ring buffer: the prompted frame's memory (first) has been pushed out.
                memories = Arrays.copyOfRange(memories, memSize, memories.length);
                pos = Arrays.copyOfRange(pos, posSize, pos.length);
                n--;
            }
            if (fault == Fault.REVERSED_TEMPORAL_CODES) {
                // Non-conditioning memories get index 5 - i instead of i (the fixture's code is one-hot at 8 + i).
                pos = pos.clone();
                for (int m = 1; m < n; m++) {
                    int row = m * posSize;
                    int k = 0;
                    for (int c = 0; c < 7; c++) {
                        if (pos[row + 8 + c] > 0.5f) {
                            k = c;
                        }
                    }
                    for (int r = 0; r < 4096; r++) {
                        pos[row + r * 64 + 8 + k] -= 1;
                        pos[row + r * 64 + 8 + (5 - k)] += 1;
                    }
                }
            }
            if (fault == Fault.POINTERS_OUT_OF_ORDER) {
                float[] rev = new float[pointers.length];
                for (int i = 0; i < p; i++) {
                    System.arraycopy(pointers, i * 256, rev, (p - 1 - i) * 256, 256);
                }
                pointers = rev;
            }
            lastEmbed = super.attend(f, pointers, p, FloatBuffer.wrap(memories), n, FloatBuffer.wrap(pos), diff);
            return lastEmbed;
        }

        /** The values of a bank input as an array the faults can edit. */
        static float[] array(FloatBuffer b) {
            float[] a = new float[b.remaining()];
            b.duplicate().get(a);
            return a;
        }

        @Override
        public GraphRunner.Held encodeMemory(FloatBuffer maskForMem, FloatBuffer pixFeat, float occLogit) {
            if (fault == Fault.CONDITIONED_FEATURE_TO_MEMORY_ENCODER && lastEmbed != null) {
                // Read while the frame's decoder output (and so its attention output) is still open.
                pixFeat = lastEmbed.get("image_embed");
            }
            return super.encodeMemory(maskForMem, pixFeat, occLogit);
        }

        @Override
        public DecoderOutput decode(float[] points, float[] labels, FloatBuffer imageEmbed, FrameFeatures f) {
            if (fault == Fault.BOX_NOT_SCALED && labels.length == 2 && labels[0] == 2) {
                // Corners left in frame pixels: undo the x * 1024 / W, y * 1024 / H scaling.
                points = new float[] {points[0] * clip.width() / 1024f, points[1] * clip.height() / 1024f,
                    points[2] * clip.width() / 1024f, points[3] * clip.height() / 1024f};
            }
            return super.decode(points, labels, imageEmbed, f);
        }
    }

    static double jf(Fault fault) {
        Sam2Tracker tracker = new Sam2Tracker(new FaultyGraphs(TrackerHarness.graphs(h.models), fault));
        TrackerHarness.Run r = new TrackerHarness(h.models, tracker).track(clip, 24, 1);
        JandF s = TrackerHarness.score(clip, r, 1);
        System.out.printf("%s: J&F %.3f%n", fault, s.jf());
        return s.jf();
    }

    @Test
    void rightWiringTracks() {
        assertTrue(jf(Fault.NONE) >= 0.9);
    }

    @Test
    void droppingTheConditioningMemoryAfter7FramesFails() {
        assertTrue(jf(Fault.DROP_CONDITIONING_AFTER_7) < 0.9);
    }

    @Test
    void reversedTemporalCodesFail() {
        assertTrue(jf(Fault.REVERSED_TEMPORAL_CODES) < 0.9);
    }

    @Test
    void pointersOutOfOrderFail() {
        assertTrue(jf(Fault.POINTERS_OUT_OF_ORDER) < 0.9);
    }

    @Test
    void memoryConditionedFeatureToTheMemoryEncoderFails() {
        assertTrue(jf(Fault.CONDITIONED_FEATURE_TO_MEMORY_ENCODER) < 0.9);
    }

    @Test
    void boxPointsNotScaledTo1024Fail() {
        assertTrue(jf(Fault.BOX_NOT_SCALED) < 0.9);
    }
}
