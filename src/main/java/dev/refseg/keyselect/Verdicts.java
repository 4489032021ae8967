package dev.refseg.keyselect;

import dev.refseg.v1.Candidates;
import dev.refseg.v1.Fallback;
import dev.refseg.v1.FallbackKind;
import dev.refseg.v1.KeyBox;
import dev.refseg.v1.KeyFrame;
import dev.refseg.v1.Stage;
import java.util.List;

/**
 * Turns what the LLM said (or why it said nothing) into the KeyFrame / KeyBox the client sees. A
 * failed or unreadable answer never becomes a guess: the documented fallback is applied and flagged.
 */
public final class Verdicts {
    private Verdicts() {
    }

    public static Fallback fallback(FallbackKind kind, Stage stage, String reason) {
        return Fallback.newBuilder().setKind(kind).setStage(stage).setReason(reason).build();
    }

    /**
     * The pivot of one window. A failed or unreadable answer falls back to the window's first frame
     * (method.md §7), flagged; the key-box step then still checks that frame for the referent.
     *
     * @param reply   the LLM's text, or null when the call failed
     * @param failure why the call failed (when reply is null)
     */
    public static KeyFrame keyFrame(Windows.Window w, String reply, String failure, boolean omitReasoning) {
        KeyFrame.Builder k = KeyFrame.newBuilder().setWindowIndex(w.index()).addAllShownFrames(w.frames());
        if (reply == null) {
            return k.setFrameIndex(w.frames().get(0)).setFallback(fallback(FallbackKind.FALLBACK_KIND_LLM_ERROR,
                    Stage.STAGE_KEY_FRAME, failure + "; the window's first frame is used")).build();
        }
        if (!omitReasoning) {
            k.setReasoning(reply);
        }
        AnswerParser.Answer a = AnswerParser.parse(reply, 1, w.frames().size(), false);
        if (a.kind() != AnswerParser.Kind.OK) {
            return k.setFrameIndex(w.frames().get(0)).setFallback(fallback(FallbackKind.FALLBACK_KIND_LLM_UNPARSABLE,
                    Stage.STAGE_KEY_FRAME, a.detail() + "; the window's first frame is used")).build();
        }
        return k.setFrameIndex(w.frameFor(a.value())).build();
    }

    /** The pivot of a window whose one frame leaves nothing to choose (no LLM call). */
    public static KeyFrame onlyFrame(Windows.Window w) {
        return KeyFrame.newBuilder().setWindowIndex(w.index()).addAllShownFrames(w.frames())
                .setFrameIndex(w.frames().get(0)).setFallback(fallback(FallbackKind.FALLBACK_KIND_SHORT_VIDEO,
                        Stage.STAGE_KEY_FRAME, "the window holds one frame; it is the pivot without asking the LLM"))
                .build();
    }

    /** A pivot with no candidate: skipped without asking the LLM. */
    public static KeyBox noCandidates(int frame) {
        return KeyBox.newBuilder().setFrameIndex(frame).setFallback(fallback(FallbackKind.FALLBACK_KIND_NO_CANDIDATES,
                Stage.STAGE_KEY_BOX, "the detector found no candidate on frame " + frame + "; pivot skipped")).build();
    }

    /**
     * The box(es) on a pivot. Several numbers are several objects ("the two dogs"), at most
     * {@code maxObjects}, in the order the LLM gave them (more are cut and the cut reported in the
     * KeyBox's adjustments); [-1], an error or an unreadable answer leave the pivot without a box, flagged.
     *
     * @param maxObjectsSetting where {@code maxObjects} comes from, with its value, for the report
     */
    public static KeyBox keyBox(Candidates c, String reply, String failure, int maxObjects, String maxObjectsSetting,
            boolean omitReasoning) {
        KeyBox.Builder k = KeyBox.newBuilder().setFrameIndex(c.getFrameIndex());
        if (reply == null) {
            return k.setFallback(fallback(FallbackKind.FALLBACK_KIND_LLM_ERROR, Stage.STAGE_KEY_BOX,
                    failure + "; pivot skipped")).build();
        }
        if (!omitReasoning) {
            k.setReasoning(reply);
        }
        AnswerParser.Choices a = AnswerParser.parseChoices(reply, 1, c.getCandidatesCount());
        switch (a.kind()) {
            case NO_MATCH -> {
                return k.setFallback(fallback(FallbackKind.FALLBACK_KIND_LLM_NO_MATCH, Stage.STAGE_KEY_BOX,
                        "the LLM found no box matching the referent on frame " + c.getFrameIndex())).build();
            }
            case OK -> {
                List<Integer> chosen = a.values().subList(0, Math.min(a.values().size(), Math.max(1, maxObjects)));
                for (int v : chosen) {
                    k.addCandidateIndices(v - 1).addBoxes(c.getCandidates(v - 1).getBox());
                }
                if (chosen.size() < a.values().size()) {
                    k.addAdjustments(Adjustments.truncated(Stage.STAGE_KEY_BOX, "boxes", "the LLM chose "
                            + a.values().size() + " boxes " + a.values() + " on frame " + c.getFrameIndex() + "; the first "
                            + chosen.size() + " are tracked", a.values().size(), chosen.size(), maxObjectsSetting));
                }
                return k.build();
            }
            default -> {
                return k.setFallback(fallback(FallbackKind.FALLBACK_KIND_LLM_UNPARSABLE, Stage.STAGE_KEY_BOX,
                        a.detail() + "; pivot skipped")).build();
            }
        }
    }

    /** The detector's best box, chosen without the LLM (baseline or last resort), flagged with {@code why}. */
    public static KeyBox bestBox(Candidates c, Fallback why) {
        KeyBox.Builder k = KeyBox.newBuilder().setFrameIndex(c.getFrameIndex()).setFallback(why);
        if (c.getCandidatesCount() > 0) {
            k.addCandidateIndices(0).addBoxes(c.getCandidates(0).getBox());
        }
        return k.build();
    }
}
