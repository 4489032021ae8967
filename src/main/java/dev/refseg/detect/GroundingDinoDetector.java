package dev.refseg.detect;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.refseg.errors.Errors;
import dev.refseg.inference.ImageTensors;
import dev.refseg.media.DecodedFrame;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * GroundingDINO through ONNX Runtime, for both export families (reference/models.md §2.1), chosen by the
 * graph's input names:
 * <ul>
 *   <li>Hugging Face ({@code pixel_values}, {@code input_ids}, {@code token_type_ids},
 *       {@code attention_mask} int64, optional {@code pixel_mask}): tokens only; masks and position ids
 *       are computed inside the graph. Image: short side 800, long side at most 1333, aspect kept.</li>
 *   <li>IDEA / wenyi5608 ({@code img}, {@code input_ids}, {@code attention_mask} bool = per-token
 *       validity, {@code position_ids}, {@code token_type_ids}, {@code text_token_mask} bool = the
 *       per-phrase self-attention mask; the two bool inputs' names are swapped against their meaning).
 *       Image: the graph's fixed export size when it declares one (traced exports only work at it).</li>
 * </ul>
 * Boxes come back in pixels of the original frame.
 */
public final class GroundingDinoDetector {
    public enum Family { HUGGING_FACE, IDEA }

    private final OrtEnvironment env;
    private final OrtSession session;
    private final BertTokenizer tokenizer;
    private final Family family;
    private final int fixedWidth;
    private final int fixedHeight;
    private final boolean pixelMask;
    /** Short side of the Hugging Face processor's resize. */
    static final int SHORT_SIDE = 800;
    /** Longest side it resizes to. */
    static final int MAX_LONG_SIDE = 1333;
    /** Smallest side the model is given: the Swin backbone's total stride. */
    static final int MIN_SIDE = 32;

    public GroundingDinoDetector(OrtEnvironment env, OrtSession session, BertTokenizer tokenizer) {
        this.env = env;
        this.session = session;
        this.tokenizer = tokenizer;
        try {
            Map<String, NodeInfo> in = session.getInputInfo();
            this.family = in.containsKey("img") ? Family.IDEA : Family.HUGGING_FACE;
            this.pixelMask = in.containsKey("pixel_mask");
            long[] shape = ((TensorInfo) in.get(family == Family.IDEA ? "img" : "pixel_values").getInfo()).getShape();
            this.fixedHeight = shape.length == 4 && shape[2] > 0 ? (int) shape[2] : 0;
            this.fixedWidth = shape.length == 4 && shape[3] > 0 ? (int) shape[3] : 0;
        } catch (OrtException e) {
            throw Errors.internal("gdino.detector: cannot read the graph inputs: " + e.getMessage(), e);
        }
    }

    public Family family() {
        return family;
    }

    /** The caption's candidate boxes on one frame, best first. */
    public List<Detection> detect(DecodedFrame frame, String caption, float boxThreshold, float textThreshold,
            int maxBoxes) {
        CaptionEncoding text = CaptionEncoding.of(caption, tokenizer);
        int[] size = inputSize(frame.width(), frame.height());
        float[] pixels = ImageTensors.normalizedNchw(frame.rgb(), frame.width(), frame.height(), size[0], size[1],
                ImageTensors.IMAGENET_MEAN, ImageTensors.IMAGENET_STD, null);
        int n = text.length();
        Map<String, OnnxTensor> in = new HashMap<>();
        try {
            long[] ones = new long[n];
            java.util.Arrays.fill(ones, 1);
            in.put("input_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(text.inputIds()), new long[] {1, n}));
            in.put("token_type_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(new long[n]), new long[] {1, n}));
            if (family == Family.HUGGING_FACE) {
                in.put("pixel_values", OnnxTensor.createTensor(env, FloatBuffer.wrap(pixels),
                        new long[] {1, 3, size[1], size[0]}));
                in.put("attention_mask", OnnxTensor.createTensor(env, LongBuffer.wrap(ones), new long[] {1, n}));
                if (pixelMask) {
                    long[] pm = new long[size[0] * size[1]];
                    java.util.Arrays.fill(pm, 1);
                    in.put("pixel_mask", OnnxTensor.createTensor(env, LongBuffer.wrap(pm),
                            new long[] {1, size[1], size[0]}));
                }
            } else {
                in.put("img", OnnxTensor.createTensor(env, FloatBuffer.wrap(pixels), new long[] {1, 3, size[1], size[0]}));
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
                return DetectionDecoder.decode(copy(logits.getFloatBuffer()), (int) ls[2], copy(boxes.getFloatBuffer()),
                        text.inputIds(), tokenizer, boxThreshold, textThreshold, maxBoxes, frame.width(), frame.height());
            }
        } catch (OrtException e) {
            throw Errors.internal("gdino.detector failed: " + e.getMessage(), e);
        } finally {
            in.values().forEach(OnnxTensor::close);
        }
    }

    /**
     * Model input size (width, height): a traced export's own size; otherwise the short side 800 and the
     * long side at most 1333, aspect kept, as datasets/transforms.py resizes. Beyond an aspect ratio of
     * 1333:{@value #MIN_SIDE} (about 42:1) that rule would shrink the short side below the backbone's
     * stride ({@value #MIN_SIDE} px), down to 0 past about 2666:1, and the backbone cannot run: there the
     * short side is held at {@value #MIN_SIDE} and the long side at 1333, so the frame is stretched along
     * its short side (3840x1 is read as 1333x32). Boxes come back normalised, so they map back to the
     * frame's own pixels either way.
     */
    int[] inputSize(int w, int h) {
        if (fixedWidth > 0 && fixedHeight > 0) {
            return new int[] {fixedWidth, fixedHeight};
        }
        int min = Math.min(w, h);
        int max = Math.max(w, h);
        int size = SHORT_SIDE;
        if ((double) max / min * size > MAX_LONG_SIDE) {
            size = (int) Math.round((double) MAX_LONG_SIDE * min / max);
        }
        int shortSide = size;
        int longSide = (int) ((double) size * max / min);
        if (size < MIN_SIDE) {
            shortSide = MIN_SIDE;
            longSide = MAX_LONG_SIDE;
        }
        return w <= h ? new int[] {shortSide, longSide} : new int[] {longSide, shortSide};
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
