package dev.refseg.mask;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Vectors derived by hand from the COCO API definition: column-major runs starting with background;
 * counts string = 5-bit groups (LSB first) + 48, 0x20 = continue, 0x10 on the last group = sign; from
 * the third count on, the difference to the count two places back is stored.
 */
class CocoRleTest {

    private static BinaryMask mask(int h, int w, int... rowMajor) {
        byte[] d = new byte[h * w];
        for (int i = 0; i < d.length; i++) {
            d[i] = (byte) rowMajor[i];
        }
        return new BinaryMask(h, w, d);
    }

    @Test
    void columnMajorRunsStartWithBackground() {
        // [[0,1],[1,1]]: columns read (0,1) then (1,1) -> 0,1,1,1 -> one background run, three foreground.
        BinaryMask m = mask(2, 2, 0, 1, 1, 1);
        assertArrayEquals(new long[] {1, 3}, CocoRle.counts(m));
        assertEquals("13", CocoRle.encode(m));
        // A mask starting with foreground has an empty first background run.
        assertArrayEquals(new long[] {0, 9}, CocoRle.counts(mask(3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1)));
        assertEquals("09", CocoRle.encode(mask(3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1)));
        assertEquals("4", CocoRle.encode(BinaryMask.empty(2, 2)));
    }

    @Test
    void transposedLayoutIsNotRowMajor() {
        // 2x3 mask with the first row set: column-major visits (r0,c0)=1,(r1,c0)=0,(r0,c1)=1,...
        BinaryMask m = mask(2, 3, 1, 1, 1, 0, 0, 0);
        assertArrayEquals(new long[] {0, 1, 1, 1, 1, 1, 1}, CocoRle.counts(m));
    }

    @Test
    void multiGroupAndNegativeDeltas() {
        // 100 = 0b11_00100: groups 4 (| 0x20 continue) -> 'T', then 3 -> '3'.
        assertEquals("T3", CocoRle.toString(new long[] {100}));
        // [5, 10, 2, 3]: 5 '5', 10 ':', 2 '2' (third count stored as is), 3 - 10 = -7: 25 with sign bit -> 'I'.
        assertEquals("5:2I", CocoRle.toString(new long[] {5, 10, 2, 3}));
        assertArrayEquals(new long[] {5, 10, 2, 3}, CocoRle.fromString("5:2I"));
        // 16 needs a second group: its low group 16 has the sign bit set, so it gets the continue bit
        // (16 | 0x20 = 48 -> '`') and a 0 group follows ('0').
        assertEquals("`0", CocoRle.toString(new long[] {16}));
        assertArrayEquals(new long[] {16}, CocoRle.fromString("`0"));
    }

    @Test
    void randomMasksOfOddSizesRoundTrip() {
        SplittableRandom r = new SplittableRandom(7);
        int[][] sizes = {{1, 1}, {1, 7}, {7, 1}, {3, 5}, {17, 13}, {31, 1}, {101, 67}};
        for (int[] s : sizes) {
            for (double density : new double[] {0, 0.02, 0.5, 0.98, 1}) {
                byte[] d = new byte[s[0] * s[1]];
                for (int i = 0; i < d.length; i++) {
                    d[i] = (byte) (r.nextDouble() < density ? 1 : 0);
                }
                BinaryMask m = new BinaryMask(s[0], s[1], d);
                String counts = CocoRle.encode(m);
                assertEquals(m, CocoRle.decode(counts, s[0], s[1]), s[0] + "x" + s[1] + " @" + density);
            }
        }
    }

