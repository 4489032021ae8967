package dev.refseg.api;

import dev.refseg.config.RefsegConfig;
import dev.refseg.errors.Errors;
import dev.refseg.inference.InferenceBackend;
import dev.refseg.segment.SegmentMetrics;
import dev.refseg.segment.SegmentSession;
import dev.refseg.segment.SessionSlots;
import dev.refseg.segment.StartValidator;
import dev.refseg.v1.SegmentRequest;
import dev.refseg.v1.OpenSession;
import dev.refseg.v1.SegmentResponse;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.Executor;
import org.jboss.logging.Logger;

/**
 * The protocol of one Segment call: Start first, then media, then half-close; inbound flow control by
 * hand (the next message is requested only once the previous one is handled, so a fast client cannot
 * pile frames up in server memory); every event handled in order on a session worker; and whatever
 * way the call ends (completed, failed, cancelled), the session and its slot are released exactly once.
 */
final class SegmentCall implements StreamObserver<SegmentRequest> {
    private static final Logger LOG = Logger.getLogger(SegmentCall.class);

    private final CallOutput<SegmentResponse> out;
    private final Executor serial;
    private final RefsegConfig config;
    private final InferenceBackend inference;
    private final SessionSlots slots;
    private final SegmentMetrics metrics;
    private SegmentSession session;
    private boolean slotHeld;
    private boolean finished;

    SegmentCall(ServerCallStreamObserver<SegmentResponse> responses, Executor workers, RefsegConfig config,
            InferenceBackend inference, SessionSlots slots, SegmentMetrics metrics) {
        this.serial = new SerialExecutor(workers);
        this.config = config;
        this.inference = inference;
        this.slots = slots;
        this.metrics = metrics;
        responses.disableAutoRequest();
        this.out = new CallOutput<>(responses, () -> serial.execute(() -> end(Status.CANCELLED.asRuntimeException())));
        out.request(1);
    }

    @Override
    public void onNext(SegmentRequest request) {
        serial.execute(() -> {
            if (finished) {
                return;
            }
            try {
                handle(request);
                out.request(1);
            } catch (RuntimeException e) {
                end(e);
            }
        });
    }

    @Override
    public void onError(Throwable t) {
        serial.execute(() -> end(Status.CANCELLED.withDescription("client stream failed").withCause(t).asRuntimeException()));
    }

    @Override
    public void onCompleted() {
        serial.execute(() -> {
            if (finished) {
                return;
            }
            try {
                if (session == null) {
                    throw Errors.invalid("start", "the stream ended without a start message");
                }
                session.onInputComplete();
                end(null);
            } catch (RuntimeException e) {
                end(e);
            }
        });
    }

    private void handle(SegmentRequest r) {
        if (session == null && r.getPayloadCase() != SegmentRequest.PayloadCase.START) {
            throw Errors.invalid("start", "the first message must be start, got " + name(r.getPayloadCase()));
        }
        switch (r.getPayloadCase()) {
            case START -> begin(r);
            case FRAME -> session.onFrame(r.getFrame());
            case MEDIA -> session.onMedia(r.getMedia());
            case AUDIO -> session.onAudio(r.getAudio());
            default -> throw Errors.invalid("payload", "the message carries nothing");
        }
    }

    private void begin(SegmentRequest r) {
        if (session != null) {
            throw Errors.invalid("start", "sent twice; a stream has exactly one start, first");
        }
        StartValidator.validate(r.getStart());
        slots.acquire();
        slotHeld = true;
        OpenSession open = OpenSession.newBuilder().setTag(r.getStart().getRequestTag())
                .setFps(r.getStart().getOptions().getFps()).build();
        session = new SegmentSession(r.getStart(), inference.openSession(open),
                config.intake().progressInterval(), metrics, out::send);
    }

    /** Ends the call once: success when {@code error} is null. Always frees the session and slot. */
    private void end(RuntimeException error) {
        if (finished) {
            return;
        }
        finished = true;
        try {
            if (session != null) {
                session.close();
            }
        } finally {
            if (slotHeld) {
                slots.release();
            }
        }
        if (error == null) {
            out.complete();
            metrics.call("Segment", "OK");
            return;
        }
        StatusRuntimeException status = toStatus(error);
        metrics.call("Segment", status.getStatus().getCode().name());
        if (status.getStatus().getCode() == Status.Code.CANCELLED) {
            LOG.debugf("Segment call cancelled: %s", status.getStatus().getDescription());
            return;
        }
        out.fail(status);
    }

    private static StatusRuntimeException toStatus(RuntimeException e) {
        if (e instanceof StatusRuntimeException s) {
            return s;
        }
        if (e instanceof IllegalArgumentException) {
            return Status.INVALID_ARGUMENT.withDescription(e.getMessage()).withCause(e).asRuntimeException();
        }
        LOG.error("Segment call failed", e);
        return Status.INTERNAL.withDescription("internal error: " + e).withCause(e).asRuntimeException();
    }

    private static String name(SegmentRequest.PayloadCase c) {
        return c == SegmentRequest.PayloadCase.PAYLOAD_NOT_SET ? "an empty message" : c.name().toLowerCase();
    }
}
