package dev.refseg.media;

import dev.refseg.errors.Errors;
import dev.refseg.errors.Fields;
import dev.refseg.v1.AudioChunk;
import dev.refseg.v1.AudioEncoding;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import io.grpc.StatusRuntimeException;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;

/**
 * The audio track of a session, as 16 kHz mono float (FFmpeg's resampler, channels averaged). Raw PCM is
 * converted chunk by chunk as it arrives, so what the session holds is the 16 kHz result (64 KB per
 * second of audio), not the client's 384 kHz x 16-channel input; encoded audio (a file in pieces) is
 * collected — bounded by bytes — and decoded at the end into a bounded output. Both bounds come from
 * {@code refseg.limits.max-audio-seconds}. Owns native resampler state: {@link #close()} frees it.
 */
public final class AudioTrack implements AutoCloseable {
    public static final int TARGET_RATE = 16_000;
    /** Encoded audio is bounded by bytes: 600 s at 320 kbit/s, scaled with the seconds limit. */
    private static final double MAX_ENCODED_BYTES_PER_SECOND = 40_000;

    /** Highest PCM sample rate accepted, Hz. */
    public static final int MAX_RATE = 384_000;
    /** Most interleaved PCM channels accepted. */
    public static final int MAX_CHANNELS = 16;

    private final IntakeLimits limits;
    /** Encoded audio as received (PCM is not kept: it goes straight to {@link #pcm}). */
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private AudioEncoding encoding;
    private int sampleRate;
    private int channels;
    private int chunks;
    /** Sample frames (one sample per channel) of PCM received. */
    private long pcmFrames;
    private MonoResampler pcm;
    private AVFrame pcmFrame;
    private float[] decoded;
    private volatile boolean aborted;
    /** Online: where the 16 kHz samples go as they are converted (nothing is kept here); null offline. */
    private java.util.function.Consumer<float[]> live;

    public AudioTrack(IntakeLimits limits) {
        this.limits = limits;
    }

    /**
     * Online mode: PCM is handed to {@code sink} as it is converted and not kept, so the seconds limit
     * bounds what the sink holds rather than the stream; encoded audio is refused (it is decoded only at
     * the end of the input).
     */
    public void live(java.util.function.Consumer<float[]> sink) {
        this.live = sink;
    }

    public boolean isEmpty() {
        return chunks == 0;
    }

    /** Chunks accepted so far: the index the next chunk is named by in messages ({@code audio[n]}). */
    public int chunks() {
        return chunks;
    }

    /**
     * Adds a chunk; the first one fixes the encoding (and for PCM the rate and channels). Rate and channels
     * are range-checked as they arrive, whatever the encoding (so a value of 2³¹ or more is never read as a
     * negative int); float PCM samples must be finite.
     */
    public void add(AudioChunk chunk) {
        String field = "audio[" + chunks + "]";
        AudioEncoding enc = chunk.getEncoding();
        if (enc == AudioEncoding.UNRECOGNIZED) {
            throw Errors.invalid(field + ".encoding", "unknown value " + chunk.getEncodingValue());
        }
        int rate = Fields.uint(field + ".sample_rate_hz", chunk.getSampleRateHz(), 0, MAX_RATE);
        int chans = Fields.uint(field + ".channels", chunk.getChannels(), 0, MAX_CHANNELS);
        if (chunk.getData().isEmpty()) {
            throw Errors.invalid(field + ".data", "is empty; an AudioChunk carries the next PCM samples or the next "
                    + "bytes of the file, at least one (a stream without audio sends no AudioChunk)");
        }
        boolean pcm = isPcm(enc);
        if (live != null && !pcm) {
            throw Errors.invalid(field + ".encoding", "is " + enc + "; online mode takes PCM audio "
                    + "(AUDIO_ENCODING_PCM_S16LE or _F32LE): encoded audio is decoded only at the end of the input");
        }
        if (pcm) {
            if (rate == 0) {
                throw Errors.invalid(field + ".sample_rate_hz", "must be > 0 for PCM audio, got 0");
            }
            if (chans == 0) {
                throw Errors.invalid(field + ".channels", "must be 1.." + MAX_CHANNELS + " for PCM audio, got 0");
            }
            int frameBytes = bytesPerSample(enc) * chans;
            if (chunk.getData().size() % frameBytes != 0) {
                throw Errors.invalid(field + ".data", chunk.getData().size() + " bytes is not a whole number of "
                        + chans + "-channel " + enc + " samples (" + frameBytes + " bytes each)");
            }
            if (enc == AudioEncoding.AUDIO_ENCODING_PCM_F32LE) {
                requireSamplesInRange(field + ".data", chunk.getData().asReadOnlyByteBuffer(), chans);
            }
        }
        if (encoding == null) {
            encoding = enc;
            sampleRate = rate;
            channels = chans;
        } else if (enc != encoding || (pcm && (rate != sampleRate || chans != channels))
                || (!pcm && ((rate != 0 && rate != sampleRate) || (chans != 0 && chans != channels)))) {
            throw Errors.invalid(field, "changes the audio format mid-stream (first chunk: " + encoding
                    + (sampleRate != 0 ? " " + sampleRate + " Hz" : "") + (channels != 0 ? " x" + channels : "") + ")");
        }
        if (pcm) {
            pcmFrames += chunk.getData().size() / (bytesPerSample(enc) * chans);
            checkLimit(field);
            convertPcm(field, chunk.getData().toByteArray());
        } else {
            byte[] data = chunk.getData().toByteArray();
            bytes.write(data, 0, data.length);
            checkLimit(field);
        }
        chunks++;
    }

