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
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A small Segment client: streams a video to a running refseg and prints every event.
 * <pre>
 * refseg client [--target localhost:9000] [--text SENTENCE | --audio] (--sample | --mp4 FILE | --frames DIR) [--wav FILE]
 *               [--api-key KEY | --api-key-file FILE] [--tls | --ca-cert PEM] [--authority NAME]
 * </pre>
 * {@code --sample} streams the bundled synthetic sample as an MP4 with its audio track. {@code --audio}
 * makes the referent the sound (the WAV, else the MP4's own audio track) instead of a sentence. The
 * connection options are {@link ClientChannel}'s: the key (else {@code REFSEG_API_KEY}) is sent as
 * {@code authorization: Bearer KEY}; {@code --tls} trusts the system's CAs, {@code --ca-cert} those of a PEM
 * file (and implies TLS); {@code --authority} names the host the certificate must be for.
 */
public final class ClientCli {
    static final String USAGE = "usage: refseg client [--target HOST:PORT] [--text SENTENCE | --audio] "
            + "(--sample | --mp4 FILE | --frames DIR) [--wav FILE] [--api-key KEY | --api-key-file FILE] "
            + "[--tls | --ca-cert PEM] [--authority NAME]";

    private ClientCli() {
    }

    /**
     * Runs the client with the process's environment (see {@link #run(String[], PrintStream, Map)}).
     *
     * @param args the command's arguments (after {@code client})
     * @param out  where events, the final status and usage errors are printed
     * @return the exit code: 0 when the call ended OK, 1 when it ended with another status, 2 on a usage error
     * @throws Exception when an input file cannot be read or the sample cannot be rendered
     */
    public static int run(String[] args, PrintStream out) throws Exception {
        return run(args, out, System.getenv());
    }

    /**
     * Streams the chosen video to the server, printing each event and then {@code status CODE: description}.
     *
     * @param args the command's arguments (after {@code client})
     * @param out  where events, the final status and usage errors are printed
     * @param env  the environment, read for {@code REFSEG_API_KEY} when no key option is given
     * @return the exit code: 0 when the call ended OK, 1 when it ended with another status, 2 on a usage error
     *         (an unknown argument, a missing input, a bad key, an unreadable key or CA file)
     * @throws Exception when an input file cannot be read or the sample cannot be rendered
     */
    static int run(String[] args, PrintStream out, Map<String, String> env) throws Exception {
        String target = "localhost:9000";
        String text = null;
        Path mp4 = null;
        Path framesDir = null;
        Path wav = null;
        boolean sample = false;
        boolean audio = false;
        String apiKey = null;
        Path apiKeyFile = null;
        boolean tls = false;
        Path caCert = null;
        String authority = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--target" -> target = args[++i];
                case "--text" -> text = args[++i];
                case "--mp4" -> mp4 = Path.of(args[++i]);
                case "--frames" -> framesDir = Path.of(args[++i]);
                case "--wav" -> wav = Path.of(args[++i]);
                case "--sample" -> sample = true;
                case "--audio" -> audio = true;
                case "--api-key" -> apiKey = args[++i];
                case "--api-key-file" -> apiKeyFile = Path.of(args[++i]);
                case "--tls" -> tls = true;
                case "--ca-cert" -> caCert = Path.of(args[++i]);
                case "--authority" -> authority = args[++i];
                default -> {
                    out.println("unknown argument: " + args[i]);
                    out.println(USAGE);
                    return 2;
                }
            }
        }
        ClientChannel channel;
        try {
            channel = new ClientChannel(target, ClientChannel.apiKey(apiKey, apiKeyFile, env), tls, caCert, authority);
        } catch (IllegalArgumentException e) {
            out.println(e.getMessage());
            return 2;
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
        return stream(channel, requests, out);
    }

    private static void addMedia(List<SegmentRequest> requests, byte[] file) {
        int chunk = 64 * 1024;
        for (int off = 0; off < file.length; off += chunk) {
            requests.add(SegmentRequest.newBuilder().setMedia(MediaChunk.newBuilder()
                    .setData(ByteString.copyFrom(file, off, Math.min(chunk, file.length - off)))).build());
        }
    }

    private static int stream(ClientChannel to, List<SegmentRequest> requests, PrintStream out) throws Exception {
        ManagedChannel channel;
        try {
            channel = to.open();
        } catch (IOException e) {
            out.println(e.getMessage());
            return 2;
        }
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
        String description = status[0].getDescription();
        if (description != null && status[0].getCause() != null) {
            description = description.lines().findFirst().orElse(""); // the client's own: the rest is Netty's pipeline
        }
        out.println("status " + status[0].getCode() + (description != null ? ": " + description : "")
                + hint(status[0], to));
        return status[0].isOk() ? 0 : 1;
    }

    /**
     * What to try after a failed call when the cause is likely the connection options: a key for
     * UNAUTHENTICATED without one; for UNAVAILABLE, the transport error behind it (a refused certificate
     * shows only there) and the transport used.
     */
    static String hint(Status status, ClientChannel to) {
        if (status.getCode() == Status.Code.UNAUTHENTICATED && to.apiKey() == null) {
            return " (no API key was sent: give --api-key KEY, --api-key-file FILE or set " + ClientChannel.API_KEY_ENV + ")";
        }
        if (status.getCode() != Status.Code.UNAVAILABLE) {
            return "";
        }
        String said = String.valueOf(status.getDescription());
        if (said.startsWith("the inference sidecar") || said.startsWith("server is")) {
            return ""; // refseg's own (a gateway whose sidecar is down, a draining server): the connection is fine
        }
        Throwable root = status.getCause();
        while (root != null && root.getCause() != null) {
            root = root.getCause();
        }
        return (root != null ? " (" + root.getMessage() + ")" : "")
                + (to.secure() ? " [over TLS]" : " [in plain text: give --tls or --ca-cert PEM for a TLS server]");
    }
}
