package dev.refseg.api;

import dev.refseg.config.RefsegConfig;
import dev.refseg.config.Role;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.quarkus.grpc.GlobalInterceptor;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Set;

/**
 * Which services this process answers, by {@code refseg.role}: the public API in the embedded and
 * gateway roles, the sidecar contract ({@code refseg.v1.Inference}) only in the inference role. A call to
 * the other side ends at once with UNIMPLEMENTED saying where it belongs, instead of reaching a backend
 * that is not there (a gateway has no models; a sidecar serves no clients). Health and reflection are
 * always answered.
 */
@GlobalInterceptor
@ApplicationScoped
public class RoleGate implements ServerInterceptor {
    static final String SIDECAR_SERVICE = "refseg.v1.Inference";
    static final Set<String> PUBLIC_SERVICES = Set.of("refseg.v1.Segmenter", "refseg.v1.AudioReferent",
            "refseg.v1.KeySelection", "refseg.v1.Propagation");

    private final Role role;

    public RoleGate(RefsegConfig config) {
        this.role = config.role();
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
            ServerCallHandler<Q, R> next) {
        String service = call.getMethodDescriptor().getServiceName();
        String refusal = null;
        if (SIDECAR_SERVICE.equals(service) && role != Role.INFERENCE) {
            refusal = service + " is the inference sidecar's contract, served by refseg.role=inference; this "
                    + "process is " + role.name().toLowerCase();
        } else if (PUBLIC_SERVICES.contains(service) && role == Role.INFERENCE) {
            refusal = service + " is served by the gateway; this process is the inference sidecar "
                    + "(refseg.role=inference), which serves only " + SIDECAR_SERVICE;
        }
        if (refusal != null) {
            call.close(Status.UNIMPLEMENTED.withDescription(refusal), new Metadata());
            return new ServerCall.Listener<>() {
            };
        }
        return next.startCall(call, headers);
    }
}
