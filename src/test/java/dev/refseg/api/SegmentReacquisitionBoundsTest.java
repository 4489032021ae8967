package dev.refseg.api;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.refseg.llm.FakeOpenAi;
import dev.refseg.llm.ReadingScript;
import dev.refseg.segment.OnlineSession;
import dev.refseg.synth.ClipSpec;
import dev.refseg.v1.Reacquisition;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What a re-selection may hold is bounded however long its LLM takes (README "Online mode",
 * {@code refseg.online.max-retrack-frames}): the fake LLM never answers a re-selection's question, the
 * disc never comes back, and each attempt is abandoned once more than 10 frames have been answered after its
 * window's last frame (a find there could no longer be re-seeded), its question aborted and its window let
 * go. Without the bound the sidecar would hold every frame from the first window on (about 370 of them).
 */
@QuarkusTest
@TestProfile(SegmentReacquisitionBoundsTest.TightRetrack.class)
class SegmentReacquisitionBoundsTest extends OnlineTestBase {
    static final int MAX_RETRACK = 10;

    /** Re-acquisition after 500 ms of absence, at most 10 frames re-tracked per find. */
    public static class TightRetrack extends FakeLlmProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> c = new HashMap<>(super.getConfigOverrides());
            c.put("refseg.online.reacquire-after", "500ms");
            c.put("refseg.online.max-retrack-frames", String.valueOf(MAX_RETRACK));
            return c;
        }
    }

    @Test
    void aReselectionThatNeverAnswersIsAbandonedAndHoldsABoundedWindow() throws Exception {
        FakeOpenAi fake = FakeLlmProfile.FAKE;
        // The first selection's two questions are answered; every later one (a re-selection's) is held open.
        fake.script(body -> fake.requests.size() > 2 ? FakeOpenAi.Answer.hold()
                : FakeOpenAi.Answer.text(ReadingScript.answer(body)));
        ClipSpec spec = SegmentReacquisitionTest.clip(400, 100_000);
        OnlineSession.resetMaxPending();
        LiveStream.Result r;
        try (StreamClient c = new StreamClient()) {
            r = new LiveStream(spec, "the red disc", LiveStream.WINDOW).run(c, 0,
                    SegmentReacquisitionTest.READ_DELAY_NANOS, i -> true);
        }
        SegmentReacquisitionTest.everyFrameOnce(r, spec.frames());
        r.reacquisitions.forEach(e -> System.out.printf("bounded reacquisition: %s%n", e.toString().replace('\n', ' ')));
        assertFalse(r.reacquisitions.isEmpty(), "no re-acquisition was attempted");
        for (Reacquisition e : r.reacquisitions) {
            assertFalse(e.getFound(), e.toString());
            assertTrue(e.getMessage().contains("abandoned") && e.getMessage().contains("max-retrack-frames ("
                    + MAX_RETRACK + ")"), e.getMessage());
        }
        assertTrue(FakeOpenAi.await(() -> fake.heldAborted.get() >= r.reacquisitions.size() && fake.inFlight.get() == 0,
                5000), "held questions not abandoned: " + fake.heldAborted.get() + " of " + r.reacquisitions.size());
        // keep-recent-frames (50) + the 30-frame window + max-retrack + the backlog bound (32) + a step (4).
        int bound = 50 + 30 + MAX_RETRACK + 32 + 4;
        System.out.printf("frames held at most %d (bound %d)%n", OnlineSession.maxHeldSeen(), bound);
        assertTrue(OnlineSession.maxHeldSeen() <= bound, "frames held " + OnlineSession.maxHeldSeen());
    }
}
