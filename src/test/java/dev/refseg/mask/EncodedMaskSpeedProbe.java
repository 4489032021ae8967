package dev.refseg.mask;

import dev.refseg.sam2.Sam2Image;
import java.lang.management.ManagementFactory;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Not part of the suite (tag "probe"): time and bytes allocated per mask, plain path (upscale to a
 * BinaryMask, then CocoRle.encode and PixelBox.of, as the wire message did) against
 * {@link EncodedMask#fromLogits}, on 256x256 blob logits at 320x240 and 1280x720.
 * {@code ./mvnw test -Dtest=EncodedMaskSpeedProbe -Dgroups=probe -Dsurefire.excludedGroups=none}.
 */
@Tag("probe")
class EncodedMaskSpeedProbe {
    private static final int SIDE = 256;
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    /** Keeps results alive so the JIT cannot drop the work. */
    private static long sink;

    @Test
    void plainAgainstFused() {
        float[] logits = blobs();
        for (int[] f : new int[][] {{320, 240}, {1280, 720}}) {
            int w = f[0];
            int h = f[1];
            int reps = 40_000_000 / (w * h) + 20;
            for (int round = 0; round < 3; round++) {
                // Rounds 0-1 warm up; round 2 is measured.
                long[] plain = measure(reps, () -> {
                    BinaryMask m = Sam2Image.upscale(logits, SIDE, w, h);
                    sink += CocoRle.encode(m).length() + (PixelBox.of(m) == null ? 0 : 1);
                });
                long[] fused = measure(reps, () -> {
                    EncodedMask m = EncodedMask.fromLogits(logits, SIDE, w, h);
                    sink += m.countsString().length() + (m.box() == null ? 0 : 1);
                });
                if (round == 2) {
                    System.out.printf("PROBE %dx%d plain %.3f ms %d B/mask, fused %.3f ms %d B/mask, "
                            + "time ratio %.2fx, bytes ratio %.0fx (%d reps)%n", w, h, plain[0] / 1e6 / reps,
                            plain[1] / reps, fused[0] / 1e6 / reps, fused[1] / reps,
                            (double) plain[0] / fused[0], (double) plain[1] / fused[1], reps);
                }
            }
        }
    }

    /** {nanoseconds, bytes allocated} for {@code reps} runs on this thread. */
    private static long[] measure(int reps, Runnable r) {
        long id = Thread.currentThread().getId();
        long b0 = THREADS.getThreadAllocatedBytes(id);
        long t0 = System.nanoTime();
        for (int i = 0; i < reps; i++) {
            r.run();
        }
        long t = System.nanoTime() - t0;
        return new long[] {t, THREADS.getThreadAllocatedBytes(id) - b0};
    }

    /** Three round blobs (positive inside), like a decoder's mask logits. */
    private static float[] blobs() {
        SplittableRandom r = new SplittableRandom(7);
        float[] a = new float[SIDE * SIDE];
        double[][] b = new double[3][];
        for (int k = 0; k < b.length; k++) {
            b[k] = new double[] {r.nextDouble(SIDE), r.nextDouble(SIDE), r.nextDouble(10, 60)};
        }
        for (int i = 0; i < a.length; i++) {
            double v = -8;
            for (double[] c : b) {
                v = Math.max(v, (c[2] - Math.hypot(i % SIDE - c[0], i / SIDE - c[1])) / 4);
            }
            a[i] = (float) v;
        }
        return a;
    }
}
