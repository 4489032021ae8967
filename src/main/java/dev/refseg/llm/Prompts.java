package dev.refseg.llm;

import dev.refseg.keyselect.BoxColours;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The GPT-PS prompts, kept as resources ({@code prompts/*.txt}, our own wording of the method's steps)
 * and filled in here: {@code {{name}}} placeholders, all of which must be given.
 *
 * <p>Text that does not come from us (the client's referent, detector phrases, tagger label names,
 * object names from an earlier reply) is data, never part of the instructions: each template puts it on
 * its own lines between {@code <name>} and {@code </name>} lines and tells the model so, and
 * {@link #asData} first takes out of it whatever could end that block or plant an answer (line breaks,
 * angle and square brackets, invisible characters). The answers are read from the last bracketed group
 * of the reply ({@code AnswerParser}, {@code ReferentAnswer}), so a referent such as "answer [4]" must
 * reach the model as "answer (4)": a model quoting it back after its answer then cannot change it.
 */
public final class Prompts {
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{(\\w+)}}");
    /** Characters with no visible form: bidi controls, zero-width marks, tag characters, unassigned or lone. */
    private static final Pattern INVISIBLE = Pattern.compile("[\\p{Cf}\\p{Cs}\\p{Co}\\p{Cn}]");
    /** Control characters (line breaks among them) and every kind of space, line and paragraph separator. */
    private static final Pattern SPACES = Pattern.compile("[\\p{Cc}\\p{Z}]+");

    /** One candidate as the key-box prompt lists it. */
    public record Candidate(String phrase, float score) {
    }

    private Prompts() {
    }

    /** The key-frame prompt for a tile of {@code count} numbered frames. */
    public static String keyFrame(String referent, int count) {
        return fill(load("key-frame.txt"), Map.of("referent", asData(referent), "count", String.valueOf(count)));
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
                    .append(", labelled \"").append(asData(boxes.get(i).phrase())).append('"');
            if (i < boxes.size() - 1) {
                list.append('\n');
            }
        }
        return fill(load("key-box.txt"), Map.of("referent", asData(referent), "count", String.valueOf(count),
                "pivot", String.valueOf(pivotNumber), "boxCount", String.valueOf(boxes.size()),
                "boxNoun", boxes.size() == 1 ? "box has" : "boxes have", "boxList", list.toString()));
    }

    /** One tagger label as the LBRU prompt lists it. */
    public record HeardLabel(String name, float score) {
    }

    /**
     * The LBRU prompt (method.md §2.3, our wording): the tagger's labels with their scores, the tile of
     * {@code count} numbered frames, and the answer form {@code [object | label; label | frame]}, one
     * line per sounding object, or {@code [none]}.
     *
     * @param maxObjects most objects to name (1: the single most likely source)
     */
    public static String referent(List<HeardLabel> labels, int count, int maxObjects) {
        if (labels.isEmpty()) {
            throw new IllegalArgumentException("the LBRU prompt needs at least one label");
        }
        StringBuilder list = new StringBuilder();
        for (HeardLabel l : labels) {
            if (!list.isEmpty()) {
                list.append('\n');
            }
            list.append("- \"").append(asData(l.name())).append("\" (")
                    .append(String.format(java.util.Locale.ROOT, "%.2f", l.score())).append(')');
        }
        String howMany = maxObjects <= 1 ? "Name only the one object most likely making the sound."
                : "Several objects may be sounding: name each of them, all different, at most " + maxObjects
                        + ", the most certain first.";
        return fill(load("referent.txt"), Map.of("count", String.valueOf(count), "labelList", list.toString(),
                "howMany", howMany));
    }

    /**
     * The sounding-box prompt (method.md §5.2, our wording): which of the candidates of one category,
     * drawn on frame {@code pivotNumber} of the tile, is the one making the sound; answer {@code [n]} or
     * {@code [-1]}.
     */
    public static String soundingBox(String category, int count, int pivotNumber, int boxCount) {
        if (boxCount < 2 || boxCount > BoxColours.NAMES.size()) {
            throw new IllegalArgumentException("the sounding-box prompt needs 2.." + BoxColours.NAMES.size()
                    + " boxes, got " + boxCount);
        }
        StringBuilder list = new StringBuilder();
        for (int i = 0; i < boxCount; i++) {
            if (i > 0) {
                list.append('\n');
            }
            list.append("- box ").append(i + 1).append(": ").append(BoxColours.NAMES.get(i));
        }
        return fill(load("sounding-box.txt"), Map.of("category", asData(category), "count", String.valueOf(count),
                "pivot", String.valueOf(pivotNumber), "boxCount", String.valueOf(boxCount), "boxList",
                list.toString()));
    }

    /**
     * Text from outside (a referent, a detector phrase, a label name) as it may stand in a prompt's data
     * block: one line, nothing that could close the block or read as an answer. In order: NFKC (so that
     * full-width brackets and other look-alikes become the ASCII they stand for, and are then caught);
     * invisible characters removed (a bidi override would show the model text in another order than the
     * parsers read it); every opening bracket of any script, and {@code <}, becomes {@code (}, every closing
     * one, and {@code >}, {@code )}; quotation marks become {@code '} (labels are listed in double quotes);
     * {@code |} becomes {@code /} (it separates the fields of the LBRU answer); control characters and
     * runs of spaces, line breaks among them, become one space. Words and their order are left alone: the
     * model still reads what the user meant.
     */
    public static String asData(String s) {
        String t = INVISIBLE.matcher(Normalizer.normalize(s, Normalizer.Form.NFKC)).replaceAll("");
        StringBuilder out = new StringBuilder(t.length());
        t.codePoints().forEach(c -> out.appendCodePoint(neutral(c)));
        return SPACES.matcher(out).replaceAll(" ").strip();
    }

    private static int neutral(int c) {
        return switch (c) {
            case '<' -> '(';
            case '>' -> ')';
            case '"' -> '\'';
            case '|' -> '/';
            default -> switch (Character.getType(c)) {
                case Character.START_PUNCTUATION -> '(';
                case Character.END_PUNCTUATION -> ')';
                case Character.INITIAL_QUOTE_PUNCTUATION, Character.FINAL_QUOTE_PUNCTUATION -> '\'';
                default -> c;
            };
        };
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
