package dev.refseg.models;

/**
 * Lines of a {@code .properties} file that {@link java.util.Properties#load(java.io.Reader)} reads back
 * exactly, whatever the names hold: backslashes, separators ({@code = : # !}), a leading space, control
 * characters and line breaks are escaped, and characters outside printable ASCII are written as unicode
 * escapes, so the text survives a terminal of any encoding. Comments are kept to one line.
 */
final class PropertiesText {
    private PropertiesText() {
    }

    /** {@code key = value}, both escaped. */
    static String entry(String key, String value) {
        return escape(key, true) + " = " + escape(value, false);
    }

    /**
     * {@code # text}, with each line break written as {@code \n} or {@code \r}: a comment ends at the
     * line's end, so a raw break would turn the rest into a key and a value.
     */
    static String comment(String text) {
        return "# " + text.replace("\r", "\\r").replace("\n", "\\n");
    }

    /**
     * The text with every character that load would read otherwise escaped. A space is escaped anywhere
     * in a key (it would end it) but only first in a value (load skips the value's leading white space).
     */
    private static String escape(String text, boolean key) {
        StringBuilder b = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '\\', '=', ':', '#', '!' -> b.append('\\').append(c);
                case ' ' -> b.append(key || i == 0 ? "\\ " : " ");
                case '\t' -> b.append("\\t");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\f' -> b.append("\\f");
                default -> b.append(c < 0x20 || c > 0x7e ? String.format("\\u%04X", (int) c) : String.valueOf(c));
            }
        }
        return b.toString();
    }
}
