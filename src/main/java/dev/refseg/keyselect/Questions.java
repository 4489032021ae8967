package dev.refseg.keyselect;

import dev.refseg.inference.MediaSession;
import dev.refseg.llm.Prompts;
import dev.refseg.llm.SelectionLlm;
import dev.refseg.v1.Candidate;
import dev.refseg.v1.Candidates;
import dev.refseg.v1.RenderTile;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The two GPT-PS questions as Segment and the KeySelection RPCs both ask them: the image is made by the
 * inference side from frames it holds, the prompt from the same numbers the image shows.
 */
public final class Questions {
    private Questions() {
    }

    /** Which of these frames (tiled, numbered 1..n in this order) best shows the referent. */
    public static CompletableFuture<String> keyFrame(SelectionLlm llm, MediaSession media, String referent,
            List<Integer> frames) {
        byte[] tile = media.renderTile(RenderTile.newBuilder().addAllFrameIndices(frames).build()).getJpeg()
                .toByteArray();
        return llm.askKeyFrame(referent, frames.size(), tile);
    }

    /**
     * Which of the candidates, drawn on {@code pivotFrame} in the tile of {@code frames}, hold the
     * referent. The prompt lists each box with its colour, number and the detector's phrase.
     */
    public static CompletableFuture<String> keyBox(SelectionLlm llm, MediaSession media, String referent,
            List<Integer> frames, int pivotFrame, Candidates candidates) {
        RenderTile.Builder tile = RenderTile.newBuilder().addAllFrameIndices(frames).setPivotFrameIndex(pivotFrame);
        List<Prompts.Candidate> listed = new ArrayList<>();
        for (Candidate c : candidates.getCandidatesList()) {
            tile.addBoxes(c.getBox());
            listed.add(new Prompts.Candidate(c.getPhrase(), c.getScore()));
        }
        byte[] jpeg = media.drawBoxes(tile.build()).getJpeg().toByteArray();
        return llm.askKeyBox(referent, frames.size(), frames.indexOf(pivotFrame) + 1, listed, jpeg);
    }

    /** The detections with the most confident best box (the earliest on ties), or null when none found anything. */
    public static Candidates mostConfident(List<Candidates> detections) {
        Candidates best = null;
        for (Candidates c : detections) {
            if (c.getCandidatesCount() > 0
                    && (best == null || c.getCandidates(0).getScore() > best.getCandidates(0).getScore())) {
                best = c;
            }
        }
        return best;
    }
}
