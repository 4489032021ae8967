package dev.refseg.cli;

import com.google.protobuf.ByteString;
import com.google.protobuf.TextFormat;
import dev.refseg.media.VideoWriter;
import dev.refseg.media.WavWriter;
import dev.refseg.synth.SampleClip;
import dev.refseg.synth.SyntheticClip;
import dev.refseg.v1.AudioChunk;
import dev.refseg.v1.Frame;
import dev.refseg.v1.MediaChunk;
import dev.refseg.v1.SegmentRequest;
import dev.refseg.v1.SegmentResponse;
import dev.refseg.v1.SegmenterGrpc;
import dev.refseg.v1.Start;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A small Segment client: streams a video to a running refseg and prints every event.
 * <pre>
 * refseg client [--target localhost:9000] [--text SENTENCE | --audio] (--sample | --mp4 FILE | --frames DIR) [--wav FILE]
 * </pre>
 * {@code --sample} streams the bundled synthetic sample as an MP4 with its audio track. {@code --audio}
 * makes the referent the sound (the WAV, else the MP4's own audio track) instead of a sentence.
 */
public final class ClientCli {
    private ClientCli() {
    }

    public static int run(String[] args, PrintStream out) throws Exception {
        String target = "localhost:9000";
        String text = null;
        Path mp4 = null;
        Path framesDir = null;
        Path wav = null;
        boolean sample = false;
        boolean audio = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--target" -> target = args[++i];
                case "--text" -> text = args[++i];
                case "--mp4" -> mp4 = Path.of(args[++i]);
                case "--frames" -> framesDir = Path.of(args[++i]);
                case "--wav" -> wav = Path.of(args[++i]);
                case "--sample" -> sample = true;
                case "--audio" -> audio = true;
                default -> {
                    out.println("unknown argument: " + args[i]);
                    out.println("usage: refseg client [--target HOST:PORT] [--text SENTENCE | --audio] "
                            + "(--sample | --mp4 FILE | --frames DIR) [--wav FILE]");
                    return 2;
                }
            }
        }
        List<SegmentRequest> requests = new ArrayList<>();
        Start.Builder start = Start.newBuilder();
        if (sample) {
            SyntheticClip clip = SampleClip.render();
            Path tmp = Files.createTempFile("refseg-sample", ".mp4");
            VideoWriter.write(tmp, clip.frames(), clip.width(), clip.height(), clip.spec().fps(),
                    VideoWriter.Options.DEFAULT.withAudio16k(clip.audio16k()));
            addMedia(requests, Files.readAllBytes(tmp));
            Files.delete(tmp);
            if (!audio) {
                start.setText(text != null ? text : clip.referents().get(0));
            }
        } else if (mp4 != null) {
            addMedia(requests, Files.readAllBytes(mp4));
        } else if (framesDir != null) {
            List<Path> files;
            try (Stream<Path> s = Files.list(framesDir)) {
                files = s.filter(p -> p.toString().matches(".*\\.(jpg|jpeg|png)$")).sorted().toList();
            }
            for (int i = 0; i < files.size(); i++) {
                requests.add(SegmentRequest.newBuilder().setFrame(Frame.newBuilder().setIndex(i)
                        .setData(ByteString.copyFrom(Files.readAllBytes(files.get(i))))).build());
            }
        } else {
            out.println("give --sample, --mp4 FILE or --frames DIR");
            return 2;
        }
        if (wav != null) {
            requests.add(SegmentRequest.newBuilder().setAudio(AudioChunk.newBuilder()
                    .setData(ByteString.copyFrom(Files.readAllBytes(wav)))).build());
        }
        if (audio) {
            if (text != null) {
                out.println("give --text or --audio, not both");
                return 2;
            }
            start.setAudio(dev.refseg.v1.AudioReferentSpec.getDefaultInstance());
        } else if (!start.hasText()) {
            start.setText(text != null ? text : "the object");
        }
        requests.add(0, SegmentRequest.newBuilder().setStart(start).build());
        return stream(target, requests, out);
    }

    private static void addMedia(List<SegmentRequest> requests, byte[] file) {
        int chunk = 64 * 1024;
        for (int off = 0; off < file.length; off += chunk) {
            requests.add(SegmentRequest.newBuilder().setMedia(MediaChunk.newBuilder()
                    .setData(ByteString.copyFrom(file, off, Math.min(chunk, file.length - off)))).build());
        }
    }

    private static int stream(String target, List<SegmentRequest> requests, PrintStream out) throws Exception {
        ManagedChannel channel = ManagedChannelBuilder.forTarget(target).usePlaintext().build();
        CountDownLatch done = new CountDownLatch(1);
        Status[] status = {Status.OK};
        try {
            StreamObserver<SegmentRequest> in = SegmenterGrpc.newStub(channel).segment(new StreamObserver<>() {
                @Override
                public void onNext(SegmentResponse r) {
                    out.println(r.getEventCase().name().toLowerCase() + " " + TextFormat.shortDebugString(r));
                }

                @Override
                public void onError(Throwable t) {
                    status[0] = Status.fromThrowable(t);
                    done.countDown();
                }

                @Override
                public void onCompleted() {
                    done.countDown();
                }
            });
            for (SegmentRequest r : requests) {
                in.onNext(r);
            }
            in.onCompleted();
            if (!done.await(10, TimeUnit.MINUTES)) {
                out.println("no answer within 10 minutes");
                return 1;
            }
        } finally {
            channel.shutdownNow();
        }
        out.println("status " + status[0].getCode() + (status[0].getDescription() != null
                ? ": " + status[0].getDescription() : ""));
        return status[0].isOk() ? 0 : 1;
    }
}
