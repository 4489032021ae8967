package dev.refseg.runtime;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.refseg.errors.Errors;
import io.grpc.StatusRuntimeException;
import java.time.Duration;

/**
 * The native work in flight on a set of ONNX Runtime sessions, so that closing them never frees memory a
 * run still reads: a use-after-free in native code kills the process (SIGSEGV), not one call. Every run
 * (and every other native call on the sessions) {@link #enter}s before it starts and {@link #leave}s when
 * it is done; {@link #refuse} refuses new work and asks the runs in flight to stop (the terminate flag of
 * the {@link #options} they all run with), and {@link #awaitIdle} waits, bounded, for them to leave. Only
 * then may the owner free the sessions. Thread-safe.
 */
final class InFlightRuns {
    /** What every run of these sessions passes to ONNX Runtime; null for none (nobody closes them here). */
    private final OrtSession.RunOptions options;
    private int running;
    private boolean closed;

    /** @param options the run options the runs share, whose terminate flag refuse sets; null for none */
    InFlightRuns(OrtSession.RunOptions options) {
        this.options = options;
    }

    /**
     * Run options with nothing set but a terminate flag that {@link #refuse} sets.
     *
     * @throws ModelLoadException when ONNX Runtime cannot make them
     */
    static InFlightRuns terminable() {
        try {
            return new InFlightRuns(new OrtSession.RunOptions());
        } catch (OrtException e) {
            throw new ModelLoadException("cannot create ONNX Runtime run options: " + e.getMessage(), e);
        }
    }

    /** The run options to pass to {@code OrtSession.run}; null when there are none. */
    OrtSession.RunOptions options() {
        return options;
    }

    /**
     * Lets one piece of native work in; the caller {@link #leave}s in a finally block.
     *
     * @param what what is about to run (a graph's manifest key), for the refusal's message
     * @throws StatusRuntimeException UNAVAILABLE "the models are closed" once {@link #refuse} was called
     */
    synchronized void enter(String what) {
        if (closed) {
            throw closedError(what);
        }
        running++;
    }

    /** Ends what {@link #enter} let in. */
    synchronized void leave() {
        if (--running == 0) {
            notifyAll();
        }
    }

    /** Whether {@link #refuse} was called (work that fails now failed because of it). */
    synchronized boolean isClosed() {
        return closed;
    }

    /**
     * The status of work refused or stopped because the models closed (the process is shutting down): the
     * client may retry on another replica.
     *
     * @param what what could not run (a graph's manifest key)
     * @return UNAVAILABLE "the models are closed ..."
     */
    static StatusRuntimeException closedError(String what) {
        return Errors.unavailable("the models are closed (the server is shutting down): " + what + " was not run",
                null);
    }

    /** Refuses new work from now on and stops the runs in flight at their next node. Idempotent. */
    synchronized void refuse() {
        if (!closed) {
            closed = true;
            terminate();
        }
    }

    /**
     * Waits for the work in flight to leave.
     *
     * @param wait the longest time to wait
     * @return whether nothing is in flight (after {@link #refuse}: so the sessions may be freed); false
     *         when the wait ran out or the waiting thread was interrupted
     */
    synchronized boolean awaitIdle(Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        try {
            for (long left = wait.toNanos(); running > 0 && left > 0; left = deadline - System.nanoTime()) {
                java.util.concurrent.TimeUnit.NANOSECONDS.timedWait(this, left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return running == 0;
    }

    /** How many runs are in flight now (for the warning when they outlast the wait). */
    synchronized int running() {
        return running;
    }

    /** Frees the run options, once refused and idle; the runs' sessions are freed too then. */
    synchronized void free() {
        if (options != null && closed && running == 0) {
            options.close();
        }
    }

    private void terminate() {
        if (options == null) {
            return;
        }
        try {
            options.setTerminate(true);
        } catch (OrtException e) {
            // The runs in flight are then waited for to the end instead.
            org.jboss.logging.Logger.getLogger(InFlightRuns.class).debug("cannot set the terminate flag", e);
        }
    }
}
