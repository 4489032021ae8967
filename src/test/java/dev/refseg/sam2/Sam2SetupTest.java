package dev.refseg.sam2;

import dev.refseg.inference.ModelSet;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.refseg.fixtures.FixtureModels;
import dev.refseg.runtime.CanonicalGraphs;
import dev.refseg.runtime.ModelLoadException;
import dev.refseg.runtime.ModelManifest;
import dev.refseg.runtime.OrtRuntime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The family is chosen by the graphs' I/O names, and a transformers-family export must agree with itself. */
class Sam2SetupTest {
    static final OrtRuntime CPU = new OrtRuntime(List.of("cpu"), 0, 1);

    static ModelLoadException refused(Path dir) {
        return assertThrows(ModelLoadException.class, () -> ModelSet.load(dir, CPU).close());
    }

    static void editManifest(Path dir, String regex, String replacement) throws Exception {
        Path m = dir.resolve(ModelManifest.FILE);
        Files.writeString(m, Files.readString(m).replaceAll(regex, replacement));
    }

    @Test
    void bothFamiliesAndBothSizesAreRecognised(@TempDir Path dir) throws Exception {
        FixtureModels.writeAll(dir.resolve("nvidia"));
        FixtureModels.writeTransformers(dir.resolve("t1024"), 1024);
        FixtureModels.writeTransformers(dir.resolve("t512"), 512);
        try (ModelSet r = ModelSet.load(dir.resolve("nvidia"), CPU)) {
            assertEquals(CanonicalGraphs.NVIDIA, r.sam2().family());
        }
        try (ModelSet r = ModelSet.load(dir.resolve("t1024"), CPU)) {
            assertEquals(new Sam2Setup(CanonicalGraphs.TRANSFORMERS, 1024, 64, 7 * 4096 + 64, r.sam2().constants()),
                    r.sam2());
            assertEquals("transformers", r.sam2().create(r.registry(), (g, n) -> { }).family());
        }
        try (ModelSet r = ModelSet.load(dir.resolve("t512"), CPU)) {
            assertEquals(512, r.sam2().imageSize());
            assertEquals(32, r.sam2().featSize());
            assertEquals(7 * 1024 + 64, r.sam2().memoryRows());
        }
    }

    @Test
    void aMixOfFamiliesIsRefusedNamingEachGraph(@TempDir Path dir) throws Exception {
        FixtureModels.writeTransformers(dir, 512);
        FixtureModels.writeAll(dir.resolve("nvidia"));
        editManifest(dir, "(?m)^sam2.mask_decoder.*$", "sam2.mask_decoder = nvidia/sam2_mask_decoder.onnx");
        String m = refused(dir).getMessage();
        assertTrue(m.contains("different export families"), m);
        assertTrue(m.contains("sam2.mask_decoder is sam2-nvidia"), m);
        assertTrue(m.contains("sam2.image_encoder is sam2-transformers"), m);
    }

    @Test
    void theTransformersFamilyNeedsPointerTposAndConstants(@TempDir Path dir) throws Exception {
        FixtureModels.writeTransformers(dir, 512);
        editManifest(dir, "(?m)^sam2.pointer_tpos.*$", "");
        assertTrue(refused(dir).getMessage().contains("also needs sam2.pointer_tpos"));
        FixtureModels.writeTransformers(dir, 512);
        editManifest(dir, "(?m)^sam2.constants.*$", "");
        assertTrue(refused(dir).getMessage().contains("also needs sam2.constants"));
    }

