package dev.refseg.inference;

import static dev.refseg.onnx.DType.BOOL;
import static dev.refseg.onnx.DType.FLOAT;
import static dev.refseg.onnx.DType.INT64;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The graph interfaces refseg runs (reference/models.md): SAM 2.1 as the four-graph video export with
 * {@code cond_frame_id_diff} and {@code occ_logit} (§1.2 B3), GroundingDINO as the Hugging Face export
 * (§2.1 b) or the IDEA/wenyi export (§2.1 a), BEATs from fbank to probabilities (§3.1).
 */
public final class CanonicalGraphs {
    private static final String SAM2_EXPORT = "the SAM 2.1 four-graph video export of NVIDIA deepstream_tools "
            + "sam2-onnx-tensorrt (image encoder, mask decoder with occ_logit, memory attention with "
            + "cond_frame_id_diff, memory encoder)";

    public static final GraphSpec SAM2_IMAGE_ENCODER = new GraphSpec("sam2.image_encoder", SAM2_EXPORT,
            List.of(TensorSpec.of("image", FLOAT, 1, 3, 1024, 1024)),
            List.of(TensorSpec.of("pix_feat", FLOAT, 1, 256, 64, 64),
                    TensorSpec.of("high_res_feat0", FLOAT, 1, 32, 256, 256),
                    TensorSpec.of("high_res_feat1", FLOAT, 1, 64, 128, 128),
                    TensorSpec.of("vision_feats", FLOAT, 1, 256, 64, 64),
                    TensorSpec.of("vision_pos_embed", FLOAT, 4096, 1, 256)));

    public static final GraphSpec SAM2_MASK_DECODER = new GraphSpec("sam2.mask_decoder", SAM2_EXPORT,
            List.of(TensorSpec.of("point_coords", FLOAT, -1, -1, 2),
                    TensorSpec.of("point_labels", FLOAT, -1, -1),
                    TensorSpec.of("image_embed", FLOAT, -1, 256, 64, 64),
                    TensorSpec.of("high_res_feats_0", FLOAT, 1, 32, 256, 256),
                    TensorSpec.of("high_res_feats_1", FLOAT, 1, 64, 128, 128)),
            List.of(TensorSpec.of("obj_ptr", FLOAT, -1, 256),
                    TensorSpec.of("mask_for_mem", FLOAT, -1, 1, 1024, 1024),
                    TensorSpec.of("pred_mask", FLOAT, -1, 1, 256, 256),
                    TensorSpec.of("iou", FLOAT, -1, 1),
                    TensorSpec.of("occ_logit", FLOAT, -1, 1)));

    public static final GraphSpec SAM2_MEMORY_ATTENTION = new GraphSpec("sam2.memory_attention", SAM2_EXPORT,
            List.of(TensorSpec.of("current_vision_feat", FLOAT, 1, 256, 64, 64),
                    TensorSpec.of("current_vision_pos_embed", FLOAT, 4096, 1, 256),
                    TensorSpec.of("memory_0", FLOAT, -1, -1, 256),
                    TensorSpec.of("memory_1", FLOAT, -1, -1, 64, 64, 64),
                    TensorSpec.of("memory_pos_embed", FLOAT, -1, -1, 64),
                    TensorSpec.of("cond_frame_id_diff", FLOAT)),
            List.of(TensorSpec.of("image_embed", FLOAT, -1, 256, 64, 64)));

    public static final GraphSpec SAM2_MEMORY_ENCODER = new GraphSpec("sam2.memory_encoder", SAM2_EXPORT,
            List.of(TensorSpec.of("mask_for_mem", FLOAT, 1, 1, 1024, 1024),
                    TensorSpec.of("pix_feat", FLOAT, 1, 256, 64, 64),
                    TensorSpec.of("occ_logit", FLOAT, 1, 1)),
            List.of(TensorSpec.of("maskmem_features", FLOAT, 1, 64, 64, 64),
                    TensorSpec.of("maskmem_pos_enc", FLOAT, 1, 4096, 64),
                    TensorSpec.of("temporal_code", FLOAT, 7, 1, 1, 64)));

    /** Hugging Face GroundingDinoForObjectDetection export: masks and position ids computed inside. */
    public static final GraphSpec GDINO_HF = new GraphSpec("gdino.detector",
            "a GroundingDINO export of Hugging Face GroundingDinoForObjectDetection (e.g. onnx-community/"
                    + "grounding-dino-tiny-ONNX) or the IDEA/wenyi5608 export_openvino.py graph",
            List.of(TensorSpec.of("pixel_values", FLOAT, -1, 3, -1, -1),
                    TensorSpec.of("input_ids", INT64, -1, -1),
                    TensorSpec.of("token_type_ids", INT64, -1, -1),
                    TensorSpec.of("attention_mask", INT64, -1, -1),
                    TensorSpec.optional("pixel_mask", INT64, -1, -1, -1)),
            List.of(TensorSpec.of("logits", FLOAT, -1, 900, 256),
                    TensorSpec.of("pred_boxes", FLOAT, -1, 900, 4)));

    /** IDEA/wenyi5608 export: note the swapped meaning of attention_mask / text_token_mask (§2.1 a). */
    public static final GraphSpec GDINO_IDEA = new GraphSpec("gdino.detector", GDINO_HF.expectedExport(),
            List.of(TensorSpec.of("img", FLOAT, -1, 3, -1, -1),
                    TensorSpec.of("input_ids", INT64, -1, -1),
                    TensorSpec.of("attention_mask", BOOL, -1, -1),
                    TensorSpec.of("position_ids", INT64, -1, -1),
                    TensorSpec.of("token_type_ids", INT64, -1, -1),
                    TensorSpec.of("text_token_mask", BOOL, -1, -1, -1)),
            List.of(TensorSpec.of("logits", FLOAT, -1, 900, 256),
                    TensorSpec.of("boxes", FLOAT, -1, 900, 4)));

    public static final GraphSpec BEATS = new GraphSpec("beats.tagger",
            "BEATs (AudioSet-finetuned) exported from the fbank on: fbank [B,T,128] -> probs [B,527]",
            List.of(TensorSpec.of("fbank", FLOAT, -1, -1, 128)),
            List.of(TensorSpec.of("probs", FLOAT, -1, 527)));

    /** Manifest key -> the interfaces accepted for it (several when more than one export family works). */
    public static final Map<String, List<GraphSpec>> BY_KEY = Map.of(
            SAM2_IMAGE_ENCODER.key(), List.of(SAM2_IMAGE_ENCODER),
            SAM2_MASK_DECODER.key(), List.of(SAM2_MASK_DECODER),
            SAM2_MEMORY_ATTENTION.key(), List.of(SAM2_MEMORY_ATTENTION),
            SAM2_MEMORY_ENCODER.key(), List.of(SAM2_MEMORY_ENCODER),
            GDINO_HF.key(), List.of(GDINO_HF, GDINO_IDEA),
            BEATS.key(), List.of(BEATS));

    /** Graphs a model directory must provide; the rest are optional (their features then report FAILED_PRECONDITION). */
    public static final List<String> REQUIRED = List.of(SAM2_IMAGE_ENCODER.key(), SAM2_MASK_DECODER.key(),
            SAM2_MEMORY_ATTENTION.key(), SAM2_MEMORY_ENCODER.key(), GDINO_HF.key());

    private CanonicalGraphs() {
    }

    public static Optional<List<GraphSpec>> forKey(String key) {
        return Optional.ofNullable(BY_KEY.get(key));
    }
}
