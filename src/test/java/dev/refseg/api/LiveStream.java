package dev.refseg.api;

import com.google.protobuf.ByteString;
import dev.refseg.eval.BoundaryF;
import dev.refseg.eval.RegionJ;
import dev.refseg.mask.BinaryMask;
import dev.refseg.mask.MaskProtos;
import dev.refseg.synth.ClipGenerator;
import dev.refseg.synth.ClipSpec;
import dev.refseg.synth.Colour;
import dev.refseg.synth.ObjectSpec;
import dev.refseg.synth.Shape;
import dev.refseg.v1.Frame;
import dev.refseg.v1.ImageFormat;
import dev.refseg.v1.MaskFrame;
import dev.refseg.v1.Mode;
import dev.refseg.v1.Resume;
import dev.refseg.v1.ObjectMask;
import dev.refseg.v1.SegmentOptions;
import dev.refseg.v1.SegmentRequest;
import dev.refseg.v1.SegmentResponse;
import dev.refseg.v1.SegmenterGrpc;
import dev.refseg.v1.Start;
import dev.refseg.v1.Summary;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A test client for online mode: streams a synthetic clip, rendered frame by frame (so any length fits),
 * at a fixed rate as raw RGB frames, and reads the answers as they come (optionally slowly), scoring each
 * mask against the ground truth as it arrives so nothing but counts is kept.
 */
final class LiveStream {
    /** A red disc (the referent, object 0) and a blue square crossing the frame, 80x60 at 25 fps. */
    static ClipSpec clip(int frames) {
        return new ClipSpec(80, 60, frames, 25, List.of(
                new ObjectSpec(Shape.DISC, Colour.RED, 7, 20, 20, 0.7, 0.35, 7, 73, 7, 53, 0, 0),
                new ObjectSpec(Shape.SQUARE, Colour.BLUE, 6, 60, 40, -0.5, 0.25, 6, 74, 6, 54, 1, 0)),
                false, 5);
    }

    static final SegmentOptions WINDOW = SegmentOptions.newBuilder().setWindowFrames(30).setFramesPerWindow(5)
            .setFrameStep(6).build();

    /** What one stream gave. */
    static final class Result {
        Status status;
        Summary summary;
        int masks;
        int skipped;
        int duplicates;
        boolean[] seen;
        double jSum;
        double fSum;
        int scored;
        /** Output order checks: first the prompt frame, then backward, then live in order. */
        String orderProblem;
        /** When the call began ({@link System#nanoTime}); the times below count from it. */
        long startNanos;
        long firstMaskNanos;
        final List<String> skipReasons = new ArrayList<>();
        /** The first frame the stream is to answer (a resumed stream: the one after its last mask). */
        int from;
        /** The last MaskFrame received, and the prompted (key) frame's: what a client resumes from. */
        MaskFrame last;
        MaskFrame key;
        /** Re-acquisition events, in order. */
        final List<dev.refseg.v1.Reacquisition> reacquisitions = new java.util.concurrent.CopyOnWriteArrayList<>();
        /** Frames answered after the first re-acquisition that found the object (answered with its re-seed). */
        final List<Integer> afterFound = new ArrayList<>();
        /** Each scored frame's J (NaN where not scored). */
        double[] j;
        /**
         * Per frame from {@code from}, nanoseconds since the call began: when it was due (its slot at the
         * stream's rate, so time held back by flow control counts; with no rate, when it was sent), and its
         * lag, from then to its MaskFrame's arrival.
         */
        java.util.concurrent.atomic.AtomicLongArray sentNanos;
        long[] lagNanos;

        double meanJ() {
            return scored == 0 ? 0 : jSum / scored;
        }

        /** Mean J over frames {@code from} to {@code to - 1} that were scored. */
        double meanJ(int from, int to) {
            return java.util.stream.IntStream.range(from, to).mapToDouble(i -> j[i]).filter(v -> !Double.isNaN(v))
                    .average().orElse(0);
        }

