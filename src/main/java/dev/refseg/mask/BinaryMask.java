package dev.refseg.mask;

import java.util.Arrays;

/**
 * A binary mask of {@code height x width} pixels, stored row-major as one byte per pixel (0 or 1).
 * Row-major because that is how frames and PNGs are laid out; COCO RLE's column-major order is
 * handled by {@link CocoRle} alone.
 */
public final class BinaryMask {
    private final int height;
    private final int width;
    private final byte[] data;

    public BinaryMask(int height, int width, byte[] data) {
        if (height < 0 || width < 0) {
            throw new IllegalArgumentException("mask size must be non-negative, got " + height + "x" + width);
        }
        if (data.length != (long) height * width) {
            throw new IllegalArgumentException(
                    "mask data holds " + data.length + " pixels, expected " + height + "*" + width);
        }
        this.height = height;
        this.width = width;
        this.data = data;
    }

    public static BinaryMask empty(int height, int width) {
        return new BinaryMask(height, width, new byte[height * width]);
    }

    public int height() {
        return height;
    }

    public int width() {
        return width;
    }

    /** The row-major pixels (0/1). Shared, not copied: callers must not modify it. */
    public byte[] data() {
        return data;
    }

    public boolean get(int y, int x) {
        return data[y * width + x] != 0;
    }

    public void set(int y, int x, boolean on) {
        data[y * width + x] = (byte) (on ? 1 : 0);
    }

    public long area() {
        long n = 0;
        for (byte b : data) {
            n += b;
        }
        return n;
    }

    public boolean isEmpty() {
        for (byte b : data) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BinaryMask m && m.height == height && m.width == width && Arrays.equals(m.data, data);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * height + width) + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "BinaryMask[" + height + "x" + width + ", area=" + area() + "]";
    }
}
