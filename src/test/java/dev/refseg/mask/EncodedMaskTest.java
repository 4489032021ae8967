package dev.refseg.mask;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.refseg.sam2.Sam2Image;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The fused upscale + threshold + RLE + box + area ({@link EncodedMask#fromLogits}) against the plain
 * path ({@link Sam2Image#upscale}, then {@link CocoRle}, {@link PixelBox#of}, {@link BinaryMask#area}),
 * bit for bit, on seeded logits at odd frame sizes.
 */
class EncodedMaskTest {
    private static final int[] SIDES = {1, 2, 3, 7, 255, 257};

    /** Named logit patterns for one side; each random one has its own fixed seed. */
    private static Map<String, float[]> patterns(int side) {
        Map<String, float[]> p = new LinkedHashMap<>();
        int n = side * side;
        SplittableRandom r = new SplittableRandom(side);
        p.put("noise", fill(n, i -> (float) r.nextDouble(-1, 1)));
        // A few smooth blobs: long runs and a box that is not the frame, as real masks have.
        double[][] blobs = new double[3][];
        for (int k = 0; k < blobs.length; k++) {
            blobs[k] = new double[] {r.nextDouble(side), r.nextDouble(side), r.nextDouble(0.5, 0.5 + side / 4.0)};
        }
        p.put("blobs", fill(n, i -> {
            double v = -1;
            for (double[] b : blobs) {
                v = Math.max(v, b[2] - Math.hypot(i % side - b[0], i / side - b[1]));
            }
            return (float) v;
        }));
        p.put("all-negative", fill(n, i -> -1f - (float) r.nextDouble()));
        p.put("all-positive", fill(n, i -> 1f + (float) r.nextDouble()));
        int hot = r.nextInt(n);
        p.put("single-positive", fill(n, i -> i == hot ? 5f : -5f));
        p.put("corner-positive", fill(n, i -> i == n - 1 ? 0.25f : -0.25f));
        // Exact zeros after interpolation (±0 and the smallest floats), where "> 0" decides.
        float[] edges = {0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, 1f, -1f};
        p.put("signed-zeros", fill(n, i -> edges[r.nextInt(edges.length)]));
        p.put("all-zero", fill(n, i -> (i & 1) == 0 ? 0f : -0f));
        return p;
    }

    private interface Value {
        float at(int i);
    }

    private static float[] fill(int n, Value v) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = v.at(i);
        }
        return a;
    }

    private static void assertFusedMatches(float[] logits, int side, int w, int h, String what) {
        BinaryMask plain = Sam2Image.upscale(logits, side, w, h);
        EncodedMask fused = EncodedMask.fromLogits(logits, side, w, h);
        String at = what + " side " + side + " frame " + w + "x" + h;
        assertEquals(h, fused.height(), at);
        assertEquals(w, fused.width(), at);
        assertArrayEquals(CocoRle.counts(plain), fused.counts(), at);
        assertEquals(CocoRle.encode(plain), fused.countsString(), at);
        assertEquals(PixelBox.of(plain), fused.box(), at);
        assertEquals(plain.area(), fused.area(), at);
        assertEquals(plain, fused.toBinaryMask(), at);
    }

    @Test
    void matchesThePlainUpscaleAtOddSizes() {
        List<int[]> frames = new ArrayList<>();
        for (int w : SIDES) {
            for (int h : SIDES) {
                frames.add(new int[] {w, h});
            }
        }
        frames.add(new int[] {321, 241});
        frames.add(new int[] {1281, 719});
        for (int side : new int[] {128, 256}) {
            for (Map.Entry<String, float[]> p : patterns(side).entrySet()) {
                for (int[] f : frames) {
                    assertFusedMatches(p.getValue(), side, f[0], f[1], p.getKey());
                }
            }
        }
    }

    @Test
    void matchesThePlainUpscaleForTinyAndNonSquareInputs() {
        // Downscaling (frame smaller than the logits) and a 1x1 logit grid.
        for (int side : new int[] {1, 2, 5}) {
            for (Map.Entry<String, float[]> p : patterns(side).entrySet()) {
                for (int[] f : new int[][] {{1, 1}, {3, 2}, {2, 3}, {17, 9}}) {
                    assertFusedMatches(p.getValue(), side, f[0], f[1], p.getKey());
                }
            }
        }
    }

    @Test
    void emptyAndGivenMasks() {
        EncodedMask e = EncodedMask.empty(3, 4);
        assertArrayEquals(new long[] {12}, e.counts());
        assertNull(e.box());
        assertEquals(0, e.area());
        assertEquals(BinaryMask.empty(3, 4), e.toBinaryMask());
        assertEquals(CocoRle.encode(BinaryMask.empty(3, 4)), e.countsString());

        BinaryMask m = BinaryMask.empty(3, 4);
        m.set(1, 2, true);
        EncodedMask g = EncodedMask.of(m);
        assertArrayEquals(CocoRle.counts(m), g.counts());
        assertEquals(new PixelBox(2, 1, 3, 2), g.box());
        assertEquals(1, g.area());
        assertSame(m, g.toBinaryMask());
    }

    @Test
    void refusesTooFewLogits() {
        assertThrows(IllegalArgumentException.class, () -> EncodedMask.fromLogits(new float[3], 2, 4, 4));
        assertThrows(IllegalArgumentException.class, () -> EncodedMask.fromLogits(new float[0], 0, 4, 4));
        assertEquals(0, Arrays.stream(EncodedMask.fromLogits(new float[0], 0, 0, 0).counts()).sum());
    }
}
