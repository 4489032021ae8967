package dev.refseg.models;

import dev.refseg.inference.ModelSet;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.refseg.fixtures.FixtureModels;
import dev.refseg.fixtures.TaggerFixture;
import dev.refseg.runtime.ModelLoadException;
import dev.refseg.runtime.OrtRuntime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The test run shared by the models command and the start-up warm-up. */
class ModelSmokeTest {
    static final OrtRuntime CPU = new OrtRuntime(List.of("cpu"), 0, 1);

    @Test
    void everyFixtureGraphRunsAndTheTrackerFollowsTheObject(@TempDir Path dir) throws Exception {
        FixtureModels.writeAll(dir);
        try (ModelSet models = ModelSet.load(dir, CPU)) {
            GraphTimes times = new GraphTimes();
            ModelSmoke.Result r = new ModelSmoke().run(models, times);
            assertEquals(models.registry().graphs(), java.util.Set.copyOf(times.graphs()));
            // The fixture tracker and detector are functional on the synthetic clips.
            assertTrue(r.trackIou() > 0.8, r.summary());
            assertTrue(r.boxes() >= 1, r.summary());
            // The fixture tagger hears the sample's 440 Hz tone in its Bell band.
            assertEquals("beats", r.tagger(), r.summary());
            assertTrue(r.heard().startsWith("Bell 1.00, Music "), r.summary());
            assertTrue(r.summary().contains("tagger (beats): "), r.summary());
            String log = ModelSmoke.warmUp(models);
            for (String key : models.registry().graphs()) {
                assertTrue(log.matches("(?s).*" + java.util.regex.Pattern.quote(key) + " \\d+ ms.*"), log);
            }
        }
    }

    @Test
    void theAstTaggerRunsInTheTransformersFixtures(@TempDir Path dir) throws Exception {
        FixtureModels.writeTransformers(dir, 512);
        try (ModelSet models = ModelSet.load(dir, CPU)) {
            GraphTimes times = new GraphTimes();
            ModelSmoke.Result r = new ModelSmoke().run(models, times);
            assertEquals("ast", r.tagger(), r.summary());
            assertTrue(r.heard().startsWith("Bell 1.00, Music "), r.summary());
            assertTrue(times.graphs().contains("audio.tagger"), times.graphs().toString());
        }
    }

    @Test
    void aGraphThatCannotRunStopsTheWarmUpWithTheCommandsMessage(@TempDir Path dir) throws Exception {
        FixtureModels.writeAll(dir);
        Files.write(dir.resolve(TaggerFixture.GRAPH_FILE), TestModels.taggerThatCannotRun());
        try (ModelSet models = ModelSet.load(dir, CPU)) {
            ModelLoadException e = assertThrows(ModelLoadException.class, () -> ModelSmoke.warmUp(models));
            assertTrue(e.getMessage().startsWith("the test run on the synthetic sample failed in audio.tagger: "
                    + "audio.tagger failed"), e.getMessage());
        }
    }
}
