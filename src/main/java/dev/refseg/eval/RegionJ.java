package dev.refseg.eval;

import dev.refseg.mask.BinaryMask;

/** DAVIS region similarity J: intersection over union, 1 when both masks are empty (davis2017 db_eval_iou). */
public final class RegionJ {
    private RegionJ() {
    }

    public static double of(BinaryMask predicted, BinaryMask truth) {
        Masks.requireSameSize(predicted, truth);
        byte[] p = predicted.data();
        byte[] t = truth.data();
        long inter = 0;
        long union = 0;
        for (int i = 0; i < p.length; i++) {
            boolean a = p[i] != 0;
            boolean b = t[i] != 0;
            if (a && b) {
                inter++;
            }
            if (a || b) {
                union++;
            }
        }
        return union == 0 ? 1.0 : (double) inter / union;
    }
}
