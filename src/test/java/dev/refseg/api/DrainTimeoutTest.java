package dev.refseg.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.refseg.synth.SampleClip;
import dev.refseg.v1.Frame;
import dev.refseg.v1.SegmentRequest;
import dev.refseg.v1.SegmentResponse;
import dev.refseg.v1.Start;
import io.grpc.Status;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 12, item 7: a stream that cannot finish within {@code refseg.shutdown.drain-timeout} (its client
 * never half-closes) is ended with UNAVAILABLE naming the key, and frees everything it held.
 */
@QuarkusTest
@TestProfile(DrainProfiles.ShortTimeout.class)
class DrainTimeoutTest extends DrainTestBase {

    @Test
    void aStreamThatOutlivesTheTimeoutEndsUnavailableNamingTheKey() throws Exception {
        List<Frame> frames = TextClips.frames(SampleClip.render());
        try (StreamClient client = new StreamClient()) {
            StreamClient.Call stalled = client.open();
            stalled.requests.onNext(SegmentRequest.newBuilder().setStart(Start.newBuilder().setText("the red disc")
                    .setRequestTag("stalled")).build());
            for (Frame f : frames.subList(0, 5)) {
                stalled.requests.onNext(SegmentRequest.newBuilder().setFrame(f).build());
            }
            awaitTrue(() -> stalled.events.stream().anyMatch(e -> e.getEventCase()
                    == SegmentResponse.EventCase.PROGRESS && e.getProgress().getFramesDecoded() == 5),
                    "the five frames taken in");

            draining.drain(); // returns once the stalled call has been ended and has freed its session

            StreamClient.Outcome o = stalled.await();
            assertEquals(Status.Code.UNAVAILABLE, o.status().getCode(), o.description());
            assertTrue(o.description().contains("refseg.shutdown.drain-timeout = PT1S"), o.description());
            assertEquals(0, draining.running());
            Leaks.assertNothingLeft(inference, slots);
        }
    }
}
