package dev.refseg.api;

import dev.refseg.fixtures.DetectorFixture;
import dev.refseg.fixtures.FixtureModels;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Audio-referent tests: the fixture models with the detector that also proposes each colour's left and
 * right half as its own box ({@link DetectorFixture#halvesGraph()}, so two identical objects are two
 * candidates), and the fake LLM of {@link FakeLlmProfile}. Online audio tests: a generous audio wait, so
 * that no frame is sent before its second of audio on a busy machine.
 */
public class AvsProfile extends FakeLlmProfile {
    static final Path DIR = Path.of("target", "avs-models");

    @Override
    public Map<String, String> getConfigOverrides() {
        try {
            FixtureModels.writeAll(DIR);
            Files.write(DIR.resolve("gdino_detector.onnx"), DetectorFixture.halvesGraph());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, String> c = new HashMap<>(super.getConfigOverrides());
        c.put("refseg.models.dir", DIR.toAbsolutePath().toString());
        c.put("refseg.online.audio-wait", "60s");
        return c;
    }
}
