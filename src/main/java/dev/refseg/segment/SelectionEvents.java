package dev.refseg.segment;

import dev.refseg.v1.Adjustment;
import dev.refseg.v1.Candidates;
import dev.refseg.v1.Fallback;
import dev.refseg.v1.KeyBox;
import dev.refseg.v1.KeyFrame;
import dev.refseg.v1.SegmentResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * A selection's events on their way to the client, and what the summary keeps of them: every fallback
 * they carry, and every adjustment, named by the frame it is about (the summary has no frame_index).
 * Shared by {@link TextSelection} and {@link AudioSelection}; one call's thread.
 */
final class SelectionEvents {
    private final Consumer<SegmentResponse> emit;
    private final List<Fallback> fallbacks = new ArrayList<>();
    private final List<Adjustment> adjustments = new ArrayList<>();

    SelectionEvents(Consumer<SegmentResponse> emit) {
        this.emit = emit;
    }

    /** Every fallback so far, in order (the live list: selections add their own too). */
    List<Fallback> fallbacks() {
        return fallbacks;
    }

    /** Every adjustment so far, in order (the live list). */
    List<Adjustment> adjustments() {
        return adjustments;
    }

    KeyFrame note(KeyFrame k) {
        if (k.hasFallback()) {
            fallbacks.add(k.getFallback());
        }
        emit.accept(SegmentResponse.newBuilder().setKeyFrame(k).build());
        return k;
    }

    KeyBox note(KeyBox k) {
        if (k.hasFallback()) {
            fallbacks.add(k.getFallback());
        }
        summarise(k.getFrameIndex(), k.getAdjustmentsList());
        emit.accept(SegmentResponse.newBuilder().setKeyBox(k).build());
        return k;
    }

    /** Sends a pivot's candidates; what the detection cut or clamped goes to the summary too. */
    Candidates note(Candidates c) {
        summarise(c.getFrameIndex(), c.getAdjustmentsList());
        emit.accept(SegmentResponse.newBuilder().setCandidates(c).build());
        return c;
    }

    private void summarise(int frame, List<Adjustment> fromEvent) {
        fromEvent.forEach(a -> adjustments.add(a.toBuilder().setSubject("frame " + frame + " " + a.getSubject()).build()));
    }
}
