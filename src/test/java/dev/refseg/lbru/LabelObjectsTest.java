package dev.refseg.lbru;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.refseg.fixtures.FixtureModels;
import dev.refseg.fixtures.TaggerFixture;
import dev.refseg.runtime.ModelLoadException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The label -> object tables: the bundled one, the fixtures', and files that are wrong in one way each. */
class LabelObjectsTest {
    @TempDir
    Path dir;

    private String refused(String text) throws Exception {
        Path f = dir.resolve("objects.csv");
        Files.writeString(f, text, StandardCharsets.UTF_8);
        return assertThrows(ModelLoadException.class, () -> LabelObjects.load(f)).getMessage();
    }

    @Test
    void theBundledTableMapsSoundsToVisibleThings() {
        LabelObjects t = LabelObjects.shipped();
        assertTrue(t.size() >= 60, "only " + t.size() + " labels");
        assertEquals(Optional.of("dog"), t.objectOf("Bark"));
        assertEquals(Optional.of("dog"), t.objectOf("dog"));
        assertEquals(Optional.of("violin"), t.objectOf("Violin, fiddle"));
        assertEquals(Optional.of("man"), t.objectOf("MALE SPEECH, MAN SPEAKING"));
        assertEquals(Optional.of("helicopter"), t.objectOf("Helicopter"));
        // Abstract labels name nothing to look for.
        for (String abstractLabel : List.of("Music", "Silence", "Noise", "Speech synthesizer", "Pop music",
                "Inside, small room", "Sound effect", "Environmental noise")) {
            assertEquals(Optional.empty(), t.objectOf(abstractLabel), abstractLabel);
        }
    }

    @Test
    void theFixtureTableNamesTheClipsColours(@TempDir Path models) throws Exception {
        FixtureModels.writeAll(models);
        assertTrue(Files.readString(models.resolve("manifest.properties"))
                .contains("audio.label_objects = " + TaggerFixture.OBJECTS_FILE));
        LabelObjects t = LabelObjects.load(models.resolve(TaggerFixture.OBJECTS_FILE));
        assertEquals(4, t.size());
        assertEquals(Optional.of("red"), t.objectOf("Bell"));
        assertEquals(Optional.of("blue"), t.objectOf("whistle"));
        assertEquals(Optional.of("green"), t.objectOf("Beep, bleep"));
        assertEquals(Optional.of("yellow"), t.objectOf("Hum"));
        assertEquals(Optional.empty(), t.objectOf("Music"));
    }

    @Test
    void mistakesAreNamedWithTheirLines() throws Exception {
        String m = refused("# a comment\nDog,dog\n");
        assertTrue(m.contains(", line 2: the first line that is not a comment must be the header 'label,object'"), m);
        m = refused("label,object\nDog,dog\nBeep, bleep,phone\n");
        assertTrue(m.contains(", line 3: expected two fields, label,object (quote a label that holds commas"), m);
        m = refused("label,object\nDog,dog\n\n# the same again\nDOG,puppy\n");
        assertTrue(m.contains(", line 5: 'DOG' is listed already on line 2"), m);
        m = refused("label,object\nDog,\n");
        assertTrue(m.contains(", line 2: expected two fields"), m);
        m = refused("label,object\n\"Dog,dog\n");
        assertTrue(m.contains(", line 2: the quote at column 1 is never closed"), m);
        m = refused("# nothing\n");
        assertTrue(m.contains("has no header 'label,object'"), m);
        assertTrue(m.startsWith("audio.label_objects " + dir.resolve("objects.csv")), m);
    }
}
