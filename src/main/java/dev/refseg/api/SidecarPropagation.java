package dev.refseg.api;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import java.nio.charset.StandardCharsets;
import org.jboss.logging.MDC;

/**
 * What a gateway's call to the sidecar carries beside its messages: the call's trace and its session id
 * for log lines. The gateway's channel to the sidecar is built by hand, so Quarkus' gRPC client tracing
 * does not reach it; {@link #gatewaySide} does that job for it:
 * <ul>
 * <li>under a trace (the public call's server span is current on the session worker), each sidecar call
 * gets a CLIENT span named after its method ({@code refseg.v1.Inference/Session}: the whole media
 * session, one stream per public call), and the W3C context of that span goes out in the headers with
 * the configured propagator; a call outside any trace (readiness polls, gauges) starts no span;</li>
 * <li>the session id of the thread's log lines ({@link SessionLog}) goes out as {@value #SESSION_HEADER_NAME}
 * (UTF-8: a request tag may hold any letter).</li>
 * </ul>
 * {@link #sidecarSide} reads both back for {@link InferenceEndpoint}. With tracing off (the default) the
 * propagator is a no-op and no span is valid, so only the session id travels.
 * <p>
 * Not Quarkus' own client interceptor (a {@code @GlobalInterceptor} bean): it makes its span current on the
 * calling thread from the call's start until it closes, and closes that scope on the thread that sees the
 * close. For a Session stream, open for the whole public call, the call's later work on the worker (the LLM
 * questions) would run under the stream's span, and a transport thread would be left with the call's context.
 * Here the span is current only while the call starts, on the thread that starts it.
 */
public final class SidecarPropagation {
    static final String SESSION_HEADER_NAME = "refseg-session-bin";
    static final Metadata.Key<byte[]> SESSION_HEADER = Metadata.Key.of(SESSION_HEADER_NAME,
            Metadata.BINARY_BYTE_MARSHALLER);
    /** The name of refseg's own tracer (its spans' instrumentation scope). */
    static final String INSTRUMENTATION = "dev.refseg";
    private static final AttributeKey<String> RPC_SYSTEM = AttributeKey.stringKey("rpc.system");
    private static final AttributeKey<String> RPC_SERVICE = AttributeKey.stringKey("rpc.service");
    private static final AttributeKey<String> RPC_METHOD = AttributeKey.stringKey("rpc.method");
    private static final AttributeKey<Long> RPC_GRPC_STATUS = AttributeKey.longKey("rpc.grpc.status_code");

    /** The gateway's session id as the headers brought it (null when they had none). */
    private static final Context.Key<String> SESSION = Context.key("refseg-gateway-session");
    /** The trace context the headers brought (root when they had none, or tracing is off). */
    private static final Context.Key<io.opentelemetry.context.Context> TRACE = Context.key("refseg-gateway-trace");

    private SidecarPropagation() {
    }

    /** For the gateway's channel to the sidecar (and the in-process loopback's). */
    public static ClientInterceptor gatewaySide(OpenTelemetry otel) {
        Tracer tracer = otel.getTracer(INSTRUMENTATION);
        TextMapPropagator propagator = otel.getPropagators().getTextMapPropagator();
        return new ClientInterceptor() {
            @Override
            public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
                // Read on the thread that makes the call: the session worker of the public call.
                io.opentelemetry.context.Context parent = io.opentelemetry.context.Context.current();
                Object session = MDC.get(SessionLog.MDC_KEY);
                return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
                    @Override
                    public void start(Listener<R> responses, Metadata headers) {
                        Span span = Span.fromContext(parent).getSpanContext().isValid()
                                ? tracer.spanBuilder(method.getFullMethodName()).setSpanKind(SpanKind.CLIENT)
                                        .setParent(parent).setAttribute(RPC_SYSTEM, "grpc")
                                        .setAttribute(RPC_SERVICE, method.getServiceName())
                                        .setAttribute(RPC_METHOD, method.getBareMethodName()).startSpan()
                                : null;
                        io.opentelemetry.context.Context context = span == null ? parent : parent.with(span);
                        propagator.inject(context, headers, (h, k, v) -> h.put(
                                Metadata.Key.of(k, Metadata.ASCII_STRING_MARSHALLER), v));
                        if (session != null) {
                            headers.put(SESSION_HEADER, session.toString().getBytes(StandardCharsets.UTF_8));
                        }
                        // Current while the call starts, and closed on this thread: an in-process sidecar that
                        // starts its side inline (the loopback) sees the client span as its parent.
                        try (Scope ignored = context.makeCurrent()) {
                            super.start(span == null ? responses : ending(responses, span), headers);
                        }
                    }
                };
            }
        };
    }

    private static <R> ClientCall.Listener<R> ending(ClientCall.Listener<R> responses, Span span) {
        return new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(responses) {
            @Override
            public void onClose(Status status, Metadata trailers) {
                span.setAttribute(RPC_GRPC_STATUS, (long) status.getCode().value());
                if (!status.isOk()) {
                    span.setStatus(StatusCode.ERROR, status.getCode().name());
                }
                span.end();
                super.onClose(status, trailers);
            }
        };
    }

    /** For the sidecar's side of the contract: keeps what the headers bring for {@link #sessionId} and {@link #trace}. */
    static ServerInterceptor sidecarSide(OpenTelemetry otel) {
        TextMapPropagator propagator = otel.getPropagators().getTextMapPropagator();
        return new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                    ServerCallHandler<Q, R> next) {
                byte[] session = headers.get(SESSION_HEADER);
                Context context = Context.current()
                        .withValue(SESSION, session == null ? null : new String(session, StandardCharsets.UTF_8))
                        .withValue(TRACE, propagator.extract(io.opentelemetry.context.Context.root(), headers, HEADERS));
                return Contexts.interceptCall(context, call, headers, next);
            }
        };
    }

    /** The id for the sidecar's lines of the call starting on this thread: the gateway's, or a new one. */
    static String sessionId() {
        return SessionLog.fromGateway(SESSION.get());
    }

    /**
     * The parent of the sidecar's spans for the call starting on this thread: the current context when it
     * holds a span (the server span Quarkus' gRPC tracing makes in the inference role), else the context
     * the gateway sent (a sidecar that nothing instruments: the loopback, a bare grpc-java server).
     */
    static io.opentelemetry.context.Context trace() {
        io.opentelemetry.context.Context current = io.opentelemetry.context.Context.current();
        if (Span.fromContext(current).getSpanContext().isValid()) {
            return current;
        }
        io.opentelemetry.context.Context sent = TRACE.get();
        return sent != null ? sent : current;
    }

    private static final TextMapGetter<Metadata> HEADERS = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Metadata carrier) {
            return carrier.keys();
        }

        @Override
        public String get(Metadata carrier, String key) {
            return key.endsWith(Metadata.BINARY_HEADER_SUFFIX) ? null
                    : carrier.get(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER));
        }
    };
}
