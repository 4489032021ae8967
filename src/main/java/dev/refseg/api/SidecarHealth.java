package dev.refseg.api;

import dev.refseg.config.RefsegConfig;
import dev.refseg.config.Role;
import dev.refseg.inference.InferenceBackend;
import grpc.health.v1.HealthOuterClass.HealthCheckResponse.ServingStatus;
import io.grpc.StatusRuntimeException;
import io.quarkus.grpc.runtime.health.GrpcHealthStorage;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * The gateway's readiness follows its sidecar: every few seconds it asks the sidecar what it can do; while
 * that fails the server as a whole (health service "") is NOT_SERVING, so Kubernetes routes no new stream
 * to a pod that cannot serve it, and SERVING again once the sidecar answers (unless the gateway drains).
 * The health service's own entry (liveness) is left alone. Only in {@code refseg.role=gateway}.
 */
@Singleton
public class SidecarHealth {
    private static final Logger LOG = Logger.getLogger(SidecarHealth.class);
    static final long PERIOD_MS = 2000;

    private final Role role;
    private final InferenceBackend inference;
    private final java.util.function.Supplier<GrpcHealthStorage> health;
    private final java.util.function.BooleanSupplier draining;
    private ScheduledExecutorService timer;
    private volatile Boolean reachable;

    @Inject // two constructors: CDI must be told which (without it the bean was silently never created)
    public SidecarHealth(RefsegConfig config, InferenceBackend inference, Instance<GrpcHealthStorage> health,
            Draining draining) {
        this(config.role(), inference, health.isResolvable() ? health::get : null, draining::isDraining);
    }

    /** @param health null when the health service is off (quarkus.grpc.server.health.enabled=false) */
    SidecarHealth(Role role, InferenceBackend inference, java.util.function.Supplier<GrpcHealthStorage> health,
            java.util.function.BooleanSupplier draining) {
        this.role = role;
        this.inference = inference;
        this.health = health;
        this.draining = draining;
    }

    void onStart(@Observes StartupEvent e) {
        if (role != Role.GATEWAY || health == null) {
            return;
        }
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "refseg-sidecar-health");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(this::check, 0, PERIOD_MS, TimeUnit.MILLISECONDS);
    }

    void onStop(@Observes ShutdownEvent e) {
        if (timer != null) {
            timer.shutdownNow();
        }
    }

    /** Asks the sidecar once and sets the gateway's overall health; true when the sidecar answered. */
    boolean check() {
        boolean ok;
        try {
            inference.hasDetector();
            ok = true;
        } catch (StatusRuntimeException e) {
            ok = false;
            if (!Boolean.FALSE.equals(reachable)) {
                LOG.warnf("the inference sidecar cannot be reached (%s): health NOT_SERVING until it answers",
                        e.getStatus().getDescription());
            }
        }
        if (ok && Boolean.FALSE.equals(reachable)) {
            LOG.info("the inference sidecar answers again: health SERVING");
        }
        reachable = ok;
        if (!draining.getAsBoolean()) {
            health.get().setStatus(GrpcHealthStorage.DEFAULT_SERVICE_NAME,
                    ok ? ServingStatus.SERVING : ServingStatus.NOT_SERVING);
        }
        return ok;
    }
}
