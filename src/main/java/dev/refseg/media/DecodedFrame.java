package dev.refseg.media;

/**
 * A decoded video frame: packed 8-bit RGB rows, top row first.
 *
 * @param index       0-based position in the stream
 * @param timestampUs presentation time in microseconds
 */
public record DecodedFrame(int index, long timestampUs, int width, int height, byte[] rgb) {

    public DecodedFrame {
        if (rgb.length != width * height * 3) {
            throw new IllegalArgumentException("RGB buffer holds " + rgb.length + " bytes for " + width + "x" + height);
        }
    }
}
