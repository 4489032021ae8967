package dev.refseg.sam2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.refseg.eval.JandF;
import dev.refseg.mask.BinaryMask;
import dev.refseg.synth.ClipGenerator;
import dev.refseg.synth.ClipSpec;
import dev.refseg.synth.Colour;
import dev.refseg.synth.ObjectSpec;
import dev.refseg.synth.Shape;
import java.util.List;
import dev.refseg.synth.SampleClip;
import dev.refseg.synth.SyntheticClip;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every tracking test runs on both SAM 2.1 export families' fixtures (models.md §1.2 B3 and §7.1). */
class Sam2TrackerTest {
    static final Map<String, TrackerHarness> HARNESSES = new HashMap<>();
    static SyntheticClip sample;

    @BeforeAll
    static void setUp() {
        sample = SampleClip.render();
    }

    static synchronized TrackerHarness harness(String family) throws Exception {
        TrackerHarness h = HARNESSES.get(family);
        if (h == null) {
            h = new TrackerHarness(family);
            HARNESSES.put(family, h);
        }
        return h;
    }

    @AfterAll
    static void tearDown() {
        HARNESSES.values().forEach(TrackerHarness::close);
        HARNESSES.clear();
    }

    @ParameterizedTest
    @ValueSource(strings = {"nvidia", "transformers", "transformers-512"})
    void tracksAnObjectThatLeavesAndReenters(String family) throws Exception {
        TrackerHarness h = harness(family);
        TrackerHarness.Run r = h.track(sample, 0, 0);
        JandF s = TrackerHarness.score(sample, r, 0);
        System.out.printf(family + " red disc from 0: J %.3f F %.3f%n", s.jMean(), s.fMean());
        assertTrue(s.jf() >= 0.95, "J&F " + s.jf());
        assertEquals(IntStream.range(0, 48).boxed().toList(), r.order());
    }

    @ParameterizedTest
    @ValueSource(strings = {"nvidia", "transformers"})
    void tracksBackwardFromAMiddlePivotThroughOcclusion(String family) throws Exception {
        TrackerHarness h = harness(family);
        TrackerHarness.Run r = h.track(sample, 24, 1);
        JandF s = TrackerHarness.score(sample, r, 1);
        System.out.printf(family + " blue square from 24: J %.3f F %.3f%n", s.jMean(), s.fMean());
        assertTrue(s.jf() >= 0.95, "J&F " + s.jf());
        // Forward from the pivot, then backward: 24..47, then 23..0.
        assertEquals(IntStream.concat(IntStream.range(24, 48), IntStream.iterate(23, i -> i >= 0, i -> i - 1)).boxed()
                .toList(), r.order());
    }

    @ParameterizedTest
    @ValueSource(strings = {"nvidia", "transformers"})
    void tracksAnObjectThroughFullOcclusion(String family) throws Exception {
        TrackerHarness h = harness(family);
        // A small red disc crosses behind a large green square: fully hidden for 12 frames.
        ClipSpec spec = new ClipSpec(240, 160, 40, 10, List.of(
                new ObjectSpec(Shape.DISC, Colour.RED, 14, 30, 80, 4, 0, 14, 226, 14, 146, 0, 0),
                new ObjectSpec(Shape.SQUARE, Colour.GREEN, 40, 120, 80, 0, 0, 40, 200, 40, 120, 1, 0)), false, 5);
        SyntheticClip clip = ClipGenerator.render(spec);
        long hidden = clip.truth().get(0).stream().filter(BinaryMask::isEmpty).count();
        assertTrue(hidden >= 5, "hidden for " + hidden + " frames");
        TrackerHarness.Run r = h.track(clip, 0, 0);
        JandF s = TrackerHarness.score(clip, r, 0);
        System.out.printf(family + " occluded disc: J %.3f F %.3f (hidden %d frames)%n", s.jMean(), s.fMean(), hidden);
        assertTrue(s.jf() >= 0.95, "J&F " + s.jf());
    }

    @ParameterizedTest
    @ValueSource(strings = {"nvidia", "transformers"})
    void severalConditioningFramesForOneObject(String family) throws Exception {
        TrackerHarness h = harness(family);
        TrackerState s = h.tracker.init(i -> new dev.refseg.media.DecodedFrame(i, 0, 320, 240, sample.frames().get(i)),
                48, 320, 240);
        // Object index 1 (the blue square) is object id 2 in the harness's numbering.
        h.tracker.addBox(s, 2, 5, dev.refseg.mask.PixelBox.of(sample.truth().get(1).get(5)));
        h.tracker.addBox(s, 2, 40, dev.refseg.mask.PixelBox.of(sample.truth().get(1).get(40)));
        TrackerHarness.Run r = h.run(sample, s, 1);
        JandF score = TrackerHarness.score(sample, r, 1);
        assertTrue(score.jf() >= 0.95, "J&F " + score.jf());
        assertEquals(48, r.order().size());
        assertEquals(5, r.order().get(0));
    }

    @ParameterizedTest
    @ValueSource(strings = {"nvidia", "transformers", "transformers-512"})
    void tracksTwoObjectsAtOnce(String family) throws Exception {
        TrackerHarness h = harness(family);
        TrackerHarness.Run r = h.track(sample, 10, 0, 2);
        JandF red = TrackerHarness.score(sample, r, 0);
        JandF green = TrackerHarness.score(sample, r, 2);
        System.out.printf(family + " two objects: red %.3f green %.3f%n", red.jf(), green.jf());
        assertTrue(JandF.meanJf(java.util.List.of(red, green)) >= 0.95);
    }

    /**
     * A 512 px export outputs 128x128 masks (4F), so a 40 px square's edges land up to 1.25 px off on a
     * 320x240 frame: J&F about 0.94 is that resolution's ceiling here, not a tracking failure.
     */
    @Test
    void a512PixelExportTracksThroughOcclusionAtItsResolution() throws Exception {
        TrackerHarness.Run r = harness("transformers-512").track(sample, 24, 1);
        JandF s = TrackerHarness.score(sample, r, 1);
        System.out.printf("transformers-512 blue square from 24: J %.3f F %.3f%n", s.jMean(), s.fMean());
        assertTrue(s.jf() >= 0.92, "J&F " + s.jf());
    }
}
