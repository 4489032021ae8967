package dev.refseg.segment;

import dev.refseg.inference.MediaSession;
import dev.refseg.keyselect.Adjustments;
import dev.refseg.keyselect.Verdicts;
import dev.refseg.lbru.ReferentAnswer;
import dev.refseg.llm.AskedQuestions;
import dev.refseg.llm.GuardedLlm;
import dev.refseg.llm.Prompts;
import dev.refseg.llm.SelectionLlm;
import dev.refseg.v1.Adjustment;
import dev.refseg.v1.AudioLabel;
import dev.refseg.v1.AudioLabels;
import dev.refseg.v1.Fallback;
import dev.refseg.v1.FallbackKind;
import dev.refseg.v1.RenderTile;
import dev.refseg.v1.SelectionPath;
import dev.refseg.v1.Stage;
import dev.refseg.v1.StageTiming;
import dev.refseg.v1.TagAudio;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;

/**
 * LBRU (method.md §2): the session's audio is tagged (whole clip and windows), the labels heard are
 * turned into the visible objects making them — by the LLM looking at a tile of frames, or, without
 * one, by the label→object table ({@link AudioLabel#getObject()}) — with the frame where each is easiest
 * to see. Fixes over the reference: a silent clip or an unreadable answer is reported, never read as
 * "no object"; the baseline is documented and flagged; the answer carries which labels each object came
 * from, which is what tells when it sounds.
 */
public final class Lbru {
    /**
     * One sounding object.
     *
     * @param text       the object's name, the detector's caption
     * @param labels     the heard labels it comes from
     * @param frameIndex stream index of the frame where the LLM sees it best, or -1 (baseline, or no usable frame)
     * @param frameNote  why there is no frame when the LLM gave none usable (empty otherwise)
     * @param reasoning  the LLM's reply (empty when omitted or without LLM)
     * @param fallback   set when the object did not come from the LLM's answer
     */
    public record Category(String text, List<AudioLabel> labels, int frameIndex, String frameNote, String reasoning,
            Fallback fallback) {
        public List<String> labelNames() {
            return labels.stream().map(AudioLabel::getName).toList();
        }
    }

    /**
     * @param tags       the tagger's answer (whole clip and windows)
     * @param heard      the whole clip's labels scoring at least min-label-score, most probable first
     * @param categories the sounding objects, most certain first; empty when nothing visible sounds
     */
    public record Result(AudioLabels tags, List<AudioLabel> heard, List<Category> categories, SelectionPath path,
            List<Fallback> fallbacks, List<Adjustment> adjustments, List<StageTiming> timings) {
    }

    private Lbru() {
    }

    /**
     * @param tagging   how the audio is tagged: the whole clip ({@code media::tagAudio}), or online the
     *                  first window's audio ({@link LiveAudio#firstWindow})
     * @param shown     stream indices of the frames shown to the LLM, numbered 1.. in this order
     * @param questions where the LLM question is kept so that an ending call abandons it
     * @throws io.grpc.StatusRuntimeException from tagging (no audio, too short, no tagger) and CANCELLED
     */
    /**
     * The tag_audio request of an audio referent: the clip's top_k labels, and per window every label
     * scoring at least the lower of the sounding threshold and the least label score (who sounds when).
     */
    static TagAudio tagRequest(AudioParams p) {
        float windowFloor = Math.max(1e-4f, Math.min(p.soundingThreshold(), p.minLabelScore()));
        return TagAudio.newBuilder().setTopK(p.topK()).setWindowSeconds(p.windowSeconds())
                .setWindowMinScore(windowFloor).build();
    }

    public static Result run(MediaSession media, java.util.function.Function<TagAudio, AudioLabels> tagging,
            List<Integer> shown, AudioParams p, SelectionLlm llm, AskedQuestions questions, BooleanSupplier cancelled) {
        List<Fallback> fallbacks = new ArrayList<>();
        List<Adjustment> adjustments = new ArrayList<>();
        List<StageTiming> timings = new ArrayList<>();
        long t0 = System.nanoTime();
        AudioLabels tags = tagging.apply(tagRequest(p));
        timings.add(timing(Stage.STAGE_AUDIO_TAGGING, t0));
        List<AudioLabel> heard = tags.getLabelsList().stream().filter(l -> l.getScore() >= p.minLabelScore()).toList();
        SelectionPath path = p.useLlm() ? SelectionPath.SELECTION_PATH_LLM : SelectionPath.SELECTION_PATH_BASELINE;
        if (heard.isEmpty()) {
            String loudest = tags.getLabelsCount() == 0 ? "no label scores above 0"
                    : "the most probable, \"" + tags.getLabels(0).getName() + "\", scores " + score(tags.getLabels(0));
            fallbacks.add(Verdicts.fallback(FallbackKind.FALLBACK_KIND_NO_SOUND, Stage.STAGE_AUDIO_TAGGING,
                    "the tagger hears no sound: no label of the " + seconds(tags.getAudioSeconds())
                            + " of audio scores at least " + p.minLabelScore() + " (refseg.audio.min-label-score); "
                            + loudest + "; nothing is segmented"));
            return new Result(tags, heard, List.of(), path, fallbacks, adjustments, timings);
        }
        long t1 = System.nanoTime();
        List<Category> categories = p.useLlm()
                ? withLlm(media, shown, p, llm, questions, cancelled, heard, fallbacks, adjustments)
                : baseline(heard, p, llm.configured() ? "the LLM is disabled for this call (options.disable_llm)"
                        : "no LLM is configured (refseg.llm.base-url)", FallbackKind.FALLBACK_KIND_NO_LLM, fallbacks,
                        adjustments);
        timings.add(timing(Stage.STAGE_REFERENT, t1));
        return new Result(tags, heard, categories, path, fallbacks, adjustments, timings);
    }

