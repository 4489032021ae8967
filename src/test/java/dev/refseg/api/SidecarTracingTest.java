package dev.refseg.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.refseg.inference.MediaSession;
import dev.refseg.inference.RemoteInference;
import dev.refseg.synth.SampleClip;
import dev.refseg.v1.Detect;
import dev.refseg.v1.Frame;
import dev.refseg.v1.OpenSession;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The inference role continues the gateway's trace: Quarkus' gRPC tracing gives the Session stream a
 * server span whose parent is the gateway's client span (sent as W3C traceparent), and the sidecar's model
 * steps are that server span's children; the sidecar's lines for the session carry the gateway's session
 * id. The test plays the gateway with the gateway's own pieces (RemoteInference, the channel interceptor)
 * under a span of its own; it shares the sidecar's OpenTelemetry only to see both sides' spans in one place.
 */
@QuarkusTest
@TestProfile(SplitTracingProfile.Sidecar.class)
class SidecarTracingTest {
    /** An id as a gateway makes them, with a request tag of non-ASCII letters cut at 32 (ending in '…'). */
    static final String GATEWAY_SESSION = SessionLog.withTag("3fa9c2d1", "clip-été-" + "0123456789".repeat(4));

    @Inject
    CapturedSpans spans;
    @Inject
    OpenTelemetry otel;

    @Test
    void theSidecarsServerSpanIsTheGatewayCallsChildAndItsLinesCarryTheGatewaysId() throws Exception {
        spans.clear();
        List<Frame> frames = TextClips.frames(SampleClip.render()).subList(0, 2);
        ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", TestPorts.grpc()).usePlaintext()
                .intercept(SidecarPropagation.gatewaySide(otel)).build();
        RemoteInference sidecar = new RemoteInference(channel, "the test's sidecar");
        Span call = otel.getTracer("test").spanBuilder("refseg.v1.Segmenter/Segment").setSpanKind(SpanKind.SERVER)
                .startSpan();
        String sidecarId;
        try (SessionLines lines = new SessionLines(); Scope ignored = call.makeCurrent()) {
            SessionLog.run(GATEWAY_SESSION, () -> {
                try (MediaSession s = sidecar.openSession(OpenSession.getDefaultInstance())) {
                    frames.forEach(s::addFrame);
                    s.endOfInput();
                    s.detect(Detect.newBuilder().setFrameIndex(0).setCaption("red").build());
                }
            });
            sidecarId = lines.sessionOf("Inference session ended: OK");
        } finally {
            call.end();
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        assertEquals(GATEWAY_SESSION, sidecarId, "the sidecar's lines for the session carry the gateway's id");

        String traceId = call.getSpanContext().getTraceId();
        SpanData client = spans.await("gateway's client span", s -> s.getName().equals("refseg.v1.Inference/Session")
                && s.getKind() == SpanKind.CLIENT);
        SpanData server = spans.await("sidecar's server span", s -> s.getName().equals("refseg.v1.Inference/Session")
                && s.getKind() == SpanKind.SERVER && s.getTraceId().equals(traceId));
        SpanData detect = spans.await("detect step", s -> s.getName().equals("inference/detect"));
        assertEquals(call.getSpanContext().getSpanId(), client.getParentSpanId());
        assertEquals(client.getSpanId(), server.getParentSpanId(), "the sidecar's span is the gateway's child");
        assertEquals(traceId, detect.getTraceId());
        assertEquals(server.getSpanId(), detect.getParentSpanId(), "the sidecar's steps are its server span's");
        assertTrue(spans.of(traceId).stream().filter(s -> s.getName().startsWith("inference/"))
                .allMatch(s -> s.getParentSpanId().equals(server.getSpanId())));
    }
}
