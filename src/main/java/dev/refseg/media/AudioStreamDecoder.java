package dev.refseg.media;

import org.bytedeco.ffmpeg.avcodec.AVCodec;
import org.bytedeco.ffmpeg.avcodec.AVCodecContext;
import org.bytedeco.ffmpeg.avcodec.AVCodecParameters;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;

/**
 * The decoder of one audio stream of an opened demuxer: packets in, mono float samples out through a
 * {@link MonoResampler} that the caller owns (and whose bound applies). Shared by encoded audio files
 * ({@link AudioDecoder}) and the audio track of a video container ({@link ContainerDecoder}).
 * <p>
 * Before a packet is decoded the stream must declare what a resampler can take: a known codec that this
 * build decodes, 1 to {@link AudioTrack#MAX_RATE} Hz and 1 to {@link AudioTrack#MAX_CHANNELS} channels.
 * Float PCM (a float WAV, or float PCM in a container) must hold finite samples in [-1, 1], the rule for
 * {@code AUDIO_ENCODING_PCM_F32LE}; they are checked as they are decoded, naming the first bad one.
 * <p>
 * Failures are {@link IllegalArgumentException}s whose message continues a sentence about the data
 * ("the WAV data " + message), {@link FfmpegInput.FfmpegException}s and {@link MonoResampler.TooLong}.
 * One thread; {@link #close()} frees the codec context and frame (not the resampler).
 */
final class AudioStreamDecoder implements AutoCloseable {

    /**
     * What a stream says it is, before decoding.
     *
     * @param demuxer       FFmpeg's name of the demuxer that read the data, e.g. "wav", "mp3", "ogg",
     *                      "mov,mp4,m4a,3gp,3g2,mj2"
     * @param codecId       FFmpeg's codec id
     * @param codec         FFmpeg's codec name, e.g. "pcm_s16le", "aac"; "none" when unknown
     * @param sampleRate    samples per second per channel as declared (Opus: always 48000, its decoding rate)
     * @param channels      channels as declared
     * @param opusInputRate for Opus, the rate of the audio before it was encoded (its header's "input
     *                      sample rate"); 0 otherwise or when not given
     */
    record Info(String demuxer, int codecId, String codec, int sampleRate, int channels, int opusInputRate) {

        static Info of(AVFormatContext fc, AVStream st) {
            AVCodecParameters par = st.codecpar();
            int opusRate = 0;
            if (par.codec_id() == avcodec.AV_CODEC_ID_OPUS && par.extradata_size() >= 16) {
                // OpusHead: magic (8), version (1), channels (1), pre-skip (2), input sample rate (4, LE).
                BytePointer x = par.extradata();
                opusRate = (x.get(12) & 0xff) | (x.get(13) & 0xff) << 8 | (x.get(14) & 0xff) << 16
                        | (x.get(15) & 0x7f) << 24;
            }
            return new Info(fc.iformat().name().getString(), par.codec_id(),
                    avcodec.avcodec_get_name(par.codec_id()).getString(), par.sample_rate(),
                    par.ch_layout().nb_channels(), opusRate);
        }

        /** What a demuxer reads, for messages: e.g. "a WAV file", "an MP4/M4A file", "'png_pipe' data". */
        static String file(String demuxer) {
            return switch (demuxer) {
                case "wav" -> "a WAV file";
                case "aac" -> "an AAC/ADTS stream";
                case "mp3" -> "an MP3 file";
                case "ogg" -> "an Ogg file";
                default -> demuxer.startsWith("mov,") ? "an MP4/M4A file"
                        : demuxer.startsWith("matroska") ? "a Matroska/WebM file" : "'" + demuxer + "' data";
            };
        }

