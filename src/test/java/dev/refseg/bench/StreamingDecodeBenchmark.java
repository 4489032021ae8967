package dev.refseg.bench;

import dev.refseg.media.ContainerDecoder;
import dev.refseg.media.IntakeLimits;
import dev.refseg.media.MediaSettings;
import dev.refseg.media.VideoWriter;
import dev.refseg.synth.SampleClip;
import dev.refseg.synth.SyntheticClip;
import dev.refseg.v1.ContainerFormat;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Benchmark (tag "probe", not in the suite): the bundled sample (48 frames, 10 fps) streamed as a live
 * source would send it — its bytes spread evenly over its 4.8 s — into a {@link ContainerDecoder}, as
 * faststart MP4 and as Matroska. Prints, per run, the frames decoded when the last byte is written
 * (before half-close), the time from the first byte to the first decoded frame, and the frames decoded
 * by then per second of stream sent.
 * <pre>./mvnw test -Dtest=StreamingDecodeBenchmark -Dsurefire.excludedGroups=none</pre>
 */
@Tag("probe")
class StreamingDecodeBenchmark {
    static final int RUNS = 5;
    static final int CHUNK = 4096;

    @Test
    void framesDecodedBeforeHalfClose() throws Exception {
        SyntheticClip clip = SampleClip.render();
        Path dir = Files.createTempDirectory("bench");
        for (String name : List.of("sample.mp4", "sample.mkv")) {
            Path f = dir.resolve(name);
            VideoWriter.write(f, clip.frames(), clip.width(), clip.height(), clip.spec().fps());
            byte[] file = Files.readAllBytes(f);
            double seconds = clip.frameCount() / clip.spec().fps();
            List<Integer> before = new ArrayList<>();
            List<Double> firstMs = new ArrayList<>();
            for (int run = 0; run < RUNS; run++) {
                AtomicLong firstFrameNanos = new AtomicLong();
                long t0 = System.nanoTime();
                try (ContainerDecoder d = new ContainerDecoder(Files.createTempDirectory(dir, "w"),
                        ContainerFormat.CONTAINER_FORMAT_UNSPECIFIED, Arrays.copyOf(file, 16), IntakeLimits.defaults(),
                        1L << 30, MediaSettings.defaults(), fr -> {
                            firstFrameNanos.compareAndSet(0, System.nanoTime());
                            fr.close();
                        })) {
                    for (int off = 0; off < file.length; off += CHUNK) {
                        long due = t0 + (long) (seconds * 1e9 * off / file.length);
                        long wait = due - System.nanoTime();
                        if (wait > 0) {
                            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                        }
                        d.write(Arrays.copyOfRange(file, off, Math.min(file.length, off + CHUNK)));
                    }
                    before.add(d.framesDecoded());
                    firstMs.add((firstFrameNanos.get() - t0) / 1e6);
                    d.finish();
                }
            }
            Collections.sort(before);
            System.out.printf("%s (%d bytes, streamed over %.1f s in %d-byte chunks, %d runs): frames decoded before "
                    + "half-close %s of %d (median %d); first frame after %s ms%n", name, file.length, seconds, CHUNK,
                    RUNS, before, clip.frameCount(), before.get(RUNS / 2), firstMs.stream()
                            .map(v -> String.format("%.0f", v)).toList());
        }
    }
}
