package dev.refseg.llm;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class PromptsTest {
    @Test
    void keyFramePromptNamesTheReferentAndTheRealFrameCount() {
        String p = Prompts.keyFrame("the man in the \"red\" shirt\n", 4);
        assertTrue(p.contains("\"the man in the 'red' shirt\""), p);
        assertTrue(p.contains("4 frames") && p.contains("1 to 4"), p);
        assertTrue(p.strip().endsWith("put it last."), p);
        assertFalse(p.contains("{{"), p);
    }

    @Test
    void keyBoxPromptListsEveryBoxWithItsColourNumberAndPhrase() {
        String p = Prompts.keyBox("the blue square", 5, 3, List.of(new Prompts.Candidate("blue square", 0.8f),
                new Prompts.Candidate("square", 0.4f)));
        assertTrue(p.contains("In frame 3, 2 candidate boxes have been drawn"), p);
        assertTrue(p.contains("- box 1: green, labelled \"blue square\""), p);
        assertTrue(p.contains("- box 2: magenta, labelled \"square\""), p);
        assertTrue(p.contains("[-1]") && p.contains("\"the blue square\""), p);
        assertFalse(p.contains("{{"), p);
        String one = Prompts.keyBox("the dog", 5, 1, List.of(new Prompts.Candidate("dog", 0.9f)));
        assertTrue(one.contains("1 candidate box has been drawn"), one);
        assertThrows(IllegalArgumentException.class, () -> Prompts.keyBox("x", 5, 1, List.of()));
    }
}
