package dev.refseg.media;

import java.util.Map;
import org.bytedeco.ffmpeg.avutil.AVDictionary;
import org.bytedeco.ffmpeg.global.avutil;

/**
 * Small shared pieces for calling FFmpeg (libavformat/libavcodec through the JavaCPP presets) directly.
 * refseg calls FFmpeg's C API rather than JavaCV's {@code FFmpegFrameGrabber}: the grabber opens every
 * input while holding one process-wide lock and retries a failed open once, so a single stalled or
 * malformed stream could block every other call's decoder (issue 8).
 */
final class Ffmpeg {
    static {
        // FFmpeg's own chatter goes to stderr; keep only real errors there. Errors reach clients as statuses.
        avutil.av_log_set_level(avutil.AV_LOG_ERROR);
    }

    private Ffmpeg() {
    }

    /** Makes sure the static set-up above ran. */
    static void init() {
        // class initialisation does the work
    }

    /** FFmpeg's text for an error code, e.g. "Invalid data found when processing input". */
    static String error(int code) {
        byte[] buf = new byte[256];
        avutil.av_strerror(code, buf, buf.length);
        int n = 0;
        while (n < buf.length && buf[n] != 0) {
            n++;
        }
        return new String(buf, 0, n, java.nio.charset.StandardCharsets.UTF_8);
    }

    /** An FFmpeg option dictionary; the caller frees it with {@link avutil#av_dict_free(AVDictionary)}. */
    static AVDictionary dictionary(Map<String, String> options) {
        AVDictionary d = new AVDictionary(null);
        options.forEach((k, v) -> avutil.av_dict_set(d, k, v, 0));
        return d;
    }
}
