package dev.refseg.models;

import dev.refseg.runtime.ModelLoadException;
import dev.refseg.runtime.OrtRuntime;
import dev.refseg.sam2.Sam2Constants;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * {@code refseg models}: checks a model directory the way start-up does and runs every graph once.
 * <pre>
 * refseg models --dir DIR [--runs N] [--providers cuda,cpu]
 * refseg models --print-manifest DIR
 * </pre>
 * {@code --dir} prints one line per graph (key, export family, file, size, I/O element types, first-run
 * and median milliseconds, nodes per execution provider that actually ran them) and exits 0, or prints
 * "refused: " and the problem and exits 1. {@code --print-manifest} recognises the ONNX files of a
 * download by their interfaces and prints the manifest.properties to use ({@link ManifestGuesser}).
 * Exit 2: bad arguments (the reason, then the usage): {@code --runs} must be 1 to {@value #MAX_RUNS},
 * {@code --providers} a list of cpu, cuda, tensorrt.
 */
public final class ModelsCli {
    static final String USAGE = "usage: refseg models --dir DIR [--runs N] [--providers cuda,cpu]\n"
            + "       refseg models --print-manifest DIR";
    /** Most repeats {@code --runs} takes: enough for a stable median, and a typo cannot run for hours. */
    static final int MAX_RUNS = 1000;
    /** Below this mask IoU on the synthetic sample the tracker is said to have missed (a warning, exit 0). */
    static final double LOW_TRACK_IOU = 0.1;
    /** The execution providers {@code --providers} takes (as the service's refseg.inference.execution-providers). */
    static final List<String> PROVIDERS = List.of("cpu", "cuda", "tensorrt");

    private ModelsCli() {
    }

    public static int run(String[] args, PrintStream out) {
        Args a;
        try {
            a = Args.parse(args);
        } catch (IllegalArgumentException e) {
            out.println(e.getMessage());
            out.println(USAGE);
            return 2;
        }
        Path folder = a.dir() != null ? a.dir() : a.unnamed();
        if (!Files.isDirectory(folder)) {
            out.println("refused: " + folder + " is not a directory");
            return 1;
        }
        if (a.unnamed() != null) {
            try {
                return ManifestGuesser.print(a.unnamed(), out);
            } catch (java.io.UncheckedIOException e) {
                out.println("refused: " + e.getMessage() + ": " + e.getCause().getMessage());
                return 1;
            }
        }
        try {
            print(ModelCheck.run(a.dir(), new OrtRuntime(a.providers(), 0, 0), a.runs()), out);
            return 0;
        } catch (ModelLoadException e) {
            out.println("refused: " + e.getMessage());
            return 1;
        }
    }

    /**
     * The command line, checked before anything loads.
     *
     * @param dir       {@code --dir}, or null
     * @param unnamed   {@code --print-manifest}, or null; exactly one of the two is given
     * @param runs      {@code --runs}: 0 when not given, else 1 to {@value #MAX_RUNS}
     * @param providers {@code --providers}, lower case; ["cpu"] when not given
     */
    private record Args(Path dir, Path unnamed, int runs, List<String> providers) {
        /** @throws IllegalArgumentException saying what is wrong, in words for the user */
        static Args parse(String[] args) {
            Path dir = null;
            Path unnamed = null;
            int runs = 0;
            List<String> providers = List.of("cpu");
            for (int i = 0; i < args.length; i++) {
                String option = args[i];
                if (!List.of("--dir", "--print-manifest", "--runs", "--providers").contains(option)) {
                    throw new IllegalArgumentException("unknown argument " + option);
                }
                if (++i == args.length) {
                    throw new IllegalArgumentException(option + " needs a value");
                }
                switch (option) {
                    case "--dir" -> dir = Path.of(args[i]);
                    case "--print-manifest" -> unnamed = Path.of(args[i]);
                    case "--runs" -> runs = runs(args[i]);
                    default -> providers = providers(args[i]);
                }
            }
            if ((dir == null) == (unnamed == null)) {
                throw new IllegalArgumentException("give either --dir or --print-manifest");
            }
            return new Args(dir, unnamed, runs, providers);
        }

        private static int runs(String value) {
            try {
                int n = Integer.parseInt(value);
                if (n >= 1 && n <= MAX_RUNS) {
                    return n;
                }
            } catch (NumberFormatException e) {
                // said below, with the bounds
            }
            throw new IllegalArgumentException("--runs must be an integer from 1 to " + MAX_RUNS + ", not " + value);
        }

        private static List<String> providers(String value) {
            // -1 keeps empty items ("cuda,"), which the plain split would drop.
            List<String> names = Arrays.stream(value.split(",", -1)).map(p -> p.trim().toLowerCase(Locale.ROOT))
                    .toList();
            if (!PROVIDERS.containsAll(names)) {
                throw new IllegalArgumentException("--providers must be a comma-separated list of "
                        + String.join(", ", PROVIDERS) + ", not '" + value + "'");
            }
            return names;
        }
    }

    static void print(ModelCheck.Report r, PrintStream out) {
        out.println("model directory " + r.dir().toAbsolutePath());
        out.println("ONNX Runtime " + r.ortVersion() + ", execution providers requested " + r.requested()
                + ", loaded " + r.active());
        out.println("SAM 2.1: " + r.sam2());
        out.println();
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"key", "family", "file", "MB", "I/O types", "first ms",
            r.runs() > 0 ? "median ms (" + r.runs() + " runs)" : "median ms", "nodes by execution provider"});
        for (ModelCheck.GraphLine g : r.graphs()) {
            rows.add(new String[] {g.key(), g.family(), relative(r.dir(), g.file()), megabytes(g.bytes()), g.ioTypes(),
                ms(g.firstMs()), ms(g.medianMs()), nodes(r.active(), g.nodes())});
        }
        table(rows, out);
        out.println();
        for (Map.Entry<String, Path> c : r.companions().entrySet()) {
            out.println(c.getKey() + " = " + relative(r.dir(), c.getValue()) + companionNote(r, c.getKey()));
        }
        out.println("test run on the synthetic sample (320x240, " + ModelSmoke.FRAMES + " frames): "
                + r.smoke().summary());
        for (String warning : warnings(r)) {
            out.println("warning: " + warning);
        }
        out.println("OK: " + r.graphs().size() + " graphs loaded, their interfaces checked, each run on the "
                + "synthetic sample");
    }

    private static String companionNote(ModelCheck.Report r, String key) {
        if (key.equals(dev.refseg.runtime.CanonicalGraphs.AUDIO_LABELS) && r.tagger() != null) {
            return " (checked: " + r.tagger().labels().size() + " classes for the " + r.tagger().family()
                    + " tagger" + (r.tagger().labels().silenceIndex() >= 0 ? ", Silence at "
                            + r.tagger().labels().silenceIndex() : ", no Silence class") + ")";
        }
        Sam2Constants c = r.sam2().constants();
        if (c == null || !key.equals(dev.refseg.runtime.CanonicalGraphs.SAM2_CONSTANTS)) {
            return "";
        }
        return String.format(Locale.ROOT, " (checked: temporal table %d x %d, mean %s, std %s)", c.tableRows(),
                c.rowWidth(), Arrays.toString(c.mean()), Arrays.toString(c.std()));
    }

    /**
     * A requested provider that did not load, a graph none of whose nodes ran on a loaded accelerator, and a
     * tracker that missed the sample's object.
     */
    private static List<String> warnings(ModelCheck.Report r) {
        List<String> w = new ArrayList<>();
        double iou = r.smoke().trackIou();
        // Not a refusal: real weights may miss a drawn shape. But an empty mask is also what graphs of two
        // exports or a broken download give, so it is said rather than left in the summary's numbers.
        if (!(iou >= LOW_TRACK_IOU)) {
            w.add(String.format(Locale.ROOT, "the tracker's mask of %s on the synthetic sample has IoU %.2f with the "
                    + "drawn object (below %s): empty or far off; the graphs ran, but check them on a real video",
                    r.smoke().object(), iou, LOW_TRACK_IOU));
        }
        for (String p : r.requested()) {
            if (!r.active().contains(p)) {
                w.add("execution provider " + p + " was requested but could not be loaded: "
                        + r.failures().getOrDefault(p, "(no reason given)") + buildHint(p));
            }
        }
        for (ModelCheck.GraphLine g : r.graphs()) {
            for (String p : r.active()) {
                if (!p.equals("cpu") && g.nodes().getOrDefault(p, 0) == 0) {
                    w.add(g.key() + " ran no node on " + p.toUpperCase(Locale.ROOT));
                }
            }
        }
        return w;
    }

    /** A hint when this ONNX Runtime build lacks the provider altogether (the default jar is CPU only). */
    private static String buildHint(String provider) {
        boolean built = ai.onnxruntime.OrtEnvironment.getAvailableProviders().stream()
                .anyMatch(p -> p.name().replace("_", "").equalsIgnoreCase(provider));
        return built ? "" : " (this ONNX Runtime build has no " + provider.toUpperCase(Locale.ROOT)
                + " provider: the GPU build is ./mvnw -Pgpu package)";
    }

    /** e.g. "CUDA 812, CPU 14": every loaded provider, then any other the profile names. */
    static String nodes(List<String> active, Map<String, Integer> byProvider) {
        List<String> parts = new ArrayList<>();
        for (String p : active) {
            parts.add(p.toUpperCase(Locale.ROOT) + " " + byProvider.getOrDefault(p, 0));
        }
        byProvider.forEach((p, n) -> {
            if (!active.contains(p)) {
                parts.add(p.toUpperCase(Locale.ROOT) + " " + n);
            }
        });
        return String.join(", ", parts);
    }

    private static void table(List<String[]> rows, PrintStream out) {
        int[] width = new int[rows.get(0).length];
        for (String[] row : rows) {
            for (int c = 0; c < row.length; c++) {
                width[c] = Math.max(width[c], row[c].length());
            }
        }
        for (String[] row : rows) {
            StringBuilder b = new StringBuilder();
            for (int c = 0; c < row.length; c++) {
                // Numbers (size and times) right-aligned, words left-aligned; the last column unpadded.
                boolean number = c == 3 || c == 5 || c == 6;
                String cell = c == row.length - 1 ? row[c]
                        : String.format("%" + (number ? "" : "-") + width[c] + "s", row[c]);
                b.append(cell).append(c == row.length - 1 ? "" : "  ");
            }
            out.println(b.toString().stripTrailing());
        }
    }

    static String relative(Path dir, Path file) {
        Path d = dir.toAbsolutePath().normalize();
        Path f = file.toAbsolutePath().normalize();
        return f.startsWith(d) ? d.relativize(f).toString() : f.toString();
    }

    private static String megabytes(long bytes) {
        double mb = bytes / 1e6;
        return String.format(Locale.ROOT, mb < 10 ? "%.2f" : "%.0f", mb);
    }

    private static String ms(OptionalDouble ms) {
        return ms.isPresent() ? String.format(Locale.ROOT, "%.1f", ms.getAsDouble()) : "-";
    }
}
