package dev.refseg.api;

import dev.refseg.fixtures.FixtureModels;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Re-acquisition doing its work: the fixture models with the tracker that never finds a lost object again
 * by itself ({@code FixtureModels.writeAll(dir, false)}), the fake LLM of {@link FakeLlmProfile}, and
 * re-acquisition every 200 ms of absence (at most 100 attempts), so that the frames answered between
 * an object's return and its re-seed stay few whatever the machine's load.
 */
public class LostStaysLostProfile extends FakeLlmProfile {
    static final Path DIR = Path.of("target", "lost-stays-lost-models");
    static final int ATTEMPTS = 100;
    static final String REACQUIRE_AFTER = "200ms";

    @Override
    public Map<String, String> getConfigOverrides() {
        try {
            FixtureModels.writeAll(DIR, false);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, String> c = new HashMap<>(super.getConfigOverrides());
        c.put("refseg.models.dir", DIR.toAbsolutePath().toString());
        c.put("refseg.online.reacquire-after", REACQUIRE_AFTER);
        c.put("refseg.online.reacquire-attempts", String.valueOf(ATTEMPTS));
        return c;
    }
}
