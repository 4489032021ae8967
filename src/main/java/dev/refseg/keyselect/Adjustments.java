package dev.refseg.keyselect;

import dev.refseg.mask.PixelBox;
import dev.refseg.v1.Adjustment;
import dev.refseg.v1.AdjustmentKind;
import dev.refseg.v1.Stage;

/**
 * The {@link Adjustment}s selection reports when it shortens, skips or clamps something instead of
 * refusing it, each with the counts and the setting that caused it.
 */
public final class Adjustments {
    private Adjustments() {
    }

    /** {@code before} items became {@code after}: the rest beyond {@code limit} were dropped. */
    public static Adjustment truncated(Stage stage, String subject, String detail, int before, int after, String limit) {
        return of(AdjustmentKind.ADJUSTMENT_KIND_TRUNCATED, stage, subject, detail, before, after, limit);
    }

    /** {@code before} items were not used at all ({@code after} of them were). */
    public static Adjustment skipped(Stage stage, String subject, String detail, int before, int after, String limit) {
        return of(AdjustmentKind.ADJUSTMENT_KIND_SKIPPED, stage, subject, detail, before, after, limit);
    }

    /** A box moved into the {@code width} x {@code height} frame, from {@code from} to {@code to}. */
    public static Adjustment clamped(Stage stage, String subject, PixelBox from, PixelBox to, int width, int height) {
        return of(AdjustmentKind.ADJUSTMENT_KIND_CLAMPED, stage, subject, "the box " + from.corners()
                + " reaches outside the frame; clamped to " + to.corners(), 0, 0, "frame " + width + "x" + height);
    }

    private static Adjustment of(AdjustmentKind kind, Stage stage, String subject, String detail, int before, int after,
            String limit) {
        return Adjustment.newBuilder().setKind(kind).setStage(stage).setSubject(subject).setDetail(detail)
                .setBefore(before).setAfter(after).setLimit(limit).build();
    }
}
