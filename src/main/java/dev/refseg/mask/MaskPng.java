package dev.refseg.mask;

import ar.com.hjg.pngj.ImageInfo;
import ar.com.hjg.pngj.ImageLineByte;
import ar.com.hjg.pngj.PngReaderByte;
import ar.com.hjg.pngj.PngWriter;
import ar.com.hjg.pngj.PngjException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;

/**
 * Masks as 8-bit greyscale PNGs: 0 background, 255 object. Written and read with PNGJ, a pure-Java PNG
 * codec, so the gateway (which re-encodes audio referents' silent masks) needs neither AWT nor ImageIO and
 * stays native-image friendly.
 */
public final class MaskPng {
    private MaskPng() {
    }

    /**
     * @param mask height × width, non-zero = object
     * @return the PNG file's bytes (greyscale, 8 bits, not interlaced)
     */
    public static byte[] encode(BinaryMask mask) {
        ImageInfo info = new ImageInfo(mask.width(), mask.height(), 8, false, true, false);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PngWriter writer = new PngWriter(out, info);
        ImageLineByte line = new ImageLineByte(info);
        byte[] row = line.getScanlineByte();
        byte[] d = mask.data();
        for (int y = 0; y < mask.height(); y++) {
            for (int x = 0; x < row.length; x++) {
                row[x] = d[y * row.length + x] != 0 ? (byte) 255 : 0;
            }
            writer.writeRow(line);
        }
        writer.end();
        return out.toByteArray();
    }

    /**
     * Any non-zero sample of the first channel is foreground (grey, RGB, palette index, with or without alpha;
     * 1 to 16 bits).
     *
     * @return the mask, height × width of the image
     * @throws IOException when the bytes are not a PNG PNGJ can read
     */
    public static BinaryMask decode(byte[] png) throws IOException {
        PngReaderByte reader;
        try {
            reader = new PngReaderByte(new ByteArrayInputStream(png));
        } catch (PngjException e) {
            throw new IOException("not a PNG image: " + e.getMessage(), e);
        }
        try {
            ImageInfo info = reader.imgInfo;
            int w = info.cols;
            byte[] d = new byte[w * info.rows];
            for (int y = 0; y < info.rows; y++) {
                byte[] row = reader.readRowByte().getScanlineByte();
                for (int x = 0; x < w; x++) {
                    d[y * w + x] = (byte) (row[x * info.channels] != 0 ? 1 : 0);
                }
            }
            return new BinaryMask(info.rows, w, d);
        } catch (PngjException e) {
            throw new IOException("a PNG PNGJ cannot read: " + e.getMessage(), e);
        } finally {
            reader.close();
        }
    }
}
