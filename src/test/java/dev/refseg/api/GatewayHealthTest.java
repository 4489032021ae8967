package dev.refseg.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.refseg.v1.Capabilities;
import dev.refseg.v1.CapabilitiesRequest;
import dev.refseg.v1.InferenceGrpc;
import grpc.health.v1.HealthGrpc;
import grpc.health.v1.HealthOuterClass.HealthCheckRequest;
import grpc.health.v1.HealthOuterClass.HealthCheckResponse.ServingStatus;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.stub.StreamObserver;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The packaged wiring of the gateway's readiness ({@link SidecarHealth} as CDI builds it, not constructed by
 * hand): a gateway whose sidecar is not there reports NOT_SERVING on the overall health entry while liveness
 * stays SERVING, and turns SERVING once something answers the sidecar contract on its address.
 */
@QuarkusTest
@TestProfile(GatewayHealthTest.GatewayRole.class)
class GatewayHealthTest {
    /** The gateway role, pointed at a free port where no sidecar listens yet. */
    public static class GatewayRole implements QuarkusTestProfile {
        static final int SIDECAR_PORT = freePort();

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("refseg.role", "gateway", "refseg.inference.address", "localhost:" + SIDECAR_PORT);
        }

        private static int freePort() {
            try (ServerSocket s = new ServerSocket(0)) {
                return s.getLocalPort();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** Answers only what the readiness poll asks: the sidecar's capabilities. */
    static final class CapabilitiesOnly extends InferenceGrpc.InferenceImplBase {
        @Override
        public void getCapabilities(CapabilitiesRequest request, StreamObserver<Capabilities> out) {
            out.onNext(Capabilities.newBuilder().setHasDetector(true).build());
            out.onCompleted();
        }
    }

    @Test
    void readinessFollowsTheSidecar() throws Exception {
        ManagedChannel ch = ManagedChannelBuilder.forAddress("localhost", TestPorts.grpc()).usePlaintext().build();
        try {
            HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(ch);
            assertTrue(awaitStatus(health, "", ServingStatus.NOT_SERVING), "no sidecar: the server is not ready");
            assertEquals(ServingStatus.SERVING, status(health, "grpc.health.v1.Health"), "liveness stays SERVING");

            Server sidecar = ServerBuilder.forPort(GatewayRole.SIDECAR_PORT).addService(new CapabilitiesOnly()).build()
                    .start();
            try {
                assertTrue(awaitStatus(health, "", ServingStatus.SERVING), "the sidecar answers: ready again");
            } finally {
                sidecar.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
            assertTrue(awaitStatus(health, "", ServingStatus.NOT_SERVING), "the sidecar went away: not ready");
        } finally {
            ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    private static ServingStatus status(HealthGrpc.HealthBlockingStub health, String service) {
        return health.withDeadlineAfter(10, TimeUnit.SECONDS).check(HealthCheckRequest.newBuilder().setService(service)
                .build()).getStatus();
    }

    /** Polls for up to 20 s (the gateway asks its sidecar every 2 s); true once the status is seen. */
    private static boolean awaitStatus(HealthGrpc.HealthBlockingStub health, String service, ServingStatus want)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            if (status(health, service) == want) {
                return true;
            }
            Thread.sleep(100);
        }
        return false;
    }
}
