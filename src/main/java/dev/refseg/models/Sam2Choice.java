package dev.refseg.models;

import static dev.refseg.models.Candidate.ANY_SIZE;

import dev.refseg.runtime.CanonicalGraphs;
import dev.refseg.runtime.TensorSpec;
import dev.refseg.sam2.Sam2Constants;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Which SAM 2.1 files {@code --print-manifest} names: those of one export, that is one family at one input
 * size S, since start-up ({@code sam2.Sam2Setup}) refuses graphs of two families or two sizes. Each family,
 * and for the transformers family each S a file fixes, is an option; the best is complete (every key of the
 * family, constants.json included for the transformers family), or else has the most keys; then has its
 * graphs in the fewest folders, then is NVIDIA's, then has the larger S.
 */
final class Sam2Choice {
    /** Tensors whose side (dimensions 2 and 3) is S, in the transformers family's graphs. */
    private static final Set<String> S_SIDED = Set.of("pixel_values", "high_res_mask");
    /** Tensors whose side is F = S / 16. */
    private static final Set<String> F_SIDED = Set.of("feats2", "feats2_cond", "conditioned_feats");

    /**
     * One option, with the files that fit it.
     *
     * @param size       S, or {@link Candidate#ANY_SIZE} (NVIDIA's family, or no file fixes a size)
     * @param candidates for each key the family needs, in report order, the files that fit, best first
     */
    record Option(String family, int size, Map<String, List<Candidate>> candidates) {
        boolean fits(Candidate c) {
            return c.family().equals(family) && (size == ANY_SIZE || c.size() == ANY_SIZE || c.size() == size);
        }

        boolean complete() {
            return candidates.values().stream().noneMatch(List::isEmpty);
        }

        long present() {
            return candidates.values().stream().filter(l -> !l.isEmpty()).count();
        }

        /** Folders the chosen graphs lie in (constants.json, beside the graphs' folder, is not counted). */
        long folders() {
            return candidates.entrySet().stream().filter(e -> !e.getKey().equals(CanonicalGraphs.SAM2_CONSTANTS))
                    .filter(e -> !e.getValue().isEmpty()).map(e -> e.getValue().get(0).file().getParent())
                    .distinct().count();
        }
    }

    /** Worst to best; the count of keys ranks incomplete options only (the families need four and six). */
    private static final Comparator<Option> RANK = Comparator.comparing(Option::complete)
            .thenComparingLong(o -> o.complete() ? 0 : o.present()).thenComparingLong(o -> -o.folders())
            .thenComparing(o -> o.family().equals(CanonicalGraphs.NVIDIA)).thenComparingInt(Option::size);

    private Sam2Choice() {
    }

    /**
     * The best option.
     *
     * @param byKey the recognised files by manifest key, constants.json under {@link CanonicalGraphs#SAM2_CONSTANTS}
     */
    static Option best(Map<String, List<Candidate>> byKey) {
        TreeSet<Integer> sizes = new TreeSet<>();
        byKey.values().stream().flatMap(List::stream).filter(c -> c.family().equals(CanonicalGraphs.TRANSFORMERS))
                .map(Candidate::size).filter(s -> s != ANY_SIZE).forEach(sizes::add);
        if (sizes.isEmpty()) {
            sizes.add(ANY_SIZE);
        }
        List<Option> options = new ArrayList<>();
        options.add(option(CanonicalGraphs.NVIDIA, ANY_SIZE, byKey));
        sizes.forEach(s -> options.add(option(CanonicalGraphs.TRANSFORMERS, s, byKey)));
        return options.stream().max(RANK).orElseThrow();
    }

    /** The manifest keys of a family's export, in report order. */
    static List<String> keys(String family) {
        Stream<String> graphs = ModelCheck.ORDER.stream().filter(k -> k.startsWith("sam2."));
        return family.equals(CanonicalGraphs.TRANSFORMERS)
                ? Stream.concat(graphs, Stream.of(CanonicalGraphs.SAM2_CONSTANTS)).toList()
                : graphs.filter(k -> !k.equals(CanonicalGraphs.HUB_POINTER_TPOS.key())).toList();
    }

    /**
     * The sizes S a transformers-family graph's fixed dimensions imply: several when the graph disagrees
     * with itself, none when its sides are dynamic.
     */
    static Set<Integer> sizes(Map<String, TensorSpec> tensors) {
        Set<Integer> sizes = new TreeSet<>();
        tensors.forEach((name, t) -> {
            int scale = S_SIDED.contains(name) ? 1 : F_SIDED.contains(name) ? 16 : 0;
            if (scale == 0 || t == null) {
                return;
            }
            for (int d = 2; d < Math.min(4, t.shape().length); d++) {
                if (t.shape()[d] > 0) {
                    sizes.add((int) t.shape()[d] * scale);
                }
            }
        });
        return sizes;
    }

    /** The sizes S a constants.json states: its image_size, and 16 x its feat_size. */
    static Set<Integer> sizes(Sam2Constants constants) {
        Set<Integer> sizes = new TreeSet<>();
        constants.imageSize().ifPresent(sizes::add);
        constants.featSize().ifPresent(f -> sizes.add(16 * f));
        return sizes;
    }

    /**
     * The option's files for each key, best first: files near the folder that holds the most of its graphs
     * first, then near the files chosen before (one export's files stay together).
     */
    private static Option option(String family, int size, Map<String, List<Candidate>> byKey) {
        Option fitting = new Option(family, size, new LinkedHashMap<>());
        for (String key : keys(family)) {
            fitting.candidates().put(key, byKey.getOrDefault(key, List.of()).stream().filter(fitting::fits).toList());
        }
        List<Path> near = new ArrayList<>();
        fullestFolder(fitting).ifPresent(near::add);
        Map<String, List<Candidate>> ordered = new LinkedHashMap<>();
        fitting.candidates().forEach((key, files) -> {
            List<Candidate> best = files.stream().sorted(Candidate.preferred(near)).toList();
            ordered.put(key, best);
            if (!best.isEmpty()) {
                near.add(best.get(0).file().getParent());
            }
        });
        return new Option(family, size, ordered);
    }

    /** The folder holding files of the most keys; of several, the first by path. */
    private static Optional<Path> fullestFolder(Option fitting) {
        Map<Path, Long> keysIn = new LinkedHashMap<>();
        fitting.candidates().values().forEach(files -> files.stream().map(c -> c.file().getParent()).distinct()
                .forEach(folder -> keysIn.merge(folder, 1L, Long::sum)));
        return keysIn.entrySet().stream().max(Map.Entry.<Path, Long>comparingByValue()
                .thenComparing(Map.Entry.<Path, Long>comparingByKey().reversed())).map(Map.Entry::getKey);
    }
}
