package dev.refseg.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.refseg.runtime.GraphRunner.Input;
import dev.refseg.onnx.DType;
import dev.refseg.onnx.GraphBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Boundary conversions of {@link GraphRunner}, through a graph that passes each input type straight out. */
class GraphRunnerTest {
    static OrtSession session;
    static GraphRunner runner;

    @BeforeAll
    static void load() throws Exception {
        GraphBuilder g = new GraphBuilder("identities");
        g.output("half_out", g.input("half", DType.FLOAT16, "n"), DType.FLOAT16, "n");
        g.output("brain_out", g.input("brain", DType.BFLOAT16, "n"), DType.BFLOAT16, "n");
        g.output("i32_out", g.input("i32", DType.INT32, "n"), DType.INT32, "n");
        g.output("i64_out", g.input("i64", DType.INT64, "n"), DType.INT64, "n");
        g.output("flag_out", g.cast(g.input("flag", DType.BOOL, "n"), DType.FLOAT), DType.FLOAT, "n");
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        session = env.createSession(g.build(), new OrtSession.SessionOptions());
        runner = new GraphRunner("test.identities", env, session, GraphTimer.NONE);
    }

    @AfterAll
    static void close() throws Exception {
        session.close();
    }

    private static Map<String, float[]> run(Input half, Input brain, Input i32, Input i64, Input flag) {
        return runner.run(Map.of("half", half, "brain", brain, "i32", i32, "i64", i64, "flag", flag));
    }

    private static Map<String, float[]> run(float[] half, float[] brain) {
        return run(Input.floats(half, half.length), Input.floats(brain, brain.length), Input.ints(new int[1], 1),
                Input.longs(new long[1], 1), Input.bools(new boolean[1], 1));
    }

    @Test
    void float16RoundsToNearestHalf() {
        float[] in = {0.5f, -2f, 1024f, 65504f, 0.1f, 1 / 3f, 70000f};
        float[] out = run(in, new float[1]).get("half_out");
        // Representable values survive exactly; others are within half a unit in the last place (2^-11 relative).
        assertArrayEquals(new float[] {0.5f, -2f, 1024f, 65504f}, java.util.Arrays.copyOf(out, 4), 0f);
        assertEquals(0.1f, out[4], 0.1f * 0x1p-11f);
        assertEquals(1 / 3f, out[5], (1 / 3f) * 0x1p-11f);
        assertEquals(Float.POSITIVE_INFINITY, out[6], "beyond the float16 range");
    }

    @Test
    void bfloat16KeepsTheRangeAndLosesPrecision() {
        float[] in = {1.5f, -3f, 1e20f, 0.1f, 1 / 3f};
        float[] out = run(new float[1], in).get("brain_out");
        assertEquals(1.5f, out[0], 0f);
        assertEquals(-3f, out[1], 0f);
        for (int i = 2; i < in.length; i++) {
            assertEquals(in[i], out[i], Math.abs(in[i]) * 0x1p-8f, "value " + in[i]);
        }
    }

    @Test
    void integersConvertToTheDeclaredWidth() {
        Map<String, float[]> out = run(Input.floats(new float[1], 1), Input.floats(new float[1], 1),
                Input.longs(new long[] {1, -2, 1 << 20}, 3), Input.ints(new int[] {7, -8, Integer.MIN_VALUE}, 3),
                Input.bools(new boolean[1], 1));
        assertArrayEquals(new float[] {1, -2, 1 << 20}, out.get("i32_out"), 0f);
        assertArrayEquals(new float[] {7, -8, Integer.MIN_VALUE}, out.get("i64_out"), 0f);
    }

    @Test
    void boolInput() {
        Map<String, float[]> out = run(Input.floats(new float[1], 1), Input.floats(new float[1], 1),
                Input.ints(new int[1], 1), Input.longs(new long[1], 1),
                Input.bools(new boolean[] {true, false, false, true}, 4));
        assertArrayEquals(new float[] {1, 0, 0, 1}, out.get("flag_out"), 0f);
    }

    @Test
    void unconvertibleDataIsNamed() {
        StatusRuntimeException tooWide = assertThrows(StatusRuntimeException.class, () -> run(
                Input.floats(new float[1], 1), Input.floats(new float[1], 1), Input.longs(new long[] {1L << 40}, 1),
                Input.longs(new long[1], 1), Input.bools(new boolean[1], 1)));
        assertInternalNaming(tooWide, "input 'i32'");
        StatusRuntimeException floatsForInts = assertThrows(StatusRuntimeException.class, () -> run(
                Input.floats(new float[1], 1), Input.floats(new float[1], 1), Input.ints(new int[1], 1),
                Input.floats(new float[1], 1), Input.bools(new boolean[1], 1)));
        assertInternalNaming(floatsForInts, "input 'i64'");
        StatusRuntimeException badShape = assertThrows(StatusRuntimeException.class, () -> run(
                Input.floats(new float[3], 2), Input.floats(new float[1], 1), Input.ints(new int[1], 1),
                Input.longs(new long[1], 1), Input.bools(new boolean[1], 1)));
        assertInternalNaming(badShape, "input 'half'");
        assertThrows(IllegalArgumentException.class, () -> new Input(new double[1], new long[] {1}));
    }

