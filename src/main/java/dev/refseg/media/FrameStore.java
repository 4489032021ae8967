package dev.refseg.media;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * The frames of one session, kept compressed in a scratch file and decoded on demand: the method needs
 * random access to any frame (tiles, pivots, both propagation passes), while a 1080p RGB frame is 6 MB
 * and even compressed frames of a long stream would grow the heap without bound. The heap holds only a
 * small index per frame. Frames that arrived as JPEG/PNG keep their original bytes (decoded and turned
 * to their display orientation again when read); raw and container-decoded frames are deflated
 * losslessly at the fastest level.
 */
public final class FrameStore implements AutoCloseable {
    /** Per frame: 8 longs/ints in parallel arrays (no object per frame). */
    private long[] offset = new long[256];
    private int[] length = new int[256];
    private long[] timestampUs = new long[256];
    private int[] widthHeight = new int[256 * 2];
    /** Per frame: -1 = deflated RGB; otherwise the turn its JPEG/PNG file needs ({@link #turnCode}). */
    private byte[] imageTurn = new byte[256];
    private int size;
    private final Path file;
    private final FileChannel channel;
    private final ImageDecoder images;
    private long end;

    /**
     * @param dir    where the scratch file goes; it is deleted on {@link #close()}
     * @param images decodes the stored JPEG/PNG files again when their frames are read
     */
    public FrameStore(Path dir, ImageDecoder images) {
        this.images = images;
        try {
            this.file = Files.createTempFile(dir, "frames", ".bin");
            this.channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the frame store in " + dir, e);
        }
    }

    /**
     * Adds the next frame.
     *
     * @param encodedFile the JPEG/PNG it came from, or null to keep the pixels (deflated)
     * @param turn        how the file's pixels were turned to give {@code frame} (ignored without a file)
     */
    public synchronized void add(DecodedFrame frame, byte[] encodedFile, Orientation turn) {
        if (frame.index() != size) {
            throw new IllegalStateException("frame " + frame.index() + " added after " + size + " frames");
        }
        byte[] bytes = encodedFile != null ? encodedFile : deflate(frame.rgb());
        if (size == offset.length) {
            int n = size * 2;
            offset = Arrays.copyOf(offset, n);
            length = Arrays.copyOf(length, n);
            timestampUs = Arrays.copyOf(timestampUs, n);
            widthHeight = Arrays.copyOf(widthHeight, n * 2);
            imageTurn = Arrays.copyOf(imageTurn, n);
        }
        try {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) {
                channel.write(b, end + b.position());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot store frame " + size, e);
        }
        offset[size] = end;
        length[size] = bytes.length;
        timestampUs[size] = frame.timestampUs();
        widthHeight[2 * size] = frame.width();
        widthHeight[2 * size + 1] = frame.height();
        imageTurn[size] = encodedFile != null ? turnCode(turn) : -1;
        end += bytes.length;
        size++;
    }

    public synchronized int size() {
        return size;
    }

    /** Compressed bytes stored (on disk), for metrics. */
    public synchronized long storedBytes() {
        return end;
    }

    public DecodedFrame get(int index) {
        long off;
        int len;
        int w;
        int h;
        byte turn;
        long ts;
        synchronized (this) {
            if (index < 0 || index >= size) {
                throw new IndexOutOfBoundsException("frame " + index + " of " + size);
            }
            off = offset[index];
            len = length[index];
            w = widthHeight[2 * index];
            h = widthHeight[2 * index + 1];
            turn = imageTurn[index];
            ts = timestampUs[index];
        }
        byte[] bytes = new byte[len];
        try {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) {
                if (channel.read(b, off + b.position()) < 0) {
                    throw new IOException("frame store ends early");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read frame " + index, e);
        }
        byte[] rgb = turn >= 0 ? images.redecode(bytes, fromTurnCode(turn)) : inflate(bytes, w * h * 3);
        return new DecodedFrame(index, ts, w, h, rgb);
    }

    public synchronized long timestampUs(int index) {
        return timestampUs[index];
    }

    /** Frees the scratch file. Idempotent. */
    @Override
    public synchronized void close() {
        size = 0;
        try {
            channel.close();
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // temp file: nothing else to do
        }
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

    private static byte turnCode(Orientation o) {
        return (byte) (o.rotationDegrees() / 90 + (o.mirrored() ? 4 : 0));
    }

    private static Orientation fromTurnCode(byte code) {
        return new Orientation((code & 3) * 90, (code & 4) != 0);
    }
}
