package dev.refseg.detect;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.refseg.fixtures.FixtureModels;
import java.util.List;
import org.junit.jupiter.api.Test;

class TextSideTest {
    static final BertTokenizer TOK = new BertTokenizer(FixtureModels.VOCAB);

    private static String pieces(long[] ids) {
        StringBuilder s = new StringBuilder();
        for (long id : ids) {
            s.append(s.length() > 0 ? " " : "").append(TOK.token((int) id));
        }
        return s.toString();
    }

    @Test
    void basicTokenisationLowercasesStripsAccentsAndSplitsPunctuation() {
        assertEquals(List.of("the", "cafe", ",", "red", "!", "disc"), BertTokenizer.basicTokens("The Café, RED!disc"));
    }

    /**
     * BERT's BasicTokenizer puts spaces around every CJK ideograph, so each is a token of its own: 300
     * ideographs are 302 tokens with [CLS] and [SEP] (303 with GroundingDINO's final "."), not one [UNK].
     * Kana and Hangul are not ideographs and stay whole words, as in BERT.
     */
    @Test
    void everyCjkIdeographIsItsOwnToken() {
        assertEquals(List.of("漢", "字", "abc", "の", "犬"), BertTokenizer.basicTokens("漢字abc の犬"));
        assertEquals(List.of("red", "車", "car"), BertTokenizer.basicTokens("Red車car"));
        // Extension A (U+3400), Extension B (U+20000, a surrogate pair), compatibility (U+F900 -> U+8C48 by NFD),
        // compatibility supplement (U+2F800 -> U+4E3D).
        assertEquals(List.of("a", "\u3400", "\ud840\udc00", "\u8c48", "\u4e3d", "b"),
                BertTokenizer.basicTokens("a\u3400\ud840\udc00\uf900\ud87e\udc00b"));
        assertEquals(List.of("ひらかな", "カタカナ"), BertTokenizer.basicTokens("ひらがな カタカナ"),
                "kana are one word each (the voicing mark is an accent: NFD drops it, as BERT uncased does)");
        assertEquals(1, BertTokenizer.basicTokens("한국어").size(), "Hangul is not split per syllable");
        assertEquals(302, TOK.encode("漢".repeat(300)).length);
        assertEquals(303, CaptionEncoding.tokenCount("漢".repeat(300), TOK));
        assertEquals("[CLS] the [UNK] [UNK] dog [SEP]", pieces(TOK.encode("the 黒い dog")));
    }

    /** The ideograph test is exactly BERT's list of blocks: CJK Unified Ideographs, Extensions A to E, both compatibility blocks. */
    @Test
    void cjkRangesAreThoseBlocks() {
        java.util.Set<Character.UnicodeBlock> blocks = java.util.Set.of(Character.UnicodeBlock.CJK_UNIFIED_IDEOGRAPHS,
                Character.UnicodeBlock.CJK_UNIFIED_IDEOGRAPHS_EXTENSION_A,
                Character.UnicodeBlock.CJK_UNIFIED_IDEOGRAPHS_EXTENSION_B,
                Character.UnicodeBlock.CJK_UNIFIED_IDEOGRAPHS_EXTENSION_C,
                Character.UnicodeBlock.CJK_UNIFIED_IDEOGRAPHS_EXTENSION_D,
                Character.UnicodeBlock.CJK_UNIFIED_IDEOGRAPHS_EXTENSION_E,
                Character.UnicodeBlock.CJK_COMPATIBILITY_IDEOGRAPHS,
                Character.UnicodeBlock.CJK_COMPATIBILITY_IDEOGRAPHS_SUPPLEMENT);
        for (int cp = 0; cp <= Character.MAX_CODE_POINT; cp++) {
            Character.UnicodeBlock b = Character.UnicodeBlock.of(cp);
            assertEquals(b != null && blocks.contains(b), BertTokenizer.isCjkIdeograph(cp),
                    Integer.toHexString(cp));
        }
    }

