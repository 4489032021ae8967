package dev.refseg.sam2;

import dev.refseg.mask.BilinearAxis;
import dev.refseg.runtime.ImageTensors;
import dev.refseg.mask.BinaryMask;
import dev.refseg.mask.PixelBox;

/**
 * SAM 2's client-side image maths (reference/models.md §1.3-1.4, §7.1 point 1): plain resize to SxS (no
 * aspect kept, no padding; S = 1024 for the NVIDIA export, read from the graph for the transformers
 * family) with mean/std normalisation, prompts scaled into SxS space, and the low-resolution logits
 * upscaled bilinearly (align_corners = false) straight to the frame size and thresholded at 0.
 */
public final class Sam2Image {
    /** The NVIDIA export's input side. */
    public static final int SIZE = 1024;
    /** The NVIDIA export's low-resolution mask side. */
    public static final int LOW_RES = 256;

    private Sam2Image() {
    }

    /** Packed RGB (h x w) to ImageNet-normalised NCHW [1,3,1024,1024], bilinear, half-pixel centres. */
    public static float[] preprocess(byte[] rgb, int w, int h, float[] out) {
        return preprocess(rgb, w, h, SIZE, ImageTensors.IMAGENET_MEAN, ImageTensors.IMAGENET_STD, out);
    }

    /**
     * Packed RGB (h x w) to NCHW [1,3,size,size] in {@code out} (a direct buffer the encoder reads in place;
     * a new one when null or too small), (x/255 - mean) / std per channel.
     */
    public static java.nio.FloatBuffer preprocess(byte[] rgb, int w, int h, int size, float[] mean, float[] std,
            java.nio.FloatBuffer out) {
        java.nio.FloatBuffer dst = out != null && out.capacity() >= 3 * size * size ? out
                : dev.refseg.runtime.BufferPool.direct(3L * size * size);
        return ImageTensors.normalizedNchw(rgb, w, h, size, size, mean, std, dst);
    }

    /** Packed RGB (h x w) to NCHW [1,3,size,size], (x/255 - mean) / std per channel; reuses {@code out} when it fits. */
    public static float[] preprocess(byte[] rgb, int w, int h, int size, float[] mean, float[] std, float[] out) {
        return ImageTensors.normalizedNchw(rgb, w, h, size, size, mean, std, out);
    }

    /** A box in frame pixels as SAM's two prompt points (top-left, bottom-right) in 1024 space. */
    public static float[] boxPoints(PixelBox box, int w, int h) {
        return boxPoints(box, w, h, SIZE);
    }

    /** A box in frame pixels as two prompt points [x1, y1, x2, y2] in the model's size x size space. */
    public static float[] boxPoints(PixelBox box, int w, int h, int size) {
        float sx = (float) size / w;
        float sy = (float) size / h;
        return new float[] {box.x1() * sx, box.y1() * sy, box.x2() * sx, box.y2() * sy};
    }

    /** 256x256 logits to a frame-size mask: bilinear (align_corners = false), then logit > 0. */
    public static BinaryMask upscale(float[] logits, int w, int h) {
        return upscale(logits, LOW_RES, w, h);
    }

    /** side x side logits to a frame-size (h x w) mask: bilinear (align_corners = false), then logit > 0. */
    public static BinaryMask upscale(float[] logits, int side, int w, int h) {
        int[] x0 = new int[w];
        int[] x1 = new int[w];
        float[] fx = new float[w];
        BilinearAxis.fill(side, w, x0, x1, fx);
        int[] y0 = new int[h];
        int[] y1 = new int[h];
        float[] fy = new float[h];
        BilinearAxis.fill(side, h, y0, y1, fy);
        byte[] d = new byte[w * h];
        for (int y = 0; y < h; y++) {
            int r0 = y0[y] * side;
            int r1 = y1[y] * side;
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
        return maskForMemory(m, SIZE);
    }

    /** A frame-size mask as SAM's binarised memory input: +10 inside, -10 outside, at size x size (nearest). */
    public static float[] maskForMemory(BinaryMask m, int size) {
        float[] out = new float[size * size];
        for (int y = 0; y < size; y++) {
            int sy = Math.min(m.height() - 1, (int) ((y + 0.5f) * m.height() / size));
            for (int x = 0; x < size; x++) {
                int sx = Math.min(m.width() - 1, (int) ((x + 0.5f) * m.width() / size));
                out[y * size + x] = m.get(sy, sx) ? 10f : -10f;
            }
        }
        return out;
    }
}
