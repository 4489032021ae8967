package dev.refseg.api;

import io.grpc.Context;
import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerStreamTracer;
import io.grpc.Status;
import java.util.function.Consumer;

/**
 * Refuses a request message larger than {@code refseg.limits.max-request-bytes} while it arrives, with
 * a status that names that key. gRPC's own transport limit answers "gRPC message exceeds maximum size"
 * without saying which setting raises it, and checks only the declared length; so the transport limit
 * is set out of reach and this guard counts each message's bytes as the transport reads them
 * ({@link ServerStreamTracer#inboundWireSize}), ending the call as soon as the count passes the limit —
 * before the message is buffered whole.
 * <p>
 * One tracer per stream, found by the call through the gRPC {@link Context}: the streaming calls route
 * the refusal through their own ending (so it frees the session like any other end); other calls are
 * closed directly by {@link #interceptor()}, before their handler has seen a message.
 */
public final class RequestSizeGuard extends ServerStreamTracer.Factory {
    public static final String KEY_REQUEST_BYTES = "refseg.limits.max-request-bytes";
    static final Context.Key<Tracer> TRACER = Context.key("refseg-request-size");

    private final long limit;

    /** @param limit most bytes of one request message */
    public RequestSizeGuard(long limit) {
        this.limit = limit;
    }

    @Override
    public ServerStreamTracer newServerStreamTracer(String fullMethodName, Metadata headers) {
        return new Tracer(limit);
    }

    /** Attaches each call to its stream's tracer, so the tracer can end it. */
    public static ServerInterceptor interceptor() {
        return new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                    ServerCallHandler<Q, R> next) {
                Tracer t = TRACER.get();
                if (t == null) {
                    return next.startCall(call, headers);
                }
                ServerCall<Q, R> guarded = new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
                    private boolean closed;

                    @Override
                    public synchronized void close(Status status, Metadata trailers) {
                        if (!closed) {
                            closed = true;
                            super.close(status, trailers);
                        }
                    }
                };
                t.onRefusal(status -> guarded.close(status, new Metadata()));
                return next.startCall(guarded, headers);
            }
        };
    }

    /** The byte count of one stream. Transport callbacks come one at a time. */
    static final class Tracer extends ServerStreamTracer {
        private final long limit;
        private long bytes;
        private int message;
        private boolean refused;
        private volatile Consumer<Status> refusal = s -> { };

        Tracer(long limit) {
            this.limit = limit;
        }

        /** Who ends the call when a message is too large; the last one set wins. */
        void onRefusal(Consumer<Status> r) {
            refusal = r;
        }

        @Override
        public Context filterContext(Context context) {
            return context.withValue(TRACER, this);
        }

        @Override
        public void inboundMessage(int seqNo) {
            message = seqNo;
            bytes = 0;
        }

        @Override
        public void inboundWireSize(long n) {
            bytes += n;
            if (bytes > limit && !refused) {
                refused = true;
                refusal.accept(Status.RESOURCE_EXHAUSTED.withDescription("request: message " + message
                        + " of the call is larger than " + limit + " bytes, which exceeds the limit "
                        + KEY_REQUEST_BYTES + " = " + limit));
            }
        }
    }
}
