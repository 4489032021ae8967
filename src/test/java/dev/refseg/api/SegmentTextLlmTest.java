package dev.refseg.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.refseg.eval.JandF;
import dev.refseg.inference.InferenceBackend;
import dev.refseg.llm.FakeOpenAi;
import dev.refseg.llm.ReadingScript;
import dev.refseg.segment.SessionSlots;
import dev.refseg.synth.SyntheticClip;
import dev.refseg.v1.Fallback;
import dev.refseg.v1.FallbackKind;
import dev.refseg.v1.KeyBox;
import dev.refseg.v1.KeyFrame;
import dev.refseg.v1.SegmentResponse;
import dev.refseg.v1.SelectionPath;
import dev.refseg.v1.Stage;
import dev.refseg.v1.Summary;
import io.grpc.Status;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Segment with a text referent through the whole method, against a fake OpenAI-compatible LLM that
 * answers by reading the prompt and the tiled image it receives.
 */
@QuarkusTest
@TestProfile(FakeLlmProfile.class)
class SegmentTextLlmTest {
    static final FakeOpenAi FAKE = FakeLlmProfile.FAKE;
    static SyntheticClip clip;
    static List<dev.refseg.v1.Frame> frames;

    @Inject
    InferenceBackend inference;
    @Inject
    SessionSlots slots;
    @Inject
    MeterRegistry meters;

    @BeforeAll
    static void setUp() {
        clip = TextClips.discs(60);
        frames = TextClips.frames(clip);
    }

    @BeforeEach
    void readingLlm() {
        FakeLlmProfile.readingScript();
    }

    @AfterEach
    void nothingLeaks() throws InterruptedException {
        Leaks.assertAllReleased(inference, slots);
    }

    static StreamClient.Outcome segment(String text) throws InterruptedException {
        try (StreamClient c = new StreamClient()) {
            return c.run(TextClips.requests(text, TextClips.WINDOWS, frames));
        }
    }

    @Test
    void tellsSimilarObjectsApartByTheReferent() throws Exception {
        // Each sentence names two discs; the detector proposes both, and only the reasoning picks the subject.
        String[] referents = {"the orange disc, not the red one", "the red disc next to the orange disc",
                "the magenta disc above the red disc"};
        int[] truth = {1, 0, 2};
        List<JandF> scores = new ArrayList<>();
        for (int i = 0; i < referents.length; i++) {
            FAKE.reset();
            StreamClient.Outcome o = segment(referents[i]);
            assertEquals(Status.Code.OK, o.status().getCode(), o.description());
            Summary s = o.of(SegmentResponse.EventCase.SUMMARY).get(0).getSummary();
            assertEquals(SelectionPath.SELECTION_PATH_LLM, s.getPath());
            assertEquals(List.of(), s.getFallbacksList(), referents[i]);
            assertEquals(1, s.getObjects());
            assertEquals(60, s.getMasksOut());
            assertEquals(List.of(Stage.STAGE_INTAKE, Stage.STAGE_KEY_FRAME, Stage.STAGE_CANDIDATES, Stage.STAGE_KEY_BOX,
                    Stage.STAGE_PROPAGATION), s.getTimingsList().stream().map(t -> t.getStage()).toList());
            JandF score = TextClips.score(o, 1, clip, truth[i]);
            System.out.printf("%s: J %.3f F %.3f%n", referents[i], score.jMean(), score.fMean());
            scores.add(score);

            // Two windows, asked about their own frames; the answers map back into each window.
            List<KeyFrame> keys = o.of(SegmentResponse.EventCase.KEY_FRAME).stream().map(SegmentResponse::getKeyFrame)
                    .toList();
            assertEquals(2, keys.size());
            for (KeyFrame k : keys) {
                assertEquals(List.of(30 * k.getWindowIndex(), 30 * k.getWindowIndex() + 6, 30 * k.getWindowIndex() + 12,
                        30 * k.getWindowIndex() + 18, 30 * k.getWindowIndex() + 24), k.getShownFramesList());
                assertTrue(k.getShownFramesList().contains(k.getFrameIndex()));
                assertTrue(k.getReasoning().endsWith("]"), k.getReasoning());
            }
            assertEquals(2, o.of(SegmentResponse.EventCase.CANDIDATES).size());
            for (SegmentResponse e : o.of(SegmentResponse.EventCase.CANDIDATES)) {
                assertEquals(2, e.getCandidates().getCandidatesCount(), e.toString());
            }
            // Each request carries the tiled image, the referent, and (key boxes) the box list.
            assertEquals(4, new java.util.HashSet<>(FAKE.requests).size(), "two key frames, two key boxes");
            for (String body : FAKE.requests) {
                ReadingScript.Request r = ReadingScript.parse(body);
                assertEquals(referents[i], r.expression());
                assertEquals(512, r.image().getWidth());
                assertEquals(5 * 384, r.image().getHeight(), "five 160x120 frames at 512 px wide");
                if (r.isKeyBox()) {
                    assertEquals("fake-box-model", r.model());
                    assertEquals("high", r.detail());
                    assertEquals(2, r.boxLabels().size(), r.prompt());
                } else {
                    assertEquals("fake-frame-model", r.model());
                    assertEquals("auto", r.detail());
                }
            }
        }
        double mean = JandF.meanJf(scores);
        System.out.printf("mean J&F over %d referents: %.3f%n", scores.size(), mean);
        assertTrue(mean >= 0.90, "mean J&F " + mean);
        assertTrue(meters.get("refseg.llm.calls").tag("step", "key_box").tag("outcome", "ok").counter().count() >= 6);
        assertTrue(meters.get("refseg.llm.tokens").tag("step", "key_frame").tag("direction", "in").counter().count() > 0);
    }

