package dev.refseg.inference;

import dev.refseg.audio.TaggerSetup;
import dev.refseg.fixtures.FixtureModels;
import dev.refseg.runtime.ModelLoadException;
import dev.refseg.runtime.ModelRegistry;
import dev.refseg.runtime.OrtRuntime;
import dev.refseg.sam2.Sam2Setup;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * The models of a sidecar: the loaded graphs ({@link ModelRegistry}, the runtime layer) together with what
 * each stage checked about them at load — the SAM 2.1 family and geometry, the audio tagger's family and
 * classes. The runtime knows graphs and tensors; the stages know what their graphs mean; this is where the
 * two meet, so a wrong export fails the start, naming the graph, instead of the first request.
 */
public final class ModelSet implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ModelSet.class);

    private final ModelRegistry graphs;
    private final Sam2Setup sam2;
    private final TaggerSetup tagger;

    private ModelSet(ModelRegistry graphs, Sam2Setup sam2, TaggerSetup tagger) {
        this.graphs = graphs;
        this.sam2 = sam2;
        this.tagger = tagger;
    }

    /**
     * Loads a model directory and checks each stage's graphs.
     *
     * @param dir     the directory holding {@code models.json}
     * @param runtime ONNX Runtime settings
     * @throws ModelLoadException naming the graph or companion file at fault; nothing stays loaded
     */
    public static ModelSet load(Path dir, OrtRuntime runtime) {
        return check(ModelRegistry.load(dir, runtime, false));
    }

    /**
     * Generates the fixture (demo) models into a temporary directory, deleted on close, and loads them.
     *
     * @throws ModelLoadException when the directory cannot be written or the fixtures do not load
     */
    public static ModelSet demo(OrtRuntime runtime) {
        Path dir;
        try {
            dir = Files.createTempDirectory("refseg-demo-models");
            FixtureModels.writeAll(dir);
        } catch (IOException e) {
            throw new ModelLoadException("cannot write the demo models: " + e.getMessage(), e);
        }
        LOG.warnf("No refseg.models.dir configured: using the generated DEMO models in %s. They are tiny "
                + "fixtures for trying the API on synthetic clips, not real SAM 2 / GroundingDINO / BEATs.", dir);
        return check(ModelRegistry.load(dir, runtime, true));
    }

    private static ModelSet check(ModelRegistry graphs) {
        ModelSet set;
        try {
            set = new ModelSet(graphs, Sam2Setup.check(graphs), TaggerSetup.check(graphs));
        } catch (RuntimeException e) {
            graphs.close();
            throw e;
        }
        LOG.infof("Loaded %smodels from %s: %s; SAM 2.1 %s%s", graphs.isDemo() ? "demo " : "", graphs.dir(),
                graphs.describe(), set.sam2, set.tagger == null ? "" : "; audio tagger " + set.tagger.describe());
        return set;
    }

    /** The loaded graphs. */
    public ModelRegistry registry() {
        return graphs;
    }

    /** The SAM 2.1 family and geometry of the tracker graphs. */
    public Sam2Setup sam2() {
        return sam2;
    }

    /** The audio tagger's family and class names; empty when no tagger is loaded. */
    public Optional<TaggerSetup> tagger() {
        return Optional.ofNullable(tagger);
    }

    /** Closes the graphs (and deletes the demo directory). */
    @Override
    public void close() {
        graphs.close();
    }
}
