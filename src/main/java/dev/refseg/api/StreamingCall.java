package dev.refseg.api;

import dev.refseg.errors.OneLine;
import dev.refseg.segment.SegmentMetrics;
import dev.refseg.segment.SessionSlots;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.Executor;
import org.jboss.logging.Logger;

/**
 * The protocol shared by refseg's client-streaming calls (Segment, Propagate): inbound flow control by
 * hand (the next message is requested only once the previous one is handled, so a fast client cannot
 * pile frames up in server memory); every event handled in order on a session worker; and whatever way
 * the call ends (completed, failed, cancelled, timed out, refused as too large), {@link #release} and the
 * session slot run exactly once.
 * <p>
 * A call can also be ended from outside its worker — the client cancels or vanishes, the
 * {@link CallWatchdog} finds it idle or stalled, a message is too large ({@link RequestSizeGuard}).
 * {@link #abort} then first unblocks whatever the worker waits on ({@link #onAbort}: decoders, the
 * response stream), so the ending never queues behind a wait that would not end by itself.
 * <p>
 * While the server drains ({@link Draining}) a new call is refused with UNAVAILABLE; a running one is
 * waited for, and ended through {@link #abort} when the drain timeout passes. The call's work runs with
 * its session id in the log MDC ({@link SessionLog}).
 */
abstract class StreamingCall<Q, R> implements StreamObserver<Q> {
    private static final Logger LOG = Logger.getLogger(StreamingCall.class);

    protected final CallOutput<R> out;
    private final Executor serial;
    private final SessionSlots slots;
    private final SegmentMetrics metrics;
    private final CallWatchdog watchdog;
    private final Draining draining;
    /** This call as the drain sees it: one object, so that {@link Draining#done} finds what admit took. */
    private final Draining.Running drainHandle = this::abort;
    private final String rpc;
    private final long startNanos = System.nanoTime();
    /** The call's id in log lines (the MDC's session), with the client's request tag once known. */
    private volatile String sessionId = SessionLog.newId();
    private boolean slotHeld;
    private volatile boolean finished;
    /** When the server asked for the next message and has not had it yet (nanoTime), or 0. */
    private volatile long awaitingInputSince;
    /**
     * The client half-closed. gRPC may deliver the half-close before the worker has handled the last
     * message (it needs no request), so the worker's next request must not restart the idle clock.
     */
    private volatile boolean inputEnded;
    private volatile StatusRuntimeException abortStatus;

    StreamingCall(ServerCallStreamObserver<R> responses, Executor workers, SessionSlots slots, SegmentMetrics metrics,
            CallWatchdog watchdog, Draining draining, String rpc) {
        this.serial = new SerialExecutor(workers);
        this.slots = slots;
        this.metrics = metrics;
        this.watchdog = watchdog;
        this.draining = draining;
        this.rpc = rpc;
        responses.disableAutoRequest();
        this.out = new CallOutput<>(responses, () -> abort(Status.CANCELLED.withDescription("the client cancelled the call")
                .asRuntimeException()));
        if (!draining.admit(drainHandle)) {
            // Refused before anything is taken: no message is requested, the client sees UNAVAILABLE at once.
            finished = true;
            metrics.call(rpc, Status.Code.UNAVAILABLE.name());
            out.fail(Draining.refusal());
            return;
        }
        RequestSizeGuard.Tracer size = RequestSizeGuard.TRACER.get();
        if (size != null) {
            size.onRefusal(s -> abort(s.asRuntimeException()));
        }
        watchdog.watch(this);
        requestNext();
    }

    /** Handles one request message; throws a StatusRuntimeException to end the call with that status. */
    protected abstract void handle(Q request);

    /** The client half-closed: finish the work and send the remaining responses. */
    protected abstract void inputComplete();

    /** Frees everything the call holds. Called exactly once, however the call ends, on the call's worker. */
    protected abstract void release();

    /**
     * Unblocks what the worker may be waiting on (decoders, a full pipe), from any thread; frees nothing.
     * Must be safe to call at any time, also before the call has its session.
     */
    protected abstract void onAbort();

    /**
     * Adds the client's request tag to the call's session id in log lines (from this point on: lines
     * before it carry the id alone).
     */
    protected void tagSession(String requestTag) {
        String tagged = SessionLog.withTag(sessionId, requestTag);
        sessionId = tagged;
        org.jboss.logging.MDC.put(SessionLog.MDC_KEY, tagged); // the worker is inside run() now
    }

    /**
     * Runs one of the call's events on its worker, in order, with the session id in the log MDC and the
     * trace context of the thread that hands it over (the call's gRPC span when tracing is on), so that
     * the LLM requests and sidecar calls it makes join the call's trace.
     */
    private void onWorker(Runnable work) {
        serial.execute(io.opentelemetry.context.Context.current().wrap(() -> SessionLog.run(sessionId, work)));
    }

    /**
     * {@code work} as it should run on another thread of this call (an online call's driver): with the
     * call's session id in the log MDC and the trace context of the caller.
     */
    protected Runnable inCallContext(Runnable work) {
        String id = sessionId;
        return io.opentelemetry.context.Context.current().wrap(() -> SessionLog.run(id, work));
    }

