package dev.refseg.media;

import java.io.ByteArrayOutputStream;

/**
 * A JPEG or PNG file without its EXIF blocks (JPEG APP1 "Exif" segments, PNG eXIf chunks), as the frame
 * store keeps it: intake has read the orientation already ({@link ImageHeader}), and FFmpeg's own EXIF
 * reader follows every nested IFD of a block, so a few kilobytes of crafted EXIF (IFDs whose entries all
 * point to the next IFD) cost it time growing as the entry count to the fourth power: minutes for one
 * frame, in native code no call can interrupt. Pixels are unchanged (EXIF carries none that the decoder
 * reads), and so are the other segments (Adobe colour transform, ICC profile, ...).
 */
public final class ExifStrip {
    private ExifStrip() {
    }

    /**
     * @param kind JPEG or PNG
     * @param file a whole file {@link ImageHeader#read} accepted
     * @return the file without EXIF blocks; the same array when it has none
     */
    public static byte[] without(ImageDecoder.Kind kind, byte[] file) {
        return kind == ImageDecoder.Kind.JPEG ? jpeg(file) : png(file);
    }

    private static byte[] jpeg(byte[] d) {
        ByteArrayOutputStream out = null;
        int copied = 0;
        int i = 2; // after SOI
        while (i + 4 <= d.length && (d[i] & 0xff) == 0xFF) {
            int m = i;
            while (m < d.length && (d[m] & 0xff) == 0xFF) {
                m++; // fill bytes
            }
            if (m + 3 > d.length) {
                break;
            }
            int marker = d[m] & 0xff;
            if (marker == 0xDA || marker == 0xD9 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {
                break; // the scan, or a marker without a length: EXIF only comes before the first scan
            }
            int end = m + 1 + (((d[m + 1] & 0xff) << 8) | (d[m + 2] & 0xff));
            if (end > d.length) {
                break;
            }
            boolean exif = marker == 0xE1 && end - m >= 9 && d[m + 3] == 'E' && d[m + 4] == 'x' && d[m + 5] == 'i'
                    && d[m + 6] == 'f' && d[m + 7] == 0;
            if (exif) {
                out = out != null ? out : new ByteArrayOutputStream(d.length);
                out.write(d, copied, i - copied);
                copied = end;
            }
            i = end;
        }
        return finish(d, out, copied);
    }

    private static byte[] png(byte[] d) {
        ByteArrayOutputStream out = null;
        int copied = 0;
        int i = 8; // after the signature
        while (i + 12 <= d.length) {
            long len = ((long) (d[i] & 0xff) << 24) | ((d[i + 1] & 0xff) << 16) | ((d[i + 2] & 0xff) << 8)
                    | (d[i + 3] & 0xff);
            if (len > d.length - i - 12) {
                break;
            }
            int end = i + 12 + (int) len;
            if (d[i + 4] == 'e' && d[i + 5] == 'X' && d[i + 6] == 'I' && d[i + 7] == 'f') {
                out = out != null ? out : new ByteArrayOutputStream(d.length);
                out.write(d, copied, i - copied);
                copied = end;
            }
            i = end;
        }
        return finish(d, out, copied);
    }

    private static byte[] finish(byte[] d, ByteArrayOutputStream out, int copied) {
        if (out == null) {
            return d;
        }
        out.write(d, copied, d.length - copied);
        return out.toByteArray();
    }
}
