package dev.refseg.runtime;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.refseg.errors.Errors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * The loaded graphs of this process, by manifest key. Built once at start-up: every graph is loaded and
 * its interface checked against {@link CanonicalGraphs}, so a wrong export fails the start with a message
 * naming the graph, the tensor and the export that is expected, instead of failing the first request.
 */
public final class ModelRegistry implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ModelRegistry.class);

    private final Map<String, OrtSession> sessions = new LinkedHashMap<>();
    private final Map<String, GraphChecker.Match> interfaces = new LinkedHashMap<>();
    /** Runners handed out, whose reused buffers close with the registry. */
    private final List<GraphRunner> runners = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final Map<String, Path> files = new LinkedHashMap<>();
    /** Manifest entries that are not graphs (tokenizer, labels), read by their stages. */
    private final Map<String, Path> companions = new LinkedHashMap<>();
    private final Path dir;
    private final boolean demo;
    private final OrtRuntime runtime;

    private ModelRegistry(Path dir, boolean demo, OrtRuntime runtime) {
        this.dir = dir;
        this.demo = demo;
        this.runtime = runtime;
    }

    /**
     * Loads and checks the graphs of a model directory.
     *
     * @param dir       the directory holding {@code models.json} and the files it names
     * @param runtime   the ONNX Runtime settings (providers, threads) to load them with
     * @param temporary whether the directory is generated for this process (the demo models): it is deleted
     *                  when the registry closes
     * @throws ModelLoadException naming the graph and what is wrong with it; nothing stays loaded
     */
    public static ModelRegistry load(Path dir, OrtRuntime runtime, boolean temporary) {
        ModelRegistry r = new ModelRegistry(dir, temporary, runtime);
        r.loadManifest();
        return r;
    }

    private void loadManifest() {
        ModelManifest manifest = ModelManifest.read(dir);
        try {
            for (Map.Entry<String, Path> e : manifest.entries().entrySet()) {
                List<GraphSpec> accepted = CanonicalGraphs.forKey(e.getKey()).orElse(null);
                if (accepted == null) {
                    companions.put(e.getKey(), e.getValue());
                    continue;
                }
                OrtSession s = load(e.getKey(), e.getValue());
                sessions.put(e.getKey(), s);
                files.put(e.getKey(), e.getValue());
                interfaces.put(e.getKey(), GraphChecker.check(e.getKey(), e.getValue(), accepted, s));
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** What was loaded, for the start-up log line: graphs, providers, threads, half-precision conversions. */
    public String describe() {
        return String.format("%s; execution providers %s; intra-op threads %s%s", sessions.keySet(),
                runtime.describeChosenProviders(), runtime.chosenThreads(), conversions());
    }

    /** Each graph with half-precision I/O once, with its converted tensors; empty when all are float. */
    private String conversions() {
        StringBuilder b = new StringBuilder();
        interfaces.forEach((key, m) -> {
            if (!m.converted().isEmpty()) {
                b.append(b.isEmpty() ? "; converted to and from float at the boundary: " : ", ").append(key)
                        .append(' ').append(m.converted());
            }
        });
        return b.toString();
    }

    private OrtSession load(String key, Path file) {
        try {
            return runtime.load(key, file);
        } catch (ModelLoadException e) {
            throw new ModelLoadException("graph " + key + ": " + e.getMessage(), e.getCause());
        }
    }

    /** Whether the directory was generated for this process (the demo models). */
    public boolean isDemo() {
        return demo;
    }

    public Path dir() {
        return dir;
    }

    public boolean has(String key) {
        return sessions.containsKey(key);
    }

    /** Manifest keys of the loaded graphs, in manifest order. */
    public java.util.Set<String> graphs() {
        return java.util.Collections.unmodifiableSet(sessions.keySet());
    }

    /** The file a loaded graph came from; null when the key is not loaded. */
    public Path file(String key) {
        return files.get(key);
    }

    /** A companion file of the manifest (e.g. gdino.tokenizer), if listed. */
    public java.util.Optional<Path> companion(String key) {
        return java.util.Optional.ofNullable(companions.get(key));
    }

    /** The manifest's companion files (tokenizer, constants), by key. */
    public Map<String, Path> companions() {
        return java.util.Collections.unmodifiableMap(companions);
    }

    /** The session for a graph; FAILED_PRECONDITION when the model directory has none. */
    public OrtSession session(String key) {
        OrtSession s = sessions.get(key);
        if (s == null) {
            throw Errors.precondition("no " + key + " model is loaded: add it to " + dir.resolve(ModelManifest.FILE));
        }
        return s;
    }

    /** A runner for a loaded graph (FAILED_PRECONDITION when the directory has none), timing each run. */
    public GraphRunner runner(String key, GraphTimer timer) {
        GraphRunner r = new GraphRunner(key, runtime.environment(), session(key), timer);
        runners.add(r);
        return r;
    }

    /** The loaded graph's inputs as specs (name, type, shape with -1 for dynamic dimensions). */
    public Map<String, TensorSpec> inputs(String key) {
        return describe(key, true);
    }

    /** The loaded graph's outputs as specs. */
    public Map<String, TensorSpec> outputs(String key) {
        return describe(key, false);
    }

    private Map<String, TensorSpec> describe(String key, boolean inputs) {
        OrtSession s = session(key);
        try {
            return GraphChecker.describe(inputs ? s.getInputInfo() : s.getOutputInfo());
        } catch (OrtException e) {
            throw new ModelLoadException("graph " + key + ": cannot read its interface: " + e.getMessage(), e);
        }
    }

    /** Which accepted interface the graph matched (e.g. which GroundingDINO export family); null if not loaded. */
    public GraphSpec interfaceOf(String key) {
        GraphChecker.Match m = interfaces.get(key);
        return m == null ? null : m.spec();
    }

    /**
     * The graph's float16/bfloat16 tensors that its adapter feeds and reads as float, each as "name type"
     * (e.g. "pixel_values float16"); empty for an fp32 graph or one not loaded.
     */
    public List<String> convertedTensors(String key) {
        GraphChecker.Match m = interfaces.get(key);
        return m == null ? List.of() : m.converted();
    }

    public OrtRuntime runtime() {
        return runtime;
    }

    @Override
    public void close() {
        // The runners' reused output buffers hold ONNX Runtime values: free them with their sessions.
        runners.forEach(GraphRunner::releaseBuffers);
        runners.clear();
        for (OrtSession s : sessions.values()) {
            try {
                s.close();
            } catch (OrtException e) {
                LOG.debug("closing an ONNX session failed", e);
            }
        }
        sessions.clear();
        if (demo) {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException ignored) {
                // temp directory: the OS cleans it eventually
            }
        }
    }
}
