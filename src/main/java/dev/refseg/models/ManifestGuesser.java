package dev.refseg.models;

import static dev.refseg.models.PropertiesText.comment;
import static dev.refseg.models.PropertiesText.entry;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.refseg.inference.CanonicalGraphs;
import dev.refseg.inference.GraphChecker;
import dev.refseg.inference.GraphSpec;
import dev.refseg.inference.ModelLoadException;
import dev.refseg.inference.ModelManifest;
import dev.refseg.inference.OrtRuntime;
import dev.refseg.inference.TensorSpec;
import dev.refseg.sam2.Sam2Constants;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code refseg models --print-manifest DIR}: for a folder of downloaded files with no manifest yet,
 * recognises each ONNX file by its interface (every accepted interface of {@link CanonicalGraphs} is
 * tried, whatever the file is called) and prints the {@code manifest.properties} to use, paths relative
 * to DIR. Looks {@value #MAX_DEPTH} folders deep, following links, for {@code *.onnx}, {@code constants.json}
 * and {@code vocab.txt}.
 * <ul>
 *   <li>Several files with one key's interface (model.onnx, model_quantized.onnx): float32 I/O first (by
 *       the graph's types, whatever it is called), then the plain name, then the one nearest to the files
 *       already chosen (one export's graphs stay together); the others are printed commented out.</li>
 *   <li>SAM 2.1: one family only (the complete one, NVIDIA's when both are).</li>
 *   <li>Files recognised as nothing are listed as comments with the nearest interface's first mismatch.</li>
 * </ul>
 * Every remark is a comment and every name is escaped ({@link PropertiesText}), so the output can be saved
 * as it is and reads back as printed, whatever the folders and files are called. Returns 1 when a graph the service
 * needs is missing (named in a "# MISSING" line), else 0.
 */
final class ManifestGuesser {
    static final int MAX_DEPTH = 4;
    private static final List<String> SAM2_KEYS = ModelCheck.ORDER.stream().filter(k -> k.startsWith("sam2.")).toList();
    private static final String TOKENIZER = "gdino.tokenizer";

    private final Path dir;
    private final List<String> lines = new ArrayList<>();
    private final List<String> remarks = new ArrayList<>();
    private final List<String> missing = new ArrayList<>();
    /** Folders of the files chosen so far: later choices prefer files near them. */
    private final List<Path> chosen = new ArrayList<>();

    private ManifestGuesser(Path dir) {
        this.dir = dir;
    }

    static int print(Path dir, PrintStream out) {
        ManifestGuesser g = new ManifestGuesser(dir);
        g.guess();
        out.println(comment(ModelManifest.FILE + " for " + dir.toAbsolutePath().normalize()
                + ", recognised from the files' interfaces by `refseg models --print-manifest`."));
        out.println(comment("Save it as " + dir.resolve(ModelManifest.FILE) + ", then check it with `refseg models "
                + "--dir " + dir + "`."));
        g.lines.forEach(out::println);
        g.remarks.forEach(out::println);
        g.missing.forEach(out::println);
        return g.missing.isEmpty() ? 0 : 1;
    }

    private void guess() {
        List<Path> files = files();
        Map<String, List<Candidate>> byKey = new LinkedHashMap<>();
        OrtRuntime cpu = new OrtRuntime(List.of("cpu"), 0, 1);
        for (Path f : files) {
            if (f.getFileName().toString().endsWith(".onnx")) {
                recognise(cpu, f, byKey);
            }
        }
        String family = sam2Family(byKey, files);
        for (String key : SAM2_KEYS) {
            List<Candidate> same = byKey.getOrDefault(key, List.of()).stream()
                    .filter(m -> m.family().equals(family)).toList();
            if (!key.equals("sam2.pointer_tpos") || family.equals(CanonicalGraphs.TRANSFORMERS)) {
                choose(key, same, "no ONNX file here has its interface ("
                        + CanonicalGraphs.BY_KEY.get(key).stream().filter(s -> s.family().equals(family)).findFirst()
                                .orElseThrow().expectedExport() + ")");
            }
            byKey.getOrDefault(key, List.of()).stream().filter(m -> !m.family().equals(family))
                    .forEach(m -> remarks.add(comment(entry(key, relative(m.file())) + "   (" + m.family()
                            + " family; the " + family + " graphs are chosen)")));
        }
        if (family.equals(CanonicalGraphs.TRANSFORMERS)) {
            choose(CanonicalGraphs.SAM2_CONSTANTS, usableConstants(files), "the transformers family needs the "
                    + "constants.json of the same export");
        }
        choose("gdino.detector", byKey.getOrDefault("gdino.detector", List.of()), "no ONNX file here has its interface ("
                + CanonicalGraphs.GDINO_HF.expectedExport() + ")");
        if (lines.stream().anyMatch(l -> l.startsWith("gdino.detector "))) {
            chooseTokenizer(files);
        }
        List<Candidate> tagger = byKey.getOrDefault("beats.tagger", List.of());
        if (!tagger.isEmpty()) {
            choose("beats.tagger", tagger, "");
        }
    }

    /** Tries the file against every accepted interface; records a match, or a remark with the nearest miss. */
    private void recognise(OrtRuntime cpu, Path file, Map<String, List<Candidate>> byKey) {
        Map<String, TensorSpec> inputs;
        Map<String, TensorSpec> outputs;
        try (OrtSession s = cpu.inspect(file)) {
            inputs = GraphChecker.describe(s.getInputInfo());
            outputs = GraphChecker.describe(s.getOutputInfo());
        } catch (ModelLoadException | OrtException e) {
            remarks.add(comment("unreadable: " + e.getMessage()));
            return;
        }
        List<String> nearest = null;
        GraphSpec nearestSpec = null;
        for (List<GraphSpec> specs : CanonicalGraphs.BY_KEY.values()) {
            for (GraphSpec spec : specs) {
                List<String> problems = GraphChecker.problems(spec, inputs, outputs);
                if (problems.isEmpty()) {
                    boolean fp32 = GraphChecker.check(spec.key(), file, List.of(spec), inputs, outputs).converted()
                            .isEmpty();
                    byKey.computeIfAbsent(spec.key(), k -> new ArrayList<>()).add(new Candidate(file, spec.family(),
                            fp32));
                    return;
                }
                if (nearest == null || problems.size() < nearest.size()) {
                    nearest = problems;
                    nearestSpec = spec;
                }
            }
        }
        remarks.add(comment("not recognised: " + relative(file) + ": nearest is " + nearestSpec.key() + " ("
                + nearestSpec.family() + "), but " + nearest.get(0)));
    }

    /** The SAM 2.1 family to use: a complete one (NVIDIA's first), else the one with the most graphs here. */
    private static String sam2Family(Map<String, List<Candidate>> byKey, List<Path> files) {
        Map<String, Integer> found = new LinkedHashMap<>();
        found.put(CanonicalGraphs.NVIDIA, 0);
        found.put(CanonicalGraphs.TRANSFORMERS, files.stream().anyMatch(ManifestGuesser::isConstants) ? 1 : 0);
        for (String key : SAM2_KEYS) {
            byKey.getOrDefault(key, List.of()).stream().map(Candidate::family).distinct()
                    .forEach(f -> found.merge(f, 1, Integer::sum));
        }
        if (found.get(CanonicalGraphs.NVIDIA) == 4) {
            return CanonicalGraphs.NVIDIA;
        }
        // The transformers family is complete at 6: five graphs and constants.json.
        return found.get(CanonicalGraphs.TRANSFORMERS) > found.get(CanonicalGraphs.NVIDIA) ? CanonicalGraphs.TRANSFORMERS
                : CanonicalGraphs.NVIDIA;
    }

    private void chooseTokenizer(List<Path> files) {
        List<Candidate> vocab = files.stream().filter(f -> f.getFileName().toString().endsWith("vocab.txt"))
                .map(f -> Candidate.companion(f, "")).toList();
        if (vocab.isEmpty()) {
            files.stream().filter(f -> f.getFileName().toString().equals("tokenizer.json")).forEach(f -> remarks.add(
                    comment(relative(f) + " is not usable: refseg reads the BERT vocab.txt (one token per line) of "
                            + "the same repository, not tokenizer.json")));
        }
        choose(TOKENIZER, vocab, "the detector needs the bert-base-uncased vocab.txt its export was made with");
    }

    /** constants.json files that read as a transformers-family export's; the others become remarks. */
    private List<Candidate> usableConstants(List<Path> files) {
        List<Candidate> ok = new ArrayList<>();
        for (Path f : files) {
            if (isConstants(f)) {
                try {
                    Sam2Constants.read(f);
                    ok.add(Candidate.companion(f, CanonicalGraphs.TRANSFORMERS));
                } catch (ModelLoadException e) {
                    remarks.add(comment("not usable: " + e.getMessage()));
                }
            }
        }
        return ok;
    }

    /** Prints the best of the files for the key and the others commented out, or records it missing. */
    private void choose(String key, List<Candidate> files, String whyNeeded) {
        if (files.isEmpty()) {
            missing.add(comment("MISSING " + key + ": " + whyNeeded));
            return;
        }
        List<Candidate> ordered = files.stream().sorted(Candidate.preferred(chosen)).toList();
        lines.add(entry(key, relative(ordered.get(0).file())));
        chosen.add(ordered.get(0).file().getParent());
        for (Candidate other : ordered.subList(1, ordered.size())) {
            lines.add(comment(entry(key, relative(other.file())) + "   (also has this interface)"));
        }
    }

    private static boolean isConstants(Path f) {
        return f.getFileName().toString().equals("constants.json");
    }

    /**
     * Regular files under the directory, at most {@value #MAX_DEPTH} folders down, sorted by path. Links are
     * followed (downloads such as the Hugging Face cache are links to blobs); a link loop, a link to nothing
     * and a folder that cannot be read become remarks, and the rest is still listed.
     */
    private List<Path> files() {
        Lister lister = new Lister();
        try {
            Files.walkFileTree(dir, EnumSet.of(FileVisitOption.FOLLOW_LINKS), MAX_DEPTH + 1, lister);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
        lister.found.sort(null);
        return lister.found;
    }

    /** Collects the regular files of a walk; what it cannot follow or read becomes a remark. */
    private final class Lister extends SimpleFileVisitor<Path> {
        final List<Path> found = new ArrayList<>();

        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
            if (attributes.isRegularFile()) {
                found.add(file);
            } else if (attributes.isSymbolicLink()) {
                // Following links, the walk gives a link's own attributes only when its target is absent.
                remarks.add(comment(relative(file) + " is a link to nothing"));
            }
            return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFileFailed(Path file, IOException e) {
            remarks.add(comment(e instanceof FileSystemLoopException
                    ? "not followed: " + relative(file) + " leads back to a folder above it (a link loop)"
                    : "cannot read " + relative(file) + ": " + e));
            return FileVisitResult.CONTINUE;
        }
    }

    /**
     * The file's path relative to the directory, as the manifest names it. One that starts with white space
     * gets "./" in front: the manifest reader trims values, so an escaped leading space would still be lost.
     */
    private String relative(Path file) {
        String path = ModelsCli.relative(dir, file).replace(java.io.File.separatorChar, '/');
        return !path.isEmpty() && path.charAt(0) <= ' ' ? "./" + path : path;
    }
}
