package dev.refseg.lbru;

import dev.refseg.llm.Prompts;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the LBRU reply: lines {@code [object | label; label | frame]}, or {@code [none]}. Tolerant of
 * the wrapping (markdown, quotes, any separator between the labels, "frame 3"), strict about the values:
 * a frame number must be one integer in 1..frames (else the object keeps {@link Entry#NO_FRAME} and a
 * note), labels count only when they are among the labels shown, an object name must be a short phrase
 * of letters. Objects named twice are merged; more than {@code maxObjects} are cut, and the cut counted.
 * Unlike the reference parser (method.md §2.3), a reply it cannot read is reported, never read as "{}".
 */
public final class ReferentAnswer {
    /** Longest object name taken as a detector caption, in characters. */
    public static final int MAX_OBJECT_CHARS = 60;

    /** Whether {@code name} (stripped) is an object name as answers give them: letters, spaces, ' and -, at most 60. */
    public static boolean isObjectName(String name) {
        return name.codePointCount(0, name.length()) <= MAX_OBJECT_CHARS && NAME.matcher(name).matches();
    }

    private static final Pattern BRACKETS = Pattern.compile("\\[([^\\[\\]]*)\\]");
    private static final Pattern INTEGER = Pattern.compile("-?\\d+");
    private static final Pattern NAME = Pattern.compile("[\\p{L}][\\p{L}\\p{M} '\\-]*");

    public enum Kind { OK, NO_MATCH, UNPARSABLE }

    /**
     * One sounding object.
     *
     * @param object lower-case name, the detector's caption
     * @param labels the shown labels it comes from, as spelt in the list shown, in the order given
     * @param frame  1-based frame number in the tile, or {@link #NO_FRAME} when missing or out of range
     * @param note   what was not taken as given (empty when all was)
     */
    public record Entry(String object, List<String> labels, int frame, String note) {
        public static final int NO_FRAME = -1;
    }

    /**
     * @param entries   the objects, most certain first (the reply's order), at most maxObjects
     * @param truncated objects named beyond maxObjects, cut
     * @param detail    why the reply could not be used (UNPARSABLE), or what was skipped
     */
    public record Parsed(Kind kind, List<Entry> entries, int truncated, String detail) {
    }

    private ReferentAnswer() {
    }

    /**
     * @param reply      the LLM's text (null or blank: UNPARSABLE)
     * @param shown      the label names shown in the prompt
     * @param frames     frames in the tile
     * @param maxObjects most objects kept (at least 1)
     */
    public static Parsed parse(String reply, List<String> shown, int frames, int maxObjects) {
        if (reply == null || reply.isBlank()) {
            return new Parsed(Kind.UNPARSABLE, List.of(), 0, "empty reply");
        }
        String text = reply.replace("*", "").replace("`", "").replace("\\", "");
        Map<String, Entry> byObject = new LinkedHashMap<>();
        List<String> skipped = new ArrayList<>();
        boolean none = false;
        Matcher m = BRACKETS.matcher(text);
        while (m.find()) {
            String inside = m.group(1).strip();
            if (!inside.contains("|")) {
                none |= unquote(inside).equalsIgnoreCase("none");
                continue;
            }
            String[] parts = inside.split("\\|", -1);
            if (parts.length != 3) {
                skipped.add("[" + inside + "] has " + parts.length + " parts, not object | labels | frame");
                continue;
            }
            String object = unquote(parts[0]).toLowerCase(Locale.ROOT);
            if (!NAME.matcher(object).matches() || object.length() > MAX_OBJECT_CHARS) {
                skipped.add("[" + inside + "]: \"" + object + "\" is not an object name (letters, at most "
                        + MAX_OBJECT_CHARS + " characters)");
                continue;
            }
            Entry e = new Entry(object, labelsIn(parts[1], shown), frameIn(parts[2], frames), "");
            if (e.frame() == Entry.NO_FRAME) {
                e = new Entry(e.object(), e.labels(), e.frame(), "frame \"" + parts[2].strip() + "\" is not one number in 1.."
                        + frames);
            }
            byObject.merge(object, e, ReferentAnswer::merge);
        }
        if (byObject.isEmpty()) {
            if (none) {
                return new Parsed(Kind.NO_MATCH, List.of(), 0, "the LLM sees no visible object making these sounds");
            }
            String why = skipped.isEmpty() ? "no [object | labels | frame] line and no [none]" : String.join("; ", skipped);
            return new Parsed(Kind.UNPARSABLE, List.of(), 0, why);
        }
        List<Entry> all = new ArrayList<>(byObject.values());
        int keep = Math.min(all.size(), Math.max(1, maxObjects));
        return new Parsed(Kind.OK, List.copyOf(all.subList(0, keep)), all.size() - keep, String.join("; ", skipped));
    }

    /** The same object named twice: its labels joined, the first usable frame kept. */
    private static Entry merge(Entry a, Entry b) {
        List<String> labels = new ArrayList<>(a.labels());
        b.labels().stream().filter(l -> !labels.contains(l)).forEach(labels::add);
        int frame = a.frame() != Entry.NO_FRAME ? a.frame() : b.frame();
        String note = frame == Entry.NO_FRAME ? a.note() : "";
        return new Entry(a.object(), List.copyOf(labels), frame, note);
    }

    /**
     * The shown labels the text names, longest names first so that "Beep, bleep" is not also read as
     * a label "Beep"; whatever separates them does not matter. Each label is looked for as the prompt
     * showed it ({@link Prompts#asData}: a name with brackets or quotes is shown without them), and
     * reported as the tagger spells it.
     */
    static List<String> labelsIn(String text, List<String> shown) {
        String lower = text.toLowerCase(Locale.ROOT);
        List<String> byLength = new ArrayList<>(shown);
        byLength.sort(Comparator.comparingInt(String::length).reversed());
        record Found(int at, String label) {
        }
        List<Found> found = new ArrayList<>();
        for (String label : byLength) {
            String l = Prompts.asData(label).toLowerCase(Locale.ROOT);
            int at = l.isEmpty() ? -1 : lower.indexOf(l);
            while (at >= 0) {
                boolean bounded = (at == 0 || !Character.isLetterOrDigit(lower.charAt(at - 1)))
                        && (at + l.length() == lower.length() || !Character.isLetterOrDigit(lower.charAt(at + l.length())));
                if (bounded) {
                    found.add(new Found(at, label));
                    // Blank it out so that a shorter label inside it is not found again.
                    lower = lower.substring(0, at) + " ".repeat(l.length()) + lower.substring(at + l.length());
                    break;
                }
                at = lower.indexOf(l, at + 1);
            }
        }
        found.sort(Comparator.comparingInt(Found::at));
        return found.stream().map(Found::label).distinct().toList();
    }

    /** The one integer in the text if it is in 1..frames, else NO_FRAME. */
    static int frameIn(String text, int frames) {
        Matcher m = INTEGER.matcher(text);
        if (!m.find()) {
            return Entry.NO_FRAME;
        }
        String first = m.group();
        if (m.find()) {
            return Entry.NO_FRAME;
        }
        try {
            int v = Integer.parseInt(first);
            return v >= 1 && v <= frames ? v : Entry.NO_FRAME;
        } catch (NumberFormatException e) {
            return Entry.NO_FRAME;
        }
    }

    private static String unquote(String s) {
        return s.strip().replaceAll("^[\"'“”‘’]+|[\"'“”‘’.,;:]+$", "").strip();
    }
}
