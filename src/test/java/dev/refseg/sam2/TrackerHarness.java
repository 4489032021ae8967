package dev.refseg.sam2;

import dev.refseg.inference.ModelSet;
import dev.refseg.eval.JandF;
import dev.refseg.fixtures.FixtureModels;
import dev.refseg.runtime.GraphTimer;
import dev.refseg.runtime.OrtRuntime;
import dev.refseg.mask.BinaryMask;
import dev.refseg.mask.PixelBox;
import dev.refseg.media.DecodedFrame;
import dev.refseg.synth.SyntheticClip;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Runs the tracker with the fixture models on synthetic clips and scores it against ground truth. */
final class TrackerHarness implements AutoCloseable {
    final ModelSet models;
    final Sam2Tracker tracker;

    /** The NVIDIA-family fixtures. */
    TrackerHarness() throws Exception {
        this("nvidia");
    }

    /**
     * @param family "nvidia", or "transformers" (1024 px fixtures, as square-zero-labs' export) /
     *               "transformers-512" (as diffusionstudio's tiny export)
     */
    TrackerHarness(String family) throws Exception {
        this(fixtures(family));
    }

    /** The tracker over the SAM 2.1 graphs of a model directory (either family). */
    TrackerHarness(Path dir) {
        models = ModelSet.load(dir, new OrtRuntime(List.of("cpu"), 0, 2));
        tracker = new Sam2Tracker(models.sam2().create(models.registry(), GraphTimer.NONE));
    }

    /** A new directory with the fixture models of one family ("nvidia" by default). */
    static Path fixtures() throws java.io.IOException {
        return fixtures("nvidia");
    }

    static Path fixtures(String family) throws java.io.IOException {
        Path dir = Files.createTempDirectory("tracker-fixtures");
        switch (family) {
            case "nvidia" -> FixtureModels.writeAll(dir);
            case "transformers" -> FixtureModels.writeTransformers(dir, 1024);
            case "transformers-512" -> FixtureModels.writeTransformers(dir, 512);
            default -> throw new IllegalArgumentException(family);
        }
        return dir;
    }

    /** Another tracker over the same loaded models (e.g. with a fault-injecting graph runner). */
    TrackerHarness(ModelSet models, Sam2Tracker tracker) {
        this.models = models;
        this.tracker = tracker;
    }

    static NvidiaSam2 graphs(ModelSet m) {
        return NvidiaSam2.of(m.registry(), GraphTimer.NONE);
    }

    /** Output masks by object id, indexed by frame; also checks each frame is output exactly once. */
    record Run(Map<Integer, BinaryMask[]> masks, List<Integer> order) {
    }

    /** Prompts objects (0-based indices into the clip) with their ground-truth boxes on {@code pivot} and tracks. */
    Run track(SyntheticClip clip, int pivot, int... objects) {
        TrackerState s = tracker.init(i -> new DecodedFrame(i, 0, clip.width(), clip.height(), clip.frames().get(i)),
                clip.frameCount(), clip.width(), clip.height());
        for (int o : objects) {
            tracker.addBox(s, o + 1, pivot, PixelBox.of(clip.truth().get(o).get(pivot)));
        }
        return run(clip, s, objects);
    }

    Run run(SyntheticClip clip, TrackerState s, int... objects) {
        Map<Integer, BinaryMask[]> masks = new HashMap<>();
        for (int o : objects) {
            masks.put(o + 1, new BinaryMask[clip.frameCount()]);
        }
        List<Integer> order = new ArrayList<>();
        tracker.propagate(s, (t, dir, ms) -> {
            order.add(t);
            for (TrackedMask m : ms) {
                masks.get(m.objId())[t] = m.mask();
            }
        });
        s.close();
        return new Run(masks, order);
    }

    static JandF score(SyntheticClip clip, Run run, int object) {
        return JandF.of(List.of(run.masks().get(object + 1)), clip.truth().get(object));
    }

    @Override
    public void close() {
        models.close();
    }
}
