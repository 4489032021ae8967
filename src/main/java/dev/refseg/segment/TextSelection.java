package dev.refseg.segment;

import dev.refseg.inference.MediaSession;
import dev.refseg.keyselect.Adjustments;
import dev.refseg.keyselect.Questions;
import dev.refseg.keyselect.Verdicts;
import dev.refseg.keyselect.Windows.Window;
import dev.refseg.llm.AskedQuestions;
import dev.refseg.llm.GuardedLlm;
import dev.refseg.llm.SelectionLlm;
import dev.refseg.v1.Candidate;
import dev.refseg.v1.Candidates;
import dev.refseg.v1.Detect;
import dev.refseg.v1.Fallback;
import dev.refseg.v1.FallbackKind;
import dev.refseg.v1.KeyBox;
import dev.refseg.v1.KeyFrame;
import dev.refseg.v1.Prefetch;
import dev.refseg.v1.PrefetchResult;
import dev.refseg.v1.SegmentResponse;
import dev.refseg.v1.SelectionPath;
import dev.refseg.v1.Stage;
import dev.refseg.v1.StageTiming;
import dev.refseg.v1.TrackPrompt;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * GPT-PS for a text referent, offline (method.md §3–§5, design.md "offline"): one key-frame question per
 * window — asked as soon as the window's frames have arrived, so the LLM reasons while the rest of the
 * video is still being received — then candidates on each pivot, one key-box question per pivot, and
 * the prompts for the tracker. Without an LLM it is the training-free baseline. Every departure from
 * the main path is a flagged {@link Fallback}; nothing here throws for a bad answer.
 *
 * <p>All calls come from the session's thread; only the LLM questions run elsewhere.
 */
public final class TextSelection implements Selection {
    /** One asked window. */
    private record Asked(Window window, CompletableFuture<String> reply) {
    }

    /** A pivot with its candidates and, once asked, the key-box question. */
    private record Pivot(KeyFrame keyFrame, Candidates candidates, CompletableFuture<String> reply) {
    }

    private final String referent;
    private final SelectionParams params;
    private final MediaSession media;
    private final SelectionLlm llm;
    private final SelectionEvents events;
    private final BooleanSupplier cancelled;
    private final Map<Integer, Asked> asked = new LinkedHashMap<>();
    private final Map<Integer, Candidates> detections = new HashMap<>();
    private final List<StageTiming> timings = new ArrayList<>();
    private final AskedQuestions questions;
    private long detectNanos;
    private int numFrames;

    /**
     * @param questions where this call's LLM questions are kept, so that whoever sees the call end (the
     *                  client's cancel arrives on a gRPC thread) can abandon them at once; {@link #close}
     *                  abandons them too
     */
    public TextSelection(String referent, SelectionParams params, MediaSession media, SelectionLlm llm,
            Consumer<SegmentResponse> emit, BooleanSupplier cancelled, AskedQuestions questions) {
        this.referent = referent.strip();
        this.questions = questions;
        this.params = params;
        this.media = media;
        this.llm = llm;
        this.events = new SelectionEvents(emit);
        this.cancelled = cancelled;
    }

    /** Intake has decoded {@code frames} frames: ask about every window whose shown frames are all here. */
    @Override
    public void onFramesDecoded(int frames) {
        if (!params.useLlm()) {
            return;
        }
        for (int w = asked.size(); ; w++) {
            List<Integer> shown = params.fullWindowFrames(w);
            if (shown.size() < 2 || shown.get(shown.size() - 1) >= frames
                    || questionsInFlight() >= llm.perCallLimit()) {
                return;
            }
            ask(new Window(w, shown));
        }
    }

    @Override
    public Outcome finish(int numFrames) {
        if (numFrames == 0) {
            return new Outcome(List.of(), 0, 0, SelectionPath.SELECTION_PATH_NONE, events.fallbacks(), timings,
                    events.adjustments(), false, m -> m);
        }
        this.numFrames = numFrames;
        List<Window> windows = params.windows(numFrames);
        return params.useLlm() ? withLlm(windows) : baseline(windows);
    }

    // ---- LLM path -------------------------------------------------------------------------------

