package dev.refseg.runtime;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.refseg.errors.Errors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
 * <p>
 * Closing it is safe while graphs run on other threads (a call still tracking, a lookahead encode, at
 * shutdown): every native call on its sessions is counted in flight ({@link InFlightRuns}), and
 * {@link #close} frees the sessions only once none is left.
 */
public final class ModelRegistry implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ModelRegistry.class);
    /**
     * How long {@link #close} waits for the runs in flight to stop (each at its next graph node, or at its
     * end); past it the sessions are left unfreed, since a leak at exit beats a crash.
     */
    static final Duration CLOSE_WAIT = Duration.ofSeconds(5);

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
    /** The native work in flight on the sessions, which close waits for. */
    private final InFlightRuns runs = InFlightRuns.terminable();
    /** What close stops before it waits (executors that start runs on their own threads). */
    private final List<Runnable> onClose = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** Whether close freed the sessions (then a second close has nothing to do). */
    private boolean freed;

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

    /**
     * The session for a graph, for the runtime's own use while its native calls are counted in flight.
     *
     * @throws io.grpc.StatusRuntimeException FAILED_PRECONDITION when the model directory has none
     */
    private OrtSession session(String key) {
        OrtSession s = sessions.get(key);
        if (s == null) {
            throw Errors.precondition("no " + key + " model is loaded: add it to " + dir.resolve(ModelManifest.FILE));
        }
        return s;
    }

    /**
     * A runner for a loaded graph, whose runs this registry's close waits for.
     *
     * @param key   the graph's manifest key
     * @param timer receives each run's time
     * @return a new runner (its reused buffers are freed with the registry)
     * @throws io.grpc.StatusRuntimeException FAILED_PRECONDITION when the directory has no such graph;
     *         UNAVAILABLE "the models are closed" after {@link #close}
     */
    public GraphRunner runner(String key, GraphTimer timer) {
        GraphRunner r = counted(key, () -> new GraphRunner(key, runtime.environment(), session(key), timer, runs));
        runners.add(r);
        return r;
    }

    /**
     * Writes the profile of a graph's runs so far (the runtime must have been made with profiling on).
     *
     * @param key the graph's manifest key
     * @return the path of the profile file ONNX Runtime wrote
     * @throws io.grpc.StatusRuntimeException FAILED_PRECONDITION when no such graph is loaded; UNAVAILABLE
     *         after {@link #close}
     * @throws OrtException when ONNX Runtime cannot end the profiling
     */
    public String endProfiling(String key) throws OrtException {
        runs.enter(key);
        try {
            return session(key).endProfiling();
        } finally {
            runs.leave();
        }
    }

    /**
     * Has {@code stop} run when {@link #close} begins, after new runs are refused and before it waits for
     * those in flight: for what starts runs on threads of its own (e.g. an executor that encodes frames
     * ahead), so it takes no more work.
     *
     * @param stop what stops it; it must not block
     */
    public void onClose(Runnable stop) {
        onClose.add(stop);
    }

    /** The count of native work in flight on the sessions (tests hold a run in flight with it). */
    InFlightRuns inFlight() {
        return runs;
    }

    /** {@code work} (which reads a session) counted in flight, so that close does not free it meanwhile. */
    private <T> T counted(String key, java.util.function.Supplier<T> work) {
        runs.enter(key);
        try {
            return work.get();
        } finally {
            runs.leave();
        }
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
        return counted(key, () -> {
            OrtSession s = session(key);
            try {
                return GraphChecker.describe(inputs ? s.getInputInfo() : s.getOutputInfo());
            } catch (OrtException e) {
                throw new ModelLoadException("graph " + key + ": cannot read its interface: " + e.getMessage(), e);
            }
        });
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

    /**
     * Refuses new runs, stops those in flight and, once none is left, frees the sessions and the runners'
     * buffers and deletes a demo directory. When runs are still in flight after {@link #CLOSE_WAIT} (or
     * the thread is interrupted), nothing native is freed, with a warning: freeing memory a run reads
     * would crash the process. Idempotent.
     */
    @Override
    public void close() {
        close(CLOSE_WAIT);
    }

    /**
     * As {@link #close()}, waiting at most {@code wait} for the runs in flight.
     *
     * @param wait the longest time to wait for them
     * @return whether the sessions are freed (false: runs outlasted the wait, and a later close may free them)
     */
    synchronized boolean close(Duration wait) {
        if (freed) {
            return true;
        }
        if (!runs.isClosed()) {
            runs.refuse();
            for (Runnable stop : onClose) {
                try {
                    stop.run();
                } catch (RuntimeException e) {
                    LOG.warn("stopping a user of the models failed; its runs are still waited for", e);
                }
            }
        }
        if (!runs.awaitIdle(wait)) {
            LOG.warnf("%d ONNX Runtime run(s) still in flight %d ms after the models were closed: their sessions "
                    + "(%s) are left allocated rather than freed under them", runs.running(), wait.toMillis(),
                    sessions.keySet());
            return false;
        }
        freed = true;
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
        runs.free();
        if (demo) {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException ignored) {
                // temp directory: the OS cleans it eventually
            }
        }
        return true;
    }
}
