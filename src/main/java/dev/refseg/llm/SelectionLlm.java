package dev.refseg.llm;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The GPT-PS questions (key frame, key box) and, for audio referents, the LBRU question (asked with the
 * key-frame model) and the sounding-box question (the key-box model), each with its model and image
 * detail level.
 * {@link #configured()} is false when no endpoint is set: callers then take the training-free baseline.
 */
public final class SelectionLlm implements AutoCloseable {
    /** Model and image detail level of one step. */
    public record StepModel(String model, String detail) {
    }

    private final GuardedLlm llm;
    private final StepModel keyFrame;
    private final StepModel keyBox;

    /** @param llm null when no LLM is configured */
    public SelectionLlm(GuardedLlm llm, StepModel keyFrame, StepModel keyBox) {
        this.llm = llm;
        this.keyFrame = keyFrame;
        this.keyBox = keyBox;
    }

    public static SelectionLlm none() {
        return new SelectionLlm(null, null, null);
    }

    public boolean configured() {
        return llm != null;
    }

    /** Most questions one call should have in flight: enough to keep the pool busy, never enough to fill the queue. */
    public int perCallLimit() {
        return llm == null ? 1 : llm.perCallLimit();
    }

    /** Which frame of the numbered tile best shows the referent; the reply text. */
    public CompletableFuture<String> askKeyFrame(String referent, int frames, byte[] tileJpeg) {
        return guarded().ask("key_frame", keyFrame.model(), keyFrame.detail(), Prompts.keyFrame(referent, frames),
                tileJpeg);
    }

    /** Which of the numbered boxes drawn on frame {@code pivotNumber} hold the referent; the reply text. */
    public CompletableFuture<String> askKeyBox(String referent, int frames, int pivotNumber,
            List<Prompts.Candidate> boxes, byte[] tileJpeg) {
        return guarded().ask("key_box", keyBox.model(), keyBox.detail(),
                Prompts.keyBox(referent, frames, pivotNumber, boxes), tileJpeg);
    }

    /**
     * LBRU: which visible objects make the heard sounds, and on which frame of the tile each is easiest
     * to see; asked with the key-frame step's model. The reply text.
     */
    public CompletableFuture<String> askReferent(List<Prompts.HeardLabel> labels, int frames, int maxObjects,
            byte[] tileJpeg) {
        return guarded().ask("referent", keyFrame.model(), keyFrame.detail(),
                Prompts.referent(labels, frames, maxObjects), tileJpeg);
    }

    /** Which of the {@code boxes} candidates of {@code category} drawn on frame {@code pivotNumber} makes the sound. */
    public CompletableFuture<String> askSoundingBox(String category, int frames, int pivotNumber, int boxes,
            byte[] tileJpeg) {
        return guarded().ask("sounding_box", keyBox.model(), keyBox.detail(),
                Prompts.soundingBox(category, frames, pivotNumber, boxes), tileJpeg);
    }

    private GuardedLlm guarded() {
        if (llm == null) {
            throw new IllegalStateException("no LLM configured (refseg.llm.base-url / refseg.llm.api-key)");
        }
        return llm;
    }

    @Override
    public void close() {
        if (llm != null) {
            llm.close();
        }
    }
}