    private Outcome withLlm(List<Window> windows) {
        long t0 = System.nanoTime();
        boolean anyChoice = windows.stream().anyMatch(Window::needsChoice);
        List<Window> toAsk = windows.stream().filter(Window::needsChoice).toList();
        // While the LLM reasons, the detector runs on the frames that may become pivots.
        List<Integer> sampled = windows.stream().flatMap(w -> w.frames().stream()).toList();
        int[] next = {0};
        BooleanSupplier detectAhead = () -> {
            while (next[0] < sampled.size() && detections.containsKey(sampled.get(next[0]))) {
                next[0]++;
            }
            if (next[0] >= sampled.size()) {
                return false;
            }
            candidates(sampled.get(next[0]), params.boxThreshold(), params.textThreshold());
            return true;
        };
        List<KeyFrame> keyFrames = new ArrayList<>();
        for (Window w : windows) {
            if (!w.needsChoice()) {
                if (!anyChoice) {
                    keyFrames.add(events.note(Verdicts.onlyFrame(w)));
                } else { // a trailing one-frame window is skipped, as the reference does; said so
                    events.adjustments().add(Adjustments.skipped(Stage.STAGE_KEY_FRAME, "window " + w.index(), "window "
                            + w.index() + " holds only frame " + w.frames().get(0) + " (the video ends there), so it "
                            + "offers nothing to choose among; it is skipped as the reference does and gives no pivot",
                            1, 0, "window_frames = " + params.windowFrames()));
                }
                continue;
            }
            askMoreWindows(toAsk);
            Asked a = asked.get(w.index());
            await(a.reply(), () -> {
                askMoreWindows(toAsk);
                return detectAhead.getAsBoolean();
            });
            keyFrames.add(events.note(Verdicts.keyFrame(w, GuardedLlm.textOf(a.reply()), GuardedLlm.failureOf(a.reply()),
                    params.omitReasoning())));
        }
        timing(Stage.STAGE_KEY_FRAME, t0);

        long t1 = System.nanoTime();
        List<Pivot> pivots = new ArrayList<>();
        BooleanSupplier encodeAhead = encodeAhead(keyFrames);
        List<KeyBox> chosen = new ArrayList<>();
        for (int i = 0; i < keyFrames.size(); i++) {
            askMoreBoxes(keyFrames, pivots);
            Pivot p = pivots.get(i);
            KeyBox box;
            if (p.reply() == null) {
                box = Verdicts.noCandidates(p.keyFrame().getFrameIndex());
            } else {
                await(p.reply(), () -> askMoreBoxes(keyFrames, pivots) || encodeAhead.getAsBoolean());
                box = Verdicts.keyBox(p.candidates(), GuardedLlm.textOf(p.reply()), GuardedLlm.failureOf(p.reply()),
                        params.maxObjects(), "max_objects = " + params.maxObjects(), params.omitReasoning());
            }
            events.note(box);
            if (box.getBoxesCount() > 0) {
                chosen.add(box);
            }
        }
        timing(Stage.STAGE_KEY_BOX, t1);
        if (chosen.isEmpty()) {
            chosen = lastResort(windows);
        }
        // Detector time (partly hidden behind the key-frame answers), listed before the key-box stage it feeds.
        timings.add(timings.size() - 1, StageTiming.newBuilder().setStage(Stage.STAGE_CANDIDATES)
                .setMillis(detectNanos / 1e6).build());
        return outcome(chosen, SelectionPath.SELECTION_PATH_LLM);
    }

    /**
     * Questions of this call in flight at once are bounded ({@link SelectionLlm#perCallLimit()}): a long
     * video's hundreds of windows go out as earlier answers come back instead of overflowing the
     * process's LLM queue (which is there to bound many calls, not one).
     */
    private int questionsInFlight() {
        return questions.unanswered();
    }

    /** Asks the next windows, in order (they are asked in order, so the next is the count asked). */
    private void askMoreWindows(List<Window> toAsk) {
        stopIfCancelled(); // questions asked now would be cancelled at once: not worth rendering
        for (int room = llm.perCallLimit() - questionsInFlight(); room > 0 && asked.size() < toAsk.size(); room--) {
            ask(toAsk.get(asked.size()));
        }
    }

    /**
     * Prepares and asks the next pivots' key-box questions, in order, while there is room: candidates
     * (event), boxes drawn, question sent; a pivot without candidates needs no question. True when it
     * did something.
     */
    private boolean askMoreBoxes(List<KeyFrame> keyFrames, List<Pivot> pivots) {
        boolean did = false;
        stopIfCancelled();
        while (pivots.size() < keyFrames.size() && questionsInFlight() < llm.perCallLimit()) {
            KeyFrame k = keyFrames.get(pivots.size());
            Candidates c = events.note(candidates(k.getFrameIndex(), params.boxThreshold(), params.textThreshold()));
            did = true;
            if (c.getCandidatesCount() == 0) {
                pivots.add(new Pivot(k, c, null));
                continue;
            }
            pivots.add(new Pivot(k, c, track(Questions.keyBox(llm, media, referent, k.getShownFramesList(),
                    k.getFrameIndex(), c))));
        }
        return did;
    }