    @Test
    void badConstantsAreNamed(@TempDir Path dir) throws Exception {
        FixtureModels.writeTransformers(dir, 512);
        Path c = dir.resolve("constants.json");
        String good = Files.readString(c);
        Files.writeString(c, good.replace("\"image_size\": 512", "\"image_size\": 1024"));
        String m = refused(dir).getMessage();
        assertTrue(m.contains("512 in sam2.image_encoder pixel_values but 1024 in " + c + " image_size"), m);
        Files.writeString(c, good.replaceAll("\"image_std\": \\[[^]]*]", "\"image_std\": [0.2, 0.2]"));
        assertTrue(refused(dir).getMessage().contains("image_std must be an array of 3 numbers"));
        Files.writeString(c, good.replaceFirst("0\\.0]", "0.0, 0.5]"));
        m = refused(dir).getMessage();
        assertTrue(m.contains("memory_temporal_positional_encoding has 449 values, which is not 7 rows"), m);
        Files.writeString(c, good.substring(0, good.length() / 2));
        assertTrue(refused(dir).getMessage().contains("is not valid JSON"));
        Files.writeString(c, good.replace("\"num_maskmem\": 7", "\"num_maskmem\": 9"));
        m = refused(dir).getMessage();
        assertTrue(m.contains("has 7 rows; expected 9 (num_maskmem)"), m);
    }

    @Test
    void damagedOrOutOfRangeConstantsAreRefused(@TempDir Path dir) throws Exception {
        FixtureModels.writeTransformers(dir, 512);
        Path c = dir.resolve("constants.json");
        String good = Files.readString(c);
        Files.writeString(c, good + " garbage");
        assertTrue(refused(dir).getMessage().contains("is not valid JSON"));
        Files.writeString(c, good + "{}");
        assertTrue(refused(dir).getMessage().contains("is not valid JSON"));
        Files.writeString(c, good.replace("\"image_size\": 512,", "\"image_size\": 512, \"image_size\": 1024,"));
        String m = refused(dir).getMessage();
        assertTrue(m.contains("is not valid JSON") && m.contains("image_size"), m);
        // 1e39 is a valid JSON number but infinite as the float32 the graphs take.
        Files.writeString(c, good.replace("[0.485, 0.456, 0.406]", "[1e39, 0.456, 0.406]"));
        m = refused(dir).getMessage();
        assertTrue(m.contains("image_mean holds 1.0E39, which is not a finite 32-bit float"), m);
        Files.writeString(c, good.replaceFirst("1\\.0", "-1e40"));
        m = refused(dir).getMessage();
        assertTrue(m.contains("memory_temporal_positional_encoding holds -1.0E40"), m);
        Files.writeString(c, good.replace("\"hidden_dim\": 256", "\"hidden_dim\": 128"));
        assertTrue(refused(dir).getMessage().contains("hidden_dim is 128"));
    }

    @Test
    void constantsBesideNvidiaGraphsAreRefused(@TempDir Path dir) throws Exception {
        FixtureModels.writeAll(dir);
        FixtureModels.writeTransformers(dir.resolve("t"), 512);
        Files.writeString(dir.resolve(ModelManifest.FILE), Files.readString(dir.resolve(ModelManifest.FILE))
                + "sam2.constants = t/constants.json\n");
        assertTrue(refused(dir).getMessage().contains("sam2.constants belongs to the transformers family"));
    }

    @Test
    void aFlatTemporalTableAndTheDiffusionstudioKeysAreAccepted(@TempDir Path dir) throws Exception {
        FixtureModels.writeTransformers(dir, 512);
        Sam2Constants nested = Sam2Constants.read(dir.resolve("constants.json"));
        StringBuilder flat = new StringBuilder();
        for (float v : nested.temporalTable()) {
            flat.append(flat.length() == 0 ? "" : ", ").append(v);
        }
        // diffusionstudio's exporter writes only these keys (memory_frames for num_maskmem).
        Files.writeString(dir.resolve("constants.json"), "{\"model\": \"tiny\", \"image_size\": 512, \"memory_frames\": 7, "
                + "\"image_mean\": [0.485, 0.456, 0.406], \"image_std\": [0.229, 0.224, 0.225], "
                + "\"memory_temporal_positional_encoding\": [" + flat + "]}");
        try (ModelSet r = ModelSet.load(dir, CPU)) {
            assertEquals(7, r.sam2().constants().tableRows());
            assertTrue(java.util.Arrays.equals(nested.temporalTable(), r.sam2().constants().temporalTable()));
        }
    }
}
