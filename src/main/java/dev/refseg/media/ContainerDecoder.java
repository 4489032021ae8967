package dev.refseg.media;

import dev.refseg.errors.Errors;
import dev.refseg.v1.ContainerFormat;
import io.grpc.Status;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.bytedeco.ffmpeg.avcodec.AVCodec;
import org.bytedeco.ffmpeg.avcodec.AVCodecContext;
import org.bytedeco.ffmpeg.avcodec.AVCodecParameters;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avcodec.AVPacketSideData;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avformat;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacpp.IntPointer;
import org.jboss.logging.Logger;

/**
 * Decodes a video container or elementary stream (MP4, Matroska/WebM, H.264 Annex B) while its bytes
 * stream in, with FFmpeg's C API. Bytes go through a bounded {@link BytePipe}; one decoder thread per
 * stream demuxes and decodes and hands each picture to the sink as soon as it decodes, as FFmpeg gives
 * it (a reference, no pixel copied or converted: the decoder thread only decodes), with the turn that
 * shows it as displayed. Decoding starts once the header and the first frames are in: the probe is
 * bounded by {@link MediaSettings#probeBytes()} and {@link MediaSettings#analyzeDuration()}.
 * <p>
 * Nothing here waits without a bound: the decoder reads only from the pipe, which {@link #abort()} ends;
 * a decoder that makes no progress for {@link MediaSettings#stallTimeout()} while the call waits on it
 * ends the call with DEADLINE_EXCEEDED. Each stream has its own FFmpeg contexts and no lock is shared
 * between streams, so one call's decoder cannot stall another's.
 * <p>
 * MP4 files whose index (moov) sits at the end cannot be demuxed from a stream. For MP4 the bytes are
 * therefore also spooled to a scratch file (bounded by {@code refseg.limits.max-media-bytes}); if the
 * streamed decode fails before its first frame, the file is decoded once the input is complete.
 * <p>
 * <b>Audio track.</b> When asked ({@code decodeAudio}), the container's best audio stream (the one FFmpeg
 * pairs with the video, if any) is decoded in the same demux loop, to 16 kHz mono float through a
 * {@link MonoResampler} bounded by {@code refseg.limits.max-audio-seconds}: no thread, buffer or wait of
 * its own, so backpressure and abort are the video's. A container without an audio track gives no audio.
 * {@link #dropAudio()} stops it (the session's audio comes from AudioChunks instead): the decoder thread
 * frees the audio decoder at its next packet and skips audio packets from then on. A failure of the
 * audio track (a codec this build cannot decode, impossible parameters, a corrupt packet, too long) stops
 * only the audio and is reported by {@link #finish()} after the video's own failures, unless the audio
 * was dropped by then: whether the track is the session's audio is only known once the input is complete.
 */
