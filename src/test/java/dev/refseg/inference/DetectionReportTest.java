package dev.refseg.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.refseg.detect.BertTokenizer;
import dev.refseg.detect.CaptionEncoding;
import dev.refseg.detect.Detection;
import dev.refseg.detect.DetectionDecoder;
import dev.refseg.fixtures.FixtureModels;
import dev.refseg.mask.MaskProtos;
import dev.refseg.mask.PixelBox;
import dev.refseg.v1.Adjustment;
import dev.refseg.v1.AdjustmentKind;
import dev.refseg.v1.Candidates;
import dev.refseg.v1.Stage;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the detector leaves out or moves is reported, never silent; a caption is never cut. */
class DetectionReportTest {
    static final BertTokenizer TOK = new BertTokenizer(FixtureModels.VOCAB);

    /** Three queries on "the red disc." over a 200x100 frame, the second reaching past the right edge. */
    static List<Detection> detections() {
        long[] ids = TOK.encode("the red disc.");
        int padded = 8;
        float[] logits = new float[3 * padded];
        Arrays.fill(logits, -10f);
        logits[2] = 3f;             // query 0: 0.95 on "red"
        logits[padded + 2] = 2f;    // query 1: 0.88
        logits[2 * padded + 3] = 1f; // query 2: 0.73 on "disc"
        float[] boxes = {0.5f, 0.5f, 0.2f, 0.4f, 0.875f, 0.5f, 0.5f, 0.25f, 0.25f, 0.25f, 0.2f, 0.2f};
        return DetectionDecoder.decode(logits, padded, boxes, ids, TOK, 0.25f, 0.2f, 900, 200, 100);
    }

    @Test
    void clampedBoxesAndDroppedDetectionsAreReportedWithTheNumbers() {
        List<Detection> found = detections();
        assertEquals(3, found.size());
        assertTrue(found.get(1).clamped());
        assertEquals(new PixelBox(125, 37.5f, 225, 62.5f), found.get(1).predicted());
        Candidates c = DetectionReport.of(7, found, 2, 0.25f, 200, 100);
        assertEquals(2, c.getCandidatesCount());
        assertEquals(MaskProtos.box(new PixelBox(125, 37.5f, 200, 62.5f)), c.getCandidates(1).getBox(),
                "clamped to the frame");
        assertEquals(2, c.getAdjustmentsCount(), c.toString());
        Adjustment clamp = c.getAdjustments(0);
        assertEquals(AdjustmentKind.ADJUSTMENT_KIND_CLAMPED, clamp.getKind());
        assertEquals("candidates[1].box", clamp.getSubject());
        assertTrue(clamp.getDetail().contains("(125.0, 37.5, 225.0, 62.5)"), clamp.getDetail());
        assertTrue(clamp.getDetail().contains("clamped to (125.0, 37.5, 200.0, 62.5)"), clamp.getDetail());
        assertEquals("frame 200x100", clamp.getLimit());
        Adjustment cut = c.getAdjustments(1);
        assertEquals(AdjustmentKind.ADJUSTMENT_KIND_TRUNCATED, cut.getKind());
        assertEquals(Stage.STAGE_CANDIDATES, cut.getStage());
        assertEquals(3, cut.getBefore());
        assertEquals(2, cut.getAfter());
        assertEquals("max_candidates = 2", cut.getLimit());
    }

    @Test
    void nothingToReportWhenNothingIsCutOrMoved() {
        List<Detection> found = detections();
        Candidates c = DetectionReport.of(7, List.of(found.get(0), found.get(2)), 3, 0.25f, 200, 100);
        assertEquals(2, c.getCandidatesCount());
        assertEquals(List.of(), c.getAdjustmentsList());
    }

    @Test
    void aCaptionOverTheTextEncodersLengthIsRefusedNotCut() {
        String atLimit = "red ".repeat(CaptionEncoding.MAX_TEXT_LEN - 3).strip(); // + [CLS], ".", [SEP]
        assertEquals(CaptionEncoding.MAX_TEXT_LEN, CaptionEncoding.tokenCount(atLimit, TOK));
        assertEquals(CaptionEncoding.MAX_TEXT_LEN, CaptionEncoding.of(atLimit, TOK).length());
        String over = atLimit + " disc";
        assertEquals(CaptionEncoding.MAX_TEXT_LEN + 1, CaptionEncoding.tokenCount(over, TOK));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CaptionEncoding.of(over, TOK));
        assertTrue(e.getMessage().contains("257 tokens"), e.getMessage());
    }
}
