package dev.refseg.mask;

/**
 * Bilinear resampling along one axis with half-pixel centres (OpenCV's and PyTorch's
 * {@code align_corners=False}), shared by image tensors and mask resizing.
 */
public final class BilinearAxis {
    private BilinearAxis() {
    }

    /**
     * Source indices and weights for resizing {@code src} samples to {@code dst}: output sample i is
     * {@code in[i0[i]] * (1 - frac[i]) + in[i1[i]] * frac[i]}.
     *
     * @param src  the source length, ≥ 1
     * @param dst  the target length, ≥ 1; the three arrays hold at least this many entries
     * @param i0   filled with the left/top source index of each target sample
     * @param i1   filled with the right/bottom source index (clamped to the last sample)
     * @param frac filled with the weight of {@code i1}, in [0, 1)
     */
    public static void fill(int src, int dst, int[] i0, int[] i1, float[] frac) {
        float s = (float) src / dst;
        for (int i = 0; i < dst; i++) {
            float p = Math.max(0, (i + 0.5f) * s - 0.5f);
            int a = Math.min((int) p, src - 1);
            i0[i] = a;
            i1[i] = Math.min(a + 1, src - 1);
            frac[i] = p - a;
        }
    }
}
