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

    /**
     * @param allowNoMatch whether "[-1]" means "none of these" (key-box answers)
     */
    public static Answer parse(String reply, int min, int max, boolean allowNoMatch) {
        if (reply == null || reply.isBlank()) {
            return new Answer(Kind.UNPARSABLE, 0, "empty reply");
        }
        String text = reply.replace("*", "").replace("\\", "").replace("`", "");
        Matcher m = BRACKETS.matcher(text);
        String last = null;
        while (m.find()) {
            last = m.group(1);
        }
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
}
