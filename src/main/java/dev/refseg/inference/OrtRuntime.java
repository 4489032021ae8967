package dev.refseg.inference;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;

/**
 * The process's ONNX Runtime: one environment, and session options with the configured execution
 * providers. A provider that cannot load (no CUDA in this build, no driver, no GPU) is logged once and
 * skipped; CPU always remains, so a misconfigured GPU node still serves, slowly, rather than not at all.
 * A file ORT cannot read is refused with its size and the likely cause (truncated download, LFS pointer).
 */
public final class OrtRuntime {
    private static final Logger LOG = Logger.getLogger(OrtRuntime.class);

    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final List<String> requested;
    private final int deviceId;
    /** Intra-op threads for every graph; 0: chosen per graph ({@link #threadsFor}). */
    private final int intraOpThreads;
    /** Intra-op threads by manifest key, overriding the rest. */
    private final java.util.Map<String, Integer> graphThreads;
    /** Graph runs one call keeps going at once (2 with the tracking pipeline). */
    private final int concurrentRuns;
    /** The threads each loaded graph got, by manifest key, for the start-up log and the models command. */
    private final java.util.Map<String, Integer> chosen = new java.util.concurrent.ConcurrentHashMap<>();
    /** Graph files from this size up count as large in the automatic choice. */
    static final long LARGE_GRAPH_BYTES = 32L << 20;
    /** Most intra-op threads a graph may be given (more only adds threads that wait for cores). */
    public static final int MAX_THREADS = 64;
    private final boolean cpuArena;
    private final long gpuMemLimit;
    /** Where sessions write ONNX Runtime profiles (null: not profiled). */
    private final Path profileDir;
    /** Whether idle intra-op threads spin waiting for work (faster hand-off, burns a core each). */
    private final boolean spinning;
    private final AtomicInteger profiled = new AtomicInteger();
    private volatile List<String> active;
    /** Why each requested provider that did not load failed (ORT's message), by provider. */
    private final java.util.Map<String, String> failures = new java.util.concurrent.ConcurrentHashMap<>();

    public OrtRuntime(List<String> providers, int deviceId, int intraOpThreads) {
        this(providers, deviceId, intraOpThreads, false, 0);
    }

    /**
     * @param cpuArena    whether CPU memory comes from ONNX Runtime's arena, which grows to the peak of the
     *                    concurrent runs and never gives memory back (faster, unbounded); off by default
     * @param gpuMemLimit most bytes of the CUDA arena per session, 0 for no limit; the arena then grows by
     *                    what is requested rather than to the next power of two
     */
    public OrtRuntime(List<String> providers, int deviceId, int intraOpThreads, boolean cpuArena, long gpuMemLimit) {
        this(providers, deviceId, intraOpThreads, cpuArena, gpuMemLimit, null, false, java.util.Map.of(), 1);
    }

    private OrtRuntime(List<String> providers, int deviceId, int intraOpThreads, boolean cpuArena, long gpuMemLimit,
            Path profileDir, boolean spinning, java.util.Map<String, Integer> graphThreads, int concurrentRuns) {
        this.graphThreads = java.util.Map.copyOf(graphThreads);
        this.concurrentRuns = Math.max(1, concurrentRuns);
        this.profileDir = profileDir;
        this.spinning = spinning;
        this.requested = providers.stream().map(p -> p.trim().toLowerCase(Locale.ROOT)).toList();
        this.cpuArena = cpuArena;
        this.gpuMemLimit = gpuMemLimit;
        this.deviceId = deviceId;
        if (intraOpThreads < 0 || intraOpThreads > MAX_THREADS) {
            throw new IllegalArgumentException("refseg.inference.intra-op-threads is " + intraOpThreads
                    + "; use 0 (chosen per graph) or 1 to " + MAX_THREADS);
        }
        this.intraOpThreads = intraOpThreads;
    }

    /** Providers that actually loaded, in order, ending with "cpu". */
    public List<String> activeProviders() {
        if (active == null) {
            try (OrtSession.SessionOptions ignored = options()) {
                // options() records what loaded
            } catch (OrtException e) {
                throw new ModelLoadException("ONNX Runtime session options failed: " + e.getMessage(), e);
            }
        }
        return active;
    }

    /**
     * The same runtime with ONNX Runtime's profiler on in every session it loads (for the {@code models}
     * command: which provider ran each node). Each session writes a Chrome-trace JSON file into {@code dir}
     * when {@link OrtSession#endProfiling()} is called, which returns its path; the caller deletes them.
     */
    public OrtRuntime withProfiling(Path dir) {
        return new OrtRuntime(requested, deviceId, intraOpThreads, cpuArena, gpuMemLimit, dir, spinning, graphThreads,
                concurrentRuns);
    }

