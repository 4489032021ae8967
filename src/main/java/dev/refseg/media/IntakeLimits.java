package dev.refseg.media;

/**
 * The limits intake enforces; built from {@code refseg.limits.*}. Each carries its configuration key so
 * that rejections can name it.
 */
public record IntakeLimits(int maxMessageBytes, int maxWidth, int maxHeight, int maxFrames, double maxAudioSeconds,
        int mediaBufferBytes, int mediaSeekWindowBytes) {

    public static final String KEY_MESSAGE_BYTES = "refseg.limits.max-message-bytes";
    public static final String KEY_WIDTH = "refseg.limits.max-width";
    public static final String KEY_HEIGHT = "refseg.limits.max-height";
    public static final String KEY_FRAMES = "refseg.limits.max-frames-per-session";
    public static final String KEY_AUDIO_SECONDS = "refseg.limits.max-audio-seconds";

    /** Defaults matching the documented configuration defaults. */
    public static IntakeLimits defaults() {
        return new IntakeLimits(16 << 20, 3840, 2160, 18_000, 600, 8 << 20, 64 << 20);
    }
}
