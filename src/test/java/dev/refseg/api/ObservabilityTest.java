package dev.refseg.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.refseg.synth.SampleClip;
import dev.refseg.v1.Frame;
import dev.refseg.v1.KeySelectionGrpc;
import dev.refseg.v1.SegmentRequest;
import dev.refseg.v1.SelectKeyFrameRequest;
import dev.refseg.v1.Start;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Issue 12, item 9 (the parts without the sidecar): every exported meter carries the process's role, and
 * the log lines of a call carry its session id (a random id, and the client's request tag when given).
 */
@QuarkusTest
class ObservabilityTest {

    @Test
    void everyMeterCarriesTheRole() throws Exception {
        // One call first, so the call meters exist alongside the JVM's and the process's own.
        try (StreamClient client = new StreamClient()) {
            client.run(List.of(SegmentRequest.newBuilder().setStart(Start.newBuilder().setText("the red disc")).build(),
                    SegmentRequest.newBuilder().setFrame(TextClips.frames(SampleClip.render()).get(0)).build()));
        }
        String metrics = new String(URI.create("http://localhost:" + TestPorts.http() + "/q/metrics").toURL()
                .openStream().readAllBytes(), StandardCharsets.UTF_8);
        List<String> samples = metrics.lines().filter(l -> !l.isBlank() && !l.startsWith("#")).toList();
        for (String meter : List.of("refseg_sessions_active", "refseg_calls_total", "jvm_memory_used_bytes")) {
            assertTrue(samples.stream().anyMatch(l -> l.startsWith(meter + "{")), meter + " not exported");
        }
        List<String> untagged = samples.stream().filter(l -> !l.contains("role=\"embedded\"")).toList();
        assertEquals(List.of(), untagged, "samples without the role tag");
    }

    @Test
    void aCallsLogLinesCarryItsSessionId() throws Exception {
        List<Frame> frames = TextClips.frames(SampleClip.render());
        ManagedChannel ch = ManagedChannelBuilder.forAddress("localhost", TestPorts.grpc()).usePlaintext()
                .maxInboundMessageSize(64 << 20).build();
        try (SessionLines lines = new SessionLines(); StreamClient client = new StreamClient()) {
            StreamClient.Outcome o = client.run(List.of(SegmentRequest.newBuilder().setStart(Start.newBuilder()
                    .setText("the red disc").setRequestTag("clip 42\nforged line")).build(),
                    SegmentRequest.newBuilder().setFrame(frames.get(0)).build()));
            assertEquals(Status.Code.OK, o.status().getCode(), o.description());
            KeySelectionGrpc.newBlockingStub(ch).withDeadlineAfter(60, TimeUnit.SECONDS).selectKeyFrame(
                    SelectKeyFrameRequest.newBuilder().setReferent("the red disc").addAllFrames(frames.subList(0, 2))
                            .build());

            String segment = lines.sessionOf("Segment call ended: OK");
            // The tag follows the random id, with the line break (and the space) made harmless.
            assertTrue(segment.matches("[0-9a-f]{8}/clip_42_forged_line"), segment);
            String unary = lines.sessionOf("SelectKeyFrame call ended: OK");
            assertTrue(unary.matches("[0-9a-f]{8}"), unary);
            assertNotEquals(segment.substring(0, 8), unary);
            // Outside a call's work the MDC is left empty (the worker threads are reused).
            assertTrue(lines.records().stream().filter(r -> r.getThreadName().startsWith("refseg-session-"))
                    .allMatch(r -> r.getMdc(SessionLog.MDC_KEY) != null), "a worker's line without a session");
        } finally {
            ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }
}
