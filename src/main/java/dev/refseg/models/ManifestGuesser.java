package dev.refseg.models;

import static dev.refseg.models.PropertiesText.comment;
import static dev.refseg.models.PropertiesText.entry;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.refseg.audio.AudioLabels;
import dev.refseg.runtime.CanonicalGraphs;
import dev.refseg.runtime.GraphChecker;
import dev.refseg.runtime.GraphSpec;
import dev.refseg.runtime.ModelLoadException;
import dev.refseg.runtime.ModelManifest;
import dev.refseg.runtime.OrtRuntime;
import dev.refseg.runtime.TensorSpec;
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
import java.util.Set;

/**
 * {@code refseg models --print-manifest DIR}: for a folder of downloaded files with no manifest yet,
 * recognises each ONNX file by its interface (every accepted interface of {@link CanonicalGraphs} is
 * tried, whatever the file is called) and prints the {@code manifest.properties} to use, paths relative
 * to DIR. Looks {@value #MAX_DEPTH} folders deep, following links, for {@code *.onnx},
 * {@code constants.json}, {@code vocab.txt} and the tagger's labels.
 * <ul>
 *   <li>Several files with one key's interface (model.onnx, model_quantized.onnx): float32 I/O first (by
 *       the graph's types, whatever it is called), then the plain name, then the one nearest to the files
 *       already chosen (one export's graphs stay together); the others are printed commented out.</li>
 *   <li>SAM 2.1: the files of one export only, one family at one input size ({@link Sam2Choice}: a
 *       complete one first); the others are remarks saying why not, and a key that export lacks is a
 *       "# MISSING" line.</li>
 *   <li>An audio tagger (BEATs or AST, by its interface) brings its class names: a config.json, or a file
 *       with "label" in its name, that reads as labels with the tagger's class count; "# MISSING
 *       audio.labels" when there is none.</li>
 *   <li>Files recognised as nothing are listed as comments with the nearest interface's first mismatch.</li>
 * </ul>
 * Every remark is a comment and every name is escaped ({@link PropertiesText}), so the output can be
 * saved as it is and reads back as printed, whatever the folders and files are called. Returns 1 when a
 * file the service needs is missing (named in a "# MISSING" line), else 0.
 */
final class ManifestGuesser {
    static final int MAX_DEPTH = 4;
    private static final String TOKENIZER = "gdino.tokenizer";

