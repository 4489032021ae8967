package dev.refseg.audio;

import com.fasterxml.jackson.databind.JsonNode;
import dev.refseg.runtime.CanonicalGraphs;
import dev.refseg.runtime.ModelLoadException;
import dev.refseg.runtime.StrictJson;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The audio tagger's class names by output index (manifest key {@code audio.labels}), read from any of
 * the three files such taggers ship with, told apart by their content:
 * <ul>
 *   <li>AudioSet's {@code class_labels_indices.csv}: the header {@code index,mid,display_name}, then one
 *       line per class ({@code 74,/m/0bt9lr,"Dog"}; names holding commas are quoted, {@link CsvLine});</li>
 *   <li>a Hugging Face {@code config.json} (what the AST export ships): a JSON object whose {@code id2label}
 *       maps "0".."C-1" to display names; the AudioSet ids (mids) are then unknown;</li>
 *   <li>plain text: one display name per line, in class order (trailing blank lines ignored).</li>
 * </ul>
 * Indices must be 0..C-1, each once, without gaps. UTF-8; a byte-order mark is ignored. Immutable.
 */
public final class AudioLabels {
    /**
     * One class.
     *
     * @param index the tagger's output index, 0..C-1
     * @param mid   the AudioSet ontology id ("/m/0bt9lr"), "" when the file does not say
     * @param name  the display name as the file spells it ("Beep, bleep")
     */
    public record Label(int index, String mid, String name) {
    }

    /** AudioSet's mid of the Silence class. */
    public static final String SILENCE_MID = "/m/028v0c";
    static final String CSV_HEADER = "index,mid,display_name";
    /** A class_labels_indices.csv line, for a file whose header was lost. */
    private static final Pattern HEADERLESS_CSV = Pattern.compile("\\d+,\\s*\"?/[a-z]/.*");

    private final Path file;
    private final List<Label> labels;
    private final int silence;

    private AudioLabels(Path file, List<Label> labels) {
        this.file = file;
        this.labels = List.copyOf(labels);
        int s = -1;
        for (Label l : labels) {
            if (l.mid().equals(SILENCE_MID) || (s < 0 && l.name().equalsIgnoreCase("Silence"))) {
                s = l.index();
                if (l.mid().equals(SILENCE_MID)) {
                    break;
                }
            }
        }
        this.silence = s;
    }