    /**
     * The same runtime with ONNX Runtime's intra-op spin-waiting on or off
     * ({@code session.intra_op.allow_spinning}; ORT's default is on). Off by default here: between the many
     * small runs of a tracked frame the pool's threads would otherwise spin and burn cores that the other
     * calls, the decoder and the JVM need (BENCHMARKS.md, "Spin-waiting").
     */
    public OrtRuntime withSpinning(boolean on) {
        return new OrtRuntime(requested, deviceId, intraOpThreads, cpuArena, gpuMemLimit, profileDir, on, graphThreads,
                concurrentRuns);
    }

    /**
     * The same runtime with intra-op threads set per graph and the automatic choice told how many runs
     * one call keeps going at once.
     *
     * @param perGraph       threads by manifest key (e.g. {@code sam2.image_encoder}), each at least 1;
     *                       they override the global setting for those graphs
     * @param concurrentRuns graph runs of one call at the same time: 2 when tracking is pipelined, else 1
     * @throws IllegalArgumentException naming the key when a count is below 1
     */
    public OrtRuntime withThreads(java.util.Map<String, Integer> perGraph, int concurrentRuns) {
        perGraph.forEach((k, v) -> {
            if (v == null || v < 1 || v > MAX_THREADS) {
                throw new IllegalArgumentException("refseg.inference.graph-intra-op-threads.\"" + k + "\" is " + v
                        + "; it must be 1 to " + MAX_THREADS);
            }
        });
        return new OrtRuntime(requested, deviceId, intraOpThreads, cpuArena, gpuMemLimit, profileDir, spinning, perGraph,
                concurrentRuns);
    }

    /**
     * The intra-op threads a graph gets: its own setting, else the global one, else automatic: 1 for a
     * graph under {@link #LARGE_GRAPH_BYTES} (its runs are too short to gain from splitting, and the
     * hand-off costs more than it saves), and for a larger one the cores divided among the runs one call
     * keeps going at once, at most 4. Concurrent calls share the cores anyway: with many of them, set 1.
     *
     * @param key  manifest key, or null
     * @param file the graph file (its size is the model size that counts)
     */
    public int threadsFor(String key, Path file) {
        Integer own = key == null ? null : graphThreads.get(key);
        if (own != null) {
            return own;
        }
        if (intraOpThreads > 0) {
            return intraOpThreads;
        }
        long bytes;
        try {
            bytes = java.nio.file.Files.size(file) + externalDataBytes(file);
        } catch (java.io.IOException e) {
            bytes = 0;
        }
        int cores = Runtime.getRuntime().availableProcessors();
        return bytes < LARGE_GRAPH_BYTES ? 1 : Math.max(1, Math.min(4, cores / concurrentRuns));
    }

    /** Weights stored beside the graph (file.onnx.data / file.onnx_data), which are the bulk of large exports. */
    private static long externalDataBytes(Path file) throws java.io.IOException {
        long n = 0;
        for (String suffix : List.of(".data", "_data")) {
            Path p = file.resolveSibling(file.getFileName() + suffix);
            if (java.nio.file.Files.isRegularFile(p)) {
                n += java.nio.file.Files.size(p);
            }
        }
        return n;
    }

