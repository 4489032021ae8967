package dev.refseg.sam2;

import dev.refseg.runtime.BufferPool;
import dev.refseg.runtime.GraphRunner;
import dev.refseg.runtime.GraphRunner.Held;
import dev.refseg.runtime.GraphRunner.Input;
import dev.refseg.runtime.GraphTimer;
import dev.refseg.runtime.ModelRegistry;
import dev.refseg.mask.BinaryMask;
import java.nio.FloatBuffer;
import java.util.Map;

/**
 * SAM 2.1 as the transformers {@code Sam2VideoModel} video export published on the Hugging Face hub
 * (models.md §7.1; square-zero-labs/sam2.1-*-video-onnx and its fp16 conversions): five graphs and
 * constants.json, at any input size S (F = S/16) read from the graphs.
 * <ul>
 *   <li>Frames are stretched to SxS and normalised with constants.json's mean/std.</li>
 *   <li>A prompted frame decodes on {@code feats2_no_mem} (a box = points labelled 2 and 3, in SxS
 *       pixels); its memory is the memory encoder on the raw {@code feats2} with {@code binarize} = 1.</li>
 *   <li>A tracked frame: {@code feats2} and {@code vision_pos_embed} as tokens [F², 1, 256] (token
 *       y·F + x, channels last), the fixed-size bank ({@link BankLayout}), {@code pointer_tpos} for the
 *       pointer positions, memory attention, then the decoder on {@code conditioned_feats} with the
 *       padding prompt (one point (0, 0) labelled -1); memory with {@code binarize} = 0.</li>
 *   <li>The graphs handle absence themselves (masks at -1024, the no-object pointer), so the decoder's
 *       {@code high_res_mask} goes to the memory encoder as it is.</li>
 * </ul>
 * The raw graph runs are public and overridable so tests can inject wiring faults. As in
 * {@link NvidiaSam2}, outputs are read and fed on in place (the encoder's while the frame's features are
 * open) and the bank and tokens are laid out in pooled direct buffers; a frame's memory tokens and object
 * pointer are the copies it keeps.
 */
public class TransformersSam2 implements Sam2Model {
    /**
     * Encoder outputs for one frame, in the encoder's buffers until {@link #close()}: feats0 [1,32,4F,4F],
     * feats1 [1,64,2F,2F], feats2 and feats2NoMem [1,256,F,F], visionPosEmbed [1,256,F,F].
     */
    public record FrameFeatures(int frameIdx, FloatBuffer feats0, FloatBuffer feats1, FloatBuffer feats2,
            FloatBuffer feats2NoMem, FloatBuffer visionPosEmbed, Held outputs) implements Features {
        @Override
        public void close() {
            outputs.close();
        }
    }

    private static final float[] NO_POINT = {0, 0};
    private static final int[] NO_LABEL = {-1};
    private static final int[] BOX_LABELS = {2, 3};

    private final GraphRunner encoder;
    private final GraphRunner decoder;
    private final GraphRunner memoryEncoder;
    private final GraphRunner attention;
    private final GraphRunner pointerTpos;
    private final Sam2Setup setup;
    private final int s;
    private final int f;
    /** vision_pos_embed as tokens [F² * 256], direct: a model constant, read by every run in place. */
    private volatile FloatBuffer visionPosTokens;
    /** Banks and current-frame tokens, laid out each frame in reused direct buffers. */
    private final BufferPool scratch = new BufferPool(6);
    /** The memory encoder's memory_pos + each temporal row, [7][F² * 64]: added up once, copied per frame. */
    private volatile float[][] positionsByRow;

    public TransformersSam2(GraphRunner encoder, GraphRunner decoder, GraphRunner memoryEncoder,
            GraphRunner attention, GraphRunner pointerTpos, Sam2Setup setup) {
        this.encoder = encoder;
        this.decoder = decoder;
        this.memoryEncoder = memoryEncoder;
        this.attention = attention;
        this.pointerTpos = pointerTpos;
        this.setup = setup;
        this.s = setup.imageSize();
        this.f = setup.featSize();
    }

    /** For wrappers (tests inject wiring faults by overriding the run methods). */
    protected TransformersSam2(TransformersSam2 other) {
        this(other.encoder, other.decoder, other.memoryEncoder, other.attention, other.pointerTpos, other.setup);
    }

