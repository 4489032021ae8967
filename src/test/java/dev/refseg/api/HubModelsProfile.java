package dev.refseg.api;

import dev.refseg.fixtures.FixtureModels;
import io.quarkus.test.junit.QuarkusTestProfile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * The application on a model directory laid out as the hub's downloads are: the transformers-family
 * SAM 2.1 fixtures at 512 px (onnx/*.onnx + constants.json, as diffusionstudio's tiny export) and a
 * detector fixed at 800x800 with a pixel_mask (as onnx-community/grounding-dino-tiny-ONNX).
 */
public class HubModelsProfile implements QuarkusTestProfile {
    static final Path DIR = Path.of("target", "hub-models");

    @Override
    public Map<String, String> getConfigOverrides() {
        try {
            FixtureModels.writeTransformers(DIR, 512);
            java.nio.file.Files.write(DIR.resolve("gdino_detector.onnx"),
                    dev.refseg.fixtures.DetectorFixture.graph(800, 800));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Map.of("refseg.models.dir", DIR.toAbsolutePath().toString());
    }
}
