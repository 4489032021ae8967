package dev.refseg.segment;

import dev.refseg.inference.MediaSession;
import dev.refseg.keyselect.AnswerParser;
import dev.refseg.keyselect.Verdicts;
import dev.refseg.lbru.SoundingMasks;
import dev.refseg.lbru.SoundingTimes;
import dev.refseg.llm.AskedQuestions;
import dev.refseg.llm.GuardedLlm;
import dev.refseg.llm.SelectionLlm;
import dev.refseg.v1.Candidate;
import dev.refseg.v1.Candidates;
import dev.refseg.v1.FallbackKind;
import dev.refseg.v1.IntakeUpdate;
import dev.refseg.v1.KeyBox;
import dev.refseg.v1.KeyFrame;
import dev.refseg.v1.Referent;
import dev.refseg.v1.RenderTile;
import dev.refseg.v1.SegmentResponse;
import dev.refseg.v1.SelectionPath;
import dev.refseg.v1.Stage;
import dev.refseg.v1.StageTiming;
import dev.refseg.v1.TrackPrompt;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * An audio referent, offline (method.md §1.2): once the input is complete, {@link Lbru} names the
 * sounding objects with a pivot each; for each, GroundingDINO with the object's name as caption (AVS
 * thresholds, §4) gives candidates on its pivot, the sounding-box question picks the one making the
 * sound when there are two or more (§5.2), and every object is tracked from its own pivot in one
 * tracking pass (each its own object id). Who sounds when comes from the tagger's windows
 * ({@link SoundingTimes}); {@link SoundingMasks} empties a silent object's mask and sends the union.
 * <p>
 * Fixes over the reference: a pivot without candidates moves to the shown frame where the detector is
 * most confident instead of giving an all-zero mask; no answer is read as box 1 without a flag.
 */
public final class AudioSelection implements Selection {
    private final AudioParams params;
    private final MediaSession media;
    private final SelectionLlm llm;
    private final Consumer<SegmentResponse> emit;
    private final SelectionEvents events;
    private final BooleanSupplier cancelled;
    private final AskedQuestions questions;
    private final boolean includePng;
    private final List<StageTiming> timings = new ArrayList<>();
    /** Online mode: the live audio (LBRU on the first window, who sounds when as the audio comes); null offline. */
    private final LiveAudio live;
    private CategoryDetections detections;

    /** One object on its way to a prompt. */
    private record Pending(int objectId, Lbru.Category category, KeyFrame keyFrame, Candidates candidates,
            CompletableFuture<String> reply) {
    }

    public AudioSelection(AudioParams params, MediaSession media, SelectionLlm llm, Consumer<SegmentResponse> emit,
            BooleanSupplier cancelled, AskedQuestions questions, boolean includePng) {
        this(params, media, llm, emit, cancelled, questions, includePng, null);
    }

    /**
     * Online mode: the selection runs on the first window (its frames and the audio that came with them,
     * from {@code live}), and the outcome's masks decide who sounds as the audio keeps coming.
     */
    public AudioSelection(AudioParams params, MediaSession media, SelectionLlm llm, Consumer<SegmentResponse> emit,
            BooleanSupplier cancelled, AskedQuestions questions, boolean includePng, LiveAudio live) {
        this.live = live;
        this.params = params;
        this.media = media;
        this.llm = llm;
        this.emit = emit;
        this.events = new SelectionEvents(emit);
        this.cancelled = cancelled;
        this.questions = questions;
        this.includePng = includePng;
    }

    @Override
    public void onFramesDecoded(int frames) {
        // LBRU needs the whole audio track, which is complete only at the end of the input.
    }

