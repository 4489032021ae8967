package dev.refseg.sam2;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.refseg.eval.JandF;
import dev.refseg.synth.ClipGenerator;
import dev.refseg.synth.ClipSpec;
import dev.refseg.synth.Colour;
import dev.refseg.synth.ObjectSpec;
import dev.refseg.synth.SampleClip;
import dev.refseg.synth.Shape;
import dev.refseg.synth.SyntheticClip;
import dev.refseg.runtime.GraphRunner;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The transformers-family fixture must punish each wiring mistake of that family (models.md §7.1): on a
 * clip built to catch it, the mistake must cost at least 0.3 of J against the right wiring. Each fault
 * is injected by wrapping the graph runs, so the adapter and tracker under test are unchanged.
 */
class TransformersWiringFaultTest {
    static TrackerHarness h;
    /** The sample clip, blue square prompted on frame 24: occlusion, both passes. */
    static SyntheticClip sample;
    /** Two discs of the same colour: only the position gate tells them apart. */
    static SyntheticClip twins;

    @BeforeAll
    static void setUp() throws Exception {
        h = new TrackerHarness("transformers");
        sample = SampleClip.render();
        twins = ClipGenerator.render(new ClipSpec(320, 240, 40, 10, List.of(
                new ObjectSpec(Shape.DISC, Colour.RED, 18, 60, 60, 5, 0.5, 30, 290, 30, 100, 1, 0),
                new ObjectSpec(Shape.DISC, Colour.RED, 18, 250, 190, -4, 0, 30, 290, 160, 220, 1, 0)), false, 7));
    }

    @AfterAll
    static void tearDown() {
        h.close();
    }

    enum Fault {
        ZERO_PADDING(true), POINTERS_NOT_LAST(false), REVERSED_TEMPORAL_ROWS(false), NO_MEM_FEATS_ON_TRACKED(false),
        RAW_FEATS_ON_PROMPTED(false), BINARIZE_OFF_ON_PROMPTED(false), BINARIZE_ON_TRACKED(false),
        DIFFS_NOT_NORMALISED(true), BOX_NOT_SCALED(false), DROP_CONDITIONING_AFTER_7(false),
        POINTERS_OUT_OF_ORDER(false), CONDITIONED_FEATURE_TO_MEMORY_ENCODER(false);

        /** Whether the clip built to catch it is the same-colour twins (else the sample clip). */
        final boolean twins;

        Fault(boolean twins) {
            this.twins = twins;
        }
    }

    /** The real graph runs with one fault injected. */
    static final class FaultyGraphs extends TransformersSam2 {
        static final int D = Sam2Setup.MEM_DIM;
        final Fault fault;
        final int frameWidth;
        final int frameHeight;
        int attendCalls;
        FrameFeatures last;
        GraphRunner.Held lastConditioned;

        FaultyGraphs(TransformersSam2 real, Fault fault, SyntheticClip clip) {
            super(real);
            this.fault = fault;
            this.frameWidth = clip.width();
            this.frameHeight = clip.height();
        }

        @Override
        public FrameFeatures encodeGraph(int frameIdx, FloatBuffer image) {
            last = super.encodeGraph(frameIdx, image);
            return last;
        }

        @Override
        public GraphRunner.Held decode(FloatBuffer feats0, FloatBuffer feats1, FloatBuffer featsCond, float[] points,
                int[] labels) {
            boolean prompted = labels[0] == 2;
            if (fault == Fault.RAW_FEATS_ON_PROMPTED && prompted) {
                featsCond = last.feats2();
            }
            if (fault == Fault.NO_MEM_FEATS_ON_TRACKED && !prompted) {
                featsCond = last.feats2NoMem();
            }
            if (fault == Fault.BOX_NOT_SCALED && prompted) {
                // Corners left in frame pixels: undo the x * S / W, y * S / H scaling.
                float sx = (float) frameWidth / imageSize();
                float sy = (float) frameHeight / imageSize();
                points = new float[] {points[0] * sx, points[1] * sy, points[2] * sx, points[3] * sy};
            }
            return super.decode(feats0, feats1, featsCond, points, labels);
        }

        @Override
        public GraphRunner.Held encodeMemory(FloatBuffer feats2, FloatBuffer highResMask, float objectScore,
                boolean binarize) {
            if (fault == Fault.BINARIZE_OFF_ON_PROMPTED && binarize) {
                binarize = false;
            } else if (fault == Fault.BINARIZE_ON_TRACKED && !binarize) {
                binarize = true;
            }
            if (fault == Fault.CONDITIONED_FEATURE_TO_MEMORY_ENCODER && lastConditioned != null) {
                // Read while the frame's decoder output (and so its attention output) is still open.
                feats2 = lastConditioned.get("conditioned_feats");
            }
            return super.encodeMemory(feats2, highResMask, objectScore, binarize);
        }

        @Override
        public float[] pointerPositions(float[] diffs) {
            if (fault == Fault.DIFFS_NOT_NORMALISED) {
                // Raw frame distances: the clips are longer than 16 frames, so the span is 15.
                diffs = diffs.clone();
                for (int i = 0; i < diffs.length; i++) {
                    diffs[i] *= 15;
                }
            }
            return super.pointerPositions(diffs);
        }

