package dev.refseg.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import grpc.health.v1.HealthGrpc;
import grpc.health.v1.HealthOuterClass.HealthCheckRequest;
import grpc.health.v1.HealthOuterClass.HealthCheckResponse;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.StreamObserver;
import io.quarkus.test.junit.QuarkusTest;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** grpcurl and Kubernetes probes work: reflection lists the API, the standard health service answers. */
@QuarkusTest
class ServiceDiscoveryTest {

    @Test
    void healthAndReflection() throws Exception {
        ManagedChannel ch = ManagedChannelBuilder.forAddress("localhost", TestPorts.grpc()).usePlaintext().build();
        try {
            HealthCheckResponse h = HealthGrpc.newBlockingStub(ch).check(HealthCheckRequest.getDefaultInstance());
            assertEquals(HealthCheckResponse.ServingStatus.SERVING, h.getStatus());

            List<String> services = listServices(ServerReflectionGrpc.newStub(ch));
            for (String s : List.of("refseg.v1.Segmenter", "refseg.v1.AudioReferent", "refseg.v1.KeySelection",
                    "refseg.v1.Propagation")) {
                assertTrue(services.contains(s), s + " not in " + services);
            }
        } finally {
            ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    /** The services reflection lists (grpcurl's {@code list}); a refused call throws its status. */
    static List<String> listServices(ServerReflectionGrpc.ServerReflectionStub stub) throws Exception {
        CompletableFuture<List<String>> names = new CompletableFuture<>();
        StreamObserver<ServerReflectionRequest> req = stub.serverReflectionInfo(new StreamObserver<>() {
            @Override
            public void onNext(ServerReflectionResponse r) {
                names.complete(r.getListServicesResponse().getServiceList().stream().map(ServiceResponse::getName).toList());
            }

            @Override
            public void onError(Throwable t) {
                names.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
            }
        });
        req.onNext(ServerReflectionRequest.newBuilder().setListServices("*").build());
        try {
            return names.get(30, TimeUnit.SECONDS);
        } finally {
            req.onCompleted();
        }
    }
}
