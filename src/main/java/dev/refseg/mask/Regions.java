package dev.refseg.mask;

import dev.refseg.errors.Errors;
import dev.refseg.errors.Fields;
import dev.refseg.v1.Box;
import dev.refseg.v1.RleMask;

/**
 * Checks of the ids, boxes and masks a request gives for an object (prompts, candidate boxes), so that the
 * server never tracks or draws an object the client could not have meant: corners must be finite, a
 * box must have an area, lie within the frame and a mask must have the frame's size and at least one
 * pixel. A box that reaches outside the frame is refused rather than clamped, since a Propagate call has
 * no summary in which a clamp could be reported. Messages name the field by its full path and the frame
 * size. All checks throw INVALID_ARGUMENT, or RESOURCE_EXHAUSTED for a mask above the size limits.
 */
public final class Regions {
    /** Object ids a prompt may carry (masks echo them; a 16-bit label PNG can hold them all). */
    public static final int MAX_OBJECT_ID = 65_535;

    private Regions() {
    }

    /** An object id: 1 to {@link #MAX_OBJECT_ID}. */
    public static int objectId(String field, int raw) {
        return Fields.uint(field, raw, 1, MAX_OBJECT_ID);
    }

    /** A box whose corners are finite with x1 < x2 and y1 < y2 (in pixels, any position). */
    public static PixelBox box(String field, Box b) {
        PixelBox p = new PixelBox(Fields.finite(field + ".x1", b.getX1()), Fields.finite(field + ".y1", b.getY1()),
                Fields.finite(field + ".x2", b.getX2()), Fields.finite(field + ".y2", b.getY2()));
        if (!(p.x1() < p.x2() && p.y1() < p.y2())) {
            throw Errors.invalid(field, "has no area: needs x1 < x2 and y1 < y2, got " + p.corners());
        }
        return p;
    }

    /**
     * {@link #box} and within the {@code width} x {@code height} frame: corners in [0, width] x
     * [0, height]. A box wholly outside is named as such (no object can be there).
     */
    public static PixelBox boxInFrame(String field, Box b, int width, int height) {
        PixelBox p = box(field, b);
        String frame = "the " + width + "x" + height + " frame";
        if (p.x2() <= 0 || p.y2() <= 0 || p.x1() >= width || p.y1() >= height) {
            throw Errors.invalid(field, p.corners() + " lies wholly outside " + frame
                    + "; corners must lie within x in [0, " + width + "], y in [0, " + height + "]");
        }
        if (p.x1() < 0 || p.y1() < 0 || p.x2() > width || p.y2() > height) {
            throw Errors.invalid(field, p.corners() + " reaches outside " + frame
                    + "; corners must lie within x in [0, " + width + "], y in [0, " + height
                    + "] (clip the box to the frame)");
        }
        return p;
    }

    /**
     * A mask's size, [height, width], each within the configured frame limits (so decoding cannot
     * allocate more than a frame).
     *
     * @return {height, width}
     */
    public static int[] maskSize(String field, RleMask r, int maxHeight, String heightKey, int maxWidth,
            String widthKey) {
        if (r.getSizeCount() != 2) {
            throw Errors.invalid(field + ".size", "must be [height, width], got " + Fields.unsigned(r.getSizeList()));
        }
        int h = Fields.uintLimit(field + ".size[0]", "mask height", r.getSize(0), heightKey, maxHeight);
        int w = Fields.uintLimit(field + ".size[1]", "mask width", r.getSize(1), widthKey, maxWidth);
        if (h == 0 || w == 0) {
            throw Errors.invalid(field + ".size", "must be at least 1 x 1, got [" + h + ", " + w + "]");
        }
        return new int[] {h, w};
    }

    /**
     * A mask prompt for a {@code width} x {@code height} frame: exactly the frame's size, decodable, and
     * with at least one pixel set.
     */
    public static BinaryMask maskOfFrame(String field, RleMask r, int width, int height) {
        if (r.getSizeCount() != 2 || Fields.unsigned(r.getSize(0)) != height || Fields.unsigned(r.getSize(1)) != width) {
            throw Errors.invalid(field + ".size", "is " + Fields.unsigned(r.getSizeList())
                    + " but the frames are [" + height + ", " + width + "] ([height, width])");
        }
        BinaryMask m = MaskProtos.fromRle(r, field);
        if (m.area() == 0) {
            throw Errors.invalid(field, "is empty (no pixel set in the " + width + "x" + height
                    + " mask); give the object's pixels, or a box");
        }
        return m;
    }
}