    @Test
    void severalTargetsBecomeSeveralObjects() throws Exception {
        StreamClient.Outcome o = segment("the red and the orange discs");
        assertEquals(Status.Code.OK, o.status().getCode(), o.description());
        Summary s = o.of(SegmentResponse.EventCase.SUMMARY).get(0).getSummary();
        assertEquals(2, s.getObjects());
        KeyBox k = o.of(SegmentResponse.EventCase.KEY_BOX).get(0).getKeyBox();
        assertEquals(2, k.getBoxesCount());
        // Object ids follow the order of the LLM's answer: box labelled red first, then orange.
        JandF red = TextClips.score(o, 1, clip, 0);
        JandF orange = TextClips.score(o, 2, clip, 1);
        System.out.printf("two objects: red %.3f orange %.3f%n", red.jf(), orange.jf());
        assertTrue(red.jf() >= 0.85 && orange.jf() >= 0.85, red.jf() + " / " + orange.jf());
    }

    @Test
    void garbageAnswersFallBackToTheFirstFrameAndTheBestBoxAndTheStreamCompletes() throws Exception {
        FAKE.script(body -> FakeOpenAi.Answer.text("I would rather not say."));
        StreamClient.Outcome o = segment("the red disc");
        assertEquals(Status.Code.OK, o.status().getCode(), o.description());
        Summary s = o.of(SegmentResponse.EventCase.SUMMARY).get(0).getSummary();
        assertEquals(SelectionPath.SELECTION_PATH_LLM, s.getPath());
        assertEquals(60, s.getMasksOut());
        List<FallbackKind> kinds = s.getFallbacksList().stream().map(Fallback::getKind).toList();
        // Two unreadable key frames, two unreadable key boxes, then the last resort (frame 0, best box).
        assertEquals(List.of(FallbackKind.FALLBACK_KIND_LLM_UNPARSABLE, FallbackKind.FALLBACK_KIND_LLM_UNPARSABLE,
                FallbackKind.FALLBACK_KIND_LLM_UNPARSABLE, FallbackKind.FALLBACK_KIND_LLM_UNPARSABLE,
                FallbackKind.FALLBACK_KIND_LLM_UNPARSABLE), kinds);
        List<SegmentResponse> boxes = o.of(SegmentResponse.EventCase.KEY_BOX);
        KeyBox last = boxes.get(boxes.size() - 1).getKeyBox();
        assertEquals(0, last.getFrameIndex());
        assertEquals(1, last.getBoxesCount());
        assertTrue(last.getFallback().getReason().contains("frame 0"), last.getFallback().getReason());
        assertTrue(TextClips.score(o, 1, clip, 0).jf() >= 0.9, "the red disc is on frame 0");
    }

    @Test
    void timeoutsAreRetriedThenFallBack() throws Exception {
        FAKE.script(body -> new FakeOpenAi.Answer(200, "[1]", 5500));
        StreamClient.Outcome o;
        try (StreamClient c = new StreamClient()) {
            o = c.run(TextClips.requests("the red disc", TextClips.WINDOWS, frames.subList(0, 30)));
        }
        assertEquals(Status.Code.OK, o.status().getCode(), o.description());
        Summary s = o.of(SegmentResponse.EventCase.SUMMARY).get(0).getSummary();
        assertEquals(30, s.getMasksOut());
        List<FallbackKind> kinds = s.getFallbacksList().stream().map(Fallback::getKind).toList();
        // The key frame times out twice (first frame used), its box too (pivot skipped), then the last resort.
        assertEquals(List.of(FallbackKind.FALLBACK_KIND_LLM_ERROR, FallbackKind.FALLBACK_KIND_LLM_ERROR,
                FallbackKind.FALLBACK_KIND_LLM_ERROR), kinds);
        assertTrue(s.getFallbacks(0).getReason().contains("2 attempt"), s.getFallbacks(0).getReason());
        assertEquals(4, FAKE.requests.size(), "each question tried twice");
        assertTrue(TextClips.score(o, 1, clip, 0).jf() >= 0.9, "the red disc is on frame 0");
    }

