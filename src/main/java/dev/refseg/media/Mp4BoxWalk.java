package dev.refseg.media;

/**
 * Follows the top-level boxes of an ISO BMFF (MP4/MOV) file as its bytes stream in — each a 32-bit size
 * (or 1 and a 64-bit size, or 0 for "to the end") and a four-character type (ISO/IEC 14496-12 §4.2) —
 * and says when the bytes stop being an MP4. An MP4 is spooled to disk (its index may be at the end), so
 * without this a stream that is MP4 only in its first bytes would be written to disk up to
 * {@code refseg.limits.max-media-bytes} before being refused.
 */
final class Mp4BoxWalk {
    /** What breaks the structure, or null. */
    private String broken;
    /** Absolute offset of the next box header. */
    private long next;
    private long seen;
    /** The header bytes of the next box gathered so far (8, or 16 with a 64-bit size). */
    private final byte[] header = new byte[16];
    private int have;
    private boolean toEnd;
    /** The last whole box header read: its type and where it starts. */
    private String lastType = "";
    private long lastStart;

    /**
     * Takes the next bytes of the stream.
     *
     * @return what makes the bytes not an MP4 (with the offset), or null while they still can be one
     */
    String accept(byte[] chunk) {
        long start = seen;
        seen += chunk.length;
        while (broken == null && !toEnd && next < seen) {
            int i = (int) Math.max(0, next + have - start);
            while (have < needed() && i < chunk.length) {
                header[have++] = chunk[i++];
            }
            if (have < needed()) {
                return null; // the header continues in the next chunk
            }
            step();
        }
        return broken;
    }

    private int needed() {
        return have >= 4 && u32(0) == 1 ? 16 : 8;
    }

    private void step() {
        long size = u32(0);
        for (int k = 4; k < 8; k++) {
            int c = header[k] & 0xff;
            if (c < 0x20 || c > 0x7E) {
                broken = "the top-level box at byte " + next + " has type " + hex(4, 8) + ", not four characters";
                return;
            }
        }
        if (size == 1) {
            size = ((long) u32(8) << 32) | u32(12);
            if (size < 16) {
                broken = "the top-level box at byte " + next + " declares 64-bit size " + size;
                return;
            }
        } else if (size == 0) {
            toEnd = true; // the last box runs to the end of the file
            return;
        } else if (size < 8) {
            broken = "the top-level box at byte " + next + " declares size " + size;
            return;
        }
        lastType = new String(header, 4, 4, java.nio.charset.StandardCharsets.ISO_8859_1);
        lastStart = next;
        next += size;
        have = 0;
    }

    /**
     * Called once the stream has ended: whether it ended where a box ends. A file cut inside its last box
     * (a fragmented MP4's last 'mdat', say) still demuxes the fragments before it, so without this the cut
     * would pass for a shorter video.
     *
     * @return where the data stops short (with the box), or null when it ends on a box boundary, runs into
     *         a box declared to the end of the file, or was already reported broken
     */
    String atEnd() {
        if (broken != null || toEnd || (next == seen && have == 0)) {
            return null;
        }
        if (have == 0) {
            return "the data ends after " + seen + " bytes, inside its '" + lastType + "' box (bytes " + lastStart
                    + " to " + next + ")";
        }
        return "the data ends after " + seen + " bytes, inside the header of the box at byte " + next;
    }

    private long u32(int at) {
        return ((long) (header[at] & 0xff) << 24) | ((header[at + 1] & 0xff) << 16) | ((header[at + 2] & 0xff) << 8)
                | (header[at + 3] & 0xff);
    }

    private String hex(int from, int to) {
        StringBuilder s = new StringBuilder("0x");
        for (int k = from; k < to; k++) {
            s.append(String.format("%02X", header[k] & 0xff));
        }
        return s.toString();
    }
}
