package dev.refseg.config;

import dev.refseg.api.RequestSizeGuard;
import io.grpc.ServerBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.quarkus.grpc.api.ServerBuilderCustomizer;
import io.quarkus.grpc.runtime.config.GrpcServerConfiguration;
import io.vertx.grpc.VertxServerBuilder;
import jakarta.inject.Singleton;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Applies {@code refseg.transport.*} (HTTP/2 keepalive, so vanished peers are found) and
 * {@code refseg.limits.max-request-bytes} (through {@link RequestSizeGuard}) to the gRPC server Quarkus
 * builds. These keys take precedence over Quarkus' own {@code quarkus.grpc.server.netty.keep-alive-*}
 * and {@code max-inbound-message-size}, which refseg leaves unset.
 */
@Singleton
@SuppressWarnings({"rawtypes", "unchecked"})
public class GrpcServerSettings implements ServerBuilderCustomizer {
    private static final Logger LOG = Logger.getLogger(GrpcServerSettings.class);

    private final RefsegConfig config;

    public GrpcServerSettings(RefsegConfig config) {
        this.config = config;
    }

    @Override
    public void customize(GrpcServerConfiguration quarkus, ServerBuilder builder) {
        RefsegConfig.Transport t = config.transport();
        if (builder instanceof VertxServerBuilder vertx) {
            apply(t, vertx.nettyBuilder());
        } else if (builder instanceof NettyServerBuilder netty) {
            apply(t, netty);
        } else {
            LOG.warnf("gRPC server builder %s is not Netty-based: refseg.transport.* keepalive settings not applied",
                    builder.getClass().getName());
        }
        // The transport's own limit (which names no setting) is moved out of reach; the guard enforces ours.
        builder.maxInboundMessageSize(Integer.MAX_VALUE);
        builder.addStreamTracerFactory(new RequestSizeGuard(config.limits().maxRequestBytes()));
        builder.intercept(RequestSizeGuard.interceptor());
    }

    private static void apply(RefsegConfig.Transport t, NettyServerBuilder netty) {
        netty.keepAliveTime(t.keepaliveTime().toMillis(), TimeUnit.MILLISECONDS)
                .keepAliveTimeout(t.keepaliveTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .permitKeepAliveTime(t.permitKeepaliveTime().toMillis(), TimeUnit.MILLISECONDS)
                .permitKeepAliveWithoutCalls(t.permitKeepaliveWithoutCalls());
    }

    @Override
    public int priority() {
        // Run after other customizers, so these settings are the ones that hold.
        return Integer.MIN_VALUE + 1;
    }
}
