package dev.refseg.errors;

/**
 * Text that came from a client (or contains what a client sent, like a status naming a bad value) as one
 * line: line breaks and other control characters are written as escapes, so a value cannot start a forged
 * log line or split a status message.
 */
public final class OneLine {
    private OneLine() {
    }

    /**
     * @param s any text, or null
     * @return {@code s} with {@code \n}, {@code \r}, {@code \t} escaped as such and every other ISO control
     *         character (C0, DEL, C1) as {@code \}{@code uXXXX}; null stays null
     */
    public static String of(String s) {
        if (s == null || s.chars().noneMatch(Character::isISOControl)) {
            return s;
        }
        StringBuilder b = new StringBuilder(s.length() + 8);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (Character.isISOControl(c)) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.toString();
    }
}
