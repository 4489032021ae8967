package dev.refseg.sam2;

import dev.refseg.mask.BinaryMask;

/**
 * One object's result on one frame.
 *
 * @param score   the decoder's predicted IoU when present, else 0
 * @param present false when the object score says absent; the mask is then empty
 */
public record TrackedMask(int objId, BinaryMask mask, float score, boolean present) {
}