    private final Path dir;
    private final List<String> lines = new ArrayList<>();
    private final List<String> remarks = new ArrayList<>();
    private final List<String> missing = new ArrayList<>();
    /** Folders of the files chosen so far: later choices prefer files near them. */
    private final List<Path> chosen = new ArrayList<>();
    /** Classes each recognised tagger file declares (-1: dynamic), to match its labels file. */
    private final Map<Path, Integer> taggerClasses = new LinkedHashMap<>();

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
        byKey.put(CanonicalGraphs.SAM2_CONSTANTS, usableConstants(files));
        chooseSam2(byKey);
        List<Candidate> detector = byKey.getOrDefault("gdino.detector", List.of());
        choose("gdino.detector", detector, "no ONNX file here has its interface ("
                + CanonicalGraphs.GDINO_HF.expectedExport() + ")");
        if (!detector.isEmpty()) {
            chooseTokenizer(files);
        }
        List<Candidate> tagger = byKey.getOrDefault(CanonicalGraphs.AUDIO_TAGGER, List.of());
        if (!tagger.isEmpty()) {
            List<Candidate> ordered = tagger.stream().sorted(Candidate.preferred(chosen)).toList();
            print(CanonicalGraphs.AUDIO_TAGGER, ordered, "");
            chooseLabels(files, taggerClasses.getOrDefault(ordered.get(0).file(), -1));
        }
    }

    /**
     * The tagger's class names: a {@code config.json}, or a .csv/.txt/.json file with "label" in its name,
     * that reads as labels ({@link AudioLabels}) with as many classes as the tagger declares (any number when
     * it declares none); the others become remarks.
     */
    private void chooseLabels(List<Path> files, int classes) {
        List<Candidate> usable = new ArrayList<>();
        for (Path f : files) {
            String name = f.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
            boolean labelFile = name.contains("label") && (name.endsWith(".csv") || name.endsWith(".txt")
                    || name.endsWith(".json"));
            if (!labelFile && !name.equals("config.json")) {
                continue;
            }
            try {
                AudioLabels labels = AudioLabels.load(f);
                if (classes > 0 && labels.size() != classes) {
                    remarks.add(comment("not usable as " + CanonicalGraphs.AUDIO_LABELS + ": " + relative(f) + " names "
                            + labels.size() + " classes, the tagger " + classes));
                } else {
                    usable.add(Candidate.companion(f, ""));
                }
            } catch (ModelLoadException e) {
                // Other exports' config.json files are no labels: say so only of files named as labels.
                if (labelFile) {
                    remarks.add(comment("not usable as " + CanonicalGraphs.AUDIO_LABELS + ": " + e.getMessage()));
                }
            }
        }
        choose(CanonicalGraphs.AUDIO_LABELS, usable, "the audio tagger needs its class names: "
                + CanonicalGraphs.COMPANIONS.get(CanonicalGraphs.AUDIO_LABELS));
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
                    add(byKey, spec, file, inputs, outputs);
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

    /** Prints the files of the best SAM 2.1 export ({@link Sam2Choice}), and the others as remarks saying why not. */
    private void chooseSam2(Map<String, List<Candidate>> byKey) {
        Sam2Choice.Option sam2 = Sam2Choice.best(byKey);
        sam2.candidates().forEach((key, files) -> print(key, files, whySam2Needs(sam2, key)));
        // Every SAM 2.1 key of either family: the transformers family's keys include NVIDIA's.
        for (String key : Sam2Choice.keys(CanonicalGraphs.TRANSFORMERS)) {
            for (Candidate c : byKey.getOrDefault(key, List.of())) {
                if (!sam2.fits(c)) {
                    remarks.add(comment(entry(key, relative(c.file())) + "   (" + whyNot(sam2, c) + ")"));
                }
            }
        }
    }

    /** Why a SAM 2.1 file is not of the chosen export: its family, else its size. */
    private static String whyNot(Sam2Choice.Option sam2, Candidate c) {
        return c.family().equals(sam2.family()) ? c.size() + " px export; the " + sam2.size() + " px graphs are chosen"
                : c.family() + " family; the " + sam2.family() + " graphs are chosen";
    }

    /** What a missing key of the chosen SAM 2.1 export is, for its "# MISSING" line. */
    private static String whySam2Needs(Sam2Choice.Option sam2, String key) {
        boolean sized = sam2.size() != Candidate.ANY_SIZE;
        if (key.equals(CanonicalGraphs.SAM2_CONSTANTS)) {
            return "the transformers family needs the constants.json of the same export"
                    + (sized ? " (" + sam2.size() + " px)" : "");
        }
        return "no ONNX file here has its interface" + (sized ? " at " + sam2.size() + " px, the input size of the "
                + "SAM 2.1 graphs chosen" : "") + " (" + CanonicalGraphs.BY_KEY.get(key).stream()
                        .filter(s -> s.family().equals(sam2.family())).findFirst().orElseThrow().expectedExport() + ")";
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

    /**
     * Records a file that matched the spec, with its float types and, for the transformers family, the
     * SAM 2.1 size its dimensions fix; a file whose dimensions disagree with each other becomes a remark.
     */
    private void add(Map<String, List<Candidate>> byKey, GraphSpec spec, Path file, Map<String, TensorSpec> inputs,
            Map<String, TensorSpec> outputs) {
        boolean fp32 = GraphChecker.check(spec.key(), file, List.of(spec), inputs, outputs).converted().isEmpty();
        Map<String, TensorSpec> tensors = new LinkedHashMap<>(inputs);
        tensors.putAll(outputs);
        Set<Integer> sizes = spec.family().equals(CanonicalGraphs.TRANSFORMERS) ? Sam2Choice.sizes(tensors) : Set.of();
        Candidate c = sized(file, spec.family(), fp32, sizes, "has " + spec.key() + "'s interface, but its "
                + "dimensions imply the input sizes " + sizes + " (S = 16 x the feature side)");
        if (spec.key().equals(CanonicalGraphs.AUDIO_TAGGER)) {
            long[] scores = outputs.get(spec.outputs().get(0).name()).shape();
            taggerClasses.put(file, scores.length == 2 && scores[1] > 0 ? (int) scores[1] : -1);
        }
        if (c != null) {
            byKey.computeIfAbsent(spec.key(), k -> new ArrayList<>()).add(c);
        }
    }

    /** The file as a candidate of the one size it implies (or none); null, with the remark, when several. */
    private Candidate sized(Path file, String family, boolean fp32, Set<Integer> sizes, String remark) {
        if (sizes.size() > 1) {
            remarks.add(comment("not usable: " + relative(file) + " " + remark));
            return null;
        }
        return new Candidate(file, family, fp32, sizes.stream().findFirst().orElse(Candidate.ANY_SIZE));
    }

    /** constants.json files that read as a transformers-family export's; the others become remarks. */
    private List<Candidate> usableConstants(List<Path> files) {
        List<Candidate> ok = new ArrayList<>();
        for (Path f : files) {
            if (isConstants(f)) {
                try {
                    Set<Integer> sizes = Sam2Choice.sizes(Sam2Constants.read(f));
                    Candidate c = sized(f, CanonicalGraphs.TRANSFORMERS, true, sizes, "states the input sizes "
                            + sizes + " (image_size, 16 x feat_size)");
                    if (c != null) {
                        ok.add(c);
                    }
                } catch (ModelLoadException e) {
                    remarks.add(comment("not usable: " + e.getMessage()));
                }
            }
        }
        return ok;
    }

    /** Prints the best of the files for the key and the others commented out, or records it missing. */
    private void choose(String key, List<Candidate> files, String whyNeeded) {
        print(key, files.stream().sorted(Candidate.preferred(chosen)).toList(), whyNeeded);
    }

    /** Prints the first of the files for the key and the others commented out, or records it missing. */
    private void print(String key, List<Candidate> ordered, String whyNeeded) {
        if (ordered.isEmpty()) {
            missing.add(comment("MISSING " + key + ": " + whyNeeded));
            return;
        }
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
