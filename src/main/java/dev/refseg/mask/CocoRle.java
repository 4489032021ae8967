package dev.refseg.mask;

import dev.refseg.errors.OneLine;
import java.util.Arrays;

/**
 * COCO run-length encoding as the COCO API defines it (maskApi.c {@code rleEncode},
 * {@code rleToString}, {@code rleFrString}; what pycocotools writes):
 * <ul>
 *   <li>pixels are visited column by column (column-major), top to bottom;</li>
 *   <li>runs alternate background / foreground and the first run is background (possibly 0 long);</li>
 *   <li>the string form stores each count, from the third on, as the difference to the count two places
 *       before, in 5-bit groups, least significant first, each group + 48 as an ASCII character, with
 *       bit 0x20 meaning "more groups follow" and bit 0x10 of the last group the sign.</li>
 * </ul>
 */
public final class CocoRle {
    /** 5-bit groups a 64-bit number takes at most. */
    private static final int MAX_GROUPS = 13;

    private CocoRle() {
    }

    /** Run lengths of the mask in COCO order. */
    public static long[] counts(BinaryMask mask) {
        int h = mask.height();
        int w = mask.width();
        byte[] data = mask.data();
        long[] runs = new long[Math.max(1, h * w + 1)];
        int n = 0;
        byte current = 0;
        long run = 0;
        for (int x = 0; x < w; x++) {
            for (int y = 0; y < h; y++) {
                byte v = data[y * w + x];
                if (v != current) {
                    runs[n++] = run;
                    run = 0;
                    current = v;
                }
                run++;
            }
        }
        runs[n++] = run;
        return Arrays.copyOf(runs, n);
    }

    /**
     * Rebuilds a mask from COCO run lengths; the counts must add up to {@code height * width}. The sum
     * stops as soon as it passes that, so no run, however long, can wrap it around (past int or long) to
     * the right total and then write outside the mask.
     */
    public static BinaryMask fromCounts(long[] counts, int height, int width) {
        long pixels = (long) height * width;
        long total = 0;
        for (int i = 0; i < counts.length; i++) {
            long c = counts[i];
            if (c < 0) {
                throw new IllegalArgumentException("RLE count is negative: " + c);
            }
            if (c > pixels - total) {
                throw new IllegalArgumentException("RLE counts add up to more than " + pixels + " pixels by count " + i
                        + " (of " + counts.length + "), but size is " + height + "x" + width);
            }
            total += c;
        }
        if (total != (long) height * width) {
            throw new IllegalArgumentException(
                    "RLE counts add up to " + total + " pixels, but size is " + height + "x" + width);
        }
        byte[] data = new byte[height * width];
        long pos = 0;
        byte value = 0;
        for (long c : counts) {
            if (value == 1) {
                for (long p = pos; p < pos + c; p++) {
                    int x = (int) (p / height);
                    int y = (int) (p % height);
                    data[y * width + x] = 1;
                }
            }
            pos += c;
            value ^= 1;
        }
        return new BinaryMask(height, width, data);
    }

    /** The compressed counts string ({@code rleToString}). */
    public static String toString(long[] counts) {
        StringBuilder s = new StringBuilder(counts.length * 2);
        for (int i = 0; i < counts.length; i++) {
            long x = counts[i];
            if (i > 2) {
                x -= counts[i - 2];
            }
            boolean more = true;
            while (more) {
                long c = x & 0x1f;
                x >>= 5;
                more = (c & 0x10) != 0 ? x != -1 : x != 0;
                if (more) {
                    c |= 0x20;
                }
                s.append((char) (c + 48));
            }
        }
        return s.toString();
    }

    /**
     * Parses a compressed counts string ({@code rleFrString}). A number of more than 64 bits, or a count
     * that overflows when the one two places before is added back, is refused rather than wrapped around.
     */
    public static long[] fromString(String s) {
        long[] counts = new long[s.length()];
        int m = 0;
        int p = 0;
        while (p < s.length()) {
            long x = 0;
            int k = 0;
            boolean more = true;
            while (more) {
                if (p >= s.length()) {
                    throw new IllegalArgumentException("RLE counts string ends inside a number: " + abbreviate(s));
                }

                long c = s.charAt(p) - 48;
                if (c < 0 || c > 63) {
                    throw new IllegalArgumentException(
                            "RLE counts string has an invalid character at " + p + ": " + abbreviate(s));
                }
                more = (c & 0x20) != 0;
                // The 13th group holds bits 60-64: the last one, and bits 63 and 64 (its 0x08 and 0x10)
                // alike, or the number does not fit 64 signed bits.
                if (k == MAX_GROUPS - 1 && (more || (c & 0x18) == 0x08 || (c & 0x18) == 0x10)) {
                    throw new IllegalArgumentException("RLE counts string has a number of more than 64 bits at "
                            + (p - k) + ": " + abbreviate(s));
                }
                x |= (c & 0x1f) << (5 * k);
                p++;
                k++;
                if (!more && (c & 0x10) != 0 && k < MAX_GROUPS) {
                    x |= -1L << (5 * k);
                }
            }
            if (m > 2) {
                try {
                    x = Math.addExact(x, counts[m - 2]);
                } catch (ArithmeticException e) {
                    throw new IllegalArgumentException("RLE count " + m + " overflows 64 bits: " + abbreviate(s));
                }
            }
            counts[m++] = x;
        }
        return Arrays.copyOf(counts, m);
    }

    public static String encode(BinaryMask mask) {
        return toString(counts(mask));
    }

    public static BinaryMask decode(String counts, int height, int width) {
        return fromCounts(fromString(counts), height, width);
    }

    private static String abbreviate(String s) {
        return '"' + OneLine.of(s.length() <= 40 ? s : s.substring(0, 40)) + (s.length() <= 40 ? "\"" : "...\"");
    }
}