    /**
     * Outputs of a fixed float shape are written by ONNX Runtime into buffers the runner reuses: every
     * run must still return its own values, including runs that overlap, and arrays handed out earlier
     * must not change.
     */
    @Test
    void reusedOutputBuffersNeverLeakIntoEarlierResults() throws Exception {
        GraphBuilder g = new GraphBuilder("fixed");
        GraphBuilder.Value x = g.input("x", DType.FLOAT, 2, 3);
        g.output("twice", g.add(x, x), DType.FLOAT, 2, 3);
        g.output("dynamic", g.mul(x, x), DType.FLOAT, "a", "b");
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession s = env.createSession(g.build(), new OrtSession.SessionOptions())) {
            GraphRunner r = new GraphRunner("test.fixed", env, s, GraphTimer.NONE);
            Map<String, float[]> first = r.run(Map.of("x", Input.floats(new float[] {1, 2, 3, 4, 5, 6}, 2, 3)));
            Map<String, float[]> second = r.run(Map.of("x", Input.floats(new float[] {0, 1, 0, 1, 0, 1}, 2, 3)));
            assertArrayEquals(new float[] {2, 4, 6, 8, 10, 12}, first.get("twice"));
            assertArrayEquals(new float[] {1, 4, 9, 16, 25, 36}, first.get("dynamic"));
            assertArrayEquals(new float[] {0, 2, 0, 2, 0, 2}, second.get("twice"));
            // Overlapping runs (several calls on one graph) each get their own buffers.
            java.util.List<java.util.concurrent.Future<float[]>> runs = new java.util.ArrayList<>();
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
            try {
                for (int k = 0; k < 40; k++) {
                    float v = k;
                    runs.add(pool.submit(() -> r.run(Map.of("x", Input.floats(new float[] {v, v, v, v, v, v}, 2, 3)))
                            .get("twice")));
                }
                for (int k = 0; k < 40; k++) {
                    float[] want = new float[6];
                    java.util.Arrays.fill(want, 2f * k);
                    assertArrayEquals(want, runs.get(k).get(), "run " + k);
                }
            } finally {
                pool.shutdownNow();
            }
            r.releaseBuffers();
            assertArrayEquals(new float[] {2, 2, 2, 2, 2, 2},
                    r.run(Map.of("x", Input.floats(new float[] {1, 1, 1, 1, 1, 1}, 2, 3))).get("twice"));
        }
    }

    /**
     * Held outputs stay where ONNX Runtime wrote them, also for a dynamic dimension named like an input's,
     * and feed the next run in place; an output whose dynamic shape the names predict wrongly still comes
     * back right (the run is repeated without pinning it).
     */
    @Test
    void heldOutputsAreReadInPlaceAndFedOn() throws Exception {
        GraphBuilder g = new GraphBuilder("held");
        GraphBuilder.Value x = g.input("x", DType.FLOAT, "n", 2);
        g.output("twice", g.add(x, x), DType.FLOAT, "n", 2);
        // Declared [n, 2] but really [2n, 2]: the name predicts the wrong size.
        g.output("stacked", g.concat(0, x, x), DType.FLOAT, "n", 2);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession s = env.createSession(g.build(), new OrtSession.SessionOptions())) {
            GraphRunner r = new GraphRunner("test.held", env, s, GraphTimer.NONE);
            for (int n : new int[] {1, 3, 1}) {
                float[] in = new float[2 * n];
                for (int i = 0; i < in.length; i++) {
                    in[i] = i + n;
                }
                try (GraphRunner.Held first = r.runHeld(Map.of("x", Input.floats(in, n, 2)))) {
                    java.nio.FloatBuffer twice = first.get("twice");
                    assertTrue(twice.isDirect(), "read in place");
                    assertEquals(2 * n, twice.remaining());
                    for (int i = 0; i < in.length; i++) {
                        assertEquals(2 * in[i], twice.get(i));
                    }
                    float[] stacked = first.floats("stacked");
                    assertEquals(4 * n, stacked.length);
                    assertEquals(in[0], stacked[2 * n]);
                    // The held output fed to the next run as it is.
                    try (GraphRunner.Held second = r.runHeld(Map.of("x", Input.floats(twice, n, 2)))) {
                        assertEquals(4 * in[in.length - 1], second.get("twice").get(in.length - 1));
                    }
                    GraphRunner.Held closed = first;
                    closed.close();
                    assertThrows(IllegalStateException.class, () -> closed.get("twice"));
                }
            }
        }
    }

    private static void assertInternalNaming(StatusRuntimeException e, String what) {
        assertEquals(Status.Code.INTERNAL, e.getStatus().getCode());
        String d = e.getStatus().getDescription();
        assertTrue(d.startsWith("test.identities") && d.contains(what), d);
    }
}
