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

    /** The same limits for a live stream (online mode): no frame count, its memory is bounded instead. */
    public IntakeLimits online() {
        return new IntakeLimits(maxMessageBytes, maxWidth, maxHeight, Integer.MAX_VALUE, maxAudioSeconds,
                mediaBufferBytes, mediaSeekWindowBytes);
    }

    /**
     * Checks a frame's size. A frame fits when it fits either way up, so portrait video and photos are as
     * welcome as landscape ones of the same size.
     *
     * @param field the request field, e.g. "frame[3]" (".width"/".height" is appended)
     * @throws io.grpc.StatusRuntimeException RESOURCE_EXHAUSTED naming the field, the value and the key
     */
    public void checkFrameSize(String field, long w, long h) {
        if ((w <= maxWidth && h <= maxHeight) || (h <= maxWidth && w <= maxHeight)) {
            return;
        }
        if (w > maxWidth) {
            throw dev.refseg.errors.Errors.limit(field + ".width", "frame width", w, KEY_WIDTH, maxWidth);
        }
        throw dev.refseg.errors.Errors.limit(field + ".height", "frame height", h, KEY_HEIGHT, maxHeight);
    }

    /**
     * Largest picture FFmpeg may allocate for one frame ({@code max_pixels}): the frame limits with room
     * for the decoders' stride alignment (a 67-pixel-wide JPEG is decoded 80 wide), either way up.
     */
    public long maxDecodePixels() {
        return (long) (maxWidth + 256) * (maxHeight + 256);
    }

    /** Defaults matching the documented configuration defaults. */
    public static IntakeLimits defaults() {
        return new IntakeLimits(16 << 20, 3840, 2160, 18_000, 600, 8 << 20, 64 << 20);
    }
}
