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
 * {@code vocab.txt} (one token per line, id = line number): lower-case, accents stripped (NFD, drop
 * combining marks), split on white space and around punctuation, then greedy longest-match WordPiece
 * with "##" continuations; words with no match become [UNK]. Written in Java rather than through a
 * native tokenizer library so the tokenizer has no JNI and no download at run time.
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

    public static BertTokenizer load(Path vocabTxt) throws IOException {
        List<String> lines = Files.readAllLines(vocabTxt, StandardCharsets.UTF_8);
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

    /** Lower-cased, accent-free words and single punctuation characters. */
    static List<String> basicTokens(String text) {
        String norm = Normalizer.normalize(text.toLowerCase(java.util.Locale.ROOT), Normalizer.Form.NFD);
        List<String> out = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        for (int i = 0; i < norm.length(); i++) {
            char c = norm.charAt(i);
            if (Character.getType(c) == Character.NON_SPACING_MARK || c == 0 || c == 0xFFFD || Character.isISOControl(c)
                    && !Character.isWhitespace(c)) {
                continue;
            }
            if (Character.isWhitespace(c)) {
                flush(word, out);
            } else if (isPunctuation(c)) {
                flush(word, out);
                out.add(String.valueOf(c));
            } else {
                word.append(c);
            }
        }
        flush(word, out);
        return out;
    }

    private List<String> wordPieces(String word) {
        if (word.length() > MAX_WORD_CHARS) {
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
                end--;
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
    static boolean isPunctuation(char c) {
        if ((c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126)) {
            return true;
        }
        int t = Character.getType(c);
        return t == Character.CONNECTOR_PUNCTUATION || t == Character.DASH_PUNCTUATION
                || t == Character.START_PUNCTUATION || t == Character.END_PUNCTUATION
                || t == Character.INITIAL_QUOTE_PUNCTUATION || t == Character.FINAL_QUOTE_PUNCTUATION
                || t == Character.OTHER_PUNCTUATION;
    }
}
