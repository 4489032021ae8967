package dev.refseg.api;

import dev.refseg.segment.SegmentMetrics;
import dev.refseg.segment.SessionSlots;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.Executor;
import org.jboss.logging.Logger;

/**
 * The protocol shared by refseg's client-streaming calls (Segment, Propagate): inbound flow control by
 * hand (the next message is requested only once the previous one is handled, so a fast client cannot
 * pile frames up in server memory); every event handled in order on a session worker; and whatever way
 * the call ends (completed, failed, cancelled), {@link #release} and the session slot run exactly once.
 */
abstract class StreamingCall<Q, R> implements StreamObserver<Q> {
    private static final Logger LOG = Logger.getLogger(StreamingCall.class);

    protected final CallOutput<R> out;
    private final Executor serial;
    private final SessionSlots slots;
    private final SegmentMetrics metrics;
    private final String rpc;
    private boolean slotHeld;
    private boolean finished;

    StreamingCall(ServerCallStreamObserver<R> responses, Executor workers, SessionSlots slots, SegmentMetrics metrics,
            String rpc) {
        this.serial = new SerialExecutor(workers);
        this.slots = slots;
        this.metrics = metrics;
        this.rpc = rpc;
        responses.disableAutoRequest();
        this.out = new CallOutput<>(responses, () -> {
            abandon();
            serial.execute(() -> end(Status.CANCELLED.asRuntimeException()));
        });
        out.request(1);
    }

    /** Handles one request message; throws a StatusRuntimeException to end the call with that status. */
    protected abstract void handle(Q request);

    /** The client half-closed: finish the work and send the remaining responses. */
    protected abstract void inputComplete();

    /** Frees everything the call holds. Called exactly once, however the call ends. */
    protected abstract void release();

    /**
     * The client cancelled (or the deadline passed, or its stream failed): stops at once, on the gRPC
     * thread that saw it, work the call has running elsewhere (LLM requests), which would otherwise run on
     * until the call's own thread reaches {@link #release}. Must be thread-safe; nothing by default.
     */
    protected void abandon() {
    }

    /** Takes one of the process's session slots (RESOURCE_EXHAUSTED when none is free). */
    protected void acquireSlot() {
        slots.acquire();
        slotHeld = true;
    }

    @Override
    public void onNext(Q request) {
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
        abandon();
        serial.execute(() -> end(Status.CANCELLED.withDescription("client stream failed").withCause(t)
                .asRuntimeException()));
    }

    @Override
    public void onCompleted() {
        serial.execute(() -> {
            if (finished) {
                return;
            }
            try {
                inputComplete();
                end(null);
            } catch (RuntimeException e) {
                end(e);
            }
        });
    }

    /** Ends the call once: success when {@code error} is null. */
    private void end(RuntimeException error) {
        if (finished) {
            return;
        }
        finished = true;
        try {
            release();
        } finally {
            if (slotHeld) {
                slots.release();
            }
        }
        if (error == null) {
            out.complete();
            metrics.call(rpc, "OK");
            return;
        }
        StatusRuntimeException status = toStatus(error);
        metrics.call(rpc, status.getStatus().getCode().name());
        if (status.getStatus().getCode() == Status.Code.CANCELLED) {
            LOG.debugf("%s call cancelled: %s", rpc, status.getStatus().getDescription());
            return;
        }
        out.fail(status);
    }

    private StatusRuntimeException toStatus(RuntimeException e) {
        if (e instanceof StatusRuntimeException s) {
            return s;
        }
        if (e instanceof IllegalArgumentException) {
            return Status.INVALID_ARGUMENT.withDescription(e.getMessage()).withCause(e).asRuntimeException();
        }
        LOG.errorf(e, "%s call failed", rpc);
        return Status.INTERNAL.withDescription("internal error: " + e).withCause(e).asRuntimeException();
    }
}