public final class ContainerDecoder implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ContainerDecoder.class);
    public static final String KEY_MEDIA_BYTES = "refseg.limits.max-media-bytes";
    private static final long POLL_MS = 100;
    /** Consecutive packets the decoder may reject before the stream counts as corrupt. */
    private static final int MAX_BAD_PACKETS = 32;

    private final Path workDir;
    private final IntakeLimits limits;
    private final long maxMediaBytes;
    private final MediaSettings settings;
    private final FrameSink sink;
    private final BytePipe pipe;
    private final ContainerFormat format;
    private final Path spoolFile;
    private OutputStream spool;
    /** For MP4: the top-level box structure, followed while the bytes arrive. */
    private final Mp4BoxWalk boxes;
    private long bytesIn;
    /** Bumped whenever the decoder takes bytes, reads a packet or emits a frame (stall detection). */
    private final AtomicLong progress = new AtomicLong();
    private volatile CountDownLatch done;
    private volatile RuntimeException failure;
    private volatile boolean streamFailed;
    private volatile boolean aborted;
    private volatile int framesDecoded;
    private volatile double fps;
    private volatile OrientationReport orientation;
    /** Whether the audio track is wanted: set at construction, cleared for good by {@link #dropAudio()}. */
    private volatile boolean decodeAudio;
    /** Whether the container has an audio track that is decoded (known once the stream's header is read). */
    private volatile boolean audioFound;
    /** 16 kHz samples of the audio track decoded so far. */
    private volatile long audioSamples;
    /** When the audio track's first sample plays, microseconds on the video's clock; MIN_VALUE until known. */
    private volatile long audioStartUs = Long.MIN_VALUE;
    /** The whole audio track, once decoded to its end; null before, or when there is none. */
    private volatile float[] audio16k;
    /** Why the audio track could not be decoded; reported by {@link #finish()} unless the audio was dropped. */
    private volatile RuntimeException audioFailure;

    /**
     * Starts the decoder thread for the video only; it waits for bytes from {@link #write}.
     *
     * @param declared   the client's container, or UNSPECIFIED to recognise it from {@code firstBytes}
     * @param firstBytes the first chunk (for recognising the container)
     */
    public ContainerDecoder(Path workDir, ContainerFormat declared, byte[] firstBytes, IntakeLimits limits,
            long maxMediaBytes, MediaSettings settings, FrameSink sink) throws IOException {
        this(workDir, declared, firstBytes, limits, maxMediaBytes, settings, sink, false);
    }

    /**
     * As above; {@code decodeAudio} also decodes the container's audio track (see the class comment),
     * read with {@link #audio16k()} after {@link #finish()}.
     */
    public ContainerDecoder(Path workDir, ContainerFormat declared, byte[] firstBytes, IntakeLimits limits,
            long maxMediaBytes, MediaSettings settings, FrameSink sink, boolean decodeAudio) throws IOException {
        Ffmpeg.init();
        this.decodeAudio = decodeAudio;
        this.workDir = workDir;
        this.limits = limits;
        this.maxMediaBytes = maxMediaBytes;
        this.settings = settings;
        this.sink = sink;
        this.format = declared == ContainerFormat.CONTAINER_FORMAT_UNSPECIFIED || declared == ContainerFormat.UNRECOGNIZED
                ? sniff(firstBytes) : declared;
        this.pipe = new BytePipe(limits.mediaBufferBytes());
        this.spoolFile = workDir.resolve("media.spool");
        if (format == ContainerFormat.CONTAINER_FORMAT_MP4) {
            spool = Files.newOutputStream(spoolFile);
        }
        this.boxes = format == ContainerFormat.CONTAINER_FORMAT_MP4 ? new Mp4BoxWalk() : null;
        start(this::decodeStream);
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

    /** The stream's orientation, once the first frame is decoded; null before. */
    public OrientationReport orientation() {
        return orientation;
    }

    /**
     * Whether the container's audio track is being (or was) decoded: asked for, not dropped, and the
     * container has one. False until the stream's header has been read.
     */
    public boolean hasAudio() {
        return decodeAudio && audioFound;
    }

    /**
     * When the audio track's first sample plays, in microseconds on the clock of the video frames'
     * timestamps (a track may start before or after the video); {@link Long#MIN_VALUE} when unknown.
     */
    public long audioStartUs() {
        return audioStartUs;
    }

    /** Seconds of the audio track decoded so far (at 16 kHz); 0 when it is not decoded. */
    public double audioSeconds() {
        return hasAudio() ? audioSamples / (double) AudioTrack.TARGET_RATE : 0;
    }

    /**
     * The audio track as 16 kHz mono float samples, after {@link #finish()} returned; an empty array when
     * it was not asked for, was dropped, or the container has none.
     */
    public float[] audio16k() {
        float[] a = audio16k;
        return hasAudio() && a != null ? a : new float[0];
    }

    /**
     * Stops decoding the audio track, from any thread, for good: the session's audio comes from elsewhere.
     * Its decoder is freed by the decoder thread at the next packet; any failure of the track is forgotten.
     */
    public void dropAudio() {
        decodeAudio = false;
    }

    /**
     * Feeds the next bytes; blocks while the decoder is behind, up to the stall timeout. Throws the
     * decoder's failure, if any.
     */
    public void write(byte[] chunk) {
        throwIfFailed();
        bytesIn += chunk.length;
        if (bytesIn > maxMediaBytes) {
            throw Errors.limit("media.data", "stream bytes", bytesIn, KEY_MEDIA_BYTES, maxMediaBytes);
        }
        String notMp4 = boxes == null ? null : boxes.accept(chunk);
        if (notMp4 != null) {
            throw Errors.invalid("media.data", "not an MP4: " + notMp4);
        }
        try {
            if (spool != null) {
                spool.write(chunk);
            }
        } catch (IOException e) {
            throw Errors.internal("media: cannot spool the MP4 to " + workDir + ": " + e.getMessage(), e);
        }
        if (streamFailed) {
            return; // the spooled file will be decoded at the end
        }
        try {
            writeToPipe(chunk);
        } catch (BytePipe.Aborted e) {
            // The decoder gave up on the stream (or the call is being aborted): the failure says which.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Status.CANCELLED.withDescription("interrupted while passing media bytes").asRuntimeException();
        }
        throwIfFailed();
    }

    private void writeToPipe(byte[] chunk) throws InterruptedException {
        untilDone(() -> pipe.write(chunk, POLL_MS), "took no bytes");
    }

    /** One bounded wait (at most {@link #POLL_MS}); true once what was waited for has happened. */
    private interface Wait {
        boolean once() throws InterruptedException;
    }

    /**
     * Waits in {@link #POLL_MS} steps until {@code wait} succeeds, as long as the decoder keeps making
     * progress; after {@link MediaSettings#stallTimeout()} without any, the stream is aborted.
     */
    private void untilDone(Wait wait, String stalledWhat) throws InterruptedException {
        long mark = progress.get();
        long since = System.nanoTime();
        while (!wait.once()) {
            long now = System.nanoTime();
            long p = progress.get();
            if (p != mark) {
                mark = p;
                since = now;
            } else if (now - since > settings.stallTimeout().toNanos()) {
                throw stalled(stalledWhat);
            }
        }
    }

    /**
     * The input is complete: waits until every frame is decoded (bounded by the stall timeout), then
     * reports any failure.
     */
    public void finish() {
        String cut = boxes == null ? null : boxes.atEnd();
        if (cut != null) {
            abort();
            throw Errors.invalid("media.data", "truncated MP4: " + cut);
        }
        pipe.endOfInput();
        awaitDecoder();
        if (failure != null && streamFailed && spool != null && framesDecoded == 0 && !aborted) {
            // Streamed demuxing failed before any frame: typically an MP4 with its index at the end.
            LOG.debugf("streamed MP4 decode failed (%s); decoding the spooled file", failure.getMessage());
            failure = null;
            closeSpool();
            start(this::decodeSpool);
            awaitDecoder();
        }
        throwIfFailed();
        RuntimeException audio = audioFailure;
        if (audio != null && decodeAudio) {
            throw audio;
        }
    }

    private void start(Runnable work) {
        CountDownLatch latch = new CountDownLatch(1);
        done = latch;
        Thread t = new Thread(() -> {
            try {
                work.run();
            } finally {
                latch.countDown();
            }
        }, "refseg-media-decoder");
        t.setDaemon(true);
        t.start();
    }

    private void awaitDecoder() {
        CountDownLatch latch = done;
        try {
            untilDone(() -> latch.await(POLL_MS, TimeUnit.MILLISECONDS), "made no progress");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Status.CANCELLED.withDescription("interrupted while decoding").asRuntimeException();
        }
    }

    private RuntimeException stalled(String what) {
        abort();
        failure = Status.DEADLINE_EXCEEDED.withDescription("media.data: the " + label() + " decoder " + what
                + " for " + settings.stallTimeout().toSeconds() + " s (" + MediaSettings.KEY_STALL_TIMEOUT + " = "
                + settings.stallTimeout() + ")").asRuntimeException();
        return failure;
    }

    private void throwIfFailed() {
        RuntimeException f = failure;
        if (f != null && !(streamFailed && spool != null && framesDecoded == 0)) {
            throw f;
        }
        if (aborted) {
            throw f != null ? f : Status.CANCELLED.withDescription("media decoding was stopped").asRuntimeException();
        }
    }

    // ---- decoder thread -------------------------------------------------------------------------

    private void decodeStream() {
        FfmpegInput.Source source = (dst, max) -> {
            try {
                int n;
                while ((n = pipe.read(dst, max, POLL_MS)) == 0) {
                    if (aborted) {
                        throw new BytePipe.Aborted();
                    }
                }
                progress.incrementAndGet();
                return n;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new BytePipe.Aborted();
            }
        };
        try (FfmpegInput in = FfmpegInput.open(source, demuxer(), probeOptions())) {
            decode(in.context(), true);
        } catch (RuntimeException e) {
            if (!aborted) {
                failure = asStatus(e, framesDecoded);
            }
            streamFailed = true;
            // Wake a writer blocked on a full pipe; for MP4 it goes on spooling, otherwise it sees the failure.
            pipe.abort();
        }
    }

    private void decodeSpool() {
        try (FfmpegInput in = FfmpegInput.openFile(spoolFile, demuxer(), Map.of())) {
            decode(in.context(), false);
        } catch (RuntimeException e) {
            if (!aborted) {
                failure = asStatus(e, framesDecoded);
            }
        }
    }

    private Map<String, String> probeOptions() {
        return Map.of("probesize", Long.toString(Math.max(32, settings.probeBytes())),
                "analyzeduration", Long.toString(settings.analyzeDuration().toNanos() / 1000),
                "fpsprobesize", "0");
    }

    private RuntimeException asStatus(RuntimeException e, int frames) {
        if (e instanceof io.grpc.StatusRuntimeException s) {
            return s;
        }
        if (e instanceof FfmpegInput.FfmpegException f) {
            String where = frames == 0 ? "cannot read the " + label() + " stream" : "corrupt " + label()
                    + " stream after " + frames + " frames";
            return Errors.invalid("media.data", where + " (" + f.getMessage() + ")", e);
        }
        LOG.errorf(e, "media decoder failed");
        return Errors.internal("media: decoder failed: " + e, e);
    }

    private void decode(AVFormatContext fc, boolean streamed) {
        int ret = avformat.avformat_find_stream_info(fc, (org.bytedeco.javacpp.PointerPointer<?>) null);
        if (ret < 0) {
            throw new FfmpegInput.FfmpegException("cannot read the stream parameters", ret);
        }
        int vs = avformat.av_find_best_stream(fc, avutil.AVMEDIA_TYPE_VIDEO, -1, -1, (AVCodec) null, 0);
        if (vs < 0) {
            throw Errors.invalid("media.data", "the " + label() + " stream has no video track");
        }
        AVStream st = fc.streams(vs);
        AVCodecParameters par = st.codecpar();
        if (par.width() > 0 && par.height() > 0) {
            limits.checkFrameSize("media", par.width(), par.height()); // before a pixel is decoded
        }
        double rate = avutil.av_q2d(st.avg_frame_rate());
        if (!(Double.isFinite(rate) && rate > 0)) {
            rate = avutil.av_q2d(st.r_frame_rate());
        }
        fps = Double.isFinite(rate) && rate > 0 && rate < 1000 ? rate : 0;
        int[] streamMatrix = displayMatrix(par);
        try (VideoDecoder video = new VideoDecoder(par, st); ContainerAudio audio = openAudio(fc, vs)) {
            AVPacket pkt = avcodec.av_packet_alloc();
            long packets = 0;
            try {
                while (!aborted) {
                    ret = avformat.av_read_frame(fc, pkt);
                    if (ret == avutil.AVERROR_EOF) {
                        break;
                    }
                    if (ret < 0) {
                        if (aborted) {
                            return;
                        }
                        throw new FfmpegInput.FfmpegException("cannot read packet " + packets, ret);
                    }
                    progress.incrementAndGet();
                    if (pkt.stream_index() == vs) {
                        packets++;
                        video.send(pkt, f -> emit(f, st, streamMatrix));
                    } else if (audio != null) {
                        audio.send(pkt);
                    }
                    avcodec.av_packet_unref(pkt);
                }
                if (aborted) {
                    return;
                }
                video.send(null, f -> emit(f, st, streamMatrix));
                if (audio != null) {
                    audio.finish();
                }
            } finally {
                avcodec.av_packet_free(pkt);
            }
            checkComplete(st, packets, streamed);
        }
    }

    /**
     * The decoder of the container's audio track, when it is wanted and there is one; null otherwise, or
     * when it cannot be decoded (then {@link #audioFailure} says why). Starts afresh: a spooled MP4 is
     * decoded from its start after a failed streamed attempt.
     */
    private ContainerAudio openAudio(AVFormatContext fc, int videoStream) {
        audioFound = false;
        audioSamples = 0;
        audioStartUs = Long.MIN_VALUE;
        audio16k = null;
        audioFailure = null;
        if (!decodeAudio) {
            return null;
        }
        int as = avformat.av_find_best_stream(fc, avutil.AVMEDIA_TYPE_AUDIO, -1, videoStream, (AVCodec) null, 0);
        if (as < 0) {
            return null;
        }
        audioFound = true;
        MonoResampler out = new MonoResampler(AudioTrack.TARGET_RATE,
                (long) Math.ceil(limits.maxAudioSeconds() * AudioTrack.TARGET_RATE));
        try {
            return new ContainerAudio(as, new AudioStreamDecoder(fc.streams(as), out), out);
        } catch (RuntimeException e) {
            out.close();
            audioFailure = audioStatus(e);
            return null;
        }
    }

    /** The status a failure of the audio track ends the call with (when the track is the session's audio). */
    private RuntimeException audioStatus(RuntimeException e) {
        String track = "the " + label() + " stream's audio track ";
        if (e instanceof MonoResampler.TooLong t) {
            long seconds = (long) Math.ceil(t.samples / (double) AudioTrack.TARGET_RATE);
            return Errors.limit("media.data", "audio seconds", seconds, IntakeLimits.KEY_AUDIO_SECONDS,
                    (long) limits.maxAudioSeconds());
        }
        if (e instanceof IllegalArgumentException) {
            return Errors.invalid("media.data", track + e.getMessage(), e);
        }
        if (e instanceof FfmpegInput.FfmpegException) {
            return Errors.invalid("media.data", track + "cannot be decoded (" + e.getMessage() + ")", e);
        }
        if (e instanceof io.grpc.StatusRuntimeException) {
            return e;
        }
        LOG.errorf(e, "media decoder failed on the audio track");
        return Errors.internal("media: audio track decoder failed: " + e, e);
    }

    private static int[] displayMatrix(AVCodecParameters par) {
        AVPacketSideData sd = avcodec.av_packet_side_data_get(par.coded_side_data(), par.nb_coded_side_data(),
                avcodec.AV_PKT_DATA_DISPLAYMATRIX);
        if (sd == null || sd.isNull() || sd.size() < 36) {
            return null;
        }
        int[] m = new int[9];
        new IntPointer(sd.data()).get(m);
        return m;
    }

    private void emit(AVFrame f, AVStream st, int[] streamMatrix) {
        if (orientation == null) {
            int[] m = streamMatrix != null ? streamMatrix : RgbConverter.displayMatrix(f);
            String source = streamMatrix != null ? "container display matrix" : "frame display matrix";
            Orientation o = m == null ? Orientation.NONE : Orientation.fromDisplayMatrix(m);
            OrientationReport r = OrientationReport.decide(o == null ? Orientation.NONE : o, o == null ? m : null,
                    source, settings.keepStoredOrientation(), f.width(), f.height());
            limits.checkFrameSize("media", f.width(), f.height());
            orientation = r;
        } else if (f.width() != orientation.storedWidth() || f.height() != orientation.storedHeight()) {
            // Checked before the frame is handed on: one frame size per stream.
            throw Errors.invalid("media.data", "frame " + framesDecoded + " of the " + label() + " stream is "
                    + f.width() + "x" + f.height() + " but its first frame is " + orientation.storedWidth() + "x"
                    + orientation.storedHeight() + " (one frame size per stream)");
        }
        long pts = f.best_effort_timestamp();
        long ts = pts == avutil.AV_NOPTS_VALUE ? Math.round(framesDecoded * 1e6 / (fps > 0 ? fps : 25))
                : Math.round(pts * avutil.av_q2d(st.time_base()) * 1e6);
        sink.accept(new VideoPicture(f, framesDecoded, ts, orientation.toApply()));
        framesDecoded++;
        progress.incrementAndGet();
    }

    /** An MP4 declares its frame count: fewer packets means the file was cut short. */
    private void checkComplete(AVStream st, long packets, boolean streamed) {
        if (aborted) {
            return;
        }
        long declared = st.nb_frames();
        if (format == ContainerFormat.CONTAINER_FORMAT_MP4 && declared > 0 && packets < declared) {
            throw Errors.invalid("media.data", "truncated MP4: the file declares " + declared
                    + " frames but its data ends after " + packets);
        }
        if (framesDecoded == 0) {
            throw Errors.invalid("media.data", "no frame could be decoded from the " + label()
                    + (streamed ? " stream" : " file"));
        }
    }

    private String demuxer() {
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

    /**
     * Stops decoding from any thread: a blocked {@link #write} or {@link #finish} returns, the decoder
     * thread ends at its next read. Frees nothing (the owning thread calls {@link #close()}).
     */
    public void abort() {
        aborted = true;
        pipe.abort();
    }

    /** Stops decoding and frees the decoder (client cancelled or the session failed). */
    @Override
    public void close() {
        abort();
        CountDownLatch d = done;
        try {
            if (d != null && !d.await(settings.stallTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warnf("media decoder thread did not stop within %s; it frees its contexts when it does",
                        settings.stallTimeout());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeSpool();
        try {
            Files.deleteIfExists(spoolFile);
        } catch (IOException ignored) {
            // best effort: the work directory is removed by the session
        }
    }

    /**
     * The audio track's decoder and resampler. Used by the decoder thread only; stops (freeing both at once)
     * when the audio is dropped or fails, and the video goes on.
     */
    private final class ContainerAudio implements AutoCloseable {
        private final int index;
        private final MonoResampler out;
        /** Null once stopped. */
        private AudioStreamDecoder decoder;

        ContainerAudio(int index, AudioStreamDecoder decoder, MonoResampler out) {
            this.index = index;
            this.decoder = decoder;
            this.out = out;
        }

        /** Decodes the packet if it is the audio track's (other streams' packets are ignored). */
        void send(AVPacket pkt) {
            if (pkt.stream_index() != index || stopped()) {
                return;
            }
            try {
                decoder.send(pkt);
                audioSamples = out.size();
                audioStartUs = decoder.startUs();
            } catch (RuntimeException e) {
                audioFailure = audioStatus(e);
                close();
            }
        }

        /** The end of the stream: flushes the decoder and the resampler and keeps the whole track. */
        void finish() {
            if (stopped()) {
                return;
            }
            try {
                decoder.send(null);
                audioSamples = out.size();
                audio16k = out.toArray();
            } catch (RuntimeException e) {
                audioFailure = audioStatus(e);
            }
            close();
        }

        /** True once stopped; a drop asked for since the last packet stops it here. */
        private boolean stopped() {
            if (decoder != null && !decodeAudio) {
                close();
            }
            return decoder == null;
        }

        /** Frees the decoder and the resampler. Idempotent. */
        @Override
        public void close() {
            if (decoder != null) {
                decoder.close();
                decoder = null;
            }
            out.close();
        }
    }

    /** The video decoder of one stream. Used by the decoder thread only. */
    private final class VideoDecoder implements AutoCloseable {
        private final AVCodecContext ctx;
        private final AVFrame frame = avutil.av_frame_alloc();
        private int badPackets;

        VideoDecoder(AVCodecParameters par, AVStream st) {
            AVCodec codec = avcodec.avcodec_find_decoder(par.codec_id());
            if (codec == null) {
                close();
                throw Errors.invalid("media.data", "the " + label() + " stream's video codec "
                        + avcodec.avcodec_get_name(par.codec_id()).getString() + " cannot be decoded by this build");
            }
            ctx = avcodec.avcodec_alloc_context3(codec);
            int ret = avcodec.avcodec_parameters_to_context(ctx, par);
            if (ret >= 0) {
                ctx.pkt_timebase(st.time_base());
                // One thread: frame threading would hold back several frames before the first comes out.
                ctx.thread_count(1);
                // FFmpeg refuses pictures larger than the frame limits before allocating them, so a stream
                // that jumps to 16000x16000 mid-way cannot make the decoder allocate gigabytes.
                ctx.max_pixels(limits.maxDecodePixels());
                ret = avcodec.avcodec_open2(ctx, codec, (org.bytedeco.ffmpeg.avutil.AVDictionary) null);
            }
            if (ret < 0) {
                close();
                throw new FfmpegInput.FfmpegException("cannot open the video decoder", ret);
            }
        }

        /** Sends one packet (null = flush) and passes every frame that comes out to {@code out}. */
        void send(AVPacket pkt, java.util.function.Consumer<AVFrame> out) {
            int ret = avcodec.avcodec_send_packet(ctx, pkt);
            if (ret < 0 && ret != avutil.AVERROR_EOF) {
                overLimits();
                if (++badPackets > MAX_BAD_PACKETS) {
                    throw new FfmpegInput.FfmpegException(badPackets + " packets in a row could not be decoded", ret);
                }
                return;
            }
            badPackets = 0;
            while (true) {
                ret = avcodec.avcodec_receive_frame(ctx, frame);
                if (ret == avutil.AVERROR_EAGAIN() || ret == avutil.AVERROR_EOF) {
                    return;
                }
                if (ret < 0) {
                    overLimits();
                    throw new FfmpegInput.FfmpegException("cannot decode frame " + framesDecoded, ret);
                }
                try {
                    out.accept(frame);
                } finally {
                    avutil.av_frame_unref(frame);
                }
            }
        }

        /** A decode failure because the stream grew past the frame limits (max_pixels) is told as that limit. */
        private void overLimits() {
            if (ctx.width() > 0 && ctx.height() > 0) {
                limits.checkFrameSize("media", ctx.width(), ctx.height());
            }
        }

        @Override
        public void close() {
            if (ctx != null) {
                avcodec.avcodec_free_context(ctx);
            }
            avutil.av_frame_free(frame);
        }
    }
}
