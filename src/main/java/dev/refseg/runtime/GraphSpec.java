package dev.refseg.runtime;

import java.util.List;

/**
 * The interface one role of graph must have (e.g. the SAM 2 mask decoder) in one export family, and
 * which public export provides it, so a mismatch can tell the operator what to export.
 *
 * @param key            manifest key, e.g. "sam2.mask_decoder"
 * @param family         the export family, e.g. "sam2-nvidia", "sam2-transformers", "gdino-hf"
 * @param expectedExport the export that has this interface, in words
 */
public record GraphSpec(String key, String family, String expectedExport, List<TensorSpec> inputs,
        List<TensorSpec> outputs) {
}
