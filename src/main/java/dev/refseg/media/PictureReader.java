package dev.refseg.media;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacpp.BytePointer;

/**
 * Reads one stored video picture (packed planes, see {@link VideoPicture#packInto}) from the frame
 * store's file straight into native memory and converts it to RGB with swscale, as the decoded frame
 * would have been converted. Keeps its buffer and converter between frames; used by one thread at a
 * time (lent by a {@link NativePool}).
 */
final class PictureReader implements AutoCloseable {
    private final RgbConverter rgb = new RgbConverter();
    private final AVFrame planes = avutil.av_frame_alloc();
    private BytePointer buffer = new BytePointer(0L);

    /**
     * @return packed RGB24 of the stored picture, {@code format.width() * format.height() * 3} bytes, in the
     *         stored orientation
     */
    byte[] read(FileChannel file, long offset, int length, PictureFormat format) throws IOException {
        if (buffer.capacity() < length) {
            buffer.close();
            buffer = new BytePointer(length);
        }
        ByteBuffer b = buffer.position(0).limit(length).asByteBuffer();
        while (b.hasRemaining()) {
            if (file.read(b, offset + b.position()) < 0) {
                throw new IOException("frame store ends early");
            }
        }
        format.describe(planes, buffer);
        try {
            return rgb.toRgb(planes);
        } finally {
            // The planes point into our buffer, which the frame does not own: forget them.
            avutil.av_frame_unref(planes);
        }
    }

    @Override
    public void close() {
        avutil.av_frame_free(planes);
        rgb.close();
        buffer.close();
    }
}
