package dev.refseg.detect;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

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

    @Test
    void twoPhrasesGetTwoBlocks() {
        CaptionEncoding e = CaptionEncoding.of("red disc . blue square .", TOK);
        // [CLS] red disc . blue square . [SEP]
        assertArrayEquals(new long[] {0, 0, 1, 2, 0, 1, 2, 0}, e.positionIds());
        assertEquals(true, e.selfAttention()[1 * 8 + 3]);
        assertEquals(false, e.selfAttention()[1 * 8 + 4]);
        assertEquals(true, e.selfAttention()[4 * 8 + 6]);
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
