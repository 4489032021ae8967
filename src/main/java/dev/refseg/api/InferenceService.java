package dev.refseg.api;

import dev.refseg.config.SessionWorkers;
import dev.refseg.inference.InferenceBackend;
import io.quarkus.grpc.GrpcService;
import java.util.concurrent.ExecutorService;

/**
 * The sidecar contract served by this process's gRPC server; {@link RoleGate} lets calls through only in
 * {@code refseg.role=inference}, where the backend is the local models.
 */
@GrpcService
public class InferenceService extends InferenceEndpoint {
    public InferenceService(InferenceBackend local, @SessionWorkers ExecutorService workers, Draining draining) {
        super(local, workers, draining);
    }
}
