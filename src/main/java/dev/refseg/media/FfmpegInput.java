package dev.refseg.media;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avformat.AVIOContext;
import org.bytedeco.ffmpeg.avformat.AVInputFormat;
import org.bytedeco.ffmpeg.avformat.Read_packet_Pointer_BytePointer_int;
import org.bytedeco.ffmpeg.avformat.Seek_Pointer_long_int;
import org.bytedeco.ffmpeg.avutil.AVDictionary;
import org.bytedeco.ffmpeg.global.avformat;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;

/**
 * An opened FFmpeg demuxer ({@code AVFormatContext}) over bytes refseg supplies itself — a
 * {@link BytePipe} that the intake fills while FFmpeg reads, or a byte array — or over a file.
 * <p>
 * Bytes reach FFmpeg through a custom {@code AVIOContext}. A pipe source is declared non-seekable, so
 * demuxers read forward as bytes arrive instead of asking for the stream size (which would wait for
 * the whole upload); every read blocks only inside refseg's own code, where closing the source ends
 * it. JavaCPP callbacks are static native thunks, so one callback instance serves every input and
 * finds its source by the opaque pointer FFmpeg hands back.
 */
final class FfmpegInput implements AutoCloseable {
    /** Failure of an FFmpeg call, with FFmpeg's error code and text. */
    static final class FfmpegException extends RuntimeException {
        final int code;

        FfmpegException(String what, int code) {
            super(what + ": " + Ffmpeg.error(code), null, false, false);
            this.code = code;
        }
    }

    /**
     * Bytes for FFmpeg. {@link #read} blocks until at least one byte is there; it returns -1 at the end
     * and throws to abort the demuxer (FFmpeg then sees AVERROR_EXIT).
     */
    interface Source {
        int read(byte[] dst, int max);

        /** Whether {@link #seek} works; a non-seekable source makes FFmpeg read strictly forward. */
        default boolean seekable() {
            return false;
        }

        /** Moves to {@code offset} (whence 0/1/2 as lseek); the size for AVSEEK_SIZE; -1 when impossible. */
        default long seek(long offset, int whence) {
            return -1;
        }
    }

    private static final int IO_BUFFER = 64 * 1024;
    private static final Map<Long, Source> SOURCES = new ConcurrentHashMap<>();
    private static final ReadCallback READ = new ReadCallback();
    private static final SeekCallback SEEK = new SeekCallback();

    static {
        Ffmpeg.init();
    }

    private final AVFormatContext context;
    private final AVIOContext io;
    private final Pointer opaque;

    private FfmpegInput(AVFormatContext context, AVIOContext io, Pointer opaque) {
        this.context = context;
        this.io = io;
        this.opaque = opaque;
    }

    /**
     * Opens a demuxer reading {@code source}.
     *
     * @param format  FFmpeg's demuxer name ("mp4", "matroska", "h264"), or null to probe the bytes
     * @param options demuxer options such as {@code probesize}, {@code analyzeduration}
     * @throws FfmpegException when FFmpeg cannot open the input (its text says why)
     */
    static FfmpegInput open(Source source, String format, Map<String, String> options) {
        Pointer opaque = new LongPointer(1);
        SOURCES.put(opaque.address(), source);
        AVIOContext io = avformat.avio_alloc_context(new BytePointer(avutil.av_malloc(IO_BUFFER)), IO_BUFFER, 0, opaque,
                READ, null, source.seekable() ? SEEK : null);
        if (!source.seekable()) {
            io.seekable(0);
        }
        AVFormatContext fc = avformat.avformat_alloc_context();
        fc.pb(io);
        try {
            openInput(fc, null, format, options);
        } catch (RuntimeException e) {
            // avformat_open_input frees the context on failure, but never a caller's custom IO.
            freeIo(io);
            SOURCES.remove(opaque.address());
            opaque.close();
            throw e;
        }
        return new FfmpegInput(fc, io, opaque);
    }

    /** Opens a demuxer on a file (seekable). */
    static FfmpegInput openFile(Path file, String format, Map<String, String> options) {
        AVFormatContext fc = avformat.avformat_alloc_context();
        openInput(fc, file.toString(), format, options);
        return new FfmpegInput(fc, null, null);
    }

    private static void openInput(AVFormatContext fc, String url, String format, Map<String, String> options) {
        AVInputFormat f = null;
        if (format != null) {
            f = avformat.av_find_input_format(format);
            if (f == null) {
                throw new IllegalStateException("this FFmpeg build has no " + format + " demuxer");
            }
        }
        AVDictionary opts = Ffmpeg.dictionary(options);
        try {
            int ret = avformat.avformat_open_input(fc, url, f, opts);
            if (ret < 0) {
                throw new FfmpegException("cannot open the input", ret);
            }
        } finally {
            avutil.av_dict_free(opts);
        }
    }

    AVFormatContext context() {
        return context;
    }

    /** Frees the demuxer and its IO context. Call from the thread that used it, once it is done reading. */
    @Override
    public void close() {
        avformat.avformat_close_input(context);
        if (io != null) {
            freeIo(io);
            SOURCES.remove(opaque.address());
            opaque.close();
        }
    }

    private static void freeIo(AVIOContext io) {
        // FFmpeg may have replaced the buffer it was given; free the one it holds now.
        BytePointer buffer = io.buffer();
        if (buffer != null && !buffer.isNull()) {
            avutil.av_free(buffer);
        }
        io.buffer(null);
        avformat.avio_context_free(io);
    }

    private static final class ReadCallback extends Read_packet_Pointer_BytePointer_int {
        private final ThreadLocal<byte[]> scratch = ThreadLocal.withInitial(() -> new byte[IO_BUFFER]);

        @Override
        public int call(Pointer opaque, BytePointer buf, int size) {
            Source s = SOURCES.get(opaque.address());
            if (s == null) {
                return avutil.AVERROR_EXIT;
            }
            try {
                byte[] tmp = scratch.get();
                int n = s.read(tmp, Math.min(size, tmp.length));
                if (n < 0) {
                    return avutil.AVERROR_EOF;
                }
                buf.capacity(size).put(tmp, 0, n);
                return n;
            } catch (RuntimeException e) {
                return avutil.AVERROR_EXIT;
            }
        }
    }

    private static final class SeekCallback extends Seek_Pointer_long_int {
        @Override
        public long call(Pointer opaque, long offset, int whence) {
            Source s = SOURCES.get(opaque.address());
            return s == null ? -1 : s.seek(offset, whence);
        }
    }

    /** A seekable source over bytes in memory (encoded audio files). */
    static Source of(byte[] data) {
        return new Source() {
            private long pos;

            @Override
            public int read(byte[] dst, int max) {
                if (pos >= data.length) {
                    return -1;
                }
                int n = (int) Math.min(max, data.length - pos);
                System.arraycopy(data, (int) pos, dst, 0, n);
                pos += n;
                return n;
            }

            @Override
            public boolean seekable() {
                return true;
            }

            @Override
            public long seek(long offset, int whence) {
                if ((whence & avformat.AVSEEK_SIZE) != 0) {
                    return data.length;
                }
                long to = switch (whence & 3) {
                    case 0 -> offset;
                    case 1 -> pos + offset;
                    case 2 -> data.length + offset;
                    default -> -1;
                };
                if (to < 0 || to > data.length) {
                    return -1;
                }
                pos = to;
                return pos;
            }
        };
    }
}