        @Override
        public GraphRunner.Held attend(FloatBuffer current, FloatBuffer currentPos, FloatBuffer memoryValues,
                FloatBuffer memoryPosValues) {
            float[] memory = WiringFaultTest.FaultyGraphs.array(memoryValues);
            float[] memoryPos = WiringFaultTest.FaultyGraphs.array(memoryPosValues);
            attendCalls++;
            int block = current.remaining() / 256 * D;
            int ptrStart = 7 * block;
            int ptrBlock = Sam2Setup.TOKENS_PER_POINTER * D;
            switch (fault) {
                case ZERO_PADDING -> {
                    zeroRepeats(memory, memoryPos, 0, 7, block);
                    zeroRepeats(memory, memoryPos, ptrStart, 16, ptrBlock);
                }
                case POINTERS_NOT_LAST -> {
                    memory = pointersFirst(memory, ptrStart);
                    memoryPos = pointersFirst(memoryPos, ptrStart);
                }
                case REVERSED_TEMPORAL_ROWS -> {
                    for (int s = 0; s < 7; s++) {
                        int k = row(memoryPos, s * block);
                        for (int r = 0; r < block; r += D) {
                            memoryPos[s * block + r + 8 + k] -= 1;
                            memoryPos[s * block + r + 8 + (6 - k)] += 1;
                        }
                    }
                }
                case DROP_CONDITIONING_AFTER_7 -> {
                    if (attendCalls > 7) {
                        // A 7-slot ring buffer: the conditioning memory has been pushed out by the newest.
                        int newest = -1;
                        for (int s = 0; s < 7; s++) {
                            int k = row(memoryPos, s * block);
                            if (k < 6 && (newest < 0 || k < row(memoryPos, newest * block))) {
                                newest = s;
                            }
                        }
                        for (int s = 0; s < 7 && newest >= 0; s++) {
                            if (row(memoryPos, s * block) == 6) {
                                System.arraycopy(memory, newest * block, memory, s * block, block);
                                System.arraycopy(memoryPos, newest * block, memoryPos, s * block, block);
                            }
                        }
                    }
                }
                case POINTERS_OUT_OF_ORDER -> {
                    reversePointers(memory, ptrStart, ptrBlock);
                    reversePointers(memoryPos, ptrStart, ptrBlock);
                }
                default -> {
                }
            }
            lastConditioned = super.attend(current, currentPos, FloatBuffer.wrap(memory), FloatBuffer.wrap(memoryPos));
            return lastConditioned;
        }

        /** The fixture's temporal row of a slot: its one-hot channel 8 + k. */
        static int row(float[] pos, int offset) {
            int k = 0;
            for (int c = 0; c < 7; c++) {
                if (pos[offset + 8 + c] > pos[offset + 8 + k]) {
                    k = c;
                }
            }
            return k;
        }

        /** Padding by repetition leaves exact copies (same memory, same position): zero them instead. */
        static void zeroRepeats(float[] memory, float[] pos, int start, int count, int size) {
            for (int i = 1; i < count; i++) {
                int a = start + i * size;
                for (int j = 0; j < i; j++) {
                    int b = start + j * size;
                    if (Arrays.equals(memory, a, a + size, memory, b, b + size)
                            && Arrays.equals(pos, a, a + size, pos, b, b + size)) {
                        Arrays.fill(memory, a, a + size, 0);
                        Arrays.fill(pos, a, a + size, 0);
                        break;
                    }
                }
            }
        }

        static float[] pointersFirst(float[] rows, int ptrStart) {
            float[] out = new float[rows.length];
            int ptrLen = rows.length - ptrStart;
            System.arraycopy(rows, ptrStart, out, 0, ptrLen);
            System.arraycopy(rows, 0, out, ptrLen, ptrStart);
            return out;
        }

        static void reversePointers(float[] rows, int ptrStart, int size) {
            float[] copy = rows.clone();
            for (int i = 0; i < 16; i++) {
                System.arraycopy(copy, ptrStart + (15 - i) * size, rows, ptrStart + i * size, size);
            }
        }
    }

    static JandF run(Fault fault, SyntheticClip clip, int pivot, int object) {
        TransformersSam2 real = (TransformersSam2) h.tracker.model();
        Sam2Model model = fault == null ? real : new FaultyGraphs(real, fault, clip);
        TrackerHarness.Run r = new TrackerHarness(h.models, new Sam2Tracker(model)).track(clip, pivot, object);
        return TrackerHarness.score(clip, r, object);
    }

    /** The right wiring's score on each clip, computed once. */
    static final Map<Boolean, JandF> RIGHT = new java.util.concurrent.ConcurrentHashMap<>();

    @ParameterizedTest
    @EnumSource(Fault.class)
    void eachWiringFaultCostsAtLeastAThirdOfJ(Fault fault) {
        SyntheticClip clip = fault.twins ? twins : sample;
        int pivot = fault.twins ? 10 : 24;
        int object = fault.twins ? 0 : 1;
        JandF right = RIGHT.computeIfAbsent(fault.twins, k -> run(null, clip, pivot, object));
        JandF wrong = run(fault, clip, pivot, object);
        System.out.printf("%s: J %.3f right, %.3f with the fault%n", fault, right.jMean(), wrong.jMean());
        assertTrue(right.jf() >= 0.95, "right wiring J&F " + right.jf());
        assertTrue(right.jMean() - wrong.jMean() >= 0.3, fault + ": J " + right.jMean() + " -> " + wrong.jMean());
    }
}
