package dev.refseg.runtime;

import dev.refseg.inference.ModelSet;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtException;
import dev.refseg.config.RefsegConfig;
import dev.refseg.models.ModelSmoke;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.smallrye.config.common.MapBackedConfigSource;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/**
 * Execution providers per graph (refseg.inference.graph-providers."KEY") and TensorRT's options: how they
 * are read and refused, and that a graph's own list, not the global one, makes its session.
 */
class GraphProvidersTest {

    /** RefsegConfig as Quarkus reads it, without starting Quarkus (its converter reads "60s" durations). */
    private static SmallRyeConfigBuilder builder() {
        return new SmallRyeConfigBuilder().withMapping(RefsegConfig.class)
                .withConverter(java.time.Duration.class, 100, new io.quarkus.runtime.configuration.DurationConverter());
    }

    @Test
    void listsAreReadFromConfiguration() {
        SmallRyeConfig config = builder()
                .withSources(new MapBackedConfigSource("test", Map.of(
                        "refseg.inference.graph-providers.\"gdino.detector\"", "cpu",
                        "refseg.inference.graph-providers.\"sam2.memory_attention\"", "cuda,cpu",
                        "refseg.inference.tensorrt-cache-dir", "/var/cache/trt",
                        "refseg.inference.tensorrt-fp16", "true"), 100) {
                })
                .build();
        RefsegConfig.Inference i = config.getConfigMapping(RefsegConfig.class).inference();
        assertEquals(Map.of("gdino.detector", List.of("cpu"), "sam2.memory_attention", List.of("cuda", "cpu")),
                i.graphProviders());
        assertEquals(Path.of("/var/cache/trt"), i.tensorrtCacheDir().orElseThrow());
        assertTrue(i.tensorrtFp16());

        RefsegConfig.Inference defaults = builder().build()
                .getConfigMapping(RefsegConfig.class).inference();
        assertEquals(Map.of(), defaults.graphProviders());
        assertTrue(defaults.tensorrtCacheDir().isEmpty());
        assertEquals(false, defaults.tensorrtFp16());
    }

    @Test
    void listsAreNormalisedAndUnknownProvidersRefusedNamingTheKey() {
        ExecutionProviders global = ExecutionProviders.of(List.of("CUDA", " cpu"), 0, 0);
        assertEquals(List.of("cuda"), global.global(), "CPU is implied last, case and spaces do not matter");
        ExecutionProviders p = global.withGraphProviders(Map.of("gdino.detector", List.of("cpu"),
                "sam2.image_encoder", List.of("tensorrt", "cuda", "tensorrt")));
        assertEquals(List.of(), p.forGraph("gdino.detector"), "cpu alone: no accelerator");
        assertEquals(List.of("tensorrt", "cuda"), p.forGraph("sam2.image_encoder"));
        assertEquals(List.of("cuda"), p.forGraph("sam2.mask_decoder"), "a graph without its own list");
        assertEquals(Set.of("gdino.detector", "sam2.image_encoder"), p.graphKeys());

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> global.withGraphProviders(Map.of("gdino.detector", List.of("cuda", "rocm"))));
        assertEquals("refseg.inference.graph-providers.\"gdino.detector\": unknown execution provider 'rocm' "
                + "(use tensorrt, cuda, cpu)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> global.withGraphProviders(Map.of("gdino.detector", List.of())));
        assertTrue(e.getMessage().startsWith("refseg.inference.graph-providers.\"gdino.detector\": lists no "
                + "execution provider"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new OrtRuntime(List.of("cuda", "gpu"), 0, 1));
        assertTrue(e.getMessage().startsWith("refseg.inference.execution-providers: unknown execution provider 'gpu'"),
                e.getMessage());
    }

    @Test
    void aKeyNamingNoGraphIsRefused() {
        OrtRuntime r = new OrtRuntime(List.of("cpu"), 0, 1)
                .withGraphProviders(Map.of("gdino.detecter", List.of("cpu")));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> r.checkGraphKeys(Set.of("gdino.detector", "sam2.image_encoder")));
        assertEquals("refseg.inference.graph-providers names no loaded graph: [gdino.detecter] (the graphs: "
                + "[gdino.detector, sam2.image_encoder])", e.getMessage());
        r.checkGraphKeys(Set.of("gdino.detecter"));
    }

