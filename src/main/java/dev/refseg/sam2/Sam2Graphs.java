package dev.refseg.sam2;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.refseg.errors.Errors;
import java.nio.FloatBuffer;
import java.util.HashMap;
import java.util.Map;

/**
 * Runs the four SAM 2.1 graphs (NVIDIA B3 interface, batch of one object) and copies each output out
 * once into plain arrays. Stateless apart from the per-graph timing callback. Not final so that tests can
 * wrap it to inject wiring faults.
 */
public class Sam2Graphs {
    /** Receives the wall time of each graph run: (graph key, nanoseconds). */
    public interface GraphTimer {
        void record(String graph, long nanos);
    }

    /** Encoder outputs for one frame. Shapes: pixFeat/visionFeats [1,256,64,64], hr0 [1,32,256,256], hr1 [1,64,128,128], pos [4096,1,256]. */
    public record FrameFeatures(int frameIdx, float[] pixFeat, float[] hr0, float[] hr1, float[] visionFeats,
            float[] visionPosEmbed) {
    }

    /** Decoder outputs: objPtr [256], maskForMem [1024*1024], predMask [256*256] logits, iou, occLogit. */
    public record DecoderOutput(float[] objPtr, float[] maskForMem, float[] predMask, float iou, float occLogit) {
    }

    /** Memory encoder outputs: features [64*64*64]; posEnc [4096*64] and temporalCode [7*64] are constants. */
    public record MemoryOutput(float[] features, float[] posEnc, float[] temporalCode) {
    }

    private final OrtEnvironment env;
    private final OrtSession encoder;
    private final OrtSession decoder;
    private final OrtSession attention;
    private final OrtSession memoryEncoder;
    private final GraphTimer timer;

    public Sam2Graphs(OrtEnvironment env, OrtSession encoder, OrtSession decoder, OrtSession attention,
            OrtSession memoryEncoder, GraphTimer timer) {
        this.env = env;
        this.encoder = encoder;
        this.decoder = decoder;
        this.attention = attention;
        this.memoryEncoder = memoryEncoder;
        this.timer = timer;
    }

    /** The four graphs of a model registry (keys sam2.image_encoder, .mask_decoder, .memory_attention, .memory_encoder). */
    public static Sam2Graphs of(dev.refseg.inference.ModelRegistry models, GraphTimer timer) {
        return new Sam2Graphs(models.runtime().environment(), models.session("sam2.image_encoder"),
                models.session("sam2.mask_decoder"), models.session("sam2.memory_attention"),
                models.session("sam2.memory_encoder"), timer);
    }

    /** For wrappers (tests inject wiring faults by overriding the run methods). */
    protected Sam2Graphs(Sam2Graphs other) {
        this(other.env, other.encoder, other.decoder, other.attention, other.memoryEncoder, other.timer);
    }

    public FrameFeatures encode(int frameIdx, float[] image) {
        Map<String, float[]> out = run("sam2.image_encoder", encoder, Map.of("image", tensor(image, 1, 3, 1024, 1024)));
        return new FrameFeatures(frameIdx, out.get("pix_feat"), out.get("high_res_feat0"), out.get("high_res_feat1"),
                out.get("vision_feats"), out.get("vision_pos_embed"));
    }

    /**
     * @param points [P*2] x,y pairs in 1024 space; labels [P] (2/3 box corners, 1/0 clicks, -1 padding)
     * @param imageEmbed [1,256,64,64]: vision_feats on a conditioning frame, memory attention's output otherwise
     */
    public DecoderOutput decode(float[] points, float[] labels, float[] imageEmbed, FrameFeatures f) {
        int p = labels.length;
        Map<String, float[]> out = run("sam2.mask_decoder", decoder, Map.of(
                "point_coords", tensor(points, 1, p, 2), "point_labels", tensor(labels, 1, p),
                "image_embed", tensor(imageEmbed, 1, 256, 64, 64), "high_res_feats_0", tensor(f.hr0(), 1, 32, 256, 256),
                "high_res_feats_1", tensor(f.hr1(), 1, 64, 128, 128)));
        return new DecoderOutput(out.get("obj_ptr"), out.get("mask_for_mem"), out.get("pred_mask"),
                out.get("iou")[0], out.get("occ_logit")[0]);
    }

    /**
     * @param pointers  [P*256], conditioning pointer first, then t-1, t-2, ...
     * @param memories  [N*64*64*64], conditioning memories first, then oldest to newest
     * @param memoryPos [(N*4096 + 4P)*64], each memory's pos_enc + temporal code; pointer rows are placeholders
     */
    public float[] attend(FrameFeatures f, float[] pointers, int p, float[] memories, int n, float[] memoryPos,
            float condFrameIdDiff) {
        Map<String, float[]> out = run("sam2.memory_attention", attention, Map.of(
                "current_vision_feat", tensor(f.visionFeats(), 1, 256, 64, 64),
                "current_vision_pos_embed", tensor(f.visionPosEmbed(), 4096, 1, 256),
                "memory_0", tensor(pointers, 1, p, 256), "memory_1", tensor(memories, 1, n, 64, 64, 64),
                "memory_pos_embed", tensor(memoryPos, 1, (long) n * 4096 + 4L * p, 64),
                "cond_frame_id_diff", tensor(new float[] {condFrameIdDiff})));
        return out.get("image_embed");
    }

    /** @param pixFeat the raw backbone feature of the frame (never the memory-conditioned one) */
    public MemoryOutput encodeMemory(float[] maskForMem, float[] pixFeat, float occLogit) {
        Map<String, float[]> out = run("sam2.memory_encoder", memoryEncoder, Map.of(
                "mask_for_mem", tensor(maskForMem, 1, 1, 1024, 1024), "pix_feat", tensor(pixFeat, 1, 256, 64, 64),
                "occ_logit", tensor(new float[] {occLogit}, 1, 1)));
        return new MemoryOutput(out.get("maskmem_features"), out.get("maskmem_pos_enc"), out.get("temporal_code"));
    }

    private record Input(float[] data, long[] shape) {
    }

    private static Input tensor(float[] data, long... shape) {
        return new Input(data, shape);
    }

    private Map<String, float[]> run(String graph, OrtSession session, Map<String, Input> inputs) {
        long t0 = System.nanoTime();
        Map<String, OnnxTensor> tensors = new HashMap<>();
        try {
            for (Map.Entry<String, Input> e : inputs.entrySet()) {
                tensors.put(e.getKey(), OnnxTensor.createTensor(env, FloatBuffer.wrap(e.getValue().data()),
                        e.getValue().shape()));
            }
            try (OrtSession.Result r = session.run(tensors)) {
                Map<String, float[]> out = new HashMap<>();
                for (Map.Entry<String, ai.onnxruntime.OnnxValue> v : r) {
                    FloatBuffer b = ((OnnxTensor) v.getValue()).getFloatBuffer();
                    float[] a = new float[b.remaining()];
                    b.get(a);
                    out.put(v.getKey(), a);
                }
                return out;
            }
        } catch (OrtException e) {
            throw Errors.internal(graph + " failed: " + e.getMessage(), e);
        } finally {
            tensors.values().forEach(OnnxTensor::close);
            timer.record(graph, System.nanoTime() - t0);
        }
    }
}
