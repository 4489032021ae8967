package dev.refseg.media;

import java.util.zip.CRC32;

/**
 * What a JPEG or PNG file declares, read from its structure without decoding a pixel: the kind, the
 * stored size, the EXIF orientation, and whether the file is whole. A JPEG is walked marker by marker up
 * to its end-of-image marker (every segment length in range, the entropy-coded data skipped to the next
 * marker); a PNG chunk by chunk up to IEND, each chunk's CRC checked (ISO/IEC 10918-1 Annex B; PNG spec
 * §5). A file that ends early or breaks its own structure is reported, so a truncated upload is an error
 * rather than a frame with a grey bottom. The orientation is taken as FFmpeg's decoders take it
 * ({@link ExifOrientation}): in a JPEG from the first APP1 "Exif" segment that reads whole; in a PNG from
 * the last eXIf chunk, which must read whole (FFmpeg refuses the file otherwise).
 *
 * @param kind     JPEG or PNG
 * @param width    stored width in pixels (before any orientation the file declares)
 * @param height   stored height in pixels
 * @param declared the turn its EXIF orientation declares; NONE when it declares none (or 1, or a value
 *                 outside 1–8)
 */
public record ImageHeader(ImageDecoder.Kind kind, int width, int height, Orientation declared) {

    /** The file's structure is broken; the message says where. */
    public static final class Malformed extends RuntimeException {
        Malformed(String message) {
            super(message, null, false, false);
        }
    }

