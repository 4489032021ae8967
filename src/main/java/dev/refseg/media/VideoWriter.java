package dev.refseg.media;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Frame;

/** Encodes RGB frames to a video file with FFmpeg (used for the synthetic sample and tests). */
public final class VideoWriter {
    private VideoWriter() {
    }

    /**
     * Writes the frames as MP4 (H.264 when the FFmpeg build has an encoder for it, else MPEG-4 Part 2)
     * with the index at the front ("faststart"), as Matroska when the file ends in .mkv/.webm, or as a
     * raw H.264 Annex B stream when it ends in .h264.
     */
    public static void write(Path file, List<byte[]> rgbFrames, int width, int height, double fps) throws Exception {
        write(file, rgbFrames, width, height, fps, true);
    }

    /** As above; {@code faststart = false} leaves the MP4 index at the end, as many cameras write it. */
    public static void write(Path file, List<byte[]> rgbFrames, int width, int height, double fps, boolean faststart)
            throws Exception {
        write(file, rgbFrames, width, height, fps, faststart, 0);
    }

    /**
     * As above, declaring a display rotation: the stored frames are to be shown turned by
     * {@code clockwiseDegrees} (a display matrix, as phones write for portrait video).
     */
    public static void write(Path file, List<byte[]> rgbFrames, int width, int height, double fps, boolean faststart,
            double clockwiseDegrees) throws Exception {
        String name = file.getFileName().toString();
        boolean mkv = name.endsWith(".mkv") || name.endsWith(".webm");
        boolean annexB = name.endsWith(".h264");
        try (FFmpegFrameRecorder rec = new FFmpegFrameRecorder(file.toFile(), width, height, 0)) {
            rec.setFormat(mkv ? "matroska" : annexB ? "h264" : "mp4");
            rec.setFrameRate(fps);
            rec.setPixelFormat(avutil.AV_PIX_FMT_YUV420P);
            rec.setVideoCodec(avcodec.avcodec_find_encoder(avcodec.AV_CODEC_ID_H264) != null
                    ? avcodec.AV_CODEC_ID_H264 : avcodec.AV_CODEC_ID_MPEG4);
            rec.setVideoQuality(2);
            rec.setGopSize((int) Math.max(1, Math.round(fps)));
            rec.setVideoOption("threads", "1");
            if (clockwiseDegrees != 0) {
                // FFmpeg's display matrices turn counter-clockwise for positive angles.
                rec.setDisplayRotation(-clockwiseDegrees);
            }
            if (!mkv && !annexB && faststart) {
                rec.setOption("movflags", "+faststart");
            }
            rec.start();
            Frame frame = new Frame(width, height, Frame.DEPTH_UBYTE, 3);
            for (byte[] rgb : rgbFrames) {
                ByteBuffer buf = (ByteBuffer) frame.image[0];
                int stride = frame.imageStride;
                for (int y = 0; y < height; y++) {
                    buf.position(y * stride);
                    buf.put(rgb, y * width * 3, width * 3);
                }
                buf.rewind();
                rec.record(frame, avutil.AV_PIX_FMT_RGB24);
            }
            rec.stop();
        }
    }
}
