package dev.refseg.sam2;

import dev.refseg.inference.ImageTensors;
import dev.refseg.mask.BinaryMask;
import dev.refseg.mask.PixelBox;

/**
 * SAM 2's client-side image maths (reference/models.md §1.3-1.4): plain resize to 1024x1024 (no aspect
 * kept, no padding) with ImageNet normalisation, prompts scaled into 1024 space, and the 256x256
 * low-resolution logits upscaled bilinearly (align_corners = false) straight to the frame size and
 * thresholded at 0.
 */
public final class Sam2Image {
    public static final int SIZE = 1024;
    public static final int LOW_RES = 256;

    private Sam2Image() {
    }

    /** Packed RGB (h x w) to normalised NCHW [1,3,1024,1024], bilinear, half-pixel centres. */
    public static float[] preprocess(byte[] rgb, int w, int h, float[] out) {
        return ImageTensors.normalizedNchw(rgb, w, h, SIZE, SIZE, ImageTensors.IMAGENET_MEAN, ImageTensors.IMAGENET_STD,
                out);
    }

    static void resampleAxis(int src, int dst, int[] i0, int[] i1, float[] frac) {
        ImageTensors.resampleAxis(src, dst, i0, i1, frac);
    }

    /** A box in frame pixels as SAM's two prompt points (top-left, bottom-right) in 1024 space. */
    public static float[] boxPoints(PixelBox box, int w, int h) {
        float sx = (float) SIZE / w;
        float sy = (float) SIZE / h;
        return new float[] {box.x1() * sx, box.y1() * sy, box.x2() * sx, box.y2() * sy};
    }

    /** 256x256 logits to a frame-size mask: bilinear (align_corners = false), then logit > 0. */
    public static BinaryMask upscale(float[] logits, int w, int h) {
        int[] x0 = new int[w];
        int[] x1 = new int[w];
        float[] fx = new float[w];
        resampleAxis(LOW_RES, w, x0, x1, fx);
        int[] y0 = new int[h];
        int[] y1 = new int[h];
        float[] fy = new float[h];
        resampleAxis(LOW_RES, h, y0, y1, fy);
        byte[] d = new byte[w * h];
        for (int y = 0; y < h; y++) {
            int r0 = y0[y] * LOW_RES;
            int r1 = y1[y] * LOW_RES;
            for (int x = 0; x < w; x++) {
                float top = logits[r0 + x0[x]] * (1 - fx[x]) + logits[r0 + x1[x]] * fx[x];
                float bot = logits[r1 + x0[x]] * (1 - fx[x]) + logits[r1 + x1[x]] * fx[x];
                d[y * w + x] = (byte) (top * (1 - fy[y]) + bot * fy[y] > 0 ? 1 : 0);
            }
        }
        return new BinaryMask(h, w, d);
    }

    /** A frame-size mask as SAM's binarised memory input: +10 inside, -10 outside, at 1024x1024 (nearest). */
    public static float[] maskForMemory(BinaryMask m) {
        float[] out = new float[SIZE * SIZE];
        for (int y = 0; y < SIZE; y++) {
            int sy = Math.min(m.height() - 1, (int) ((y + 0.5f) * m.height() / SIZE));
            for (int x = 0; x < SIZE; x++) {
                int sx = Math.min(m.width() - 1, (int) ((x + 0.5f) * m.width() / SIZE));
                out[y * SIZE + x] = m.get(sy, sx) ? 10f : -10f;
            }
        }
        return out;
    }
}
