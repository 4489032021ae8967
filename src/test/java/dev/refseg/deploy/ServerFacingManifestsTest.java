package dev.refseg.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.refseg.api.TestPorts;
import grpc.health.v1.HealthGrpc;
import grpc.health.v1.HealthOuterClass.HealthCheckRequest;
import grpc.health.v1.HealthOuterClass.HealthCheckResponse.ServingStatus;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** What the manifests ask of a running service: the health entries the probes name, the autoscaler's metric. */
@QuarkusTest
class ServerFacingManifestsTest {
    /** The per-pod gauge plain/hpa.yaml scales on. */
    static final String SESSIONS_METRIC = "refseg_sessions_active";

    @Test
    void everyProbeAsksForAHealthEntryThatServes() throws Exception {
        ManagedChannel ch = ManagedChannelBuilder.forAddress("localhost", TestPorts.grpc()).usePlaintext().build();
        try {
            HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(ch).withDeadlineAfter(30, TimeUnit.SECONDS);
            for (Path file : PodSpecTest.pods().toList()) {
                for (Node c : Manifests.containers(file)) {
                    for (String kind : new String[] {"readinessProbe", "livenessProbe", "startupProbe"}) {
                        Node grpc = c.at(kind, "grpc");
                        if (grpc.missing()) {
                            continue;
                        }
                        // Kubernetes asks for "" when the probe names no service.
                        String service = grpc.get("service").missing() ? "" : grpc.get("service").text();
                        assertEquals(ServingStatus.SERVING, health.check(HealthCheckRequest.newBuilder()
                                .setService(service).build()).getStatus(), grpc.path() + ": service \"" + service + "\"");
                    }
                }
            }
        } finally {
            ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void theAutoscalersMetricIsExported() throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://localhost:" + TestPorts.http() + "/q/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        assertTrue(r.body().lines().anyMatch(l -> l.startsWith(SESSIONS_METRIC + " ") || l.startsWith(SESSIONS_METRIC + "{")),
                SESSIONS_METRIC + " is not among the service's metrics");
    }
}