    /** The five graphs of a model registry whose {@link Sam2Setup} is the transformers family. */
    public static TransformersSam2 of(ModelRegistry models, Sam2Setup setup, GraphTimer timer) {
        return new TransformersSam2(models.runner("sam2.image_encoder", timer), models.runner("sam2.mask_decoder", timer),
                models.runner("sam2.memory_encoder", timer), models.runner("sam2.memory_attention", timer),
                models.runner(Sam2Setup.POINTER_TPOS, timer), setup);
    }

    public Sam2Setup setup() {
        return setup;
    }

    @Override
    public String family() {
        return "transformers";
    }

    @Override
    public int imageSize() {
        return s;
    }

    @Override
    public FloatBuffer preprocess(byte[] rgb, int w, int h, FloatBuffer reuse) {
        long t0 = System.nanoTime();
        FloatBuffer image = Sam2Image.preprocess(rgb, w, h, s, setup.constants().mean(), setup.constants().std(),
                reuse);
        encoder.step(GraphTimer.SAM2_PREPROCESS, System.nanoTime() - t0);
        return image;
    }

    @Override
    public Features encode(int frameIdx, FloatBuffer image) {
        return encodeGraph(frameIdx, image);
    }

    @Override
    public Decoded decodeBox(Features features, float[] boxPoints) {
        FrameFeatures ff = (FrameFeatures) features;
        return decodeGraph(ff, ff.feats2NoMem(), boxPoints, BOX_LABELS, null);
    }

    @Override
    public Decoded decodeTracked(Features features, MemoryBank.Selection sel, int t, int numFrames) {
        FrameFeatures ff = (FrameFeatures) features;
        if (positionsByRow == null) {
            throw new IllegalStateException("tracking before any memory was encoded");
        }
        long t0 = System.nanoTime();
        int values = BankLayout.rows(f * f) * Sam2Setup.MEM_DIM;
        FloatBuffer memory = scratch.take(values);
        FloatBuffer memoryPos = scratch.take(values);
        FloatBuffer current = scratch.take(f * f * 256);
        Held conditioned;
        try {
            BankLayout.Layout bank = BankLayout.assembleInto(sel, t, numFrames, positionsByRow, f * f, memory, memoryPos);
            attention.step(GraphTimer.BANK_ASSEMBLY, System.nanoTime() - t0);
            BankLayout.placePointerPositions(memoryPos, bank.pointerRowStart(), pointerPositions(bank.diffs()));
            long t1 = System.nanoTime();
            if (visionPosTokens == null) {
                visionPosTokens = tokens(ff.visionPosEmbed(), 256, BufferPool.direct((long) f * f * 256)).asReadOnlyBuffer();
            }
            tokens(ff.feats2(), 256, current);
            attention.step(GraphTimer.BANK_ASSEMBLY, System.nanoTime() - t1);
            conditioned = attend(current, visionPosTokens.duplicate(), memory, memoryPos);
        } finally {
            scratch.give(memory);
            scratch.give(memoryPos);
            scratch.give(current);
        }
        try {
            return decodeGraph(ff, conditioned.get("conditioned_feats"), NO_POINT, NO_LABEL, conditioned);
        } catch (RuntimeException e) {
            conditioned.close();
            throw e;
        }
    }

    @Override
    public float[] memory(Features features, Decoded out, boolean prompted) {
        return remember(features, out.maskForMem(), out.objectScore(), prompted);
    }

    @Override
    public float[] maskMemory(Features features, BinaryMask mask, Decoded out) {
        // A given mask is a present object: SAM 2 scores a mask input as +10 when it has any pixel.
        return remember(features, FloatBuffer.wrap(Sam2Image.maskForMemory(mask, s)), 10f, true);
    }

    /** The raw feats2 goes to the memory encoder, never feats2_no_mem or the memory-conditioned features. */
    private float[] remember(Features features, FloatBuffer highResMask, float objectScore, boolean binarize) {
        try (Held m = encodeMemory(((FrameFeatures) features).feats2(), highResMask, objectScore, binarize)) {
            if (positionsByRow == null) {
                positionsByRow = TemporalPositions.byRow(m.floats("memory_pos"), setup.constants().temporalTable(), f * f);
            }
            // The one copy a frame keeps: its memory outlives the memory encoder's buffers.
            return m.floats("memory_tokens");
        }
    }

