package dev.refseg.api;

import dev.refseg.config.RefsegConfig;
import grpc.health.v1.HealthOuterClass.HealthCheckResponse.ServingStatus;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.grpc.runtime.health.GrpcHealthStorage;
import io.quarkus.runtime.ShutdownDelayInitiatedEvent;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * Graceful shutdown. When the process is asked to stop (SIGTERM: Quarkus fires
 * {@link ShutdownDelayInitiatedEvent} first, with {@code quarkus.shutdown.delay-enabled}, then
 * {@link ShutdownEvent}), {@link #drain} reports the gRPC health service NOT_SERVING, so probes and load
 * balancers stop sending calls here; refuses new calls with UNAVAILABLE, so clients retry elsewhere; and
 * waits for the running calls to finish. Those still running after {@code refseg.shutdown.drain-timeout}
 * are ended with UNAVAILABLE naming the key, which frees their sessions, LLM questions and tracking state
 * as any other end does. Only then does Quarkus go on to stop the server and dispose the beans, so no call
 * is cut by the transport closing under it.
 * <p>
 * The calls take part through {@link #admit} and {@link #done} (api.StreamingCall, api.StageCalls).
 */
@Singleton
public class Draining {
    public static final String KEY_TIMEOUT = "refseg.shutdown.drain-timeout";
    /** The health entry liveness probes ask for; never turned off. */
    public static final String LIVENESS_SERVICE = "grpc.health.v1.Health";
    private static final Logger LOG = Logger.getLogger(Draining.class);
    /**
     * How long the calls ended at the timeout get to free what they hold: an ended call stops at its next
     * frame or message, so seconds are plenty; past it shutdown goes on and disposes what is left.
     */
    private static final Duration RELEASE_GRACE = Duration.ofSeconds(10);

    /** A call in progress: draining waits for it, and ends it with the given status at the timeout. */
    public interface Running {
        void endForDrain(StatusRuntimeException status);
    }

    private final Duration timeout;
    private final Instance<GrpcHealthStorage> health;
    private final Set<Running> running = new HashSet<>(); // guarded by this
    private boolean draining; // guarded by this
    private long drainStart; // nanoTime, guarded by this

    public Draining(RefsegConfig config, Instance<GrpcHealthStorage> health) {
        this.timeout = config.shutdown().drainTimeout();
        if (timeout.isNegative()) {
            throw new IllegalArgumentException(KEY_TIMEOUT + " must not be negative, got " + timeout);
        }
        this.health = health;
    }

    /**
     * Registers a new call; false when the server is draining, and the caller refuses it with
     * {@link #refusal()}. Every call admitted must be passed to {@link #done} once it has ended.
     */
    public synchronized boolean admit(Running call) {
        if (draining) {
            return false;
        }
        running.add(call);
        return true;
    }

    /** The call has ended and freed what it held. */
    public synchronized void done(Running call) {
        if (running.remove(call)) {
            notifyAll();
        }
    }

    /** The status of a call that arrives while the server drains. */
    public static StatusRuntimeException refusal() {
        return Status.UNAVAILABLE.withDescription("server is draining (shutting down) and takes no new calls; "
                + "retry on another server").asRuntimeException();
    }

    /** Whether {@link #drain} has begun. */
    public synchronized boolean isDraining() {
        return draining;
    }

    /** Calls admitted and not yet ended (for tests and leak checks). */
    public synchronized int running() {
        return running.size();
    }

    void onShutdownDelay(@Observes ShutdownDelayInitiatedEvent e) {
        drain();
    }

    /**
     * Also on the shutdown event itself (before other observers), in case the delay phase is turned off:
     * when draining already ran, nothing is left to wait for.
     */
    void onShutdown(@Observes @Priority(0) ShutdownEvent e) {
        drain();
    }

    /**
     * Drains the server and returns once no call is running: health NOT_SERVING, new calls refused, the
     * running ones given {@code refseg.shutdown.drain-timeout} to finish, then ended. Safe to call more
     * than once and from several threads; the timeout counts from the first call.
     */
    public void drain() {
        boolean first;
        int atStart;
        long start;
        synchronized (this) {
            first = !draining;
            if (first) {
                draining = true;
                drainStart = System.nanoTime();
            }
            start = drainStart;
            atStart = running.size();
        }
        if (first) {
            notServing();
            LOG.infof("Draining: health NOT_SERVING, new calls refused; %d call(s) running, given up to %s to "
                    + "finish (%s)", atStart, timeout, KEY_TIMEOUT);
        }
        try {
            List<Running> late = awaitNoneRunning(start + timeout.toNanos());
            if (late.isEmpty()) {
                if (first) {
                    LOG.info("Drained: no call running");
                }
                return;
            }
            LOG.warnf("Drain timeout: ending %d call(s) still running after %s (%s)", late.size(), timeout,
                    KEY_TIMEOUT);
            StatusRuntimeException status = Status.UNAVAILABLE.withDescription("server is shutting down: the call "
                    + "did not finish within the drain timeout " + KEY_TIMEOUT + " = " + timeout
                    + "; retry on another server").asRuntimeException();
            for (Running r : late) {
                r.endForDrain(status);
            }
            List<Running> left = awaitNoneRunning(System.nanoTime() + RELEASE_GRACE.toNanos());
            if (!left.isEmpty()) {
                LOG.warnf("%d call(s) did not free their sessions within %s of being ended; shutting down anyway",
                        left.size(), RELEASE_GRACE);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // shutdown goes on without waiting further
        }
    }

    /** Waits until no call runs or the deadline (nanoTime) passes; returns those still running. */
    private synchronized List<Running> awaitNoneRunning(long deadline) throws InterruptedException {
        long left;
        while (!running.isEmpty() && (left = deadline - System.nanoTime()) > 0) {
            // Rounded up, so a wait shorter than a millisecond is not a wait(0) (which waits forever).
            wait(left / 1_000_000 + 1);
        }
        return new ArrayList<>(running);
    }

    /** Every service the health service knows, and the server as a whole (""), NOT_SERVING. */
    private void notServing() {
        if (!health.isResolvable()) {
            return; // quarkus.grpc.server.health.enabled=false
        }
        GrpcHealthStorage h = health.get();
        Set<String> services = new HashSet<>(h.getStatuses().keySet());
        services.add(GrpcHealthStorage.DEFAULT_SERVICE_NAME);
        // The health service's own entry stays SERVING: liveness probes ask for it (k8s/), and a process
        // that drains is alive; restarting it would cut the streams the drain waits for.
        services.remove(LIVENESS_SERVICE);
        for (String s : services) {
            h.setStatus(s, ServingStatus.NOT_SERVING);
        }
    }
}
