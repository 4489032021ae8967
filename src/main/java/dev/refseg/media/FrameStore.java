package dev.refseg.media;

import io.grpc.Status;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * The frames of one session in a scratch file, decoded when they are read: the method needs random access
 * to any frame (tiles, pivots, both propagation passes), while a 1080p RGB frame is 6 MB and even
 * compressed frames of a long stream would grow the heap without bound. The heap holds only a small
 * index per frame. Each frame is kept in the form that costs least to take in and still reads fast:
 * <ul>
 * <li>JPEG/PNG frames: the file as sent (checked at intake, decoded by FFmpeg when read, then turned to
 * their display orientation; a file that fails to decode then ends the call naming {@code frame[i]});</li>
 * <li>container frames: the decoder's picture as FFmpeg gives it (YUV 4:2:0 is half the bytes of RGB),
 * planes packed, written by a {@link PictureWriter} thread, converted to RGB and turned when read;</li>
 * <li>raw RGB24 frames: deflated at the fastest level.</li>
 * </ul>
 * {@link #get} may be called from several threads at once; each read decodes with native helpers of its
 * own ({@link NativePool}).
 * <p>
 * A live stream (online mode) forgets the frames it no longer needs ({@link #forgetBefore}): their index
 * entries go (the heap index holds only the frames kept) and, once the forgotten bytes at the start of the
 * file pass {@link #compactAtBytes}, the kept frames are moved to the start and the file is cut, so neither
 * the heap nor the scratch disk grows with the stream's length.
 */
public final class FrameStore implements AutoCloseable {
    /** Per-frame kinds; codes from {@link #PICTURE} on are pictures of format {@code code - PICTURE}. */
    private static final byte RGB = 0;
    private static final byte JPEG = 1;
    private static final byte PNG = 2;
    private static final byte PICTURE = 3;

    /** Per frame, in parallel arrays (no object per frame). */
    private long[] offset = new long[256];
    private int[] length = new int[256];
    private long[] timestampUs = new long[256];
    /** Displayed width and height. */
    private int[] widthHeight = new int[256 * 2];
    private byte[] kind = new byte[256];
    /** The turn from stored to displayed pixels ({@link #turnCode}). */
    private byte[] turn = new byte[256];
    /** Pixel formats of the pictures stored (a stream rarely has more than one). */
    private final List<PictureFormat> formats = new ArrayList<>();
    private int size;
    /** The frame in slot 0 of the index arrays (frames before it have been forgotten). */
    private int base;
    /** Frames before this one were forgotten ({@link #forgetBefore}) and can no longer be read. */
    private int forgotten;
    /** Forgotten bytes at the start of the file that make {@link #forgetBefore} compact it. */
    private long compactAtBytes = 64L << 20;
    private final Path file;
    private final FileChannel channel;
    private final ImageDecoder images;
    private final NativePool<PictureReader> readers = new NativePool<>(PictureReader::new);
    private PictureWriter writer;
    private boolean aborted;
    private long end;

    /**
     * @param dir    where the scratch file goes; it is deleted on {@link #close()}
     * @param images decodes the stored JPEG/PNG files when their frames are read
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
     * Adds the next frame as the JPEG/PNG file it came in, checked but not decoded, less its EXIF blocks.
     *
     * @param width  displayed width (after {@code turn})
     * @param height displayed height
     * @param turn   how the file's stored pixels are turned to be displayed
     */
    public synchronized void addImage(int index, long timestampUs, int width, int height, ImageDecoder.Kind kind,
            byte[] file, Orientation turn) {
        // Kept without its EXIF blocks: the turn is known, and FFmpeg's EXIF reader is slow on crafted ones.
        byte[] kept = ExifStrip.without(kind, file);
        write(index, kept);
        index(index, timestampUs, width, height, kind == ImageDecoder.Kind.JPEG ? JPEG : PNG, turn, kept.length);
    }

    /** Adds the next frame from raw pixels, deflated. */
    public synchronized void addRgb(DecodedFrame frame) {
        byte[] bytes = deflate(frame.rgb());
        write(frame.index(), bytes);
        index(frame.index(), frame.timestampUs(), frame.width(), frame.height(), RGB, Orientation.NONE, bytes.length);
    }

    /**
     * Adds the next frame as a container picture, written on the writer thread; blocks while the writer's
     * queue is full. Takes ownership of {@code p}.
     *
     * @throws io.grpc.StatusRuntimeException when an earlier write failed, or CANCELLED once aborted
     */
    public void addPicture(VideoPicture p) {
        PictureWriter w;
        long at;
        int bytes;
        synchronized (this) {
            try {
                if (aborted) {
                    throw Status.CANCELLED.withDescription("frame storing was stopped").asRuntimeException();
                }
                checkNext(p.index());
                if (writer == null) {
                    writer = new PictureWriter(channel, size);
                }
                bytes = p.format().bytes();
                if (bytes < 0) {
                    throw new FfmpegInput.FfmpegException("cannot store " + p.format().name() + " pictures", bytes);
                }
                int f = formats.indexOf(p.format());
                if (f < 0) {
                    if (formats.size() == 255 - PICTURE) {
                        throw new IllegalStateException("more than " + formats.size() + " pixel formats in one stream");
                    }
                    formats.add(p.format());
                    f = formats.size() - 1;
                }
                at = end;
                index(p.index(), p.timestampUs(), p.width(), p.height(), (byte) (PICTURE + f), p.turn(), bytes);
                w = writer;
            } catch (RuntimeException e) {
                p.close();
                throw e;
            }
        }
        w.submit(p, at, bytes); // outside the lock: may wait for the writer, which readers must not
    }

    private void checkNext(int index) {
        if (index != size) {
            throw new IllegalStateException("frame " + index + " added after " + size + " frames");
        }
    }

    private void write(int index, byte[] bytes) {
        checkNext(index);
        if (writer != null) {
            throw new IllegalStateException("frame " + index + " is not a picture, but earlier frames were");
        }
        try {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) {
                channel.write(b, end + b.position());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot store frame " + index, e);
        }
    }

    private void index(int index, long ts, int width, int height, byte code, Orientation t, int bytes) {
        if (size - base == offset.length) {
            int n = offset.length * 2;
            offset = Arrays.copyOf(offset, n);
            length = Arrays.copyOf(length, n);
            timestampUs = Arrays.copyOf(timestampUs, n);
            widthHeight = Arrays.copyOf(widthHeight, n * 2);
            kind = Arrays.copyOf(kind, n);
            turn = Arrays.copyOf(turn, n);
        }
        int slot = index - base;
        offset[slot] = end;
        length[slot] = bytes;
        timestampUs[slot] = ts;
        widthHeight[2 * slot] = width;
        widthHeight[2 * slot + 1] = height;
        kind[slot] = code;
        turn[slot] = turnCode(t);
        end += bytes;
        size++;
    }

    /**
     * Forgets every frame before {@code index} (clamped to the frames added): they can no longer be read.
     * Live streams call it as tracking moves on. Frees their index entries and, when the forgotten bytes
     * at the start of the scratch file reach {@link #setCompactAtBytes}, moves the kept frames to the start
     * and cuts the file. Must not run while another thread reads a kept frame (the session calls it from
     * the thread that tracks, between reads).
     *
     * @throws UncheckedIOException when moving the kept frames fails
     */
    public synchronized void forgetBefore(int index) {
        int n = Math.min(index, size);
        if (n <= forgotten) {
            return;
        }
        forgotten = n;
        if (forgotten - base >= Math.max(256, (size - base) / 2)) {
            int drop = forgotten - base;
            int kept = size - forgotten;
            System.arraycopy(offset, drop, offset, 0, kept);
            System.arraycopy(length, drop, length, 0, kept);
            System.arraycopy(timestampUs, drop, timestampUs, 0, kept);
            System.arraycopy(widthHeight, 2 * drop, widthHeight, 0, 2 * kept);
            System.arraycopy(kind, drop, kind, 0, kept);
            System.arraycopy(turn, drop, turn, 0, kept);
            base = forgotten;
        }
        compactFile();
    }

    /** Moves the kept frames to the start of the file once enough bytes before them are forgotten. */
    private void compactFile() {
        long keptFrom = forgotten < size ? offset[forgotten - base] : end;
        if (keptFrom < compactAtBytes || aborted) {
            return;
        }
        if (writer != null) {
            if (writer.submitted() != size) {
                return; // a picture is indexed but not yet queued: its place in the file is fixed; next time
            }
            writer.flush();
        }
        try {
            ByteBuffer buf = ByteBuffer.allocate((int) Math.min(1 << 20, Math.max(1, end - keptFrom)));
            for (long from = keptFrom; from < end; ) {
                buf.clear().limit((int) Math.min(buf.capacity(), end - from));
                int n = channel.read(buf, from);
                if (n < 0) {
                    throw new IOException("frame store ends early");
                }
                buf.flip();
                while (buf.hasRemaining()) {
                    channel.write(buf, from - keptFrom + buf.position());
                }
                from += n;
            }
            for (int i = forgotten - base; i < size - base; i++) {
                offset[i] -= keptFrom;
            }
            end -= keptFrom;
            channel.truncate(end);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot compact the frame store", e);
        }
    }

    /** Forgotten bytes at the start of the file from which {@link #forgetBefore} compacts it (default 64 MiB). */
    public synchronized void setCompactAtBytes(long bytes) {
        this.compactAtBytes = bytes;
    }

    /** The oldest frame that can still be read (frames before it were forgotten). */
    public synchronized int firstHeld() {
        return forgotten;
    }

    /** Frames that can still be read (added and not forgotten). */
    public synchronized int held() {
        return size - forgotten;
    }

    /** Index entries the heap holds now (kept frames plus forgotten ones not yet dropped), for tests. */
    public synchronized int indexEntries() {
        return size - base;
    }

    /** Frames added (a container picture may still be on its way to the file; {@link #get} waits for it). */
    public synchronized int size() {
        return size;
    }

    /** Bytes stored in the scratch file (JPEG/PNG as sent, pictures packed, RGB deflated), for metrics. */
    public synchronized long storedBytes() {
        return end;
    }

    /**
     * Frame {@code index}, decoded, in its displayed orientation.
     *
     * @throws io.grpc.StatusRuntimeException INVALID_ARGUMENT naming {@code frame[index].data} when a JPEG/PNG
     *                                        that passed intake's checks does not decode
     */
    public DecodedFrame get(int index) {
        long off;
        int len;
        int w;
        int h;
        byte code;
        Orientation t;
        long ts;
        PictureWriter pending;
        PictureFormat format;
        synchronized (this) {
            if (index < forgotten || index >= size) {
                throw new IndexOutOfBoundsException("frame " + index + " of " + size
                        + (index < forgotten && index >= 0 ? " was forgotten (the store keeps frames from " + forgotten + ")" : ""));
            }
            int slot = index - base;
            off = offset[slot];
            len = length[slot];
            w = widthHeight[2 * slot];
            h = widthHeight[2 * slot + 1];
            code = kind[slot];
            t = fromTurnCode(turn[slot]);
            ts = timestampUs[slot];
            pending = code >= PICTURE ? writer : null;
            format = code >= PICTURE ? formats.get(code - PICTURE) : null;
        }
        byte[] rgb;
        if (format != null) {
            pending.awaitWritten(index + 1);
            rgb = t.apply(readers.with(r -> {
                try {
                    return r.read(channel, off, len, format);
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot read frame " + index, e);
                }
            }), format.width(), format.height());
        } else {
            byte[] bytes = read(index, off, len);
            rgb = code == RGB ? inflate(bytes, w * h * 3)
                    : images.decode("frame[" + index + "]", code == JPEG ? ImageDecoder.Kind.JPEG : ImageDecoder.Kind.PNG,
                            bytes, t, w, h);
        }
        return new DecodedFrame(index, ts, w, h, rgb);
    }

    private byte[] read(int index, long off, int len) {
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
        return bytes;
    }

    /** Frame {@code index}'s presentation time in microseconds (a frame not forgotten). */
    public synchronized long timestampUs(int index) {
        if (index < forgotten || index >= size) {
            throw new IndexOutOfBoundsException("frame " + index + " is not held (frames " + forgotten + ".." + size + ")");
        }
        return timestampUs[index - base];
    }

    /** Waits until every container picture added is in the file; throws a write failure. */
    public void flush() {
        writer().ifPresent(PictureWriter::flush);
    }

    /**
     * Stops storing pictures from any thread: a caller blocked in {@link #addPicture} returns, later ones
     * are refused (CANCELLED). Frees nothing else.
     */
    public void abort() {
        synchronized (this) {
            aborted = true;
        }
        writer().ifPresent(PictureWriter::abort);
    }

    private synchronized java.util.Optional<PictureWriter> writer() {
        return java.util.Optional.ofNullable(writer);
    }

    /** Frees the writer, the native readers and the scratch file. Idempotent. */
    @Override
    public void close() {
        writer().ifPresent(PictureWriter::close); // before the file: its thread may be writing
        readers.close();
        synchronized (this) {
            size = 0;
            try {
                channel.close();
                Files.deleteIfExists(file);
            } catch (IOException ignored) {
                // temp file: nothing else to do
            }
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
