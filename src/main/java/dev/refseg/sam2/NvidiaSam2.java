package dev.refseg.sam2;

import dev.refseg.runtime.BufferPool;
import dev.refseg.runtime.GraphRunner;
import dev.refseg.runtime.GraphRunner.Held;
import dev.refseg.runtime.GraphRunner.Input;
import dev.refseg.runtime.GraphTimer;
import dev.refseg.runtime.ImageTensors;
import dev.refseg.runtime.ModelRegistry;
import dev.refseg.mask.BinaryMask;
import java.nio.FloatBuffer;
import java.util.Map;

/**
 * SAM 2.1 as NVIDIA deepstream_tools' four-graph video export (models.md §1.2 B3; batch of one object):
 * 1024 px input, 64x64 features, the memory attention taking conditioning and recent memories and the
 * object pointers as separate inputs of any count and computing the pointer positions itself from
 * {@code cond_frame_id_diff}. The host binarises prompted masks and substitutes the absent-object mask.
 * The raw graph runs ({@link #encodeGraph}, {@link #decode}, {@link #attend}, {@link #encodeMemory}) are
 * public and overridable so tests can inject wiring faults.
 * <p>
 * Tensors are not copied between graphs: the encoder's outputs stay in its runner's buffers for as long
 * as the frame's {@link FrameFeatures} are open, the attention output goes to the decoder and the
 * decoder's mask to the memory encoder in place, and the bank is assembled in pooled direct buffers.
 * What outlives a frame is copied once: the memory features and the object pointer.
 */
public class NvidiaSam2 implements Sam2Model {
    /**
     * Encoder outputs for one frame, read in place from the encoder's buffers until {@link #close()}.
     * Shapes: pixFeat/visionFeats [1,256,64,64], hr0 [1,32,256,256], hr1 [1,64,128,128], pos [4096,1,256].
     */
    public record FrameFeatures(int frameIdx, FloatBuffer pixFeat, FloatBuffer hr0, FloatBuffer hr1,
            FloatBuffer visionFeats, FloatBuffer visionPosEmbed, Held outputs) implements Features {
        @Override
        public void close() {
            outputs.close();
        }
    }

    /**
     * Decoder outputs: objPtr [256], maskForMem [1024*1024] (in place until {@code outputs} is closed),
     * predMask [256*256] logits, iou, occLogit.
     */
    public record DecoderOutput(float[] objPtr, FloatBuffer maskForMem, float[] predMask, float iou, float occLogit,
            Held outputs) {
    }

    /** SAM 2's label for a padding point: no prompt on tracking frames. */
    private static final float[] NO_POINT = {0, 0};
    private static final float[] NO_LABEL = {-1};
    private static final int TOKENS = 64 * 64;
    /** The memory encoder's mask input side. */
    private static final int MASK_SIDE = 1024;

    private final GraphRunner encoder;
    private final GraphRunner decoder;
    private final GraphRunner attention;
    private final GraphRunner memoryEncoder;
    /** maskmem_pos_enc + temporal_code[k], [4096*64] for each k: model constants, computed on first use. */
    private volatile float[][] memoryPosByIndex;
    /** Bank inputs and host-made masks, assembled each frame into reused direct buffers. */
    private final BufferPool scratch = new BufferPool(4);

    public NvidiaSam2(GraphRunner encoder, GraphRunner decoder, GraphRunner attention, GraphRunner memoryEncoder) {
        this.encoder = encoder;
        this.decoder = decoder;
        this.attention = attention;
        this.memoryEncoder = memoryEncoder;
    }

    /** The four graphs of a model registry (keys sam2.image_encoder, .mask_decoder, .memory_attention, .memory_encoder). */
    public static NvidiaSam2 of(ModelRegistry models, GraphTimer timer) {
        return new NvidiaSam2(models.runner("sam2.image_encoder", timer), models.runner("sam2.mask_decoder", timer),
                models.runner("sam2.memory_attention", timer), models.runner("sam2.memory_encoder", timer));
    }

    /** For wrappers (tests inject wiring faults by overriding the run methods). */
    protected NvidiaSam2(NvidiaSam2 other) {
        this(other.encoder, other.decoder, other.attention, other.memoryEncoder);
    }

    @Override
    public String family() {
        return "nvidia";
    }

