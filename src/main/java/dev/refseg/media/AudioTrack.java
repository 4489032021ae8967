package dev.refseg.media;

import dev.refseg.errors.Errors;
import dev.refseg.v1.AudioChunk;
import dev.refseg.v1.AudioEncoding;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

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

    /** Adds a chunk; the first one fixes the encoding (and for PCM the rate and channels). */
    public void add(AudioChunk chunk) {
        String field = "audio[" + chunks + "]";
        AudioEncoding enc = chunk.getEncoding();
        if (enc == AudioEncoding.UNRECOGNIZED) {
            throw Errors.invalid(field + ".encoding", "unknown value " + chunk.getEncodingValue());
        }
        boolean pcm = isPcm(enc);
        if (pcm) {
            if (chunk.getSampleRateHz() == 0) {
                throw Errors.invalid(field + ".sample_rate_hz", "must be > 0 for PCM audio, got 0");
            }
            if (chunk.getSampleRateHz() > 384_000) {
                throw Errors.invalid(field + ".sample_rate_hz", "must be at most 384000, got " + chunk.getSampleRateHz());
            }
            if (chunk.getChannels() == 0 || chunk.getChannels() > 16) {
                throw Errors.invalid(field + ".channels", "must be 1..16 for PCM audio, got " + chunk.getChannels());
            }
            int frameBytes = bytesPerSample(enc) * chunk.getChannels();
            if (chunk.getData().size() % frameBytes != 0) {
                throw Errors.invalid(field + ".data", chunk.getData().size() + " bytes is not a whole number of "
                        + chunk.getChannels() + "-channel " + enc + " samples (" + frameBytes + " bytes each)");
            }
        }
        if (encoding == null) {
            encoding = enc;
            sampleRate = chunk.getSampleRateHz();
            channels = chunk.getChannels();
        } else if (enc != encoding || (pcm && (chunk.getSampleRateHz() != sampleRate || chunk.getChannels() != channels))) {
            throw Errors.invalid(field, "changes the audio format mid-stream (first chunk: " + encoding
                    + (isPcm(encoding) ? " " + sampleRate + " Hz x" + channels : "") + ")");
        }
        byte[] data = chunk.getData().toByteArray();
        bytes.write(data, 0, data.length);
        chunks++;
        checkLimit(field);
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
