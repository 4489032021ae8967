package dev.refseg.inference;

import dev.refseg.detect.Detection;
import dev.refseg.keyselect.Adjustments;
import dev.refseg.mask.MaskProtos;
import dev.refseg.v1.Candidate;
import dev.refseg.v1.Candidates;
import dev.refseg.v1.Stage;
import java.util.List;

/**
 * A detection as the Candidates answer: the best {@code max} boxes, and, in its adjustments, how many
 * boxes above the threshold were left out and which kept boxes the detector placed partly outside the
 * frame (clamped), so that neither happens silently.
 */
final class DetectionReport {
    private DetectionReport() {
    }

    /**
     * @param found every detection above {@code boxThreshold}, best first
     * @param max   most candidates kept (at least 1)
     */
    static Candidates of(int frame, List<Detection> found, int max, float boxThreshold, int width, int height) {
        Candidates.Builder out = Candidates.newBuilder().setFrameIndex(frame);
        List<Detection> kept = found.subList(0, Math.min(max, found.size()));
        for (int i = 0; i < kept.size(); i++) {
            Detection d = kept.get(i);
            out.addCandidates(Candidate.newBuilder().setBox(MaskProtos.box(d.box())).setScore(d.score())
                    .setPhrase(d.phrase()));
            if (d.clamped()) {
                out.addAdjustments(Adjustments.clamped(Stage.STAGE_CANDIDATES, "candidates[" + i + "].box",
                        d.predicted(), d.box(), width, height));
            }
        }
        if (found.size() > kept.size()) {
            out.addAdjustments(Adjustments.truncated(Stage.STAGE_CANDIDATES, "candidates",
                    found.size() + " boxes score above the box threshold " + boxThreshold + "; the best " + kept.size()
                            + " are kept", found.size(), kept.size(), "max_candidates = " + max));
        }
        return out.build();
    }
}