    /** [1,C,F,F] channels-first to tokens [F², 1, C] (token y·F + x, channels last), written into {@code out}. */
    FloatBuffer tokens(FloatBuffer nchw, int channels, FloatBuffer out) {
        int n = f * f;
        for (int c = 0; c < channels; c++) {
            int src = c * n;
            for (int p = 0; p < n; p++) {
                out.put(p * channels + c, nchw.get(src + p));
            }
        }
        return out.clear().limit(n * channels);
    }

    /** @param attention the memory attention's outputs the decoder read (null on a prompted frame) */
    private Decoded decodeGraph(FrameFeatures ff, FloatBuffer featsCond, float[] points, int[] labels, Held attention) {
        Held out = decode(ff.feats0(), ff.feats1(), featsCond, points, labels);
        return new Decoded(out.floats("object_pointer"), out.get("high_res_mask"), out.floats("low_res_mask"), 4 * f,
                out.first("iou"), out.first("object_score_logits"), Held.closing(out, attention));
    }

    /** @return the frame's features, in the encoder's buffers until closed */
    public FrameFeatures encodeGraph(int frameIdx, FloatBuffer image) {
        Held out = encoder.runHeld(Map.of("pixel_values", Input.floats(image, 1, 3, s, s)));
        return new FrameFeatures(frameIdx, out.get("feats0"), out.get("feats1"), out.get("feats2"),
                out.get("feats2_no_mem"), out.get("vision_pos_embed"), out);
    }

    /**
     * @param featsCond [1,256,F,F]: feats2_no_mem on a prompted frame, conditioned_feats on a tracked one
     * @param points    [N*2] x,y in SxS pixels; labels [N] (2/3 box corners, 1/0 clicks, -1 padding)
     * @return the decoder's outputs, in place until closed
     */
    public Held decode(FloatBuffer feats0, FloatBuffer feats1, FloatBuffer featsCond, float[] points,
            int[] labels) {
        int n = labels.length;
        return decoder.runHeld(Map.of("feats0", Input.floats(feats0, 1, 32, 4L * f, 4L * f),
                "feats1", Input.floats(feats1, 1, 64, 2L * f, 2L * f), "feats2_cond", Input.floats(featsCond, 1, 256, f, f),
                "input_points", Input.floats(points, 1, 1, n, 2), "input_labels", Input.ints(labels, 1, 1, n)));
    }

    /**
     * @param feats2 the raw backbone feature [1,256,F,F]; highResMask [S*S] logits
     * @return memory_tokens and memory_pos, [F², 1, 64] each, in place until closed
     */
    public Held encodeMemory(FloatBuffer feats2, FloatBuffer highResMask, float objectScore, boolean binarize) {
        return memoryEncoder.runHeld(Map.of("feats2", Input.floats(feats2, 1, 256, f, f),
                "high_res_mask", Input.floats(highResMask, 1, 1, s, s),
                "object_score_logits", Input.floats(new float[] {objectScore}, 1, 1),
                "binarize", Input.floats(new float[] {binarize ? 1f : 0f})));
    }

    /** @param diffs [16] normalised pointer distances; returns pointer_pos [16 * 64] */
    public float[] pointerPositions(float[] diffs) {
        return pointerTpos.run(Map.of("normalized_diffs", Input.floats(diffs, diffs.length))).get("pointer_pos");
    }

    /**
     * @param current, currentPos tokens [F², 1, 256]; memory, memoryPos [(7F² + 64) * 64]
     * @return conditioned_feats [1,256,F,F], in place until closed
     */
    public Held attend(FloatBuffer current, FloatBuffer currentPos, FloatBuffer memory, FloatBuffer memoryPos) {
        long rows = memory.remaining() / Sam2Setup.MEM_DIM;
        return attention.runHeld(Map.of("current_vision_features", Input.floats(current, (long) f * f, 1, 256),
                "current_vision_position_embeddings", Input.floats(currentPos, (long) f * f, 1, 256),
                "memory", Input.floats(memory, rows, 1, Sam2Setup.MEM_DIM),
                "memory_pos", Input.floats(memoryPos, rows, 1, Sam2Setup.MEM_DIM)));
    }
}
