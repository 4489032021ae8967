package dev.refseg.detect;

import java.util.Locale;

/**
 * A caption as GroundingDINO's text side takes it (reference/models.md §2.2): lower-cased, stripped, a
 * trailing "." added; BERT tokens with attention mask 1 and token types 0; and, for the IDEA/wenyi
 * export family, the per-phrase self-attention mask and position ids that the Hugging Face export
 * computes inside its graph ({@code generate_masks_with_special_tokens_and_transfer_map}): phrases are
 * delimited by [CLS], [SEP], "." and "?"; each phrase block includes its trailing separator; positions
 * restart at 0 in every block. The text encoder reads at most {@link #MAX_TEXT_LEN} tokens; a longer
 * caption is refused, not cut (an object named at its end would be lost): callers check
 * {@link #tokenCount} first.
 *
 * @param inputIds       [L] token ids
 * @param selfAttention  [L*L] row-major block-diagonal mask
 * @param positionIds    [L]
 */
public record CaptionEncoding(String caption, long[] inputIds, boolean[] selfAttention, long[] positionIds) {
    public static final int MAX_TEXT_LEN = 256;

    public int length() {
        return inputIds.length;
    }

    /** GroundingDINO's caption convention: lower case, stripped, ending with ".". */
    public static String normalise(String caption) {
        String c = caption.toLowerCase(Locale.ROOT).strip();
        return c.endsWith(".") ? c : c + ".";
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
        int n = ids.length;
        long[] special = {tok.id(BertTokenizer.CLS), tok.id(BertTokenizer.SEP), tok.id("."), tok.id("?")};
        boolean[] mask = new boolean[n * n];
        long[] pos = new long[n];
        for (int i = 0; i < n; i++) {
            mask[i * n + i] = true;
        }
        int prev = 0;
        for (int c2 = 0; c2 < n; c2++) {
            if (!isSpecial(ids[c2], special)) {
                continue;
            }
            if (c2 == 0 || c2 == n - 1) {
                mask[c2 * n + c2] = true;
                pos[c2] = 0;
            } else {
                for (int r = prev + 1; r <= c2; r++) {
                    for (int k = prev + 1; k <= c2; k++) {
                        mask[r * n + k] = true;
                    }
                    pos[r] = r - prev - 1;
                }
            }
            prev = c2;
        }
        return new CaptionEncoding(c, ids, mask, pos);
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
