package dev.refseg.eval;

import dev.refseg.mask.BinaryMask;
import java.util.List;

/**
 * AVSBench binary metrics, as its evaluation code computes them over a set of frames:
 * <ul>
 *   <li>mIoU: mean per-frame IoU; a frame whose ground truth is empty is scored on the background
 *       (IoU of the two backgrounds, over all pixels);</li>
 *   <li>F-score with beta² = 0.3: precision/recall curves at 255 thresholds linspace(0, 1 - 1e-10),
 *       averaged over frames (a frame with empty ground truth contributes 0), then the maximum over the
 *       thresholds.</li>
 * </ul>
 */
public final class AvsMetrics {
    public static final double BETA2 = 0.3;
    public static final int THRESHOLDS = 255;
    private static final double EPS_IOU = 1e-7;
    private static final double EPS_PR = 1e-20;

    private AvsMetrics() {
    }

    public static double meanIou(List<BinaryMask> predicted, List<BinaryMask> truth) {
        requireSameCount(predicted, truth);
        double sum = 0;
        for (int f = 0; f < predicted.size(); f++) {
            sum += frameIou(predicted.get(f), truth.get(f));
        }
        return predicted.isEmpty() ? 0 : sum / predicted.size();
    }

    static double frameIou(BinaryMask p, BinaryMask t) {
        Masks.requireSameSize(p, t);
        byte[] pd = p.data();
        byte[] td = t.data();
        long inter = 0;
        long union = 0;
        long bgInter = 0;
        boolean truthEmpty = true;
        for (int i = 0; i < pd.length; i++) {
            boolean a = pd[i] != 0;
            boolean b = td[i] != 0;
            truthEmpty &= !b;
            if (a && b) {
                inter++;
            }
            if (a || b) {
                union++;
            } else {
                bgInter++;
            }
        }
        if (truthEmpty) {
            return bgInter / (pd.length + EPS_IOU);
        }
        return inter / (union + EPS_IOU);
    }

    /** F-score of binary masks (treated as probabilities 0/1). */
    public static double fScore(List<BinaryMask> predicted, List<BinaryMask> truth) {
        requireSameCount(predicted, truth);
        float[][] probs = new float[predicted.size()][];
        for (int f = 0; f < predicted.size(); f++) {
            byte[] d = predicted.get(f).data();
            float[] p = new float[d.length];
            for (int i = 0; i < d.length; i++) {
                p[i] = d[i];
            }
            probs[f] = p;
        }
        return fScore(probs, truth);
    }

    /** F-score of per-pixel foreground probabilities in [0, 1] (row-major, one array per frame). */
    public static double fScore(float[][] probs, List<BinaryMask> truth) {
        if (probs.length != truth.size()) {
            throw new IllegalArgumentException("got " + probs.length + " predictions for " + truth.size() + " frames");
        }
        if (probs.length == 0) {
            return 0;
        }
        double[] fSum = new double[THRESHOLDS];
        for (int f = 0; f < probs.length; f++) {
            float[] p = probs[f];
            byte[] t = truth.get(f).data();
            long gtPos = 0;
            for (byte b : t) {
                gtPos += b;
            }
            for (int k = 0; k < THRESHOLDS; k++) {
                double th = (1 - 1e-10) * k / (THRESHOLDS - 1);
                long tp = 0;
                long predPos = 0;
                for (int i = 0; i < p.length; i++) {
                    if (p[i] >= th) {
                        predPos++;
                        if (t[i] != 0) {
                            tp++;
                        }
                    }
                }
                double prec = tp / (predPos + EPS_PR);
                double rec = tp / (gtPos + EPS_PR);
                double fk = (1 + BETA2) * prec * rec / (BETA2 * prec + rec);
                fSum[k] += Double.isNaN(fk) ? 0 : fk;
            }
        }
        double best = 0;
        for (double s : fSum) {
            best = Math.max(best, s / probs.length);
        }
        return best;
    }

    private static void requireSameCount(List<BinaryMask> a, List<BinaryMask> b) {
        if (a.size() != b.size()) {
            throw new IllegalArgumentException("got " + a.size() + " predictions for " + b.size() + " frames");
        }
    }
}
