package dev.refseg.llm;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The two GPT-PS questions (key frame, key box), each with its own model and image detail level.
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
