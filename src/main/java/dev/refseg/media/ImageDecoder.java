package dev.refseg.media;

import dev.refseg.errors.Errors;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;

/**
 * Client frames (JPEG, PNG or raw RGB24): checked at intake without decoding a pixel, decoded when the
 * frame is read. The check enforces the size limits from the header (a small file cannot expand into a
 * huge frame), the structure ({@link ImageHeader}: a truncated file is an error, not a partly grey frame)
 * and reads the EXIF orientation, so the displayed size is known at once. Decoding is FFmpeg's
 * ({@link StillImageDecoder}), so frames give the pixels the {@code ffmpeg} command gives, turned as the
 * file declares unless the call keeps the stored orientation. A file whose pixels turn out corrupt when
 * decoded is reported then, naming its frame. Decoders are native: one per thread reading at once
 * ({@link NativePool}), freed by {@link #close()}.
 */
public final class ImageDecoder implements AutoCloseable {
    public enum Kind { JPEG, PNG, RGB24 }

    /**
     * A client frame as intake accepted it.
     *
     * @param kind        what the data is
     * @param width       displayed width (after the turn the file declares, unless kept as stored)
     * @param height      displayed height
     * @param orientation what the file declared and whether it is applied; null for raw RGB24
     */
    public record Checked(Kind kind, int width, int height, OrientationReport orientation) {
        /** How the stored pixels are turned to give the frame. */
        public Orientation turn() {
            return orientation == null ? Orientation.NONE : orientation.toApply();
        }
    }

    private static final byte[] JPEG_MAGIC = {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF};
    private static final byte[] PNG_MAGIC = {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};

    private final IntakeLimits limits;
    private final boolean keepStoredOrientation;
    private final NativePool<StillImageDecoder> decoders;

    public ImageDecoder(IntakeLimits limits, boolean keepStoredOrientation) {
        this.limits = limits;
        this.keepStoredOrientation = keepStoredOrientation;
        this.decoders = new NativePool<>(() -> new StillImageDecoder(limits.maxDecodePixels()));
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
     * Checks a client frame without decoding its pixels.
     *
     * @param field    the request field, for messages (e.g. "frame[3]")
     * @param declared the format the client declared, or null to detect it
     * @param width    the client's width (raw RGB24 only)
     * @param height   the client's height (raw RGB24 only)
     * @throws io.grpc.StatusRuntimeException INVALID_ARGUMENT for bad data, RESOURCE_EXHAUSTED over a size limit
     */
    public Checked check(String field, Kind declared, byte[] data, int width, int height) {
        if (data.length == 0) {
            throw Errors.invalid(field + ".data", "is empty");
        }
        if (declared == Kind.RGB24) {
            checkRaw(field, data, width, height);
            return new Checked(Kind.RGB24, width, height, null);
        }
        Kind actual = sniff(data);
        if (actual == null) {
            throw Errors.invalid(field + ".data", "is neither a JPEG nor a PNG file (first bytes "
                    + hex(data, 4) + "); raw pixels need format IMAGE_FORMAT_RGB24 with width and height");
        }
        if (declared != null && declared != actual) {
            throw Errors.invalid(field + ".format", "says " + declared + " but the data is a " + actual + " file");
        }
        ImageHeader header;
        try {
            header = ImageHeader.read(actual, data);
        } catch (ImageHeader.Malformed e) {
            throw Errors.invalid(field + ".data", "corrupt " + actual + ": " + e.getMessage(), e);
        } catch (ImageHeader.Unsupported e) {
            throw Errors.invalid(field + ".data", e.getMessage(), e);
        }
        limits.checkFrameSize(field, header.width(), header.height());
        OrientationReport o = OrientationReport.decide(header.declared(), null, "EXIF orientation",
                keepStoredOrientation, header.width(), header.height());
        Orientation turn = o.toApply();
        return new Checked(actual, turn.displayedWidth(header.width(), header.height()),
                turn.displayedHeight(header.width(), header.height()), o);
    }

    /**
     * Decodes a file {@link #check} accepted and turns it as it was turned then. Safe from several
     * threads at once.
     *
     * @param frame  the frame, for messages (e.g. "frame[3]")
     * @param turn   the turn from stored to displayed pixels
     * @param width  the displayed width intake accepted
     * @param height the displayed height intake accepted
     * @return packed RGB24, {@code width * height * 3} bytes
     * @throws io.grpc.StatusRuntimeException INVALID_ARGUMENT naming {@code frame.data} when FFmpeg refuses the
     *                                        pixels or they decode to another size than the header declared
     */
    public byte[] decode(String frame, Kind kind, byte[] file, Orientation turn, int width, int height) {
        StillImageDecoder.Picture p;
        try {
            p = decoders.with(d -> d.decode(kind, file));
        } catch (FfmpegInput.FfmpegException e) {
            throw Errors.invalid(frame + ".data", "corrupt " + kind + ": " + e.getMessage(), e);
        }
        if (turn.displayedWidth(p.width(), p.height()) != width || turn.displayedHeight(p.width(), p.height()) != height) {
            throw Errors.invalid(frame + ".data", "corrupt " + kind + ": the header says " + turn.displayedWidth(width, height)
                    + "x" + turn.displayedHeight(width, height) + " but the pixels decode to " + p.width() + "x" + p.height());
        }
        return turn.apply(p.rgb(), p.width(), p.height());
    }

    private void checkRaw(String field, byte[] data, int width, int height) {
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
    }

    /** Frees the decoders (one still in use is freed when its read ends). Idempotent. */
    @Override
    public void close() {
        decoders.close();
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
