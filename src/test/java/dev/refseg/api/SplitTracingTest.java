package dev.refseg.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.refseg.v1.SegmentRequest;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.stub.MetadataUtils;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * A public call's trace and session id reach the sidecar: one Segment call (text referent, the fake LLM)
 * on the gateway's code path, whose sidecar is the contract on the in-process loopback channel (the same
 * channel interceptor as the gateway's TCP channel). The sidecar's model steps are spans of the caller's
 * trace, under the gateway's client span of the session stream, itself under the call's server span, as
 * the LLM requests are; the sidecar's log lines for the session carry the call's session id. (The
 * inference role's own server span in between: {@link SidecarTracingTest}.)
 */
@QuarkusTest
@TestProfile(SplitTracingProfile.class)
class SplitTracingTest {
    static final String TRACE_ID = "5c0a6f0e2b7d4e8f9a1b3c5d7e9f1a2b";
    static final String CALLER_SPAN_ID = "0123456789abcdef";

    @Inject
    CapturedSpans spans;

    @Test
    void aSegmentCallsTraceAndSessionIdContinueIntoTheSidecar() throws Exception {
        spans.clear();
        FakeLlmProfile.readingScript();
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("traceparent", Metadata.ASCII_STRING_MARSHALLER),
                "00-" + TRACE_ID + "-" + CALLER_SPAN_ID + "-01"); // sampled: the spans are recorded
        List<SegmentRequest> requests = new ArrayList<>(TextClips.requests("the orange disc", TextClips.WINDOWS,
                TextClips.frames(TextClips.discs(60))));
        requests.set(0, requests.get(0).toBuilder().setStart(requests.get(0).getStart().toBuilder()
                .setRequestTag("split-trace")).build());
        String gatewayId;
        String sidecarId;
        try (SessionLines lines = new SessionLines();
                StreamClient client = new StreamClient(TestPorts.grpc(), MetadataUtils.newAttachHeadersInterceptor(headers))) {
            StreamClient.Outcome o = client.run(requests);
            assertEquals(Status.Code.OK, o.status().getCode(), o.description());
            gatewayId = lines.sessionOf("Segment call ended: OK");
            sidecarId = lines.sessionOf("Inference session ended: OK");
        }
        assertTrue(gatewayId.matches("[0-9a-f]{8}/split-trace"), gatewayId);
        assertEquals(gatewayId, sidecarId, "the sidecar's lines for the session carry the gateway's id");

        SpanData segment = spans.await("Segment server span", s -> s.getName().equals("refseg.v1.Segmenter/Segment"));
        SpanData stream = spans.await("client span of the sidecar stream",
                s -> s.getName().equals("refseg.v1.Inference/Session") && s.getKind() == SpanKind.CLIENT);
        assertEquals(TRACE_ID, segment.getTraceId());
        assertEquals(CALLER_SPAN_ID, segment.getParentSpanId());
        assertEquals(TRACE_ID, stream.getTraceId());
        assertEquals(segment.getSpanId(), stream.getParentSpanId(), "the stream's span is the call's child");
        assertEquals(Status.Code.OK.value(), stream.getAttributes().get(AttributeKey.longKey("rpc.grpc.status_code")));

        List<SpanData> steps = spans.of(TRACE_ID).stream().filter(s -> s.getName().startsWith("inference/")).toList();
        Set<String> names = steps.stream().map(SpanData::getName).collect(Collectors.toSet());
        assertTrue(names.containsAll(Set.of("inference/end_of_input", "inference/detect", "inference/track")),
                names.toString());
        for (SpanData step : steps) {
            assertEquals(stream.getSpanId(), step.getParentSpanId(), step.getName() + " is the stream's child");
        }
        // The LLM's questions too: every span of the trace leads up to the call.
        assertTrue(spans.of(TRACE_ID).stream().anyMatch(s -> s.getName().equals("POST /chat/completions")),
                "the LLM was asked");
        Map<String, SpanData> byId = spans.of(TRACE_ID).stream().collect(Collectors.toMap(SpanData::getSpanId, s -> s));
        for (SpanData s : byId.values()) {
            SpanData up = s;
            while (!up.getSpanId().equals(segment.getSpanId()) && byId.containsKey(up.getParentSpanId())) {
                up = byId.get(up.getParentSpanId());
            }
            assertEquals(segment.getSpanId(), up.getSpanId(), s.getName() + " is not under the call");
        }
    }
}
