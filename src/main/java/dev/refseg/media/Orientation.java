package dev.refseg.media;

/**
 * How stored pixels are turned to be shown as players show them: an optional left-right mirror, then a
 * clockwise rotation by a multiple of 90°. These eight transforms are every orientation a container
 * display matrix (ISO/IEC 14496-12 §8.3.2 {@code tkhd} matrix, FFmpeg's {@code AV_PKT_DATA_DISPLAYMATRIX})
 * or an EXIF {@code Orientation} tag (values 1–8, which FFmpeg's image decoders export as a display
 * matrix) can declare with right angles; other angles are refused by the decoders.
 *
 * @param rotationDegrees clockwise rotation applied after the mirror: 0, 90, 180 or 270
 * @param mirrored        whether the stored image is mirrored left-right first
 */
public record Orientation(int rotationDegrees, boolean mirrored) {
    public static final Orientation NONE = new Orientation(0, false);

    public Orientation {
        if (rotationDegrees % 90 != 0 || rotationDegrees < 0 || rotationDegrees >= 360) {
            throw new IllegalArgumentException("rotation must be 0, 90, 180 or 270 degrees, got " + rotationDegrees);
        }
    }

    public boolean isIdentity() {
        return rotationDegrees == 0 && !mirrored;
    }

    /** Whether width and height trade places. */
    public boolean swapsSides() {
        return rotationDegrees == 90 || rotationDegrees == 270;
    }

    /** Displayed width of a picture stored {@code width}×{@code height}. */
    public int displayedWidth(int width, int height) {
        return swapsSides() ? height : width;
    }

    /** Displayed height of a picture stored {@code width}×{@code height}. */
    public int displayedHeight(int width, int height) {
        return swapsSides() ? width : height;
    }

    /**
     * From a 3×3 display matrix in FFmpeg's layout {@code [a b u; c d v; x y w]} (16.16 fixed point for
     * a–d), which maps a stored pixel (p, q) to the displayed (a·p + c·q + x, b·p + d·q + y).
     *
     * @return the orientation, or null when the matrix is not a right-angle turn with an optional mirror
     */
    public static Orientation fromDisplayMatrix(int[] m) {
        int a = unit(m[0]);
        int b = unit(m[1]);
        int c = unit(m[3]);
        int d = unit(m[4]);
        if (a == 2 || b == 2 || c == 2 || d == 2 || Math.abs(a) + Math.abs(b) != 1 || Math.abs(c) + Math.abs(d) != 1
                || Math.abs(a) + Math.abs(c) != 1) {
            return null;
        }
        for (int rot = 0; rot < 360; rot += 90) {
            for (boolean mirror : new boolean[] {false, true}) {
                int[] t = new Orientation(rot, mirror).matrix();
                if (t[0] == a && t[1] == b && t[2] == c && t[3] == d) {
                    return new Orientation(rot, mirror);
                }
            }
        }
        return null;
    }

    /** From an EXIF Orientation value (1–8); anything else is no turn. */
    public static Orientation fromExif(int value) {
        return switch (value) {
            case 2 -> new Orientation(0, true);
            case 3 -> new Orientation(180, false);
            case 4 -> new Orientation(180, true);
            case 5 -> new Orientation(270, true);
            case 6 -> new Orientation(90, false);
            case 7 -> new Orientation(90, true);
            case 8 -> new Orientation(270, false);
            default -> NONE;
        };
    }

    /** -1, 0 or 1 for a 16.16 value near -1, 0 or 1; 2 for anything else (a scale, shear or odd angle). */
    private static int unit(int fixed) {
        double v = fixed / 65536.0;
        for (int u = -1; u <= 1; u++) {
            if (Math.abs(v - u) < 1e-3) {
                return u;
            }
        }
        return 2;
    }

    /** The 2×2 part {a, b, c, d} of this transform in display-matrix convention. */
    private int[] matrix() {
        // Mirror: (p, q) -> (-p, q). Clockwise 90° in image coordinates (y down): (p, q) -> (-q, p).
        int a = mirrored ? -1 : 1;
        int b = 0;
        int c = 0;
        int d = 1;
        for (int r = 0; r < rotationDegrees; r += 90) {
            // p' = -q, q' = p applied to (a·p + c·q, b·p + d·q)
            int na = -b;
            int nb = a;
            int nc = -d;
            int nd = c;
            a = na;
            b = nb;
            c = nc;
            d = nd;
        }
        return new int[] {a, b, c, d};
    }

    /**
     * The displayed picture of packed RGB24 {@code src} ({@code width}×{@code height}, rows top first):
     * a new array, {@code height}×{@code width} when {@link #swapsSides()}; {@code src} itself when identity.
     */
    public byte[] apply(byte[] src, int width, int height) {
        if (isIdentity()) {
            return src;
        }
        int[] t = matrix();
        int outW = displayedWidth(width, height);
        // Where stored pixel (0,0) lands, and how a step right / down in the stored image moves in the output.
        int x0 = (t[0] < 0 ? width - 1 : 0) + (t[2] < 0 ? height - 1 : 0);
        int y0 = (t[1] < 0 ? width - 1 : 0) + (t[3] < 0 ? height - 1 : 0);
        int stepX = 3 * (t[0] + t[1] * outW);
        int stepY = 3 * (t[2] + t[3] * outW);
        byte[] out = new byte[src.length];
        int rowStart = 3 * (x0 + y0 * outW);
        int s = 0;
        for (int q = 0; q < height; q++) {
            int o = rowStart;
            for (int p = 0; p < width; p++) {
                out[o] = src[s];
                out[o + 1] = src[s + 1];
                out[o + 2] = src[s + 2];
                s += 3;
                o += stepX;
            }
            rowStart += stepY;
        }
        return out;
    }

    /** In words, for events and logs: "none", "rotated 90° clockwise", "mirrored, rotated 270° clockwise". */
    public String describe() {
        if (isIdentity()) {
            return "none";
        }
        String rot = rotationDegrees == 0 ? "" : "rotated " + rotationDegrees + "° clockwise";
        return mirrored ? (rot.isEmpty() ? "mirrored left-right" : "mirrored left-right, " + rot) : rot;
    }
}
