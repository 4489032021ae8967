package dev.refseg.keyselect;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the final bracketed answer of a chain-of-thought reply: markdown emphasis and escapes removed,
 * the last {@code [...]} taken, its content a single integer. Tolerant of the wrapping, strict about
 * the value: anything that is not exactly one integer in range is reported, never guessed.
 */
public final class AnswerParser {
    private static final Pattern BRACKETS = Pattern.compile("\\[(.*?)\\]", Pattern.DOTALL);

    public enum Kind { OK, NO_MATCH, UNPARSABLE, OUT_OF_RANGE }

    /** The parsed answer; {@code value} is meaningful for OK (and -1 for NO_MATCH). */
    public record Answer(Kind kind, int value, String detail) {
    }

    private AnswerParser() {
    }

    /** A key-box answer: one or more distinct box numbers, or none ([-1]). */
    public record Choices(Kind kind, java.util.List<Integer> values, String detail) {
    }

    /**
     * Key-box answers may name several boxes ("[1, 3]" for "the two dogs"): every number must be an
     * integer in range, duplicates are dropped; "[-1]" alone means no box matches.
     */
    public static Choices parseChoices(String reply, int min, int max) {
        String last = lastBracketed(reply);
        if (last == null) {
            return new Choices(Kind.UNPARSABLE, java.util.List.of(), reply == null || reply.isBlank() ? "empty reply"
                    : "no bracketed answer");
        }
        java.util.LinkedHashSet<Integer> values = new java.util.LinkedHashSet<>();
        for (String part : last.split(",")) {
            int v;
            try {
                v = Integer.parseInt(part.strip());
            } catch (NumberFormatException e) {
                return new Choices(Kind.UNPARSABLE, java.util.List.of(), "not a list of integers: [" + last.strip() + "]");
            }
            values.add(v);
        }
        if (values.equals(java.util.Set.of(-1))) {
            return new Choices(Kind.NO_MATCH, java.util.List.of(), "no candidate matches");
        }
        for (int v : values) {
            if (v < min || v > max) {
                return new Choices(Kind.OUT_OF_RANGE, java.util.List.copyOf(values), "answer " + v + " is outside "
                        + min + ".." + max);
            }
        }
        return new Choices(Kind.OK, java.util.List.copyOf(values), "");
    }

    /**
     * @param allowNoMatch whether "[-1]" means "none of these" (key-box answers)
     */
    public static Answer parse(String reply, int min, int max, boolean allowNoMatch) {
        if (reply == null || reply.isBlank()) {
            return new Answer(Kind.UNPARSABLE, 0, "empty reply");
        }
        String last = lastBracketed(reply);
        if (last == null) {
            return new Answer(Kind.UNPARSABLE, 0, "no bracketed answer");
        }
        int v;
        try {
            v = Integer.parseInt(last.strip());
        } catch (NumberFormatException e) {
            return new Answer(Kind.UNPARSABLE, 0, "bracketed answer is not one integer: [" + last.strip() + "]");
        }
        if (v == -1 && allowNoMatch) {
            return new Answer(Kind.NO_MATCH, -1, "no candidate matches");
        }
        if (v < min || v > max) {
            return new Answer(Kind.OUT_OF_RANGE, v, "answer " + v + " is outside " + min + ".." + max);
        }
        return new Answer(Kind.OK, v, "");
    }

    /** Content of the last [...] after markdown emphasis, escapes and code marks are removed; null if none. */
    private static String lastBracketed(String reply) {
        if (reply == null) {
            return null;
        }
        Matcher m = BRACKETS.matcher(reply.replace("*", "").replace("\\", "").replace("`", ""));
        String last = null;
        while (m.find()) {
            last = m.group(1);
        }
        return last;
    }
}
