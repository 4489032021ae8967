package dev.refseg.sam2;

import dev.refseg.runtime.CanonicalGraphs;
import dev.refseg.runtime.GraphTimer;
import dev.refseg.runtime.ModelLoadException;
import dev.refseg.runtime.ModelManifest;
import dev.refseg.runtime.ModelRegistry;
import dev.refseg.runtime.TensorSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Which SAM 2.1 export family a model directory holds, and its geometry, checked once at load (and by
 * the {@code models} command): every tracker graph must be of the same family (chosen by its I/O names),
 * and for the transformers family (models.md §7.1) the sizes of the five graphs and of constants.json
 * must agree with each other: input side S, feature side F = S/16 (feats0 4F, feats1 2F, low-res mask
 * 4F, high-res mask S), F² memory tokens of 64 values, 7 memories and 16 object pointers of 4 tokens in
 * the fixed bank ({@code memoryRows} = 7F² + 64).
 *
 * @param family     {@link CanonicalGraphs#NVIDIA} or {@link CanonicalGraphs#TRANSFORMERS}
 * @param imageSize  S in pixels
 * @param featSize   F in cells
 * @param memoryRows rows of the memory attention's bank (transformers family; 0 for NVIDIA, whose bank is dynamic)
 * @param constants  the transformers family's constants.json, null for NVIDIA
 */
public record Sam2Setup(String family, int imageSize, int featSize, int memoryRows, Sam2Constants constants) {
    static final String[] TRACKER_KEYS = {"sam2.image_encoder", "sam2.mask_decoder", "sam2.memory_encoder",
        "sam2.memory_attention"};
    static final String POINTER_TPOS = "sam2.pointer_tpos";
    /** Values per memory token (SAM 2's mem_dim). */
    public static final int MEM_DIM = 64;
    /** Tokens one 256-value object pointer is split into (hidden_dim / mem_dim). */
    public static final int TOKENS_PER_POINTER = 256 / MEM_DIM;

    /**
     * Checks the registry's tracker graphs.
     *
     * @throws ModelLoadException naming the graphs of each family on a mix, or the first size that disagrees
     */
    public static Sam2Setup check(ModelRegistry models) {
        Map<String, String> families = new LinkedHashMap<>();
        for (String key : TRACKER_KEYS) {
            if (models.has(key)) {
                families.put(key, models.interfaceOf(key).family());
            }
        }
        if (models.has(POINTER_TPOS)) {
            families.put(POINTER_TPOS, CanonicalGraphs.TRANSFORMERS);
        }
        if (families.values().stream().distinct().count() > 1) {
            throw new ModelLoadException("the SAM 2.1 graphs in " + models.dir().resolve(ModelManifest.FILE)
                    + " come from different export families, which cannot be mixed: " + families.entrySet().stream()
                            .map(e -> e.getKey() + " is " + e.getValue()).collect(Collectors.joining(", "))
                    + ". Use all four graphs of NVIDIA's export, or all five graphs and constants.json of one "
                    + "transformers-family export");
        }
        if (families.isEmpty() || CanonicalGraphs.NVIDIA.equals(families.values().iterator().next())) {
            if (models.companion(CanonicalGraphs.SAM2_CONSTANTS).isPresent()) {
                throw new ModelLoadException(CanonicalGraphs.SAM2_CONSTANTS + " belongs to the transformers family, "
                        + "but the SAM 2.1 graphs are NVIDIA's export; remove it from the manifest");
            }
            return new Sam2Setup(CanonicalGraphs.NVIDIA, Sam2Image.SIZE, 64, 0, null);
        }
        return checkTransformers(models);
    }

    private static Sam2Setup checkTransformers(ModelRegistry models) {
        if (!models.has(POINTER_TPOS)) {
            throw new ModelLoadException("the SAM 2.1 graphs are the transformers family, which also needs "
                    + POINTER_TPOS + " (onnx/pointer_tpos.onnx of the same export) in the manifest");
        }
        Sam2Constants c = Sam2Constants.read(models.companion(CanonicalGraphs.SAM2_CONSTANTS).orElseThrow(() ->
                new ModelLoadException("the SAM 2.1 graphs are the transformers family, which also needs "
                        + CanonicalGraphs.SAM2_CONSTANTS + " (constants.json of the same export) in the manifest")));
        Sizes sizes = new Sizes();
        sizes.fix("S", dim(models.inputs("sam2.image_encoder"), "pixel_values", 2), "sam2.image_encoder pixel_values");
        sizes.fix("S", dim(models.inputs("sam2.image_encoder"), "pixel_values", 3), "sam2.image_encoder pixel_values");
        sizes.fix("S", c.imageSize().orElse(-1), c.file() + " image_size");
        sizes.fix("F", dim(models.outputs("sam2.image_encoder"), "feats2", 2), "sam2.image_encoder feats2");
        sizes.fix("F", c.featSize().orElse(-1), c.file() + " feat_size");
        sizes.fix("F", dim(models.outputs("sam2.memory_attention"), "conditioned_feats", 2),
                "sam2.memory_attention conditioned_feats");
        if (sizes.get("S") < 0) {
            throw new ModelLoadException("cannot tell the SAM 2.1 input size: sam2.image_encoder's pixel_values is "
                    + "dynamic and constants.json has no image_size");
        }
        int s = sizes.get("S");
        if (sizes.get("F") < 0) {
            sizes.fix("F", s / 16, "S / 16");
        }
        int f = sizes.get("F");
        if (s != 16 * f) {
            throw new ModelLoadException("SAM 2.1 input size " + s + " and feature size " + f + " disagree: the "
                    + "backbone's stride is 16 (S = 16 F)");
        }
        List<String> wrong = new ArrayList<>();
        expect(wrong, models.outputs("sam2.image_encoder"), "feats0", 2, 4 * f, "sam2.image_encoder");
        expect(wrong, models.outputs("sam2.image_encoder"), "feats1", 2, 2 * f, "sam2.image_encoder");
        expect(wrong, models.outputs("sam2.image_encoder"), "vision_pos_embed", 2, f, "sam2.image_encoder");
        expect(wrong, models.outputs("sam2.mask_decoder"), "low_res_mask", 2, 4 * f, "sam2.mask_decoder");
        expect(wrong, models.outputs("sam2.mask_decoder"), "high_res_mask", 2, s, "sam2.mask_decoder");
        expect(wrong, models.inputs("sam2.memory_encoder"), "high_res_mask", 2, s, "sam2.memory_encoder");
        expect(wrong, models.outputs("sam2.memory_encoder"), "memory_tokens", 0, f * f, "sam2.memory_encoder");
        int rows = MemoryBank.NUM_MASKMEM * f * f + MemoryBank.MAX_OBJ_PTRS * TOKENS_PER_POINTER;
        expect(wrong, models.inputs("sam2.memory_attention"), "memory", 0, rows, "sam2.memory_attention");
        expect(wrong, models.inputs("sam2.memory_attention"), "current_vision_features", 0, f * f,
                "sam2.memory_attention");
        expect(wrong, models.inputs(POINTER_TPOS), "normalized_diffs", 0, MemoryBank.MAX_OBJ_PTRS, POINTER_TPOS);
        if (c.tableRows() != MemoryBank.NUM_MASKMEM || c.rowWidth() != MEM_DIM) {
            wrong.add("constants.json memory_temporal_positional_encoding is " + c.tableRows() + " x " + c.rowWidth()
                    + ", expected " + MemoryBank.NUM_MASKMEM + " x " + MEM_DIM);
        }
        if (c.memDim().isPresent() && c.memDim().getAsInt() != MEM_DIM) {
            wrong.add("constants.json mem_dim is " + c.memDim().getAsInt() + ", expected " + MEM_DIM);
        }
        if (c.maxObjectPointers().isPresent() && c.maxObjectPointers().getAsInt() != MemoryBank.MAX_OBJ_PTRS) {
            wrong.add("constants.json max_object_pointers is " + c.maxObjectPointers().getAsInt() + ", expected "
                    + MemoryBank.MAX_OBJ_PTRS);
        }
        if (!wrong.isEmpty()) {
            throw new ModelLoadException("the transformers-family SAM 2.1 export (S = " + s + ", F = " + f
                    + ") is inconsistent: " + String.join("; ", wrong));
        }
        return new Sam2Setup(CanonicalGraphs.TRANSFORMERS, s, f, rows, c);
    }

    /** The tracker's model for this family. */
    public Sam2Model create(ModelRegistry models, GraphTimer timer) {
        if (CanonicalGraphs.NVIDIA.equals(family)) {
            return NvidiaSam2.of(models, timer);
        }
        return TransformersSam2.of(models, this, timer);
    }

    @Override
    public String toString() {
        return family + " (input " + imageSize + " px, features " + featSize + "x" + featSize + ")";
    }

    private static int dim(Map<String, TensorSpec> specs, String name, int d) {
        TensorSpec t = specs.get(name);
        return t == null || t.shape().length <= d ? -1 : (int) t.shape()[d];
    }

    private static void expect(List<String> wrong, Map<String, TensorSpec> specs, String name, int d, int want,
            String graph) {
        int have = dim(specs, name, d);
        if (have >= 0 && have != want) {
            wrong.add(graph + " " + name + " has " + have + " in dimension " + d + ", expected " + want);
        }
    }

    /** Sizes fixed by several sources, which must agree (-1 = this source leaves it open). */
    private static final class Sizes {
        private final Map<String, Integer> value = new LinkedHashMap<>();
        private final Map<String, String> source = new LinkedHashMap<>();

        void fix(String name, int v, String from) {
            if (v < 0) {
                return;
            }
            Integer old = value.get(name);
            if (old != null && old != v) {
                throw new ModelLoadException("SAM 2.1 size " + name + " is " + old + " in " + source.get(name)
                        + " but " + v + " in " + from);
            }
            value.put(name, v);
            source.put(name, from);
        }

        int get(String name) {
            return value.getOrDefault(name, -1);
        }
    }
}
