package dev.refseg.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.refseg.llm.FakeOpenAi;
import dev.refseg.synth.SyntheticClip;
import dev.refseg.v1.Adjustment;
import dev.refseg.v1.AdjustmentKind;
import dev.refseg.v1.Candidate;
import dev.refseg.v1.Frame;
import dev.refseg.v1.KeyBox;
import dev.refseg.v1.KeySelectionGrpc;
import dev.refseg.v1.SelectKeyBoxRequest;
import dev.refseg.v1.Stage;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * SelectKeyBox takes only candidates that can be an object on the pivot (finite corners with an area,
 * inside the 160x120 frame, a finite score in [0, 1]) and reports what it cuts: the LLM's choices
 * beyond refseg.selection.max-objects, its own detections beyond max_candidates.
 */
@QuarkusTest
@TestProfile(FakeLlmProfile.class)
class KeySelectionHardeningTest extends CallTest {
    static SyntheticClip clip;
    static List<Frame> shown = new ArrayList<>();

    @BeforeAll
    static void setUp() {
        clip = TextClips.discs(60);
        List<Frame> all = TextClips.frames(clip);
        for (int i : new int[] {3, 13, 23}) {
            shown.add(all.get(i));
        }
    }

    @BeforeEach
    void readingLlm() {
        FakeLlmProfile.readingScript();
    }

    static KeySelectionGrpc.KeySelectionBlockingStub stub() {
        return KeySelectionGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
    }

    static Candidate candidate(float x1, float y1, float x2, float y2, float score) {
        return Candidate.newBuilder().setBox(KeySelectionTest.box(x1, y1, x2, y2)).setScore(score).setPhrase("red").build();
    }

    static SelectKeyBoxRequest.Builder request(Candidate... candidates) {
        return SelectKeyBoxRequest.newBuilder().setReferent("the red disc").addAllFrames(shown).setPivotFrameIndex(13)
                .addAllCandidates(List.of(candidates));
    }

    static void assertRefused(SelectKeyBoxRequest r, String... fragments) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> stub().selectKeyBox(r));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), e.getStatus().toString());
        for (String f : fragments) {
            assertTrue(e.getStatus().getDescription().contains(f), "'" + e.getStatus().getDescription() + "' lacks '"
                    + f + "'");
        }
        assertEquals(1, stub().selectKeyBox(request(candidate(10, 10, 40, 40, 0.9f)).build()).getBoxesCount(),
                "a good call right after");
    }

    @Test
    void candidatesThatCannotBeAnObjectAreRefused() {
        // A NaN corner was once accepted and returned as the key box.
        assertRefused(request(candidate(10, 10, 40, 40, 0.9f), candidate(Float.NaN, 20, 90, 50, 0.5f)).build(),
                "candidates[1].box.x1", "finite");
        assertRefused(request(candidate(10, 10, 40, Float.POSITIVE_INFINITY, 0.9f)).build(), "candidates[0].box.y2");
        assertRefused(request(candidate(200, 10, 240, 40, 0.9f)).build(), "candidates[0].box",
                "lies wholly outside the 160x120 frame");
        assertRefused(request(candidate(140, 100, 170, 130, 0.9f)).build(), "candidates[0].box",
                "reaches outside the 160x120 frame");
        assertRefused(request(candidate(40, 10, 40, 40, 0.9f)).build(), "candidates[0].box", "has no area");
        assertRefused(request(candidate(10, 10, 40, 40, 1.5f)).build(), "candidates[0].score", "[0.0, 1.0]", "1.5");
        assertRefused(request(candidate(10, 10, 40, 40, Float.NaN)).build(), "candidates[0].score", "NaN");
        assertRefused(request(candidate(10, 10, 40, 40, 0.9f).toBuilder().setPhrase("x".repeat(201)).build()).build(),
                "candidates[0].phrase", "201 characters; at most 200");
        // Characters as written: 201 emoji are 201 characters (402 UTF-16 units), and 200 are accepted.
        String emoji = "\ud83d\ude42";
        assertRefused(request(candidate(10, 10, 40, 40, 0.9f).toBuilder().setPhrase(emoji.repeat(201)).build()).build(),
                "candidates[0].phrase: is 201 characters; at most 200");
        KeyBox accepted = stub().selectKeyBox(request(candidate(10, 10, 40, 40, 0.9f).toBuilder()
                .setPhrase(emoji.repeat(200)).build()).build());
        assertEquals(13, accepted.getFrameIndex(), accepted.toString());
        assertRefused(request(candidate(10, 10, 40, 40, 0.9f)).setPivotFrameIndex(-1).build(), "pivot_frame_index",
                "got 4294967295");
    }

    /** A negative timestamp is refused here as in Segment, naming the frame as the client sent it. */
    @Test
    void negativeTimestampsAreRefused() {
        List<Frame> frames = new ArrayList<>(shown);
        frames.set(1, frames.get(1).toBuilder().setTimestampUs(-5).build());
        assertRefused(request(candidate(10, 10, 40, 40, 0.9f)).clearFrames().addAllFrames(frames).build(),
                "frames[1].timestamp_us: is negative (-5)");
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> stub().selectKeyFrame(
                dev.refseg.v1.SelectKeyFrameRequest.newBuilder().setReferent("the red disc").addAllFrames(frames).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), e.getStatus().toString());
        assertEquals("frames[1].timestamp_us: is negative (-5)", e.getStatus().getDescription());
    }

    @Test
    void choicesBeyondMaxObjectsAreReported() {
        // Four boxes, the LLM names all four; refseg.selection.max-objects = 3 keeps the first three.
        FakeLlmProfile.FAKE.script(body -> FakeOpenAi.Answer.text("All of them. [1, 2, 3, 4]"));
        KeyBox k = stub().selectKeyBox(request(candidate(0, 0, 20, 20, 0.9f), candidate(30, 0, 50, 20, 0.8f),
                candidate(60, 0, 80, 20, 0.7f), candidate(90, 0, 110, 20, 0.6f)).build());
        assertEquals(List.of(0, 1, 2), k.getCandidateIndicesList());
        assertEquals(1, k.getAdjustmentsCount(), k.toString());
        Adjustment a = k.getAdjustments(0);
        assertEquals(AdjustmentKind.ADJUSTMENT_KIND_TRUNCATED, a.getKind());
        assertEquals(4, a.getBefore());
        assertEquals(3, a.getAfter());
        assertEquals("refseg.selection.max-objects = 3", a.getLimit());
        assertTrue(a.getDetail().contains("chose 4 boxes [1, 2, 3, 4] on frame 13"), a.getDetail());
    }

    @Test
    void ownDetectionsBeyondMaxCandidatesAreReported() {
        KeyBox k = stub().selectKeyBox(SelectKeyBoxRequest.newBuilder().setReferent("the red and the orange discs")
                .addAllFrames(shown).setPivotFrameIndex(13).setMaxCandidates(1).build());
        assertEquals(1, k.getBoxesCount(), k.toString());
        Adjustment a = k.getAdjustments(0);
        assertEquals(Stage.STAGE_CANDIDATES, a.getStage());
        assertEquals(2, a.getBefore());
        assertEquals(1, a.getAfter());
        assertEquals("max_candidates = 1", a.getLimit());
    }
}