    /**
     * Idle work while the key boxes are awaited: the SAM 2 encoder on the frames tracking will need
     * first — the pivots (their prompts), then forward from the likely start, the middle pivot — one
     * frame per call, until the session's prefetch budget is full.
     */
    private BooleanSupplier encodeAhead(List<KeyFrame> keyFrames) {
        List<Integer> pivots = keyFrames.stream().map(KeyFrame::getFrameIndex).toList();
        if (pivots.isEmpty()) {
            return () -> false;
        }
        List<Integer> order = new ArrayList<>(pivots);
        for (int t = pivots.get(pivots.size() / 2) + 1; t < numFrames && order.size() < 64; t++) {
            if (!pivots.contains(t)) {
                order.add(t);
            }
        }
        int[] next = {0};
        return () -> {
            if (next[0] >= order.size()) {
                return false;
            }
            PrefetchResult r = media.prefetch(Prefetch.newBuilder().addFrameIndices(order.get(next[0]++)).build());
            return !r.getFull();
        };
    }

    private void ask(Window w) {
        asked.put(w.index(), new Asked(w, track(Questions.keyFrame(llm, media, referent, w.frames()))));
    }

    // ---- baseline -------------------------------------------------------------------------------

    /** No LLM: the sampled frame where the detector is most confident, and its best box (design.md). */
    private Outcome baseline(List<Window> windows) {
        long t0 = System.nanoTime();
        List<Candidates> found = new ArrayList<>();
        for (Window w : windows) {
            for (int f : w.frames()) {
                found.add(candidates(f, params.boxThreshold(), params.textThreshold()));
            }
        }
        Candidates best = Questions.mostConfident(found);
        Window bestWindow = best == null ? null : windows.get(best.getFrameIndex() / params.windowFrames());
        timing(Stage.STAGE_CANDIDATES, t0);
        String why = llm.configured() ? "the LLM is disabled for this call (options.disable_llm)"
                : "no LLM is configured (refseg.llm.base-url)";
        List<KeyBox> chosen;
        if (best == null) {
            chosen = lastResort(windows);
        } else {
            Fallback f = Verdicts.fallback(FallbackKind.FALLBACK_KIND_NO_LLM, Stage.STAGE_KEY_FRAME, why
                    + ": the sampled frame where the detector is most confident");
            events.note(KeyFrame.newBuilder().setFrameIndex(best.getFrameIndex()).setWindowIndex(bestWindow.index())
                    .addAllShownFrames(bestWindow.frames()).setFallback(f).build());
            events.note(best);
            chosen = List.of(events.note(Verdicts.bestBox(best, Verdicts.fallback(FallbackKind.FALLBACK_KIND_NO_LLM,
                    Stage.STAGE_KEY_BOX, why + ": the detector's best box"))));
        }
        return outcome(chosen, SelectionPath.SELECTION_PATH_BASELINE);
    }

    // ---- shared ---------------------------------------------------------------------------------

    /**
     * No pivot gave a box: frame 0 and the detector's best box at the looser thresholds (method.md §7);
     * where frame 0 has none even then, the first sampled frame that has one. A box is only taken when it
     * scores at least {@code refseg.selection.last-resort-min-score}: below it the looser thresholds find
     * any cell of any frame, an object the referent does not name, so the referent is reported not found
     * instead (with the best score seen). Floor 0 is the reference's behaviour.
     */
    private List<KeyBox> lastResort(List<Window> windows) {
        FallbackKind kind = events.fallbacks().stream().filter(f -> f.getStage() == Stage.STAGE_KEY_BOX).map(Fallback::getKind)
                .findFirst().orElse(FallbackKind.FALLBACK_KIND_NO_CANDIDATES);
        List<Integer> order = new ArrayList<>(List.of(0));
        windows.forEach(w -> w.frames().stream().filter(f -> f != 0).forEach(order::add));
        String thresholds = params.fallbackBoxThreshold() + "/" + params.fallbackTextThreshold();
        String floor = SelectionParams.KEY_LAST_RESORT_MIN_SCORE + " = " + params.lastResortMinScore();
        Candidate bestSeen = null;
        int bestSeenFrame = -1;
        for (int f : order) {
            stopIfCancelled(); // one detector run per frame: a call ending meanwhile stops here
            Candidates c = detect(f, params.fallbackBoxThreshold(), params.fallbackTextThreshold(), 1);
            if (c.getCandidatesCount() == 0) {
                continue;
            }
            Candidate best = c.getCandidates(0);
            if (best.getScore() >= params.lastResortMinScore()) {
                events.note(c);
                return List.of(events.note(Verdicts.bestBox(c, Verdicts.fallback(kind, Stage.STAGE_KEY_BOX,
                        "no pivot gave a box; frame " + f + " and the detector's best box at thresholds " + thresholds
                                + " (score " + best.getScore() + ", at least " + floor + ") are used"))));
            }
            if (bestSeen == null || best.getScore() > bestSeen.getScore()) {
                bestSeen = best;
                bestSeenFrame = f;
            }
        }
        String why = bestSeen == null
                ? "the detector finds nothing for the referent on any sampled frame, even at the looser thresholds "
                        + thresholds
                : "even at the looser thresholds " + thresholds + " the detector's best box on any sampled frame scores "
                        + bestSeen.getScore() + " (frame " + bestSeenFrame + "), below " + floor;
        events.note(KeyBox.newBuilder().setFallback(Verdicts.fallback(FallbackKind.FALLBACK_KIND_NO_CANDIDATES,
                Stage.STAGE_KEY_BOX, why + "; the referent is not found and no object is tracked")).build());
        return List.of();
    }

