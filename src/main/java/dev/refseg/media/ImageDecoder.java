package dev.refseg.media;

import dev.refseg.errors.Errors;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.event.IIOReadWarningListener;
import javax.imageio.stream.ImageInputStream;

/**
 * Turns one client frame (JPEG, PNG or raw RGB24) into packed RGB, enforcing the size limits before
 * any pixel is decoded (the header gives the size, so a small file cannot expand into a huge frame).
 * A truncated or corrupt file is an error, not a partly grey frame: decoder warnings such as
 * "premature end of data" are treated as failures.
 */
public final class ImageDecoder {
    public enum Kind { JPEG, PNG, RGB24 }

    private static final byte[] JPEG_MAGIC = {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF};
    private static final byte[] PNG_MAGIC = {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};

    private final IntakeLimits limits;

    public ImageDecoder(IntakeLimits limits) {
        this.limits = limits;
    }

    /** What the bytes are, by their signature; null when neither JPEG nor PNG. */
    public static Kind sniff(byte[] data) {
        if (startsWith(data, JPEG_MAGIC)) {
            return Kind.JPEG;
        }
        if (startsWith(data, PNG_MAGIC)) {
            return Kind.PNG;
        }
        return null;
    }

    /**
     * @param field    the request field, for messages (e.g. "frame[3]")
     * @param declared the format the client declared, or null to detect it
     */
    public DecodedFrame decode(String field, int index, long timestampUs, Kind declared, byte[] data, int width,
            int height) {
        if (data.length == 0) {
            throw Errors.invalid(field + ".data", "is empty");
        }
        if (declared == Kind.RGB24) {
            return raw(field, index, timestampUs, data, width, height);
        }
        Kind actual = sniff(data);
        if (actual == null) {
            throw Errors.invalid(field + ".data", "is neither a JPEG nor a PNG file (first bytes "
                    + hex(data, 4) + "); raw pixels need format IMAGE_FORMAT_RGB24 with width and height");
        }
        if (declared != null && declared != actual) {
            throw Errors.invalid(field + ".format", "says " + declared + " but the data is a " + actual + " file");
        }
        return encoded(field, index, timestampUs, actual, data);
    }

    private DecodedFrame raw(String field, int index, long timestampUs, byte[] data, int width, int height) {
        if (width <= 0 || height <= 0) {
            throw Errors.invalid(field + ".width/height", "raw RGB24 needs a positive width and height, got "
                    + width + "x" + height);
        }
        checkSize(field, width, height);
        long expected = 3L * width * height;
        if (data.length != expected) {
            throw Errors.invalid(field + ".data", "raw RGB24 " + width + "x" + height + " needs " + expected
                    + " bytes, got " + data.length);
        }
        return new DecodedFrame(index, timestampUs, width, height, data);
    }

    private DecodedFrame encoded(String field, int index, long timestampUs, Kind kind, byte[] data) {
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(data))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw Errors.invalid(field + ".data", "no decoder for this " + kind + " file");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                int w = reader.getWidth(0);
                int h = reader.getHeight(0);
                checkSize(field, w, h);
                String[] warning = new String[1];
                reader.addIIOReadWarningListener(warningCollector(warning));
                BufferedImage img = reader.read(0);
                if (warning[0] != null) {
                    throw Errors.invalid(field + ".data", "corrupt " + kind + ": " + warning[0]);
                }
                return new DecodedFrame(index, timestampUs, w, h, toRgb(img));
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof io.grpc.StatusRuntimeException s) {
                throw s;
            }
            throw Errors.invalid(field + ".data", "corrupt " + kind + ": " + e.getMessage(), e);
        }
    }

    private void checkSize(String field, int w, int h) {
        if (w > limits.maxWidth()) {
            throw Errors.limit(field + ".width", "frame width", w, IntakeLimits.KEY_WIDTH, limits.maxWidth());
        }
        if (h > limits.maxHeight()) {
            throw Errors.limit(field + ".height", "frame height", h, IntakeLimits.KEY_HEIGHT, limits.maxHeight());
        }
    }

    private static IIOReadWarningListener warningCollector(String[] sink) {
        return (source, warning) -> {
            if (sink[0] == null) {
                sink[0] = warning;
            }
        };
    }

    /** Packed RGB of any BufferedImage; the common 3-byte BGR layout is converted without per-pixel calls. */
    public static byte[] toRgb(BufferedImage img) {
        int w = img.getWidth();
        int h = img.getHeight();
        BufferedImage bgr = img;
        if (img.getType() != BufferedImage.TYPE_3BYTE_BGR) {
            bgr = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
            java.awt.Graphics2D g = bgr.createGraphics();
            g.drawImage(img, 0, 0, null);
            g.dispose();
        }
        byte[] src = ((DataBufferByte) bgr.getRaster().getDataBuffer()).getData();
        byte[] rgb = new byte[w * h * 3];
        for (int i = 0; i < rgb.length; i += 3) {
            rgb[i] = src[i + 2];
            rgb[i + 1] = src[i + 1];
            rgb[i + 2] = src[i];
        }
        return rgb;
    }

    /** A BufferedImage view of packed RGB (for encoding to JPEG/PNG). */
    public static BufferedImage toImage(byte[] rgb, int width, int height) {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
        byte[] dst = ((DataBufferByte) img.getRaster().getDataBuffer()).getData();
        for (int i = 0; i < dst.length; i += 3) {
            dst[i] = rgb[i + 2];
            dst[i + 1] = rgb[i + 1];
            dst[i + 2] = rgb[i];
        }
        return img;
    }

    private static boolean startsWith(byte[] data, byte[] magic) {
        if (data.length < magic.length) {
            return false;
        }
        for (int i = 0; i < magic.length; i++) {
            if (data[i] != magic[i]) {
                return false;
            }
        }
        return true;
    }

    private static String hex(byte[] d, int n) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < Math.min(n, d.length); i++) {
            s.append(String.format("%02x", d[i] & 0xff));
        }
        return s.toString();
    }
}