        double meanJf() {
            return scored == 0 ? 0 : (jSum / scored + fSum / scored) / 2;
        }

        int missing() {
            int n = 0;
            for (int i = from; i < seen.length; i++) {
                n += seen[i] ? 0 : 1;
            }
            return n;
        }
    }

    /** Counted down when a re-acquisition finds the object (a test's client may wait for it). */
    final CountDownLatch reacquired = new CountDownLatch(1);
    /** MaskFrames received so far (a test's client may wait for some before it cuts the stream). */
    final java.util.concurrent.atomic.AtomicInteger answered = new java.util.concurrent.atomic.AtomicInteger();
    private final ClipSpec spec;
    private final SegmentOptions options;
    private final String referent;
    /** Null for a new stream. */
    private final Resume resume;

    LiveStream(ClipSpec spec, String referent, SegmentOptions options) {
        this(spec, referent, options, null);
    }

    /**
     * A stream resumed with {@code resume}: it sends the key frame's picture (when the resume has key
     * masks), the last frame's, then the frames after it, in the old numbering.
     */
    LiveStream(ClipSpec spec, String referent, SegmentOptions options, Resume resume) {
        this.spec = spec;
        this.referent = referent;
        this.options = options;
        this.resume = resume;
    }

    /** The frames sent, in order. */
    private int[] order() {
        if (resume == null) {
            return java.util.stream.IntStream.range(0, spec.frames()).toArray();
        }
        java.util.stream.IntStream seeds = resume.getKeyMasksCount() > 0
                ? java.util.stream.IntStream.of(resume.getKeyFrameIndex(), resume.getLastFrameIndex())
                : java.util.stream.IntStream.of(resume.getLastFrameIndex());
        return java.util.stream.IntStream.concat(seeds,
                java.util.stream.IntStream.range(resume.getLastFrameIndex() + 1, spec.frames())).toArray();
    }

