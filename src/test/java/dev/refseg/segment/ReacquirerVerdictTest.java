package dev.refseg.segment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.refseg.v1.MaskFrame;
import dev.refseg.v1.ObjectMask;
import dev.refseg.v1.PassDirection;
import dev.refseg.v1.Reacquisition;
import dev.refseg.v1.TrackPrompt;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A re-acquisition's find is reported only once it holds ({@link Reacquirer#reseeded}, {@link Reacquirer#observe}):
 * decided on the first live frame tracked after the re-seed's frame, never on the re-seed's own frame (whose
 * mask is its prompt's) nor on skipped frames; a re-seed lost again at once is a miss, and the absence clock
 * goes on through it. Frames at 10 fps, re-acquisition after 0.5 s, 3 attempts.
 */
class ReacquirerVerdictTest {
    private final Reacquirer r = new Reacquirer(null, Duration.ofMillis(500), 3, 10, 1, 300, Runnable::run, () -> {
    }, i -> i + 1000);

    private static MaskFrame frame(int i, boolean present) {
        return MaskFrame.newBuilder().setFrameIndex(i).setTimestampUs(i * 100_000L)
                .setDirection(PassDirection.PASS_DIRECTION_LIVE)
                .addObjects(ObjectMask.newBuilder().setObjectId(1).setPresent(present)).build();
    }

    /** Frames 0-2 present, then absent up to {@code to} (exclusive): due at frame 8. */
    private void lostUpTo(int to) {
        for (int i = 0; i < to; i++) {
            assertNull(r.observe(frame(i, i < 3)));
        }
    }

    private void reseedOn(int frame) {
        Reacquisition.Builder event = Reacquisition.newBuilder().setAttempt(1).setFrameIndex(frame + 1000);
        r.reseeded(new Reacquirer.Attempt(event, List.of(TrackPrompt.newBuilder().setObjectId(1).setFrameIndex(frame)
                .build())), frame);
    }

    @Test
    void aFindThatHoldsIsReportedOnTheNextFrameTracked() {
        lostUpTo(9);
        assertTrue(r.due());
        reseedOn(7);
        assertFalse(r.due(), "no attempt while a re-seed waits for its verdict");
        Reacquisition.Builder e = r.observe(frame(9, true));
        assertTrue(e.getFound());
        assertEquals(1007, e.getFrameIndex());
        assertNull(r.observe(frame(10, true)), "decided once");
        assertNull(r.unconfirmed());
        assertFalse(r.due());
    }

    @Test
    void aFindLostAgainAtOnceIsAMissAndTheAbsenceGoesOn() {
        lostUpTo(9);
        reseedOn(10); // on a frame not answered yet: its own mask is the prompt's
        assertNull(r.observe(frame(9, false)));
        assertNull(r.observe(frame(10, true)), "the re-seed's own frame decides nothing");
        MaskFrame skipped = MaskFrame.newBuilder().setFrameIndex(11).setTimestampUs(1_100_000L).setSkipped(true)
                .setDirection(PassDirection.PASS_DIRECTION_LIVE).build();
        assertNull(r.observe(skipped), "a skipped frame tells nothing");
        Reacquisition.Builder e = r.observe(frame(12, false));
        assertFalse(e.getFound());
        assertTrue(e.getMessage().contains("found on frame 1010") && e.getMessage().contains("frame 1012")
                && e.getMessage().contains("next attempt"), e.getMessage());
        // The prompt's presence on frame 10 did not end the absence: the next attempt is due 0.5 s after the
        // verdict, not 0.5 s after a new absence begins.
        for (int i = 13; i < 17; i++) {
            assertNull(r.observe(frame(i, false)));
            assertFalse(r.due(), "due at frame " + i);
        }
        assertNull(r.observe(frame(17, false)));
        assertTrue(r.due());
    }

    @Test
    void anotherObjectSeenOnTheVerdictFrameEndsTheAbsenceWithoutANextAttempt() {
        lostUpTo(9);
        reseedOn(8); // object 1 only; object 2 comes back by itself on the next frame
        MaskFrame m = frame(9, false).toBuilder().addObjects(ObjectMask.newBuilder().setObjectId(2).setPresent(true))
                .build();
        Reacquisition.Builder e = r.observe(m);
        assertFalse(e.getFound());
        assertTrue(e.getMessage().contains("absence is over") && !e.getMessage().contains("next attempt"), e.getMessage());
        for (int i = 10; i < 20; i++) {
            assertNull(r.observe(frame(i, true)));
        }
        assertFalse(r.due());
    }

    @Test
    void aRe_seedStillWaitingWhenTheInputEndsIsReportedFoundAndSaysSo() {
        lostUpTo(9);
        reseedOn(8);
        Reacquisition.Builder e = r.unconfirmed();
        assertTrue(e.getFound());
        assertTrue(e.getMessage().contains("input ended"), e.getMessage());
        assertNull(r.unconfirmed());
    }
}