    @Override
    public Outcome finish(int numFrames) {
        List<Integer> shown = AudioParams.spread(numFrames, params.framesShown());
        detections = new CategoryDetections(media, params.boxThreshold(), params.textThreshold(), params.maxCandidates());
        Lbru.Result lbru = Lbru.run(media, live == null ? media::tagAudio : r -> live.firstWindow(r, lastFrameSeconds(numFrames)),
                shown, params, llm, questions, cancelled);
        events.fallbacks().addAll(lbru.fallbacks());
        events.adjustments().addAll(lbru.adjustments());
        timings.addAll(lbru.timings());
        SoundingTimes times = new SoundingTimes(lbru.tags().getWindowsList(), params.soundingThreshold());
        List<boolean[]> active = new ArrayList<>();
        for (int i = 0; i < lbru.categories().size(); i++) {
            Lbru.Category c = lbru.categories().get(i);
            boolean[] on = times.active(c.labelNames());
            active.add(on);
            Referent.Builder r = Referent.newBuilder().setText(c.text()).addAllLabels(c.labels())
                    .setFrameIndex(c.frameIndex()).setReasoning(c.reasoning()).setObjectId(i + 1)
                    .addAllSounding(times.spans(on));
            if (c.fallback() != null) {
                r.setFallback(c.fallback());
            }
            emit.accept(SegmentResponse.newBuilder().setReferent(r).build());
        }

        long t0 = System.nanoTime();
        List<Pending> pending = new ArrayList<>();
        for (int i = 0; i < lbru.categories().size(); i++) {
            CallWaits.stopIfCancelled(cancelled);
            // Online, live tracking starts from one frame: every object is seeded on the first one's pivot.
            int pinned = live != null && i > 0 ? pending.get(0).keyFrame().getFrameIndex() : -1;
            pending.add(pinned < 0 ? prepare(i + 1, lbru.categories().get(i), shown)
                    : prepareOn(pinned, i + 1, lbru.categories().get(i), shown));
        }
        timings.add(StageTiming.newBuilder().setStage(Stage.STAGE_CANDIDATES).setMillis(detections.nanos() / 1e6).build());
        List<TrackPrompt> prompts = new ArrayList<>();
        List<SoundingMasks.Source> sources = new ArrayList<>();
        for (Pending p : pending) {
            KeyBox box = keyBox(p);
            if (box == null) {
                continue;
            }
            prompts.add(TrackPrompt.newBuilder().setObjectId(p.objectId()).setFrameIndex(box.getFrameIndex())
                    .setBox(box.getBoxes(0)).build());
            sources.add(new SoundingMasks.Source(p.objectId(), p.category().text(), active.get(p.objectId() - 1)));
        }
        timings.add(StageTiming.newBuilder().setStage(Stage.STAGE_KEY_BOX)
                .setMillis((System.nanoTime() - t0 - detections.nanos()) / 1e6).build());
        int start = prompts.stream().mapToInt(TrackPrompt::getFrameIndex).min().orElse(0);
        IntakeUpdate status = media.status();
        java.util.function.UnaryOperator<dev.refseg.v1.MaskFrame> masks;
        if (live != null) {
            live.seed(sources.stream().map(s -> new LiveAudio.Sounding(s.objectId(), s.category(),
                    lbru.categories().get(s.objectId() - 1).labelNames())).toList(), status.getAudioStartUs(),
                    status.getWidth(), status.getHeight(), includePng);
            masks = live::apply;
        } else {
            masks = new SoundingMasks(sources, times, status.getAudioStartUs(), status.getWidth(), status.getHeight(),
                    includePng)::apply;
        }
        SelectionPath path = lbru.path();
        return new Outcome(prompts, start, prompts.size(), path, List.copyOf(events.fallbacks()), List.copyOf(timings),
                List.copyOf(events.adjustments()), prompts.isEmpty(), masks);
    }

    /**
     * Online: the time of the first window's last frame from the start of the audio (AudioChunks start at
     * frame 0); the session's frame rate is the frames' own (from their timestamps) or the call's.
     */
    private double lastFrameSeconds(int numFrames) {
        double fps = media.status().getFps();
        return fps > 0 ? (numFrames - 1) / fps : 0;
    }

    /**
     * The object's pivot and candidates (events KeyFrame, Candidates) and, when there are two or more
     * candidates and an LLM, the sounding-box question.
     */
    private Pending prepare(int objectId, Lbru.Category c, List<Integer> shown) {
        KeyFrame.Builder k = KeyFrame.newBuilder().setWindowIndex(0).addAllShownFrames(shown);
        int pivot = c.frameIndex();
        Candidates found = pivot >= 0 ? detections.on(pivot, c.text()) : null;
        if (found == null || found.getCandidatesCount() == 0) {
            Candidates best = detections.mostConfident(c.text(), shown);
            String why = pivot >= 0 ? "the detector finds no \"" + c.text() + "\" on frame " + pivot + ", the LLM's choice"
                    : c.fallback() != null ? "no LLM chose a frame for \"" + c.text() + "\" (its name comes from the "
                            + "label->object table)"
                    : "the LLM gave no usable frame for \"" + c.text() + "\" (" + c.frameNote() + ")";
            FallbackKind kind = pivot >= 0 ? FallbackKind.FALLBACK_KIND_NO_CANDIDATES
                    : c.fallback() != null ? c.fallback().getKind() : FallbackKind.FALLBACK_KIND_LLM_UNPARSABLE;
            if (best != null) {
                pivot = best.getFrameIndex();
                found = best;
                k.setFallback(Verdicts.fallback(kind, Stage.STAGE_KEY_FRAME, why + "; frame " + pivot
                        + ", the shown frame where the detector is most confident in it, is the pivot"));
            } else {
                pivot = pivot >= 0 ? pivot : shown.get(shown.size() / 2);
                found = detections.on(pivot, c.text());
                k.setFallback(Verdicts.fallback(kind, Stage.STAGE_KEY_FRAME, why + "; the detector finds it on none of "
                        + "the shown frames " + shown + " either"));
            }
        }
        return ask(objectId, c, shown, events.note(k.setFrameIndex(pivot).build()), events.note(found));
    }