    /**
     * Reads a labels file in whichever of the three formats it is.
     *
     * @throws ModelLoadException naming the file and, for the line formats, the line: unreadable or not UTF-8,
     *         empty, a line of the wrong shape, an index that is not a whole number, repeated or missing
     */
    public static AudioLabels load(Path file) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(file)))
                    .toString();
        } catch (CharacterCodingException e) {
            throw bad(file, "is not UTF-8 text");
        } catch (IOException e) {
            throw bad(file, "cannot be read: " + e.getMessage());
        }
        if (text.startsWith("\uFEFF")) {
            text = text.substring(1);
        }
        String[] lines = text.split("\r?\n", -1);
        String first = lines[0].strip();
        List<Label> labels;
        if (text.isBlank()) {
            throw bad(file, "is empty; " + formats());
        } else if (text.stripLeading().startsWith("{")) {
            labels = json(file);
        } else if (first.replace(" ", "").equalsIgnoreCase(CSV_HEADER)) {
            labels = csv(file, lines);
        } else {
            labels = plain(file, lines);
        }
        return new AudioLabels(file, labels);
    }

    /** The file the labels came from. */
    public Path file() {
        return file;
    }

    /** C, the number of classes. */
    public int size() {
        return labels.size();
    }

    /** @throws IndexOutOfBoundsException unless 0 &lt;= index &lt; size() */
    public Label get(int index) {
        return labels.get(index);
    }

    /** Every class, by index. */
    public List<Label> all() {
        return labels;
    }

    /**
     * The Silence class: the one whose mid is {@value #SILENCE_MID}, else the first named "Silence" (any
     * case); -1 when there is none.
     */
    public int silenceIndex() {
        return silence;
    }

    private static List<Label> csv(Path file, String[] lines) {
        Label[] byIndex = new Label[lines.length];
        int[] lineOf = new int[lines.length];
        int count = 0;
        for (int i = 1; i < lines.length; i++) {
            if (lines[i].isBlank()) {
                continue;
            }
            List<String> f;
            try {
                f = CsvLine.split(lines[i]);
            } catch (IllegalArgumentException e) {
                throw bad(file, i + 1, e.getMessage());
            }
            if (f.size() != 3) {
                throw bad(file, i + 1, f.size() + " fields where 3 are expected (" + CSV_HEADER
                        + "; quote a name that holds commas)");
            }
            int index = index(file, i + 1, f.get(0), lines.length);
            if (byIndex[index] != null) {
                throw bad(file, i + 1, "index " + index + " again (first on line " + lineOf[index] + ")");
            }
            if (f.get(2).isBlank()) {
                throw bad(file, i + 1, "no display_name");
            }
            byIndex[index] = new Label(index, f.get(1), f.get(2));
            lineOf[index] = i + 1;
            count++;
        }
        if (count == 0) {
            throw bad(file, "has the header " + CSV_HEADER + " but no class line");
        }
        return gapless(file, Arrays.copyOf(byIndex, Math.max(count, highest(byIndex) + 1)), count);
    }

    private static List<Label> json(Path file) {
        JsonNode root = StrictJson.read(file, problem -> bad(file, problem));
        JsonNode map = root == null ? null : root.get("id2label");
        if (map == null || !map.isObject() || map.isEmpty()) {
            throw bad(file, "is JSON without an id2label object (the class names of a Hugging Face config.json); "
                    + formats());
        }
        Label[] byIndex = new Label[map.size()];
        for (Iterator<Map.Entry<String, JsonNode>> it = map.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            int index;
            try {
                index = Integer.parseInt(e.getKey().strip());
            } catch (NumberFormatException x) {
                throw bad(file, "id2label key \"" + e.getKey() + "\" is not a class index");
            }
            if (index < 0 || index >= byIndex.length) {
                throw bad(file, "id2label key " + index + " is outside 0.." + (byIndex.length - 1) + " (indices "
                        + "must be 0..C-1 without gaps, C = its " + byIndex.length + " entries)");
            }
            if (!e.getValue().isTextual() || e.getValue().asText().isBlank()) {
                throw bad(file, "id2label \"" + e.getKey() + "\" is not a display name: " + e.getValue());
            }
            if (byIndex[index] != null) {
                throw bad(file, "id2label names class " + index + " twice (keys such as \"1\" and \"01\")");
            }
            byIndex[index] = new Label(index, "", e.getValue().asText());
        }
        return gapless(file, byIndex, byIndex.length);
    }

    private static List<Label> plain(Path file, String[] lines) {
        int n = lines.length;
        while (n > 0 && lines[n - 1].isBlank()) {
            n--;
        }
        String first = lines[0].strip();
        if (first.replace(" ", "").equalsIgnoreCase("label,object")) {
            throw bad(file, 1, "the header of a label->object table (" + CanonicalGraphs.AUDIO_LABEL_OBJECTS
                    + "), not of class names; " + formats());
        }
        if (HEADERLESS_CSV.matcher(first).matches()) {
            throw bad(file, 1, "a line of class_labels_indices.csv, but the file lacks its header line '"
                    + CSV_HEADER + "': add it");
        }
        List<Label> labels = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String name = lines[i].strip();
            if (name.isEmpty()) {
                throw bad(file, i + 1, "blank, but a text file of labels has one display name per line, class "
                        + "0 first, without blank lines");
            }
            labels.add(new Label(i, "", name));
        }
        return labels;
    }

    private static int index(Path file, int line, String text, int most) {
        int index;
        try {
            index = Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw bad(file, line, "index '" + text + "' is not a whole number");
        }
        if (index < 0 || index >= most) {
            throw bad(file, line, "index " + index + " is outside 0..C-1 (the file has fewer class lines)");
        }
        return index;
    }

    private static int highest(Label[] byIndex) {
        int h = -1;
        for (int i = 0; i < byIndex.length; i++) {
            h = byIndex[i] != null ? i : h;
        }
        return h;
    }

    /** The labels when indices 0..count-1 are all present, else the first missing one named. */
    private static List<Label> gapless(Path file, Label[] byIndex, int count) {
        for (int i = 0; i < byIndex.length; i++) {
            if (byIndex[i] == null) {
                throw bad(file, "has no class " + i + " (" + count + " classes with indices up to "
                        + (byIndex.length - 1) + "): indices must be 0..C-1 without gaps");
            }
        }
        return Arrays.asList(byIndex);
    }

    private static String formats() {
        return "expected AudioSet's class_labels_indices.csv (" + CSV_HEADER + "), one display name per line, or "
                + "a config.json with id2label";
    }

    private static ModelLoadException bad(Path file, String problem) {
        return new ModelLoadException(CanonicalGraphs.AUDIO_LABELS + " " + file + " " + problem);
    }

    private static ModelLoadException bad(Path file, int line, String problem) {
        return new ModelLoadException(CanonicalGraphs.AUDIO_LABELS + " " + file + ", line " + line + ": " + problem);
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%d classes from %s%s", size(), file.getFileName(),
                silence >= 0 ? ", Silence at " + silence : "");
    }
}
