package dev.refseg.media;

/**
 * The Orientation (tag 0x0112) an EXIF block declares, read from its TIFF structure (TIFF 6.0 §2, CIPA
 * DC-008 §4.6) without decoding a pixel, with the rules FFmpeg 8's JPEG and PNG decoders follow when they
 * export it as a display matrix (checked against them in {@code ExifOrientationTest}):
 * <ul>
 * <li>the block counts only when it reads whole: the header, IFD0, every entry's values within the block,
 * and the IFDs IFD0 points to (Exif, GPS, Interoperability: tags 0x8769, 0x8825, 0xA005, or type 13),
 * nested at most three deep; one broken entry voids the whole block;</li>
 * <li>the value is the first IFD0 entry 0x0112 of type SHORT with at least one value; 2–8 are turns,
 * anything else is none.</li>
 * </ul>
 * One simplification: a MakerNote (0x927C) is checked as opaque bytes, where FFmpeg first tries to read
 * it as an IFD; the two differ only for a MakerNote that overruns the block. One limit FFmpeg lacks: a
 * block whose IFDs point to each other so that reading it visits more than {@link #MAX_VISITS} entries
 * (a camera's has a few hundred; nested IFDs of N entries pointing to the next cost N⁴) is refused as
 * not whole, so that reading it stays cheap (the frame store keeps files without EXIF, {@link ExifStrip}).
 */
final class ExifOrientation {
    /** The block is not whole TIFF; the message says where it breaks. */
    static final class Invalid extends Exception {
        Invalid(String message) {
            super(message, null, false, false);
        }
    }

    private static final int ORIENTATION = 0x0112;
    private static final int MAKER_NOTE = 0x927C;
    private static final int TYPE_SHORT = 3;
    private static final int TYPE_IFD = 13;
    /** Bytes per value of TIFF types 0–13 (BYTE, ASCII, SHORT, LONG, RATIONAL, ..., DOUBLE, IFD). */
    private static final int[] TYPE_BYTES = {0, 1, 1, 2, 4, 8, 1, 1, 2, 4, 8, 4, 8, 4};
    /** Nesting FFmpeg follows: IFD0's entries are depth 0, an entry deeper than 3 breaks the block. */
    private static final int MAX_DEPTH = 3;
    private static final int MAX_ENTRIES = 4096;
    /** Entries one block may make us visit, over all its IFDs and repeats. */
    static final int MAX_VISITS = 16_384;
    private int visits;

    private final byte[] d;
    private final int base;
    private final int len;
    private final boolean littleEndian;
    private int orientation;
    private boolean found;

    private ExifOrientation(byte[] d, int base, int len, boolean littleEndian) {
        this.d = d;
        this.base = base;
        this.len = len;
        this.littleEndian = littleEndian;
    }

    /**
     * @param d   the file
     * @param off where the TIFF header ("II*\0" or "MM\0*") starts
     * @param len bytes of the block
     * @return the Orientation value of IFD0, or 0 when it declares none
     * @throws Invalid when the block does not read whole
     */
    static int read(byte[] d, int off, int len) throws Invalid {
        if (len < 8) {
            throw new Invalid(len + " bytes, shorter than a TIFF header");
        }
        boolean le;
        if (d[off] == 'I' && d[off + 1] == 'I') {
            le = true;
        } else if (d[off] == 'M' && d[off + 1] == 'M') {
            le = false;
        } else {
            throw new Invalid("no TIFF byte order mark (II or MM) at its start");
        }
        ExifOrientation r = new ExifOrientation(d, off, len, le);
        if (r.u16(2) != 42) {
            throw new Invalid("no TIFF magic number 42");
        }
        r.ifd(r.seek(r.u32(4)), 0);
        return r.orientation;
    }

    /** One IFD: its entries and its next-IFD pointer (whose target is not read: FFmpeg ignores it). */
    private void ifd(int at, int depth) throws Invalid {
        if (len - at < 2) {
            throw new Invalid("IFD at byte " + at + " lies outside the block");
        }
        int n = u16(at);
        int entries = at + 2;
        if ((long) n * 12 > len - entries || n > MAX_ENTRIES) {
            throw new Invalid("IFD at byte " + at + " declares " + n + " entries, more than the block holds");
        }
        for (int i = 0; i < n; i++) {
            entry(entries + 12 * i, depth);
        }
        int next = entries + 12 * n;
        if (len - next >= 4 && u32(next) > Integer.MAX_VALUE) {
            throw new Invalid("IFD at byte " + at + " points past 2 GB for its next IFD");
        }
    }

    private void entry(int at, int depth) throws Invalid {
        if (++visits > MAX_VISITS) {
            throw new Invalid("its IFDs make a reader visit more than " + MAX_VISITS + " entries");
        }
        if (depth > MAX_DEPTH) {
            throw new Invalid("IFDs nest more than " + MAX_DEPTH + " deep");
        }
        int tag = u16(at);
        int type = u16(at + 2);
        long count = u32(at + 4);
        long payload = u32(at + 8);
        if (type == 0) {
            return; // an empty slot, skipped
        }
        if (type > TYPE_IFD || count >= Integer.MAX_VALUE / 8) {
            throw new Invalid(String.format("entry 0x%04X at byte %d has type %d and count %d", tag, at, type, count));
        }
        boolean pointsToIfd = tag != MAKER_NOTE && (type == TYPE_IFD || tag == 0x8769 || tag == 0x8825 || tag == 0xA005);
        if (pointsToIfd || tag == MAKER_NOTE) {
            if (payload == 0) {
                return; // no IFD there
            }
            if (pointsToIfd) {
                ifd(seek(payload), depth + 1);
                return;
            }
        }
        long bytes = count * TYPE_BYTES[type];
        int values = bytes > 4 ? seek(payload) : at + 8;
        if (bytes > len - values) {
            throw new Invalid(String.format("entry 0x%04X at byte %d has %d bytes of values, past the block's end",
                    tag, at, bytes));
        }
        if (depth == 0 && tag == ORIENTATION && type == TYPE_SHORT && count > 0 && !found) {
            found = true;
            orientation = u16(values);
        }
    }

    /** Where an offset lands, as FFmpeg's byte reader seeks: past the end is the end; 2 GB and over wrap to 0. */
    private int seek(long offset) {
        return offset > Integer.MAX_VALUE ? 0 : (int) Math.min(offset, len);
    }

    private int u16(int at) {
        int a = d[base + at] & 0xff;
        int b = d[base + at + 1] & 0xff;
        return littleEndian ? a | b << 8 : a << 8 | b;
    }

    private long u32(int at) {
        long hi = u16(at);
        long lo = u16(at + 2);
        return littleEndian ? lo << 16 | hi : hi << 16 | lo;
    }
}
