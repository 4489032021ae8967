package dev.refseg.bench;

import dev.refseg.inference.ModelSet;
import com.google.protobuf.ByteString;
import dev.refseg.fixtures.FixtureModels;
import dev.refseg.inference.LocalInference;
import dev.refseg.inference.MediaSession;
import dev.refseg.runtime.OrtRuntime;
import dev.refseg.mask.MaskProtos;
import dev.refseg.mask.PixelBox;
import dev.refseg.media.IntakeLimits;
import dev.refseg.synth.ClipGenerator;
import dev.refseg.synth.ClipSpec;
import dev.refseg.v1.Frame;
import dev.refseg.v1.ImageFormat;
import dev.refseg.v1.OpenSession;
import dev.refseg.v1.Track;
import dev.refseg.v1.TrackPrompt;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Benchmark (tag "probe", not in the suite): streams a long synthetic clip (default 3000 frames of
 * 320x240, -Dbench.frames=N -Dbench.width=W -Dbench.height=H) into a media session as raw frames, tracks
 * one object from frame 0 with the fixture models as the service runs them (pipelined, threads chosen per
 * graph), and prints frames per second, heap after GC, direct buffers and resident memory every 500 frames.
 * <pre>./mvnw test -Dtest=LongStreamBenchmark -Dgroups=probe -Dsurefire.excludedGroups=none -DargLine=-Xmx512m</pre>
 */
@Tag("probe")
class LongStreamBenchmark {

    static long heapUsedMb() {
        System.gc();
        return (Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory()) >> 20;
    }

    static long directMb() {
        return ManagementFactory.getPlatformMXBeans(java.lang.management.BufferPoolMXBean.class).stream()
                .filter(b -> b.getName().equals("direct")).mapToLong(java.lang.management.BufferPoolMXBean::getMemoryUsed)
                .sum() >> 20;
    }

    static long rssMb() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D+", "")) >> 10;
            }
        }
        return -1;
    }

    @Test
    void longStreamStaysFlat() throws Exception {
        int frames = Integer.getInteger("bench.frames", 3000);
        int w = Integer.getInteger("bench.width", 320);
        int h = Integer.getInteger("bench.height", 240);
        ClipSpec spec = ClipGenerator.randomSpec(11, w, h, frames, 2, false);
        System.out.printf("BENCH max heap %d MB%n", Runtime.getRuntime().maxMemory() >> 20);
        Path dir = Files.createTempDirectory("bench-models");
        FixtureModels.writeAll(dir);
        try (ModelSet models = ModelSet.load(dir, new OrtRuntime(List.of("cpu"), 0, 0)
                .withThreads(java.util.Map.of(), 2))) {
            IntakeLimits limits = new IntakeLimits(16 << 20, 3840, 2160, frames, 600, 8 << 20, 64 << 20);
            LocalInference inference = new LocalInference(limits, 1L << 31, dir, 25, models, (g, n) -> { });
            try (MediaSession s = inference.openSession(OpenSession.getDefaultInstance())) {
                long t0 = System.nanoTime();
                for (int f = 0; f < frames; f++) {
                    s.addFrame(Frame.newBuilder().setIndex(f).setFormat(ImageFormat.IMAGE_FORMAT_RGB24).setWidth(w)
                            .setHeight(h).setData(ByteString.copyFrom(ClipGenerator.frame(spec, f).rgb())).build());
                }
                s.endOfInput();
                System.out.printf("BENCH intake %d frames in %.1f s; heap %d MB, RSS %d MB%n", frames,
                        (System.nanoTime() - t0) / 1e9, heapUsedMb(), rssMb());
                PixelBox box = PixelBox.of(ClipGenerator.frame(spec, 0).truth().get(1));
                long[] start = {System.nanoTime(), 0};
                s.track(Track.newBuilder().addPrompts(TrackPrompt.newBuilder().setObjectId(1).setFrameIndex(0)
                        .setBox(MaskProtos.box(box))).build(), m -> {
                            if (++start[1] % 500 == 0) {
                                try {
                                    System.out.printf("BENCH tracked %d frames, %.2f frames/s, heap %d MB, direct %d MB, "
                                            + "RSS %d MB%n", start[1], start[1] / ((System.nanoTime() - start[0]) / 1e9),
                                            heapUsedMb(), directMb(), rssMb());
                                } catch (Exception e) {
                                    throw new IllegalStateException(e);
                                }
                            }
                        });
            }
        }
    }
}
