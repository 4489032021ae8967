package dev.refseg.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.refseg.inference.InferenceBackend;
import dev.refseg.llm.FakeOpenAi;
import dev.refseg.llm.ReadingScript;
import dev.refseg.mask.MaskProtos;
import dev.refseg.mask.PixelBox;
import dev.refseg.segment.SessionSlots;
import dev.refseg.synth.SyntheticClip;
import dev.refseg.v1.Box;
import dev.refseg.v1.Candidate;
import dev.refseg.v1.FallbackKind;
import dev.refseg.v1.Frame;
import dev.refseg.v1.KeyBox;
import dev.refseg.v1.KeyFrame;
import dev.refseg.v1.KeySelectionGrpc;
import dev.refseg.v1.SelectKeyBoxRequest;
import dev.refseg.v1.SelectKeyFrameRequest;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The two GPT-PS steps as standalone RPCs, against the fake LLM. */
@QuarkusTest
@TestProfile(FakeLlmProfile.class)
class KeySelectionTest {
    static final FakeOpenAi FAKE = FakeLlmProfile.FAKE;
    static final int[] SHOWN = {3, 13, 23, 33, 43};
    static SyntheticClip clip;
    static List<Frame> shown = new ArrayList<>();
    static ManagedChannel channel;
    static KeySelectionGrpc.KeySelectionBlockingStub stub;

    @Inject
    InferenceBackend inference;
    @Inject
    SessionSlots slots;

    @BeforeAll
    static void setUp() {
        clip = TextClips.discs(60);
        List<Frame> all = TextClips.frames(clip);
        for (int i : SHOWN) {
            shown.add(all.get(i));
        }
        channel = ManagedChannelBuilder.forAddress("localhost", TestPorts.grpc()).usePlaintext().maxInboundMessageSize(64 << 20)
                .build();
        stub = KeySelectionGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
    }

    @AfterAll
    static void tearDown() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    @BeforeEach
    void readingLlm() {
        FakeLlmProfile.readingScript();
    }

    @AfterEach
    void nothingLeaks() throws InterruptedException {
        Leaks.assertAllReleased(inference, slots);
    }

    @Test
    void keyFrameIsTheShownFrameTheLlmNamesAsAStreamIndex() {
        int best = SHOWN[0];
        for (int i : SHOWN) {
            if (clip.truth().get(1).get(i).area() > clip.truth().get(1).get(best).area()) {
                best = i;
            }
        }
        KeyFrame k = stub.selectKeyFrame(SelectKeyFrameRequest.newBuilder().setReferent("the orange disc")
                .addAllFrames(shown).build());
        // The fake picks the frame with the most orange pixels: the disc fully in view (ties are JPEG noise).
        assertTrue(List.of(3, 13, 23, 33, 43).contains(k.getFrameIndex()), k.toString());
        long area = clip.truth().get(1).get(k.getFrameIndex()).area();
        assertTrue(area >= 0.95 * clip.truth().get(1).get(best).area(), k.getFrameIndex() + " vs " + best);
        assertEquals(List.of(3, 13, 23, 33, 43), k.getShownFramesList());
        assertTrue(k.getReasoning().contains("Frame"), k.getReasoning());
        assertTrue(!k.hasFallback(), k.toString());
        assertEquals(5 * 384, ReadingScript.parse(FAKE.requests.get(0)).image().getHeight());

        KeyFrame quiet = stub.selectKeyFrame(SelectKeyFrameRequest.newBuilder().setReferent("the orange disc")
                .addAllFrames(shown).setOmitReasoning(true).build());
        assertEquals("", quiet.getReasoning());
        assertEquals(k.getFrameIndex(), quiet.getFrameIndex());
    }

    @Test
    void anUnreadableKeyFrameAnswerFallsBackToTheFirstFrameFlagged() {
        FAKE.script(body -> FakeOpenAi.Answer.text("Frame [7] is best."));
        KeyFrame k = stub.selectKeyFrame(SelectKeyFrameRequest.newBuilder().setReferent("the orange disc")
                .addAllFrames(shown).build());
        assertEquals(3, k.getFrameIndex());
        assertEquals(FallbackKind.FALLBACK_KIND_LLM_UNPARSABLE, k.getFallback().getKind());
        assertTrue(k.getFallback().getReason().contains("outside 1..5"), k.getFallback().getReason());
    }

