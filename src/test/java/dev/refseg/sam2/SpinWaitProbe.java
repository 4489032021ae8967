package dev.refseg.sam2;

import dev.refseg.inference.ModelSet;
import dev.refseg.runtime.GraphTimer;
import dev.refseg.runtime.OrtRuntime;
import dev.refseg.mask.PixelBox;
import dev.refseg.media.DecodedFrame;
import dev.refseg.synth.SampleClip;
import dev.refseg.synth.SyntheticClip;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Not part of the suite (tag "probe"): wall and process CPU time per tracked frame with ONNX Runtime's
 * intra-op spin-waiting on (its default) and off (refseg's), interleaved rounds in one JVM, medians.
 * {@code ./mvnw test -Dtest=SpinWaitProbe -Dgroups=probe -Dsurefire.excludedGroups=none}.
 */
@Tag("probe")
class SpinWaitProbe {
    @Test
    void spinningOnAgainstOff() throws Exception {
        Path dir = TrackerHarness.fixtures("nvidia");
        SyntheticClip clip = SampleClip.render();
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        try (ModelSet on = ModelSet.load(dir, new OrtRuntime(List.of("cpu"), 0, 0).withSpinning(true));
                ModelSet off = ModelSet.load(dir, new OrtRuntime(List.of("cpu"), 0, 0).withSpinning(false))) {
            List<double[]> onRuns = new ArrayList<>();
            List<double[]> offRuns = new ArrayList<>();
            for (int round = 0; round < 7; round++) {
                for (boolean spin : new boolean[] {true, false}) {
                    ModelSet m = spin ? on : off;
                    Sam2Tracker tr = new Sam2Tracker(m.sam2().create(m.registry(), GraphTimer.NONE));
                    TrackerState s = tr.init(i -> new DecodedFrame(i, 0, 320, 240, clip.frames().get(i)), 48, 320, 240);
                    tr.addBox(s, 1, 0, PixelBox.of(clip.truth().get(0).get(0)));
                    long cpu0 = os.getProcessCpuTime();
                    long t0 = System.nanoTime();
                    tr.propagate(s, (f, d, ms) -> { });
                    double wall = (System.nanoTime() - t0) / 48e6;
                    double cpu = (os.getProcessCpuTime() - cpu0) / 48e6;
                    if (round > 0) {
                        (spin ? onRuns : offRuns).add(new double[] {wall, cpu});
                    }
                }
            }
            double[] a = medians(onRuns);
            double[] b = medians(offRuns);
            System.out.printf("PROBE spinning on : wall %.1f ms/frame, process CPU %.1f ms/frame (%.2f cores)%n", a[0],
                    a[1], a[1] / a[0]);
            System.out.printf("PROBE spinning off: wall %.1f ms/frame, process CPU %.1f ms/frame (%.2f cores)%n", b[0],
                    b[1], b[1] / b[0]);
            System.out.printf("PROBE off / on: wall %.2f, CPU %.2f%n", b[0] / a[0], b[1] / a[1]);
        }
    }

    private static double[] medians(List<double[]> runs) {
        double[] out = new double[2];
        for (int k = 0; k < 2; k++) {
            List<Double> v = new ArrayList<>();
            for (double[] r : runs) {
                v.add(r[k]);
            }
            Collections.sort(v);
            out[k] = v.get(v.size() / 2);
        }
        return out;
    }
}
