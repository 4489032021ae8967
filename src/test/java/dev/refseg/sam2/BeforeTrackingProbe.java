package dev.refseg.sam2;

import dev.refseg.inference.ModelSet;
import dev.refseg.fixtures.FixtureModels;
import dev.refseg.runtime.GraphTimer;
import dev.refseg.runtime.OrtRuntime;
import dev.refseg.mask.PixelBox;
import dev.refseg.media.DecodedFrame;
import dev.refseg.media.ImageDecoder;
import dev.refseg.media.StillImageDecoder;
import dev.refseg.synth.ClipGenerator;
import dev.refseg.synth.SyntheticClip;
import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Not part of the suite (tag "probe"): {@link TrackingRatiosProbe}'s sequential measurement written against
 * only what the code before issue 10 already had, so the same file measures the "before" column of
 * BENCHMARKS.md ("Speed: the five ratios"): copy it into a checkout of commit 7e1253b and run
 * {@code ./mvnw test -Dtest=BeforeTrackingProbe -Dgroups=probe -Dsurefire.excludedGroups=none}. Runtime
 * threads 0, as the service configured them then (min(4, cores) there; chosen per graph now).
 */
@Tag("probe")
class BeforeTrackingProbe {
    private static final int FRAMES = 48;

    @ParameterizedTest
    @CsvSource({"320,240", "1280,720"})
    void before(int w, int h) throws Exception {
        int rounds = Integer.getInteger("probe.rounds", 5);
        Path dir = Files.createTempDirectory("before");
        FixtureModels.writeAll(dir);
        SyntheticClip clip = ClipGenerator.render(ClipGenerator.randomSpec(7, w, h, FRAMES, 2, false));
        List<byte[]> jpegs = new ArrayList<>();
        for (byte[] rgb : clip.frames()) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ImageIO.write(ImageDecoder.toImage(rgb, w, h), "jpg", out);
            jpegs.add(out.toByteArray());
        }
        StillImageDecoder decoder = new StillImageDecoder(1L << 26);
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long id = Thread.currentThread().getId();
        try (ModelSet models = ModelSet.load(dir, new OrtRuntime(List.of("cpu"), 0, 0))) {
            double[] wall = new double[rounds];
            double[] alloc = new double[rounds];
            for (int round = -1; round < rounds; round++) {
                Sam2Tracker tracker = new Sam2Tracker(models.sam2().create(models.registry(), GraphTimer.NONE));
                TrackerState s = tracker.init(i -> new DecodedFrame(i, 0, w, h,
                        decoder.decode(ImageDecoder.Kind.JPEG, jpegs.get(i)).rgb()), FRAMES, w, h);
                tracker.addBox(s, 1, 0, PixelBox.of(clip.truth().get(0).get(0)));
                long a0 = mx.getThreadAllocatedBytes(id);
                long t0 = System.nanoTime();
                tracker.propagate(s, (f, d, m) -> { });
                if (round >= 0) {
                    wall[round] = (System.nanoTime() - t0) / 1e6 / (FRAMES - 1);
                    alloc[round] = (mx.getThreadAllocatedBytes(id) - a0) / (double) (FRAMES - 1);
                }
                s.close();
            }
            Arrays.sort(wall);
            Arrays.sort(alloc);
            System.out.printf("PROBE before %dx%d: wall %.2f ms/frame, allocated %.2f MB/frame%n", w, h,
                    wall[rounds / 2], alloc[rounds / 2] / 1e6);
        }
    }
}
