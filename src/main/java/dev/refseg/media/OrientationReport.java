package dev.refseg.media;

/**
 * The orientation a stream declared and what was done with it, for Progress and Summary.
 *
 * @param declared     the turn the container or image declares (NONE when it declares nothing usable)
 * @param applied      whether frames were turned to it (false when nothing is declared, when the client
 *                     asked to keep the stored orientation, or when the declaration is not a right angle)
 * @param source       where it was declared, e.g. "container display matrix", "EXIF orientation"; empty
 *                     when nothing was declared
 * @param storedWidth  width of the stored pixels, before turning
 * @param storedHeight height of the stored pixels
 * @param note         what could not be applied and why, or empty
 */
public record OrientationReport(Orientation declared, boolean applied, String source, int storedWidth,
        int storedHeight, String note) {

    /**
     * What to do with a declaration.
     *
     * @param matrix     the raw display matrix when one was found but is not a right-angle turn, else null
     */
    static OrientationReport decide(Orientation declared, int[] matrix, String source, boolean keepStored, int storedWidth,
            int storedHeight) {
        if (matrix != null) {
            double angle = org.bytedeco.ffmpeg.global.avutil.av_display_rotation_get(matrix);
            return new OrientationReport(Orientation.NONE, false, source, storedWidth, storedHeight,
                    String.format(java.util.Locale.ROOT, "the %s turns the picture by %.1f° or scales it, which is "
                            + "not a right-angle turn; the stored orientation is kept", source, -angle));
        }
        if (declared.isIdentity()) {
            return new OrientationReport(Orientation.NONE, false, "", storedWidth, storedHeight, "");
        }
        return new OrientationReport(declared, !keepStored, source, storedWidth, storedHeight,
                keepStored ? "kept as stored (keep_stored_orientation)" : "");
    }

    /** The turn to apply to the stored pixels. */
    Orientation toApply() {
        return applied ? declared : Orientation.NONE;
    }

    /** The contract's message. */
    public dev.refseg.v1.Orientation toProto() {
        return dev.refseg.v1.Orientation.newBuilder().setRotationDegrees(declared.rotationDegrees())
                .setMirrored(declared.mirrored()).setApplied(applied).setSource(source).setStoredWidth(storedWidth)
                .setStoredHeight(storedHeight).setNote(note).build();
    }
}