    /**
     * Refuses per-graph thread settings for graphs the model directory does not have (a misspelt key
     * would otherwise be ignored without a word).
     *
     * @param graphs manifest keys of the loaded graphs
     * @throws IllegalArgumentException naming each unknown key and the graphs there are
     */
    public void checkGraphKeys(java.util.Set<String> graphs) {
        List<String> unknown = graphThreads.keySet().stream().filter(k -> !graphs.contains(k)).sorted().toList();
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("refseg.inference.graph-intra-op-threads names no loaded graph: "
                    + unknown + " (the graphs: " + new java.util.TreeSet<>(graphs) + ")");
        }
    }

    /** The threads each graph loaded so far got, by manifest key. */
    public java.util.Map<String, Integer> chosenThreads() {
        return java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(chosen));
    }

    /** Why each requested provider that could not be loaded failed, as ONNX Runtime said; empty when all loaded. */
    public java.util.Map<String, String> providerFailures() {
        activeProviders();
        return java.util.Map.copyOf(failures);
    }

    /** Providers asked for (lower case, in order), whether or not they loaded. */
    public List<String> requestedProviders() {
        return requested;
    }

    /**
     * Loads a graph with this runtime's providers.
     *
     * @throws ModelLoadException naming the file, its size and the likely cause when ORT cannot read it
     */
    public OrtSession load(Path file) {
        return load(null, file);
    }

    /**
     * Loads a graph with this runtime's providers and the intra-op threads chosen for it ({@link #threadsFor}).
     *
     * @param key manifest key (for a per-graph thread setting), or null
     * @throws ModelLoadException as {@link #load(Path)}
     */
    public OrtSession load(String key, Path file) {
        int threads = threadsFor(key, file);
        if (key != null) {
            chosen.put(key, threads);
        }
        try (OrtSession.SessionOptions opts = options()) {
            opts.setIntraOpNumThreads(threads);
            if (profileDir != null) {
                // One prefix per session: ORT names the file <prefix>_<time>.json, and loads can share a millisecond.
                opts.enableProfiling(profileDir.resolve("session-" + profiled.incrementAndGet()).toString());
            }
            return env.createSession(file.toString(), opts);
        } catch (OrtException e) {
            throw new ModelLoadException(LoadFailure.describe(file, e), e);
        }
    }

    /**
     * Loads a graph on the CPU without graph optimisation, only to read its interface (quicker than
     * {@link #load}, and independent of the configured providers).
     *
     * @throws ModelLoadException as {@link #load}
     */
    public OrtSession inspect(Path file) {
        try (OrtSession.SessionOptions opts = new OrtSession.SessionOptions()) {
            opts.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.NO_OPT);
            opts.setIntraOpNumThreads(1);
            return env.createSession(file.toString(), opts);
        } catch (OrtException e) {
            throw new ModelLoadException(LoadFailure.describe(file, e), e);
        }
    }

    public OrtEnvironment environment() {
        return env;
    }

    private OrtSession.SessionOptions options() throws OrtException {
        OrtSession.SessionOptions opts = new OrtSession.SessionOptions();
        opts.setIntraOpNumThreads(intraOpThreads > 0 ? intraOpThreads : 1);
        opts.addConfigEntry("session.intra_op.allow_spinning", spinning ? "1" : "0");
        opts.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        // Bounded memory: without the arena, tensors are freed after each run instead of being kept at the peak.
        opts.setCPUArenaAllocator(cpuArena);
        opts.setMemoryPatternOptimization(cpuArena);
        List<String> loaded = new ArrayList<>();
        for (String p : requested) {
            switch (p) {
                case "cpu" -> {
                    // always present; appended last below
                }
                case "cuda" -> tryAdd(loaded, "cuda", () -> opts.addCUDA(cudaOptions()));
                case "tensorrt" -> tryAdd(loaded, "tensorrt", () -> opts.addTensorrt(deviceId));
                default -> throw new ModelLoadException("refseg.inference.execution-providers: unknown provider '" + p
                        + "' (use cuda, tensorrt, cpu)");
            }
        }
        loaded.add("cpu");
        if (active == null) {
            active = List.copyOf(loaded);
            LOG.infof("ONNX Runtime %s, execution providers %s, intra-op threads %s (spin-waiting %s), CPU arena %s",
                    env.getVersion(), active, intraOpThreads > 0 ? intraOpThreads
                            : "per graph (1 under 32 MiB, else cores / " + concurrentRuns + " up to 4)",
                    spinning ? "on" : "off", cpuArena ? "on" : "off");
        }
        return opts;
    }

    private ai.onnxruntime.providers.OrtCUDAProviderOptions cudaOptions() throws OrtException {
        ai.onnxruntime.providers.OrtCUDAProviderOptions o = new ai.onnxruntime.providers.OrtCUDAProviderOptions(deviceId);
        if (gpuMemLimit > 0) {
            o.add("gpu_mem_limit", Long.toString(gpuMemLimit));
            o.add("arena_extend_strategy", "kSameAsRequested");
        }
        return o;
    }

    private interface Adder {
        void add() throws OrtException;
    }

    private void tryAdd(List<String> loaded, String name, Adder adder) {
        try {
            adder.add();
            loaded.add(name);
        } catch (OrtException | RuntimeException | UnsatisfiedLinkError e) {
            failures.putIfAbsent(name, String.valueOf(e.getMessage()));
            if (active == null) {
                LOG.warnf("%s execution provider could not be loaded (%s); falling back to the next provider (CPU last)",
                        name.toUpperCase(Locale.ROOT), e.getMessage());
            }
        }
    }
}
