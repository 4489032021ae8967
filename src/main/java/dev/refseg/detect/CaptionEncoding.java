package dev.refseg.detect;

import java.util.Locale;

/**
 * A caption as GroundingDINO's text side takes it (reference/models.md §2.2): lower-cased, stripped, a
 * trailing "." added; BERT tokens with attention mask 1 and token types 0; and, for the IDEA/wenyi5608
 * export family, the per-phrase self-attention mask and position ids that the Hugging Face export
 * computes inside its graph ({@code generate_masks_with_special_tokens_and_transfer_map}): phrases are
 * delimited by [CLS], [SEP], "." and "?"; each phrase block includes its trailing separator; positions
 * restart at 0 in every block.
 * <p>
 * A caption here is one referent, so it is always sent as exactly one phrase: the model splits at every
 * "." and "?" token, and the Hugging Face export does so inside its graph, so "the dog on the left. it is
 * running", "mr. smith's car?" or "the 3.5 m tall man" would otherwise be cut and only the first phrase
 * scored (models.md §7.3). {@link #normalise} therefore drops trailing "."/"?" and turns every other one
 * into "," ("3.5" becomes "3,5") before the single final "." is added. Only ASCII "." and "?" become those
 * tokens: BERT's basic step applies no compatibility normalisation, so full-width "．" "？" and "。" stay
 * tokens of their own (TextSideTest checks every code point).
 * <p>
 * The text encoder reads at most {@link #MAX_TEXT_LEN} tokens; a longer caption is refused, not cut (an
 * object named at its end would be lost): callers check {@link #tokenCount} first.
 *
 * @param caption        the caption as encoded ({@link #normalise}d)
 * @param inputIds       [L] token ids
 * @param selfAttention  [L*L] row-major block-diagonal mask
 * @param positionIds    [L]
 */
public record CaptionEncoding(String caption, long[] inputIds, boolean[] selfAttention, long[] positionIds) {
    public static final int MAX_TEXT_LEN = 256;
    /** What a "." or "?" inside the caption becomes, so it no longer ends a phrase. */
    static final char IN_SENTENCE = ',';

    public int length() {
        return inputIds.length;
    }

    /**
     * GroundingDINO's caption convention for one phrase: lower case, stripped, no "." or "?" but the single
     * "." it ends with.
     */
    public static String normalise(String caption) {
        String c = caption.toLowerCase(Locale.ROOT).strip();
        while (!c.isEmpty() && isPhraseEnd(c.charAt(c.length() - 1))) {
            c = c.substring(0, c.length() - 1).strip();
        }
        return c.replace('.', IN_SENTENCE).replace('?', IN_SENTENCE) + ".";
    }

    private static boolean isPhraseEnd(char c) {
        return c == '.' || c == '?';
    }

    /** Tokens the caption becomes, [CLS] and [SEP] included, after {@link #normalise}. */
    public static int tokenCount(String caption, BertTokenizer tok) {
        return tok.encode(normalise(caption)).length;
    }

    /** @throws IllegalArgumentException when the caption has more than {@link #MAX_TEXT_LEN} tokens */
    public static CaptionEncoding of(String caption, BertTokenizer tok) {
        String c = normalise(caption);
        long[] ids = tok.encode(c);
        if (ids.length > MAX_TEXT_LEN) {
            throw new IllegalArgumentException("the caption is " + ids.length + " tokens; the detector reads at most "
                    + MAX_TEXT_LEN);
        }
        return withPhraseMasks(c, ids, tok);
    }

    /** The phrase masks and position ids of any token sequence, several phrases included. */
    static CaptionEncoding withPhraseMasks(String caption, long[] ids, BertTokenizer tok) {
        int n = ids.length;
        long[] special = {tok.id(BertTokenizer.CLS), tok.id(BertTokenizer.SEP), tok.id("."), tok.id("?")};
        boolean[] mask = new boolean[n * n];
        long[] pos = new long[n];
        for (int i = 0; i < n; i++) {
            mask[i * n + i] = true;
        }
        int prev = 0;
        for (int c = 0; c < n; c++) {
            if (!isSpecial(ids[c], special)) {
                continue;
            }
            if (c == 0 || c == n - 1) {
                mask[c * n + c] = true;
                pos[c] = 0;
            } else {
                for (int r = prev + 1; r <= c; r++) {
                    for (int k = prev + 1; k <= c; k++) {
                        mask[r * n + k] = true;
                    }
                    pos[r] = r - prev - 1;
                }
            }
            prev = c;
        }
        return new CaptionEncoding(caption, ids, mask, pos);
    }

    private static boolean isSpecial(long id, long[] special) {
        for (long s : special) {
            if (s >= 0 && s == id) {
                return true;
            }
        }
        return false;
    }
}
