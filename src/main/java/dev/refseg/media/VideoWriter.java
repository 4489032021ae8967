package dev.refseg.media;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.List;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Frame;

/**
 * Encodes RGB frames, and optionally a sound track, to a video file with FFmpeg (used for the synthetic sample
 * and tests).
 */
public final class VideoWriter {
    /** Rate of the audio tracks written: the rate the service converts all audio to. */
    public static final int AUDIO_RATE = AudioTrack.TARGET_RATE;

    private VideoWriter() {
    }

    /**
     * How a file is written.
     *
     * @param faststart        MP4 only: the index (moov) at the front; false leaves it at the end, as many
     *                         cameras write it
     * @param fragmented       MP4 only: fragmented (an empty moov, then a moof + mdat per key frame, as live
     *                         encoders write), which decodes while it streams; overrides {@code faststart}
     * @param clockwiseDegrees display rotation: the stored frames are to be shown turned by this much (a
     *                         display matrix, as phones write for portrait video); 0 = none
     * @param audio16k         a mono sound track at {@link #AUDIO_RATE} Hz, float samples in [-1, 1], muxed
     *                         beside the video (AAC in MP4, Opus in Matroska; it may be shorter or longer than
     *                         the video); null or empty = no audio track. Not copied.
     */
    public record Options(boolean faststart, boolean fragmented, double clockwiseDegrees, float[] audio16k) {
        /** Faststart MP4, no rotation, no audio. */
        public static final Options DEFAULT = new Options(true, false, 0, null);

        public Options withFaststart(boolean on) {
            return new Options(on, fragmented, clockwiseDegrees, audio16k);
        }

        public Options withFragmented(boolean on) {
            return new Options(faststart, on, clockwiseDegrees, audio16k);
        }

        public Options withRotation(double degrees) {
            return new Options(faststart, fragmented, degrees, audio16k);
        }

        public Options withAudio16k(float[] samples) {
            return new Options(faststart, fragmented, clockwiseDegrees, samples);
        }

        boolean hasAudio() {
            return audio16k != null && audio16k.length > 0;
        }
    }

    /**
     * Writes the frames as MP4 (H.264 when the FFmpeg build has an encoder for it, else MPEG-4 Part 2)
     * with the index at the front ("faststart"), as Matroska when the file ends in .mkv/.webm, or as a
     * raw H.264 Annex B stream when it ends in .h264.
     */
    public static void write(Path file, List<byte[]> rgbFrames, int width, int height, double fps) throws Exception {
        write(file, rgbFrames, width, height, fps, Options.DEFAULT);
    }

    /** As above; {@code faststart = false} leaves the MP4 index at the end, as many cameras write it. */
    public static void write(Path file, List<byte[]> rgbFrames, int width, int height, double fps, boolean faststart)
            throws Exception {
        write(file, rgbFrames, width, height, fps, Options.DEFAULT.withFaststart(faststart));
    }

    /**
     * As above, declaring a display rotation: the stored frames are to be shown turned by
     * {@code clockwiseDegrees} (a display matrix, as phones write for portrait video).
     */
    public static void write(Path file, List<byte[]> rgbFrames, int width, int height, double fps, boolean faststart,
            double clockwiseDegrees) throws Exception {
        write(file, rgbFrames, width, height, fps,
                Options.DEFAULT.withFaststart(faststart).withRotation(clockwiseDegrees));
    }

    /**
     * Writes the frames (packed RGB24 rows, {@code width * height * 3} bytes each) at {@code fps}, the
     * container chosen by the file's name as above, written as {@code options} say. The sound track is
     * interleaved with the frames in time order (after frame i, the audio up to (i + 1) / fps s), so a
     * reader streaming the file gets both as they play; AAC comes from FFmpeg's native {@code aac} encoder,
     * Opus from its {@code opus} encoder at 48 kHz (the rate Opus is decoded at).
     *
     * @throws IllegalArgumentException for a sound track in a raw H.264 stream, which has no room for one
     */
    public static void write(Path file, List<byte[]> rgbFrames, int width, int height, double fps, Options options)
            throws Exception {
        String name = file.getFileName().toString();
        boolean mkv = name.endsWith(".mkv") || name.endsWith(".webm");
        boolean annexB = name.endsWith(".h264");
        if (annexB && options.hasAudio()) {
            throw new IllegalArgumentException("a raw H.264 stream (" + name + ") cannot carry an audio track");
        }
        try (FFmpegFrameRecorder rec = new FFmpegFrameRecorder(file.toFile(), width, height,
                options.hasAudio() ? 1 : 0)) {
            rec.setFormat(mkv ? "matroska" : annexB ? "h264" : "mp4");
            rec.setFrameRate(fps);
            rec.setPixelFormat(avutil.AV_PIX_FMT_YUV420P);
            rec.setVideoCodec(avcodec.avcodec_find_encoder(avcodec.AV_CODEC_ID_H264) != null
                    ? avcodec.AV_CODEC_ID_H264 : avcodec.AV_CODEC_ID_MPEG4);
            rec.setVideoQuality(2);
            rec.setGopSize((int) Math.max(1, Math.round(fps)));
            rec.setVideoOption("threads", "1");
            if (options.clockwiseDegrees() != 0) {
                // FFmpeg's display matrices turn counter-clockwise for positive angles.
                rec.setDisplayRotation(-options.clockwiseDegrees());
            }
            if (!mkv && !annexB && options.fragmented()) {
                rec.setOption("movflags", "frag_keyframe+empty_moov");
            } else if (!mkv && !annexB && options.faststart()) {
                rec.setOption("movflags", "+faststart");
            }
            if (options.hasAudio()) {
                rec.setAudioCodecName(mkv ? "opus" : "aac");
                rec.setSampleRate(mkv ? 48_000 : AUDIO_RATE);
                rec.setAudioBitrate(64_000);
                rec.setAudioOption("threads", "1");
            }
            rec.start();
            Frame frame = new Frame(width, height, Frame.DEPTH_UBYTE, 3);
            int audioDone = 0;
            for (int i = 0; i < rgbFrames.size(); i++) {
                byte[] rgb = rgbFrames.get(i);
                ByteBuffer buf = (ByteBuffer) frame.image[0];
                int stride = frame.imageStride;
                for (int y = 0; y < height; y++) {
                    buf.position(y * stride);
                    buf.put(rgb, y * width * 3, width * 3);
                }
                buf.rewind();
                rec.record(frame, avutil.AV_PIX_FMT_RGB24);
                if (options.hasAudio()) {
                    int until = (int) Math.min(options.audio16k().length, Math.round((i + 1) * AUDIO_RATE / fps));
                    audioDone = recordAudio(rec, options.audio16k(), audioDone, until);
                }
            }
            if (options.hasAudio()) {
                recordAudio(rec, options.audio16k(), audioDone, options.audio16k().length);
            }
            rec.stop();
        }
    }

    /** Records samples [from, to) of the track; returns where the next call starts. */
    private static int recordAudio(FFmpegFrameRecorder rec, float[] samples, int from, int to) throws Exception {
        if (to > from) {
            // A copy, not a slice: JavaCV reads an array-backed buffer from the array's start, so a slice at an
            // offset would record the first samples again.
            rec.recordSamples(AUDIO_RATE, 1, FloatBuffer.wrap(java.util.Arrays.copyOfRange(samples, from, to)));
        }
        return Math.max(from, to);
    }
}
