package dev.refseg.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.refseg.config.Role;
import dev.refseg.inference.InferenceBackend;
import dev.refseg.inference.MediaSession;
import dev.refseg.v1.CaptionTokens;
import dev.refseg.v1.CaptionTokensRequest;
import dev.refseg.v1.OpenSession;
import grpc.health.v1.HealthOuterClass.HealthCheckResponse.ServingStatus;
import io.grpc.Status;
import io.quarkus.grpc.runtime.health.GrpcHealthStorage;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** The gateway's overall health follows whether its sidecar answers; draining wins; liveness untouched. */
class SidecarHealthTest {
    /** A sidecar that answers, or not. */
    static final class Sidecar implements InferenceBackend {
        final AtomicBoolean up = new AtomicBoolean(true);

        @Override
        public boolean hasDetector() {
            if (!up.get()) {
                throw Status.UNAVAILABLE.withDescription("the inference sidecar localhost:9100 is unavailable")
                        .asRuntimeException();
            }
            return true;
        }

        @Override
        public MediaSession openSession(OpenSession open) {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean hasTagger() {
            return hasDetector();
        }

        @Override
        public CaptionTokens captionTokens(CaptionTokensRequest request) {
            throw new UnsupportedOperationException();
        }

        @Override
        public int openSessions() {
            return 0;
        }

        @Override
        public int liveTrackers() {
            return 0;
        }

        @Override
        public int maxTrackedObjects() {
            return 16;
        }

        @Override
        public int trackedObjects() {
            return 0;
        }
    }

    @Test
    void readinessFollowsTheSidecarUnlessDraining() {
        GrpcHealthStorage storage = new GrpcHealthStorage();
        storage.setStatus(Draining.LIVENESS_SERVICE, ServingStatus.SERVING);
        Sidecar sidecar = new Sidecar();
        AtomicBoolean draining = new AtomicBoolean();
        SidecarHealth h = new SidecarHealth(Role.GATEWAY, sidecar, () -> storage, draining::get);

        assertEquals(true, h.check());
        assertEquals(ServingStatus.SERVING, storage.statusForService("").getStatus());
        sidecar.up.set(false);
        assertEquals(false, h.check());
        assertEquals(ServingStatus.NOT_SERVING, storage.statusForService("").getStatus());
        assertEquals(ServingStatus.SERVING, storage.statusForService(Draining.LIVENESS_SERVICE).getStatus());
        sidecar.up.set(true);
        assertEquals(true, h.check());
        assertEquals(ServingStatus.SERVING, storage.statusForService("").getStatus());

        // A draining gateway stays NOT_SERVING even when its sidecar answers.
        storage.setStatus("", ServingStatus.NOT_SERVING);
        draining.set(true);
        assertEquals(true, h.check());
        assertEquals(ServingStatus.NOT_SERVING, storage.statusForService("").getStatus());
    }
}
