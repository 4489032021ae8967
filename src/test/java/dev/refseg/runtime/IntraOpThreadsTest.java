package dev.refseg.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How many intra-op threads each graph gets (refseg.inference.intra-op-threads and graph-intra-op-threads). */
class IntraOpThreadsTest {
    @TempDir
    Path dir;

    private Path file(String name, long bytes) throws Exception {
        Path p = dir.resolve(name);
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(bytes); // sparse: only the size matters
        }
        return p;
    }

    @Test
    void automaticChoiceFollowsModelSizeAndThePipeline() throws Exception {
        int cores = Runtime.getRuntime().availableProcessors();
        Path small = file("decoder.onnx", 20L << 20);
        Path large = file("encoder.onnx", 200L << 20);
        Path external = file("external.onnx", 1 << 20);
        file("external.onnx.data", 100L << 20);
        OrtRuntime sequential = new OrtRuntime(List.of("cpu"), 0, 0);
        OrtRuntime pipelined = sequential.withThreads(Map.of(), 2);
        assertEquals(1, sequential.threadsFor("sam2.mask_decoder", small), "a small graph gets one thread");
        assertEquals(Math.max(1, Math.min(4, cores)), sequential.threadsFor("sam2.image_encoder", large));
        assertEquals(Math.max(1, Math.min(4, cores / 2)), pipelined.threadsFor("sam2.image_encoder", large),
                "two runs at once share the cores");
        assertEquals(pipelined.threadsFor("x", large), pipelined.threadsFor("x", external),
                "weights beside the graph count");
    }

    @Test
    void settingsOverrideTheChoice() throws Exception {
        Path small = file("decoder.onnx", 1 << 10);
        OrtRuntime global = new OrtRuntime(List.of("cpu"), 0, 3);
        assertEquals(3, global.threadsFor("sam2.mask_decoder", small));
        OrtRuntime perGraph = global.withThreads(Map.of("sam2.mask_decoder", 2), 2);
        assertEquals(2, perGraph.threadsFor("sam2.mask_decoder", small));
        assertEquals(3, perGraph.threadsFor("sam2.image_encoder", small));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> global.withThreads(Map.of("sam2.image_encoder", 0), 1));
        assertTrue(e.getMessage().contains("\"sam2.image_encoder\" is 0"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> global.withThreads(Map.of("sam2.image_encoder", 65), 1));
        for (int bad : new int[] {-1, OrtRuntime.MAX_THREADS + 1, 1000}) {
            IllegalArgumentException g = assertThrows(IllegalArgumentException.class,
                    () -> new OrtRuntime(List.of("cpu"), 0, bad));
            assertTrue(g.getMessage().startsWith("refseg.inference.intra-op-threads is " + bad), g.getMessage());
        }
        assertTrue(Files.exists(small));
    }

    @Test
    void aKeyNamingNoGraphIsRefused() {
        OrtRuntime r = new OrtRuntime(List.of("cpu"), 0, 0).withThreads(Map.of("sam2.imag_encoder", 2,
                "sam2.mask_decoder", 1), 2);
        r.checkGraphKeys(java.util.Set.of("sam2.mask_decoder", "sam2.imag_encoder"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> r.checkGraphKeys(java.util.Set.of("sam2.image_encoder", "sam2.mask_decoder")));
        assertTrue(e.getMessage().contains("[sam2.imag_encoder]") && e.getMessage().contains("sam2.image_encoder"),
                e.getMessage());
    }
}
