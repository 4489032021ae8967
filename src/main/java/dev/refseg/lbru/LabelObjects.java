package dev.refseg.lbru;

import dev.refseg.audio.CsvLine;
import dev.refseg.runtime.CanonicalGraphs;
import dev.refseg.runtime.ModelLoadException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The label -> object table of the no-LLM baseline ({@code audio.label_objects}): which visible object a
 * tagger's AudioSet label stands for ("Bark" -> "dog"), so the detector can be asked for it without a
 * language model. A CSV file ({@link CsvLine}: names holding commas are quoted): the header
 * {@code label,object}, then one {@code display_name,object} line per label, the label spelt as AudioSet
 * does; lines starting with {@code #} and blank lines are ignored; UTF-8, a byte-order mark ignored. Labels
 * are matched ignoring case. {@link #shipped()} is the bundled table
 * ({@code dev/refseg/lbru/label-objects.csv}); a copy named as {@code audio.label_objects} in
 * manifest.properties replaces it. Immutable.
 */
public final class LabelObjects {
    static final String HEADER = "label,object";
    static final String RESOURCE = "/dev/refseg/lbru/label-objects.csv";

    /** Object by lower-case label. */
    private final Map<String, String> objects;

    private LabelObjects(Map<String, String> objects) {
        this.objects = Map.copyOf(objects);
    }

    /**
     * Reads a table file.
     *
     * @throws ModelLoadException naming the file and the line: unreadable or not UTF-8, no header, a line
     *         without exactly two non-empty fields, a label listed twice
     */
    public static LabelObjects load(Path file) {
        try {
            return parse(decode(Files.readAllBytes(file)), file.toString());
        } catch (CharacterCodingException e) {
            throw new ModelLoadException(CanonicalGraphs.AUDIO_LABEL_OBJECTS + " " + file + " is not UTF-8 text");
        } catch (IOException e) {
            throw new ModelLoadException(CanonicalGraphs.AUDIO_LABEL_OBJECTS + " " + file + " cannot be read: "
                    + e.getMessage());
        }
    }

    /** The table bundled with refseg: common AudioSet labels of things a detector can see. */
    public static LabelObjects shipped() {
        try (InputStream in = LabelObjects.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the bundled table " + RESOURCE + " is missing from the build");
            }
            return parse(decode(in.readAllBytes()), "the bundled " + RESOURCE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the bundled " + RESOURCE, e);
        }
    }

    /** The object the label stands for ("Bark" -> "dog"), ignoring the label's case; empty when not listed. */
    public Optional<String> objectOf(String label) {
        return Optional.ofNullable(objects.get(key(label)));
    }

    /** Labels listed. */
    public int size() {
        return objects.size();
    }

    private static String decode(byte[] bytes) throws CharacterCodingException {
        String text = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        return text.startsWith("\uFEFF") ? text.substring(1) : text;
    }

    private static LabelObjects parse(String text, String source) {
        Map<String, String> objects = new HashMap<>();
        Map<String, Integer> lineOf = new HashMap<>();
        boolean header = false;
        String[] lines = text.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            if (!header) {
                if (!line.replace(" ", "").equalsIgnoreCase(HEADER)) {
                    throw bad(source, i + 1, "the first line that is not a comment must be the header '" + HEADER
                            + "', not '" + line + "'");
                }
                header = true;
                continue;
            }
            List<String> f;
            try {
                f = CsvLine.split(line);
            } catch (IllegalArgumentException e) {
                throw bad(source, i + 1, e.getMessage());
            }
            if (f.size() != 2 || f.get(0).isEmpty() || f.get(1).isEmpty()) {
                throw bad(source, i + 1, "expected two fields, label,object (quote a label that holds commas: "
                        + "\"Beep, bleep\",phone), got " + f);
            }
            Integer before = lineOf.putIfAbsent(key(f.get(0)), i + 1);
            if (before != null) {
                throw bad(source, i + 1, "'" + f.get(0) + "' is listed already on line " + before);
            }
            objects.put(key(f.get(0)), f.get(1));
        }
        if (!header) {
            throw new ModelLoadException(CanonicalGraphs.AUDIO_LABEL_OBJECTS + " " + source + " has no header '"
                    + HEADER + "' and no entries");
        }
        return new LabelObjects(objects);
    }

    private static String key(String label) {
        return label.strip().toLowerCase(Locale.ROOT);
    }

    private static ModelLoadException bad(String source, int line, String problem) {
        return new ModelLoadException(CanonicalGraphs.AUDIO_LABEL_OBJECTS + " " + source + ", line " + line + ": "
                + problem);
    }
}
