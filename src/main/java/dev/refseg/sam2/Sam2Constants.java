package dev.refseg.sam2;

import com.fasterxml.jackson.databind.JsonNode;
import dev.refseg.runtime.ModelLoadException;
import dev.refseg.runtime.StrictJson;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

/**
 * {@code constants.json} of a transformers-family SAM 2.1 export (models.md §7.1): the memory temporal
 * positional table (num_maskmem rows of mem_dim values, nested or flat), the normalisation mean and std,
 * and the geometry the exporter wrote. Exporters differ in which geometry keys they write
 * (square-zero-labs: image_size, feat_size, mem_dim, num_maskmem, max_object_pointers, no_obj_score;
 * diffusionstudio: image_size, memory_frames), so only the table, mean and std are required; every
 * geometry key present is checked against the graphs by {@link Sam2Setup}.
 *
 * @param temporalTable [numMaskmem * memDim] row k = the position added to a memory k+1 frames back
 *                      (row numMaskmem-1 for conditioning memories)
 * @param mean          [3] RGB mean of the 0..1 pixel values
 * @param std           [3] RGB standard deviation, all &gt; 0
 */
public record Sam2Constants(Path file, float[] temporalTable, int tableRows, float[] mean, float[] std,
        OptionalInt imageSize, OptionalInt featSize, OptionalInt memDim, OptionalInt numMaskmem,
        OptionalInt maxObjectPointers) {

    /**
     * Reads and checks the file's own consistency.
     *
     * @throws ModelLoadException naming the file and the key that is missing or malformed
     */
    public static Sam2Constants read(Path file) {
        JsonNode root = StrictJson.read(file, problem -> bad(file, problem));
        if (root == null || !root.isObject()) {
            throw bad(file, "is not a JSON object");
        }
        JsonNode table = root.get("memory_temporal_positional_encoding");
        if (table == null || !table.isArray()) {
            throw bad(file, "lacks memory_temporal_positional_encoding (the num_maskmem x mem_dim temporal table)");
        }
        List<Float> values = new ArrayList<>();
        int rows = flatten(file, table, values, 0);
        OptionalInt numMaskmem = integer(file, root, "num_maskmem");
        if (numMaskmem.isEmpty()) {
            numMaskmem = integer(file, root, "memory_frames");
        }
        OptionalInt memDim = integer(file, root, "mem_dim");
        int expectRows = numMaskmem.orElse(MemoryBank.NUM_MASKMEM);
        if (rows == 1 || rows == values.size()) {
            // A flat table: rows follow from num_maskmem.
            rows = expectRows;
        }
        if (rows != expectRows) {
            throw bad(file, "memory_temporal_positional_encoding has " + rows + " rows; expected " + expectRows
                    + " (num_maskmem)");
        }
        if (values.size() % rows != 0) {
            throw bad(file, "memory_temporal_positional_encoding has " + values.size() + " values, which is not "
                    + rows + " rows of equal length");
        }
        if (memDim.isPresent() && values.size() != rows * memDim.getAsInt()) {
            throw bad(file, "memory_temporal_positional_encoding has " + values.size() + " values; expected "
                    + rows + " x mem_dim " + memDim.getAsInt());
        }
        OptionalInt hidden = integer(file, root, "hidden_dim");
        if (hidden.isPresent() && hidden.getAsInt() != 256) {
            throw bad(file, "hidden_dim is " + hidden.getAsInt() + "; SAM 2.1's object pointers have 256 values");
        }
        float[] mean = triple(file, root, "image_mean");
        float[] std = triple(file, root, "image_std");
        for (float s : std) {
            if (!(s > 0)) {
                throw bad(file, "image_std must be positive, got " + java.util.Arrays.toString(std));
            }
        }
        float[] t = new float[values.size()];
        for (int i = 0; i < t.length; i++) {
            t[i] = values.get(i);
        }
        return new Sam2Constants(file, t, rows, mean, std, integer(file, root, "image_size"),
                integer(file, root, "feat_size"), memDim, numMaskmem, integer(file, root, "max_object_pointers"));
    }

    /** Values per row of the temporal table (the memory dimension). */
    public int rowWidth() {
        return temporalTable.length / tableRows;
    }

    /** Collects the numbers of a nested array; returns the number of rows at the first level. */
    private static int flatten(Path file, JsonNode node, List<Float> out, int depth) {
        int rows = 0;
        for (JsonNode n : node) {
            rows++;
            if (n.isArray() && depth < 3) {
                flatten(file, n, out, depth + 1);
            } else if (n.isNumber()) {
                out.add(finite(file, "memory_temporal_positional_encoding", n));
            } else {
                throw bad(file, "memory_temporal_positional_encoding holds a non-number: " + n);
            }
        }
        return rows;
    }

    /** The value as float32, which the graphs take: a number beyond its range would become infinite. */
    private static float finite(Path file, String key, JsonNode n) {
        float v = n.floatValue();
        if (!Float.isFinite(v)) {
            throw bad(file, key + " holds " + n + ", which is not a finite 32-bit float");
        }
        return v;
    }

    private static OptionalInt integer(Path file, JsonNode root, String key) {
        JsonNode n = root.get(key);
        if (n == null || n.isNull()) {
            return OptionalInt.empty();
        }
        if (!n.canConvertToInt() || !n.isIntegralNumber() || n.intValue() <= 0) {
            throw bad(file, key + " must be a positive integer, got " + n);
        }
        return OptionalInt.of(n.intValue());
    }

    private static float[] triple(Path file, JsonNode root, String key) {
        JsonNode n = root.get(key);
        if (n == null || !n.isArray() || n.size() != 3) {
            throw bad(file, key + " must be an array of 3 numbers (R, G, B), got " + n);
        }
        float[] v = new float[3];
        for (int i = 0; i < 3; i++) {
            if (!n.get(i).isNumber()) {
                throw bad(file, key + " must be an array of 3 numbers (R, G, B), got " + n);
            }
            v[i] = finite(file, key, n.get(i));
        }
        return v;
    }

    private static ModelLoadException bad(Path file, String problem) {
        return new ModelLoadException("sam2.constants (" + file + ") " + problem);
    }
}