    /** The file is well formed but uses a coding FFmpeg does not decode; the message says which and what to do. */
    public static final class Unsupported extends RuntimeException {
        Unsupported(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * Reads the header and checks the structure.
     *
     * @throws Malformed   when the file is cut short or inconsistent
     * @throws Unsupported when the frame header declares arithmetic coding (SOF9–SOF11, SOF13–SOF15)
     */
    public static ImageHeader read(ImageDecoder.Kind kind, byte[] data) {
        return kind == ImageDecoder.Kind.JPEG ? jpeg(data) : png(data);
    }

    private static ImageHeader jpeg(byte[] d) {
        int n = d.length;
        int width = -1;
        int height = -1;
        int exif = -1; // the EXIF orientation value, once a segment has read whole
        int i = 2; // after SOI
        while (i < n) {
            if ((d[i] & 0xff) != 0xFF) {
                throw new Malformed("no marker where one must be, at byte " + i);
            }
            while (i < n && (d[i] & 0xff) == 0xFF) {
                i++; // fill bytes
            }
            if (i >= n) {
                break;
            }
            int marker = d[i++] & 0xff;
            if (marker == 0xD9) {
                if (width < 0) {
                    throw new Malformed("no frame header (SOF) before the end-of-image marker");
                }
                return new ImageHeader(ImageDecoder.Kind.JPEG, width, height, Orientation.fromExif(exif));
            }
            if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {
                continue; // standalone markers
            }
            if (i + 2 > n) {
                break;
            }
            int len = u16(d, i);
            if (i + len > n) {
                break;
            }
            if (len < 2) {
                throw new Malformed("segment " + markerName(marker) + " at byte " + (i - 2) + " declares length " + len);
            }
            if (isStartOfFrame(marker)) {
                if (marker >= 0xC9) { // C9-CB, CD-CF (CC is DAC, not a frame header)
                    throw new Unsupported("arithmetic-coded JPEG (SOF" + (marker - 0xC0) + ", marker "
                            + markerName(marker) + ") is not supported; re-encode with Huffman coding");
                }
                if (len < 8) {
                    throw new Malformed("frame header at byte " + (i - 2) + " is " + len + " bytes long");
                }
                height = u16(d, i + 3);
                width = u16(d, i + 5);
                if (width == 0 || height == 0) {
                    throw new Malformed("frame header declares " + width + "x" + height + " pixels");
                }
            }
            if (marker == 0xE1 && exif < 0 && len >= 8 && d[i + 2] == 'E' && d[i + 3] == 'x' && d[i + 4] == 'i'
                    && d[i + 5] == 'f') {
                exif = jpegExif(d, i + 8, len - 8); // after the length, "Exif" and two bytes of padding
            }
            i += len;
            if (marker == 0xDA) {
                i = skipEntropyCoded(d, i);
            }
        }
        throw new Malformed("the data ends after " + n + " bytes, before the end-of-image marker (truncated)");
    }

    /** The orientation value of one APP1 Exif block, or -1 when it does not read whole (the next one may). */
    private static int jpegExif(byte[] d, int off, int len) {
        try {
            return ExifOrientation.read(d, off, len);
        } catch (ExifOrientation.Invalid e) {
            return -1;
        }
    }

    /** A marker as written in the file: 0xFF and its code in two hex digits (0xFFC0, 0xFF00). */
    private static String markerName(int marker) {
        return String.format("0xFF%02X", marker);
    }

    /** SOF0–SOF15 except DHT (C4), JPG (C8) and DAC (CC). */
    private static boolean isStartOfFrame(int m) {
        return m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
    }

    /** From the start of a scan's data to the next marker that is not a stuffed byte or a restart. */
    private static int skipEntropyCoded(byte[] d, int i) {
        int n = d.length;
        while (i + 1 < n) {
            if ((d[i] & 0xff) == 0xFF) {
                int next = d[i + 1] & 0xff;
                if (next != 0x00 && next != 0xFF && !(next >= 0xD0 && next <= 0xD7)) {
                    return i;
                }
                if (next == 0xFF) {
                    i++;
                    continue;
                }
                i += 2;
                continue;
            }
            i++;
        }
        return n;
    }

    private static final byte[] IHDR = {'I', 'H', 'D', 'R'};
    private static final byte[] IEND = {'I', 'E', 'N', 'D'};
    private static final byte[] EXIF = {'e', 'X', 'I', 'f'};

    private static ImageHeader png(byte[] d) {
        int n = d.length;
        int i = 8; // after the signature
        int width = -1;
        int height = -1;
        int exifAt = -1; // the last eXIf chunk
        CRC32 crc = new CRC32();
        while (i + 12 <= n) {
            long len = u32(d, i);
            if (len > n - i - 12) {
                break;
            }
            int type = i + 4;
            if (width < 0 && !same(d, type, IHDR)) {
                throw new Malformed("the first chunk is not IHDR");
            }
            crc.reset();
            crc.update(d, type, 4 + (int) len);
            if (crc.getValue() != u32(d, type + 4 + (int) len)) {
                throw new Malformed("chunk " + new String(d, type, 4, java.nio.charset.StandardCharsets.ISO_8859_1)
                        + " at byte " + i + " fails its CRC (corrupt data)");
            }
            if (same(d, type, IHDR)) {
                if (len < 13) {
                    throw new Malformed("IHDR is " + len + " bytes long");
                }
                long w = u32(d, type + 4);
                long h = u32(d, type + 8);
                if (w == 0 || h == 0 || w > Integer.MAX_VALUE || h > Integer.MAX_VALUE) {
                    throw new Malformed("IHDR declares " + w + "x" + h + " pixels");
                }
                width = (int) w;
                height = (int) h;
            } else if (same(d, type, EXIF)) {
                exifAt = i;
            } else if (same(d, type, IEND)) {
                return new ImageHeader(ImageDecoder.Kind.PNG, width, height, pngExif(d, exifAt));
            }
            i += 12 + (int) len;
        }
        throw new Malformed("the data ends after " + n + " bytes, before the IEND chunk (truncated)");
    }

    private static Orientation pngExif(byte[] d, int chunk) {
        if (chunk < 0) {
            return Orientation.NONE;
        }
        try {
            return Orientation.fromExif(ExifOrientation.read(d, chunk + 8, (int) u32(d, chunk)));
        } catch (ExifOrientation.Invalid e) {
            throw new Malformed("the eXIf chunk at byte " + chunk + " is not valid EXIF (" + e.getMessage() + ")");
        }
    }

    private static boolean same(byte[] d, int at, byte[] tag) {
        return d[at] == tag[0] && d[at + 1] == tag[1] && d[at + 2] == tag[2] && d[at + 3] == tag[3];
    }

    private static int u16(byte[] d, int i) {
        return ((d[i] & 0xff) << 8) | (d[i + 1] & 0xff);
    }

    private static long u32(byte[] d, int i) {
        return ((long) (d[i] & 0xff) << 24) | ((d[i + 1] & 0xff) << 16) | ((d[i + 2] & 0xff) << 8) | (d[i + 3] & 0xff);
    }
}
