package dev.refseg.mask;

import dev.refseg.errors.Errors;
import dev.refseg.errors.Fields;
import dev.refseg.v1.Box;
import dev.refseg.v1.ObjectMask;
import dev.refseg.v1.RleMask;

/** Masks and boxes to and from their wire form (COCO RLE with size = [height, width]). */
public final class MaskProtos {
    private MaskProtos() {
    }

    public static RleMask rle(BinaryMask m) {
        return RleMask.newBuilder().addSize(m.height()).addSize(m.width()).setCounts(CocoRle.encode(m)).build();
    }

    /** The wire RLE of an already encoded mask (no pixel scan). */
    public static RleMask rle(EncodedMask m) {
        return RleMask.newBuilder().addSize(m.height()).addSize(m.width()).setCounts(m.countsString()).build();
    }

    /**
     * The mask of a COCO RLE. Sizes are read as unsigned and their product must fit a Java array; callers
     * that take masks from clients bound the sizes first ({@link Regions}).
     *
     * @throws io.grpc.StatusRuntimeException INVALID_ARGUMENT naming {@code field.size} or {@code field.counts}
     */
    public static BinaryMask fromRle(RleMask r, String field) {
        if (r.getSizeCount() != 2) {
            throw Errors.invalid(field + ".size", "must be [height, width], got " + Fields.unsigned(r.getSizeList()));
        }
        long h = Fields.unsigned(r.getSize(0));
        long w = Fields.unsigned(r.getSize(1));
        if (h * w > Integer.MAX_VALUE - 8) {
            throw Errors.invalid(field + ".size", "[" + h + ", " + w + "] is more pixels than one mask can hold");
        }
        try {
            return CocoRle.decode(r.getCounts(), (int) h, (int) w);
        } catch (IllegalArgumentException e) {
            throw Errors.invalid(field + ".counts", e.getMessage());
        }
    }

    public static Box box(PixelBox b) {
        return Box.newBuilder().setX1(b.x1()).setY1(b.y1()).setX2(b.x2()).setY2(b.y2()).build();
    }

    public static PixelBox fromBox(Box b) {
        return new PixelBox(b.getX1(), b.getY1(), b.getX2(), b.getY2());
    }

    /** One object's mask message; the box is left out for an empty mask. */
    public static ObjectMask objectMask(int objectId, BinaryMask m, float score, boolean present, boolean png) {
        return objectMask(objectId, EncodedMask.of(m), score, present, png);
    }

    /**
     * One object's mask message from its precomputed RLE and box; the box is left out for an empty mask.
     * Only PNG output rebuilds the pixels.
     */
    public static ObjectMask objectMask(int objectId, EncodedMask m, float score, boolean present, boolean png) {
        ObjectMask.Builder b = ObjectMask.newBuilder().setObjectId(objectId).setRle(rle(m)).setScore(score)
                .setPresent(present);
        if (m.box() != null) {
            b.setBox(box(m.box()));
        }
        if (png) {
            b.setPng(com.google.protobuf.ByteString.copyFrom(MaskPng.encode(m.toBinaryMask())));
        }
        return b.build();
    }
}