    @Override
    public int imageSize() {
        return Sam2Image.SIZE;
    }

    @Override
    public FloatBuffer preprocess(byte[] rgb, int w, int h, FloatBuffer reuse) {
        long t0 = System.nanoTime();
        FloatBuffer image = Sam2Image.preprocess(rgb, w, h, Sam2Image.SIZE, ImageTensors.IMAGENET_MEAN,
                ImageTensors.IMAGENET_STD, reuse);
        encoder.step(GraphTimer.SAM2_PREPROCESS, System.nanoTime() - t0);
        return image;
    }

    @Override
    public Features encode(int frameIdx, FloatBuffer image) {
        return encodeGraph(frameIdx, image);
    }

    @Override
    public Decoded decodeBox(Features f, float[] boxPoints) {
        FrameFeatures ff = (FrameFeatures) f;
        return decoded(decode(boxPoints, new float[] {2, 3}, ff.visionFeats(), ff), null);
    }

    @Override
    public Decoded decodeTracked(Features f, MemoryBank.Selection sel, int t, int numFrames) {
        FrameFeatures ff = (FrameFeatures) f;
        long t0 = System.nanoTime();
        float[] pointers = pointers(sel);
        FloatBuffer memories = memories(sel);
        FloatBuffer positions = memoryPositions(sel);
        attention.step(GraphTimer.BANK_ASSEMBLY, System.nanoTime() - t0);
        Held embed;
        try {
            embed = attend(ff, pointers, sel.pointers().size(), memories, sel.memories().size(), positions,
                    sel.condFrameIdDiff());
        } finally {
            scratch.give(memories);
            scratch.give(positions);
        }
        try {
            return decoded(decode(NO_POINT, NO_LABEL, embed.get("image_embed"), ff), embed);
        } catch (RuntimeException e) {
            embed.close();
            throw e;
        }
    }

    @Override
    public float[] memory(Features f, Decoded out, boolean prompted) {
        if (!prompted && out.present()) {
            return remember(f, out.maskForMem(), out.objectScore());
        }
        // Prompted frames store a binarised mask (binarize_mask_from_pts_for_mem_enc); an absent object
        // gets the no-object memory input, sigmoid(NO_OBJ_SCORE) * 20 - 10 = -10, everywhere.
        FloatBuffer forMem = scratch.take(MASK_SIDE * MASK_SIDE);
        try {
            FloatBuffer logits = out.maskForMem();
            for (int i = 0; i < forMem.limit(); i++) {
                forMem.put(i, prompted && out.present() && logits.get(i) > 0 ? 10f : -10f);
            }
            return remember(f, forMem, out.objectScore());
        } finally {
            scratch.give(forMem);
        }
    }

    @Override
    public float[] maskMemory(Features f, BinaryMask mask, Decoded out) {
        // A given mask is a present object: SAM 2 scores a mask input as +10 when it has any pixel.
        return remember(f, FloatBuffer.wrap(Sam2Image.maskForMemory(mask)), 10f);
    }

    /** The raw backbone feature goes to the memory encoder, never the memory-conditioned one. */
    private float[] remember(Features f, FloatBuffer forMem, float objectScore) {
        try (Held m = encodeMemory(forMem, ((FrameFeatures) f).pixFeat(), objectScore)) {
            if (memoryPosByIndex == null) {
                memoryPosByIndex = TemporalPositions.byRow(m.floats("maskmem_pos_enc"), m.floats("temporal_code"),
                        TOKENS);
            }
            // The one copy a frame keeps: its memory outlives the memory encoder's buffers.
            return m.floats("maskmem_features");
        }
    }

    /** @param attention the memory attention's outputs the decoder read (null on a prompted frame) */
    private static Decoded decoded(DecoderOutput o, Held attention) {
        return new Decoded(o.objPtr(), o.maskForMem(), o.predMask(), Sam2Image.LOW_RES, o.iou(), o.occLogit(),
                Held.closing(o.outputs(), attention));
    }

    /** @return the frame's features, in the encoder's buffers until closed */
    public FrameFeatures encodeGraph(int frameIdx, FloatBuffer image) {
        Held out = encoder.runHeld(Map.of("image", Input.floats(image, 1, 3, 1024, 1024)));
        return new FrameFeatures(frameIdx, out.get("pix_feat"), out.get("high_res_feat0"), out.get("high_res_feat1"),
                out.get("vision_feats"), out.get("vision_pos_embed"), out);
    }

