package dev.refseg.mask;

/**
 * A box in pixels: {@code (x1, y1)} the top-left corner, {@code (x2, y2)} the bottom-right corner, as
 * edges, so a mask covering columns 3..5 spans x1 = 3, x2 = 6.
 */
public record PixelBox(float x1, float y1, float x2, float y2) {

    public float width() {
        return Math.max(0f, x2 - x1);
    }

    public float height() {
        return Math.max(0f, y2 - y1);
    }

    public float area() {
        return width() * height();
    }

    /** "(x1, y1, x2, y2)", for messages. */
    public String corners() {
        return "(" + x1 + ", " + y1 + ", " + x2 + ", " + y2 + ")";
    }

    /** The tightest box around the mask's pixels, or null when the mask is empty. */
    public static PixelBox of(BinaryMask mask) {
        int h = mask.height();
        int w = mask.width();
        byte[] d = mask.data();
        int minX = w;
        int minY = h;
        int maxX = -1;
        int maxY = -1;
        for (int y = 0; y < h; y++) {
            int row = y * w;
            for (int x = 0; x < w; x++) {
                if (d[row + x] != 0) {
                    if (x < minX) {
                        minX = x;
                    }
                    if (x > maxX) {
                        maxX = x;
                    }
                    if (y < minY) {
                        minY = y;
                    }
                    maxY = y;
                }
            }
        }
        return maxX < 0 ? null : new PixelBox(minX, minY, maxX + 1, maxY + 1);
    }

    /**
     * The pixels whose centres lie inside this box, clipped to the frame. Inverse of {@link #of} for
     * integer boxes.
     */
    public BinaryMask toMask(int height, int width) {
        BinaryMask m = BinaryMask.empty(height, width);
        int xs = Math.max(0, (int) Math.ceil(x1 - 0.5f));
        int xe = Math.min(width, (int) Math.ceil(x2 - 0.5f));
        int ys = Math.max(0, (int) Math.ceil(y1 - 0.5f));
        int ye = Math.min(height, (int) Math.ceil(y2 - 0.5f));
        for (int y = ys; y < ye; y++) {
            for (int x = xs; x < xe; x++) {
                m.set(y, x, true);
            }
        }
        return m;
    }

    /** Intersection over union of two boxes. */
    public float iou(PixelBox o) {
        float iw = Math.min(x2, o.x2) - Math.max(x1, o.x1);
        float ih = Math.min(y2, o.y2) - Math.max(y1, o.y1);
        if (iw <= 0 || ih <= 0) {
            return 0f;
        }
        float inter = iw * ih;
        return inter / (area() + o.area() - inter);
    }
}
