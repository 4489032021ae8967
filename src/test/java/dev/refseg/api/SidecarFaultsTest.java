package dev.refseg.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.refseg.config.RefsegConfig;
import dev.refseg.errors.OneLine;
import dev.refseg.inference.MediaSession;
import dev.refseg.inference.RemoteInference;
import dev.refseg.mask.CocoRle;
import dev.refseg.v1.Capabilities;
import dev.refseg.v1.CapabilitiesRequest;
import dev.refseg.v1.Frame;
import dev.refseg.v1.InferenceGrpc;
import dev.refseg.v1.InferenceReply;
import dev.refseg.v1.InferenceRequest;
import dev.refseg.v1.OpenSession;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.api.OpenTelemetry;
import jakarta.enterprise.inject.Instance;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Faults of the sidecar seen from the gateway, and of what clients send seen in logs: a sidecar that holds
 * a session open and answers nothing, a sidecar that drains, a status quoting a value with line breaks.
 */
class SidecarFaultsTest {
    /** Opens every session and answers nothing; counts the sessions the gateway gave up on. */
    static final class SilentSidecar extends InferenceGrpc.InferenceImplBase {
        final CountDownLatch cancelled = new CountDownLatch(1);

        @Override
        public StreamObserver<InferenceRequest> session(StreamObserver<InferenceReply> replies) {
            return new StreamObserver<>() {
                @Override
                public void onNext(InferenceRequest value) {
                    // a hung sidecar: never answers
                }

                @Override
                public void onError(Throwable t) {
                    cancelled.countDown();
                }

                @Override
                public void onCompleted() {
                }
            };
        }
    }

    @Test
    void aSidecarThatAnswersNothingEndsTheSessionAfterTheReplyTimeout() throws Exception {
        SilentSidecar silent = new SilentSidecar();
        String name = "silent-sidecar-" + System.nanoTime();
        Server server = InProcessServerBuilder.forName(name).directExecutor().addService(silent).build().start();
        ManagedChannel ch = InProcessChannelBuilder.forName(name).build();
        try {
            RemoteInference remote = new RemoteInference(ch, "localhost:9100", Duration.ofMillis(300));
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> {
                MediaSession s = remote.openSession(OpenSession.getDefaultInstance());
                s.addFrame(Frame.getDefaultInstance());
            });
            assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
            String d = e.getStatus().getDescription();
            assertTrue(d.contains("localhost:9100") && d.contains("refseg.inference.reply-timeout"), d);
            assertTrue(silent.cancelled.await(10, TimeUnit.SECONDS), "the gateway cancels the stream it gave up on");
        } finally {
            ch.shutdownNow();
            server.shutdownNow();
        }
    }

    @Test
    void aDrainingSidecarIsNotReadyForItsGateway() throws Exception {
        Draining draining = new Draining(config(), proxy(Instance.class, m -> m.equals("isResolvable") ? false : null));
        InferenceEndpoint endpoint = new InferenceEndpoint(null, Runnable::run, draining, OpenTelemetry.noop());
        assertFalse(draining.isDraining());
        draining.drain();
        AtomicReference<Throwable> error = new AtomicReference<>();
        endpoint.getCapabilities(CapabilitiesRequest.getDefaultInstance(), new StreamObserver<Capabilities>() {
            @Override
            public void onNext(Capabilities value) {
            }

            @Override
            public void onError(Throwable t) {
                error.set(t);
            }

            @Override
            public void onCompleted() {
            }
        });
        assertEquals(Status.Code.UNAVAILABLE, Status.fromThrowable(error.get()).getCode(),
                "the gateway's readiness poll must fail while its sidecar drains");
    }

    @Test
    void valuesWithLineBreaksStayOnOneLine() {
        assertEquals("a\\nb\\r\\tc\\u0000\\u009b", OneLine.of("a\nb\r\tc\u0000\u009b"));
        assertEquals("plain", OneLine.of("plain"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CocoRle.decode("\n2026-11-30 00:00:00,000 ERROR forged", 4, 4));
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    private static RefsegConfig config() {
        RefsegConfig.Shutdown shutdown = proxy(RefsegConfig.Shutdown.class,
                m -> m.equals("drainTimeout") ? Duration.ZERO : null);
        return proxy(RefsegConfig.class, m -> m.equals("shutdown") ? shutdown : null);
    }

    @SuppressWarnings("unchecked")
    private static <T> T proxy(Class<?> type, Function<String, Object> answers) {
        return (T) Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type},
                (p, m, args) -> answers.apply(m.getName()));
    }
}
