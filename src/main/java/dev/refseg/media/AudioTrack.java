package dev.refseg.media;

import dev.refseg.errors.Errors;
import dev.refseg.errors.Fields;
import dev.refseg.v1.AudioChunk;
import dev.refseg.v1.AudioEncoding;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * The audio track of a session. Chunks are collected as they come (bounded by
 * {@code refseg.limits.max-audio-seconds}) and converted once, at the end, to 16 kHz mono float with
 * FFmpeg's resampler: raw PCM is wrapped in a WAV header so that PCM and encoded audio take the same
 * path.
 */
public final class AudioTrack {
    public static final int TARGET_RATE = 16_000;
    /** Encoded audio is bounded by bytes: 600 s at 320 kbit/s, scaled with the seconds limit. */
    private static final double MAX_ENCODED_BYTES_PER_SECOND = 40_000;

    /** Highest PCM sample rate accepted, Hz. */
    public static final int MAX_RATE = 384_000;
    /** Most interleaved PCM channels accepted. */
    public static final int MAX_CHANNELS = 16;

    private final IntakeLimits limits;
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private AudioEncoding encoding;
    private int sampleRate;
    private int channels;
    private int chunks;
    private float[] decoded;
    private volatile boolean aborted;

    public AudioTrack(IntakeLimits limits) {
        this.limits = limits;
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
        boolean pcm = isPcm(enc);
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
                requireFiniteSamples(field + ".data", chunk.getData().asReadOnlyByteBuffer(), chans);
            }
        }
        if (encoding == null) {
            encoding = enc;
            sampleRate = rate;
            channels = chans;
        } else if (enc != encoding || (pcm && (rate != sampleRate || chans != channels))) {
            throw Errors.invalid(field, "changes the audio format mid-stream (first chunk: " + encoding
                    + (isPcm(encoding) ? " " + sampleRate + " Hz x" + channels : "") + ")");
        }
        byte[] data = chunk.getData().toByteArray();
        bytes.write(data, 0, data.length);
        chunks++;
        checkLimit(field);
    }

    /** INVALID_ARGUMENT naming the first NaN or infinite float sample (its index and channel). */
    private static void requireFiniteSamples(String field, ByteBuffer data, int channels) {
        FloatBuffer f = data.order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        for (int i = 0; i < f.limit(); i++) {
            float v = f.get(i);
            if (!Float.isFinite(v)) {
                throw Errors.invalid(field, "sample " + i / channels + " (channel " + i % channels + ") is " + v
                        + "; AUDIO_ENCODING_PCM_F32LE samples must be finite numbers in [-1, 1]");
            }
        }
    }

    private void checkLimit(String field) {
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
        if (decoded != null) {
            return decoded.length / (double) TARGET_RATE;
        }
        if (encoding == null || !isPcm(encoding)) {
            return 0;
        }
        return bytes.size() / (double) (bytesPerSample(encoding) * channels) / sampleRate;
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
        byte[] data = isPcm(encoding) ? wav(bytes.toByteArray()) : bytes.toByteArray();
        decoded = resample(data);
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

    private float[] resample(byte[] data) {
        String label = isPcm(encoding) ? "PCM" : encoding == AudioEncoding.AUDIO_ENCODING_UNSPECIFIED
                ? "encoded audio" : encoding.name().substring("AUDIO_ENCODING_".length());
        try {
            return AudioDecoder.decode(data, TARGET_RATE, () -> aborted);
        } catch (BytePipe.Aborted e) {
            throw io.grpc.Status.CANCELLED.withDescription("audio decoding was stopped").asRuntimeException();
        } catch (IllegalArgumentException e) {
            throw Errors.invalid("audio.data", "the " + label + " data " + e.getMessage());
        } catch (FfmpegInput.FfmpegException e) {
            throw Errors.invalid("audio.data", "cannot decode the " + label + " data: " + e.getMessage(), e);
        }
    }

    /** Stops a decode in progress, from any thread (the call is ending). */
    void abort() {
        aborted = true;
    }

    /** A RIFF/WAVE header in front of the PCM bytes (format 1 = integer PCM, 3 = IEEE float). */
    private byte[] wav(byte[] pcm) {
        int bits = bytesPerSample(encoding) * 8;
        int format = encoding == AudioEncoding.AUDIO_ENCODING_PCM_F32LE ? 3 : 1;
        ByteBuffer h = ByteBuffer.allocate(44 + pcm.length).order(ByteOrder.LITTLE_ENDIAN);
        h.put("RIFF".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).putInt(36 + pcm.length)
                .put("WAVE".getBytes(java.nio.charset.StandardCharsets.US_ASCII))
                .put("fmt ".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).putInt(16)
                .putShort((short) format).putShort((short) channels).putInt(sampleRate)
                .putInt(sampleRate * channels * bits / 8).putShort((short) (channels * bits / 8)).putShort((short) bits)
                .put("data".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).putInt(pcm.length).put(pcm);
        return h.array();
    }

    static boolean isPcm(AudioEncoding e) {
        return e == AudioEncoding.AUDIO_ENCODING_PCM_S16LE || e == AudioEncoding.AUDIO_ENCODING_PCM_F32LE;
    }

    static int bytesPerSample(AudioEncoding e) {
        return e == AudioEncoding.AUDIO_ENCODING_PCM_F32LE ? 4 : 2;
    }
}
