package dev.refseg.detect;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * BERT uncased tokenisation (bert-base-uncased, as GroundingDINO's text encoder expects) from a
 * {@code vocab.txt} (one token per line, id = line number). BERT's basic step: control and format
 * characters dropped (tab, CR and LF are white space), lower-case, accents stripped (NFD, drop
 * combining marks), split on white space (any space separator, line or paragraph separator), around
 * punctuation (ASCII symbols and every Unicode P* character) and around every CJK ideograph, so each
 * ideograph is a word of its own (kana and Hangul are not ideographs: they stay whole words). Then greedy
 * longest-match WordPiece with "##" continuations; words with no match, or longer than 100 characters,
 * become [UNK]. Everything counts Unicode code points, as BERT's Python does, not UTF-16 units. Written in
 * Java rather than through a native tokenizer library so the tokenizer has no JNI and no download at run
 * time.
 */
public final class BertTokenizer {
    public static final String CLS = "[CLS]";
    public static final String SEP = "[SEP]";
    public static final String UNK = "[UNK]";
    private static final int MAX_WORD_CHARS = 100;

    private final Map<String, Integer> ids;
    private final List<String> tokens;

    public BertTokenizer(List<String> vocab) {
        this.tokens = List.copyOf(vocab);
        this.ids = new HashMap<>();
        for (int i = 0; i < vocab.size(); i++) {
            ids.putIfAbsent(vocab.get(i), i);
        }
        for (String required : List.of(CLS, SEP, UNK)) {
            if (!ids.containsKey(required)) {
                throw new IllegalArgumentException("vocabulary lacks " + required);
            }
        }
    }

    /** bert-base-uncased's vocab.txt is 232 kB; anything past this is not a vocabulary. */
    static final long MAX_VOCAB_BYTES = 16L << 20;

    /**
     * Reads a vocab.txt: one token per line, UTF-8, id = line number.
     *
     * @throws IOException when the file is over {@link #MAX_VOCAB_BYTES} or not UTF-8 text (e.g. a model
     *                     file named by mistake), or cannot be read
     * @throws IllegalArgumentException when it lacks [CLS], [SEP] or [UNK]
     */
    public static BertTokenizer load(Path vocabTxt) throws IOException {
        long size = Files.size(vocabTxt);
        if (size > MAX_VOCAB_BYTES) {
            throw new IOException("it is " + size + " bytes; a BERT vocab.txt is a few hundred kB (one token per line)");
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(vocabTxt, StandardCharsets.UTF_8);
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new IOException("it is not UTF-8 text; a BERT vocab.txt has one token per line", e);
        }
        List<String> vocab = new ArrayList<>(lines.size());
        for (String l : lines) {
            vocab.add(l.strip());
        }
        return new BertTokenizer(vocab);
    }

    public int id(String token) {
        Integer id = ids.get(token);
        return id == null ? -1 : id;
    }

    public String token(int id) {
        return id >= 0 && id < tokens.size() ? tokens.get(id) : UNK;
    }

    /** [CLS] word pieces [SEP], as vocabulary ids. */
    public long[] encode(String text) {
        List<String> pieces = new ArrayList<>();
        pieces.add(CLS);
        for (String word : basicTokens(text)) {
            pieces.addAll(wordPieces(word));
        }
        pieces.add(SEP);
        long[] out = new long[pieces.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = ids.get(pieces.get(i));
        }
        return out;
    }

    /** Lower-cased, accent-free words, single punctuation characters and single CJK ideographs. */
    static List<String> basicTokens(String text) {
        String norm = Normalizer.normalize(text.toLowerCase(java.util.Locale.ROOT), Normalizer.Form.NFD);
        List<String> out = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        for (int i = 0; i < norm.length(); ) {
            int c = norm.codePointAt(i);
            i += Character.charCount(c);
            if (c == 0 || c == 0xFFFD || isControl(c) || Character.getType(c) == Character.NON_SPACING_MARK) {
                continue;
            }
            if (isWhitespace(c)) {
                flush(word, out);
            } else if (isPunctuation(c) || isCjkIdeograph(c)) {
                flush(word, out);
                out.add(Character.toString(c));
            } else {
                word.appendCodePoint(c);
            }
        }
        flush(word, out);
        return out;
    }

    private List<String> wordPieces(String word) {
        if (word.codePointCount(0, word.length()) > MAX_WORD_CHARS) {
            return List.of(UNK);
        }
        List<String> pieces = new ArrayList<>();
        int start = 0;
        while (start < word.length()) {
            int end = word.length();
            String found = null;
            while (start < end) {
                String sub = (start > 0 ? "##" : "") + word.substring(start, end);
                if (ids.containsKey(sub)) {
                    found = sub;
                    break;
                }
                end -= Character.charCount(word.codePointBefore(end));
            }
            if (found == null) {
                return List.of(UNK);
            }
            pieces.add(found);
            start = end;
        }
        return pieces;
    }

    private static void flush(StringBuilder word, List<String> out) {
        if (word.length() > 0) {
            out.add(word.toString());
            word.setLength(0);
        }
    }

    /** BERT's rule: ASCII symbol ranges count as punctuation, plus every Unicode P* category. */
    static boolean isPunctuation(int c) {
        if ((c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126)) {
            return true;
        }
        int t = Character.getType(c);
        return t == Character.CONNECTOR_PUNCTUATION || t == Character.DASH_PUNCTUATION
                || t == Character.START_PUNCTUATION || t == Character.END_PUNCTUATION
                || t == Character.INITIAL_QUOTE_PUNCTUATION || t == Character.FINAL_QUOTE_PUNCTUATION
                || t == Character.OTHER_PUNCTUATION;
    }

    /**
     * White space as BERT splits on it: space, tab, CR, LF and every space separator (Zs, the no-break
     * spaces included, which Java's {@link Character#isWhitespace} leaves out), plus the line and
     * paragraph separators its final split on white space breaks at.
     */
    static boolean isWhitespace(int c) {
        int t = Character.getType(c);
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || t == Character.SPACE_SEPARATOR
                || t == Character.LINE_SEPARATOR || t == Character.PARAGRAPH_SEPARATOR;
    }

    /** BERT drops every C* character (control, format, unassigned, private use) but tab, CR and LF. */
    static boolean isControl(int c) {
        if (c == '\t' || c == '\n' || c == '\r') {
            return false;
        }
        int t = Character.getType(c);
        return t == Character.CONTROL || t == Character.FORMAT || t == Character.UNASSIGNED
                || t == Character.PRIVATE_USE || t == Character.SURROGATE;
    }

    /**
     * A CJK ideograph as BERT counts one (the Unicode blocks of Chinese characters, which Japanese and
     * Korean text also use; kana and Hangul are other blocks): CJK Unified Ideographs U+4E00–U+9FFF,
     * Extension A U+3400–U+4DBF, Extension B U+20000–U+2A6DF, Extension C U+2A700–U+2B73F, Extension D
     * U+2B740–U+2B81F, Extension E U+2B820–U+2CEAF, CJK Compatibility Ideographs U+F900–U+FAFF and their
     * Supplement U+2F800–U+2FA1F. Later extensions are left out, as bert-base-uncased's tokenizer leaves them.
     */
    static boolean isCjkIdeograph(int c) {
        return (c >= 0x4E00 && c <= 0x9FFF)
                || (c >= 0x3400 && c <= 0x4DBF)
                || (c >= 0x20000 && c <= 0x2A6DF)
                || (c >= 0x2A700 && c <= 0x2B73F)
                || (c >= 0x2B740 && c <= 0x2B81F)
                || (c >= 0x2B820 && c <= 0x2CEAF)
                || (c >= 0xF900 && c <= 0xFAFF)
                || (c >= 0x2F800 && c <= 0x2FA1F);
    }
}
