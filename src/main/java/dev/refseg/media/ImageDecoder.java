package dev.refseg.media;

import dev.refseg.errors.Errors;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;

/**
 * Turns one client frame (JPEG, PNG or raw RGB24) into packed RGB in its display orientation, enforcing
 * the size limits before any pixel is decoded (the header gives the size, so a small file cannot expand
 * into a huge frame). JPEG and PNG are checked for structure ({@link ImageHeader}: a truncated file is
 * an error, not a partly grey frame) and decoded by FFmpeg ({@link StillImageDecoder}), so they give
 * the pixels the {@code ffmpeg} command gives; the EXIF orientation a file declares is applied unless
 * the call keeps the stored orientation. Owns native decoder state: one per session, used by one thread
 * at a time (synchronized), closed with the session.
 */
public final class ImageDecoder implements AutoCloseable {
    public enum Kind { JPEG, PNG, RGB24 }

    /**
     * A decoded client frame.
     *
     * @param frame       the pixels as they will be used (displayed orientation unless kept as stored)
     * @param orientation what the file declared and whether it was applied; null for raw RGB24
     */
    public record Result(DecodedFrame frame, OrientationReport orientation) {
    }

    private static final byte[] JPEG_MAGIC = {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF};
    private static final byte[] PNG_MAGIC = {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};

    private final IntakeLimits limits;
    private final boolean keepStoredOrientation;
    private StillImageDecoder still;

    public ImageDecoder(IntakeLimits limits, boolean keepStoredOrientation) {
        this.limits = limits;
        this.keepStoredOrientation = keepStoredOrientation;
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
     * @throws io.grpc.StatusRuntimeException INVALID_ARGUMENT for bad data, RESOURCE_EXHAUSTED over a size limit
     */
    public Result decode(String field, int index, long timestampUs, Kind declared, byte[] data, int width,
            int height) {
        if (data.length == 0) {
            throw Errors.invalid(field + ".data", "is empty");
        }
        if (declared == Kind.RGB24) {
            return new Result(raw(field, index, timestampUs, data, width, height), null);
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

    /**
     * Decodes a file accepted by {@link #decode} again (the frame store keeps files, not pixels) and turns
     * it as it was turned then.
     */
    public synchronized byte[] redecode(byte[] file, Orientation turn) {
        StillImageDecoder.Picture p = still().decode(sniff(file), file);
        return turn.apply(p.rgb(), p.width(), p.height());
    }

    private DecodedFrame raw(String field, int index, long timestampUs, byte[] data, int width, int height) {
        if (width <= 0 || height <= 0) {
            throw Errors.invalid(field + ".width/height", "raw RGB24 needs a positive width and height, got "
                    + width + "x" + height);
        }
        limits.checkFrameSize(field, width, height);
        long expected = 3L * width * height;
        if (data.length != expected) {
            throw Errors.invalid(field + ".data", "raw RGB24 " + width + "x" + height + " needs " + expected
                    + " bytes, got " + data.length);
        }
        return new DecodedFrame(index, timestampUs, width, height, data);
    }

    private synchronized Result encoded(String field, int index, long timestampUs, Kind kind, byte[] data) {
        ImageHeader header;
        try {
            header = ImageHeader.read(kind, data);
        } catch (ImageHeader.Malformed e) {
            throw Errors.invalid(field + ".data", "corrupt " + kind + ": " + e.getMessage(), e);
        } catch (ImageHeader.Unsupported e) {
            throw Errors.invalid(field + ".data", e.getMessage(), e);
        }
        limits.checkFrameSize(field, header.width(), header.height());
        StillImageDecoder.Picture p;
        try {
            p = still().decode(kind, data);
        } catch (FfmpegInput.FfmpegException e) {
            throw Errors.invalid(field + ".data", "corrupt " + kind + ": " + e.getMessage(), e);
        }
        if (p.width() != header.width() || p.height() != header.height()) {
            throw Errors.invalid(field + ".data", "corrupt " + kind + ": the header says " + header.width() + "x"
                    + header.height() + " but the pixels decode to " + p.width() + "x" + p.height());
        }
        OrientationReport o = OrientationReport.decide(p.declared(), p.matrix(), "EXIF orientation",
                keepStoredOrientation, p.width(), p.height());
        Orientation turn = o.toApply();
        return new Result(new DecodedFrame(index, timestampUs, turn.displayedWidth(p.width(), p.height()),
                turn.displayedHeight(p.width(), p.height()), turn.apply(p.rgb(), p.width(), p.height())), o);
    }

    private StillImageDecoder still() {
        if (still == null) {
            still = new StillImageDecoder(limits.maxDecodePixels());
        }
        return still;
    }

    @Override
    public synchronized void close() {
        if (still != null) {
            still.close();
            still = null;
        }
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
