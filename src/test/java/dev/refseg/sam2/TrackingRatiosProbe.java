package dev.refseg.sam2;

import dev.refseg.inference.ModelSet;
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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Not part of the suite (tag "probe"): issue 10's tracking ratios with the demo (NVIDIA fixture) models,
 * in one JVM, interleaved rounds, medians. A clip's frames are JPEG files decoded where they are used
 * (as the frame store does), one object prompted with a box on frame 0 and tracked through the clip:
 * <ul>
 *   <li>wall per tracked frame, pipelined ÷ bare ONNX Runtime time of that frame's graphs (the sum of
 *       {@code OrtSession.run} per tracked frame in the sequential run, as {@code refseg_model_run_seconds}
 *       measures it);</li>
 *   <li>tracked frames/s pipelined ÷ sequential;</li>
 *   <li>bytes allocated per tracked frame (JMX per-thread allocation counters of the tracking and the
 *       lookahead thread).</li>
 * </ul>
 * {@code ./mvnw test -Dtest=TrackingRatiosProbe -Dgroups=probe -Dsurefire.excludedGroups=none
 * [-Dprobe.threads=N] [-Dprobe.rounds=N] [-Dprobe.families=nvidia,transformers,transformers-512]
 * [-Dprobe.spinning=true]}
 */
@Tag("probe")
class TrackingRatiosProbe {
    private static final int FRAMES = 48;

    @ParameterizedTest
    @CsvSource({"nvidia,320,240", "nvidia,1280,720", "transformers,320,240", "transformers-512,320,240"})
    void ratios(String family, int w, int h) throws Exception {
        if (!System.getProperty("probe.families", "nvidia").contains(family)) {
            return;
        }
        int threads = Integer.getInteger("probe.threads", 1);
        int rounds = Integer.getInteger("probe.rounds", 5);
        Path dir = TrackerHarness.fixtures(family.equals("transformers") ? "transformers" : family);
        SyntheticClip clip = ClipGenerator.render(ClipGenerator.randomSpec(7, w, h, FRAMES, 2, false));
        List<byte[]> jpegs = new ArrayList<>();
        for (byte[] rgb : clip.frames()) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ImageIO.write(ImageDecoder.toImage(rgb, w, h), "jpg", out);
            jpegs.add(out.toByteArray());
        }
        ThreadLocal<StillImageDecoder> decoders = ThreadLocal.withInitial(() -> new StillImageDecoder(1L << 26));
        AtomicLong decodeNanos = new AtomicLong();
        java.util.function.IntFunction<DecodedFrame> frames = i -> {
            long t0 = System.nanoTime();
            byte[] rgb = decoders.get().decode(ImageDecoder.Kind.JPEG, jpegs.get(i)).rgb();
            decodeNanos.addAndGet(System.nanoTime() - t0);
            return new DecodedFrame(i, 0, w, h, rgb);
        };
        Thread[] lookaheadThread = new Thread[1];
        ExecutorService lookahead = Executors.newSingleThreadExecutor(r -> {
            lookaheadThread[0] = new Thread(r, "probe-lookahead");
            lookaheadThread[0].setDaemon(true);
            return lookaheadThread[0];
        });
        lookahead.submit(() -> { }).get();
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long[] ids = {Thread.currentThread().getId(), lookaheadThread[0].getId()};
        try (ModelSet models = ModelSet.load(dir, new OrtRuntime(List.of("cpu"), 0, threads)
                .withSpinning(Boolean.getBoolean("probe.spinning")))) {
            double[] seqWall = new double[rounds];
            double[] pipeWall = new double[rounds];
            double[] bare = new double[rounds];
            double[] seqAlloc = new double[rounds];
            double[] pipeAlloc = new double[rounds];
            for (int round = -1; round < rounds; round++) {
                for (boolean pipelined : new boolean[] {false, true}) {
                    AtomicLong ort = new AtomicLong();
                    java.util.Map<String, AtomicLong> parts = new java.util.concurrent.ConcurrentSkipListMap<>();
                    GraphTimer timer = new GraphTimer() {
                        @Override
                        public void record(String graph, long nanos) {
                            ort.addAndGet(nanos);
                            parts.computeIfAbsent(graph, k -> new AtomicLong()).addAndGet(nanos);
                        }

                        @Override
                        public void step(String step, long nanos) {
                            parts.computeIfAbsent(step, k -> new AtomicLong()).addAndGet(nanos);
                        }
                    };
                    Sam2Tracker tracker = new Sam2Tracker(models.sam2().create(models.registry(), timer),
                            pipelined ? lookahead : null);
                    TrackerState s = tracker.init(frames, FRAMES, w, h);
                    tracker.addBox(s, 1, 0, PixelBox.of(clip.truth().get(0).get(0)));
                    ort.set(0);
                    parts.clear();
                    decodeNanos.set(0);
                    long a0 = Arrays.stream(mx.getThreadAllocatedBytes(ids)).sum();
                    long t0 = System.nanoTime();
                    tracker.propagate(s, (f, d, m) -> { });
                    double wall = (System.nanoTime() - t0) / 1e6 / (FRAMES - 1);
                    double alloc = (Arrays.stream(mx.getThreadAllocatedBytes(ids)).sum() - a0) / (double) (FRAMES - 1);
                    s.close();
                    if (round == rounds - 1) {
                        StringBuilder line = new StringBuilder(String.format("PROBE %dx%d %s parts ms/frame: decode %.2f",
                                w, h, pipelined ? "pipelined" : "sequential", decodeNanos.get() / 1e6 / (FRAMES - 1)));
                        parts.forEach((k, v) -> line.append(String.format(", %s %.2f", k, v.get() / 1e6 / (FRAMES - 1))));
                        System.out.println(line);
                    }
                    if (round < 0) {
                        continue;
                    }
                    if (pipelined) {
                        pipeWall[round] = wall;
                        pipeAlloc[round] = alloc;
                    } else {
                        seqWall[round] = wall;
                        seqAlloc[round] = alloc;
                        bare[round] = ort.get() / 1e6 / (FRAMES - 1);
                    }
                }
            }
            double seq = median(seqWall);
            double pipe = median(pipeWall);
            double ortMs = median(bare);
            System.out.printf("PROBE " + family + " %dx%d intra-op %d: bare ORT %.2f ms/frame; wall sequential %.2f (%.2fx bare), "
                    + "pipelined %.2f (%.2fx bare); pipelined/sequential frames/s %.2f; allocated per frame "
                    + "sequential %.2f MB, pipelined %.2f MB%n", w, h, threads, ortMs, seq, seq / ortMs, pipe,
                    pipe / ortMs, seq / pipe, median(seqAlloc) / 1e6, median(pipeAlloc) / 1e6);
        } finally {
            lookahead.shutdownNow();
        }
    }

    private static double median(double[] v) {
        double[] c = v.clone();
        Arrays.sort(c);
        return c[c.length / 2];
    }
}
