package dev.refseg.mask;

import java.util.Arrays;

/**
 * A frame-size binary mask held as what the wire needs: its COCO RLE counts ({@link CocoRle} order:
 * column-major, first run background), its tight box ({@link PixelBox#of} convention, null when empty)
 * and its area in pixels. The pixels themselves are only rebuilt on demand ({@link #toBinaryMask}), so
 * a decoded frame's mask never exists as a {@code height x width} array unless PNG output or a caller
 * asks for it.
 *
 * <p>{@link #fromLogits} is SAM's mask upscale (bilinear, align_corners = false, then logit &gt; 0;
 * reference/models.md §1.4, as {@code Sam2Image.upscale}) fused with RLE, box and area in one pass.
 */
public final class EncodedMask {
    private final int height;
    private final int width;
    private final long[] counts;
    private final PixelBox box;
    private final long area;
    /** The pixels when they were given ({@link #of}); null when built from logits. */
    private final BinaryMask pixels;

    private EncodedMask(int height, int width, long[] counts, PixelBox box, long area, BinaryMask pixels) {
        this.height = height;
        this.width = width;
        this.counts = counts;
        this.box = box;
        this.area = area;
        this.pixels = pixels;
    }

    /** An existing mask (e.g. a client's prompt mask), encoded once; {@link #toBinaryMask} returns it as is. */
    public static EncodedMask of(BinaryMask m) {
        return new EncodedMask(m.height(), m.width(), CocoRle.counts(m), PixelBox.of(m), m.area(), m);
    }

    /** An empty {@code height x width} mask: one background run, no box, area 0. */
    public static EncodedMask empty(int height, int width) {
        return new EncodedMask(height, width, new long[] {(long) height * width}, null, 0, null);
    }

    /**
     * Upscales {@code side x side} row-major logits to a {@code height x width} frame and encodes the
     * result, bit for bit what {@code CocoRle.counts}, {@code PixelBox.of} and {@code BinaryMask.area}
     * give on {@code Sam2Image.upscale(logits, side, width, height)}.
     *
     * <p>Walks the frame column by column, so runs come out in COCO order and no full-size image is
     * needed: scratch is the resample tables (O(width + height)) and one horizontally interpolated
     * source column (O(side)). The arithmetic is the same float expressions in the same order as the
     * plain upscale, which is what makes the thresholds, and so the counts, identical.
     *
     * @throws IllegalArgumentException when {@code logits} holds fewer than {@code side * side} values, or a
     *     size is negative, or a non-empty frame is asked of {@code side = 0}
     */
    public static EncodedMask fromLogits(float[] logits, int side, int width, int height) {
        if (side < 0 || width < 0 || height < 0) {
            throw new IllegalArgumentException("sizes must be non-negative, got side " + side + ", frame "
                    + width + "x" + height);
        }
        if (logits.length < (long) side * side) {
            throw new IllegalArgumentException("logits hold " + logits.length + " values, expected " + side + "*" + side);
        }
        if (side == 0 && (long) width * height > 0) {
            throw new IllegalArgumentException("no logits (side 0) for a " + width + "x" + height + " frame");
        }
        int[] x0 = new int[width];
        int[] x1 = new int[width];
        float[] fx = new float[width];
        BilinearAxis.fill(side, width, x0, x1, fx);
        int[] y0 = new int[height];
        int[] y1 = new int[height];
        float[] fy = new float[height];
        BilinearAxis.fill(side, height, y0, y1, fy);
        // (1 - f) once per row instead of once per pixel: the same float, so the same result.
        float[] gy = new float[height];
        for (int y = 0; y < height; y++) {
            gy[y] = 1 - fy[y];
        }
        float[] column = new float[side];
        long[] runs = new long[16];
        int n = 0;
        boolean on = false;
        long run = 0;
        int minX = width;
        int maxX = -1;
        int minY = height;
        int maxY = -1;
        long area = 0;
        for (int x = 0; x < width; x++) {
            // Horizontal pass first: every source row's value at this column (the plain upscale's "top"
            // and "bot" are two of these), then the vertical blend per frame row.
            int a = x0[x];
            int b = x1[x];
            float wb = fx[x];
            float wa = 1 - wb;
            for (int r = 0, at = 0; r < side; r++, at += side) {
                column[r] = logits[at + a] * wa + logits[at + b] * wb;
            }
            int first = -1;
            int last = -1;
            for (int y = 0; y < height; y++) {
                boolean v = column[y0[y]] * gy[y] + column[y1[y]] * fy[y] > 0;
                if (v != on) {
                    if (n == runs.length) {
                        runs = Arrays.copyOf(runs, n * 2);
                    }
                    runs[n++] = run;
                    run = 0;
                    on = v;
                }
                run++;
                if (v) {
                    if (first < 0) {
                        first = y;
                    }
                    last = y;
                    area++;
                }
            }
            if (first >= 0) {
                minX = Math.min(minX, x);
                maxX = x;
                minY = Math.min(minY, first);
                maxY = Math.max(maxY, last);
            }
        }
        if (n == runs.length) {
            runs = Arrays.copyOf(runs, n + 1);
        }
        runs[n++] = run;
        PixelBox box = maxX < 0 ? null : new PixelBox(minX, minY, maxX + 1, maxY + 1);
        return new EncodedMask(height, width, Arrays.copyOf(runs, n), box, area, null);
    }

    public int height() {
        return height;
    }

    public int width() {
        return width;
    }

    /** Run lengths in COCO order (first run background). Shared, not copied: callers must not modify it. */
    public long[] counts() {
        return counts;
    }

    /** The compressed counts string ({@link CocoRle#toString(long[])}), built on each call. */
    public String countsString() {
        return CocoRle.toString(counts);
    }

    /** The tightest box around the mask's pixels, or null when the mask is empty. */
    public PixelBox box() {
        return box;
    }

    /** Foreground pixels. */
    public long area() {
        return area;
    }

    public boolean isEmpty() {
        return area == 0;
    }

    /**
     * The pixels, {@code height x width}: the mask given to {@link #of} itself, otherwise decoded from the
     * counts on each call (not kept, so holding an EncodedMask never holds a full-size image).
     */
    public BinaryMask toBinaryMask() {
        return pixels != null ? pixels : CocoRle.fromCounts(counts, height, width);
    }

    @Override
    public String toString() {
        return "EncodedMask[" + height + "x" + width + ", area=" + area + ", box="
                + (box == null ? "none" : box.corners()) + "]";
    }
}
