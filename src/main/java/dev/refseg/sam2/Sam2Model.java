package dev.refseg.sam2;

import dev.refseg.mask.BinaryMask;
import java.nio.FloatBuffer;

/**
 * One SAM 2.1 export family behind the operations {@link Sam2Tracker} needs. The tracker owns the video
 * loop and the memory-bank policy ({@link MemoryBank}); a family only runs its graphs and lays the
 * selected memories out the way its memory attention takes them. Families:
 * {@link NvidiaSam2} (NVIDIA deepstream_tools B3 export, models.md §1.2) and {@link TransformersSam2}
 * (transformers {@code Sam2VideoModel} exports on the Hugging Face hub, models.md §7.1).
 * Implementations are stateless apart from model constants computed once, and thread-safe.
 */
public interface Sam2Model {
    /**
     * One frame's encoder outputs; only the family that made them reads their contents. They may live in
     * the encoder's reused buffers: whoever holds them closes them once the frame is done.
     */
    interface Features extends AutoCloseable {
        int frameIdx();

        /** Gives back the buffers the features are read from. Idempotent. */
        @Override
        default void close() {
        }
    }

    /**
     * One decoder run, open until the frame's memory is made ({@link #memory}); then closed.
     *
     * @param objPtr      [256] object pointer
     * @param maskForMem  the mask the memory encoder takes, as the family's decoder gives it ([S*S] logits),
     *                    possibly in place in the decoder's buffers
     * @param lowResMask  [lowResSize*lowResSize] mask logits for the output mask
     * @param objectScore object score logit: the object is present iff it is &gt; 0
     * @param resources   what {@link #close()} gives back (graph outputs read in place); null for none
     */
    record Decoded(float[] objPtr, FloatBuffer maskForMem, float[] lowResMask, int lowResSize, float iou,
            float objectScore, Runnable resources) implements AutoCloseable {
        public boolean present() {
            return objectScore > 0;
        }

        @Override
        public void close() {
            if (resources != null) {
                resources.run();
            }
        }
    }

    /** Short family name for logs and the models command, e.g. "nvidia" or "transformers". */
    String family();

    /** The encoder's square input side S in pixels. */
    int imageSize();

    /**
     * Packed RGB (h x w) to the encoder's normalised [1,3,S,S] input, written straight into a direct
     * buffer the encoder reads in place: {@code reuse} when it holds 3·S² values, else a new one.
     */
    FloatBuffer preprocess(byte[] rgb, int w, int h, FloatBuffer reuse);

    /** Runs the image encoder on a preprocessed frame ([1,3,S,S]; read in place when direct). */
    Features encode(int frameIdx, FloatBuffer image);

    /** Decodes a box prompt, [x1, y1, x2, y2] in SxS pixels, on a conditioning frame. */
    Decoded decodeBox(Features f, float[] boxPoints);

    /**
     * Decodes a tracked frame: memory attention over the selected memories, then the decoder without a
     * prompt.
     *
     * @param t         the frame being tracked
     * @param numFrames frames in the video, or 0 when unknown (a live stream)
     */
    Decoded decodeTracked(Features f, MemoryBank.Selection sel, int t, int numFrames);

    /**
     * The memory a decoded frame leaves: its features as the memory attention later reads them.
     *
     * @param prompted true on a conditioning (prompted) frame, whose mask is stored binarised
     */
    float[] memory(Features f, Decoded out, boolean prompted);

    /** The memory of a frame prompted with a whole mask (stored binarised). */
    float[] maskMemory(Features f, BinaryMask mask, Decoded out);
}
