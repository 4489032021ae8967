package dev.refseg.media;

import org.bytedeco.ffmpeg.avcodec.AVCodec;
import org.bytedeco.ffmpeg.avcodec.AVCodecContext;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;

/**
 * Decodes single JPEG and PNG files with FFmpeg's own decoders (libavcodec {@code mjpeg}, {@code png}),
 * so every variant decodes to the pixels the {@code ffmpeg} command gives: baseline and progressive,
 * greyscale, CMYK/YCCK (Adobe), 4:2:0/4:2:2/4:4:4, restart markers, 16-bit and alpha PNG; embedded ICC
 * profiles are not applied, as FFmpeg does not apply them. Decoder errors abort the picture
 * ({@code AV_EF_EXPLODE}) instead of concealing them. The orientation a file declares (EXIF tag 0x0112,
 * which FFmpeg exports as a display matrix) is returned beside the stored pixels.
 * <p>
 * Each picture gets a fresh codec context: FFmpeg's PNG decoder carries state from one picture to the
 * next (a reused context decodes the second file wrongly), and a JPEG's Adobe/EXIF markers must not
 * leak into the next file either. One decoder per user (a session's intake or frame store); not
 * thread-safe. {@link #close()} frees it.
 */
public final class StillImageDecoder implements AutoCloseable {
    /** libavutil/frame.h (a macro the JavaCPP presets do not map). */
    private static final int AV_FRAME_FLAG_CORRUPT = 1;
    /**
     * One decoded picture.
     *
     * @param rgb      packed RGB24 in the stored orientation, {@code width * height * 3} bytes
     * @param declared what the file says about its display orientation (NONE when nothing)
     * @param matrix   the raw display matrix when it is not a right-angle turn (else null)
     */
    public record Picture(int width, int height, byte[] rgb, Orientation declared, int[] matrix) {
    }

    private final AVPacket packet;
    private final AVFrame frame;
    private final RgbConverter rgb = new RgbConverter();
    private final long maxPixels;

    /** @param maxPixels largest picture (width x height) FFmpeg may allocate, whatever a file's markers say */
    public StillImageDecoder(long maxPixels) {
        this.maxPixels = maxPixels;
        packet = avcodec.av_packet_alloc();
        frame = avutil.av_frame_alloc();
    }

    /**
     * @param kind JPEG or PNG (the bytes must be one whole file of that kind)
     * @throws FfmpegInput.FfmpegException with FFmpeg's text when the data cannot be decoded
     */
    public Picture decode(ImageDecoder.Kind kind, byte[] data) {
        AVCodecContext ctx = open(kind == ImageDecoder.Kind.JPEG ? avcodec.AV_CODEC_ID_MJPEG : avcodec.AV_CODEC_ID_PNG);
        try {
            int ret = avcodec.av_new_packet(packet, data.length);
            if (ret < 0) {
                throw new FfmpegInput.FfmpegException("cannot allocate " + data.length + " bytes", ret);
            }
            packet.data().put(data, 0, data.length);
            ret = avcodec.avcodec_send_packet(ctx, packet);
            if (ret < 0) {
                throw new FfmpegInput.FfmpegException("cannot decode", ret);
            }
            ret = avcodec.avcodec_receive_frame(ctx, frame);
            if (ret == avutil.AVERROR_EAGAIN()) {
                avcodec.avcodec_send_packet(ctx, null);
                ret = avcodec.avcodec_receive_frame(ctx, frame);
            }
            if (ret < 0) {
                throw new FfmpegInput.FfmpegException("cannot decode", ret);
            }
            if (frame.decode_error_flags() != 0 || (frame.flags() & AV_FRAME_FLAG_CORRUPT) != 0) {
                // A decoder that concealed damage (a PNG whose data ends before its last row) still gives a
                // picture; an incomplete picture is a corrupt frame, as a truncated JPEG is.
                throw new FfmpegInput.FfmpegException("cannot decode: the picture is incomplete (flags "
                        + frame.decode_error_flags() + ")", avutil.AVERROR_INVALIDDATA());
            }
            int[] m = RgbConverter.displayMatrix(frame);
            Orientation o = m == null ? Orientation.NONE : Orientation.fromDisplayMatrix(m);
            return new Picture(frame.width(), frame.height(), rgb.toRgb(frame), o == null ? Orientation.NONE : o,
                    o == null ? m : null);
        } finally {
            avutil.av_frame_unref(frame);
            avcodec.av_packet_unref(packet);
            avcodec.avcodec_free_context(ctx);
        }
    }

    private AVCodecContext open(int codecId) {
        AVCodec codec = avcodec.avcodec_find_decoder(codecId);
        if (codec == null) {
            throw new IllegalStateException("this FFmpeg build has no decoder for codec " + codecId);
        }
        AVCodecContext ctx = avcodec.avcodec_alloc_context3(codec);
        ctx.thread_count(1);
        ctx.err_recognition(ctx.err_recognition() | avcodec.AV_EF_EXPLODE);
        ctx.max_pixels(maxPixels);
        int ret = avcodec.avcodec_open2(ctx, codec, (org.bytedeco.ffmpeg.avutil.AVDictionary) null);
        if (ret < 0) {
            avcodec.avcodec_free_context(ctx);
            throw new FfmpegInput.FfmpegException("cannot open the image decoder", ret);
        }
        return ctx;
    }

    @Override
    public void close() {
        avcodec.av_packet_free(packet);
        avutil.av_frame_free(frame);
        rgb.close();
    }
}
