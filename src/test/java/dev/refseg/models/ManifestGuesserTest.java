package dev.refseg.models;

import dev.refseg.inference.ModelSet;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.refseg.fixtures.FixtureModels;
import dev.refseg.fixtures.TaggerFixture;
import dev.refseg.runtime.CanonicalGraphs;
import dev.refseg.runtime.OrtRuntime;
import dev.refseg.onnx.DType;
import dev.refseg.onnx.Fp16Io;
import dev.refseg.onnx.GraphBuilder;
import dev.refseg.onnx.ModelFiles;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ManifestGuesserTest {
    /** Where each fixture graph is put, under a name that says nothing about it. */
    static final Map<String, String> SCATTERED = Map.of(
            "sam2.image_encoder", "tracker/onnx/part1.onnx",
            "sam2.mask_decoder", "tracker/onnx/part2.onnx",
            "sam2.memory_attention", "tracker/onnx/deep/part3.onnx",
            "sam2.memory_encoder", "tracker/part4.onnx",
            "gdino.detector", "grounding/model.onnx",
            "audio.tagger", "audio/x.onnx");

    @Test
    void unnamedFilesAreRecognisedByTheirInterfaces(@TempDir Path fixtures, @TempDir Path dir) throws Exception {
        Map<String, Path> files = FixtureModels.writeAll(fixtures);
        for (Map.Entry<String, String> e : SCATTERED.entrySet()) {
            copy(files.get(e.getKey()), dir.resolve(e.getValue()));
        }
        // A quantised copy of the detector, a vocabulary, and a graph that is none of refseg's.
        copy(files.get("gdino.detector"), dir.resolve("grounding/model_quantized.onnx"));
        copy(fixtures.resolve("gdino_vocab.txt"), dir.resolve("grounding/vocab.txt"));
        GraphBuilder other = new GraphBuilder("classifier");
        other.output("scores", other.sigmoid(other.input("pixels", DType.FLOAT, 1, 3, 224, 224)), DType.FLOAT,
                1, 3, 224, 224);
        Files.write(dir.resolve("audio/classifier.onnx"), other.build());
        // The tagger's labels, and a labels file of another tagger (three classes, not the tagger's six).
        copy(fixtures.resolve("tagger_labels.csv"), dir.resolve("audio/class_labels_indices.csv"));
        Files.writeString(dir.resolve("audio/other_labels.txt"), "Speech\nDog\nCat\n");

        TestModels.Run r = TestModels.models("--print-manifest", dir.toString());
        r.says(0, "# gdino.detector = grounding/model_quantized.onnx   (also has this interface)",
                "# not recognised: audio/classifier.onnx: nearest is ",
                "# not usable as audio.labels: audio/other_labels.txt names 3 classes, the tagger 6");
        Properties manifest = new Properties();
        manifest.load(new StringReader(r.output()));
        for (Map.Entry<String, String> e : SCATTERED.entrySet()) {
            assertEquals(e.getValue(), manifest.getProperty(e.getKey()), r.output());
        }
        assertEquals("grounding/vocab.txt", manifest.getProperty("gdino.tokenizer"), r.output());
        assertEquals("audio/class_labels_indices.csv", manifest.getProperty("audio.labels"), r.output());
        assertEquals(SCATTERED.size() + 2, manifest.size(), r.output());

        // The printed manifest is the one to use: the directory then loads as it is.
        Files.writeString(dir.resolve("manifest.properties"), r.output());
        try (ModelSet models = ModelSet.load(dir, new OrtRuntime(List.of("cpu"), 0, 1))) {
            assertEquals(CanonicalGraphs.NVIDIA, models.sam2().family());
        }
    }

    @Test
    void transformersExportsStayTogether(@TempDir Path fixtures, @TempDir Path dir) throws Exception {
        // Two downloads of the transformers family at different sizes: one export's files must not mix with the other's.
        for (int size : new int[] {1024, 512}) {
            Path export = fixtures.resolve("t" + size);
            FixtureModels.writeTransformers(export, size);
            try (var files = Files.walk(export)) {
                for (Path f : files.filter(f -> f.startsWith(export.resolve("onnx")) || f.endsWith("constants.json"))
                        .filter(Files::isRegularFile).toList()) {
                    copy(f, dir.resolve("sam2.1-" + size).resolve(export.relativize(f)));
                }
            }
        }
        copy(fixtures.resolve("t512/gdino_detector.onnx"), dir.resolve("detector/model.onnx"));
        copy(fixtures.resolve("t512/gdino_vocab.txt"), dir.resolve("detector/vocab.txt"));

        TestModels.Run r = TestModels.models("--print-manifest", dir.toString());
        r.says(0, "sam2.pointer_tpos = sam2.1-1024/onnx/pointer_tpos.onnx", "sam2.constants = sam2.1-1024/constants.json",
                "# sam2.mask_decoder = sam2.1-512/onnx/mask_decoder.onnx   (512 px export; the 1024 px graphs are chosen)");
        Files.writeString(dir.resolve("manifest.properties"), r.output());
        try (ModelSet models = ModelSet.load(dir, new OrtRuntime(List.of("cpu"), 0, 1))) {
            assertEquals(CanonicalGraphs.TRANSFORMERS, models.sam2().family());
            assertEquals(1024, models.sam2().imageSize());
        }
    }

    @Test
    void aLoneGraphOfAnotherSizeDoesNotJoinACompleteExport(@TempDir Path fixtures, @TempDir Path dir) throws Exception {
        // a/: only a 512 px encoder, sorted first; b/: a complete 1024 px export with detector and vocabulary.
        FixtureModels.writeTransformers(fixtures, 512);
        copy(fixtures.resolve("onnx/vision_encoder.onnx"), dir.resolve("a/vision_encoder.onnx"));
        FixtureModels.writeTransformers(dir.resolve("b"), 1024);
        Files.delete(dir.resolve("b/manifest.properties"));

        TestModels.Run r = TestModels.models("--print-manifest", dir.toString());
        r.says(0, "\nsam2.image_encoder = b/onnx/vision_encoder.onnx",
                "# sam2.image_encoder = a/vision_encoder.onnx   (512 px export; the 1024 px graphs are chosen)");
        Files.writeString(dir.resolve("manifest.properties"), r.output());
        try (ModelSet models = ModelSet.load(dir, new OrtRuntime(List.of("cpu"), 0, 1))) {
            assertEquals(1024, models.sam2().imageSize());
        }
    }

    @Test
    void withoutAConsistentCompleteExportWhatIsMissingIsNamed(@TempDir Path fixtures, @TempDir Path dir)
            throws Exception {
        // a/: a 512 px export without its decoder and with a 1024 px constants.json; b/: only a 1024 px decoder.
        FixtureModels.writeTransformers(fixtures.resolve("512"), 512);
        FixtureModels.writeTransformers(fixtures.resolve("1024"), 1024);
        for (String graph : List.of("vision_encoder", "memory_encoder", "memory_attention", "pointer_tpos")) {
            copy(fixtures.resolve("512/onnx/" + graph + ".onnx"), dir.resolve("a/onnx/" + graph + ".onnx"));
        }
        copy(fixtures.resolve("1024/constants.json"), dir.resolve("a/constants.json"));
        copy(fixtures.resolve("1024/onnx/mask_decoder.onnx"), dir.resolve("b/mask_decoder.onnx"));
        copy(fixtures.resolve("512/gdino_detector.onnx"), dir.resolve("gdino/model.onnx"));
        copy(fixtures.resolve("512/gdino_vocab.txt"), dir.resolve("gdino/vocab.txt"));

        TestModels.Run r = TestModels.models("--print-manifest", dir.toString());
        r.says(1, "\nsam2.image_encoder = a/onnx/vision_encoder.onnx",
                "# MISSING sam2.mask_decoder: no ONNX file here has its interface at 512 px, the input size of the "
                        + "SAM 2.1 graphs chosen",
                "# MISSING sam2.constants: the transformers family needs the constants.json of the same export "
                        + "(512 px)",
                "# sam2.mask_decoder = b/mask_decoder.onnx   (1024 px export; the 512 px graphs are chosen)",
                "# sam2.constants = a/constants.json   (1024 px export; the 512 px graphs are chosen)");
    }

    @Test
    void oneFamilyIsChosenWhenBothAreThere(@TempDir Path fixtures, @TempDir Path dir) throws Exception {
        Map<String, Path> nvidia = FixtureModels.writeAll(fixtures.resolve("n"));
        Map<String, Path> hub = FixtureModels.writeTransformers(fixtures.resolve("t"), 512);
        for (Map.Entry<String, Path> e : nvidia.entrySet()) {
            copy(e.getValue(), dir.resolve("nvidia/" + e.getKey() + ".onnx"));
        }
        for (Map.Entry<String, Path> e : hub.entrySet()) {
            if (e.getKey().startsWith("sam2.")) {
                copy(e.getValue(), dir.resolve("hub/" + e.getKey() + ".onnx"));
            }
        }
        copy(fixtures.resolve("t/constants.json"), dir.resolve("hub/constants.json"));
        copy(fixtures.resolve("n/gdino_vocab.txt"), dir.resolve("nvidia/vocab.txt"));
        copy(fixtures.resolve("n/tagger_labels.csv"), dir.resolve("nvidia/tagger_labels.csv"));

        TestModels.Run r = TestModels.models("--print-manifest", dir.toString());
        r.says(0, "sam2.image_encoder = nvidia/sam2.image_encoder.onnx",
                "# sam2.pointer_tpos = hub/sam2.pointer_tpos.onnx   (sam2-transformers family; the sam2-nvidia graphs "
                        + "are chosen)",
                "# sam2.constants = hub/constants.json   (sam2-transformers family; the sam2-nvidia graphs are chosen)");
        Properties manifest = new Properties();
        manifest.load(new StringReader(r.output()));
        assertFalse(manifest.containsKey("sam2.constants"), r.output());
    }

    @Test
    void missingGraphsAndTheTokenizerJsonAreNamed(@TempDir Path fixtures, @TempDir Path dir) throws Exception {
        Map<String, Path> files = FixtureModels.writeAll(fixtures);
        for (String key : List.of("sam2.image_encoder", "sam2.mask_decoder", "sam2.memory_attention", "gdino.detector")) {
            copy(files.get(key), dir.resolve("m/" + key + ".onnx"));
        }
        Files.writeString(dir.resolve("m/tokenizer.json"), "{}");
        TestModels.Run r = TestModels.models("--print-manifest", dir.toString());
        r.says(1, "# MISSING sam2.memory_encoder: no ONNX file here has its interface",
                "# m/tokenizer.json is not usable: refseg reads the BERT vocab.txt", "# MISSING gdino.tokenizer");
        assertFalse(r.output().contains("audio.tagger"), r.output());
        assertFalse(r.output().contains("audio.labels"), r.output());
    }

    @Test
    void namesThePropertiesFormatWouldMisreadRoundTrip(@TempDir Path fixtures, @TempDir Path dir) throws Exception {
        Map<String, Path> files = FixtureModels.writeAll(fixtures);
        // A backslash, a leading space, separators, a non-ASCII letter, and a line break in a file name.
        Map<String, String> odd = Map.of(
                "sam2.image_encoder", "back\\slash/enc.onnx",
                "sam2.mask_decoder", "back\\slash/dec.onnx",
                "sam2.memory_attention", "back\\slash/att.onnx",
                "sam2.memory_encoder", "back\\slash/mem.onnx",
                "gdino.detector", " lead/model.onnx",
                "audio.tagger", "tag=ger:#!1/mod\u00e8les.onnx");
        for (Map.Entry<String, String> e : odd.entrySet()) {
            copy(files.get(e.getKey()), dir.resolve(e.getValue()));
        }
        copy(fixtures.resolve("gdino_vocab.txt"), dir.resolve(" lead/vocab.txt"));
        copy(fixtures.resolve("tagger_labels.csv"), dir.resolve("tag=ger:#!1/labels.csv"));
        copy(files.get("gdino.detector"), dir.resolve(" lead/new\nline = x.onnx"));

        TestModels.Run r = TestModels.models("--print-manifest", dir.toString());
        // A leading space is kept behind "./": the manifest reader trims values, escaped spaces too.
        r.says(0, "# gdino.detector = ./ lead/new\\nline \\= x.onnx   (also has this interface)");
        Properties manifest = new Properties();
        manifest.load(new StringReader(r.output()));
        for (Map.Entry<String, String> e : odd.entrySet()) {
            assertEquals(dir.resolve(e.getValue()), dir.resolve(manifest.getProperty(e.getKey())).normalize(), r.output());
        }
        assertEquals(odd.size() + 2, manifest.size(), r.output());
        Files.writeString(dir.resolve("manifest.properties"), r.output());
        try (ModelSet models = ModelSet.load(dir, new OrtRuntime(List.of("cpu"), 0, 1))) {
            assertEquals(dir.resolve(odd.get("audio.tagger")), models.registry().file("audio.tagger"));
        }
    }

    @Test
    void symbolicLinksAreFollowedAndALoopIsSaid(@TempDir Path fixtures, @TempDir Path tmp) throws Exception {
        FixtureModels.writeAll(fixtures);
        Files.delete(fixtures.resolve("manifest.properties"));
        // DIR is a link, its graphs are behind a linked folder (as in the Hugging Face cache), and a link loops.
        Path real = Files.createDirectories(tmp.resolve("real"));
        Files.createSymbolicLink(real.resolve("models"), fixtures);
        Files.createSymbolicLink(real.resolve("loop"), real);
        Files.createSymbolicLink(real.resolve("gone.onnx"), tmp.resolve("absent.onnx"));
        Path dir = Files.createSymbolicLink(tmp.resolve("link"), real);

        TestModels.Run r = TestModels.models("--print-manifest", dir.toString());
        r.says(0, "sam2.image_encoder = models/sam2_image_encoder.onnx", "gdino.tokenizer = models/gdino_vocab.txt",
                "# not followed: loop leads back to a folder above it (a link loop)",
                "# gone.onnx is a link to nothing");
        Files.writeString(dir.resolve("manifest.properties"), r.output());
        try (ModelSet models = ModelSet.load(dir, new OrtRuntime(List.of("cpu"), 0, 1))) {
            assertEquals(6, models.registry().graphs().size());
        }
    }

    @Test
    void theFp32FileIsChosenByItsTypesBeforeItsName(@TempDir Path fixtures, @TempDir Path dir) throws Exception {
        Map<String, Path> files = FixtureModels.writeAll(fixtures);
        for (String key : List.of("sam2.image_encoder", "sam2.mask_decoder", "sam2.memory_attention",
                "sam2.memory_encoder")) {
            copy(files.get(key), dir.resolve("sam2/" + key + ".onnx"));
        }
        copy(fixtures.resolve("gdino_vocab.txt"), dir.resolve("gdino/vocab.txt"));
        // The plain name holds the float16-I/O export, the suffixed one the float32 graph.
        copy(files.get("gdino.detector"), dir.resolve("gdino/model_fp32.onnx"));
        copy(files.get("gdino.detector"), dir.resolve("gdino/model.onnx"));
        ModelFiles.rewrite(dir.resolve("gdino/model.onnx"), Fp16Io::convert);

        TestModels.models("--print-manifest", dir.toString()).says(0, "\ngdino.detector = gdino/model_fp32.onnx",
                "# gdino.detector = gdino/model.onnx   (also has this interface)");
    }

    @Test
    void anAstExportIsRecognisedWithItsConfigJsonAsLabels(@TempDir Path fixtures, @TempDir Path dir) throws Exception {
        Map<String, Path> files = FixtureModels.writeAll(fixtures);
        for (String key : List.of("sam2.image_encoder", "sam2.mask_decoder", "sam2.memory_attention",
                "sam2.memory_encoder", "gdino.detector")) {
            copy(files.get(key), dir.resolve("m/" + key + ".onnx"));
        }
        copy(fixtures.resolve("gdino_vocab.txt"), dir.resolve("m/vocab.txt"));
        // Laid out as the hub's AST export: onnx/model.onnx and config.json with id2label; another export's
        // config.json without id2label is no labels file and is passed over quietly.
        Files.createDirectories(dir.resolve("ast/onnx"));
        Files.write(dir.resolve("ast/onnx/model.onnx"), TaggerFixture.ast());
        Files.writeString(dir.resolve("ast/config.json"), "{\"architectures\": [\"ASTForAudioClassification\"], "
                + "\"id2label\": {\"0\": \"Silence\", \"1\": \"Music\", \"2\": \"Bell\", \"3\": \"Whistle\", "
                + "\"4\": \"Beep, bleep\", \"5\": \"Hum\"}}");
        Files.writeString(dir.resolve("m/config.json"), "{\"model_type\": \"grounding-dino\"}");

        TestModels.Run r = TestModels.models("--print-manifest", dir.toString());
        r.says(0, "\naudio.tagger = ast/onnx/model.onnx", "\naudio.labels = ast/config.json");
        assertFalse(r.output().contains("m/config.json"), r.output());
        Files.writeString(dir.resolve("manifest.properties"), r.output());
        try (ModelSet models = ModelSet.load(dir, new OrtRuntime(List.of("cpu"), 0, 1))) {
            assertEquals("ast", models.registry().interfaceOf("audio.tagger").family());
            assertEquals(0, models.tagger().orElseThrow().labels().silenceIndex());
        }

        // Without its config.json the tagger's labels are named missing.
        Files.delete(dir.resolve("ast/config.json"));
        Files.delete(dir.resolve("manifest.properties"));
        TestModels.models("--print-manifest", dir.toString()).says(1, "# MISSING audio.labels: the audio tagger "
                + "needs its class names: ");
    }

    private static void copy(Path from, Path to) throws Exception {
        Files.createDirectories(to.getParent());
        Files.copy(from, to);
    }
}
