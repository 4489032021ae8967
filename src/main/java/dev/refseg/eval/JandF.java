package dev.refseg.eval;

import dev.refseg.mask.BinaryMask;
import java.util.ArrayList;
import java.util.List;

/**
 * J, F and J&F of one object through a sequence, DAVIS style: per-frame J and F, their means over the
 * frames, and J&F = (J-mean + F-mean) / 2.
 */
public record JandF(double jMean, double fMean, double[] jPerFrame, double[] fPerFrame) {

    public double jf() {
        return (jMean + fMean) / 2;
    }

    public static JandF of(List<BinaryMask> predicted, List<BinaryMask> truth) {
        if (predicted.size() != truth.size()) {
            throw new IllegalArgumentException("got " + predicted.size() + " predicted masks for " + truth.size() + " frames");
        }
        int n = truth.size();
        double[] j = new double[n];
        double[] f = new double[n];
        for (int i = 0; i < n; i++) {
            j[i] = RegionJ.of(predicted.get(i), truth.get(i));
            f[i] = BoundaryF.of(predicted.get(i), truth.get(i));
        }
        return new JandF(mean(j), mean(f), j, f);
    }

    /** Mean J&F over several objects or sequences: mean of the J-means and of the F-means, halved. */
    public static double meanJf(List<JandF> scores) {
        if (scores.isEmpty()) {
            return 0;
        }
        List<Double> js = new ArrayList<>();
        List<Double> fs = new ArrayList<>();
        for (JandF s : scores) {
            js.add(s.jMean);
            fs.add(s.fMean);
        }
        return (js.stream().mapToDouble(Double::doubleValue).average().orElse(0)
                + fs.stream().mapToDouble(Double::doubleValue).average().orElse(0)) / 2;
    }

    private static double mean(double[] v) {
        if (v.length == 0) {
            return 0;
        }
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s / v.length;
    }
}