    @Test
    void aRateLimitIsRetriedAndTheAnswerUsed() throws Exception {
        AtomicInteger n = new AtomicInteger();
        double before = retries();
        FAKE.script(body -> n.incrementAndGet() % 2 == 1 ? FakeOpenAi.Answer.status(429)
                : FakeOpenAi.Answer.text(ReadingScript.answer(body)));
        // One window: questions go one after the other, so every question is refused once, then answered.
        StreamClient.Outcome o;
        try (StreamClient c = new StreamClient()) {
            o = c.run(TextClips.requests("the orange disc", TextClips.WINDOWS, frames.subList(0, 30)));
        }
        assertEquals(Status.Code.OK, o.status().getCode(), o.description());
        Summary s = o.of(SegmentResponse.EventCase.SUMMARY).get(0).getSummary();
        assertEquals(List.of(), s.getFallbacksList());
        assertEquals(4, FAKE.requests.size());
        assertEquals(2, retries() - before, 0.0);
        assertTrue(TextClips.score(o, 1, clip, 1).jMean() > 0, "tracked");
    }

    @Test
    void windowQuestionsOverlapAndTheCapIsHonoured() throws Exception {
        // Each key-frame answer is held (up to 2.5 s, below the 5 s request timeout) until a second question is
        // in flight too. Asked one after the other, no two would ever be in flight; asked together, the most in
        // flight is the cap. A question left alone at the end (its partner answered) is answered all the same:
        // how the four pair up depends on the machine's load, and is not what this test is about.
        AtomicInteger active = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        FAKE.script(body -> {
            if (ReadingScript.parse(body).isKeyBox()) {
                return FakeOpenAi.Answer.text(ReadingScript.answer(body));
            }
            most.accumulateAndGet(active.incrementAndGet(), Math::max);
            try {
                long deadline = System.currentTimeMillis() + 2500;
                while (active.get() < 2 && System.currentTimeMillis() < deadline) {
                    sleep(5);
                }
                return FakeOpenAi.Answer.text(ReadingScript.answer(body));
            } finally {
                active.decrementAndGet();
            }
        });
        SyntheticClip longer = TextClips.discs(120); // four windows
        StreamClient.Outcome o;
        try (StreamClient c = new StreamClient()) {
            o = c.run(TextClips.requests("the magenta disc", TextClips.WINDOWS, TextClips.frames(longer)));
        }
        assertEquals(Status.Code.OK, o.status().getCode(), o.description());
        List<KeyFrame> keys = o.of(SegmentResponse.EventCase.KEY_FRAME).stream().map(SegmentResponse::getKeyFrame).toList();
        assertEquals(4, keys.size());
        for (KeyFrame k : keys) {
            assertTrue(!k.hasFallback(), k.toString());
        }
        assertEquals(FakeLlmProfile.MAX_CONCURRENT, most.get(), "overlapping, never above the cap");
    }

    @Test
    void disableLlmRunsTheBaseline() throws Exception {
        StreamClient.Outcome o;
        try (StreamClient c = new StreamClient()) {
            o = c.run(TextClips.requests("the magenta disc", TextClips.WINDOWS.toBuilder().setDisableLlm(true).build(),
                    frames));
        }
        assertEquals(Status.Code.OK, o.status().getCode(), o.description());
        Summary s = o.of(SegmentResponse.EventCase.SUMMARY).get(0).getSummary();
        assertEquals(SelectionPath.SELECTION_PATH_BASELINE, s.getPath());
        assertEquals(FallbackKind.FALLBACK_KIND_NO_LLM, s.getFallbacks(0).getKind());
        assertTrue(s.getFallbacks(0).getReason().contains("disable_llm"), s.getFallbacks(0).getReason());
        assertEquals(0, FAKE.requests.size());
    }