    @Test
    void badCountsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> CocoRle.decode("13", 3, 3));
        assertThrows(IllegalArgumentException.class, () -> CocoRle.fromString("T"));
        assertThrows(IllegalArgumentException.class, () -> CocoRle.fromString("1 3"));
    }

    /**
     * Runs whose sum passes 2^63 wrap around to the mask's pixel count (4 + 2 * (2^63 - 1) + 2 = 4 mod
     * 2^64): they were once accepted and then wrote past the mask (or ran for ever). The sum stops as soon
     * as it passes height * width; numbers too long for 64 bits, and counts that overflow when the string
     * form adds back the count two places before, are refused too.
     */
    @Test
    void countsThatOverflowAreRefused() {
        long[] wrapping = {4, Long.MAX_VALUE, Long.MAX_VALUE, 2};
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CocoRle.fromCounts(wrapping, 2, 2));
        assertEquals("RLE counts add up to more than 4 pixels by count 1 (of 4), but size is 2x2", e.getMessage());
        String wrappingString = CocoRle.toString(wrapping);
        assertArrayEquals(wrapping, CocoRle.fromString(wrappingString));
        assertThrows(IllegalArgumentException.class, () -> CocoRle.decode(wrappingString, 2, 2));
        // Past int but not past long: 2^31 + 2^31 background and foreground on a 2x2 mask.
        assertThrows(IllegalArgumentException.class, () -> CocoRle.fromCounts(new long[] {1L << 31, 1L << 31}, 2, 2));
        // Every 64-bit number, up to 13 groups, reads back as written.
        SplittableRandom r = new SplittableRandom(3);
        for (long v : new long[] {0, 1, -1, 15, 16, -16, -17, Long.MAX_VALUE, Long.MIN_VALUE, Long.MAX_VALUE - 1,
            Long.MIN_VALUE + 1, r.nextLong(), r.nextLong(), r.nextLong()}) {
            assertArrayEquals(new long[] {v}, CocoRle.fromString(CocoRle.toString(new long[] {v})), Long.toString(v));
        }
        // 14 groups of 5 bits: more than 64 bits.
        assertThrows(IllegalArgumentException.class, () -> CocoRle.fromString("o".repeat(13) + "0"));
        // Count 3 = Long.MAX_VALUE + (Long.MAX_VALUE - 1): the sum of the delta and the count two before overflows.
        String overflow = CocoRle.toString(new long[] {0, Long.MAX_VALUE, 0}) + CocoRle.toString(new long[] {
            Long.MAX_VALUE - 1});
        e = assertThrows(IllegalArgumentException.class, () -> CocoRle.fromString(overflow));
        assertTrue(e.getMessage().contains("overflows"), e.getMessage());
        // Where a client sends it, the field is named.
        io.grpc.StatusRuntimeException s = assertThrows(io.grpc.StatusRuntimeException.class, () -> MaskProtos.fromRle(
                dev.refseg.v1.RleMask.newBuilder().addSize(2).addSize(2).setCounts(wrappingString).build(),
                "start.prompts[0].mask"));
        assertEquals(io.grpc.Status.Code.INVALID_ARGUMENT, s.getStatus().getCode());
        assertTrue(s.getStatus().getDescription().startsWith("start.prompts[0].mask.counts: RLE counts add up to more "
                + "than 4 pixels"), s.getStatus().getDescription());
    }

    @Test
    void boxesOfMasks() {
        BinaryMask m = mask(3, 4, 0, 0, 0, 0, 0, 1, 1, 0, 0, 1, 0, 0);
        PixelBox b = PixelBox.of(m);
        assertEquals(new PixelBox(1, 1, 3, 3), b);
        assertEquals(m.area(), 3);
        assertEquals(new PixelBox(1, 1, 3, 3), PixelBox.of(b.toMask(3, 4)));
        assertNull(PixelBox.of(BinaryMask.empty(3, 4)));
        assertEquals(1f / 7, new PixelBox(0, 0, 2, 2).iou(new PixelBox(1, 1, 3, 3)), 1e-6);
    }

    @Test
    void pngRoundTrip() throws Exception {
        BinaryMask m = mask(2, 3, 1, 0, 1, 0, 1, 0);
        assertEquals(m, MaskPng.decode(MaskPng.encode(m)));
    }
}
