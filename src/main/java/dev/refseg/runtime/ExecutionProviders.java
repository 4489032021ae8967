package dev.refseg.runtime;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.providers.OrtCUDAProviderOptions;
import ai.onnxruntime.providers.OrtTensorRTProviderOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Which ONNX Runtime execution providers each graph's session asks for, and the options they are given.
 * One list serves every graph ({@code refseg.inference.execution-providers}); a graph may have its own
 * ({@code refseg.inference.graph-providers."KEY"}), because one export does not suit every provider:
 * TensorRT may fail to build an engine for GroundingDINO while it speeds up the SAM 2 encoder, or the
 * memory attention's dynamic memory length may rebuild TensorRT engines and be better left on CUDA.
 * <p>
 * The options are only those ONNX Runtime 1.29's Java API passes through (string options of
 * {@link OrtCUDAProviderOptions} and {@link OrtTensorRTProviderOptions}, which ORT checks by name when a
 * session's options are built): the device, the CUDA arena's limit, TensorRT's engine and timing caches
 * and its fp16 mode. Immutable; what actually loaded is recorded by {@link OrtRuntime}.
 */
public final class ExecutionProviders {
    /** The providers refseg can ask for, as written in configuration. */
    public static final List<String> KNOWN = List.of("tensorrt", "cuda", "cpu");
    static final String GLOBAL_KEY = "refseg.inference.execution-providers";
    static final String GRAPH_KEY = "refseg.inference.graph-providers";

    private final List<String> global;
    private final Map<String, List<String>> perGraph;
    private final int deviceId;
    private final long gpuMemLimit;
    /** Where TensorRT keeps built engines and its timing cache; null: no cache, each start builds again. */
    private final Path tensorrtCacheDir;
    private final boolean tensorrtFp16;

    private ExecutionProviders(List<String> global, Map<String, List<String>> perGraph, int deviceId,
            long gpuMemLimit, Path tensorrtCacheDir, boolean tensorrtFp16) {
        this.global = global;
        this.perGraph = perGraph;
        this.deviceId = deviceId;
        this.gpuMemLimit = gpuMemLimit;
        this.tensorrtCacheDir = tensorrtCacheDir;
        this.tensorrtFp16 = tensorrtFp16;
    }

    /**
     * One list for every graph.
     *
     * @param providers   in order of preference, any case; CPU is always added last
     * @param deviceId    GPU index for CUDA and TensorRT
     * @param gpuMemLimit most bytes of the CUDA arena per session, 0 for no limit
     * @throws IllegalArgumentException naming {@value #GLOBAL_KEY} and the provider it does not know
     */
    public static ExecutionProviders of(List<String> providers, int deviceId, long gpuMemLimit) {
        return new ExecutionProviders(parse(GLOBAL_KEY, providers), Map.of(), deviceId, gpuMemLimit, null, false);
    }

    /**
     * The same, with some graphs on their own lists, which replace the global one for those graphs.
     *
     * @param byGraph providers by manifest key (e.g. {@code gdino.detector} → [cpu])
     * @throws IllegalArgumentException naming {@code refseg.inference.graph-providers."KEY"} when its list is
     *                                  empty or names a provider not in {@link #KNOWN}
     */
    public ExecutionProviders withGraphProviders(Map<String, List<String>> byGraph) {
        Map<String, List<String>> parsed = new TreeMap<>();
        byGraph.forEach((key, list) -> parsed.put(key, parse(GRAPH_KEY + ".\"" + key + "\"", list)));
        return new ExecutionProviders(global, Map.copyOf(parsed), deviceId, gpuMemLimit, tensorrtCacheDir,
                tensorrtFp16);
    }

    /**
     * The same, with TensorRT's options.
     *
     * @param cacheDir where TensorRT writes the engines it builds and its timing cache, and finds them at the
     *                 next start (building an engine takes seconds to minutes per graph); null for none
     * @param fp16     let TensorRT run layers in half precision (faster on tensor cores; masks may differ
     *                 slightly from fp32)
     */
    public ExecutionProviders withTensorrt(Path cacheDir, boolean fp16) {
        return new ExecutionProviders(global, perGraph, deviceId, gpuMemLimit, cacheDir, fp16);
    }

    /** The global list, lower case, without CPU (which is always last). */
    public List<String> global() {
        return global;
    }

    /** The graph's own list if it has one, else the global one; lower case, without CPU. */
    public List<String> forGraph(String key) {
        return key != null && perGraph.containsKey(key) ? perGraph.get(key) : global;
    }

