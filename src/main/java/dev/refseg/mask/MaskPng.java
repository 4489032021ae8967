package dev.refseg.mask;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.imageio.ImageIO;

/** Masks as 8-bit greyscale PNGs: 0 background, 255 object. */
public final class MaskPng {
    private MaskPng() {
    }

    public static byte[] encode(BinaryMask mask) {
        BufferedImage img = new BufferedImage(mask.width(), mask.height(), BufferedImage.TYPE_BYTE_GRAY);
        byte[] px = ((DataBufferByte) img.getRaster().getDataBuffer()).getData();
        byte[] d = mask.data();
        for (int i = 0; i < d.length; i++) {
            px[i] = d[i] != 0 ? (byte) 255 : 0;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(img, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** Any non-zero pixel of the PNG's first band is foreground. */
    public static BinaryMask decode(byte[] png) throws IOException {
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(png));
        if (img == null) {
            throw new IOException("not a PNG image");
        }
        int w = img.getWidth();
        int h = img.getHeight();
        int[] row = new int[w];
        byte[] d = new byte[w * h];
        for (int y = 0; y < h; y++) {
            img.getRaster().getSamples(0, y, w, 1, 0, row);
            for (int x = 0; x < w; x++) {
                d[y * w + x] = (byte) (row[x] != 0 ? 1 : 0);
            }
        }
        return new BinaryMask(h, w, d);
    }
}
