package dev.refseg.runtime;

import dev.refseg.mask.BilinearAxis;
/**
 * Packed RGB frames to the float NCHW tensors vision models take: bilinear resize with half-pixel
 * centres (what PIL/torchvision resizing amounts to without antialiasing), scaled to [0, 1] and
 * normalised per channel.
 */
public final class ImageTensors {
    /** ImageNet mean and std (SAM 2 and GroundingDINO both use them). */
    public static final float[] IMAGENET_MEAN = {0.485f, 0.456f, 0.406f};
    public static final float[] IMAGENET_STD = {0.229f, 0.224f, 0.225f};

    private ImageTensors() {
    }

    /**
     * [1,3,th,tw] from packed RGB (h x w); {@code out} is reused when it has the right size. Every side
     * must be at least 1: callers that scale a frame keep each side of the target at least as large as
     * their model needs (see {@code dev.refseg.detect.ImageFit}).
     */
    public static float[] normalizedNchw(byte[] rgb, int w, int h, int tw, int th, float[] mean, float[] std,
            float[] out) {
        checkSizes(w, h, tw, th, tw, th);
        float[] dst = out != null && out.length == 3 * tw * th ? out : new float[3 * tw * th];
        fill(rgb, w, h, tw, th, tw, th, mean, std, java.nio.FloatBuffer.wrap(dst));
        return dst;
    }

    /**
     * As {@link #normalizedNchw(byte[], int, int, int, int, float[], float[], float[])}, written into
     * {@code out} from index 0 (a direct buffer a graph then reads in place: no staging copy); its limit is
     * set to 3 * tw * th.
     *
     * @throws IllegalArgumentException when a side is below 1 or {@code out} is too small
     */
    public static java.nio.FloatBuffer normalizedNchw(byte[] rgb, int w, int h, int tw, int th, float[] mean,
            float[] std, java.nio.FloatBuffer out) {
        checkSizes(w, h, tw, th, tw, th);
        if (out.capacity() < 3 * tw * th) {
            throw new IllegalArgumentException("a buffer of " + out.capacity() + " values cannot hold 3x" + tw + "x" + th);
        }
        fill(rgb, w, h, tw, th, tw, th, mean, std, out);
        return out.clear().limit(3 * tw * th);
    }

    /**
     * [1,3,ph,pw]: the frame (packed RGB, h x w) resized to tw x th and normalised, at the top left of a
     * pw x ph tensor whose other pixels are 0 after normalisation, as the Hugging Face DETR-family image
     * processors pad (bottom and right, after normalising).
     *
     * @throws IllegalArgumentException when a side is below 1 or the image does not fit the padded size
     */
    public static float[] paddedNchw(byte[] rgb, int w, int h, int tw, int th, int pw, int ph, float[] mean,
            float[] std) {
        checkSizes(w, h, tw, th, pw, ph);
        float[] dst = new float[3 * pw * ph];
        fill(rgb, w, h, tw, th, pw, ph, mean, std, java.nio.FloatBuffer.wrap(dst));
        return dst;
    }

    private static void checkSizes(int w, int h, int tw, int th, int pw, int ph) {
        if (w < 1 || h < 1 || tw < 1 || th < 1 || tw > pw || th > ph) {
            throw new IllegalArgumentException("cannot resize " + w + "x" + h + " to " + tw + "x" + th
                    + (tw == pw && th == ph ? "" : " within " + pw + "x" + ph));
        }
    }

    /**
     * Resizes into the top-left tw x th of {@code dst}, whose planes are pw x ph. Separable: each source
     * row is resampled horizontally once (an upscale reads each source row for several output rows) and
     * kept while output rows still read it; the arithmetic is the plain per-pixel formula's, in the same
     * order, so the values are the same to the bit.
     */
    private static void fill(byte[] rgb, int w, int h, int tw, int th, int pw, int ph, float[] mean, float[] std,
            java.nio.FloatBuffer dst) {
        int[] x0 = new int[tw];
        int[] x1 = new int[tw];
        float[] fx = new float[tw];
        BilinearAxis.fill(w, tw, x0, x1, fx);
        int[] y0 = new int[th];
        int[] y1 = new int[th];
        float[] fy = new float[th];
        BilinearAxis.fill(h, th, y0, y1, fy);
        float[] scale = new float[3];
        float[] bias = new float[3];
        for (int c = 0; c < 3; c++) {
            scale[c] = 1f / (255f * std[c]);
            bias[c] = -mean[c] / std[c];
        }
        int plane = pw * ph;
        // Two resampled source rows, planar ([c * tw + x]); y0 and y1 never decrease, so two slots suffice.
        float[][] rows = new float[2][3 * tw];
        int[] rowIndex = {-1, -1};
        float[] line = new float[tw];
        for (int y = 0; y < th; y++) {
            float[] top = resampledRow(rgb, w, y0[y], -1, x0, x1, fx, rows, rowIndex);
            float[] bot = resampledRow(rgb, w, y1[y], y0[y], x0, x1, fx, rows, rowIndex);
            float wy = fy[y];
            for (int c = 0; c < 3; c++) {
                int src = c * tw;
                for (int x = 0; x < tw; x++) {
                    line[x] = (top[src + x] * (1 - wy) + bot[src + x] * wy) * scale[c] + bias[c];
                }
                dst.put(c * plane + y * pw, line, 0, tw);
            }
        }
    }

    /** Source row {@code k} resampled to tw columns, from the two-slot cache; the slot of {@code keep} is spared. */
    private static float[] resampledRow(byte[] rgb, int w, int k, int keep, int[] x0, int[] x1, float[] fx,
            float[][] rows, int[] rowIndex) {
        for (int i = 0; i < 2; i++) {
            if (rowIndex[i] == k) {
                return rows[i];
            }
        }
        int slot = rowIndex[0] == keep ? 1 : 0;
        float[] v = rows[slot];
        int tw = x0.length;
        int r = k * w * 3;
        for (int x = 0; x < tw; x++) {
            int a = r + x0[x] * 3;
            int b = r + x1[x] * 3;
            float wx = fx[x];
            for (int c = 0; c < 3; c++) {
                v[c * tw + x] = (rgb[a + c] & 0xff) * (1 - wx) + (rgb[b + c] & 0xff) * wx;
            }
        }
        rowIndex[slot] = k;
        return v;
    }
}
