package dev.refseg.config;

import dev.refseg.api.RequestSizeGuard;
import io.grpc.netty.NettyServerBuilder;
import io.quarkus.grpc.api.ServerBuilderCustomizer;
import io.quarkus.grpc.runtime.config.GrpcServerConfiguration;
import io.vertx.grpc.VertxServerBuilder;
import io.quarkus.arc.Unremovable;
import jakarta.inject.Singleton;
import java.util.concurrent.TimeUnit;

/**
 * Applies {@code refseg.transport.*} (HTTP/2 keepalive, so vanished peers are found) and
 * {@code refseg.limits.max-request-bytes} (through {@link RequestSizeGuard}) to the gRPC server Quarkus
 * builds. These keys take precedence over Quarkus' own {@code quarkus.grpc.server.netty.keep-alive-*}
 * and {@code max-inbound-message-size}, which refseg leaves unset.
 */
@Singleton
@Unremovable // looked up by Quarkus' gRPC server, never injected: keep ArC from removing it
public class GrpcServerSettings implements ServerBuilderCustomizer<VertxServerBuilder> {
    private final RefsegConfig config;

    public GrpcServerSettings(RefsegConfig config) {
        this.config = config;
    }

    @Override
    public void customize(GrpcServerConfiguration quarkus, VertxServerBuilder builder) {
        apply(config.transport(), builder.nettyBuilder());
        // The transport's own limit (which names no setting) is moved out of reach; the guard enforces ours.
        builder.maxInboundMessageSize(Integer.MAX_VALUE);
        builder.addStreamTracerFactory(new RequestSizeGuard(config.limits().maxRequestBytes()));
        builder.intercept(RequestSizeGuard.interceptor());
    }

    private static void apply(RefsegConfig.Transport t, NettyServerBuilder netty) {
        netty.keepAliveTime(t.keepaliveTime().toMillis(), TimeUnit.MILLISECONDS)
                .keepAliveTimeout(t.keepaliveTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .permitKeepAliveTime(t.permitKeepaliveTime().toMillis(), TimeUnit.MILLISECONDS)
                .permitKeepAliveWithoutCalls(t.permitKeepaliveWithoutCalls())
                .handshakeTimeout(t.handshakeTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public int priority() {
        // Run after other customizers, so these settings are the ones that hold.
        return Integer.MIN_VALUE + 1;
    }
}