    /**
     * The tracker's prompts. One box per pivot: every pivot conditions object 1 (the reference's
     * behaviour) and tracking starts from the middle one. Several boxes on a pivot ("the two dogs"):
     * each box is its own object, taken from the middle pivot with that many boxes, since boxes on
     * different pivots cannot be matched to each other without tracking.
     */
    private Outcome outcome(List<KeyBox> chosen, SelectionPath path) {
        int objects = chosen.stream().mapToInt(KeyBox::getBoxesCount).max().orElse(0);
        List<TrackPrompt> prompts = new ArrayList<>();
        int start = 0;
        if (objects == 1) {
            for (KeyBox k : chosen) {
                prompts.add(TrackPrompt.newBuilder().setObjectId(1).setFrameIndex(k.getFrameIndex())
                        .setBox(k.getBoxes(0)).build());
            }
            start = chosen.get(chosen.size() / 2).getFrameIndex();
        } else if (objects > 1) {
            List<KeyBox> full = chosen.stream().filter(k -> k.getBoxesCount() == objects).toList();
            KeyBox middle = full.get(full.size() / 2);
            for (KeyBox k : chosen) {
                if (k != middle) {
                    events.adjustments().add(Adjustments.skipped(Stage.STAGE_KEY_BOX, "frame " + k.getFrameIndex() + " boxes",
                            "the " + k.getBoxesCount() + " box(es) chosen on frame " + k.getFrameIndex()
                                    + " do not seed the objects: the " + objects + " objects are seeded from frame "
                                    + middle.getFrameIndex() + " alone (boxes on different pivots cannot be matched "
                                    + "to each other before tracking)", k.getBoxesCount(), 0, ""));
                }
            }
            for (int i = 0; i < objects; i++) {
                prompts.add(TrackPrompt.newBuilder().setObjectId(i + 1).setFrameIndex(middle.getFrameIndex())
                        .setBox(middle.getBoxes(i)).build());
            }
            start = middle.getFrameIndex();
        }
        return new Outcome(prompts, start, objects, path, List.copyOf(events.fallbacks()), List.copyOf(timings),
                List.copyOf(events.adjustments()), objects == 0, m -> m);
    }

    private Candidates candidates(int frame, float box, float text) {
        return detections.computeIfAbsent(frame, f -> detect(f, box, text, params.maxCandidates()));
    }

    private Candidates detect(int frame, float box, float text, int max) {
        long t0 = System.nanoTime();
        try {
            return media.detect(Detect.newBuilder().setFrameIndex(frame).setCaption(referent).setBoxThreshold(box)
                    .setTextThreshold(text).setMaxCandidates(max).build());
        } finally {
            detectNanos += System.nanoTime() - t0;
        }
    }





    private void timing(Stage stage, long t0) {
        timings.add(StageTiming.newBuilder().setStage(stage).setMillis((System.nanoTime() - t0) / 1e6).build());
    }

    private CompletableFuture<String> track(CompletableFuture<String> f) {
        return questions.track(f);
    }

    private void await(CompletableFuture<String> f, BooleanSupplier idleWork) {
        CallWaits.await(f, idleWork, cancelled);
    }

    private void stopIfCancelled() {
        CallWaits.stopIfCancelled(cancelled);
    }

    /**
     * Abandons the questions still unanswered (the client left, the call failed): their requests are
     * aborted and their LLM slots freed at once.
     */
    @Override
    public void close() {
        questions.cancelAll();
    }
}