    /** With two or more candidates and an LLM, asks the sounding-box question. */
    private Pending ask(int objectId, Lbru.Category c, List<Integer> shown, KeyFrame keyFrame, Candidates candidates) {
        int pivot = keyFrame.getFrameIndex();
        CompletableFuture<String> reply = null;
        if (candidates.getCandidatesCount() >= 2 && params.useLlm()) {
            RenderTile.Builder tile = RenderTile.newBuilder().addAllFrameIndices(shown).setPivotFrameIndex(pivot);
            candidates.getCandidatesList().forEach(cand -> tile.addBoxes(cand.getBox()));
            byte[] jpeg = media.drawBoxes(tile.build()).getJpeg().toByteArray();
            reply = questions.track(llm.askSoundingBox(c.text(), shown.size(), shown.indexOf(pivot) + 1,
                    candidates.getCandidatesCount(), jpeg));
        }
        return new Pending(objectId, c, keyFrame, candidates, reply);
    }

    /**
     * Online: the object's candidates on {@code pivot}, the frame the first object is seeded on (live
     * tracking seeds every object on one frame); none there, and the object is not segmented.
     */
    private Pending prepareOn(int pivot, int objectId, Lbru.Category c, List<Integer> shown) {
        KeyFrame.Builder k = KeyFrame.newBuilder().setWindowIndex(0).addAllShownFrames(shown).setFrameIndex(pivot);
        if (c.frameIndex() >= 0 && c.frameIndex() != pivot) {
            events.adjustments().add(dev.refseg.keyselect.Adjustments.skipped(Stage.STAGE_KEY_FRAME, "object " + objectId
                    + "'s frame", "online mode seeds every object on one frame: \"" + c.text() + "\" is looked for on "
                    + "frame " + pivot + ", object 1's pivot, not on frame " + c.frameIndex() + ", the LLM's choice",
                    1, 0, "MODE_ONLINE"));
        }
        return ask(objectId, c, shown, events.note(k.build()), events.note(detections.on(pivot, c.text())));
    }

    /** The sounding object's box on its pivot (event KeyBox), or null when there is none to track. */
    private KeyBox keyBox(Pending p) {
        Candidates c = p.candidates();
        String name = "\"" + p.category().text() + "\"";
        if (c.getCandidatesCount() == 0) {
            events.note(KeyBox.newBuilder().setFrameIndex(c.getFrameIndex()).setFallback(Verdicts.fallback(
                    FallbackKind.FALLBACK_KIND_NO_CANDIDATES, Stage.STAGE_KEY_BOX, "the detector finds no " + name
                            + " above thresholds " + params.boxThreshold() + "/" + params.textThreshold()
                            + " on any shown frame; object " + p.objectId() + " is not segmented")).build());
            return null;
        }
        if (c.getCandidatesCount() == 1) {
            return events.note(KeyBox.newBuilder().setFrameIndex(c.getFrameIndex()).addCandidateIndices(0)
                    .addBoxes(c.getCandidates(0).getBox()).build());
        }
        if (p.reply() == null) {
            String why = llm.configured() ? "the LLM is disabled for this call (options.disable_llm)"
                    : "no LLM is configured (refseg.llm.base-url)";
            return events.note(Verdicts.bestBox(c, Verdicts.fallback(FallbackKind.FALLBACK_KIND_NO_LLM, Stage.STAGE_KEY_BOX,
                    why + ": the detector's best " + name + " box is taken as the sounding one")));
        }
        CallWaits.await(p.reply(), () -> false, cancelled);
        String text = GuardedLlm.textOf(p.reply());
        if (text == null) {
            return events.note(Verdicts.bestBox(c, Verdicts.fallback(FallbackKind.FALLBACK_KIND_LLM_ERROR, Stage.STAGE_KEY_BOX,
                    GuardedLlm.failureOf(p.reply()) + "; the detector's best " + name + " box is used")));
        }
        AnswerParser.Answer a = AnswerParser.parse(text, 1, c.getCandidatesCount(), true);
        KeyBox.Builder k = KeyBox.newBuilder().setFrameIndex(c.getFrameIndex());
        if (!params.omitReasoning()) {
            k.setReasoning(text);
        }
        switch (a.kind()) {
            case OK -> {
                Candidate chosen = c.getCandidates(a.value() - 1);
                return events.note(k.addCandidateIndices(a.value() - 1).addBoxes(chosen.getBox()).build());
            }
            case NO_MATCH -> k.setFallback(Verdicts.fallback(FallbackKind.FALLBACK_KIND_LLM_NO_MATCH, Stage.STAGE_KEY_BOX,
                    "the LLM judged none of the " + name + " boxes to be making the sound; the audio says one is, so "
                            + "the detector's best box is used"));
            default -> k.setFallback(Verdicts.fallback(FallbackKind.FALLBACK_KIND_LLM_UNPARSABLE, Stage.STAGE_KEY_BOX,
                    a.detail() + "; the detector's best " + name + " box is used"));
        }
        return events.note(k.addCandidateIndices(0).addBoxes(c.getCandidates(0).getBox()).build());
    }




    @Override
    public void close() {
        questions.cancelAll();
    }
}
