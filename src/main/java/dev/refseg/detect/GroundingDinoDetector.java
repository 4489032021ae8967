package dev.refseg.detect;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.refseg.errors.Errors;
import dev.refseg.inference.ModelLoadException;
import dev.refseg.media.DecodedFrame;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
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
 * Runtime failure is INTERNAL.
 */
public final class GroundingDinoDetector {
    private static final Logger LOG = Logger.getLogger(GroundingDinoDetector.class);

    public enum Family { HUGGING_FACE, IDEA }

    private final OrtEnvironment env;
    private final OrtSession session;
    private final BertTokenizer tokenizer;
    private final Family family;
    private final ImageFit fit;
    private final boolean pixelMask;

    public GroundingDinoDetector(OrtEnvironment env, OrtSession session, BertTokenizer tokenizer) {
        this.env = env;
        this.session = session;
        this.tokenizer = tokenizer;
        try {
            Map<String, NodeInfo> in = session.getInputInfo();
            this.family = in.containsKey("img") ? Family.IDEA : Family.HUGGING_FACE;
            String image = family == Family.IDEA ? "img" : "pixel_values";
            long[] shape = ((TensorInfo) in.get(image).getInfo()).getShape();
            this.pixelMask = in.containsKey("pixel_mask");
            this.fit = ImageFit.of(image, shape, pixelMask);
        } catch (OrtException e) {
            throw Errors.internal("gdino.detector: cannot read the graph inputs: " + e.getMessage(), e);
        }
        LOG.infof("gdino.detector: %s export; %s", family, fit.describe());
    }

    public Family family() {
        return family;
    }

    /** The caption's candidate boxes on one frame, best first. */
    public List<Detection> detect(DecodedFrame frame, String caption, float boxThreshold, float textThreshold,
            int maxBoxes) {
        CaptionEncoding text = CaptionEncoding.of(caption, tokenizer);
        ImageFit.Placement place = fit.place(frame.width(), frame.height());
        float[] pixels = place.pixels(frame.rgb(), frame.width(), frame.height());
        long[] imageShape = {1, 3, place.inputHeight(), place.inputWidth()};
        int n = text.length();
        Map<String, OnnxTensor> in = new HashMap<>();
        try {
            long[] ones = new long[n];
            java.util.Arrays.fill(ones, 1);
            in.put("input_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(text.inputIds()), new long[] {1, n}));
            in.put("token_type_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(new long[n]), new long[] {1, n}));
            if (family == Family.HUGGING_FACE) {
                in.put("pixel_values", OnnxTensor.createTensor(env, FloatBuffer.wrap(pixels), imageShape));
                in.put("attention_mask", OnnxTensor.createTensor(env, LongBuffer.wrap(ones), new long[] {1, n}));
                if (pixelMask) {
                    in.put("pixel_mask", OnnxTensor.createTensor(env, LongBuffer.wrap(place.pixelMask()),
                            new long[] {1, place.inputHeight(), place.inputWidth()}));
                }
            } else {
                in.put("img", OnnxTensor.createTensor(env, FloatBuffer.wrap(pixels), imageShape));
                // Named attention_mask in the export, but it is the per-token validity mask.
                in.put("attention_mask", bools(new boolean[n], true, new long[] {1, n}));
                in.put("position_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(text.positionIds()), new long[] {1, n}));
                // Named text_token_mask in the export, but it is the per-phrase self-attention mask.
                in.put("text_token_mask", bools(text.selfAttention(), false, new long[] {1, n, n}));
            }
            try (OrtSession.Result r = session.run(in)) {
                OnnxTensor logits = (OnnxTensor) r.get("logits").orElseThrow();
                OnnxTensor boxes = (OnnxTensor) r.get(family == Family.IDEA ? "boxes" : "pred_boxes").orElseThrow();
                long[] ls = logits.getInfo().getShape();
                // Normalised over the valid region, which holds the whole frame: scale by the frame's size.
                return DetectionDecoder.decode(copy(logits.getFloatBuffer()), (int) ls[2], copy(boxes.getFloatBuffer()),
                        text.inputIds(), tokenizer, boxThreshold, textThreshold, maxBoxes, frame.width(), frame.height());
            }
        } catch (OrtException e) {
            throw Errors.internal("gdino.detector failed: " + e.getMessage(), e);
        } finally {
            in.values().forEach(OnnxTensor::close);
        }
    }

    /** Model input size (width, height) for a w x h frame ({@link ImageFit}). */
    int[] inputSize(int w, int h) {
        ImageFit.Placement p = fit.place(w, h);
        return new int[] {p.inputWidth(), p.inputHeight()};
    }

    ImageFit fit() {
        return fit;
    }

    private OnnxTensor bools(boolean[] values, boolean fill, long[] shape) throws OrtException {
        ByteBuffer b = ByteBuffer.allocateDirect(values.length);
        for (boolean v : values) {
            b.put((byte) (fill || v ? 1 : 0));
        }
        b.rewind();
        return OnnxTensor.createTensor(env, b, shape, ai.onnxruntime.OnnxJavaType.BOOL);
    }

    private static float[] copy(FloatBuffer b) {
        float[] a = new float[b.remaining()];
        b.get(a);
        return a;
    }
}
