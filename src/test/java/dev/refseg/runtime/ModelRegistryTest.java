package dev.refseg.runtime;

import dev.refseg.inference.ModelSet;
import dev.refseg.inference.LocalInference;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.refseg.fixtures.FixtureModels;
import dev.refseg.onnx.DType;
import dev.refseg.onnx.GraphBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelRegistryTest {
    static final OrtRuntime CPU = new OrtRuntime(List.of("cpu"), 0, 1);

    @Test
    void fixtureModelsMatchTheCanonicalInterfaces(@TempDir Path dir) throws Exception {
        FixtureModels.writeAll(dir);
        try (ModelSet r = ModelSet.load(dir, CPU)) {
            for (String key : CanonicalGraphs.BY_KEY.keySet()) {
                // The default fixtures are the NVIDIA family, which has no pointer_tpos graph.
                assertEquals(!key.equals(CanonicalGraphs.HUB_POINTER_TPOS.key()), r.registry().has(key), key);
            }
            assertEquals(CanonicalGraphs.NVIDIA, r.sam2().family());
            assertSame(CanonicalGraphs.GDINO_HF, r.registry().interfaceOf("gdino.detector"));
            assertFalse(r.registry().isDemo());
        }
    }

    @Test
    void misnamedInputFailsNamingGraphTensorAndExport(@TempDir Path dir) throws Exception {
        FixtureModels.writeAll(dir);
        // Replace the decoder with one whose first input is called "points" instead of "point_coords".
        GraphBuilder g = new GraphBuilder("bad_decoder");
        g.input("points", DType.FLOAT, "n", "p", 2);
        g.input("point_labels", DType.FLOAT, "n", "p");
        GraphBuilder.Value embed = g.input("image_embed", DType.FLOAT, "n", 256, 64, 64);
        g.input("high_res_feats_0", DType.FLOAT, 1, 32, 256, 256);
        g.input("high_res_feats_1", DType.FLOAT, 1, 64, 128, 128);
        GraphBuilder.Value low = g.upsampleNearest(g.reduceMean(embed, true, 1), 4);
        g.output("obj_ptr", g.reduceMean(embed, false, 2, 3), DType.FLOAT, "n", 256);
        g.output("mask_for_mem", g.upsampleNearest(low, 4), DType.FLOAT, "n", 1, 1024, 1024);
        g.output("pred_mask", low, DType.FLOAT, "n", 1, 256, 256);
        g.output("iou", g.reduceMean(low, false, 2, 3), DType.FLOAT, "n", 1);
        g.output("occ_logit", g.reduceMax(low, false, 2, 3), DType.FLOAT, "n", 1);
        Files.write(dir.resolve("sam2_mask_decoder.onnx"), g.build());

        ModelLoadException e = assertThrows(ModelLoadException.class, () -> ModelSet.load(dir, CPU));
        assertTrue(e.getMessage().contains("graph sam2.mask_decoder"), e.getMessage());
        assertTrue(e.getMessage().contains("input 'point_coords' is missing"), e.getMessage());
        assertTrue(e.getMessage().contains("input 'points' is not one the adapter feeds"), e.getMessage());
        assertTrue(e.getMessage().contains("NVIDIA deepstream_tools sam2-onnx-tensorrt"), e.getMessage());
    }

    @Test
    void wrongShapeIsNamed(@TempDir Path dir) throws Exception {
        FixtureModels.writeAll(dir);
        GraphBuilder g = new GraphBuilder("bad_beats");
        GraphBuilder.Value fbank = g.input("fbank", DType.FLOAT, "b", "t", 64);
        g.output("probs", g.sigmoid(g.matMul(g.reduceMean(fbank, false, 1), g.constant(new float[64 * 527], 64, 527))),
                DType.FLOAT, "b", 527);
        Files.write(dir.resolve("audio_tagger.onnx"), g.build());
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> ModelSet.load(dir, CPU));
        assertTrue(e.getMessage().contains("input 'fbank' has size 64 in dimension 2, expected 128"), e.getMessage());
    }

    @Test
    void integerWidthIsNotConverted(@TempDir Path dir) throws Exception {
        FixtureModels.writeAll(dir);
        // A transformers-family mask decoder whose input_labels is int64 where the family has int32.
        GraphBuilder g = new GraphBuilder("int64_labels_decoder");
        GraphBuilder.Value feats0 = g.input("feats0", DType.FLOAT, 1, 32, 256, 256);
        g.input("feats1", DType.FLOAT, 1, 64, 128, 128);
        GraphBuilder.Value feats2 = g.input("feats2_cond", DType.FLOAT, 1, 256, 64, 64);
        g.input("input_points", DType.FLOAT, 1, 1, "n", 2);
        GraphBuilder.Value labels = g.input("input_labels", DType.INT64, 1, 1, "n");
        GraphBuilder.Value low = g.reduceMean(feats0, true, 1);
        GraphBuilder.Value iou = g.add(g.reduceMean(low, false, 2, 3), g.reduceSum(g.cast(labels, DType.FLOAT), false, 2));
        g.output("low_res_mask", low, DType.FLOAT, 1, 1, 256, 256);
        g.output("high_res_mask", g.upsampleNearest(low, 4), DType.FLOAT, 1, 1, 1024, 1024);
        g.output("iou", iou, DType.FLOAT, 1, 1);
        g.output("object_score_logits", g.reshape(g.reduceMax(low, true, 2, 3), 1, 1, 1), DType.FLOAT, 1, 1, 1);
        g.output("object_pointer", g.unsqueeze(g.reduceMean(feats2, false, 2, 3), 1), DType.FLOAT, 1, 1, 256);
        Files.write(dir.resolve("sam2_mask_decoder.onnx"), g.build());

        ModelLoadException e = assertThrows(ModelLoadException.class, () -> ModelSet.load(dir, CPU));
        assertTrue(e.getMessage().contains("graph sam2.mask_decoder"), e.getMessage());
        assertTrue(e.getMessage().contains("input 'input_labels' is int64, expected int32"), e.getMessage());
        assertTrue(e.getMessage().contains("transformers Sam2VideoModel"), e.getMessage());
    }

    @Test
    void missingRequiredGraphIsNamed(@TempDir Path dir) throws Exception {
        FixtureModels.writeAll(dir);
        String manifest = Files.readString(dir.resolve(ModelManifest.FILE));
        Files.writeString(dir.resolve(ModelManifest.FILE), manifest.replaceAll("(?m)^sam2.memory_encoder.*$", ""));
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> ModelSet.load(dir, CPU));
        assertTrue(e.getMessage().contains("lacks the required graph sam2.memory_encoder"), e.getMessage());
    }

    @Test
    void unreadableFilesAreNamedWithSizeAndCause(@TempDir Path dir) throws Exception {
        FixtureModels.writeAll(dir);
        Path encoder = dir.resolve("sam2_memory_encoder.onnx");
        byte[] full = Files.readAllBytes(encoder);
        Files.write(encoder, java.util.Arrays.copyOf(full, 1000));
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> ModelSet.load(dir, CPU));
        assertTrue(e.getMessage().startsWith("graph sam2.memory_encoder: " + encoder + " (1,000 bytes) is truncated "
                + "or not an ONNX model"), e.getMessage());

        Files.writeString(encoder, "version https://git-lfs.github.com/spec/v1\noid sha256:0\nsize 5000000\n");
        e = assertThrows(ModelLoadException.class, () -> ModelSet.load(dir, CPU));
        assertTrue(e.getMessage().contains("is a Git LFS pointer, not the model"), e.getMessage());

        Files.write(encoder, new byte[0]);
        e = assertThrows(ModelLoadException.class, () -> ModelSet.load(dir, CPU));
        assertTrue(e.getMessage().contains(encoder + " is empty (0 bytes)"), e.getMessage());
    }

    @Test
    void unavailableCudaFallsBackToCpu() {
        OrtRuntime r = new OrtRuntime(List.of("cuda", "cpu"), 0, 1);
        // The CPU build of ONNX Runtime has no CUDA provider: it must be skipped, not fatal.
        assertEquals("cpu", r.activeProviders().get(r.activeProviders().size() - 1));
        assertFalse(r.activeProviders().contains("cuda") && !cudaBuild());
    }

    private static boolean cudaBuild() {
        return ai.onnxruntime.OrtEnvironment.getAvailableProviders().contains(ai.onnxruntime.OrtProvider.CUDA);
    }

    @Test
    void manifestMistakesAreNamed(@TempDir Path dir) throws Exception {
        FixtureModels.writeAll(dir);
        Path manifest = dir.resolve(ModelManifest.FILE);
        String good = Files.readString(manifest);
        // A byte-order mark (some editors write one) is not part of the first key.
        Files.writeString(manifest, "\uFEFF" + good.lines().filter(l -> !l.startsWith("#"))
                .collect(java.util.stream.Collectors.joining("\n")));
        try (ModelSet r = ModelSet.load(dir, CPU)) {
            assertTrue(r.registry().has("sam2.image_encoder"));
        }
        // A misspelt key must not leave its model silently unloaded.
        Files.writeString(manifest, good.replace("audio.tagger =", "audio.tager ="));
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> ModelSet.load(dir, CPU));
        assertTrue(e.getMessage().contains("unknown key 'audio.tager'"), e.getMessage());
        assertTrue(e.getMessage().contains("audio.tagger"), e.getMessage());
        Files.createDirectories(dir.resolve("folder.onnx"));
        Files.writeString(manifest, good.replace("audio.tagger = audio_tagger.onnx", "audio.tagger = folder.onnx"));
        e = assertThrows(ModelLoadException.class, () -> ModelSet.load(dir, CPU));
        assertTrue(e.getMessage().contains("folder.onnx, which is not a regular file"), e.getMessage());
        // A model file named as the tokenizer by mistake.
        Files.writeString(manifest, good.replace("gdino.tokenizer = gdino_vocab.txt", "gdino.tokenizer = audio_tagger.onnx"));
        e = assertThrows(ModelLoadException.class, () -> {
            try (ModelSet r = ModelSet.load(dir, CPU)) {
                LocalInference.detectorTokenizer(r.registry());
            }
        });
        assertTrue(e.getMessage().contains("is not UTF-8 text"), e.getMessage());
    }
}
