package dev.refseg.sam2;

import dev.refseg.mask.PixelBox;
import dev.refseg.media.DecodedFrame;
import dev.refseg.synth.SampleClip;
import dev.refseg.synth.SyntheticClip;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Tag;

/**
 * Not part of the suite (tag "probe"): prints where tracking time goes, per graph, for each family's
 * fixtures. {@code ./mvnw test -Dtest=TrackingSpeedProbe -Dgroups=probe -Dsurefire.excludedGroups=none}.
 */
@Tag("probe")
class TrackingSpeedProbe {
    private static void add(Map<String, long[]> t, String k, long n) {
        long[] v = t.computeIfAbsent(k, x -> new long[2]);
        v[0] += n;
        v[1]++;
    }

    @ParameterizedTest
    @ValueSource(strings = {"nvidia", "transformers", "transformers-512"})
    void perGraphTimes(String family) throws Exception {
        try (TrackerHarness h = new TrackerHarness(family)) {
            SyntheticClip clip = SampleClip.render();
            for (int round = 0; round < 2; round++) {
                // Round 0 warms up; round 1 is measured.
                Map<String, long[]> t = new TreeMap<>();
                Sam2Tracker tr = new Sam2Tracker(h.models.sam2().create(h.models.registry(), new dev.refseg.runtime.GraphTimer() {
                    @Override
                    public void record(String k, long n) {
                        add(t, k, n);
                    }

                    @Override
                    public void step(String k, long n) {
                        add(t, "step " + k, n);
                    }
                }));
                TrackerState s = tr.init(i -> new DecodedFrame(i, 0, 320, 240, clip.frames().get(i)), 48, 320, 240);
                tr.addBox(s, 1, 0, PixelBox.of(clip.truth().get(0).get(0)));
                long t0 = System.nanoTime();
                tr.propagate(s, (f, d, m) -> { });
                long wall = System.nanoTime() - t0;
                if (round == 1) {
                    System.out.printf("PROBE %s total %.1f ms/frame%n", family, wall / 48e6);
                    t.forEach((k, v) -> System.out.printf("PROBE %s %s %.2f ms x %d = %.1f ms/frame%n", family, k,
                            v[0] / 1e6 / v[1], v[1], v[0] / 48e6));
                }
            }
        }
    }
}
