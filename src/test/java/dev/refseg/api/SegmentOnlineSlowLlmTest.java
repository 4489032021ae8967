package dev.refseg.api;

import static dev.refseg.api.SegmentOnlineTest.everyFrameOnce;
import static dev.refseg.api.SegmentOnlineTest.stream;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.refseg.llm.FakeOpenAi;
import dev.refseg.llm.ReadingScript;
import dev.refseg.v1.SegmentOptions;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Online mode with an LLM that takes 5 s to answer each question, over a live stream (issue 13): the
 * first mask waits for the selection, frames pile up meanwhile, and the backlog then clears. Its own
 * server: the LLM timeout of {@link FakeLlmProfile} (5 s) would cut such answers. No timing is asserted;
 * the times are printed (BENCHMARKS.md, "Online mode"). The first stream is the application's first call
 * (nothing of the LLM client, tile rendering or tracking has run yet but the start-up warm-up); for the
 * benchmark, {@code -Dprobe.runs=2} streams again in the same application (warm), and
 * {@code -Dprobe.window-frames=10} shortens the key-frame window (5 frames shown, one every window/5).
 */
@QuarkusTest
@TestProfile(SegmentOnlineSlowLlmTest.SlowLlm.class)
class SegmentOnlineSlowLlmTest extends OnlineTestBase {
    /** The fake LLM with a request timeout its 5 s answers fit in. */
    public static class SlowLlm extends FakeLlmProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> c = new HashMap<>(super.getConfigOverrides());
            c.put("refseg.llm.timeout", "30s");
            return c;
        }
    }

    @Test
    void aSlowLlmDelaysTheFirstMaskAndTheBacklogThenClears() throws Exception {
        int window = Integer.getInteger("probe.window-frames", LiveStream.WINDOW.getWindowFrames());
        SegmentOptions options = LiveStream.WINDOW.toBuilder().setWindowFrames(window).setFramesPerWindow(5)
                .setFrameStep(window / 5).build();
        int lastShown = 4 * (window / 5); // the key-frame question goes out once this frame is in
        for (int run = 1; run <= Integer.getInteger("probe.runs", 1); run++) {
            FAKE.reset();
            FAKE.script(body -> new FakeOpenAi.Answer(200, ReadingScript.answer(body), 5000));
            int frames = 750;
            LiveStream.Result r = stream(frames, options, 40_000_000, 0, i -> true); // live: 25 fps, 30 s
            everyFrameOnce(r, frames);
            // The selection's questions (key frame, then key box) are asked one after the other: their times add up.
            double llm = FAKE.answeredNanos.stream().mapToLong(t -> t[1] - t[0]).sum() / 1e6;
            double first = r.firstMaskNanos / 1e6;
            double shownIn = r.sentNanos.get(lastShown) / 1e6;
            double windowIn = r.sentNanos.get(window - 1) / 1e6;
            int cleared = frames; // the first frame from which every lag is under 500 ms (frames: never)
            while (cleared > 0 && r.lagNanos[cleared - 1] < 500_000_000L) {
                cleared--;
            }
            double clearedAfter = cleared == frames ? Double.NaN
                    : (r.sentNanos.get(cleared) + r.lagNanos[cleared] - r.firstMaskNanos) / 1e6;
            long[] tail = java.util.Arrays.copyOfRange(r.lagNanos, frames - 100, frames);
            java.util.Arrays.sort(tail);
            System.out.printf("LLM answering after 5 s, %d frames at 25 fps, run %d (%s): first mask after %.0f ms"
                    + " (summary %.0f ms), LLM %.0f ms in %d questions, first mask - LLM %.0f ms (window of %d frames"
                    + " in at %.0f ms, its last shown frame %d due at %.0f ms; first mask - that - LLM %.0f ms); lag"
                    + " under 500 ms from frame %d, %.0f ms after the first mask; median lag of the last 100 frames"
                    + " %.0f ms, last frame %.0f ms; mean J&F %.3f%n", frames, run, run == 1 ? "first call" : "warm",
                    first, r.summary.getFirstMaskMillis(), llm, FAKE.answeredNanos.size(), first - llm, window,
                    windowIn, lastShown, shownIn, first - shownIn - llm, cleared, clearedAfter, tail[50] / 1e6,
                    r.lagNanos[frames - 1] / 1e6, r.meanJf());
            System.out.println("  questions (asked-answered, ms from the start): " + FAKE.answeredNanos.stream()
                    .map(t -> (t[0] - r.startNanos) / 1_000_000 + "-" + (t[1] - r.startNanos) / 1_000_000).toList());
            assertTrue(FAKE.answeredNanos.size() >= 2, "questions answered " + FAKE.answeredNanos.size());
            assertTrue(r.summary.getFirstMaskMillis() >= llm, "masks before the LLM answered");
            assertTrue(r.meanJf() >= 0.85, "mean J&F " + r.meanJf());
        }
    }
}
