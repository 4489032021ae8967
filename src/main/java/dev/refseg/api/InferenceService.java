package dev.refseg.api;

import dev.refseg.config.SessionWorkers;
import dev.refseg.inference.InferenceBackend;
import io.opentelemetry.api.OpenTelemetry;
import io.quarkus.grpc.GrpcService;
import java.util.concurrent.ExecutorService;

/**
 * The sidecar contract served by this process's gRPC server; {@link RoleGate} lets calls through only in
 * {@code refseg.role=inference}, where the backend is the local models. With tracing on, Quarkus' gRPC
 * server tracing gives each stream a server span, continuing the gateway's trace from its headers.
 */
@GrpcService
public class InferenceService extends InferenceEndpoint {
    public InferenceService(InferenceBackend local, @SessionWorkers ExecutorService workers, Draining draining,
            OpenTelemetry otel) {
        super(local, workers, draining, otel);
    }
}
