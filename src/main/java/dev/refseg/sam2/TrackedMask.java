package dev.refseg.sam2;

import dev.refseg.mask.BinaryMask;
import dev.refseg.mask.EncodedMask;

/**
 * One object's result on one frame, held encoded (RLE, box, area): a tracked frame's mask is encoded
 * straight from the decoder's logits and never exists as a full-size image unless {@link #mask()} is asked.
 *
 * @param score   the decoder's predicted IoU when present, else 0
 * @param present false when the object score says absent; the mask is then empty
 */
public record TrackedMask(int objId, EncodedMask encoded, float score, boolean present) {

    /** The pixels (frame height x width); rebuilt from the RLE on each call unless given as pixels. */
    public BinaryMask mask() {
        return encoded.toBinaryMask();
    }
}