    /**
     * Streams every frame, one each {@code periodNanos} (0: as fast as flow control lets), reading each
     * answer after {@code readDelayNanos}; returns once the call ended. {@code afterFrame} runs after each
     * frame is sent (e.g. to sample a gauge, or cancel).
     */
    Result run(StreamClient client, long periodNanos, long readDelayNanos, java.util.function.IntPredicate afterFrame)
            throws InterruptedException {
        Result r = new Result();
        r.seen = new boolean[spec.frames()];
        r.from = resume == null ? 0 : resume.getLastFrameIndex() + 1;
        int[] order = order();
        r.j = new double[spec.frames()];
        java.util.Arrays.fill(r.j, Double.NaN);
        r.sentNanos = new java.util.concurrent.atomic.AtomicLongArray(spec.frames());
        r.lagNanos = new long[spec.frames()];
        CountDownLatch done = new CountDownLatch(1);
        long t0 = System.nanoTime();
        r.startNanos = t0;
        ClientCallStreamObserver<SegmentRequest>[] requests = new ClientCallStreamObserver[1];
        ClientResponseObserver<SegmentRequest, SegmentResponse> responses = new ClientResponseObserver<>() {
            private int lastLive = -1;
            private boolean backwardOver;

            @Override
            public void beforeStart(ClientCallStreamObserver<SegmentRequest> stream) {
                requests[0] = stream;
                stream.disableAutoRequestWithInitial(1);
            }

            @Override
            public void onNext(SegmentResponse e) {
                if (e.hasMask()) {
                    take(r, e.getMask());
                } else if (e.hasReacquisition()) {
                    r.reacquisitions.add(e.getReacquisition());
                    if (e.getReacquisition().getFound()) {
                        reacquired.countDown();
                    }
                } else if (e.hasSummary()) {
                    r.summary = e.getSummary();
                }
                if (readDelayNanos > 0) {
                    LockSupport.parkNanos(readDelayNanos);
                }
                requests[0].request(1);
            }

            private void take(Result r, MaskFrame m) {
                int i = m.getFrameIndex();
                long now = System.nanoTime() - t0;
                if (r.masks == 0) {
                    r.firstMaskNanos = now;
                }
                if (i >= r.from) {
                    r.lagNanos[i] = now - r.sentNanos.get(i);
                }
                r.masks++;
                answered.incrementAndGet();
                r.last = m;
                if (reacquired.getCount() == 0) {
                    r.afterFound.add(i);
                }
                if (m.getDirection() == dev.refseg.v1.PassDirection.PASS_DIRECTION_PROMPT) {
                    r.key = m;
                }
                if (r.seen[i]) {
                    r.duplicates++;
                }
                r.seen[i] = true;
                switch (m.getDirection()) {
                    case PASS_DIRECTION_BACKWARD -> {
                        if (backwardOver) {
                            order(r, "backward frame " + i + " after live frames");
                        }
                    }
                    case PASS_DIRECTION_LIVE, PASS_DIRECTION_UNSPECIFIED -> {
                        backwardOver = true;
                        if (i <= lastLive) {
                            order(r, "live frame " + i + " after " + lastLive);
                        }
                        lastLive = i;
                    }
                    default -> {
                    }
                }
                if (m.getSkipped()) {
                    r.skipped++;
                    if (r.skipReasons.size() < 3) {
                        r.skipReasons.add(m.getSkipReason());
                    }
                    return;
                }
                ClipGenerator.RenderedFrame truth = ClipGenerator.frame(spec, i);
                BinaryMask predicted = BinaryMask.empty(spec.height(), spec.width());
                for (ObjectMask om : m.getObjectsList()) {
                    if (om.getObjectId() == 1) {
                        predicted = MaskProtos.fromRle(om.getRle(), "rle");
                    }
                }
                r.j[i] = RegionJ.of(predicted, truth.truth().get(0));
                r.jSum += r.j[i];
                r.fSum += BoundaryF.of(predicted, truth.truth().get(0));
                r.scored++;
            }

            private void order(Result r, String problem) {
                if (r.orderProblem == null) {
                    r.orderProblem = problem;
                }
            }

            @Override
            public void onError(Throwable t) {
                r.status = Status.fromThrowable(t);
                done.countDown();
            }

            @Override
            public void onCompleted() {
                r.status = Status.OK;
                done.countDown();
            }
        };
        SegmenterGrpc.newStub(client.channel).segment(responses);
        Start.Builder start = Start.newBuilder().setText(referent).setMode(Mode.MODE_ONLINE).setOptions(options);
        if (resume != null) {
            start.setResume(resume);
        }
        requests[0].onNext(SegmentRequest.newBuilder().setStart(start).build());
        long next = System.nanoTime();
        for (int k = 0; k < order.length && done.getCount() > 0; k++) {
            int i = order[k];
            long due = next;
            if (periodNanos > 0) {
                LockSupport.parkNanos(next - System.nanoTime());
                next += periodNanos;
            }
            while (!requests[0].isReady() && done.getCount() > 0) {
                LockSupport.parkNanos(200_000); // the server holds us back: flow control
            }
            if (i >= r.from) {
                r.sentNanos.set(i, (periodNanos > 0 ? due : System.nanoTime()) - t0);
            }
            requests[0].onNext(SegmentRequest.newBuilder().setFrame(frame(i)).build());
            if (!afterFrame.test(i)) {
                requests[0].cancel("test cancels", null);
                return r;
            }
        }
        requests[0].onCompleted();
        if (!done.await(300, TimeUnit.SECONDS)) {
            throw new AssertionError("the stream did not end; masks so far " + r.masks);
        }
        return r;
    }

    Frame frame(int i) {
        ClipGenerator.RenderedFrame f = ClipGenerator.frame(spec, i);
        return Frame.newBuilder().setIndex(i).setTimestampUs(Math.round(i * 1e6 / spec.fps())).setFormat(ImageFormat.IMAGE_FORMAT_RGB24)
                .setWidth(spec.width()).setHeight(spec.height()).setData(ByteString.copyFrom(f.rgb())).build();
    }
}
