package dev.refseg.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.refseg.segment.OnlineSession;
import dev.refseg.v1.OverloadPolicy;
import dev.refseg.v1.SegmentOptions;
import io.grpc.Status;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Segment in online mode over a live stream of small synthetic frames, with the fixture models and the
 * fake LLM: one answer per frame (tracked or explicitly skipped), quality against ground truth, both
 * overload policies, bounded buffering with a slow reader, and cancellation (a slow LLM:
 * {@link SegmentOnlineSlowLlmTest}). No timing is asserted; times are printed.
 */
@QuarkusTest
@TestProfile(FakeLlmProfile.class)
class SegmentOnlineTest extends OnlineTestBase {
    /** refseg.online.* defaults: the bounds the tests check against. */
    static final int MAX_BACKLOG = 32;
    static final int MAX_PENDING = 512;
    static final int WINDOW = LiveStream.WINDOW.getWindowFrames();

    static LiveStream.Result stream(int frames, SegmentOptions options, long periodNanos, long readDelayNanos,
            java.util.function.IntPredicate afterFrame) throws InterruptedException {
        try (StreamClient c = new StreamClient()) {
            return new LiveStream(LiveStream.clip(frames), "the red disc", options).run(c, periodNanos, readDelayNanos,
                    afterFrame);
        }
    }

    static void everyFrameOnce(LiveStream.Result r, int frames) {
        assertEquals(Status.Code.OK, r.status.getCode(), String.valueOf(r.status));
        assertEquals(0, r.duplicates, "frames answered twice");
        assertEquals(0, r.missing(), "frames never answered");
        assertEquals(frames, r.masks);
        assertNull(r.orderProblem);
        assertEquals(frames, r.summary.getFramesIn());
        assertEquals(frames, r.summary.getMasksOut());
        assertEquals(r.skipped, r.summary.getFramesSkipped());
    }

    @Test
    void aLiveStreamGetsOneMaskPerFrameAndTracksWell() throws Exception {
        int frames = 2000;
        LiveStream.Result r = stream(frames, LiveStream.WINDOW, 2_000_000, 0, i -> true); // 500 fps
        everyFrameOnce(r, frames);
        assertEquals(0, r.skipped, "backpressure never skips");
        System.out.printf("online %d frames: mean J&F %.3f, first mask after %.0f ms (summary %.0f ms)%n", frames,
                r.meanJf(), r.firstMaskNanos / 1e6, r.summary.getFirstMaskMillis());
        assertTrue(r.meanJf() >= 0.85, "mean J&F " + r.meanJf());
        assertTrue(r.summary.getFirstMaskMillis() > 0);
        assertEquals(1, r.summary.getObjects());
    }

    @Test
    void skipPolicySkipsUnderLoadAndSaysSo() throws Exception {
        int frames = 1500;
        // As fast as the transport takes them, while the client also reads slowly: the tracker falls behind.
        LiveStream.Result r = stream(frames, LiveStream.WINDOW.toBuilder().setOverload(OverloadPolicy.OVERLOAD_POLICY_SKIP)
                .build(), 0, 0, i -> true);
        everyFrameOnce(r, frames);
        System.out.printf("skip policy: %d of %d frames skipped, e.g. %s; J&F of the tracked %.3f%n", r.skipped, frames,
                r.skipReasons, r.meanJf());
        assertTrue(r.skipped > 0, "nothing was skipped");
        assertTrue(r.skipReasons.get(0).contains("refseg.online.max-backlog"), r.skipReasons.get(0));
    }

    @Test
    void backpressureNeverSkipsEvenWhenFlooded() throws Exception {
        int frames = 1000;
        LiveStream.Result r = stream(frames, LiveStream.WINDOW, 0, 0, i -> true);
        everyFrameOnce(r, frames);
        assertEquals(0, r.skipped);
        assertTrue(r.meanJf() >= 0.85, "mean J&F " + r.meanJf());
    }

    @Test
    void aSlowReaderDoesNotGrowWhatTheServerHolds() throws Exception {
        int frames = 400;
        for (OverloadPolicy policy : new OverloadPolicy[] {OverloadPolicy.OVERLOAD_POLICY_BACKPRESSURE,
                OverloadPolicy.OVERLOAD_POLICY_SKIP}) {
            OnlineSession.resetMaxPending();
            LiveStream.Result r = stream(frames, LiveStream.WINDOW.toBuilder().setOverload(policy).build(), 0, 3_000_000,
                    i -> true);
            everyFrameOnce(r, frames);
            int bound = policy == OverloadPolicy.OVERLOAD_POLICY_SKIP ? MAX_PENDING : WINDOW + MAX_BACKLOG;
            System.out.printf("slow reader, %s: at most %d frames unanswered on the server (bound %d), %d held by "
                    + "the frame store%n", policy, OnlineSession.maxPendingSeen(), bound, OnlineSession.maxHeldSeen());
            assertTrue(OnlineSession.maxPendingSeen() <= bound, "unanswered frames " + OnlineSession.maxPendingSeen());
            assertTrue(OnlineSession.maxHeldSeen() <= bound + 50 + 8, "frames held " + OnlineSession.maxHeldSeen());
        }
    }

    @Test
    void cancellingMidStreamLeaksNothing() throws Exception {
        AtomicInteger sent = new AtomicInteger();
        LiveStream.Result r = stream(2000, LiveStream.WINDOW, 1_000_000, 0, i -> sent.incrementAndGet() < 300);
        assertEquals(300, sent.get());
        System.out.printf("cancelled after 300 frames with %d masks received%n", r.masks);
        // nothingLeaks() checks the trackers, sessions, slots, scratch files and native readers.
    }
}
