package dev.refseg.keyselect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.List;
import org.junit.jupiter.api.Test;

class KeySelectionBasicsTest {

    @Test
    void windowsOf50FramesShowFiveFramesTenApart() {
        List<Windows.Window> w = Windows.of(120, 50, 5, 10);
        assertEquals(3, w.size());
        assertEquals(List.of(0, 10, 20, 30, 40), w.get(0).frames());
        assertEquals(List.of(50, 60, 70, 80, 90), w.get(1).frames());
        assertEquals(List.of(100, 110), w.get(2).frames());
        // Answer "2" in window 1 is frame 60, whatever order the windows' answers arrive in.
        assertEquals(60, w.get(1).frameFor(2));
        assertEquals(-1, w.get(2).frameFor(3));
        assertEquals(-1, w.get(0).frameFor(0));
    }

    @Test
    void shortVideosAndSingleFrameWindows() {
        assertEquals(List.of(0, 10, 20), Windows.of(25, 50, 5, 10).get(0).frames());
        List<Windows.Window> w = Windows.of(51, 50, 5, 10);
        assertEquals(List.of(50), w.get(1).frames());
        assertFalse(w.get(1).needsChoice());
        assertEquals(List.of(0), Windows.of(1, 50, 5, 10).get(0).frames());
    }

    @Test
    void answersAreTheLastBracketedInteger() {
        assertEquals(new AnswerParser.Answer(AnswerParser.Kind.OK, 3, ""),
                AnswerParser.parse("Frame [1] shows a dog... so the answer is **[3]**", 1, 5, false));
        assertEquals(3, AnswerParser.parse("answer: [ 3 ]", 1, 5, false).value());
        assertEquals(AnswerParser.Kind.NO_MATCH, AnswerParser.parse("none fits: [-1]", 1, 3, true).kind());
        assertEquals(AnswerParser.Kind.OUT_OF_RANGE, AnswerParser.parse("[-1]", 1, 3, false).kind());
        assertEquals(AnswerParser.Kind.OUT_OF_RANGE, AnswerParser.parse("[7]", 1, 5, false).kind());
        assertEquals(AnswerParser.Kind.UNPARSABLE, AnswerParser.parse("[2, 3]", 1, 5, false).kind());
        assertEquals(AnswerParser.Kind.UNPARSABLE, AnswerParser.parse("the third one", 1, 5, false).kind());
        assertEquals(AnswerParser.Kind.UNPARSABLE, AnswerParser.parse("", 1, 5, false).kind());
        assertEquals(AnswerParser.Kind.UNPARSABLE, AnswerParser.parse(null, 1, 5, false).kind());
        assertEquals(2, AnswerParser.parse("\\[2\\]", 1, 5, false).value());
    }

    @Test
    void keyBoxAnswersMayNameSeveralBoxes() {
        assertEquals(List.of(1, 3), AnswerParser.parseChoices("two dogs: **[1, 3]**", 1, 3).values());
        assertEquals(List.of(2), AnswerParser.parseChoices("[2, 2]", 1, 3).values());
        assertEquals(AnswerParser.Kind.NO_MATCH, AnswerParser.parseChoices("[-1]", 1, 3).kind());
        assertEquals(AnswerParser.Kind.OUT_OF_RANGE, AnswerParser.parseChoices("[1, 4]", 1, 3).kind());
        assertEquals(AnswerParser.Kind.UNPARSABLE, AnswerParser.parseChoices("[one]", 1, 3).kind());
        assertEquals(AnswerParser.Kind.UNPARSABLE, AnswerParser.parseChoices(null, 1, 3).kind());
    }
}
