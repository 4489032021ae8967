package dev.refseg.media;

/**
 * JPEGs whose structure is whole (markers, segment lengths, frame header, end-of-image) but whose
 * entropy-coded data is not: intake accepts them, FFmpeg's decoder refuses them.
 */
public final class CorruptJpeg {
    private CorruptJpeg() {
    }

    /**
     * The baseline JPEG with 64 bytes in the middle of its first scan replaced by stuffed 0xFF bytes
     * (0xFF 0x00): a run of 1-bits, which no Huffman code of a JPEG table is, so the decoder fails there.
     * Needs a file without restart markers (ImageIO writes none).
     */
    public static byte[] damageScan(byte[] jpeg) {
        int sos = 2;
        while ((jpeg[sos + 1] & 0xff) != 0xDA) {
            sos += 2 + (((jpeg[sos + 2] & 0xff) << 8) | (jpeg[sos + 3] & 0xff));
        }
        int data = sos + 2 + (((jpeg[sos + 2] & 0xff) << 8) | (jpeg[sos + 3] & 0xff));
        int from = data + (jpeg.length - 2 - data) / 3;
        if (from + 64 > jpeg.length - 2) {
            throw new IllegalArgumentException("the scan is too short to damage");
        }
        byte[] out = jpeg.clone();
        for (int i = from; i < from + 64; i += 2) {
            out[i] = (byte) 0xFF;
            out[i + 1] = 0;
        }
        return out;
    }
}
