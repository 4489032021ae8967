package dev.refseg.keyselect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.refseg.v1.Box;
import dev.refseg.v1.Candidate;
import dev.refseg.v1.Candidates;
import dev.refseg.v1.FallbackKind;
import dev.refseg.v1.Adjustment;
import dev.refseg.v1.AdjustmentKind;
import dev.refseg.v1.KeyBox;
import dev.refseg.v1.Stage;
import dev.refseg.v1.KeyFrame;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What each kind of LLM answer becomes: the choice, or a flagged fallback, never a guess. */
class VerdictsTest {
    static final Windows.Window W = new Windows.Window(2, List.of(100, 110, 120, 130, 140));

    static Candidates three() {
        Candidates.Builder c = Candidates.newBuilder().setFrameIndex(120);
        for (int i = 0; i < 3; i++) {
            c.addCandidates(Candidate.newBuilder().setBox(Box.newBuilder().setX1(i).setY1(i).setX2(i + 10).setY2(i + 10))
                    .setScore(0.9f - i * 0.1f).setPhrase("p" + i));
        }
        return c.build();
    }

    @Test
    void keyFrameAnswersMapIntoTheirOwnWindow() {
        KeyFrame k = Verdicts.keyFrame(W, "Frame 4 shows it best.\n**[4]**", null, false);
        assertEquals(130, k.getFrameIndex());
        assertEquals(2, k.getWindowIndex());
        assertFalse(k.hasFallback());
        assertTrue(k.getReasoning().startsWith("Frame 4"));
        assertEquals("", Verdicts.keyFrame(W, "[4]", null, true).getReasoning());
    }

    @Test
    void badKeyFrameAnswersFallBackToTheWindowsFirstFrame() {
        KeyFrame err = Verdicts.keyFrame(W, null, "LLM m failed after 4 attempt(s): 503", false);
        assertEquals(100, err.getFrameIndex());
        assertEquals(FallbackKind.FALLBACK_KIND_LLM_ERROR, err.getFallback().getKind());
        assertTrue(err.getFallback().getReason().contains("503"));
        for (String reply : new String[] {"[6]", "[0]", "[2, 3]", "no idea", "", "[-1]"}) {
            KeyFrame k = Verdicts.keyFrame(W, reply, null, false);
            assertEquals(100, k.getFrameIndex(), reply);
            assertEquals(FallbackKind.FALLBACK_KIND_LLM_UNPARSABLE, k.getFallback().getKind(), reply);
        }
    }

    @Test
    void keyBoxAnswers() {
        KeyBox one = Verdicts.keyBox(three(), "Box 2 holds the dog. [2]", null, 3, "max_objects = 3", false);
        assertEquals(List.of(1), one.getCandidateIndicesList());
        assertEquals(three().getCandidates(1).getBox(), one.getBoxes(0));
        assertEquals(120, one.getFrameIndex());
        KeyBox two = Verdicts.keyBox(three(), "[3, 1]", null, 3, "max_objects = 3", false);
        assertEquals(List.of(2, 0), two.getCandidateIndicesList());
        assertEquals(List.of(), two.getAdjustmentsList(), "nothing cut");
        KeyBox cut = Verdicts.keyBox(three(), "[3, 1]", null, 1, "max_objects = 1", false);
        assertEquals(List.of(2), cut.getCandidateIndicesList());
        // The second choice is cut by max_objects, and said so with the numbers.
        assertEquals(1, cut.getAdjustmentsCount());
        Adjustment a = cut.getAdjustments(0);
        assertEquals(AdjustmentKind.ADJUSTMENT_KIND_TRUNCATED, a.getKind());
        assertEquals(Stage.STAGE_KEY_BOX, a.getStage());
        assertEquals(2, a.getBefore());
        assertEquals(1, a.getAfter());
        assertEquals("max_objects = 1", a.getLimit());
        assertTrue(a.getDetail().contains("chose 2 boxes [3, 1] on frame 120"), a.getDetail());
        KeyBox none = Verdicts.keyBox(three(), "None of them. [-1]", null, 3, "max_objects = 3", false);
        assertEquals(0, none.getBoxesCount());
        assertEquals(FallbackKind.FALLBACK_KIND_LLM_NO_MATCH, none.getFallback().getKind());
        for (String reply : new String[] {"[4]", "[0]", "[1, 9]", "box one", "[x]"}) {
            KeyBox k = Verdicts.keyBox(three(), reply, null, 3, "max_objects = 3", false);
            assertEquals(0, k.getBoxesCount(), reply);
            assertEquals(FallbackKind.FALLBACK_KIND_LLM_UNPARSABLE, k.getFallback().getKind(), reply);
        }
        KeyBox err = Verdicts.keyBox(three(), null, "timeout", 3, "max_objects = 3", false);
        assertEquals(FallbackKind.FALLBACK_KIND_LLM_ERROR, err.getFallback().getKind());
        assertEquals(FallbackKind.FALLBACK_KIND_NO_CANDIDATES, Verdicts.noCandidates(7).getFallback().getKind());
    }
}