    /** The client gives up while the LLM thinks: the request is aborted on the wire, and the next call is answered. */
    @Test
    void cancellingWhileTheLlmThinksAbortsTheRequest() throws Exception {
        FAKE.script(body -> FakeOpenAi.Answer.hold());
        SelectKeyFrameRequest request = SelectKeyFrameRequest.newBuilder().setReferent("the orange disc")
                .addAllFrames(shown).build();
        var call = KeySelectionGrpc.newFutureStub(channel).selectKeyFrame(request);
        assertTrue(FakeOpenAi.await(() -> FAKE.inFlight.get() == 1, 30_000), "the question is held");
        call.cancel(true);
        assertTrue(FakeOpenAi.await(() -> FAKE.aborted.get() == 1, 10_000), "the fake saw the connection closed");
        assertTrue(FAKE.abortedAfterMillis.get(0) < 2000,
                "aborted " + FAKE.abortedAfterMillis.get(0) + " ms after it arrived: by the 3 s timeout, not the cancel");
        FakeLlmProfile.readingScript();
        assertTrue(!stub.selectKeyFrame(request).hasFallback(), "answered");
    }

    @Test
    void keyBoxAmongDetectedCandidates() {
        KeyBox k = stub.selectKeyBox(SelectKeyBoxRequest.newBuilder().setReferent("the orange disc, not the red one")
                .addAllFrames(shown).setPivotFrameIndex(23).build());
        assertEquals(23, k.getFrameIndex());
        assertEquals(1, k.getBoxesCount(), k.toString());
        PixelBox truth = PixelBox.of(clip.truth().get(1).get(23));
        assertTrue(MaskProtos.fromBox(k.getBoxes(0)).iou(truth) > 0.8, k + " vs " + truth);
        ReadingScript.Request r = ReadingScript.parse(FAKE.requests.get(0));
        assertEquals(List.of("red", "orange").stream().sorted().toList(), r.boxLabels().stream().sorted().toList());
        assertTrue(r.prompt().contains("In frame 3, 2 candidate boxes"), r.prompt());
    }

    @Test
    void keyBoxAmongGivenCandidatesAndNoMatch() {
        Candidate magenta = Candidate.newBuilder().setBox(box(10, 10, 40, 40)).setScore(0.9f).setPhrase("magenta").build();
        Candidate red = Candidate.newBuilder().setBox(box(60, 20, 90, 50)).setScore(0.5f).setPhrase("red").build();
        KeyBox k = stub.selectKeyBox(SelectKeyBoxRequest.newBuilder().setReferent("the red disc").addAllFrames(shown)
                .setPivotFrameIndex(13).addCandidates(magenta).addCandidates(red).build());
        assertEquals(List.of(1), k.getCandidateIndicesList());
        assertEquals(red.getBox(), k.getBoxes(0));

        KeyBox none = stub.selectKeyBox(SelectKeyBoxRequest.newBuilder().setReferent("the cyan disc").addAllFrames(shown)
                .setPivotFrameIndex(13).addCandidates(magenta).addCandidates(red).build());
        assertEquals(0, none.getBoxesCount());
        assertEquals(FallbackKind.FALLBACK_KIND_LLM_NO_MATCH, none.getFallback().getKind());
        assertTrue(none.getReasoning().endsWith("[-1]"), none.getReasoning());
    }

    @Test
    void badRequestsNameTheField() {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> stub.selectKeyBox(
                SelectKeyBoxRequest.newBuilder().setReferent("the red disc").addAllFrames(shown).setPivotFrameIndex(5)
                        .build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().startsWith("pivot_frame_index"), e.getStatus().getDescription());
        e = assertThrows(StatusRuntimeException.class, () -> stub.selectKeyFrame(SelectKeyFrameRequest.newBuilder()
                .setReferent(" ").addAllFrames(shown).build()));
        assertTrue(e.getStatus().getDescription().startsWith("referent"), e.getStatus().getDescription());
        List<Frame> twice = List.of(shown.get(0), shown.get(0));
        e = assertThrows(StatusRuntimeException.class, () -> stub.selectKeyFrame(SelectKeyFrameRequest.newBuilder()
                .setReferent("x").addAllFrames(twice).build()));
        assertTrue(e.getStatus().getDescription().startsWith("frames[1].index"), e.getStatus().getDescription());
        List<Frame> many = new ArrayList<>();
        for (int i = 0; i < 17; i++) {
            many.add(shown.get(0).toBuilder().setIndex(i).build());
        }
        e = assertThrows(StatusRuntimeException.class, () -> stub.selectKeyFrame(SelectKeyFrameRequest.newBuilder()
                .setReferent("x").addAllFrames(many).build()));
        assertTrue(e.getStatus().getDescription().contains("1 to 16"), e.getStatus().getDescription());
        Frame corrupt = shown.get(0).toBuilder().setData(shown.get(0).getData().substring(0, 100)).build();
        e = assertThrows(StatusRuntimeException.class, () -> stub.selectKeyFrame(SelectKeyFrameRequest.newBuilder()
                .setReferent("x").addFrames(corrupt).addFrames(shown.get(1)).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().startsWith("frames[0]"), e.getStatus().getDescription());
    }

    static Box box(float x1, float y1, float x2, float y2) {
        return Box.newBuilder().setX1(x1).setY1(y1).setX2(x2).setY2(y2).build();
    }
}