    /** Whether the graph has its own list ({@code refseg.inference.graph-providers."KEY"}). */
    public boolean hasOwn(String key) {
        return key != null && perGraph.containsKey(key);
    }

    /** The manifest keys that have their own list, sorted. */
    public Set<String> graphKeys() {
        return new TreeSet<>(perGraph.keySet());
    }

    /** Whether any graph asks for TensorRT (its options are then worth logging). */
    public boolean usesTensorrt() {
        return global.contains("tensorrt") || perGraph.values().stream().anyMatch(l -> l.contains("tensorrt"));
    }

    public int deviceId() {
        return deviceId;
    }

    public long gpuMemLimit() {
        return gpuMemLimit;
    }

    /**
     * The CUDA provider's options beyond the device: with a limit, {@code gpu_mem_limit} and an arena that
     * grows by what is asked for rather than to the next power of two (which would pass the limit sooner
     * and hold memory no run uses).
     */
    public Map<String, String> cudaOptions() {
        Map<String, String> o = new LinkedHashMap<>();
        if (gpuMemLimit > 0) {
            o.put("gpu_mem_limit", Long.toString(gpuMemLimit));
            o.put("arena_extend_strategy", "kSameAsRequested");
        }
        return o;
    }

    /**
     * TensorRT's options beyond the device: fp16 on or off, and with a cache directory the engine cache and
     * the timing cache there (the timing cache serves every graph: it holds kernel timings, not engines).
     */
    public Map<String, String> tensorrtOptions() {
        Map<String, String> o = new LinkedHashMap<>();
        o.put("trt_fp16_enable", tensorrtFp16 ? "1" : "0");
        if (tensorrtCacheDir != null) {
            String dir = tensorrtCacheDir.toAbsolutePath().toString();
            o.put("trt_engine_cache_enable", "1");
            o.put("trt_engine_cache_path", dir);
            o.put("trt_timing_cache_enable", "1");
            o.put("trt_timing_cache_path", dir);
        }
        return o;
    }

    /**
     * Adds one accelerator to a session's options. In the CPU build of ONNX Runtime even the provider's
     * options cannot be created ("Failed to find CUDA shared provider"), which the caller reports as the
     * provider not loading.
     *
     * @param provider "cuda" or "tensorrt"
     * @throws OrtException when ONNX Runtime cannot load the provider or refuses an option
     */
    void append(OrtSession.SessionOptions opts, String provider) throws OrtException {
        switch (provider) {
            case "cuda" -> {
                try (OrtCUDAProviderOptions o = new OrtCUDAProviderOptions(deviceId)) {
                    for (Map.Entry<String, String> e : cudaOptions().entrySet()) {
                        o.add(e.getKey(), e.getValue());
                    }
                    opts.addCUDA(o);
                }
            }
            case "tensorrt" -> {
                try (OrtTensorRTProviderOptions o = new OrtTensorRTProviderOptions(deviceId)) {
                    createCacheDir();
                    for (Map.Entry<String, String> e : tensorrtOptions().entrySet()) {
                        o.add(e.getKey(), e.getValue());
                    }
                    opts.addTensorrt(o);
                }
            }
            default -> throw new IllegalArgumentException("not an accelerator: " + provider);
        }
    }

    /**
     * TensorRT creates only the last folder of its cache path and fails the provider otherwise, so the
     * whole path is made here, once there is a TensorRT to use it.
     */
    private void createCacheDir() {
        if (tensorrtCacheDir == null) {
            return;
        }
        try {
            java.nio.file.Files.createDirectories(tensorrtCacheDir);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("refseg.inference.tensorrt-cache-dir " + tensorrtCacheDir
                    + " cannot be created: " + e, e);
        }
    }

    /** Lower case, trimmed, each once, CPU left out (it is always last); refused naming the key. */
    private static List<String> parse(String key, List<String> providers) {
        if (providers.isEmpty()) {
            throw new IllegalArgumentException(key + ": lists no execution provider (use " + String.join(", ", KNOWN)
                    + ", e.g. cuda,cpu)");
        }
        List<String> names = new ArrayList<>();
        for (String p : providers) {
            String name = p.trim().toLowerCase(Locale.ROOT);
            if (!KNOWN.contains(name)) {
                throw new IllegalArgumentException(key + ": unknown execution provider '" + p.trim() + "' (use "
                        + String.join(", ", KNOWN) + ")");
            }
            if (!name.equals("cpu") && !names.contains(name)) {
                names.add(name);
            }
        }
        return List.copyOf(names);
    }
}