    /**
     * The rest of BERT uncased's basic step: accents stripped, every Unicode punctuation mark (CJK and
     * full-width ones too) a token, any Zs space (no-break included) a separator, format and control
     * characters (soft hyphen, zero-width space) dropped.
     */
    @Test
    void accentsPunctuationSpacesAndControlsAsBertUncased() {
        assertEquals(List.of("naive", "angstrom", "creme", "brulee"), BertTokenizer.basicTokens("Naïve Ångström Crème brûlée"));
        assertEquals(List.of("¿", "que", "?", "“", "hola", "”"), BertTokenizer.basicTokens("¿Qué? “Hola”"));
        assertEquals(List.of("犬", "。", "猫", "、", "！", "x"), BertTokenizer.basicTokens("犬。猫、！x"));
        assertEquals(List.of("red", "car", "blue", "car"), BertTokenizer.basicTokens("red\u00a0car\u3000blue\u2028car"));
        assertEquals(List.of("softhyphen", "zerowidth"), BertTokenizer.basicTokens("soft\u00adhyphen zero\u200bwidth"));
        assertEquals(List.of("tab", "new", "line"), BertTokenizer.basicTokens("tab\tnew\r\nline\u0000\ufffd"));
        assertEquals(List.of("🙂🙂"), BertTokenizer.basicTokens("🙂🙂"), "symbols are not punctuation");
    }

    @Test
    void wordPiecesAndUnknownWords() {
        assertEquals("[CLS] the dog run ##s [SEP]", pieces(TOK.encode("the dog runs")));
        // Longest match first: "running" is a vocabulary word, not run + ##ning.
        assertEquals("[CLS] running [SEP]", pieces(TOK.encode("running")));
        assertEquals("[CLS] dog ##s [UNK] [SEP]", pieces(TOK.encode("dogs xylophone")));
    }

