package dev.refseg.media;

import java.time.Duration;

/**
 * How FFmpeg is driven for one session (from {@code refseg.media.*}, plus the call's orientation choice).
 *
 * @param probeBytes            most bytes FFmpeg reads to identify a stream before decoding starts
 *                              ({@code probesize}); small, so decoding begins while the upload streams
 * @param analyzeDuration       most stream time FFmpeg reads to fill in stream parameters
 *                              ({@code analyzeduration})
 * @param stallTimeout          longest a decoder may go without progress (bytes taken, packets read, frames
 *                              decoded) while the call waits on it; then the call ends with DEADLINE_EXCEEDED
 * @param keepStoredOrientation decode pixels as stored instead of as displayed (rotation/mirror declared by
 *                              a container display matrix or an image's EXIF orientation not applied)
 */
public record MediaSettings(long probeBytes, Duration analyzeDuration, Duration stallTimeout,
        boolean keepStoredOrientation) {
    public static final String KEY_PROBE_BYTES = "refseg.media.probe-bytes";
    public static final String KEY_ANALYZE_DURATION = "refseg.media.analyze-duration";
    public static final String KEY_STALL_TIMEOUT = "refseg.media.stall-timeout";

    /** The documented defaults. */
    public static MediaSettings defaults() {
        return new MediaSettings(32 * 1024, Duration.ofMillis(500), Duration.ofSeconds(30), false);
    }

    public MediaSettings withKeepStoredOrientation(boolean keep) {
        return new MediaSettings(probeBytes, analyzeDuration, stallTimeout, keep);
    }
}
