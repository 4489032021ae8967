package dev.refseg.runtime;

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
 * providers ({@link ExecutionProviders}: one list, and a graph's own list where it has one). A provider
 * that cannot load (no CUDA in this build, no driver, no GPU) is logged and skipped; CPU always remains, so
 * a misconfigured GPU node still serves, slowly, rather than not at all. A graph whose session cannot be
 * created on an accelerator (TensorRT failing to build its engine, say) is loaded again without that
 * accelerator, with a warning naming the graph. What each graph got is in {@link #chosenProviders()}.
 * A file ORT cannot read is refused with its size and the likely cause (truncated download, LFS pointer).
 */
public final class OrtRuntime {
    private static final Logger LOG = Logger.getLogger(OrtRuntime.class);

    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    /** Providers as configured (lower case, in order, CPU included when it was written), for reports. */
    private final List<String> requested;
    private final ExecutionProviders providers;
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
    /** Where sessions write ONNX Runtime profiles (null: not profiled). */
    private final Path profileDir;
    /** Whether idle intra-op threads spin waiting for work (faster hand-off, burns a core each). */
    private final boolean spinning;
    private final AtomicInteger profiled = new AtomicInteger();
    private volatile List<String> active;
    /** Why each requested provider that did not load failed (ORT's message), by provider. */
    private final java.util.Map<String, String> failures = new java.util.concurrent.ConcurrentHashMap<>();
    /** The providers each loaded graph's session actually got, ending with "cpu", by manifest key. */
    private final java.util.Map<String, List<String>> chosenProviders = new java.util.concurrent.ConcurrentHashMap<>();

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
        this(ExecutionProviders.of(providers, deviceId, gpuMemLimit),
                providers.stream().map(p -> p.trim().toLowerCase(Locale.ROOT)).toList(), intraOpThreads, cpuArena, null,
                false, java.util.Map.of(), 1);
    }

    private OrtRuntime(ExecutionProviders providers, List<String> requested, int intraOpThreads, boolean cpuArena,
            Path profileDir, boolean spinning, java.util.Map<String, Integer> graphThreads, int concurrentRuns) {
        this.graphThreads = java.util.Map.copyOf(graphThreads);
        this.concurrentRuns = Math.max(1, concurrentRuns);
        this.profileDir = profileDir;
        this.spinning = spinning;
        this.requested = requested;
        this.providers = providers;
        this.cpuArena = cpuArena;
        if (intraOpThreads < 0 || intraOpThreads > MAX_THREADS) {
            throw new IllegalArgumentException("refseg.inference.intra-op-threads is " + intraOpThreads
                    + "; use 0 (chosen per graph) or 1 to " + MAX_THREADS);
        }
        this.intraOpThreads = intraOpThreads;
    }

    /** Providers of the global list that actually loaded, in order, ending with "cpu". */
    public List<String> activeProviders() {
        if (active == null) {
            try (OrtSession.SessionOptions ignored = options(null, providers.global(), new ArrayList<>())) {
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
        return new OrtRuntime(providers, requested, intraOpThreads, cpuArena, dir, spinning, graphThreads,
                concurrentRuns);
    }

    /**
     * The same runtime with ONNX Runtime's intra-op spin-waiting on or off
     * ({@code session.intra_op.allow_spinning}; ORT's default is on). Off by default here: between the many
     * small runs of a tracked frame the pool's threads would otherwise spin and burn cores that the other
     * calls, the decoder and the JVM need (BENCHMARKS.md, "Spin-waiting").
     */
    public OrtRuntime withSpinning(boolean on) {
        return new OrtRuntime(providers, requested, intraOpThreads, cpuArena, profileDir, on, graphThreads,
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
        return new OrtRuntime(providers, requested, intraOpThreads, cpuArena, profileDir, spinning, perGraph,
                concurrentRuns);
    }

    /**
     * The same runtime with some graphs on their own execution providers
     * ({@code refseg.inference.graph-providers."KEY"}), which replace the global list for those graphs.
     *
     * @param byGraph providers in order by manifest key, e.g. {@code gdino.detector} → [cpu]
     * @throws IllegalArgumentException naming the key when its list is empty or names an unknown provider
     */
    public OrtRuntime withGraphProviders(java.util.Map<String, List<String>> byGraph) {
        return new OrtRuntime(providers.withGraphProviders(byGraph), requested, intraOpThreads, cpuArena, profileDir,
                spinning, graphThreads, concurrentRuns);
    }

    /**
     * The same runtime with TensorRT's options ({@link ExecutionProviders#withTensorrt}).
     *
     * @param cacheDir engine and timing cache directory, null for none
     * @param fp16     whether TensorRT may run layers in half precision
     */
    public OrtRuntime withTensorrt(Path cacheDir, boolean fp16) {
        return new OrtRuntime(providers.withTensorrt(cacheDir, fp16), requested, intraOpThreads, cpuArena, profileDir,
                spinning, graphThreads, concurrentRuns);
    }

    /** The execution providers asked for, globally and per graph, with their options. */
    public ExecutionProviders providers() {
        return providers;
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
     * Refuses per-graph settings (threads, execution providers) for graphs the model directory does not
     * have (a misspelt key would otherwise be ignored without a word).
     *
     * @param graphs manifest keys of the loaded graphs
     * @throws IllegalArgumentException naming the setting, each unknown key and the graphs there are
     */
    public void checkGraphKeys(java.util.Set<String> graphs) {
        checkKeys("refseg.inference.graph-intra-op-threads", graphThreads.keySet(), graphs);
        checkKeys(ExecutionProviders.GRAPH_KEY, providers.graphKeys(), graphs);
    }

    private static void checkKeys(String setting, java.util.Set<String> keys, java.util.Set<String> graphs) {
        List<String> unknown = keys.stream().filter(k -> !graphs.contains(k)).sorted().toList();
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException(setting + " names no loaded graph: " + unknown + " (the graphs: "
                    + new java.util.TreeSet<>(graphs) + ")");
        }
    }

    /**
     * The execution providers each graph loaded so far actually got, by manifest key: its own list or the
     * global one, less what could not load, ending with "cpu".
     */
    public java.util.Map<String, List<String>> chosenProviders() {
        return java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(chosenProviders));
    }

    /**
     * {@link #chosenProviders()} in words for the start-up log: one list when every graph got the same,
     * else each list with its graphs, e.g. "[cuda, cpu] for sam2.image_encoder, sam2.mask_decoder; [cpu] for
     * gdino.detector".
     */
    public String describeChosenProviders() {
        java.util.Map<List<String>, List<String>> graphsByList = new java.util.LinkedHashMap<>();
        chosenProviders().forEach((key, list) -> graphsByList.computeIfAbsent(list, l -> new ArrayList<>()).add(key));
        if (graphsByList.size() <= 1) {
            return graphsByList.isEmpty() ? "[]" : graphsByList.keySet().iterator().next().toString();
        }
        StringBuilder b = new StringBuilder();
        graphsByList.forEach((list, keys) -> b.append(b.isEmpty() ? "" : "; ").append(list).append(" for ")
                .append(String.join(", ", keys)));
        return b.toString();
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
        List<String> accelerators = providers.forGraph(key);
        while (true) {
            List<String> loaded = new ArrayList<>();
            try (OrtSession.SessionOptions opts = options(key, accelerators, loaded)) {
                opts.setIntraOpNumThreads(threads);
                if (profileDir != null) {
                    // One prefix per session: ORT names the file <prefix>_<time>.json, and loads can share a millisecond.
                    opts.enableProfiling(profileDir.resolve("session-" + profiled.incrementAndGet()).toString());
                }
                OrtSession session = env.createSession(file.toString(), opts);
                chose(key, loaded);
                return session;
            } catch (OrtException e) {
                List<String> next = fallback(loaded, e);
                if (next == null) {
                    throw new ModelLoadException(LoadFailure.describe(file, e), e);
                }
                LOG.warnf("%s: ONNX Runtime could not create its session on %s (%s); loading it again on %s",
                        key == null ? file : "graph " + key, loaded, e.getMessage(), withCpu(next));
                accelerators = next;
            }
        }
    }

    /**
     * The accelerators to try after a session could not be created on {@code loaded}: the same less the
     * first (the one that was to run most of the graph, and so most likely failed: TensorRT that cannot build
     * an engine, say); null when only the CPU was left or the file itself is at fault (no provider reads it).
     *
     * @param loaded the providers the failed session had, ending with "cpu"
     */
    static List<String> fallback(List<String> loaded, OrtException e) {
        List<String> accelerators = loaded.stream().filter(p -> !p.equals("cpu")).toList();
        boolean fileAtFault = e.getCode() == OrtException.OrtErrorCode.ORT_INVALID_PROTOBUF
                || e.getCode() == OrtException.OrtErrorCode.ORT_NO_SUCHFILE
                || String.valueOf(e.getMessage()).contains("Protobuf parsing failed");
        return accelerators.isEmpty() || fileAtFault ? null : accelerators.subList(1, accelerators.size());
    }

    private static List<String> withCpu(List<String> accelerators) {
        List<String> l = new ArrayList<>(accelerators);
        l.add("cpu");
        return l;
    }

    /** Records what a graph got; a graph on its own list says so once, since the global log line does not cover it. */
    private void chose(String key, List<String> loaded) {
        if (key == null) {
            return;
        }
        chosenProviders.put(key, List.copyOf(loaded));
        if (providers.hasOwn(key)) {
            LOG.infof("graph %s: execution providers %s (%s.\"%s\" = %s)", key, loaded, ExecutionProviders.GRAPH_KEY,
                    key, withCpu(providers.forGraph(key)));
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

    /**
     * Session options with the given accelerators, each added if it loads, then the CPU.
     *
     * @param key          the graph (for its own provider list's log lines), or null
     * @param accelerators providers to add in order, without "cpu"
     * @param loaded       receives the providers that loaded, in order, ending with "cpu"
     */
    private OrtSession.SessionOptions options(String key, List<String> accelerators, List<String> loaded)
            throws OrtException {
        OrtSession.SessionOptions opts = new OrtSession.SessionOptions();
        opts.setIntraOpNumThreads(intraOpThreads > 0 ? intraOpThreads : 1);
        opts.addConfigEntry("session.intra_op.allow_spinning", spinning ? "1" : "0");
        opts.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        // Bounded memory: without the arena, tensors are freed after each run instead of being kept at the peak.
        opts.setCPUArenaAllocator(cpuArena);
        opts.setMemoryPatternOptimization(cpuArena);
        boolean own = providers.hasOwn(key);
        for (String p : accelerators) {
            try {
                providers.append(opts, p);
                loaded.add(p);
            } catch (OrtException | RuntimeException | UnsatisfiedLinkError e) {
                failures.putIfAbsent(p, String.valueOf(e.getMessage()));
                if (own) {
                    // A graph on its own list is told apart: the global warning below speaks for the others.
                    LOG.warnf("graph %s: %s execution provider could not be loaded (%s); it falls back to the next "
                            + "of %s.\"%s\" (CPU last)", key, p.toUpperCase(Locale.ROOT), e.getMessage(),
                            ExecutionProviders.GRAPH_KEY, key);
                } else if (active == null) {
                    LOG.warnf("%s execution provider could not be loaded (%s); falling back to the next provider "
                            + "(CPU last)", p.toUpperCase(Locale.ROOT), e.getMessage());
                }
            }
        }
        loaded.add("cpu");
        if (active == null && !own) {
            active = List.copyOf(loaded);
            LOG.infof("ONNX Runtime %s, execution providers %s%s%s, intra-op threads %s (spin-waiting %s), CPU arena %s",
                    env.getVersion(), active + (active.equals(withCpu(providers.global())) ? ""
                            : " of " + withCpu(providers.global()) + " asked for"), providers.graphKeys().isEmpty() ? ""
                            : " (own lists: " + providers.graphKeys() + ")",
                    providers.usesTensorrt() ? ", TensorRT options " + providers.tensorrtOptions() : "",
                    intraOpThreads > 0 ? intraOpThreads
                            : "per graph (1 under 32 MiB, else cores / " + concurrentRuns + " up to 4)",
                    spinning ? "on" : "off", cpuArena ? "on" : "off");
        }
        return opts;
    }

}
