package dev.refseg.llm;

import dev.refseg.keyselect.BoxColours;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The GPT-PS prompts, kept as resources ({@code prompts/*.txt}, our own wording of the method's steps)
 * and filled in here: {@code {{name}}} placeholders, all of which must be given.
 */
public final class Prompts {
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{(\\w+)}}");

    /** One candidate as the key-box prompt lists it. */
    public record Candidate(String phrase, float score) {
    }

    private Prompts() {
    }

    /** The key-frame prompt for a tile of {@code count} numbered frames. */
    public static String keyFrame(String referent, int count) {
        return fill(load("key-frame.txt"), Map.of("referent", clean(referent), "count", String.valueOf(count)));
    }

    /**
     * The key-box prompt: the real number of boxes, each with its colour (as the tile draws them, {@link BoxColours}),
     * number and the detector's phrase.
     *
     * @param pivotNumber 1-based number of the pivot frame in the tile
     */
    public static String keyBox(String referent, int count, int pivotNumber, List<Candidate> boxes) {
        if (boxes.isEmpty() || boxes.size() > BoxColours.NAMES.size()) {
            throw new IllegalArgumentException("the key-box prompt needs 1.." + BoxColours.NAMES.size()
                    + " boxes, got " + boxes.size());
        }
        StringBuilder list = new StringBuilder();
        for (int i = 0; i < boxes.size(); i++) {
            list.append("- box ").append(i + 1).append(": ").append(BoxColours.NAMES.get(i))
                    .append(", labelled \"").append(clean(boxes.get(i).phrase())).append('"');
            if (i < boxes.size() - 1) {
                list.append('\n');
            }
        }
        return fill(load("key-box.txt"), Map.of("referent", clean(referent), "count", String.valueOf(count),
                "pivot", String.valueOf(pivotNumber), "boxCount", String.valueOf(boxes.size()),
                "boxNoun", boxes.size() == 1 ? "box has" : "boxes have", "boxList", list.toString()));
    }

    /** Quotes and line breaks in user text would break the prompt's structure. */
    static String clean(String s) {
        return s.replace('"', '\'').replaceAll("\\s+", " ").strip();
    }

    static String fill(String template, Map<String, String> values) {
        Matcher m = PLACEHOLDER.matcher(template);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String v = values.get(m.group(1));
            if (v == null) {
                throw new IllegalStateException("prompt placeholder {{" + m.group(1) + "}} has no value");
            }
            m.appendReplacement(out, Matcher.quoteReplacement(v));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static String load(String name) {
        try (InputStream in = Prompts.class.getResourceAsStream("/prompts/" + name)) {
            if (in == null) {
                throw new IllegalStateException("prompt resource missing: prompts/" + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
