package dev.refseg.detect;

import dev.refseg.mask.PixelBox;

/**
 * One detector proposal.
 *
 * @param box       pixels of the original frame, xyxy, clamped to the frame
 * @param score     max token probability of the query, in [0, 1]
 * @param phrase    the caption words the query matched (tokens above the text threshold)
 * @param predicted the box as the model predicted it, before clamping (equal to {@code box} when inside)
 */
public record Detection(PixelBox box, float score, String phrase, PixelBox predicted) {
    /** Whether the model's box reached outside the frame and was clamped. */
    public boolean clamped() {
        return !box.equals(predicted);
    }
}
