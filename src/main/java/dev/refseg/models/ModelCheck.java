package dev.refseg.models;

import ai.onnxruntime.OrtException;
import dev.refseg.audio.TaggerSetup;
import dev.refseg.runtime.CanonicalGraphs;
import dev.refseg.runtime.ModelLoadException;
import dev.refseg.inference.ModelSet;
import dev.refseg.runtime.ModelRegistry;
import dev.refseg.runtime.OrtRuntime;
import dev.refseg.runtime.TensorSpec;
import dev.refseg.media.ScratchDir;
import dev.refseg.sam2.Sam2Setup;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.stream.Collectors;

/**
 * The {@code models} command's check of one model directory: loads it as start-up does (every interface,
 * the SAM 2.1 family and geometry, constants.json), runs every graph once on the synthetic sample
 * ({@link ModelSmoke}) with ONNX Runtime's profiler on to learn which provider ran each node, then
 * repeats the run {@code runs} times for a median time.
 */
final class ModelCheck {
    /**
     * One graph's line of the report.
     *
     * @param family   the export family its interface matched (e.g. "sam2-nvidia", "gdino-hf")
     * @param bytes    file size in bytes
     * @param ioTypes  element types in and out, e.g. "float,int64 -> float"
     * @param firstMs  its first run (initialisation included), in milliseconds
     * @param medianMs median over the repeated runs; empty without repeats
     * @param nodes    distinct nodes per execution provider ("cuda", "cpu"), from the profile
     */
    record GraphLine(String key, String family, Path file, long bytes, String ioTypes, OptionalDouble firstMs,
            OptionalDouble medianMs, Map<String, Integer> nodes) {
    }

    /**
     * @param requested  providers asked for, lower case
     * @param active     providers that loaded, ending with "cpu"
     * @param failures   why each requested provider that did not load failed, by provider
     * @param tagger     the audio tagger's family and labels, null when none is loaded
     * @param companions manifest entries that are not graphs (tokenizer, constants, labels)
     */
    record Report(Path dir, String ortVersion, List<String> requested, List<String> active,
            Map<String, String> failures, Sam2Setup sam2, TaggerSetup tagger,
            List<GraphLine> graphs, Map<String, Path> companions, ModelSmoke.Result smoke, int runs) {
    }

    /** Report order: the tracker's graphs as a frame meets them, then the detector and the tagger. */
    static final List<String> ORDER = List.of("sam2.image_encoder", "sam2.mask_decoder", "sam2.memory_encoder",
            "sam2.memory_attention", "sam2.pointer_tpos", "gdino.detector", CanonicalGraphs.AUDIO_TAGGER);

    private ModelCheck() {
    }

    /**
     * Checks and runs the directory's graphs.
     *
     * @param runs repeats of the whole test run after the first, for the median (0: none)
     * @throws ModelLoadException with the precise problem, as start-up would give it
     */
    static Report run(Path dir, OrtRuntime runtime, int runs) {
        Path traces;
        try {
            traces = Files.createTempDirectory("refseg-models-profile");
        } catch (IOException e) {
            throw new ModelLoadException("cannot create a directory for the ONNX Runtime profiles: " + e.getMessage(), e);
        }
        try (ModelSet set = ModelSet.load(dir, runtime.withProfiling(traces))) {
            ModelRegistry models = set.registry();
            ModelSmoke smoke = new ModelSmoke();
            GraphTimes first = new GraphTimes();
            ModelSmoke.Result result = smoke.run(set, first);
            Map<String, Map<String, Integer>> nodes = new LinkedHashMap<>();
            for (String key : models.graphs()) {
                nodes.put(key, profile(models, key));
            }
            GraphTimes repeated = new GraphTimes();
            for (int i = 0; i < runs; i++) {
                smoke.run(set, repeated);
            }
            List<GraphLine> lines = new ArrayList<>();
            List<String> keys = new ArrayList<>(models.graphs());
            keys.sort(java.util.Comparator.comparingInt(k -> ORDER.contains(k) ? ORDER.indexOf(k) : ORDER.size()));
            for (String key : keys) {
                lines.add(new GraphLine(key, models.interfaceOf(key).family(), models.file(key), size(models.file(key)),
                        ioTypes(models, key), first.firstMs(key), repeated.medianMs(key), nodes.get(key)));
            }
            return new Report(dir, models.runtime().environment().getVersion(), models.runtime().requestedProviders(),
                    models.runtime().activeProviders(), models.runtime().providerFailures(), set.sam2(),
                    set.tagger().orElse(null), lines, models.companions(), result, runs);
        } finally {
            ScratchDir.delete(traces);
        }
    }

    /** Ends the session's profiling (it stays off for the repeats) and reads who ran its nodes. */
    private static Map<String, Integer> profile(ModelRegistry models, String key) {
        try {
            return ProviderProfile.nodesByProvider(Path.of(models.endProfiling(key)));
        } catch (OrtException | IOException e) {
            throw new ModelLoadException("graph " + key + ": cannot read its ONNX Runtime profile: " + e.getMessage(), e);
        }
    }

    private static String ioTypes(ModelRegistry models, String key) {
        return types(models.inputs(key)) + " -> " + types(models.outputs(key));
    }

    private static String types(Map<String, TensorSpec> tensors) {
        return tensors.values().stream().map(t -> t.type().name().toLowerCase(Locale.ROOT)).distinct()
                .collect(Collectors.joining(","));
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return -1;
        }
    }
}
