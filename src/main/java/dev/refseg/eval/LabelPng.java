package dev.refseg.eval;

import dev.refseg.mask.BinaryMask;
import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.TreeSet;
import javax.imageio.ImageIO;

/**
 * An object-label image in DAVIS layout: palette (or greyscale) PNG whose pixel values are object ids,
 * 0 = background. A greyscale PNG holding only 0 and 255 is a single-object mask (id 1), the way
 * binary predictions are usually written.
 */
public record LabelPng(int height, int width, int[] labels) {

    public static LabelPng read(Path file) throws IOException {
        BufferedImage img = ImageIO.read(file.toFile());
        if (img == null) {
            throw new IOException(file + ": not a readable image");
        }
        int w = img.getWidth();
        int h = img.getHeight();
        int[] labels = new int[w * h];
        boolean indexed = img.getColorModel() instanceof IndexColorModel;
        boolean binary255 = true;
        if (indexed || img.getRaster().getNumBands() == 1) {
            img.getRaster().getSamples(0, 0, w, h, 0, labels);
        } else {
            // RGB(A) masks: anything not black is the object.
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    labels[y * w + x] = (img.getRGB(x, y) & 0xffffff) != 0 ? 1 : 0;
                }
            }
            indexed = true;
        }
        if (!indexed) {
            for (int v : labels) {
                if (v != 0 && v != 255) {
                    binary255 = false;
                    break;
                }
            }
            if (binary255) {
                for (int i = 0; i < labels.length; i++) {
                    labels[i] = labels[i] == 255 ? 1 : 0;
                }
            }
        }
        return new LabelPng(h, w, labels);
    }

    /** Object ids present (non-zero, and not DAVIS's void value 255). */
    public TreeSet<Integer> objectIds() {
        TreeSet<Integer> ids = new TreeSet<>();
        for (int v : labels) {
            if (v != 0 && v != 255) {
                ids.add(v);
            }
        }
        return ids;
    }

    public BinaryMask mask(int objectId) {
        byte[] d = new byte[labels.length];
        for (int i = 0; i < labels.length; i++) {
            d[i] = (byte) (labels[i] == objectId ? 1 : 0);
        }
        return new BinaryMask(height, width, d);
    }
}
