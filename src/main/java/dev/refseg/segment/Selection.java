package dev.refseg.segment;

import dev.refseg.v1.Adjustment;
import dev.refseg.v1.Fallback;
import dev.refseg.v1.MaskFrame;
import dev.refseg.v1.SelectionPath;
import dev.refseg.v1.StageTiming;
import dev.refseg.v1.TrackPrompt;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * How a Segment call finds the objects to track from its referent: {@link TextSelection} (GPT-PS on a
 * sentence) or {@link AudioSelection} (LBRU, then GPT-PS per sounding object). Calls come from the
 * session's thread.
 */
public interface Selection extends AutoCloseable {
    /**
     * What the tracker is told, and how it was decided.
     *
     * @param adjustments everything shortened, skipped or clamped on the way, in order
     * @param notFound    frames were searched and nothing matched the referent: no object is tracked
     * @param masks       what each tracked frame's masks become before they are sent (audio: categories,
     *                    silences and the sounding union); identity for text
     */
    record Outcome(List<TrackPrompt> prompts, int startFrame, int objects, SelectionPath path, List<Fallback> fallbacks,
            List<StageTiming> timings, List<Adjustment> adjustments, boolean notFound, UnaryOperator<MaskFrame> masks) {
    }

    /** Intake has decoded {@code frames} frames (work may start before the input is complete). */
    void onFramesDecoded(int frames);

    /** The input is complete with {@code numFrames} frames: finish the selection. */
    Outcome finish(int numFrames);

    /** Abandons unanswered LLM questions. */
    @Override
    void close();
}
