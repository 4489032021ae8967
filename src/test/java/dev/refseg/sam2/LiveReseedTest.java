package dev.refseg.sam2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.refseg.eval.RegionJ;
import dev.refseg.fixtures.FixtureModels;
import dev.refseg.mask.BinaryMask;
import dev.refseg.mask.PixelBox;
import dev.refseg.media.DecodedFrame;
import dev.refseg.synth.ClipGenerator;
import dev.refseg.synth.ClipSpec;
import dev.refseg.synth.Colour;
import dev.refseg.synth.ObjectSpec;
import dev.refseg.synth.Shape;
import dev.refseg.synth.SyntheticClip;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Re-seeding a live stream (re-acquisition's sidecar half) with the fixture tracker that never finds a
 * lost object by itself ({@code FixtureModels.writeAll(dir, false)}): a red disc leaves the frame at
 * frame 29 and comes back at frame 59 far from where it was prompted (and, within these 100 frames, never
 * passes near there again). The tracker alone stays lost; a
 * re-seed on a frame already answered brings it back only when the frames answered after it are tracked
 * again ({@link Sam2Tracker#retrackLive}), because the next frame reads their memories.
 */
class LiveReseedTest {
    static final int RETURN = 59;
    /** The re-seed prompt's frame, and the next frame to answer when it comes (as a re-selection would). */
    static final int SEED = RETURN + 4;
    static final int NEXT = RETURN + 20;

    private static Path dir;
    private static TrackerHarness harness;
    private static final SyntheticClip CLIP = ClipGenerator.render(new ClipSpec(80, 60, 100, 10, List.of(
            new ObjectSpec(Shape.DISC, Colour.RED, 7, 30, 20, 2, 0.5, 7, 117, 7, 53, 0, 0),
            new ObjectSpec(Shape.SQUARE, Colour.BLUE, 6, 60, 40, -0.5, 0.25, 6, 74, 6, 54, 1, 0)), false, 5));

    @BeforeAll
    static void load() throws Exception {
        dir = Files.createTempDirectory("lost-stays-lost");
        FixtureModels.writeAll(dir, false);
        harness = new TrackerHarness(dir);
    }

    @AfterAll
    static void unload() throws Exception {
        harness.close();
        try (var files = Files.list(dir)) {
            for (Path p : files.toList()) {
                Files.delete(p);
            }
        }
        Files.delete(dir);
    }

    /** Live-tracks the disc from frame 0, re-seeding at NEXT when asked; returns each frame's mask. */
    private static BinaryMask[] live(boolean reseed, boolean retrack, int[] retracked) {
        Sam2Tracker tracker = harness.tracker;
        BinaryMask[] out = new BinaryMask[CLIP.frameCount()];
        try (TrackerState s = tracker.initLive(i -> new DecodedFrame(i, 0, CLIP.width(), CLIP.height(),
                CLIP.frames().get(i)), 1, CLIP.width(), CLIP.height(), 4)) {
            tracker.addBox(s, 1, 0, PixelBox.of(truth(0)));
            for (int t = 0; t < CLIP.frameCount(); t++) {
                tracker.received(s, t + 1);
                if (reseed && t == NEXT) {
                    tracker.addBox(s, 1, SEED, PixelBox.of(truth(SEED)));
                    if (retrack) {
                        retracked[0] = tracker.retrackLive(s, SEED, NEXT, 0);
                    }
                }
                out[t] = tracker.trackLive(s, t, false, 0).get(0).mask();
            }
        }
        return out;
    }

    private static BinaryMask truth(int t) {
        return CLIP.truth().get(0).get(t);
    }

    private static double meanJ(BinaryMask[] masks, int from, int to) {
        double sum = 0;
        for (int t = from; t < to; t++) {
            sum += RegionJ.of(masks[t], truth(t));
        }
        return sum / (to - from);
    }

    @Test
    void theClipLeavesAndReturnsWhereTheTestSaysItDoes() {
        assertTrue(truth(28).area() > 0 && truth(29).area() == 0, "leaves at 29");
        assertTrue(truth(RETURN - 1).area() == 0 && truth(RETURN).area() > 0, "returns at " + RETURN);
    }

    @Test
    void withoutARe_seedTheTrackerStaysLost() {
        BinaryMask[] m = live(false, false, null);
        double before = meanJ(m, 0, 29);
        double after = meanJ(m, RETURN + 1, CLIP.frameCount());
        System.out.printf("no re-seed: J before it left %.3f, after it returned %.3f%n", before, after);
        assertTrue(before >= 0.85, "J before it left " + before);
        assertTrue(after < 0.1, "the tracker found the disc by itself: J " + after);
    }

    @Test
    void aRe_seedWithTheAnsweredFramesTrackedAgainBringsItBack() {
        int[] retracked = new int[1];
        BinaryMask[] m = live(true, true, retracked);
        double after = meanJ(m, NEXT, CLIP.frameCount());
        System.out.printf("re-seeded on %d at %d, %d frames tracked again: J from %d on %.3f%n", SEED, NEXT,
                retracked[0], NEXT, after);
        assertEquals(NEXT - SEED - 1, retracked[0]);
        assertTrue(after >= 0.85, "J after the re-seed " + after);
    }

    @Test
    void aRe_seedAloneIsNotEnoughWhenTheObjectHasMovedOn() {
        // Without tracking SEED+1..NEXT-1 again, frame NEXT reads their "absent" memories and looks for the
        // disc only around where it was on SEED, 32 px behind: the reason retrackLive exists.
        BinaryMask[] m = live(true, false, null);
        double after = meanJ(m, NEXT, CLIP.frameCount());
        System.out.printf("re-seeded on %d at %d, nothing tracked again: J from %d on %.3f%n", SEED, NEXT, NEXT, after);
        assertTrue(after < 0.5, "J after a bare re-seed " + after);
    }
}