    /** Resamples one chunk of interleaved PCM onto the 16 kHz mono track. */
    private void convertPcm(String field, byte[] data) {
        if (data.length == 0) {
            return;
        }
        if (pcm == null) {
            pcm = new MonoResampler(TARGET_RATE, maxSamples());
            pcmFrame = avutil.av_frame_alloc();
        }
        avutil.av_frame_unref(pcmFrame);
        pcmFrame.format(encoding == AudioEncoding.AUDIO_ENCODING_PCM_F32LE ? avutil.AV_SAMPLE_FMT_FLT
                : avutil.AV_SAMPLE_FMT_S16);
        avutil.av_channel_layout_default(pcmFrame.ch_layout(), channels);
        pcmFrame.sample_rate(sampleRate);
        pcmFrame.nb_samples(data.length / (bytesPerSample(encoding) * channels));
        int ret = avutil.av_frame_get_buffer(pcmFrame, 0);
        if (ret < 0) {
            throw Errors.internal("audio: cannot allocate " + data.length + " bytes: " + Ffmpeg.error(ret), null);
        }
        pcmFrame.data(0).put(data, 0, data.length);
        try {
            pcm.add(pcmFrame);
            if (live != null) {
                live.accept(pcm.drain());
            }
        } catch (FfmpegInput.FfmpegException e) {
            throw Errors.invalid(field + ".data", "cannot resample the PCM data: " + e.getMessage(), e);
        } catch (MonoResampler.TooLong e) {
            throw tooLong(field, e.samples);
        }
    }

    private long maxSamples() {
        return (long) Math.ceil(limits.maxAudioSeconds() * TARGET_RATE);
    }

    private StatusRuntimeException tooLong(String field, long samples) {
        return Errors.limit(field, "audio seconds", (long) Math.ceil(samples / (double) TARGET_RATE),
                IntakeLimits.KEY_AUDIO_SECONDS, (long) limits.maxAudioSeconds());
    }

    /** INVALID_ARGUMENT naming the first float sample that is NaN, infinite or outside [-1, 1] (its index and channel). */
    private static void requireSamplesInRange(String field, ByteBuffer data, int channels) {
        FloatBuffer f = data.order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        for (int i = 0; i < f.limit(); i++) {
            float v = f.get(i);
            if (!(v >= -1f && v <= 1f)) {
                throw Errors.invalid(field, "sample " + i / channels + " (channel " + i % channels + ") is " + v
                        + "; AUDIO_ENCODING_PCM_F32LE samples must be finite numbers in [-1, 1]");
            }
        }
    }

    private void checkLimit(String field) {
        if (live != null) {
            return; // the live sink bounds what it holds
        }
        double seconds = receivedSeconds();
        if (seconds > limits.maxAudioSeconds()) {
            throw Errors.limit(field, "audio seconds", (long) Math.ceil(seconds), IntakeLimits.KEY_AUDIO_SECONDS,
                    (long) limits.maxAudioSeconds());
        }
        if (!isPcm(encoding) && bytes.size() > limits.maxAudioSeconds() * MAX_ENCODED_BYTES_PER_SECOND) {
            throw Errors.limit(field, "encoded audio bytes", bytes.size(), IntakeLimits.KEY_AUDIO_SECONDS,
                    (long) limits.maxAudioSeconds());
        }
    }

    /** Seconds received so far: exact for PCM, unknown (0) for encoded audio until decoded. */
    public double receivedSeconds() {
        if (decoded != null && live == null) {
            return decoded.length / (double) TARGET_RATE;
        }
        if (encoding == null || !isPcm(encoding)) {
            return 0;
        }
        return pcmFrames / (double) sampleRate;
    }

