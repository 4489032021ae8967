package dev.refseg.segment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.refseg.inference.MediaSession;
import dev.refseg.llm.SelectionLlm;
import dev.refseg.v1.AudioChunk;
import dev.refseg.v1.Box;
import dev.refseg.v1.Candidate;
import dev.refseg.v1.Candidates;
import dev.refseg.v1.Detect;
import dev.refseg.v1.FallbackKind;
import dev.refseg.v1.Frame;
import dev.refseg.v1.Image;
import dev.refseg.v1.IntakeUpdate;
import dev.refseg.v1.KeyBox;
import dev.refseg.v1.MaskFrame;
import dev.refseg.v1.MediaChunk;
import dev.refseg.v1.Prefetch;
import dev.refseg.v1.PrefetchResult;
import dev.refseg.v1.RenderTile;
import dev.refseg.v1.SegmentResponse;
import dev.refseg.v1.Track;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * The last-resort detection (no pivot gave a box) against a detector that, like GroundingDINO for a
 * referent nothing in the video matches, finds nothing at the candidate threshold and only a weak
 * arbitrary box (score 0.0025, no phrase) at the looser 0.001/0.1: below
 * refseg.selection.last-resort-min-score the referent is not found; with floor 0 the reference's last
 * resort comes back and that box is tracked.
 */
class LastResortTest {
    static final Box CELL = Box.newBuilder().setX1(0).setY1(0).setX2(16).setY2(16).build();

    /** Frames 0..47; the detector's answer depends only on the box threshold asked for. */
    static final class WeakDetector implements MediaSession {
        final List<Detect> asked = new ArrayList<>();

        @Override
        public dev.refseg.v1.AudioLabels tagAudio(dev.refseg.v1.TagAudio request) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Candidates detect(Detect d) {
            asked.add(d);
            Candidates.Builder c = Candidates.newBuilder().setFrameIndex(d.getFrameIndex());
            if (d.getBoxThreshold() < 0.0025f) {
                c.addCandidates(Candidate.newBuilder().setBox(CELL).setScore(0.0025f).setPhrase(""));
            }
            return c.build();
        }

        // ---- not used by the baseline's selection ----
        @Override
        public IntakeUpdate addFrame(Frame frame) {
            throw new UnsupportedOperationException();
        }

        @Override
        public IntakeUpdate addMedia(MediaChunk chunk) {
            throw new UnsupportedOperationException();
        }

        @Override
        public IntakeUpdate addAudio(AudioChunk chunk) {
            throw new UnsupportedOperationException();
        }

        @Override
        public IntakeUpdate endOfInput() {
            throw new UnsupportedOperationException();
        }

        @Override
        public IntakeUpdate status() {
            throw new UnsupportedOperationException();
        }

        @Override
        public Image renderTile(RenderTile request) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Image drawBoxes(RenderTile request) {
            throw new UnsupportedOperationException();
        }

        @Override
        public PrefetchResult prefetch(Prefetch request) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void track(Track request, Consumer<MaskFrame> sink) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void abort() {
        }

        @Override
        public void close() {
        }
    }

    static TextSelection.Outcome select(float floor, List<SegmentResponse> events) {
        SelectionParams params = new SelectionParams(50, 5, 10, 0.25f, 0.2f, 3, 0.001f, 0.1f, 3, false, false, floor);
        return new TextSelection("the purple elephant", params, new WeakDetector(), SelectionLlm.none(), events::add,
                () -> false, new dev.refseg.llm.AskedQuestions()).finish(48);
    }

    static KeyBox lastKeyBox(List<SegmentResponse> events) {
        return events.stream().filter(SegmentResponse::hasKeyBox).reduce((a, b) -> b).orElseThrow().getKeyBox();
    }

    @Test
    void aWeakLastResortBoxBelowTheFloorIsNotTracked() {
        List<SegmentResponse> events = new ArrayList<>();
        TextSelection.Outcome o = select(SelectionParams.DEFAULT_LAST_RESORT_MIN_SCORE, events);
        assertEquals(0, o.objects());
        assertEquals(List.of(), o.prompts());
        assertTrue(o.notFound());
        KeyBox last = lastKeyBox(events);
        assertEquals(0, last.getBoxesCount());
        assertEquals(FallbackKind.FALLBACK_KIND_NO_CANDIDATES, last.getFallback().getKind());
        String why = last.getFallback().getReason();
        assertTrue(why.contains("scores 0.0025 (frame 0), below refseg.selection.last-resort-min-score = 0.1"), why);
        assertTrue(why.contains("not found"), why);
        assertEquals(List.of(), events.stream().filter(SegmentResponse::hasCandidates).toList(),
                "the refused box is not offered as a candidate");
    }

    @Test
    void floorZeroIsTheReferencesLastResort() {
        List<SegmentResponse> events = new ArrayList<>();
        TextSelection.Outcome o = select(0f, events);
        assertEquals(1, o.objects());
        assertFalse(o.notFound());
        assertEquals(0, o.startFrame(), "frame 0 first (method.md §7)");
        assertEquals(CELL, o.prompts().get(0).getBox());
        KeyBox last = lastKeyBox(events);
        assertEquals(List.of(CELL), last.getBoxesList());
        String why = last.getFallback().getReason();
        assertTrue(why.contains("score 0.0025, at least refseg.selection.last-resort-min-score = 0.0"), why);
    }

    @Test
    void aLastResortBoxAboveTheFloorIsTracked() {
        List<SegmentResponse> events = new ArrayList<>();
        TextSelection.Outcome o = select(0.002f, events);
        assertEquals(1, o.objects());
        assertFalse(o.notFound());
    }
}
