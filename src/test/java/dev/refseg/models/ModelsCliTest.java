package dev.refseg.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.refseg.fixtures.FixtureModels;
import dev.refseg.runtime.CanonicalGraphs;
import dev.refseg.onnx.Fp16Io;
import dev.refseg.onnx.ModelFiles;
import dev.refseg.sam2.Sam2Setup;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
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
                "gdino.detector", "gdino-hf", "audio.tagger", "beats");
        for (Map.Entry<String, String> f : families.entrySet()) {
            String[] cells = row(r.output(), f.getKey());
            assertEquals(f.getValue(), cells[1], r.output());
            assertEquals(f.getKey().replace('.', '_') + ".onnx", cells[2], r.output());
            // First and median run times, and the CPU provider ran at least one node of it.
            assertTrue(Double.parseDouble(cells[5]) >= 0, r.output()); // a timing: 0.0 on a fast run
            assertTrue(Double.parseDouble(cells[6]) >= 0, r.output());
            assertTrue(cells[7].matches("CPU [1-9][0-9]*"), r.output());
        }
        r.says(0, "SAM 2.1: sam2-nvidia (input 1024 px, features 64x64)", "gdino.tokenizer = gdino_vocab.txt",
                "audio.labels = tagger_labels.csv (checked: 6 classes for the beats tagger, Silence at 0)",
                "audio.label_objects = tagger_objects.csv", "tagger (beats): ", "mask IoU", "OK: 6 graphs");
    }

    @Test
    void aProviderThatDidNotLoadIsSaidWithOrtsReason(@TempDir Path dir) throws Exception {
        FixtureModels.writeAll(dir);
        TestModels.Run r = TestModels.models("--dir", dir.toString(), "--providers", "cuda,cpu");
        if (ai.onnxruntime.OrtEnvironment.getAvailableProviders().contains(ai.onnxruntime.OrtProvider.CUDA)) {
            r.says(0, "requested [cuda, cpu]", "CUDA ");
            return;
        }
        // The CPU build: everything runs, and the report says CUDA was not there and why.
        r.says(0, "requested [cuda, cpu], loaded [cpu]", "warning: execution provider cuda was requested but could "
                + "not be loaded: ", "this ONNX Runtime build has no CUDA provider", "OK: 6 graphs");
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
    void fp16GraphsAreReportedWithTheirTypes(@TempDir Path dir) throws Exception {
        Map<String, Path> files = FixtureModels.writeAll(dir);
        for (Path f : files.values()) {
            ModelFiles.rewrite(f, Fp16Io::convert);
        }
        TestModels.Run r = TestModels.models("--dir", dir.toString());
        r.says(0, "OK: 6 graphs");
        // float16 I/O is converted at the boundary; the detector's token inputs stay int64.
        assertEquals("float16 -> float16", row(r.output(), "sam2.image_encoder")[4], r.output());
        assertEquals("float16,int64 -> float16", row(r.output(), "gdino.detector")[4], r.output());
    }

    @Test
    void elementTypeRefsegCannotTakeIsRefusedNamingTensorAndType(@TempDir Path dir) throws Exception {
        FixtureModels.writeAll(dir);
        Path encoder = dir.resolve("sam2_image_encoder.onnx");
        Files.write(encoder, TestModels.retypedInput(Files.readAllBytes(encoder), "image", TestModels.UINT16));
        TestModels.models("--dir", dir.toString()).says(1, "refused: graph sam2.image_encoder (" + encoder + "): "
                + "input 'image' is uint16, an element type refseg does not take");
    }

    @Test
    void transformersFixturesAreReportedGraphByGraph(@TempDir Path dir) throws Exception {
        FixtureModels.writeTransformers(dir, 512);
        TestModels.Run r = TestModels.models("--dir", dir.toString());
        r.says(0, "SAM 2.1: sam2-transformers (input 512 px, features 32x32)",
                "sam2.constants = constants.json (checked: temporal table 7 x 64", "OK: 7 graphs");
        for (String key : List.of("sam2.image_encoder", "sam2.mask_decoder", "sam2.memory_encoder",
                "sam2.memory_attention", "sam2.pointer_tpos")) {
            String[] cells = row(r.output(), key);
            assertEquals("sam2-transformers", cells[1], r.output());
            assertTrue(cells[2].startsWith("onnx/"), r.output());
            assertTrue(Double.parseDouble(cells[5]) >= 0, r.output()); // a timing: 0.0 on a fast run
            assertTrue(cells[7].matches("CPU [1-9][0-9]*"), r.output());
        }
        // The decoder's labels are int32 in this family.
        assertEquals("float,int32 -> float", row(r.output(), "sam2.mask_decoder")[4], r.output());
    }

    @Test
    void nvidiaDecoderInTransformersDirectoryIsRefused(@TempDir Path nvidia, @TempDir Path dir) throws Exception {
        FixtureModels.writeTransformers(dir, 1024);
        Files.copy(FixtureModels.writeAll(nvidia).get("sam2.mask_decoder"), dir.resolve("onnx/mask_decoder.onnx"),
                StandardCopyOption.REPLACE_EXISTING);
        TestModels.models("--dir", dir.toString()).says(1, "refused: the SAM 2.1 graphs in ",
                "come from different export families", "sam2.image_encoder is sam2-transformers",
                "sam2.mask_decoder is sam2-nvidia");
    }

    @Test
    void badConstantsJsonIsRefused(@TempDir Path dir) throws Exception {
        FixtureModels.writeTransformers(dir, 512);
        Path constants = dir.resolve("constants.json");
        String good = Files.readString(constants);
        Files.writeString(constants, good.substring(0, good.length() / 2));
        TestModels.models("--dir", dir.toString()).says(1, "refused: sam2.constants (" + constants + ") is not valid JSON");

        // Valid JSON whose sizes are another export's (1024 px) than the graphs' (512 px).
        Files.writeString(constants, good.replace("\"image_size\": 512", "\"image_size\": 1024"));
        TestModels.models("--dir", dir.toString()).says(1, "refused: SAM 2.1 size S is 512 in sam2.image_encoder "
                + "pixel_values but 1024 in " + constants + " image_size");

        Files.writeString(constants, good.replace("\"image_std\": [0.229, 0.224, 0.225]", "\"image_std\": [0.229, 0, 1]"));
        TestModels.models("--dir", dir.toString()).says(1, "refused: sam2.constants (" + constants + ") image_std must "
                + "be positive");
    }

    @Test
    void graphThatLoadsButCannotRunIsRefused(@TempDir Path dir) throws Exception {
        FixtureModels.writeAll(dir);
        Files.write(dir.resolve("audio_tagger.onnx"), TestModels.taggerThatCannotRun());
        TestModels.models("--dir", dir.toString()).says(1,
                "refused: the test run on the synthetic sample failed in audio.tagger: audio.tagger failed");
    }

    @Test
    void badArgumentsPrintTheUsage(@TempDir Path dir) {
        for (List<String> args : List.of(List.<String>of(), List.of("--dir"), List.of("--dir", "a", "--print-manifest",
                "b"), List.of("--runs", "x", "--dir", dir.toString()), List.of("--bogus"))) {
            TestModels.models(args.toArray(String[]::new)).says(2, "usage: refseg models");
        }
        TestModels.models("--dir", dir.resolve("absent").toString()).says(1, "refused: ", "is not a directory");
    }

    @Test
    void badProvidersAreRefusedBeforeAnythingLoads(@TempDir Path dir) throws Exception {
        FixtureModels.writeAll(dir);
        for (String providers : List.of("garbage", ",,,", "", "cuda,,cpu", "cuda,")) {
            TestModels.Run r = TestModels.models("--dir", dir.toString(), "--providers", providers);
            r.says(2, "--providers must be a comma-separated list of cpu, cuda, tensorrt", "usage: refseg models");
            assertTrue(!r.output().contains("audio.tagger"), r.output());
        }
    }

    @Test
    void badRunsAreRefusedWithTheReason(@TempDir Path dir) {
        for (String runs : List.of("-1", "0", "abc", "1.5", "99999999999", "2147483647", "1001")) {
            TestModels.models("--dir", dir.toString(), "--runs", runs).says(2,
                    "--runs must be an integer from 1 to 1000", "usage: refseg models");
        }
    }

    @Test
    void aTrackerThatMissesTheSyntheticObjectIsWarnedAbout(@TempDir Path dir) {
        for (double iou : new double[] {0.0, 0.09, 0.1, 0.93}) {
            ModelCheck.Report report = new ModelCheck.Report(dir, "1.0", List.of("cpu"), List.of("cpu"), Map.of(),
                    new Sam2Setup(CanonicalGraphs.NVIDIA, 1024, 64, 0, null), null, List.of(), Map.of(),
                    new ModelSmoke.Result("the red disc", iou, null, 0, 0, null, null), 0);
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            ModelsCli.print(report, new PrintStream(bytes, true, StandardCharsets.UTF_8));
            String output = bytes.toString(StandardCharsets.UTF_8);
            assertEquals(iou < 0.1, output.contains(String.format(Locale.ROOT, "warning: the tracker's mask of the "
                    + "red disc on the synthetic sample has IoU %.2f with the drawn object (below 0.1)", iou)), output);
            assertTrue(output.contains("OK: "), output);
        }
    }

    /** The table row of a graph, split into its cells (cells are separated by two or more spaces). */
    static String[] row(String output, String key) {
        return output.lines().filter(l -> l.startsWith(key + " ")).findFirst()
                .orElseThrow(() -> new AssertionError("no row for " + key + " in\n" + output)).split(" {2,}");
    }
}
