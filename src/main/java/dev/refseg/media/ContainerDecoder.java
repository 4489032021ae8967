package dev.refseg.media;

import dev.refseg.errors.Errors;
import dev.refseg.v1.ContainerFormat;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.jboss.logging.Logger;

/**
 * Decodes a video container or elementary stream (MP4, Matroska/WebM, H.264 Annex B) while its bytes
 * stream in, with FFmpeg through JavaCV. Bytes go through a {@link MediaFifo}; one decoder thread per
 * stream reads it and hands RGB frames to the sink as soon as they decode.
 * <p>
 * MP4 files whose index (moov) sits at the end cannot be demuxed from a pipe. For MP4 the bytes are
 * therefore also spooled to a temporary file (bounded by {@code refseg.limits.max-media-bytes}); if the
 * streamed decode fails before its first frame, the file is decoded once the input is complete.
 */
public final class ContainerDecoder implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ContainerDecoder.class);
    public static final String KEY_MEDIA_BYTES = "refseg.limits.max-media-bytes";

    static {
        // FFmpeg's own chatter goes to stderr; keep only real errors there.
        avutil.av_log_set_level(avutil.AV_LOG_ERROR);
    }

    private final Path workDir;
    private final IntakeLimits limits;
    private final long maxMediaBytes;
    private final FrameSink sink;
    private final MediaFifo fifo;
    private final CountDownLatch done = new CountDownLatch(1);
    private final Thread thread;
    private ContainerFormat format;
    private OutputStream spool;
    private long bytesIn;
    private volatile RuntimeException failure;
    private volatile int framesDecoded;
    private volatile double fps;
    private volatile boolean closed;

    public ContainerDecoder(Path workDir, ContainerFormat declared, byte[] firstBytes, IntakeLimits limits,
            long maxMediaBytes, FrameSink sink) throws IOException {
        this.workDir = workDir;
        this.limits = limits;
        this.maxMediaBytes = maxMediaBytes;
        this.sink = sink;
        this.format = declared == ContainerFormat.CONTAINER_FORMAT_UNSPECIFIED || declared == ContainerFormat.UNRECOGNIZED
                ? sniff(firstBytes) : declared;
        this.fifo = new MediaFifo(workDir);
        if (format == ContainerFormat.CONTAINER_FORMAT_MP4) {
            spool = Files.newOutputStream(workDir.resolve("media.spool"));
        }
        this.thread = new Thread(this::decodeStream, "refseg-media-decoder");
        thread.setDaemon(true);
        thread.start();
    }

    /** Container by signature: "ftyp" at byte 4 is ISO BMFF, 1A45DFA3 is EBML (Matroska/WebM). */
    static ContainerFormat sniff(byte[] b) {
        if (b.length >= 8 && b[4] == 'f' && b[5] == 't' && b[6] == 'y' && b[7] == 'p') {
            return ContainerFormat.CONTAINER_FORMAT_MP4;
        }
        if (b.length >= 4 && (b[0] & 0xff) == 0x1A && (b[1] & 0xff) == 0x45 && (b[2] & 0xff) == 0xDF
                && (b[3] & 0xff) == 0xA3) {
            return ContainerFormat.CONTAINER_FORMAT_MATROSKA;
        }
        if (b.length >= 4 && b[0] == 0 && b[1] == 0 && (b[2] == 1 || (b[2] == 0 && b[3] == 1))) {
            return ContainerFormat.CONTAINER_FORMAT_H264;
        }
        return ContainerFormat.CONTAINER_FORMAT_UNSPECIFIED;
    }

    public ContainerFormat format() {
        return format;
    }

    public int framesDecoded() {
        return framesDecoded;
    }

    public double fps() {
        return fps;
    }

    /** Feeds the next bytes; blocks while FFmpeg is behind. Throws the decoder's failure, if any. */
    public void write(byte[] chunk) {
        throwIfFailed();
        bytesIn += chunk.length;
        if (bytesIn > maxMediaBytes) {
            throw Errors.limit("media.data", "stream bytes", bytesIn, KEY_MEDIA_BYTES, maxMediaBytes);
        }
        try {
            if (spool != null) {
                spool.write(chunk);
            }
            fifo.write(chunk);
        } catch (IOException e) {
            throwIfFailed();
            throw Errors.internal("media: cannot pass bytes to the decoder: " + e.getMessage(), e);
        }
        throwIfFailed();
    }

    /** The input is complete: waits until every frame is decoded, then reports any failure. */
    public void finish() {
        fifo.close(true, () -> done.getCount() == 0);
        awaitDecoder();
        if (failure != null && spool != null && framesDecoded == 0 && !closed) {
            // Streamed demuxing failed before any frame: typically an MP4 with its index at the end.
            LOG.debugf("streamed MP4 decode failed (%s); decoding the spooled file", failure.getMessage());
            failure = null;
            closeSpool();
            decodeFile(workDir.resolve("media.spool"));
        }
        throwIfFailed();
    }

    private void awaitDecoder() {
        try {
            done.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Errors.internal("media: interrupted while decoding", e);
        }
    }

    private void throwIfFailed() {
        RuntimeException f = failure;
        if (f != null) {
            throw f;
        }
    }

    private void decodeStream() {
        try {
            decode(new FFmpegFrameGrabber(fifo.path().toString()), true);
        } catch (RuntimeException e) {
            failure = e;
            fifo.drain();
        } finally {
            done.countDown();
        }
    }

    private void decodeFile(Path file) {
        try {
            decode(new FFmpegFrameGrabber(file.toString()), false);
        } catch (RuntimeException e) {
            failure = e;
        }
    }

    private void decode(FFmpegFrameGrabber grabber, boolean streamed) {
        String name = formatName();
        if (name != null) {
            grabber.setFormat(name);
        }
        grabber.setPixelFormat(avutil.AV_PIX_FMT_RGB24);
        // Start decoding after ~1 s or 256 KB of stream instead of FFmpeg's 5 s / 5 MB probe.
        grabber.setOption("probesize", "262144");
        grabber.setOption("analyzeduration", "1000000");
        try {
            try {
                grabber.start();
            } catch (Exception e) {
                if (closed) {
                    return;
                }
                throw Errors.invalid("media.data", "cannot open the " + label() + " stream: " + e.getMessage(), e);
            }
            int w = grabber.getImageWidth();
            int h = grabber.getImageHeight();
            if (w <= 0 || h <= 0) {
                throw Errors.invalid("media.data", "the " + label() + " stream has no video track");
            }
            if (w > limits.maxWidth()) {
                throw Errors.limit("media.width", "frame width", w, IntakeLimits.KEY_WIDTH, limits.maxWidth());
            }
            if (h > limits.maxHeight()) {
                throw Errors.limit("media.height", "frame height", h, IntakeLimits.KEY_HEIGHT, limits.maxHeight());
            }
            double rate = grabber.getFrameRate();
            fps = Double.isFinite(rate) && rate > 0 ? rate : 0;
            int n = 0;
            while (!closed) {
                Frame f;
                try {
                    f = grabber.grabImage();
                } catch (Exception e) {
                    throw Errors.invalid("media.data", "corrupt " + label() + " stream after " + n + " frames: "
                            + e.getMessage(), e);
                }
                if (f == null) {
                    break;
                }
                sink.accept(new DecodedFrame(n, grabber.getTimestamp(), f.imageWidth, f.imageHeight, copyRgb(f)));
                framesDecoded = ++n;
            }
            checkComplete(grabber, n, streamed);
        } finally {
            try {
                grabber.release();
            } catch (Exception e) {
                LOG.debug("FFmpeg grabber release failed", e);
            }
        }
    }

    /** An MP4 declares its frame count; fewer decoded frames means the file was cut short. */
    private void checkComplete(FFmpegFrameGrabber grabber, int decoded, boolean streamed) {
        if (closed || format != ContainerFormat.CONTAINER_FORMAT_MP4) {
            return;
        }
        int declared = grabber.getLengthInFrames();
        if (declared > 0 && decoded < declared - 1) {
            throw Errors.invalid("media.data", "truncated MP4: the file declares " + declared
                    + " frames but its data ends after " + decoded);
        }
        if (decoded == 0 && streamed) {
            throw Errors.invalid("media.data", "no frame could be decoded from the MP4 stream");
        }
    }

    private static byte[] copyRgb(Frame f) {
        int w = f.imageWidth;
        int h = f.imageHeight;
        int stride = f.imageStride;
        ByteBuffer src = ((ByteBuffer) f.image[0]).duplicate();
        byte[] rgb = new byte[w * h * 3];
        for (int y = 0; y < h; y++) {
            src.position(y * stride);
            src.get(rgb, y * w * 3, w * 3);
        }
        return rgb;
    }

    private String formatName() {
        return switch (format) {
            case CONTAINER_FORMAT_MP4 -> "mp4";
            case CONTAINER_FORMAT_MATROSKA -> "matroska";
            case CONTAINER_FORMAT_H264 -> "h264";
            default -> null;
        };
    }

    private String label() {
        return switch (format) {
            case CONTAINER_FORMAT_MP4 -> "MP4";
            case CONTAINER_FORMAT_MATROSKA -> "Matroska/WebM";
            case CONTAINER_FORMAT_H264 -> "H.264";
            default -> "media";
        };
    }

    private void closeSpool() {
        if (spool != null) {
            try {
                spool.close();
            } catch (IOException ignored) {
                // the spool is deleted with the work directory
            }
            spool = null;
        }
    }

    /** Stops decoding and frees the decoder (client cancelled or the session failed). */
    @Override
    public void close() {
        closed = true;
        fifo.close(false, () -> done.getCount() == 0);
        try {
            if (!done.await(30, TimeUnit.SECONDS)) {
                LOG.warn("media decoder thread did not stop within 30 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeSpool();
        fifo.delete();
        try {
            Files.deleteIfExists(workDir.resolve("media.spool"));
        } catch (IOException ignored) {
            // best effort
        }
    }
}
