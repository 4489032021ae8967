package dev.refseg.media;

import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacpp.BytePointer;

/**
 * How a decoded video picture is laid out and coloured: enough to store its planes packed (no row
 * padding) and later convert them to RGB exactly as the decoded frame would have been converted
 * (swscale reads the colour matrix and range from the frame).
 *
 * @param pixelFormat    FFmpeg's {@code AVPixelFormat}, e.g. yuv420p
 * @param width          stored width in pixels (before the stream's orientation is applied)
 * @param height         stored height in pixels
 * @param colorspace     {@code AVColorSpace} (YUV matrix)
 * @param colorRange     {@code AVColorRange} (limited or full)
 * @param primaries      {@code AVColorPrimaries}
 * @param transfer       {@code AVColorTransferCharacteristic}
 * @param chromaLocation {@code AVChromaLocation}
 */
record PictureFormat(int pixelFormat, int width, int height, int colorspace, int colorRange, int primaries,
        int transfer, int chromaLocation) {

    static PictureFormat of(AVFrame f) {
        return new PictureFormat(f.format(), f.width(), f.height(), f.colorspace(), f.color_range(),
                f.color_primaries(), f.color_trc(), f.chroma_location());
    }

    /** Bytes of the planes packed without padding; negative (an FFmpeg error) for formats with no planes in memory. */
    int bytes() {
        return avutil.av_image_get_buffer_size(pixelFormat, width, height, 1);
    }

    /** Points {@code f} at packed planes in {@code data} and gives it this format, for conversion. */
    void describe(AVFrame f, BytePointer data) {
        f.format(pixelFormat);
        f.width(width);
        f.height(height);
        f.colorspace(colorspace);
        f.color_range(colorRange);
        f.color_primaries(primaries);
        f.color_trc(transfer);
        f.chroma_location(chromaLocation);
        int ret = avutil.av_image_fill_arrays(f.data(), f.linesize(), data, pixelFormat, width, height, 1);
        if (ret < 0) {
            throw new FfmpegInput.FfmpegException("cannot lay out a stored " + name() + " picture", ret);
        }
    }

    String name() {
        BytePointer n = avutil.av_get_pix_fmt_name(pixelFormat);
        return n == null ? "pixel format " + pixelFormat : n.getString();
    }
}