    /** Decodes everything received to 16 kHz mono float in [-1, 1]. */
    public float[] decode() {
        if (decoded != null) {
            return decoded;
        }
        if (encoding == null) {
            decoded = new float[0];
            return decoded;
        }
        decoded = isPcm(encoding) ? flushPcm() : decodeEncoded(bytes.toByteArray());
        for (int i = 0; i < decoded.length; i++) {
            if (!Float.isFinite(decoded[i])) { // encoded float audio (e.g. a float WAV) is only seen here
                float bad = decoded[i];
                decoded = null;
                throw Errors.invalid("audio.data", "the decoded audio has a non-finite sample (" + bad + ") at "
                        + String.format(java.util.Locale.ROOT, "%.3f", i / (double) TARGET_RATE)
                        + " s; audio samples must be finite numbers");
            }
        }
        if (decoded.length / (double) TARGET_RATE > limits.maxAudioSeconds()) {
            long secs = (long) Math.ceil(decoded.length / (double) TARGET_RATE);
            decoded = null;
            throw Errors.limit("audio", "audio seconds", secs, IntakeLimits.KEY_AUDIO_SECONDS,
                    (long) limits.maxAudioSeconds());
        }
        return decoded;
    }

    private float[] flushPcm() {
        if (pcm == null) {
            return new float[0];
        }
        try {
            pcm.flush();
        } catch (MonoResampler.TooLong e) {
            throw tooLong("audio", e.samples);
        }
        if (live != null) {
            live.accept(pcm.drain());
            return new float[0];
        }
        return pcm.toArray();
    }

    private float[] decodeEncoded(byte[] data) {
        String label = encoding == AudioEncoding.AUDIO_ENCODING_UNSPECIFIED ? "encoded audio"
                : encoding.name().substring("AUDIO_ENCODING_".length());
        try (MonoResampler out = new MonoResampler(TARGET_RATE, maxSamples())) {
            AudioDecoder.decode(data, out, () -> aborted, this::checkDeclared);
            return out.toArray();
        } catch (BytePipe.Aborted e) {
            throw io.grpc.Status.CANCELLED.withDescription("audio decoding was stopped").asRuntimeException();
        } catch (MonoResampler.TooLong e) {
            throw tooLong("audio.data", e.samples);
        } catch (IllegalArgumentException e) {
            throw Errors.invalid("audio.data", "the " + label + " data " + e.getMessage());
        } catch (FfmpegInput.FfmpegException e) {
            throw Errors.invalid("audio.data", "cannot decode the " + label + " data: " + e.getMessage(), e);
        }
    }

    /**
     * What the first chunk declared of encoded audio must be what the data is: the encoding (unless
     * unspecified) as the demuxer FFmpeg picked and its codec show it, and a non-zero rate or channel count
     * as the file declares it (for Opus, its decoding rate of 48000 Hz or the input rate in its header).
     */
    private void checkDeclared(AudioStreamDecoder.Info found) {
        String what = found.toString();
        if (encoding != AudioEncoding.AUDIO_ENCODING_UNSPECIFIED && !isEncoding(encoding, found)) {
            throw Errors.invalid("audio[0].encoding", "is " + encoding + " but the data is " + what
                    + "; give the encoding the data has, or AUDIO_ENCODING_UNSPECIFIED to detect it");
        }
        boolean opusInputRate = found.codecId() == avcodec.AV_CODEC_ID_OPUS && sampleRate == found.opusInputRate();
        if (sampleRate != 0 && sampleRate != found.sampleRate() && !opusInputRate) {
            throw Errors.invalid("audio[0].sample_rate_hz", "is " + sampleRate + " but the data is " + what
                    + "; give the file's rate, or 0 to take it from the file");
        }
        if (channels != 0 && channels != found.channels()) {
            throw Errors.invalid("audio[0].channels", "is " + channels + " but the data is " + what
                    + "; give the file's channel count, or 0 to take it from the file");
        }
    }

    /** Whether the demuxer (and codec) FFmpeg found are those of the declared encoding. */
    static boolean isEncoding(AudioEncoding declared, AudioStreamDecoder.Info found) {
        String demuxer = found.demuxer();
        return switch (declared) {
            case AUDIO_ENCODING_WAV -> demuxer.equals("wav");
            case AUDIO_ENCODING_AAC -> found.codecId() == avcodec.AV_CODEC_ID_AAC
                    && (demuxer.equals("aac") || demuxer.startsWith("mov,"));
            case AUDIO_ENCODING_MP3 -> demuxer.equals("mp3");
            case AUDIO_ENCODING_OPUS -> demuxer.equals("ogg") && found.codecId() == avcodec.AV_CODEC_ID_OPUS;
            default -> true;
        };
    }

    /** Stops a decode in progress, from any thread (the call is ending). */
    void abort() {
        aborted = true;
    }

    static boolean isPcm(AudioEncoding e) {
        return e == AudioEncoding.AUDIO_ENCODING_PCM_S16LE || e == AudioEncoding.AUDIO_ENCODING_PCM_F32LE;
    }

    static int bytesPerSample(AudioEncoding e) {
        return e == AudioEncoding.AUDIO_ENCODING_PCM_F32LE ? 4 : 2;
    }

    /** Frees the resampler. Idempotent. */
    @Override
    public void close() {
        if (pcm != null) {
            pcm.close();
            avutil.av_frame_free(pcmFrame);
            pcm = null;
        }
    }
}
