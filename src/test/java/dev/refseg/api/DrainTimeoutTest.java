package dev.refseg.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.util.concurrent.ListenableFuture;
import dev.refseg.llm.FakeOpenAi;
import dev.refseg.synth.SampleClip;
import dev.refseg.v1.Frame;
import dev.refseg.v1.KeyFrame;
import dev.refseg.v1.KeySelectionGrpc;
import dev.refseg.v1.SegmentRequest;
import dev.refseg.v1.SegmentResponse;
import dev.refseg.v1.SelectKeyFrameRequest;
import dev.refseg.v1.Start;
import io.grpc.Status;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Issue 12, item 7: calls that cannot finish within {@code refseg.shutdown.drain-timeout} (a stream whose
 * client never half-closes, a key-frame question the LLM never answers) are ended with UNAVAILABLE naming
 * the key, and free everything they held: sessions, tracking state, the LLM request (aborted on the wire).
 */
@QuarkusTest
@TestProfile(DrainProfiles.ShortTimeout.class)
class DrainTimeoutTest extends DrainTestBase {

    @Test
    void callsThatOutliveTheTimeoutEndUnavailableNamingTheKey() throws Exception {
        List<Frame> frames = TextClips.frames(SampleClip.render());
        FakeLlmProfile.FAKE.reset();
        FakeLlmProfile.FAKE.script(body -> FakeOpenAi.Answer.hold());
        try (StreamClient client = new StreamClient()) {
            StreamClient.Call stalled = client.open();
            stalled.requests.onNext(SegmentRequest.newBuilder().setStart(Start.newBuilder().setText("the red disc")
                    .setRequestTag("stalled")).build());
            for (Frame f : frames.subList(0, 5)) {
                stalled.requests.onNext(SegmentRequest.newBuilder().setFrame(f).build());
            }
            awaitTrue(() -> stalled.eventsSoFar().stream().anyMatch(e -> e.getEventCase()
                    == SegmentResponse.EventCase.PROGRESS && e.getProgress().getFramesDecoded() == 5),
                    "the five frames taken in");
            // Last, so that the drain timeout passes well before the LLM timeout (refseg.llm.timeout = 5s) would.
            ListenableFuture<KeyFrame> question = KeySelectionGrpc.newFutureStub(client.channel)
                    .withDeadlineAfter(60, TimeUnit.SECONDS).selectKeyFrame(SelectKeyFrameRequest.newBuilder()
                            .setReferent("the red disc").addAllFrames(frames.subList(0, 3)).build());
            awaitTrue(() -> FakeLlmProfile.FAKE.inFlight.get() == 1, "the LLM question held");

            draining.drain(); // returns once both calls have been ended and have freed their sessions

            StreamClient.Outcome o = stalled.await();
            assertEquals(Status.Code.UNAVAILABLE, o.status().getCode(), o.description());
            assertTrue(o.description().contains("refseg.shutdown.drain-timeout = PT1S"), o.description());
            ExecutionException unary = assertThrows(ExecutionException.class, () -> question.get(30, TimeUnit.SECONDS));
            Status s = Status.fromThrowable(unary.getCause());
            assertEquals(Status.Code.UNAVAILABLE, s.getCode(), s.getDescription());
            assertTrue(s.getDescription().contains("refseg.shutdown.drain-timeout = PT1S"), s.getDescription());
            awaitTrue(() -> FakeLlmProfile.FAKE.aborted.get() >= 1 && FakeLlmProfile.FAKE.inFlight.get() == 0,
                    "the held LLM request aborted");
            assertEquals(0, draining.running());
            Leaks.assertNothingLeft(inference, slots);
        }
    }
}
