package dev.refseg.sam2;

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
    /** ImageNet mean and std (sam2/utils/transforms.py). */
    private static final float[] MEAN = {0.485f, 0.456f, 0.406f};
    private static final float[] STD = {0.229f, 0.224f, 0.225f};

    private Sam2Image() {
    }

    /** Packed RGB (h x w) to normalised NCHW [1,3,1024,1024], bilinear, half-pixel centres. */
    public static float[] preprocess(byte[] rgb, int w, int h, float[] out) {
        float[] dst = out != null && out.length == 3 * SIZE * SIZE ? out : new float[3 * SIZE * SIZE];
        int[] x0 = new int[SIZE];
        int[] x1 = new int[SIZE];
        float[] fx = new float[SIZE];
        axis(w, x0, x1, fx);
        int[] y0 = new int[SIZE];
        int[] y1 = new int[SIZE];
        float[] fy = new float[SIZE];
        axis(h, y0, y1, fy);
        float[] scale = new float[3];
        float[] bias = new float[3];
        for (int c = 0; c < 3; c++) {
            scale[c] = 1f / (255f * STD[c]);
            bias[c] = -MEAN[c] / STD[c];
        }
        int plane = SIZE * SIZE;
        for (int y = 0; y < SIZE; y++) {
            int r0 = y0[y] * w * 3;
            int r1 = y1[y] * w * 3;
            float wy = fy[y];
            for (int x = 0; x < SIZE; x++) {
                int a = x0[x] * 3;
                int b = x1[x] * 3;
                float wx = fx[x];
                for (int c = 0; c < 3; c++) {
                    float top = (rgb[r0 + a + c] & 0xff) * (1 - wx) + (rgb[r0 + b + c] & 0xff) * wx;
                    float bot = (rgb[r1 + a + c] & 0xff) * (1 - wx) + (rgb[r1 + b + c] & 0xff) * wx;
                    dst[c * plane + y * SIZE + x] = (top * (1 - wy) + bot * wy) * scale[c] + bias[c];
                }
            }
        }
        return dst;
    }

    /** Bilinear source indices and weights for resizing {@code src} samples to 1024 (half-pixel). */
    private static void axis(int src, int[] i0, int[] i1, float[] frac) {
        resampleAxis(src, SIZE, i0, i1, frac);
    }

    static void resampleAxis(int src, int dst, int[] i0, int[] i1, float[] frac) {
        float s = (float) src / dst;
        for (int i = 0; i < dst; i++) {
            float p = Math.max(0, (i + 0.5f) * s - 0.5f);
            int a = Math.min((int) p, src - 1);
            i0[i] = a;
            i1[i] = Math.min(a + 1, src - 1);
            frac[i] = p - a;
        }
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
