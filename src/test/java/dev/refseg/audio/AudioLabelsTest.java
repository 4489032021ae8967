package dev.refseg.audio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.refseg.audio.AudioLabels.Label;
import dev.refseg.runtime.ModelLoadException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The three labels formats, the Silence class, and files that are wrong in one way each. */
class AudioLabelsTest {
    @TempDir
    Path dir;

    private AudioLabels load(String name, String text) throws Exception {
        Path f = dir.resolve(name);
        Files.writeString(f, text, StandardCharsets.UTF_8);
        return AudioLabels.load(f);
    }

    private String refused(String name, String text) throws Exception {
        Path f = dir.resolve(name);
        Files.writeString(f, text, StandardCharsets.UTF_8);
        String m = assertThrows(ModelLoadException.class, () -> AudioLabels.load(f)).getMessage();
        assertTrue(m.startsWith("audio.labels " + f), m);
        return m;
    }

    @Test
    void audioSetsCsvWithQuotedNames() throws Exception {
        // As AudioSet writes it (every name quoted), with CRLF line ends and a byte-order mark.
        AudioLabels l = load("class_labels_indices.csv", "\uFEFFindex,mid,display_name\r\n0,/m/09x0r,\"Speech\"\r\n"
                + "1,/m/0bt9lr,\"Dog\"\r\n2,/m/02fs_r,\"Beep, bleep\"\r\n3,/m/028v0c,\"Silence\"\r\n"
                + "4,/m/07qfr4h,\"Hubbub, speech noise, speech babble\"\r\n");
        assertEquals(5, l.size());
        assertEquals(new Label(1, "/m/0bt9lr", "Dog"), l.get(1));
        assertEquals("Beep, bleep", l.get(2).name());
        assertEquals("Hubbub, speech noise, speech babble", l.get(4).name());
        assertEquals(3, l.silenceIndex());
        assertEquals(List.of(0, 1, 2, 3, 4), l.all().stream().map(Label::index).toList());
    }

    @Test
    void csvLinesInAnyOrderAndTheSilenceMidBeforeTheName() throws Exception {
        AudioLabels l = load("labels.csv", "index,mid,display_name\n2,/m/028v0c,Quiet\n0,/m/x,Silence\n1,/m/y,Dog\n");
        assertEquals("Dog", l.get(1).name());
        // The AudioSet mid decides over a class merely called Silence.
        assertEquals(2, l.silenceIndex());
    }

    @Test
    void plainTextOneNamePerLine() throws Exception {
        AudioLabels l = load("labels.txt", "Speech\nDog\nBeep, bleep\nsilence\n\n");
        assertEquals(4, l.size());
        assertEquals(new Label(2, "", "Beep, bleep"), l.get(2));
        assertEquals(3, l.silenceIndex());
        assertEquals(-1, load("nosilence.txt", "Speech\nDog\n").silenceIndex());
    }

    @Test
    void huggingFaceConfigJsonId2label() throws Exception {
        AudioLabels l = load("config.json", "{\"architectures\": [\"ASTForAudioClassification\"], \"hidden_size\": 768,"
                + " \"id2label\": {\"0\": \"Speech\", \"2\": \"Silence\", \"1\": \"Beep, bleep\"},"
                + " \"label2id\": {\"Speech\": 0, \"Beep, bleep\": 1, \"Silence\": 2}}");
        assertEquals(3, l.size());
        assertEquals(new Label(1, "", "Beep, bleep"), l.get(1));
        assertEquals(2, l.silenceIndex());
    }

    @Test
    void aGapARepeatAndABadIndexAreNamedWithTheirLines() throws Exception {
        String m = refused("gap.csv", "index,mid,display_name\n0,/m/a,A\n1,/m/b,B\n3,/m/d,D\n");
        assertTrue(m.contains("has no class 2 (3 classes with indices up to 3): indices must be 0..C-1 without gaps"), m);
        m = refused("repeat.csv", "index,mid,display_name\n0,/m/a,A\n1,/m/b,B\n1,/m/c,C\n");
        assertTrue(m.endsWith(", line 4: index 1 again (first on line 3)"), m);
        m = refused("word.csv", "index,mid,display_name\n0,/m/a,A\nx,/m/b,B\n");
        assertTrue(m.endsWith(", line 3: index 'x' is not a whole number"), m);
        m = refused("fields.csv", "index,mid,display_name\n0,/m/a,A\n1,/m/b,Beep, bleep\n");
        assertTrue(m.contains(", line 3: 4 fields where 3 are expected (index,mid,display_name; quote a name that "
                + "holds commas)"), m);
        m = refused("quote.csv", "index,mid,display_name\n0,/m/a,\"Beep, bleep\n");
        assertTrue(m.contains(", line 2: the quote at column 8 is never closed"), m);
        m = refused("far.csv", "index,mid,display_name\n0,/m/a,A\n527,/m/b,B\n");
        assertTrue(m.contains(", line 3: index 527 is outside 0..C-1"), m);
        m = refused("json-twice.json", "{\"id2label\": {\"1\": \"A\", \"01\": \"B\"}}");
        assertTrue(m.contains("id2label names class 1 twice"), m);
        m = refused("json-far.json", "{\"id2label\": {\"0\": \"A\", \"5\": \"B\"}}");
        assertTrue(m.contains("id2label key 5 is outside 0..1"), m);
    }

    @Test
    void otherFilesAreRefusedSayingWhatIsExpected() throws Exception {
        String m = refused("empty.txt", "\n\n");
        assertTrue(m.contains("is empty; expected AudioSet's class_labels_indices.csv"), m);
        m = refused("blank.txt", "Speech\n\nDog\n");
        assertTrue(m.contains(", line 2: blank, but a text file of labels has one display name per line"), m);
        m = refused("headerless.csv", "0,/m/09x0r,\"Speech\"\n1,/m/0bt9lr,\"Dog\"\n");
        assertTrue(m.contains(", line 1: a line of class_labels_indices.csv, but the file lacks its header line"), m);
        m = refused("objects.csv", "label,object\nDog,dog\n");
        assertTrue(m.contains("the header of a label->object table (audio.label_objects)"), m);
        m = refused("config.json", "{\"model_type\": \"grounding-dino\"}");
        assertTrue(m.contains("is JSON without an id2label object"), m);
        m = refused("broken.json", "{\"id2label\": {\"0\": \"A\"}");
        assertTrue(m.contains("is not valid JSON"), m);
        Path latin1 = dir.resolve("latin1.txt");
        Files.write(latin1, new byte[] {'c', 'a', 'f', (byte) 0xE9, '\n'});
        m = assertThrows(ModelLoadException.class, () -> AudioLabels.load(latin1)).getMessage();
        assertTrue(m.endsWith("is not UTF-8 text"), m);
    }

    @Test
    void csvFieldsAreSplitAsRfc4180QuotesThem() {
        assertEquals(List.of("4", "/m/x", "Beep, bleep"), CsvLine.split("4,/m/x,\"Beep, bleep\""));
        assertEquals(List.of("a \"b\"", "", "c"), CsvLine.split("\"a \"\"b\"\"\",,c"));
        assertEquals(List.of("Dog", "dog"), CsvLine.split(" Dog , dog "));
        assertEquals(List.of("x", ""), CsvLine.split("x,"));
        assertThrows(IllegalArgumentException.class, () -> CsvLine.split("a\"b,c"));
        assertThrows(IllegalArgumentException.class, () -> CsvLine.split("\"a\"b,c"));
    }
}
