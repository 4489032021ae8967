package dev.refseg.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.refseg.eval.RegionJ;
import dev.refseg.mask.BinaryMask;
import dev.refseg.synth.ClipGenerator;
import dev.refseg.synth.ClipSpec;
import dev.refseg.v1.Reacquisition;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Online re-acquisition bringing back an object the tracker has lost for good (issue 13, "an object that
 * leaves for 3 s and returns is re-acquired"): with {@link LostStaysLostProfile}'s tracker, the red disc
 * of {@link SegmentReacquisitionTest#clip} comes back 3 s after it left, far from where it was prompted,
 * and only a re-selection's re-seed (with the frames answered after it tracked again) can find it. So a
 * found attempt is required here, and J after the return is its work. No timing is asserted: how many
 * attempts miss before one sees the return depends on load (each comes after another 0.2 s of absent
 * frames), and from just after the return the client sends at the clip's own rate until the find.
 */
@QuarkusTest
@TestProfile(LostStaysLostProfile.class)
class SegmentReacquisitionFoundTest extends OnlineTestBase {
    @Test
    void anObjectTheTrackerLostIsReacquiredWhenItReturns() throws Exception {
        // 140 frames: the disc is back in view from frame 59 to 138 (it leaves again at 139).
        ClipSpec spec = SegmentReacquisitionTest.clip(140, 117);
        int back = 59;
        // From frame back + 3 until the find, the client sends at the clip's own 10 fps, as a camera would:
        // attempts (every 200 ms of absent frames, on frame timestamps) then keep pace with the frames, so
        // the frames answered between the return and the find do not depend on how fast this machine
        // tracks (before it, frames go as fast as flow control lets, and many attempts miss).
        LiveStream stream = new LiveStream(spec, "the red disc", LiveStream.WINDOW);
        LiveStream.Result r;
        try (StreamClient c = new StreamClient()) {
            r = stream.run(c, 0, SegmentReacquisitionTest.READ_DELAY_NANOS, i -> {
                if (i >= back + 3 && stream.reacquired.getCount() > 0) {
                    java.util.concurrent.locks.LockSupport.parkNanos(100_000_000L);
                }
                return true;
            });
        }
        SegmentReacquisitionTest.everyFrameOnce(r, spec.frames());
        r.reacquisitions.forEach(e -> System.out.printf("reacquisition: %s%n", e.toString().replace('\n', ' ')));
        assertTrue(ClipGenerator.frame(spec, back - 1).truth().get(0).area() == 0
                && ClipGenerator.frame(spec, back).truth().get(0).area() > 0, "the disc returns at " + back);
        List<Reacquisition> found = r.reacquisitions.stream().filter(Reacquisition::getFound).toList();
        assertEquals(1, found.size(), "one attempt finds the disc, and none is needed after it: " + r.reacquisitions);
        Reacquisition f = found.get(0);
        assertEquals(f, r.reacquisitions.get(r.reacquisitions.size() - 1), "attempts went on after the find");
        assertTrue(r.reacquisitions.size() <= LostStaysLostProfile.ATTEMPTS);
        assertTrue(f.getFrameIndex() >= back, "re-seeded on frame " + f.getFrameIndex() + ", before the return");
        assertEquals(List.of(1), f.getObjectIdsList());
        BinaryMask truth = ClipGenerator.frame(spec, f.getFrameIndex()).truth().get(0);
        double boxJ = RegionJ.of(SegmentReacquisitionTest.boxMask(f.getBoxes(0), spec), truth);
        assertTrue(boxJ >= 0.5, "the re-seed box misses the disc: " + f.getBoxes(0) + ", J " + boxJ);
        double jAfter = r.meanJ(back, 139);
        double jAfterFound = r.afterFound.stream().filter(i -> i < 139).mapToDouble(i -> r.j[i]).average().orElse(0);
        System.out.printf("back at %d, re-seeded on %d (attempt %d, triggered after frame %d, %d frames tracked "
                + "again): J after the return %.3f, on the %d frames answered after the re-seed %.3f, before it "
                + "left %.3f%n", back, f.getFrameIndex(), f.getAttempt(), f.getTriggerFrameIndex(),
                f.getFramesRetracked(), jAfter, r.afterFound.size(), jAfterFound, r.meanJ(0, 29));
        assertTrue(jAfterFound >= 0.85, "J on the frames answered after the re-seed " + jAfterFound);
        assertTrue(jAfter >= 0.85, "J after the return " + jAfter);
    }
}
