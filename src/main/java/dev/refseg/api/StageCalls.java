package dev.refseg.api;

import dev.refseg.errors.OneLine;
import dev.refseg.errors.Errors;
import dev.refseg.errors.Fields;
import dev.refseg.inference.InferenceBackend;
import dev.refseg.inference.MediaSession;
import dev.refseg.llm.AskedQuestions;
import dev.refseg.segment.SegmentMetrics;
import dev.refseg.segment.SessionSlots;
import dev.refseg.v1.Frame;
import dev.refseg.v1.OpenSession;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Function;
import org.jboss.logging.Logger;

/**
 * What the unary stage RPCs (KeySelection, AudioReferent) share: each call runs on a session worker
 * with its LLM questions abandoned when the client leaves, and its frames go into a short-lived media
 * session (renumbered 0..n-1 there; errors name them as the request does, {@code frames[i]}).
 */
final class StageCalls {
    private static final Logger LOG = Logger.getLogger(StageCalls.class);
    static final int MAX_FRAMES = 16;

    private final ExecutorService workers;
    private final InferenceBackend inference;
    private final SessionSlots slots;
    private final SegmentMetrics metrics;
    private final Draining draining;

    StageCalls(ExecutorService workers, InferenceBackend inference, SessionSlots slots, SegmentMetrics metrics,
            Draining draining) {
        this.workers = workers;
        this.draining = draining;
        this.inference = inference;
        this.slots = slots;
        this.metrics = metrics;
    }

    /**
     * Opens a media session holding the frames (renumbered 0..n-1), then {@code alsoAdd} (e.g. audio),
     * ends the input, runs {@code work}, always closes it.
     */
    <T> T withFrames(String tag, List<Frame> frames, boolean keepStoredOrientation, Consumer<MediaSession> alsoAdd,
            Function<MediaSession, T> work) {
        slots.acquire();
        try (MediaSession media = inference.openSession(OpenSession.newBuilder().setTag(tag)
                .setKeepStoredOrientation(keepStoredOrientation).build())) {
            for (int i = 0; i < frames.size(); i++) {
                try {
                    // Renumbered and without timestamps (checked in indices()): the frames may come in any order.
                    media.addFrame(frames.get(i).toBuilder().setIndex(i).setTimestampUs(0).build());
                } catch (StatusRuntimeException e) {
                    throw new StatusRuntimeException(e.getStatus().withDescription(asFramesField(i,
                            e.getStatus().getDescription())));
                }
            }
            alsoAdd.accept(media);
            media.endOfInput();
            try {
                return work.apply(media);
            } catch (StatusRuntimeException e) {
                // A frame found corrupt when it is decoded (after intake): named as the request names it.
                String d = e.getStatus().getDescription();
                if (d == null || !d.startsWith("frame[")) {
                    throw e;
                }
                throw new StatusRuntimeException(e.getStatus().withDescription("frames[" + d.substring("frame[".length())));
            }
        } finally {
            slots.release();
        }
    }

    /**
     * Runs one call on a session worker, with a session id in the log MDC ({@link SessionLog}). When the
     * client cancels or the deadline passes, the call's LLM question is abandoned at once (request aborted,
     * slot freed) and the call ends CANCELLED. While the server drains ({@link Draining}) a new call is
     * refused with UNAVAILABLE; one still running at the drain timeout has its questions abandoned and ends
     * with the drain's UNAVAILABLE once its work stops.
     */
    <T> void run(String rpc, StreamObserver<T> responses, Function<AskedQuestions, T> work) {
        ServerCallStreamObserver<T> call = (ServerCallStreamObserver<T>) responses;
        AskedQuestions questions = new AskedQuestions();
        AtomicReference<StatusRuntimeException> drained = new AtomicReference<>();
        Draining.Running running = status -> {
            drained.compareAndSet(null, status);
            questions.cancelAll();
        };
        if (!draining.admit(running)) {
            metrics.call(rpc, Status.Code.UNAVAILABLE.name());
            responses.onError(Draining.refusal());
            return;
        }
        call.setOnCancelHandler(questions::cancelAll);
        String session = SessionLog.newId();
        long t0 = System.nanoTime();
        try {
            // With the call's trace context (its gRPC span when tracing is on), as StreamingCall does.
            workers.execute(io.opentelemetry.context.Context.current().wrap(() -> SessionLog.run(session, () -> {
                try {
                    T result = work.apply(questions);
                    if (call.isCancelled()) {
                        throw Status.CANCELLED.withDescription("the client cancelled the call").asRuntimeException();
                    }
                    if (drained.get() != null) {
                        throw drained.get(); // its answer may rest on abandoned questions: not sent
                    }
                    responses.onNext(result);
                    responses.onCompleted();
                    metrics.call(rpc, "OK");
                    LOG.infof("%s call ended: OK after %s s", rpc, StreamingCall.seconds(System.nanoTime() - t0));
                } catch (RuntimeException | Error e) {
                    StatusRuntimeException s = drained.get() != null ? drained.get()
                            : e instanceof StatusRuntimeException sre ? sre
                            : e instanceof Error err ? dev.refseg.errors.Errors.ofError(err)
                            : Status.INTERNAL.withDescription("internal error: " + e).withCause(e).asRuntimeException();
                    if (s.getStatus().getCode() == Status.Code.INTERNAL || e instanceof Error) {
                        LOG.errorf(e, "%s failed", rpc);
                    }
                    metrics.call(rpc, s.getStatus().getCode().name());
                    LOG.infof("%s call ended: %s after %s s: %s", rpc, s.getStatus().getCode(),
                            StreamingCall.seconds(System.nanoTime() - t0), OneLine.of(s.getStatus().getDescription()));
                    responses.onError(s);
                } finally {
                    draining.done(running);
                }
            })));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            draining.done(running);
            responses.onError(Status.UNAVAILABLE.withDescription("server is shutting down").asRuntimeException());
        }
    }

    /**
     * The media session names the i-th frame "frame[i]" (it holds them renumbered 0..n-1); the client sent
     * it as "frames[i]" of this request.
     */
    private static String asFramesField(int i, String description) {
        String session = "frame[" + i + "]";
        return description != null && description.startsWith(session)
                ? "frames[" + i + "]" + description.substring(session.length())
                : "frames[" + i + "]: " + description;
    }

    /**
     * The frames' stream indices, in the order given: 1..16 frames, each index once, 0 to 2³¹ - 1; each
     * timestamp checked as Segment checks it (not negative), though the frames need not be in time order.
     */
    static List<Integer> indices(List<Frame> frames) {
        if (frames.isEmpty() || frames.size() > MAX_FRAMES) {
            throw Errors.invalid("frames", "has " + frames.size() + " frames; give 1 to " + MAX_FRAMES);
        }
        List<Integer> out = new ArrayList<>();
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < frames.size(); i++) {
            int index = Fields.index("frames[" + i + "].index", frames.get(i).getIndex());
            Fields.timestampUs("frames[" + i + "].timestamp_us", frames.get(i).getTimestampUs());
            if (!seen.add(index)) {
                throw Errors.invalid("frames[" + i + "].index", "index " + index + " appears twice");
            }
            out.add(index);
        }
        return out;
    }

}
