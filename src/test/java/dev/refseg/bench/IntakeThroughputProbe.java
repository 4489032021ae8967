package dev.refseg.bench;

import com.google.protobuf.ByteString;
import dev.refseg.api.TestPorts;
import dev.refseg.inference.InferenceBackend;
import dev.refseg.media.ImageDecoder;
import dev.refseg.media.VideoWriter;
import dev.refseg.synth.ClipGenerator;
import dev.refseg.synth.ClipSpec;
import dev.refseg.v1.Frame;
import dev.refseg.v1.ImageFormat;
import dev.refseg.v1.MediaChunk;
import dev.refseg.v1.SegmentRequest;
import dev.refseg.v1.SegmentResponse;
import dev.refseg.v1.SegmenterGrpc;
import dev.refseg.v1.Start;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Benchmark (tag "probe", not in the suite), issue 10 item 1: intake throughput end to end, as a load
 * client sees it, against two references measured in the same run.
 * <ul>
 * <li>JPEG: {@value #FRAMES} 640×480 synthetic JPEG frames, one {@code Frame} message each, streamed into a
 * Segment call of the test server, ÷ the same messages through a raw grpc-java echo (a Netty server on
 * loopback in this JVM, one bidi method that sends every message back).</li>
 * <li>MP4: the same clip as a {@value #FRAMES}-frame H.264 MP4 streamed in 64 KiB {@code MediaChunk}s into a
 * Segment call, ÷ the decode rate of {@code ffmpeg -i clip.mp4 -f null -} run as a process (frames ÷ wall
 * time of the process, start-up included).</li>
 * </ul>
 * Intake time of a Segment call: from the first message sent until the client receives the Progress event
 * with {@code input_complete} (the server sends it once every frame is accepted and the decoder flushed,
 * before any later stage); the call is then cancelled. Echo time: first message sent until the last echo
 * is received. The client respects flow control ({@code isReady}) the same way for both servers. Runs are
 * interleaved after a warm-up round; medians of {@value #RUNS}. Process CPU (client and server together)
 * per frame is printed beside.
 * <pre>./mvnw test -Dtest=IntakeThroughputProbe -Dgroups=probe -Dsurefire.excludedGroups=none</pre>
 */
@Tag("probe")
@QuarkusTest
@TestProfile(IntakeThroughputProbe.DefaultIntervals.class)
class IntakeThroughputProbe {
    static final int FRAMES = 600;
    static final int RUNS = 5;
    static final int CHUNK = 64 * 1024;

    /** The production Progress interval (the test profile sends one per frame). */
    public static class DefaultIntervals implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("refseg.intake.progress-interval", "250ms");
        }
    }

    static final MethodDescriptor<SegmentRequest, SegmentRequest> ECHO = MethodDescriptor
            .<SegmentRequest, SegmentRequest>newBuilder().setType(MethodDescriptor.MethodType.BIDI_STREAMING)
            .setFullMethodName("bench.Echo/Echo")
            .setRequestMarshaller(ProtoUtils.marshaller(SegmentRequest.getDefaultInstance()))
            .setResponseMarshaller(ProtoUtils.marshaller(SegmentRequest.getDefaultInstance())).build();

    @Inject
    InferenceBackend inference;

    /** One measured run: wall seconds and process CPU seconds. */
    record Run(double seconds, double cpuSeconds) {
    }

    @Test
    void intakeAgainstEchoAndFfmpeg() throws Exception {
        ClipSpec spec = ClipGenerator.randomSpec(5, 640, 480, FRAMES, 4, false);
        List<SegmentRequest> jpegs = new ArrayList<>();
        long jpegBytes = 0;
        for (int f = 0; f < FRAMES; f++) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            ImageIO.write(ImageDecoder.toImage(ClipGenerator.frame(spec, f).rgb(), 640, 480), "jpg", b);
            jpegBytes += b.size();
            jpegs.add(SegmentRequest.newBuilder().setFrame(Frame.newBuilder().setIndex(f)
                    .setFormat(ImageFormat.IMAGE_FORMAT_JPEG).setData(ByteString.copyFrom(b.toByteArray()))).build());
        }
        Path mp4 = Files.createTempFile("intake-probe", ".mp4");
        VideoWriter.write(mp4, new AbstractList<>() {
            @Override
            public byte[] get(int f) {
                return ClipGenerator.frame(spec, f).rgb();
            }

            @Override
            public int size() {
                return FRAMES;
            }
        }, 640, 480, spec.fps());
        byte[] file = Files.readAllBytes(mp4);
        List<SegmentRequest> chunks = new ArrayList<>();
        for (int off = 0; off < file.length; off += CHUNK) {
            chunks.add(SegmentRequest.newBuilder().setMedia(MediaChunk.newBuilder()
                    .setData(ByteString.copyFrom(file, off, Math.min(CHUNK, file.length - off)))).build());
        }
        System.out.printf(Locale.ROOT, "PROBE inputs: %d JPEG frames 640x480, %d bytes; MP4 %d bytes in %d chunks%n",
                FRAMES, jpegBytes, file.length, chunks.size());

        Server echo = NettyServerBuilder.forAddress(new InetSocketAddress("localhost", 0))
                .addService(ServerServiceDefinition.builder("bench.Echo")
                        .addMethod(ECHO, ServerCalls.asyncBidiStreamingCall(EchoCall::new)).build())
                .build().start();
        ManagedChannel echoChannel = channel(echo.getPort());
        ManagedChannel refseg = channel(TestPorts.grpc());
        List<Run> echoJpeg = new ArrayList<>();
        List<Run> refsegJpeg = new ArrayList<>();
        List<Run> echoMp4 = new ArrayList<>();
        List<Run> refsegMp4 = new ArrayList<>();
        List<Run> ffmpeg = new ArrayList<>();
        try {
            for (int round = 0; round <= RUNS; round++) {
                boolean measured = round > 0; // round 0 warms up the JIT and both servers
                add(measured, echoJpeg, echo(echoChannel, jpegs));
                add(measured, refsegJpeg, segment(refseg, jpegs));
                add(measured, echoMp4, echo(echoChannel, chunks));
                add(measured, refsegMp4, segment(refseg, chunks));
                add(measured, ffmpeg, ffmpeg(mp4));
            }
        } finally {
            refseg.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            echoChannel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            echo.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            Files.deleteIfExists(mp4);
        }
        report("JPEG frames, raw grpc-java echo", echoJpeg);
        report("JPEG frames, refseg Segment intake", refsegJpeg);
        report("MP4 chunks, raw grpc-java echo", echoMp4);
        report("MP4 chunks, refseg Segment intake", refsegMp4);
        report("MP4, ffmpeg -i clip.mp4 -f null - (process)", ffmpeg);
        System.out.printf(Locale.ROOT, "PROBE ratio JPEG intake / echo: %.3f (target >= 0.5)%n",
                median(echoJpeg) / median(refsegJpeg));
        System.out.printf(Locale.ROOT, "PROBE ratio MP4 intake / ffmpeg decode: %.3f (target >= 0.8)%n",
                median(ffmpeg) / median(refsegMp4));
        System.out.printf(Locale.ROOT, "PROBE ratio MP4 intake / echo of its chunks: %.3f%n",
                median(echoMp4) / median(refsegMp4));
    }

    private static void add(boolean measured, List<Run> to, Run r) {
        if (measured) {
            to.add(r);
        }
    }

    private static ManagedChannel channel(int port) {
        return ManagedChannelBuilder.forAddress("localhost", port).usePlaintext().maxInboundMessageSize(64 << 20)
                .build();
    }

    private static double median(List<Run> runs) {
        List<Double> s = new ArrayList<>(runs.stream().map(Run::seconds).toList());
        Collections.sort(s);
        return s.get(s.size() / 2);
    }

    private static void report(String what, List<Run> runs) {
        double m = median(runs);
        double cpu = runs.stream().mapToDouble(Run::cpuSeconds).sorted().toArray()[runs.size() / 2];
        System.out.printf(Locale.ROOT, "PROBE %-48s median %7.1f frames/s (%.3f s; runs %s); process CPU %.3f ms/frame%n",
                what, FRAMES / m, m, runs.stream().map(r -> String.format(Locale.ROOT, "%.3f", r.seconds())).toList(),
                cpu * 1e3 / FRAMES);
    }

    private static double cpuSeconds() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime() / 1e9;
    }

    /** The messages through the echo: first sent to last echo received. */
    private static Run echo(ManagedChannel channel, List<SegmentRequest> messages) throws InterruptedException {
        AtomicLong received = new AtomicLong();
        Stream<SegmentRequest> s = new Stream<>(m -> received.incrementAndGet() == messages.size());
        ClientCalls.asyncBidiStreamingCall(channel.newCall(ECHO, CallOptions.DEFAULT), s);
        return s.run(messages);
    }

    /**
     * The messages as a Segment call's media: first sent to the input-complete Progress; then the call
     * is cancelled and every session it held is awaited (so the next run starts on a quiet server).
     */
    private Run segment(ManagedChannel channel, List<SegmentRequest> media) throws InterruptedException {
        List<SegmentRequest> all = new ArrayList<>();
        all.add(SegmentRequest.newBuilder().setStart(Start.newBuilder().setText("the red disc")).build());
        all.addAll(media);
        Stream<SegmentResponse> s = new Stream<>(r -> r.hasProgress() && r.getProgress().getInputComplete());
        ClientCalls.asyncBidiStreamingCall(channel.newCall(SegmenterGrpc.getSegmentMethod(), CallOptions.DEFAULT), s);
        Run r = s.run(all);
        s.requests.cancel("intake measured", null);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (inference.openSessions() + inference.liveTrackers() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        return r;
    }

    /** The decode rate reference: the ffmpeg command, timed as a process. */
    private static Run ffmpeg(Path mp4) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder("ffmpeg", "-hide_banner", "-loglevel", "error", "-nostats", "-i",
                mp4.toString(), "-f", "null", "-").redirectErrorStream(true);
        long t0 = System.nanoTime();
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new IllegalStateException("ffmpeg is not on PATH: the MP4 reference cannot be measured ("
                    + e.getMessage() + ")", e);
        }
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IllegalStateException("ffmpeg failed: " + out);
        }
        return new Run((System.nanoTime() - t0) / 1e9, 0);
    }

    /**
     * A client stream that sends messages as fast as flow control allows and ends at the response
     * {@code last} accepts (or at the end of the call).
     */
    static final class Stream<R> implements ClientResponseObserver<SegmentRequest, R> {
        private final Predicate<R> last;
        private final CountDownLatch done = new CountDownLatch(1);
        private final Object ready = new Object();
        private volatile Status failed;
        ClientCallStreamObserver<SegmentRequest> requests;

        Stream(Predicate<R> last) {
            this.last = last;
        }

        @Override
        public void beforeStart(ClientCallStreamObserver<SegmentRequest> r) {
            requests = r;
            r.setOnReadyHandler(() -> {
                synchronized (ready) {
                    ready.notifyAll();
                }
            });
        }

        Run run(List<SegmentRequest> messages) throws InterruptedException {
            double cpu0 = cpuSeconds();
            long t0 = System.nanoTime();
            for (SegmentRequest m : messages) {
                synchronized (ready) {
                    while (!requests.isReady() && done.getCount() > 0) {
                        ready.wait(1);
                    }
                }
                requests.onNext(m);
            }
            requests.onCompleted();
            if (!done.await(120, TimeUnit.SECONDS)) {
                throw new AssertionError("no end within 120 s");
            }
            long t1 = System.nanoTime();
            if (failed != null) {
                throw new AssertionError("call failed: " + failed);
            }
            return new Run((t1 - t0) / 1e9, cpuSeconds() - cpu0);
        }

        @Override
        public void onNext(R value) {
            if (last.test(value)) {
                done.countDown();
            }
        }

        @Override
        public void onError(Throwable t) {
            if (done.getCount() > 0) {
                failed = Status.fromThrowable(t);
            }
            done.countDown();
        }

        @Override
        public void onCompleted() {
            done.countDown();
        }
    }

    /** The echo server's side of one call: every message straight back. */
    static final class EchoCall implements StreamObserver<SegmentRequest> {
        private final StreamObserver<SegmentRequest> out;

        EchoCall(StreamObserver<SegmentRequest> out) {
            this.out = out;
        }

        @Override
        public void onNext(SegmentRequest m) {
            out.onNext(m);
        }

        @Override
        public void onError(Throwable t) {
            // the client went away
        }

        @Override
        public void onCompleted() {
            out.onCompleted();
        }
    }
}
