package dev.refseg.sam2;

import dev.refseg.mask.PixelBox;
import dev.refseg.media.DecodedFrame;
import dev.refseg.synth.SampleClip;
import dev.refseg.synth.SyntheticClip;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Not part of the suite (tag "probe"): prints where tracking time goes. {@code ./mvnw test -Dtest=TrackingSpeedProbe -Dgroups=probe}. */
@Tag("probe")
class TrackingSpeedProbe {
    @Test
    void perGraphTimes() throws Exception {
        try (TrackerHarness h = new TrackerHarness()) {
            Map<String, long[]> t = new TreeMap<>();
            Sam2Model g = NvidiaSam2.of(h.models, (k, n) -> {
                        long[] v = t.computeIfAbsent(k, x -> new long[2]);
                        v[0] += n;
                        v[1]++;
                    });
            Sam2Tracker tr = new Sam2Tracker(g);
            SyntheticClip clip = SampleClip.render();
            TrackerState s = tr.init(i -> new DecodedFrame(i, 0, 320, 240, clip.frames().get(i)), 48, 320, 240);
            tr.addBox(s, 1, 0, PixelBox.of(clip.truth().get(0).get(0)));
            long t0 = System.nanoTime();
            tr.propagate(s, (f, d, m) -> { });
            System.out.printf("PROBE total %.1f ms/frame%n", (System.nanoTime() - t0) / 48e6);
            t.forEach((k, v) -> System.out.printf("PROBE %s %.1f ms x %d%n", k, v[0] / 1e6 / v[1], v[1]));
        }
    }
}
