package dev.refseg.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.refseg.synth.SyntheticClip;
import dev.refseg.v1.SegmentRequest;
import dev.refseg.v1.SegmenterGrpc;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.stub.MetadataUtils;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 12, item 9: with tracing on, a call's trace reaches the LLM. The client sends a W3C traceparent
 * with the call; the LLM requests the call makes (on the session worker, then the LLM pool's threads)
 * carry the same trace id. The parent is marked not sampled, so nothing is exported and no collector is
 * needed: the context is propagated all the same.
 */
@QuarkusTest
@TestProfile(TracingProfile.class)
class TracingTest {
    private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";

    @Test
    void theCallsTraceReachesTheLlm() throws Exception {
        FakeLlmProfile.readingScript();
        SyntheticClip clip = TextClips.discs(60);
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("traceparent", Metadata.ASCII_STRING_MARSHALLER),
                "00-" + TRACE_ID + "-00f067aa0ba902b7-00");
        try (StreamClient client = new StreamClient()) {
            StreamClient.Call call = client.new Call();
            call.requests = SegmenterGrpc.newStub(client.channel)
                    .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers)).segment(call);
            for (SegmentRequest r : TextClips.requests("the orange disc", TextClips.WINDOWS, TextClips.frames(clip))) {
                call.requests.onNext(r);
            }
            call.requests.onCompleted();
            StreamClient.Outcome o = call.await();
            assertEquals(Status.Code.OK, o.status().getCode(), o.description());
        }
        List<String> seen = FakeLlmProfile.FAKE.traceparents;
        assertFalse(FakeLlmProfile.FAKE.requests.isEmpty(), "the call asked the LLM nothing");
        assertEquals(FakeLlmProfile.FAKE.requests.size(), seen.size(), "LLM requests without a traceparent: " + seen);
        for (String t : seen) {
            assertTrue(t.startsWith("00-" + TRACE_ID + "-"), "an LLM request outside the call's trace: " + t);
        }
    }
}
