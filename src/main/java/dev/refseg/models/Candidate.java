package dev.refseg.models;

import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A file {@code --print-manifest} could name for a manifest key, and the order in which such files are
 * preferred.
 *
 * @param file   the file, under the directory looked through
 * @param family the export family of the interface it matched ("sam2-nvidia", "gdino-hf", ...); for a
 *               companion file (constants.json, vocab.txt) the family it belongs to, or ""
 * @param fp32   whether every float tensor of its interface is float32, i.e. nothing is converted at the
 *               boundary; true for companion files
 * @param size   the SAM 2.1 input size S its fixed dimensions (or constants.json) imply, {@link #ANY_SIZE}
 *               when they imply none (NVIDIA's graphs are all 1024 px, by their interface)
 */
record Candidate(Path file, String family, boolean fp32, int size) {
    static final int ANY_SIZE = 0;

    /** Names of exported variants that are not the plain fp32 graph. */
    private static final Pattern VARIANT = Pattern.compile(
            "(?i).*[_.-](quantized|quant|int8|uint8|q4|q4f16|bnb4|fp16|f16|half|bf16)\\.onnx");

    /** A companion file of no size: no interface, nothing converted. */
    static Candidate companion(Path file, String family) {
        return new Candidate(file, family, true, ANY_SIZE);
    }

    /**
     * Best first: float32 I/O (what the graph's types say, whatever it is called), then a name that is not
     * a variant's (model_quantized.onnx), then the file nearest to the given folders (one export's files
     * stay together), then by path.
     */
    static Comparator<Candidate> preferred(List<Path> near) {
        return Comparator.comparing((Candidate c) -> !c.fp32())
                .thenComparing(c -> VARIANT.matcher(c.file().getFileName().toString()).matches())
                .thenComparing(c -> -nearness(c.file(), near))
                .thenComparing(c -> c.file().toString());
    }

    /** Leading folders the file's folder shares with the nearest of the given folders. */
    private static int nearness(Path file, List<Path> near) {
        Path a = file.getParent();
        int best = 0;
        for (Path b : near) {
            int n = 0;
            while (n < Math.min(a.getNameCount(), b.getNameCount()) && a.getName(n).equals(b.getName(n))) {
                n++;
            }
            best = Math.max(best, n);
        }
        return best;
    }
}