    /**
     * @param points [P*2] x,y pairs in 1024 space; labels [P] (2/3 box corners, 1/0 clicks, -1 padding)
     * @param imageEmbed [1,256,64,64]: vision_feats on a conditioning frame, memory attention's output otherwise
     */
    public DecoderOutput decode(float[] points, float[] labels, FloatBuffer imageEmbed, FrameFeatures f) {
        int p = labels.length;
        Held out = decoder.runHeld(Map.of(
                "point_coords", Input.floats(points, 1, p, 2), "point_labels", Input.floats(labels, 1, p),
                "image_embed", Input.floats(imageEmbed, 1, 256, 64, 64),
                "high_res_feats_0", Input.floats(f.hr0(), 1, 32, 256, 256),
                "high_res_feats_1", Input.floats(f.hr1(), 1, 64, 128, 128)));
        return new DecoderOutput(out.floats("obj_ptr"), out.get("mask_for_mem"), out.floats("pred_mask"),
                out.first("iou"), out.first("occ_logit"), out);
    }

    /**
     * @param pointers  [P*256], conditioning pointer first, then t-1, t-2, ...
     * @param memories  [N*64*64*64], conditioning memories first, then oldest to newest
     * @param memoryPos [(N*4096 + 4P)*64], each memory's pos_enc + temporal code; pointer rows are placeholders
     * @return the outputs, image_embed [1,256,64,64], in place until closed
     */
    public Held attend(FrameFeatures f, float[] pointers, int p, FloatBuffer memories, int n, FloatBuffer memoryPos,
            float condFrameIdDiff) {
        return attention.runHeld(Map.of(
                "current_vision_feat", Input.floats(f.visionFeats(), 1, 256, 64, 64),
                "current_vision_pos_embed", Input.floats(f.visionPosEmbed(), TOKENS, 1, 256),
                "memory_0", Input.floats(pointers, 1, p, 256), "memory_1", Input.floats(memories, 1, n, 64, 64, 64),
                "memory_pos_embed", Input.floats(memoryPos, 1, (long) n * TOKENS + 4L * p, 64),
                "cond_frame_id_diff", Input.floats(new float[] {condFrameIdDiff})));
    }

    /**
     * @param pixFeat the raw backbone feature of the frame (never the memory-conditioned one)
     * @return maskmem_features [1,64,64,64], maskmem_pos_enc [4096,1,64] and temporal_code [7,1,1,64], in
     *         place until closed
     */
    public Held encodeMemory(FloatBuffer maskForMem, FloatBuffer pixFeat, float occLogit) {
        return memoryEncoder.runHeld(Map.of(
                "mask_for_mem", Input.floats(maskForMem, 1, 1, 1024, 1024),
                "pix_feat", Input.floats(pixFeat, 1, 256, 64, 64),
                "occ_logit", Input.floats(new float[] {occLogit}, 1, 1)));
    }

    private static float[] pointers(MemoryBank.Selection sel) {
        float[] p = new float[sel.pointers().size() * 256];
        for (int i = 0; i < sel.pointers().size(); i++) {
            System.arraycopy(sel.pointers().get(i).objPtr(), 0, p, i * 256, 256);
        }
        return p;
    }

    private FloatBuffer memories(MemoryBank.Selection sel) {
        FloatBuffer m = scratch.take(sel.memories().size() * TOKENS * 64);
        for (MemoryBank.Entry e : sel.memories()) {
            m.put(e.features());
        }
        return m.flip();
    }

    /**
     * Each memory's position: maskmem_pos_enc + temporal_code[index]; then 4 rows per pointer, which the
     * exported graph overwrites with its own pointer encoding (placeholders here).
     */
    private FloatBuffer memoryPositions(MemoryBank.Selection sel) {
        int n = sel.memories().size();
        FloatBuffer pos = scratch.take((n * TOKENS + 4 * sel.pointers().size()) * 64);
        for (int i = 0; i < n; i++) {
            pos.put(memoryPosByIndex[sel.temporalIndex()[i]]);
        }
        // Zeros in the pointer rows, as a fresh array had (the graph writes its own there).
        while (pos.hasRemaining()) {
            pos.put(0f);
        }
        return pos.flip();
    }
}