    private static List<Category> withLlm(MediaSession media, List<Integer> shown, AudioParams p, SelectionLlm llm,
            AskedQuestions questions, BooleanSupplier cancelled, List<AudioLabel> heard, List<Fallback> fallbacks,
            List<Adjustment> adjustments) {
        CallWaits.stopIfCancelled(cancelled);
        byte[] tile = media.renderTile(RenderTile.newBuilder().addAllFrameIndices(shown).build()).getJpeg().toByteArray();
        List<Prompts.HeardLabel> listed = heard.stream().map(l -> new Prompts.HeardLabel(l.getName(), l.getScore()))
                .toList();
        CompletableFuture<String> reply = questions.track(llm.askReferent(listed, shown.size(), p.maxObjects(), tile));
        CallWaits.await(reply, () -> false, cancelled);
        String text = GuardedLlm.textOf(reply);
        if (text == null) {
            return baseline(heard, p, "the LLM call failed (" + GuardedLlm.failureOf(reply) + ")",
                    FallbackKind.FALLBACK_KIND_LLM_ERROR, fallbacks, adjustments);
        }
        ReferentAnswer.Parsed a = ReferentAnswer.parse(text, heard.stream().map(AudioLabel::getName).toList(),
                shown.size(), p.maxObjects());
        String reasoning = p.omitReasoning() ? "" : text;
        switch (a.kind()) {
            case UNPARSABLE -> {
                return baseline(heard, p, "the LLM's answer cannot be read (" + a.detail() + ")",
                        FallbackKind.FALLBACK_KIND_LLM_UNPARSABLE, fallbacks, adjustments);
            }
            case NO_MATCH -> {
                fallbacks.add(Verdicts.fallback(FallbackKind.FALLBACK_KIND_LLM_NO_MATCH, Stage.STAGE_REFERENT,
                        "the LLM sees no visible object making the sounds heard (" + names(heard)
                                + "); nothing is segmented"));
                return List.of();
            }
            default -> {
            }
        }
        if (a.truncated() > 0) {
            adjustments.add(Adjustments.truncated(Stage.STAGE_REFERENT, "referents", "the LLM named "
                    + (a.entries().size() + a.truncated()) + " sounding objects; the first " + a.entries().size()
                    + " are segmented", a.entries().size() + a.truncated(), a.entries().size(),
                    "max_objects = " + p.maxObjects()));
        }
        List<Category> out = new ArrayList<>();
        for (ReferentAnswer.Entry e : a.entries()) {
            List<AudioLabel> labels = heard.stream().filter(l -> e.labels().contains(l.getName())).toList();
            int frame = e.frame() == ReferentAnswer.Entry.NO_FRAME ? -1 : shown.get(e.frame() - 1);
            out.add(new Category(e.object(), labels, frame, e.note(), reasoning, null));
        }
        return out;
    }

    /**
     * Without the LLM's answer: each heard label the table maps to an object gives that object, in label
     * order, labels mapping to the same object merged; at most maxObjects, the rest cut and reported.
     */
    private static List<Category> baseline(List<AudioLabel> heard, AudioParams p, String why, FallbackKind kind,
            List<Fallback> fallbacks, List<Adjustment> adjustments) {
        Map<String, List<AudioLabel>> byObject = new LinkedHashMap<>();
        for (AudioLabel l : heard) {
            if (!l.getObject().isBlank()) {
                byObject.computeIfAbsent(l.getObject().strip().toLowerCase(Locale.ROOT), o -> new ArrayList<>()).add(l);
            }
        }
        if (byObject.isEmpty()) {
            fallbacks.add(Verdicts.fallback(FallbackKind.FALLBACK_KIND_NO_SOUND, Stage.STAGE_REFERENT, why
                    + "; the label->object table (audio.label_objects) names no visible object for the labels heard ("
                    + names(heard) + "); nothing is segmented"));
            return List.of();
        }
        List<Category> out = new ArrayList<>();
        for (Map.Entry<String, List<AudioLabel>> e : byObject.entrySet()) {
            if (out.size() == p.maxObjects()) {
                adjustments.add(Adjustments.truncated(Stage.STAGE_REFERENT, "referents", "the label->object table "
                        + "gives " + byObject.size() + " objects for the labels heard; the first " + out.size()
                        + " are segmented", byObject.size(), out.size(), "max_objects = " + p.maxObjects()));
                break;
            }
            Fallback f = Verdicts.fallback(kind, Stage.STAGE_REFERENT, why + ": the label->object table maps "
                    + names(e.getValue()) + " to \"" + e.getKey() + "\"");
            fallbacks.add(f);
            out.add(new Category(e.getKey(), List.copyOf(e.getValue()), -1, "", "", f));
        }
        return out;
    }

    static String names(List<AudioLabel> labels) {
        return String.join(", ", labels.stream().map(l -> "\"" + l.getName() + "\" " + score(l)).toList());
    }

    private static String score(AudioLabel l) {
        return String.format(Locale.ROOT, "%.2f", l.getScore());
    }

    private static String seconds(double s) {
        return String.format(Locale.ROOT, "%.2f s", s);
    }

    private static StageTiming timing(Stage stage, long t0) {
        return StageTiming.newBuilder().setStage(stage).setMillis((System.nanoTime() - t0) / 1e6).build();
    }
}