    /**
     * Ends the call with the failure of work running outside its worker (an online call's driver), as if
     * the worker had thrown it: a StatusRuntimeException as it is, IllegalArgumentException as
     * INVALID_ARGUMENT, anything else as INTERNAL.
     */
    protected void failFromOutside(RuntimeException e) {
        abort(toStatus(e));
    }

    /** Takes one of the process's session slots (RESOURCE_EXHAUSTED when none is free). */
    protected void acquireSlot() {
        slots.acquire();
        slotHeld = true;
    }

    private void requestNext() {
        if (!inputEnded) {
            awaitingInputSince = System.nanoTime();
        }
        out.request(1);
        if (inputEnded) {
            awaitingInputSince = 0; // the half-close came while the line above ran
        }
    }

    @Override
    public void onNext(Q request) {
        awaitingInputSince = 0;
        onWorker(() -> {
            if (finished) {
                return;
            }
            try {
                handle(request);
                requestNext();
            } catch (RuntimeException e) {
                end(e);
            } catch (Error e) {
                // e.g. direct buffer memory exhausted: this call ends and frees its session, the server goes on.
                LOG.errorf(e, "%s call failed", rpc);
                end(dev.refseg.errors.Errors.ofError(e));
            }
        });
    }

    @Override
    public void onError(Throwable t) {
        abort(Status.CANCELLED.withDescription("client stream failed").withCause(t).asRuntimeException());
    }

    @Override
    public void onCompleted() {
        inputEnded = true;
        awaitingInputSince = 0;
        onWorker(() -> {
            if (finished) {
                return;
            }
            try {
                inputComplete();
                end(null);
            } catch (RuntimeException e) {
                end(e);
            } catch (Error e) {
                LOG.errorf(e, "%s call failed", rpc);
                end(dev.refseg.errors.Errors.ofError(e));
            }
        });
    }

    /**
     * Ends the call with {@code status} from any thread: unblocks the worker, then ends the call on it.
     * The first abort wins; later ones (and the errors the unblocked work throws) are ignored.
     */
    void abort(StatusRuntimeException status) {
        synchronized (this) {
            if (abortStatus != null || finished) {
                return;
            }
            abortStatus = status;
        }
        if (status.getStatus().getCode() != Status.Code.CANCELLED) {
            // Logged on the aborting thread (watchdog, transport, drain), so it is given the call's id too.
            SessionLog.run(sessionId, () -> LOG.infof("%s call ended by the server: %s", rpc,
                    OneLine.of(status.getStatus().getDescription())));
        }
        try {
            onAbort();
        } finally {
            out.abort();
            onWorker(() -> end(status));
        }
    }

    /** Called by the watchdog: ends the call when the client has been silent or not reading for too long. */
    void checkTimeouts(long now, Duration inputIdle, Duration outputStall) {
        long waiting = awaitingInputSince;
        if (waiting != 0 && !inputEnded && now - waiting > inputIdle.toNanos()) {
            abort(Status.DEADLINE_EXCEEDED.withDescription("input: the client sent no message for "
                    + seconds(now - waiting) + " s before half-close, more than the limit "
                    + CallWatchdog.KEY_INPUT_IDLE + " = " + inputIdle).asRuntimeException());
            return;
        }
        long blocked = out.blockedSince();
        if (blocked != 0 && now - blocked > outputStall.toNanos()) {
            abort(Status.DEADLINE_EXCEEDED.withDescription("output: the client read no response for "
                    + seconds(now - blocked) + " s, more than the limit " + CallWatchdog.KEY_OUTPUT_STALL + " = "
                    + outputStall).asRuntimeException());
        }
    }

    /** A duration in seconds with one decimal, as the call's messages and log lines give it. */
    static String seconds(long nanos) {
        return String.format(java.util.Locale.ROOT, "%.1f", nanos / 1e9);
    }

    /**
     * Ends the call once: success when {@code error} is null. The drain learns of it last, once the client
     * has its status and everything is freed, so a drained server has nothing left to cut.
     */
    private void end(RuntimeException error) {
        if (finished) {
            return;
        }
        synchronized (this) {
            finished = true;
        }
        try {
            finish(error);
        } finally {
            draining.done(drainHandle);
        }
    }

    private void finish(RuntimeException error) {
        watchdog.forget(this);
        if (abortStatus != null) {
            error = abortStatus; // what ended the call, not what the interrupted work threw
        }
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
            LOG.infof("%s call ended: OK after %s s", rpc, seconds(System.nanoTime() - startNanos));
            return;
        }
        StatusRuntimeException status = toStatus(error);
        metrics.call(rpc, status.getStatus().getCode().name());
        LOG.infof("%s call ended: %s after %s s: %s", rpc, status.getStatus().getCode(),
                seconds(System.nanoTime() - startNanos), OneLine.of(status.getStatus().getDescription()));
        if (status.getStatus().getCode() == Status.Code.CANCELLED) {
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
