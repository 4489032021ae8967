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

    /** Where the models go, and whether the tracker finds a lost object by itself (see FixtureModels). */
    Path dir() {
        return DIR;
    }

    boolean searchWhenLost() {
        return true;
    }

    @Override
    public Map<String, String> getConfigOverrides() {
        Path dir = dir();
        try {
            FixtureModels.writeAll(dir, searchWhenLost());
            Files.write(dir.resolve("gdino_detector.onnx"), DetectorFixture.halvesGraph());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, String> c = new HashMap<>(super.getConfigOverrides());
        c.put("refseg.models.dir", dir.toAbsolutePath().toString());
        c.put("refseg.online.audio-wait", "60s");
        return c;
    }

    /**
     * As {@link AvsProfile} with {@link LostStaysLostProfile}'s tracker and re-acquisition settings: online
     * audio referents re-acquired.
     */
    public static class LostStaysLost extends AvsProfile {
        @Override
        Path dir() {
            return Path.of("target", "avs-lost-stays-lost-models");
        }

        @Override
        boolean searchWhenLost() {
            return false;
        }

        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> c = new HashMap<>(super.getConfigOverrides());
            c.put("refseg.online.reacquire-after", LostStaysLostProfile.REACQUIRE_AFTER);
            c.put("refseg.online.reacquire-attempts", String.valueOf(LostStaysLostProfile.ATTEMPTS));
            return c;
        }
    }
}