        /** E.g. "a WAV file (pcm_s16le, 16000 Hz, 1 channel)"; Opus with its input rate when that differs. */
        @Override
        public String toString() {
            String rate = sampleRate + " Hz" + (opusInputRate > 0 && opusInputRate != sampleRate
                    ? " (input " + opusInputRate + " Hz)" : "");
            return file(demuxer) + " (" + codec + ", " + rate + ", " + channels + " channel"
                    + (channels == 1 ? "" : "s") + ")";
        }
    }

    private final MonoResampler out;
    private final AVCodecContext ctx;
    private final AVFrame frame = avutil.av_frame_alloc();
    private final boolean floatPcm;
    /** Sample frames (one sample per channel) decoded so far, to name a bad sample by its position. */
    private long decodedFrames;
    /** The stream's time base, in seconds per tick. */
    private final double timeBase;
    /** Presentation time of the first decoded sample in microseconds; {@link Long#MIN_VALUE} until known. */
    private long startUs = Long.MIN_VALUE;

    /**
     * Opens the decoder of {@code st}.
     *
     * @param out receives the samples; owned by the caller
     * @throws IllegalArgumentException when the codec is unknown or not in this build, or the declared rate
     *                                  or channel count is out of range
     * @throws FfmpegInput.FfmpegException when FFmpeg cannot open the decoder
     */
    AudioStreamDecoder(AVStream st, MonoResampler out) {
        this.out = out;
        this.timeBase = avutil.av_q2d(st.time_base());
        AVCodecParameters par = st.codecpar();
        requireDecodable(par);
        AVCodec codec = avcodec.avcodec_find_decoder(par.codec_id());
        floatPcm = isFloatPcm(par.codec_id());
        ctx = avcodec.avcodec_alloc_context3(codec);
        int ret = avcodec.avcodec_parameters_to_context(ctx, par);
        if (ret >= 0) {
            ctx.pkt_timebase(st.time_base());
            ctx.thread_count(1);
            ret = avcodec.avcodec_open2(ctx, codec, (org.bytedeco.ffmpeg.avutil.AVDictionary) null);
        }
        if (ret < 0) {
            close();
            throw new FfmpegInput.FfmpegException("cannot open the audio decoder", ret);
        }
    }

    /** The checks made before a decoder is opened: a codec this build decodes, rate and channels in range. */
    private void requireDecodable(AVCodecParameters par) {
        if (par.codec_id() == avcodec.AV_CODEC_ID_NONE) {
            close();
            throw new IllegalArgumentException("uses an audio codec FFmpeg does not know (codec tag "
                    + tagName(par.codec_tag()) + ")");
        }
        if (avcodec.avcodec_find_decoder(par.codec_id()) == null) {
            close();
            throw new IllegalArgumentException("uses codec " + avcodec.avcodec_get_name(par.codec_id()).getString()
                    + ", which this build cannot decode");
        }
        if (par.sample_rate() <= 0 || par.sample_rate() > AudioTrack.MAX_RATE) {
            close();
            throw new IllegalArgumentException("declares a sample rate of "
                    + Integer.toUnsignedString(par.sample_rate()) + " Hz; audio must have 1 to " + AudioTrack.MAX_RATE
                    + " Hz");
        }
        int channels = par.ch_layout().nb_channels();
        if (channels <= 0 || channels > AudioTrack.MAX_CHANNELS) {
            close();
            throw new IllegalArgumentException("declares " + channels + " channels; audio must have 1 to "
                    + AudioTrack.MAX_CHANNELS);
        }
    }

    /** A codec tag as its four characters when they are printable (MP4, AVI), else in hex (WAV's format tag). */
    static String tagName(int tag) {
        StringBuilder fourcc = new StringBuilder(4);
        for (int i = 0; i < 4; i++) {
            int c = (tag >>> (8 * i)) & 0xff;
            if (c < 0x20 || c > 0x7e) {
                return "0x" + Integer.toHexString(tag);
            }
            fourcc.append((char) c);
        }
        return "'" + fourcc + "'";
    }