    @Test
    void tensorrtAndCudaOptionsAreThoseOrtNames() {
        ExecutionProviders plain = ExecutionProviders.of(List.of("tensorrt", "cuda"), 1, 0);
        assertEquals(Map.of("trt_fp16_enable", "0"), plain.tensorrtOptions());
        assertEquals(Map.of(), plain.cudaOptions(), "no limit: ORT's own arena settings");
        ExecutionProviders tuned = ExecutionProviders.of(List.of("tensorrt", "cuda"), 1, 2L << 30)
                .withTensorrt(Path.of("/var/cache/trt"), true);
        assertEquals(Map.of("trt_fp16_enable", "1", "trt_engine_cache_enable", "1",
                "trt_engine_cache_path", "/var/cache/trt", "trt_timing_cache_enable", "1",
                "trt_timing_cache_path", "/var/cache/trt"), tuned.tensorrtOptions());
        assertEquals(Map.of("gpu_mem_limit", "2147483648", "arena_extend_strategy", "kSameAsRequested"),
                tuned.cudaOptions());
    }

    @Test
    void aSessionThatFailsOnAnAcceleratorIsTriedWithoutIt() {
        OrtException engine = new OrtException(OrtException.OrtErrorCode.ORT_EP_FAIL, "TensorRT cannot build");
        assertEquals(List.of("cuda"), OrtRuntime.fallback(List.of("tensorrt", "cuda", "cpu"), engine));
        assertEquals(List.of(), OrtRuntime.fallback(List.of("cuda", "cpu"), engine), "then the CPU alone");
        assertNull(OrtRuntime.fallback(List.of("cpu"), engine), "nothing is left to drop");
        OrtException file = new OrtException(OrtException.OrtErrorCode.ORT_INVALID_PROTOBUF, "Protobuf parsing failed");
        assertNull(OrtRuntime.fallback(List.of("cuda", "cpu"), file), "no provider reads a broken file");
    }

    /**
     * The global list asks for CUDA, which this CPU build of ONNX Runtime cannot load; gdino.detector is on
     * the CPU by its own list and sam2.memory_attention asks for TensorRT. What each graph got is reported
     * per graph, a graph on its own list logs it once, and every session runs.
     */
    @Test
    void aGraphsOwnListReplacesTheGlobalOne() {
        List<String> messages = new ArrayList<>();
        Logger log = Logger.getLogger(OrtRuntime.class.getName());
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord r) {
                // JBoss LogManager names its levels WARN, INFO; JUL's are WARNING, INFO: compare by value.
                String level = r.getLevel().intValue() >= Level.WARNING.intValue() ? "WARN" : "INFO";
                messages.add(level + " " + (r.getParameters() == null ? r.getMessage()
                        : String.format(r.getMessage(), r.getParameters())));
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Level before = log.getLevel();
        log.setLevel(Level.INFO);
        log.addHandler(capture);
        OrtRuntime runtime = new OrtRuntime(List.of("cuda", "cpu"), 0, 1).withGraphProviders(Map.of(
                "gdino.detector", List.of("cpu"), "sam2.memory_attention", List.of("tensorrt", "cpu")));
        try (ModelSet models = ModelSet.demo(runtime)) {
            runtime.checkGraphKeys(models.registry().graphs());
            Map<String, List<String>> chosen = runtime.chosenProviders();
            assertEquals(models.registry().graphs(), chosen.keySet());
            assertEquals(List.of("cpu"), chosen.get("gdino.detector"), "its own list, whatever the global one loads");
            boolean tensorrtHere = !runtime.providerFailures().containsKey("tensorrt");
            assertEquals(tensorrtHere ? List.of("tensorrt", "cpu") : List.of("cpu"), chosen.get("sam2.memory_attention"));
            for (String key : List.of("sam2.image_encoder", "sam2.mask_decoder", "sam2.memory_encoder")) {
                assertEquals(runtime.activeProviders(), chosen.get(key), key + " follows the global list");
            }
            assertNotNull(ModelSmoke.warmUp(models), "every session runs");
            if (!runtime.activeProviders().contains("cuda")) {
                assertEquals("[cpu]", runtime.describeChosenProviders(), "this CPU build: everything fell back");
                assertTrue(messages.stream().anyMatch(m -> m.startsWith("WARN CUDA execution provider could not be "
                        + "loaded")), messages.toString());
            }
            assertEquals(1, messages.stream().filter(m -> m.equals("INFO graph gdino.detector: execution providers "
                    + "[cpu] (refseg.inference.graph-providers.\"gdino.detector\" = [cpu])")).count(), messages.toString());
            if (!tensorrtHere) {
                assertTrue(messages.stream().anyMatch(m -> m.startsWith("WARN graph sam2.memory_attention: TENSORRT "
                        + "execution provider could not be loaded")), messages.toString());
            }
            assertTrue(messages.stream().noneMatch(m -> m.contains("graph sam2.image_encoder")),
                    "graphs on the global list are covered by the global line: " + messages);
        } finally {
            log.removeHandler(capture);
            log.setLevel(before);
        }
    }
}
