package dev.refseg.media;

import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.ffmpeg.avutil.AVFrameSideData;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.ffmpeg.global.swscale;
import org.bytedeco.ffmpeg.swscale.SwsContext;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.IntPointer;

/**
 * Converts decoded FFmpeg frames of any pixel format to packed RGB24 with libswscale, the way the
 * {@code ffmpeg} command does: the frame's own colour matrix and range are honoured (swscale's
 * frame API reads them from the frame) and bicubic filtering is used for chroma, which is FFmpeg's
 * default. One converter per decoder thread; not thread-safe.
 */
final class RgbConverter implements AutoCloseable {
    /** libavutil/frame.h (a macro the JavaCPP presets do not map). */
    private static final int AV_FRAME_FLAG_INTERLACED = 1 << 3;
    private final SwsContext sws;
    private final AVFrame rgb;

    RgbConverter() {
        Ffmpeg.init();
        sws = swscale.sws_alloc_context();
        sws.flags(swscale.SWS_BICUBIC);
        sws.threads(1);
        rgb = avutil.av_frame_alloc();
    }

    /** The frame's pixels as packed RGB24, rows top first, in the stored orientation. */
    byte[] toRgb(AVFrame frame) {
        int w = frame.width();
        int h = frame.height();
        if (rgb.buf(0) == null || rgb.width() != w || rgb.height() != h) {
            // Kept between frames of one size; rows unpadded (align 1) so they come out in one copy.
            avutil.av_frame_unref(rgb);
            rgb.format(avutil.AV_PIX_FMT_RGB24);
            rgb.width(w);
            rgb.height(h);
            int ret = avutil.av_frame_get_buffer(rgb, 1);
            if (ret < 0) {
                throw new FfmpegInput.FfmpegException("cannot allocate " + w + "x" + h + " RGB pixels", ret);
            }
        }
        // Converted as one picture, as the ffmpeg command's scaler does by default: an Adam7 PNG is whole
        // once decoded, yet flagged interlaced, and swscale then refuses a progressive destination.
        frame.flags(frame.flags() & ~AV_FRAME_FLAG_INTERLACED);
        int ret = swscale.sws_scale_frame(sws, rgb, frame);
        if (ret < 0) {
            throw new FfmpegInput.FfmpegException("cannot convert " + w + "x" + h + " pixels of format "
                    + avutil.av_get_pix_fmt_name(frame.format()).getString() + " to RGB", ret);
        }
        byte[] out = new byte[w * h * 3];
        BytePointer data = rgb.data(0);
        int stride = rgb.linesize(0);
        if (stride == w * 3) {
            data.get(out, 0, out.length);
        } else {
            for (int y = 0; y < h; y++) {
                data.position((long) y * stride).get(out, y * w * 3, w * 3);
            }
            data.position(0);
        }
        return out;
    }

    /** The display matrix a frame carries (EXIF orientation of JPEG/PNG, H.264/HEVC SEI), or null. */
    static int[] displayMatrix(AVFrame frame) {
        AVFrameSideData sd = avutil.av_frame_get_side_data(frame, avutil.AV_FRAME_DATA_DISPLAYMATRIX);
        if (sd == null || sd.isNull() || sd.size() < 36) {
            return null;
        }
        int[] m = new int[9];
        new IntPointer(sd.data()).get(m);
        return m;
    }

    @Override
    public void close() {
        avutil.av_frame_free(rgb);
        swscale.sws_free_context(sws);
    }
}
