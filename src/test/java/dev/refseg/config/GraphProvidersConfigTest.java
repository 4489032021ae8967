package dev.refseg.config;

import dev.refseg.inference.ModelSet;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.refseg.runtime.OrtRuntime;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The service started with refseg.inference.execution-providers=cuda,cpu and gdino.detector on its own
 * list: the runtime it builds applies that list to that graph's session and reports what each graph got
 * (here, without a GPU, every graph falls back to the CPU), and the warm-up ran every graph.
 */
@QuarkusTest
@TestProfile(GraphProvidersConfigTest.CudaWithDetectorOnCpu.class)
class GraphProvidersConfigTest {
    /** CUDA for every graph but the detector, which keeps to the CPU. */
    public static class CudaWithDetectorOnCpu implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("refseg.inference.execution-providers", "cuda,cpu",
                    "refseg.inference.graph-providers.\"gdino.detector\"", "cpu",
                    "refseg.inference.tensorrt-fp16", "true");
        }
    }

    @Inject
    OrtRuntime runtime;

    @Inject
    ModelSet models;

    @Test
    void theDetectorsOwnListIsAppliedAndEveryGraphsChoiceReported() {
        assertTrue(runtime.providers().hasOwn("gdino.detector"));
        assertEquals(List.of(), runtime.providers().forGraph("gdino.detector"), "no accelerator: the CPU alone");
        assertEquals(List.of("cuda"), runtime.providers().forGraph("sam2.image_encoder"), "the global list");
        Map<String, List<String>> chosen = runtime.chosenProviders();
        assertEquals(models.registry().graphs(), chosen.keySet(), "every loaded graph is reported");
        assertEquals(List.of("cpu"), chosen.get("gdino.detector"));
        for (String key : models.registry().graphs()) {
            assertEquals(runtime.providers().hasOwn(key) ? List.of("cpu") : runtime.activeProviders(), chosen.get(key),
                    key);
        }
        assertEquals(Map.of("trt_fp16_enable", "1"), runtime.providers().tensorrtOptions(),
                "fp16 reached TensorRT's options; no cache directory was set");
    }
}
