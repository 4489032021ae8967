package dev.refseg.detect;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.refseg.runtime.GraphRunner;
import dev.refseg.runtime.GraphRunner.Input;
import dev.refseg.runtime.GraphTimer;
import dev.refseg.runtime.ModelLoadException;
import dev.refseg.media.DecodedFrame;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * GroundingDINO through ONNX Runtime, for both export families (reference/models.md §2.1), chosen by the
 * graph's input names:
 * <ul>
 *   <li>Hugging Face ({@code pixel_values} [1,3,H,W] float, {@code input_ids}, {@code token_type_ids},
 *       {@code attention_mask} [1,L] int64, optional {@code pixel_mask} [1,H,W] int64): tokens only; masks
 *       and position ids are computed inside the graph.</li>
 *   <li>IDEA / wenyi5608 ({@code img} [1,3,H,W] float, {@code input_ids}, {@code attention_mask} bool =
 *       per-token validity, {@code position_ids}, {@code token_type_ids}, {@code text_token_mask} [1,L,L]
 *       bool = the per-phrase self-attention mask; the two bool inputs' names are swapped against their
 *       meaning).</li>
 * </ul>
 * The image: normalised RGB (ImageNet mean and std), sized by the graph's declared H and W
 * ({@link ImageFit}): dynamic, short side 800 and long side at most 1333; fixed with a {@code pixel_mask},
 * letterboxed with the mask 0 on the padding; fixed without one (traced exports only work at their own
 * size), stretched. The fit is logged once, here. Outputs: {@code logits} [1,900,T] (T &gt;= L, padding
 * columns ignored) and {@code pred_boxes} / {@code boxes} [1,900,4] normalised cx, cy, w, h over the valid
 * (unpadded) region; boxes come back in pixels of the original frame, best first.
 * <p>
 * Errors: a graph that fixes only one of H and W is refused at construction ({@link ModelLoadException});
 * a caption over {@link CaptionEncoding#MAX_TEXT_LEN} tokens is an {@link IllegalArgumentException}; an ONNX
 * Runtime failure is INTERNAL. Float tensors declared float16/bfloat16 are converted at the boundary
 * ({@link GraphRunner}).
 */
public final class GroundingDinoDetector {
    private static final Logger LOG = Logger.getLogger(GroundingDinoDetector.class);

    public enum Family { HUGGING_FACE, IDEA }

    private final GraphRunner runner;
    private final BertTokenizer tokenizer;
    private final Family family;
    private final ImageFit fit;
    private final boolean pixelMask;
    /** A token length the graph fixes (captions are padded to it), or 0 when dynamic. */
    private final int fixedTokens;

    /**
     * A detector over a session the caller owns (and closes only after its detections returned).
     *
     * @throws ModelLoadException when the graph's inputs cannot be read or its image size is half fixed
     */
    public GroundingDinoDetector(OrtEnvironment env, OrtSession session, BertTokenizer tokenizer) {
        this(new GraphRunner("gdino.detector", env, session, GraphTimer.NONE), tokenizer);
    }

    /**
     * A detector running its graph through {@code runner} (from {@code ModelRegistry.runner}, so that
     * closing the models waits for a detection in flight).
     *
     * @param runner    the gdino.detector graph's runner, whose timer receives each detection's times
     * @param tokenizer the BERT vocabulary the export was made with
     * @throws ModelLoadException when the graph's image size is half fixed
     */
    public GroundingDinoDetector(GraphRunner runner, BertTokenizer tokenizer) {
        this.runner = runner;
        this.tokenizer = tokenizer;
        Map<String, long[]> in = runner.inputShapes();
        this.family = in.containsKey("img") ? Family.IDEA : Family.HUGGING_FACE;
        String image = family == Family.IDEA ? "img" : "pixel_values";
        this.pixelMask = in.containsKey("pixel_mask");
        this.fit = ImageFit.of(image, in.get(image), pixelMask);
        long[] ids = in.get("input_ids");
        this.fixedTokens = ids.length == 2 && ids[1] > 0 ? (int) ids[1] : 0;
        LOG.infof("gdino.detector: %s export; %s; %s", family, fit.describe(), fixedTokens > 0
                ? "token length fixed at " + fixedTokens + ": captions padded to it" : "token length dynamic");
    }

    public Family family() {
        return family;
    }

    /** Most tokens a caption may have, [CLS] and [SEP] included: the text encoder's or the graph's fixed length. */
    public int maxTokens() {
        return fixedTokens > 0 ? Math.min(fixedTokens, CaptionEncoding.MAX_TEXT_LEN) : CaptionEncoding.MAX_TEXT_LEN;
    }

    /** The caption's candidate boxes on one frame, best first. */
    public List<Detection> detect(DecodedFrame frame, String caption, float boxThreshold, float textThreshold,
            int maxBoxes) {
        CaptionEncoding text = CaptionEncoding.of(caption, tokenizer);
        long t0 = System.nanoTime();
        ImageFit.Placement place = fit.place(frame.width(), frame.height());
        float[] pixels = place.pixels(frame.rgb(), frame.width(), frame.height());
        runner.step(GraphTimer.DETECTOR_PREPROCESS, System.nanoTime() - t0);
        long[] imageShape = {1, 3, place.inputHeight(), place.inputWidth()};
        int n = text.length();
        if (n > maxTokens()) {
            throw new IllegalArgumentException("the caption is " + n + " tokens; the detector reads at most " + maxTokens());
        }
        // A graph with a fixed token length gets the caption padded with [PAD] tokens masked out.
        int len = Math.max(n, fixedTokens);
        long[] ids = java.util.Arrays.copyOf(text.inputIds(), len);
        long[] valid = new long[len];
        boolean[] validBool = new boolean[len];
        java.util.Arrays.fill(valid, 0, n, 1);
        java.util.Arrays.fill(validBool, 0, n, true);
        Map<String, Input> in = new HashMap<>();
        in.put("input_ids", Input.longs(ids, 1, len));
        in.put("token_type_ids", Input.longs(new long[len], 1, len));
        if (family == Family.HUGGING_FACE) {
            in.put("pixel_values", Input.floats(pixels, imageShape));
            in.put("attention_mask", Input.longs(valid, 1, len));
            if (pixelMask) {
                in.put("pixel_mask", Input.longs(place.pixelMask(), 1, place.inputHeight(), place.inputWidth()));
            }
        } else {
            in.put("img", Input.floats(pixels, imageShape));
            // Named attention_mask in the export, but it is the per-token validity mask.
            in.put("attention_mask", Input.bools(validBool, 1, len));
            in.put("position_ids", Input.longs(java.util.Arrays.copyOf(text.positionIds(), len), 1, len));
            // Named text_token_mask in the export, but it is the per-phrase self-attention mask.
            in.put("text_token_mask", Input.bools(padded(text.selfAttention(), n, len), 1, len, len));
        }
        Map<String, float[]> out = runner.run(in);
        float[] logits = out.get("logits");
        float[] boxes = out.get(family == Family.IDEA ? "boxes" : "pred_boxes");
        // Normalised over the valid region, which holds the whole frame: scale by the frame's size.
        return DetectionDecoder.decode(logits, logits.length / (boxes.length / 4), boxes, text.inputIds(), tokenizer,
                boxThreshold, textThreshold, maxBoxes, frame.width(), frame.height());
    }

    /** An n x n self-attention mask inside a len x len one; each padding token attends to itself only. */
    private static boolean[] padded(boolean[] mask, int n, int len) {
        if (len == n) {
            return mask;
        }
        boolean[] out = new boolean[len * len];
        for (int r = 0; r < n; r++) {
            System.arraycopy(mask, r * n, out, r * len, n);
        }
        for (int r = n; r < len; r++) {
            out[r * len + r] = true;
        }
        return out;
    }

    /** Model input size (width, height) for a w x h frame ({@link ImageFit}). */
    int[] inputSize(int w, int h) {
        ImageFit.Placement p = fit.place(w, h);
        return new int[] {p.inputWidth(), p.inputHeight()};
    }

    ImageFit fit() {
        return fit;
    }
}
