package dev.refseg.eval;

import dev.refseg.mask.BinaryMask;

/**
 * DAVIS contour accuracy F (davis2017 {@code f_measure}): the F-measure of boundary precision and recall,
 * where a boundary pixel matches when the other mask's boundary lies within a disk of radius
 * {@code ceil(0.008 * image diagonal)}.
 * <p>
 * Empty-boundary conventions, as in DAVIS: both empty gives P = R = 1; only the prediction empty gives
 * P = 1, R = 0; only the truth empty gives P = 0, R = 1.
 */
public final class BoundaryF {
    /** DAVIS bound_th: fraction of the image diagonal. */
    public static final double BOUND_FRACTION = 0.008;

    private BoundaryF() {
    }

    public static double of(BinaryMask predicted, BinaryMask truth) {
        Masks.requireSameSize(predicted, truth);
        int h = truth.height();
        int w = truth.width();
        int radius = (int) Math.ceil(BOUND_FRACTION * Math.sqrt((double) h * h + (double) w * w));
        boolean[] fgB = boundary(predicted);
        boolean[] gtB = boundary(truth);
        boolean[] fgDil = dilate(fgB, h, w, radius);
        boolean[] gtDil = dilate(gtB, h, w, radius);
        long nFg = 0;
        long nGt = 0;
        long fgMatch = 0;
        long gtMatch = 0;
        for (int i = 0; i < fgB.length; i++) {
            if (fgB[i]) {
                nFg++;
                if (gtDil[i]) {
                    fgMatch++;
                }
            }
            if (gtB[i]) {
                nGt++;
                if (fgDil[i]) {
                    gtMatch++;
                }
            }
        }
        double precision;
        double recall;
        if (nFg == 0 && nGt > 0) {
            precision = 1;
            recall = 0;
        } else if (nFg > 0 && nGt == 0) {
            precision = 0;
            recall = 1;
        } else if (nFg == 0) {
            precision = 1;
            recall = 1;
        } else {
            precision = (double) fgMatch / nFg;
            recall = (double) gtMatch / nGt;
        }
        return precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
    }

    /**
     * davis2017 {@code _seg2bmap} at the mask's own size: a pixel is boundary when it differs from its
     * right, lower or lower-right neighbour; the last row compares with the right neighbour only, the
     * last column with the lower one only, and the bottom-right pixel is never boundary.
     */
    static boolean[] boundary(BinaryMask m) {
        int h = m.height();
        int w = m.width();
        byte[] d = m.data();
        boolean[] b = new boolean[h * w];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                boolean s = d[y * w + x] != 0;
                boolean e = x + 1 < w && d[y * w + x + 1] != 0;
                boolean so = y + 1 < h && d[(y + 1) * w + x] != 0;
                boolean se = x + 1 < w && y + 1 < h && d[(y + 1) * w + x + 1] != 0;
                boolean v;
                if (y == h - 1 && x == w - 1) {
                    v = false;
                } else if (y == h - 1) {
                    v = s ^ e;
                } else if (x == w - 1) {
                    v = s ^ so;
                } else {
                    v = (s ^ e) | (s ^ so) | (s ^ se);
                }
                b[y * w + x] = v;
            }
        }
        return b;
    }

    /** Binary dilation with the disk {@code dx² + dy² <= r²} (skimage.morphology.disk). */
    static boolean[] dilate(boolean[] src, int h, int w, int r) {
        boolean[] out = new boolean[src.length];
        int[] halfWidth = new int[r + 1];
        for (int dy = 0; dy <= r; dy++) {
            halfWidth[dy] = (int) Math.floor(Math.sqrt((double) r * r - (double) dy * dy));
        }
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                if (!src[y * w + x]) {
                    continue;
                }
                for (int dy = -r; dy <= r; dy++) {
                    int yy = y + dy;
                    if (yy < 0 || yy >= h) {
                        continue;
                    }
                    int hw = halfWidth[Math.abs(dy)];
                    int x0 = Math.max(0, x - hw);
                    int x1 = Math.min(w - 1, x + hw);
                    for (int xx = x0; xx <= x1; xx++) {
                        out[yy * w + xx] = true;
                    }
                }
            }
        }
        return out;
    }
}
