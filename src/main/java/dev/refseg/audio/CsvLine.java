package dev.refseg.audio;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits one line of a comma-separated file into its fields, as RFC 4180 quotes them and AudioSet's
 * {@code class_labels_indices.csv} writes them: a field in double quotes may hold commas ({@code "Beep,
 * bleep"}), and a doubled quote inside it is one quote. Blanks around a field are dropped (hand-edited
 * tables), blanks inside quotes kept. Shared by {@link AudioLabels} and {@code lbru.LabelObjects}; lines
 * never span a line break here (no label holds one).
 */
public final class CsvLine {
    private CsvLine() {
    }

    /**
     * The fields of the line, in order; an empty line is one empty field.
     *
     * @throws IllegalArgumentException naming the 1-based column of a quote that is never closed, a quote
     *         inside an unquoted field, or text after a closing quote
     */
    public static List<String> split(String line) {
        List<String> fields = new ArrayList<>();
        int i = 0;
        int n = line.length();
        while (true) {
            while (i < n && isBlank(line.charAt(i))) {
                i++;
            }
            StringBuilder field = new StringBuilder();
            if (i < n && line.charAt(i) == '"') {
                int open = i++;
                while (true) {
                    if (i >= n) {
                        throw new IllegalArgumentException("the quote at column " + (open + 1) + " is never closed");
                    }
                    char c = line.charAt(i++);
                    if (c != '"') {
                        field.append(c);
                    } else if (i < n && line.charAt(i) == '"') {
                        field.append('"');
                        i++;
                    } else {
                        break;
                    }
                }
                while (i < n && isBlank(line.charAt(i))) {
                    i++;
                }
                if (i < n && line.charAt(i) != ',') {
                    throw new IllegalArgumentException("text after the closing quote at column " + i
                            + " (quote the whole field)");
                }
                fields.add(field.toString());
            } else {
                while (i < n && line.charAt(i) != ',') {
                    if (line.charAt(i) == '"') {
                        throw new IllegalArgumentException("a quote at column " + (i + 1) + " inside an unquoted "
                                + "field (quote the whole field and double the quote)");
                    }
                    field.append(line.charAt(i++));
                }
                fields.add(field.toString().strip());
            }
            if (i >= n) {
                return fields;
            }
            i++; // the comma
        }
    }

    private static boolean isBlank(char c) {
        return c == ' ' || c == '\t';
    }
}
