package dev.refseg.runtime;

import static dev.refseg.onnx.DType.BOOL;
import static dev.refseg.onnx.DType.FLOAT;
import static dev.refseg.onnx.DType.INT32;
import static dev.refseg.onnx.DType.INT64;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The graph interfaces refseg runs (reference/models.md): SAM 2.1 as NVIDIA's four-graph video export with
 * {@code cond_frame_id_diff} and {@code occ_logit} (§1.2 B3) or as the transformers family's five graphs
 * and constants.json (§7.1), chosen by the graphs' I/O names; GroundingDINO as the Hugging Face export
 * (§2.1 b) or the IDEA/wenyi export (§2.1 a), and an AudioSet tagger as BEATs from fbank to probabilities (§3.1)
 * or the Audio Spectrogram Transformer's Hugging Face export from 1024 fbank frames to logits (§7.4).
 */
public final class CanonicalGraphs {
    /** Family names of the two SAM 2.1 export families. */
    public static final String NVIDIA = "sam2-nvidia";
    public static final String TRANSFORMERS = "sam2-transformers";

    private static final String SAM2_EXPORT = "the SAM 2.1 four-graph video export of NVIDIA deepstream_tools "
            + "sam2-onnx-tensorrt (image encoder, mask decoder with occ_logit, memory attention with "
            + "cond_frame_id_diff, memory encoder)";

    public static final GraphSpec SAM2_IMAGE_ENCODER = new GraphSpec("sam2.image_encoder", NVIDIA, SAM2_EXPORT,
            List.of(TensorSpec.of("image", FLOAT, 1, 3, 1024, 1024)),
            List.of(TensorSpec.of("pix_feat", FLOAT, 1, 256, 64, 64),
                    TensorSpec.of("high_res_feat0", FLOAT, 1, 32, 256, 256),
                    TensorSpec.of("high_res_feat1", FLOAT, 1, 64, 128, 128),
                    TensorSpec.of("vision_feats", FLOAT, 1, 256, 64, 64),
                    TensorSpec.of("vision_pos_embed", FLOAT, 4096, 1, 256)));