    @Test
    void cancellingWhileTheLlmThinksFreesEverything() throws Exception {
        FAKE.script(body -> new FakeOpenAi.Answer(200, "[1]", 1400));
        try (StreamClient c = new StreamClient()) {
            StreamClient.Call call = c.open();
            TextClips.requests("the red disc", TextClips.WINDOWS, frames).forEach(call.requests::onNext);
            call.requests.onCompleted();
            long deadline = System.currentTimeMillis() + 10_000;
            while (FAKE.requests.isEmpty() && System.currentTimeMillis() < deadline) {
                Thread.sleep(10);
            }
            call.requests.onError(Status.CANCELLED.asRuntimeException());
        }
        // nothingLeaks checks sessions, trackers and slots.
    }

    @Test
    void cancellingWhileAKeyFrameQuestionIsHeldAbortsItsRequestsAndFreesTheSlots() throws Exception {
        FAKE.script(body -> ReadingScript.parse(body).isKeyBox() ? FakeOpenAi.Answer.text(ReadingScript.answer(body))
                : FakeOpenAi.Answer.hold());
        cancelWhileHeld(false);
    }

    @Test
    void cancellingWhileAKeyBoxQuestionIsHeldAbortsItsRequestsAndFreesTheSlots() throws Exception {
        FAKE.script(body -> ReadingScript.parse(body).isKeyBox() ? FakeOpenAi.Answer.hold()
                : FakeOpenAi.Answer.text(ReadingScript.answer(body)));
        cancelWhileHeld(true);
    }

    /**
     * The client cancels as soon as the fake holds a question of the given kind. Every held request must
     * be aborted on the wire well before the 5 s request timeout (which would also close it, but then
     * count a retry, not a cancel), no slot stays taken, and the next call is answered.
     */
    private void cancelWhileHeld(boolean keyBox) throws Exception {
        // Counted from a quiet fake: a request an earlier test of this profile left open would be counted
        // as aborted here when it closes.
        assertTrue(FakeOpenAi.await(() -> FAKE.inFlight.get() == 0, 10_000), "requests of earlier tests still open");
        FAKE.reset();
        double cancelledBefore = calls("cancelled");
        double retriedBefore = calls("retried") + calls("error");
        try (StreamClient c = new StreamClient()) {
            StreamClient.Call call = c.open();
            TextClips.requests("the red disc", TextClips.WINDOWS, frames).forEach(call.requests::onNext);
            call.requests.onCompleted();
            // The fake holds it once its script has run (off the event loop), not when the body arrived.
            assertTrue(FakeOpenAi.await(() -> held(keyBox) > 0 && FAKE.held.get() > 0, 30_000), "a question is held");
            call.requests.onError(Status.CANCELLED.asRuntimeException());
        }
        assertTrue(FakeOpenAi.await(() -> FAKE.inFlight.get() == 0 && inFlightGauge() == 0, 10_000),
                "requests still open: fake " + FAKE.inFlight.get() + ", gauge " + inFlightGauge());
        // A request of the other kind, or one whose body was still arriving, may be closed by the cancel too.
        assertTrue(FAKE.held.get() >= 1 && held(keyBox) >= 1, "a question of the chosen kind was held");
        assertEquals(FAKE.held.get(), FAKE.heldAborted.get(), "every held request was aborted");
        for (long ms : FAKE.abortedAfterMillis) {
            assertTrue(ms < 2000, "aborted " + ms + " ms after it arrived: by the 5 s timeout, not by the cancel");
        }
        assertTrue(calls("cancelled") - cancelledBefore >= FAKE.aborted.get(), "counted as cancelled");
        assertEquals(retriedBefore, calls("retried") + calls("error"), 0.0, "neither retried nor failed");

        FakeLlmProfile.readingScript();
        StreamClient.Outcome o = segment("the red disc");
        assertEquals(Status.Code.OK, o.status().getCode(), o.description());
        Summary s = o.of(SegmentResponse.EventCase.SUMMARY).get(0).getSummary();
        assertEquals(SelectionPath.SELECTION_PATH_LLM, s.getPath());
        assertEquals(List.of(), s.getFallbacksList(), "the slots were free: every question answered");
    }

    /** Requests of one kind the fake has received. */
    private static int held(boolean keyBox) {
        return (int) FAKE.requests.stream().filter(b -> ReadingScript.parse(b).isKeyBox() == keyBox).count();
    }

    private double calls(String outcome) {
        return meters.find("refseg.llm.calls").tag("outcome", outcome).counters().stream().mapToDouble(x -> x.count())
                .sum();
    }

    private double inFlightGauge() {
        return meters.get("refseg.llm.in.flight").gauge().value();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private double retries() {
        var c = meters.find("refseg.llm.retries").counters();
        return c.stream().mapToDouble(x -> x.count()).sum();
    }
}
