package dev.refseg.media;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;
import javax.imageio.ImageIO;

/**
 * The frames of one session, kept compressed and decoded on demand: a 1080p RGB frame is 6 MB, a few
 * hundred of them would not fit a process, while the method needs random access to any frame (tiles,
 * pivots, both propagation passes). Frames that arrived as JPEG/PNG keep their original bytes; raw and
 * container-decoded frames are deflated losslessly at the fastest level.
 */
public final class FrameStore {
    private record Entry(long timestampUs, int width, int height, boolean imageFile, byte[] bytes) {
    }

    private final List<Entry> entries = new ArrayList<>();
    private long storedBytes;

    /** Adds the next frame; {@code encodedFile} is the JPEG/PNG it came from, or null. */
    public synchronized void add(DecodedFrame frame, byte[] encodedFile) {
        if (frame.index() != entries.size()) {
            throw new IllegalStateException("frame " + frame.index() + " added after " + entries.size() + " frames");
        }
        byte[] bytes = encodedFile != null ? encodedFile : deflate(frame.rgb());
        entries.add(new Entry(frame.timestampUs(), frame.width(), frame.height(), encodedFile != null, bytes));
        storedBytes += bytes.length;
    }

    public synchronized int size() {
        return entries.size();
    }

    /** Compressed bytes held, for metrics and limits. */
    public synchronized long storedBytes() {
        return storedBytes;
    }

    public DecodedFrame get(int index) {
        Entry e;
        synchronized (this) {
            e = entries.get(index);
        }
        byte[] rgb = e.imageFile() ? decodeImage(e.bytes()) : inflate(e.bytes(), e.width() * e.height() * 3);
        return new DecodedFrame(index, e.timestampUs(), e.width(), e.height(), rgb);
    }

    public synchronized long timestampUs(int index) {
        return entries.get(index).timestampUs();
    }

    public synchronized void clear() {
        entries.clear();
        storedBytes = 0;
    }

    private static byte[] deflate(byte[] rgb) {
        Deflater d = new Deflater(Deflater.BEST_SPEED);
        try {
            d.setInput(rgb);
            d.finish();
            byte[] buf = new byte[Math.max(1024, rgb.length / 4)];
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(buf.length);
            while (!d.finished()) {
                int n = d.deflate(buf);
                out.write(buf, 0, n);
            }
            return out.toByteArray();
        } finally {
            d.end();
        }
    }

    private static byte[] inflate(byte[] bytes, int size) {
        Inflater inf = new Inflater();
        try {
            inf.setInput(bytes);
            byte[] out = new byte[size];
            int n = 0;
            while (n < size && !inf.finished()) {
                n += inf.inflate(out, n, size - n);
            }
            return out;
        } catch (DataFormatException e) {
            throw new IllegalStateException("stored frame is corrupt", e);
        } finally {
            inf.end();
        }
    }

    private static byte[] decodeImage(byte[] file) {
        try {
            return ImageDecoder.toRgb(ImageIO.read(new ByteArrayInputStream(file)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