    @Test
    void phraseMasksAndPositionIdsFollowGroundingDino() {
        // models.md §2.2 worked example: "the running dog ." -> [CLS] the running dog . [SEP]
        // (here "running" is one vocabulary word), position_ids [0,0,1,2,3,0], blocks {0}, {1..4}, {5}.
        BertTokenizer tok = new BertTokenizer(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", ".", "?", "the", "running",
                "dog"));
        CaptionEncoding e = CaptionEncoding.of("The running dog", tok);
        assertEquals("the running dog.", e.caption());
        assertArrayEquals(new long[] {2, 6, 7, 8, 4, 3}, e.inputIds());
        assertArrayEquals(new long[] {0, 0, 1, 2, 3, 0}, e.positionIds());
        int n = 6;
        for (int r = 0; r < n; r++) {
            for (int c = 0; c < n; c++) {
                boolean block = r == c || (r >= 1 && r <= 4 && c >= 1 && c <= 4);
                assertEquals(block, e.selfAttention()[r * n + c], "mask[" + r + "][" + c + "]");
            }
        }
    }

    /** The mask algorithm itself still splits at every separator (the IDEA graphs get it from here). */
    @Test
    void twoPhrasesGetTwoBlocks() {
        String twoPhrases = "red disc . blue square .";
        CaptionEncoding e = CaptionEncoding.withPhraseMasks(twoPhrases, TOK.encode(twoPhrases), TOK);
        // [CLS] red disc . blue square . [SEP]
        assertArrayEquals(new long[] {0, 0, 1, 2, 0, 1, 2, 0}, e.positionIds());
        assertEquals(true, e.selfAttention()[1 * 8 + 3]);
        assertEquals(false, e.selfAttention()[1 * 8 + 4]);
        assertEquals(true, e.selfAttention()[4 * 8 + 6]);
    }

    /**
     * A caption is one referent, so it is always one phrase: "." and "?" inside it would split it (the
     * Hugging Face graph splits at them itself) and only the first part would be scored.
     */
    @Test
    void aSentenceIsAlwaysOnePhrase() {
        long dot = TOK.id(".");
        long question = TOK.id("?");
        String[] sentences = {"the dog on the left. it is running", "Mr. Smith's car?", "the 3.5 m tall man",
            "Is it the red disc?? Yes...", "wait... the blue square .", "the dog\u3002 the cat\uff1f \uff0e",
            "?", ". . ."};
        for (String s : sentences) {
            CaptionEncoding e = CaptionEncoding.of(s, TOK);
            long[] ids = e.inputIds();
            int n = ids.length;
            assertEquals(CaptionEncoding.tokenCount(s, TOK), n, s);
            assertEquals(TOK.id(BertTokenizer.SEP), ids[n - 1], s);
            assertEquals(dot, ids[n - 2], s + " ends with its one '.': " + pieces(ids));
            for (int i = 0; i < n - 2; i++) {
                assertTrue(ids[i] != dot && ids[i] != question, s + " has a separator inside: " + pieces(ids));
            }
            for (int r = 0; r < n; r++) {
                assertEquals(r == 0 || r == n - 1 ? 0 : r - 1, e.positionIds()[r], s + ": position " + r);
                for (int c = 0; c < n; c++) {
                    boolean onePhrase = r == c || (r >= 1 && r <= n - 2 && c >= 1 && c <= n - 2);
                    assertEquals(onePhrase, e.selfAttention()[r * n + c], s + ": mask[" + r + "][" + c + "]");
                }
            }
        }
        assertEquals("mr, smith's car.", CaptionEncoding.normalise("Mr. Smith's car?"));
        assertEquals("the 3,5 m tall man.", CaptionEncoding.normalise("the 3.5 m tall man"));
        assertEquals("is it the red disc,, yes.", CaptionEncoding.normalise("Is it the red disc?? Yes..."));
        assertEquals(".", CaptionEncoding.normalise(" . ? "));
    }

    /**
     * Only ASCII "." and "?" become the separator tokens: BERT's basic step lower-cases and strips accents
     * (NFD) but applies no compatibility normalisation, so no other character (full-width "．" and "？", the
     * ideographic "。", the one-dot leader) turns into one, alone or between letters.
     */
    @Test
    void onlyAsciiDotAndQuestionMarkBecomeSeparators() {
        for (int cp = 0; cp <= Character.MAX_CODE_POINT; cp++) {
            if (cp >= Character.MIN_SURROGATE && cp <= Character.MAX_SURROGATE) {
                continue;
            }
            List<String> t = BertTokenizer.basicTokens("a" + Character.toString(cp) + "b");
            boolean separator = t.contains(".") || t.contains("?");
            assertEquals(cp == '.' || cp == '?', separator, Integer.toHexString(cp) + " -> " + t);
        }
    }

    private static void assertBox(dev.refseg.mask.PixelBox want, dev.refseg.mask.PixelBox got) {
        assertArrayEquals(new float[] {want.x1(), want.y1(), want.x2(), want.y2()},
                new float[] {got.x1(), got.y1(), got.x2(), got.y2()}, 1e-3f);
    }

    @Test
    void decoderKeepsThresholdedQueriesBestFirstWithPhrasesAndPixelBoxes() {
        long[] ids = TOK.encode("the red disc.");            // [CLS] the red disc . [SEP]
        int padded = 8;
        int queries = 3;
        float[] logits = new float[queries * padded];
        java.util.Arrays.fill(logits, -10f);
        // Query 0: strong on "red" and "disc"; query 1: weak (below box threshold); query 2: medium on "disc".
        logits[2] = 3f;
        logits[3] = 2f;
        logits[padded + 3] = -2f;
        logits[2 * padded + 3] = 0.5f;
        logits[2 * padded + 6] = 20f;                         // padding column: ignored
        float[] boxes = {0.5f, 0.5f, 0.2f, 0.4f, 0.1f, 0.1f, 0.1f, 0.1f, 0.25f, 0.25f, 0.5f, 0.5f};
        List<Detection> d = DetectionDecoder.decode(logits, padded, boxes, ids, TOK, 0.25f, 0.2f, 3, 200, 100);
        assertEquals(2, d.size());
        assertEquals("red disc", d.get(0).phrase());
        assertEquals(1 / (1 + Math.exp(-3)), d.get(0).score(), 1e-6);
        assertBox(new dev.refseg.mask.PixelBox(80, 30, 120, 70), d.get(0).box());
        assertEquals("disc", d.get(1).phrase());
        assertBox(new dev.refseg.mask.PixelBox(0, 0, 100, 50), d.get(1).box());
        assertEquals(1, DetectionDecoder.decode(logits, padded, boxes, ids, TOK, 0.25f, 0.2f, 1, 200, 100).size());
    }
}
