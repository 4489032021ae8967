package dev.refseg.lbru;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.refseg.lbru.ReferentAnswer.Entry;
import dev.refseg.lbru.ReferentAnswer.Kind;
import dev.refseg.lbru.ReferentAnswer.Parsed;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReferentAnswerTest {
    private static final List<String> SHOWN = List.of("Dog", "Bark", "Music", "Beep, bleep", "Beep", "Piano");

    @Test
    void readsOneLinePerObjectAfterTheReasoning() {
        Parsed p = ReferentAnswer.parse("The dog on the left is barking; music is abstract.\n"
                + "[dog | Dog; Bark | 2]\n[piano | Piano | 5]", SHOWN, 5, 3);
        assertEquals(Kind.OK, p.kind());
        assertEquals(List.of(new Entry("dog", List.of("Dog", "Bark"), 2, ""), new Entry("piano", List.of("Piano"), 5, "")),
                p.entries());
        assertEquals(0, p.truncated());
    }

    @Test
    void toleratesMarkdownQuotesCaseAndAnySeparator() {
        Parsed p = ReferentAnswer.parse("**Answer:** `[\"Dog\" | bark, DOG | frame 3]`", SHOWN, 5, 1);
        assertEquals(List.of(new Entry("dog", List.of("Bark", "Dog"), 3, "")), p.entries());
    }

    @Test
    void aLabelWithACommaIsOneLabelAndItsPrefixIsNotFoundInside() {
        Parsed p = ReferentAnswer.parse("[alarm clock | Beep, bleep | 1]", SHOWN, 5, 1);
        assertEquals(List.of("Beep, bleep"), p.entries().get(0).labels());
        Parsed both = ReferentAnswer.parse("[alarm clock | Beep; Beep, bleep | 1]", SHOWN, 5, 1);
        assertEquals(List.of("Beep", "Beep, bleep"), both.entries().get(0).labels());
    }

    /**
     * The prompt shows a label as data (Prompts.asData: no brackets, quotes or pipes); the model answers with
     * that spelling, which is still matched, and reported as the tagger spells it.
     */
    @Test
    void aLabelIsFoundAsThePromptShowedIt() {
        List<String> shown = List.of("Drum [kit]", "Say \"cheese\" | shout");
        Parsed p = ReferentAnswer.parse("[drum | Drum (kit); Say 'cheese' / shout | 2]", shown, 5, 1);
        assertEquals(List.of(new Entry("drum", List.of("Drum [kit]", "Say \"cheese\" | shout"), 2, "")), p.entries());
    }

    @Test
    void aFrameOutOfRangeOrMissingIsFlaggedNotGuessed() {
        Parsed p = ReferentAnswer.parse("[dog | Dog | 9]", SHOWN, 5, 1);
        assertEquals(Kind.OK, p.kind());
        assertEquals(Entry.NO_FRAME, p.entries().get(0).frame());
        assertTrue(p.entries().get(0).note().contains("1..5"), p.entries().get(0).note());
        assertEquals(Entry.NO_FRAME, ReferentAnswer.parse("[dog | Dog | 2 or 3]", SHOWN, 5, 1).entries().get(0).frame());
        assertEquals(Entry.NO_FRAME, ReferentAnswer.parse("[dog | Dog | best]", SHOWN, 5, 1).entries().get(0).frame());
        assertEquals(Entry.NO_FRAME, ReferentAnswer.parse("[dog | Dog | 0]", SHOWN, 5, 1).entries().get(0).frame());
    }

    @Test
    void duplicatesMergeAndExtraObjectsAreCutAndCounted() {
        Parsed p = ReferentAnswer.parse("[dog | Dog | 9] [Dog | Bark | 4] [piano | Piano | 1] [car | | 2]", SHOWN, 5, 2);
        assertEquals(List.of(new Entry("dog", List.of("Dog", "Bark"), 4, ""), new Entry("piano", List.of("Piano"), 1, "")),
                p.entries());
        assertEquals(1, p.truncated());
    }

    @Test
    void noneMeansNoVisibleSourceAndNothingReadableIsUnparsable() {
        assertEquals(Kind.NO_MATCH, ReferentAnswer.parse("Only music is heard. [none]", SHOWN, 5, 1).kind());
        assertEquals(Kind.UNPARSABLE, ReferentAnswer.parse("I think it is the dog.", SHOWN, 5, 1).kind());
        assertEquals(Kind.UNPARSABLE, ReferentAnswer.parse("", SHOWN, 5, 1).kind());
        assertEquals(Kind.UNPARSABLE, ReferentAnswer.parse(null, SHOWN, 5, 1).kind());
        Parsed bad = ReferentAnswer.parse("[dog | 2]", SHOWN, 5, 1);
        assertEquals(Kind.UNPARSABLE, bad.kind());
        assertTrue(bad.detail().contains("2 parts"), bad.detail());
        // A name that is no object name (digits, a sentence-long string) is refused, not sent to the detector.
        assertEquals(Kind.UNPARSABLE, ReferentAnswer.parse("[123 | Dog | 2]", SHOWN, 5, 1).kind());
        assertEquals(Kind.UNPARSABLE, ReferentAnswer.parse("[" + "a".repeat(61) + " | Dog | 2]", SHOWN, 5, 1).kind());
    }

    @Test
    void labelsNotShownAreIgnored() {
        Parsed p = ReferentAnswer.parse("[cat | Meow; Dog | 1]", SHOWN, 5, 1);
        assertEquals(List.of("Dog"), p.entries().get(0).labels());
    }
}
