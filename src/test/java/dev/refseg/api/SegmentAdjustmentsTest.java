package dev.refseg.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.refseg.synth.SyntheticClip;
import dev.refseg.v1.Adjustment;
import dev.refseg.v1.AdjustmentKind;
import dev.refseg.v1.Candidates;
import dev.refseg.v1.KeyBox;
import dev.refseg.v1.SegmentOptions;
import dev.refseg.v1.SegmentResponse;
import dev.refseg.v1.Stage;
import dev.refseg.v1.Summary;
import io.grpc.Status;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Whatever Segment leaves out instead of refusing is reported with the numbers, in the event of the step
 * that did it and in the Summary: a trailing one-frame key-frame window, key-box choices beyond
 * max_objects, detections above the threshold beyond max_candidates, pivots whose boxes do not seed the
 * objects. Against the fake LLM that answers as the prompts ask (ReadingScript).
 */
@QuarkusTest
@TestProfile(FakeLlmProfile.class)
class SegmentAdjustmentsTest extends CallTest {
    /** Two full windows of 30 frames and a trailing window holding only frame 60. */
    static SyntheticClip clip;
    static List<dev.refseg.v1.Frame> frames;

    @BeforeAll
    static void setUp() {
        clip = TextClips.discs(61);
        frames = TextClips.frames(clip);
    }

    @BeforeEach
    void readingLlm() {
        FakeLlmProfile.readingScript();
    }

    static StreamClient.Outcome segment(String text, SegmentOptions options) throws InterruptedException {
        try (StreamClient c = new StreamClient()) {
            StreamClient.Outcome o = c.run(TextClips.requests(text, options, frames));
            assertEquals(Status.Code.OK, o.status().getCode(), o.description());
            return o;
        }
    }

    static Summary summary(StreamClient.Outcome o) {
        return o.of(SegmentResponse.EventCase.SUMMARY).get(0).getSummary();
    }

    @Test
    void aTrailingWindowAndChoicesBeyondMaxObjectsAreReported() throws Exception {
        // The LLM names both discs on each pivot ([1, 2]); max_objects = 1 keeps the first.
        StreamClient.Outcome o = segment("the red and the orange discs",
                TextClips.WINDOWS.toBuilder().setMaxObjects(1).build());
        Summary s = summary(o);
        assertEquals(1, s.getObjects());

        Adjustment window = s.getAdjustmentsList().stream().filter(a -> a.getStage() == Stage.STAGE_KEY_FRAME)
                .findFirst().orElseThrow(() -> new AssertionError(s.getAdjustmentsList().toString()));
        assertEquals(AdjustmentKind.ADJUSTMENT_KIND_SKIPPED, window.getKind());
        assertEquals("window 2", window.getSubject());
        assertTrue(window.getDetail().contains("holds only frame 60"), window.getDetail());
        assertEquals(1, window.getBefore());
        assertEquals(0, window.getAfter());
        assertEquals(2, o.of(SegmentResponse.EventCase.KEY_FRAME).size(), "windows 0 and 1 only");

        List<KeyBox> boxes = o.of(SegmentResponse.EventCase.KEY_BOX).stream().map(SegmentResponse::getKeyBox).toList();
        assertEquals(2, boxes.size());
        List<Adjustment> cuts = s.getAdjustmentsList().stream().filter(a -> a.getStage() == Stage.STAGE_KEY_BOX).toList();
        assertEquals(2, cuts.size(), s.getAdjustmentsList().toString());
        for (int i = 0; i < 2; i++) {
            KeyBox k = boxes.get(i);
            assertEquals(1, k.getBoxesCount());
            Adjustment a = k.getAdjustments(0);
            assertEquals(AdjustmentKind.ADJUSTMENT_KIND_TRUNCATED, a.getKind());
            assertEquals(2, a.getBefore());
            assertEquals(1, a.getAfter());
            assertEquals("max_objects = 1", a.getLimit());
            assertEquals("frame " + k.getFrameIndex() + " boxes", cuts.get(i).getSubject(), "summary names the frame");
            assertEquals(a.getDetail(), cuts.get(i).getDetail());
        }
    }

    @Test
    void detectionsBeyondMaxCandidatesAreReported() throws Exception {
        StreamClient.Outcome o = segment("the red and the orange discs",
                TextClips.WINDOWS.toBuilder().setMaxCandidates(1).build());
        Summary s = summary(o);
        List<Candidates> cands = o.of(SegmentResponse.EventCase.CANDIDATES).stream().map(SegmentResponse::getCandidates)
                .toList();
        assertEquals(2, cands.size());
        for (Candidates c : cands) {
            assertEquals(1, c.getCandidatesCount());
            Adjustment a = c.getAdjustments(0);
            assertEquals(AdjustmentKind.ADJUSTMENT_KIND_TRUNCATED, a.getKind());
            assertEquals(Stage.STAGE_CANDIDATES, a.getStage());
            assertEquals(2, a.getBefore(), "the red and the orange disc score above 0.25");
            assertEquals(1, a.getAfter());
            assertEquals("max_candidates = 1", a.getLimit());
            assertTrue(a.getDetail().contains("2 boxes score above the box threshold 0.25; the best 1 are kept"),
                    a.getDetail());
            assertTrue(s.getAdjustmentsList().contains(a.toBuilder().setSubject("frame " + c.getFrameIndex()
                    + " candidates").build()), s.getAdjustmentsList().toString());
        }
    }

    @Test
    void pivotsWhoseBoxesDoNotSeedTheObjectsAreReported() throws Exception {
        // Both pivots give two boxes; the two objects are seeded from one of them only.
        StreamClient.Outcome o = segment("the red and the orange discs", TextClips.WINDOWS);
        Summary s = summary(o);
        assertEquals(2, s.getObjects());
        List<Adjustment> unused = s.getAdjustmentsList().stream().filter(a -> a.getStage() == Stage.STAGE_KEY_BOX
                && a.getKind() == AdjustmentKind.ADJUSTMENT_KIND_SKIPPED).toList();
        assertEquals(1, unused.size(), s.getAdjustmentsList().toString());
        assertEquals(2, unused.get(0).getBefore());
        assertEquals(0, unused.get(0).getAfter());
        assertTrue(unused.get(0).getDetail().contains("do not seed the objects"), unused.get(0).getDetail());
    }
}