    private static boolean isFloatPcm(int codecId) {
        return codecId == avcodec.AV_CODEC_ID_PCM_F32LE || codecId == avcodec.AV_CODEC_ID_PCM_F32BE
                || codecId == avcodec.AV_CODEC_ID_PCM_F64LE || codecId == avcodec.AV_CODEC_ID_PCM_F64BE
                || codecId == avcodec.AV_CODEC_ID_PCM_F24LE || codecId == avcodec.AV_CODEC_ID_PCM_F16LE;
    }

    /**
     * Decodes one packet ({@code null}: the end of the stream, which also flushes the resampler) and
     * passes every frame that comes out to the resampler.
     */
    void send(AVPacket pkt) {
        int ret = avcodec.avcodec_send_packet(ctx, pkt);
        if (ret < 0 && ret != avutil.AVERROR_EOF) {
            throw new FfmpegInput.FfmpegException("cannot decode the audio", ret);
        }
        while ((ret = avcodec.avcodec_receive_frame(ctx, frame)) >= 0) {
            try {
                if (floatPcm) {
                    requireInRange(frame);
                }
                if (startUs == Long.MIN_VALUE && frame.best_effort_timestamp() != avutil.AV_NOPTS_VALUE) {
                    startUs = Math.round(frame.best_effort_timestamp() * timeBase * 1e6);
                }
                decodedFrames += frame.nb_samples();
                out.add(frame);
            } finally {
                avutil.av_frame_unref(frame);
            }
        }
        if (ret != avutil.AVERROR_EAGAIN() && ret != avutil.AVERROR_EOF) {
            throw new FfmpegInput.FfmpegException("cannot decode the audio", ret);
        }
        if (pkt == null) {
            out.flush();
        }
    }

    /**
     * When the first decoded sample plays, in microseconds on the container's clock (the clock of its
     * video frames' timestamps), after the decoder dropped any encoder delay; {@link Long#MIN_VALUE} when
     * nothing was decoded yet or the stream has no timestamps.
     */
    long startUs() {
        return startUs;
    }

    /** Float PCM samples must be finite and in [-1, 1]; the first that is not is named by position and channel. */
    private void requireInRange(AVFrame f) {
        int n = f.nb_samples();
        int channels = f.ch_layout().nb_channels();
        int fmt = f.format();
        boolean planar = avutil.av_sample_fmt_is_planar(fmt) != 0;
        boolean dbl = fmt == avutil.AV_SAMPLE_FMT_DBL || fmt == avutil.AV_SAMPLE_FMT_DBLP;
        if (!dbl && fmt != avutil.AV_SAMPLE_FMT_FLT && fmt != avutil.AV_SAMPLE_FMT_FLTP) {
            return; // not a float layout (no float PCM decoder gives one)
        }
        for (int p = 0; p < (planar ? channels : 1); p++) {
            int count = planar ? n : n * channels;
            double[] v = new double[count];
            if (dbl) {
                new DoublePointer(f.data(p)).capacity(count).get(v);
            } else {
                float[] fl = new float[count];
                new FloatPointer(f.data(p)).capacity(count).get(fl);
                for (int i = 0; i < count; i++) {
                    v[i] = fl[i];
                }
            }
            for (int i = 0; i < count; i++) {
                if (!(v[i] >= -1 && v[i] <= 1)) {
                    long sample = decodedFrames + (planar ? i : i / channels);
                    int channel = planar ? p : i % channels;
                    String value = dbl ? Double.toString(v[i]) : Float.toString((float) v[i]);
                    throw new IllegalArgumentException("has sample " + sample + " (channel " + channel + ") = " + value
                            + "; float PCM samples must be finite numbers in [-1, 1]");
                }
            }
        }
    }

    /** Frees the codec context and the frame (the resampler is the caller's). Idempotent. */
    @Override
    public void close() {
        if (ctx != null && !ctx.isNull()) {
            avcodec.avcodec_free_context(ctx);
        }
        avutil.av_frame_free(frame);
    }
}
