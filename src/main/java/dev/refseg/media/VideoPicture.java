package dev.refseg.media;

import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacpp.BytePointer;

/**
 * One decoded container frame on its way to the {@link FrameStore}: a new reference to the decoder's
 * picture, so handing it on copies no pixel, with its place in the stream and the turn that shows it as
 * displayed. Whoever receives it owns it and closes it; closing releases the decoder's buffers.
 */
public final class VideoPicture implements AutoCloseable {
    private final int index;
    private final long timestampUs;
    private final Orientation turn;
    private final PictureFormat format;
    private AVFrame frame;

    /** @param decoded the decoder's frame; it is referenced, not moved, so the caller keeps its own */
    VideoPicture(AVFrame decoded, int index, long timestampUs, Orientation turn) {
        this.index = index;
        this.timestampUs = timestampUs;
        this.turn = turn;
        this.format = PictureFormat.of(decoded);
        this.frame = avutil.av_frame_clone(decoded);
        if (frame == null) {
            throw new OutOfMemoryError("FFmpeg could not reference a decoded frame");
        }
    }

    /** 0-based position in the stream. */
    public int index() {
        return index;
    }

    public long timestampUs() {
        return timestampUs;
    }

    /** Displayed width (after the turn). */
    public int width() {
        return turn.displayedWidth(format.width(), format.height());
    }

    /** Displayed height (after the turn). */
    public int height() {
        return turn.displayedHeight(format.width(), format.height());
    }

    Orientation turn() {
        return turn;
    }

    PictureFormat format() {
        return format;
    }

    /** Copies the planes, packed without padding, to {@code dst} ({@link PictureFormat#bytes()} bytes). */
    void packInto(BytePointer dst) {
        int ret = avutil.av_image_copy_to_buffer(dst, format.bytes(), frame.data(), frame.linesize(),
                format.pixelFormat(), format.width(), format.height(), 1);
        if (ret < 0) {
            throw new FfmpegInput.FfmpegException("cannot copy a " + format.name() + " picture", ret);
        }
    }

    /** The pixels as packed RGB24 in the displayed orientation (for callers that want them at once). */
    DecodedFrame toRgb(RgbConverter rgb) {
        return new DecodedFrame(index, timestampUs, width(), height(),
                turn.apply(rgb.toRgb(frame), format.width(), format.height()));
    }

    @Override
    public synchronized void close() {
        if (frame != null) {
            avutil.av_frame_free(frame);
            frame = null;
        }
    }
}
