package dev.refseg.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.refseg.fixtures.FixtureModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelsCliTest {

    @Test
    void nvidiaFixturesAreReportedGraphByGraph(@TempDir Path dir) throws Exception {
        FixtureModels.writeAll(dir);
        TestModels.Run r = TestModels.models("--dir", dir.toString(), "--runs", "2");
        assertEquals(0, r.exitCode(), r.output());
        Map<String, String> families = Map.of("sam2.image_encoder", "sam2-nvidia", "sam2.mask_decoder", "sam2-nvidia",
                "sam2.memory_encoder", "sam2-nvidia", "sam2.memory_attention", "sam2-nvidia",
                "gdino.detector", "gdino-hf", "beats.tagger", "beats");
        for (Map.Entry<String, String> f : families.entrySet()) {
            String[] cells = row(r.output(), f.getKey());
            assertEquals(f.getValue(), cells[1], r.output());
            assertEquals(f.getKey().replace('.', '_') + ".onnx", cells[2], r.output());
            // First and median run times, and the CPU provider ran at least one node of it.
            assertTrue(Double.parseDouble(cells[5]) > 0, r.output());
            assertTrue(Double.parseDouble(cells[6]) > 0, r.output());
            assertTrue(cells[7].matches("CPU [1-9][0-9]*"), r.output());
        }
        r.says(0, "SAM 2.1: sam2-nvidia (input 1024 px, features 64x64)", "gdino.tokenizer = gdino_vocab.txt",
                "mask IoU", "OK: 6 graphs");
    }

    @Test
    void truncatedFileIsRefusedWithItsSize(@TempDir Path dir) throws Exception {
        FixtureModels.writeAll(dir);
        Path decoder = dir.resolve("sam2_mask_decoder.onnx");
        byte[] full = Files.readAllBytes(decoder);
        Files.write(decoder, Arrays.copyOf(full, full.length / 2));
        TestModels.models("--dir", dir.toString()).says(1, "refused: graph sam2.mask_decoder: " + decoder + " ("
                + String.format(Locale.ROOT, "%,d", full.length / 2) + " bytes) is truncated or not an ONNX model");
    }

    @Test
    void mixedFamiliesAreRefusedNamingEachGraphsFamily(@TempDir Path dir) throws Exception {
        FixtureModels.writeAll(dir);
        Files.write(dir.resolve("pointer_tpos.onnx"), TestModels.pointerTpos());
        TestModels.addToManifest(dir, "sam2.pointer_tpos = pointer_tpos.onnx");
        TestModels.models("--dir", dir.toString()).says(1, "refused: ", "come from different export families",
                "sam2.image_encoder is sam2-nvidia", "sam2.pointer_tpos is sam2-transformers");
    }

    @Test
    void fp16GraphIsRefusedNamingTensorAndType(@TempDir Path dir) throws Exception {
        FixtureModels.writeAll(dir);
        Path encoder = dir.resolve("sam2_image_encoder.onnx");
        Files.write(encoder, TestModels.halfInput(Files.readAllBytes(encoder), "image"));
        // Until float16 I/O is accepted (converted at the boundary), the refusal names the tensor and its type.
        TestModels.models("--dir", dir.toString()).says(1, "refused: graph sam2.image_encoder",
                "input 'image' is float16");
    }

    @Test
    void graphThatLoadsButCannotRunIsRefused(@TempDir Path dir) throws Exception {
        FixtureModels.writeAll(dir);
        Files.write(dir.resolve("beats_tagger.onnx"), TestModels.taggerThatCannotRun());
        TestModels.models("--dir", dir.toString()).says(1,
                "refused: the test run on the synthetic sample failed in beats.tagger: beats.tagger failed");
    }

    @Test
    void badArgumentsPrintTheUsage(@TempDir Path dir) {
        for (List<String> args : List.of(List.<String>of(), List.of("--dir"), List.of("--dir", "a", "--print-manifest",
                "b"), List.of("--runs", "x", "--dir", dir.toString()), List.of("--bogus"))) {
            TestModels.models(args.toArray(String[]::new)).says(2, "usage: refseg models");
        }
        TestModels.models("--dir", dir.resolve("absent").toString()).says(1, "refused: ", "is not a directory");
    }

    /** The table row of a graph, split into its cells (cells are separated by two or more spaces). */
    static String[] row(String output, String key) {
        return output.lines().filter(l -> l.startsWith(key + " ")).findFirst()
                .orElseThrow(() -> new AssertionError("no row for " + key + " in\n" + output)).split(" {2,}");
    }
}