    public static final GraphSpec SAM2_MASK_DECODER = new GraphSpec("sam2.mask_decoder", NVIDIA, SAM2_EXPORT,
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

    public static final GraphSpec SAM2_MEMORY_ATTENTION = new GraphSpec("sam2.memory_attention", NVIDIA, SAM2_EXPORT,
            List.of(TensorSpec.of("current_vision_feat", FLOAT, 1, 256, 64, 64),
                    TensorSpec.of("current_vision_pos_embed", FLOAT, 4096, 1, 256),
                    TensorSpec.of("memory_0", FLOAT, -1, -1, 256),
                    TensorSpec.of("memory_1", FLOAT, -1, -1, 64, 64, 64),
                    TensorSpec.of("memory_pos_embed", FLOAT, -1, -1, 64),
                    TensorSpec.of("cond_frame_id_diff", FLOAT)),
            List.of(TensorSpec.of("image_embed", FLOAT, -1, 256, 64, 64)));

    public static final GraphSpec SAM2_MEMORY_ENCODER = new GraphSpec("sam2.memory_encoder", NVIDIA, SAM2_EXPORT,
            List.of(TensorSpec.of("mask_for_mem", FLOAT, 1, 1, 1024, 1024),
                    TensorSpec.of("pix_feat", FLOAT, 1, 256, 64, 64),
                    TensorSpec.of("occ_logit", FLOAT, 1, 1)),
            List.of(TensorSpec.of("maskmem_features", FLOAT, 1, 64, 64, 64),
                    TensorSpec.of("maskmem_pos_enc", FLOAT, 1, 4096, 64),
                    TensorSpec.of("temporal_code", FLOAT, 7, 1, 1, 64)));

    private static final String HUB_EXPORT = "the SAM 2.1 video export of transformers Sam2VideoModel as published on "
            + "the Hugging Face hub (e.g. square-zero-labs/sam2.1-tiny-video-onnx or diffusionstudio/"
            + "sam2.1-*-video-onnx-fp16: vision_encoder, mask_decoder, memory_encoder, memory_attention, pointer_tpos "
            + "and constants.json)";

    /*
     * The transformers family at any input size S (1024 or 512 in published exports) with F = S/16: sizes
     * that depend on S are left open here and checked for consistency by sam2.Sam2Setup.
     */
    public static final GraphSpec HUB_VISION_ENCODER = new GraphSpec("sam2.image_encoder", TRANSFORMERS, HUB_EXPORT,
            List.of(TensorSpec.of("pixel_values", FLOAT, 1, 3, -1, -1)),
            List.of(TensorSpec.of("feats0", FLOAT, 1, 32, -1, -1), TensorSpec.of("feats1", FLOAT, 1, 64, -1, -1),
                    TensorSpec.of("feats2", FLOAT, 1, 256, -1, -1), TensorSpec.of("feats2_no_mem", FLOAT, 1, 256, -1, -1),
                    TensorSpec.of("vision_pos_embed", FLOAT, 1, 256, -1, -1)));

    public static final GraphSpec HUB_MASK_DECODER = new GraphSpec("sam2.mask_decoder", TRANSFORMERS, HUB_EXPORT,
            List.of(TensorSpec.of("feats0", FLOAT, 1, 32, -1, -1), TensorSpec.of("feats1", FLOAT, 1, 64, -1, -1),
                    TensorSpec.of("feats2_cond", FLOAT, 1, 256, -1, -1),
                    TensorSpec.of("input_points", FLOAT, 1, 1, -1, 2), TensorSpec.of("input_labels", INT32, 1, 1, -1)),
            List.of(TensorSpec.of("low_res_mask", FLOAT, 1, 1, -1, -1), TensorSpec.of("high_res_mask", FLOAT, 1, 1, -1, -1),
                    TensorSpec.of("iou", FLOAT, 1, 1), TensorSpec.of("object_score_logits", FLOAT, 1, 1, 1),
                    TensorSpec.of("object_pointer", FLOAT, 1, 1, 256)));

    public static final GraphSpec HUB_MEMORY_ENCODER = new GraphSpec("sam2.memory_encoder", TRANSFORMERS, HUB_EXPORT,
            List.of(TensorSpec.of("feats2", FLOAT, 1, 256, -1, -1), TensorSpec.of("high_res_mask", FLOAT, 1, 1, -1, -1),
                    TensorSpec.of("object_score_logits", FLOAT, 1, 1), TensorSpec.of("binarize", FLOAT)),
            List.of(TensorSpec.of("memory_tokens", FLOAT, -1, 1, 64), TensorSpec.of("memory_pos", FLOAT, -1, 1, 64)));

    public static final GraphSpec HUB_MEMORY_ATTENTION = new GraphSpec("sam2.memory_attention", TRANSFORMERS,
            HUB_EXPORT,
            List.of(TensorSpec.of("current_vision_features", FLOAT, -1, 1, 256),
                    TensorSpec.of("current_vision_position_embeddings", FLOAT, -1, 1, 256),
                    TensorSpec.of("memory", FLOAT, -1, 1, 64), TensorSpec.of("memory_pos", FLOAT, -1, 1, 64)),
            List.of(TensorSpec.of("conditioned_feats", FLOAT, 1, 256, -1, -1)));

    public static final GraphSpec HUB_POINTER_TPOS = new GraphSpec("sam2.pointer_tpos", TRANSFORMERS, HUB_EXPORT,
            List.of(TensorSpec.of("normalized_diffs", FLOAT, -1)),
            List.of(TensorSpec.of("pointer_pos", FLOAT, -1, 64)));

    /** Manifest key of the transformers family's constants.json. */
    public static final String SAM2_CONSTANTS = "sam2.constants";

    /** Hugging Face GroundingDinoForObjectDetection export: masks and position ids computed inside. */
    public static final GraphSpec GDINO_HF = new GraphSpec("gdino.detector", "gdino-hf",
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
    public static final GraphSpec GDINO_IDEA = new GraphSpec("gdino.detector", "gdino-idea", GDINO_HF.expectedExport(),
            List.of(TensorSpec.of("img", FLOAT, -1, 3, -1, -1),
                    TensorSpec.of("input_ids", INT64, -1, -1),
                    TensorSpec.of("attention_mask", BOOL, -1, -1),
                    TensorSpec.of("position_ids", INT64, -1, -1),
                    TensorSpec.of("token_type_ids", INT64, -1, -1),
                    TensorSpec.of("text_token_mask", BOOL, -1, -1, -1)),
            List.of(TensorSpec.of("logits", FLOAT, -1, 900, 256),
                    TensorSpec.of("boxes", FLOAT, -1, 900, 4)));

    /** Manifest key of the AudioSet tagger, either family (old name: {@link #SYNONYMS}). */
    public static final String AUDIO_TAGGER = "audio.tagger";
    /** Manifest key of the tagger's class names (required with a tagger; {@code audio.AudioLabels}). */
    public static final String AUDIO_LABELS = "audio.labels";
    /** Manifest key of the label -> object table of the no-LLM baseline ({@code lbru.LabelObjects}). */
    public static final String AUDIO_LABEL_OBJECTS = "audio.label_objects";

    private static final String TAGGER_EXPORT = "an AudioSet tagger: BEATs (AudioSet-finetuned) exported from the "
            + "fbank on (fbank [B,T,128] -> probs [B,C]), or the Audio Spectrogram Transformer as Hugging Face's ONNX "
            + "export (e.g. of MIT/ast-finetuned-audioset-10-10-0.4593: input_values [B,1024,128] -> logits [B,C]); "
            + "C = the classes of audio.labels";

    /** BEATs from the normalised Kaldi fbank to sigmoid probabilities (§3.1); C is 527 for AudioSet. */
    public static final GraphSpec BEATS = new GraphSpec(AUDIO_TAGGER, "beats", TAGGER_EXPORT,
            List.of(TensorSpec.of("fbank", FLOAT, -1, -1, 128)),
            List.of(TensorSpec.of("probs", FLOAT, -1, -1)));

    /** The Audio Spectrogram Transformer as exported by transformers/optimum: 1024 fbank frames to logits (§7.4). */
    public static final GraphSpec AST = new GraphSpec(AUDIO_TAGGER, "ast", TAGGER_EXPORT,
            List.of(TensorSpec.of("input_values", FLOAT, -1, 1024, 128)),
            List.of(TensorSpec.of("logits", FLOAT, -1, -1)));

    /** Manifest key -> the interfaces accepted for it (several when more than one export family works). */
    public static final Map<String, List<GraphSpec>> BY_KEY = Map.of(
            SAM2_IMAGE_ENCODER.key(), List.of(SAM2_IMAGE_ENCODER, HUB_VISION_ENCODER),
            SAM2_MASK_DECODER.key(), List.of(SAM2_MASK_DECODER, HUB_MASK_DECODER),
            SAM2_MEMORY_ATTENTION.key(), List.of(SAM2_MEMORY_ATTENTION, HUB_MEMORY_ATTENTION),
            SAM2_MEMORY_ENCODER.key(), List.of(SAM2_MEMORY_ENCODER, HUB_MEMORY_ENCODER),
            HUB_POINTER_TPOS.key(), List.of(HUB_POINTER_TPOS),
            GDINO_HF.key(), List.of(GDINO_HF, GDINO_IDEA),
            AUDIO_TAGGER, List.of(BEATS, AST));

    /** Old manifest keys still accepted -> the key they now stand for (model directories keep working). */
    public static final Map<String, String> SYNONYMS = Map.of("beats.tagger", AUDIO_TAGGER);

    /** Manifest keys of companion files (not graphs) -> what they are. */
    public static final Map<String, String> COMPANIONS = Map.of(
            "gdino.tokenizer", "the bert-base-uncased vocab.txt the detector was exported with",
            SAM2_CONSTANTS, "constants.json of a transformers-family SAM 2.1 export",
            AUDIO_LABELS, "the audio tagger's class names: AudioSet's class_labels_indices.csv, one display name per "
                    + "line, or the export's config.json with id2label",
            AUDIO_LABEL_OBJECTS, "label->object table for the no-LLM baseline");

    /** Graphs a model directory must provide; the rest are optional (their features then report FAILED_PRECONDITION). */
    public static final List<String> REQUIRED = List.of(SAM2_IMAGE_ENCODER.key(), SAM2_MASK_DECODER.key(),
            SAM2_MEMORY_ATTENTION.key(), SAM2_MEMORY_ENCODER.key(), GDINO_HF.key());

    private CanonicalGraphs() {
    }

    /** The key a manifest key stands for: itself, or the current name of an old one ({@link #SYNONYMS}). */
    public static String canonicalKey(String key) {
        return SYNONYMS.getOrDefault(key, key);
    }

    public static Optional<List<GraphSpec>> forKey(String key) {
        return Optional.ofNullable(BY_KEY.get(key));
    }
}
