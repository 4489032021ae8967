package dev.refseg.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.refseg.mask.BinaryMask;
import dev.refseg.mask.PixelBox;
import java.util.List;
import org.junit.jupiter.api.Test;

/** J, F and the AVS metrics against values worked out by hand. */
class MetricsTest {
    static BinaryMask rect(int h, int w, int x1, int y1, int x2, int y2) {
        return new PixelBox(x1, y1, x2, y2).toMask(h, w);
    }

    @Test
    void jaccard() {
        // 4x4 squares offset by 2 columns: intersection 2x4 = 8, union 24.
        assertEquals(8.0 / 24, RegionJ.of(rect(10, 10, 0, 0, 4, 4), rect(10, 10, 2, 0, 6, 4)), 1e-12);
        assertEquals(1.0, RegionJ.of(BinaryMask.empty(5, 5), BinaryMask.empty(5, 5)));
        assertEquals(0.0, RegionJ.of(BinaryMask.empty(5, 5), rect(5, 5, 2, 2, 3, 3)));
        assertEquals(1.0, RegionJ.of(rect(5, 5, 2, 2, 3, 3), rect(5, 5, 2, 2, 3, 3)));
    }

    @Test
    void boundaryMapFollowsDavis() {
        // A single pixel at (1,1) of a 3x3 mask: boundary where a pixel differs from E, S or SE neighbour.
        boolean[] b = BoundaryF.boundary(rect(3, 3, 1, 1, 2, 2));
        // (0,0): SE is set -> boundary; (0,1): S set -> boundary; (1,0): E set -> boundary; (1,1) itself.
        boolean[] expected = {true, true, false, true, true, false, false, false, false};
        for (int i = 0; i < 9; i++) {
            assertEquals(expected[i], b[i], "pixel " + i);
        }
    }

    @Test
    void boundaryFConventionsAndTolerance() {
        BinaryMask empty = BinaryMask.empty(20, 20);
        BinaryMask dot = rect(20, 20, 10, 10, 11, 11);
        assertEquals(1.0, BoundaryF.of(empty, empty));          // P = R = 1
        assertEquals(0.0, BoundaryF.of(empty, dot));            // P = 1, R = 0
        assertEquals(0.0, BoundaryF.of(dot, empty));            // P = 0, R = 1
        assertEquals(1.0, BoundaryF.of(dot, dot));
        // 20x20: tolerance ceil(0.008 * 28.28) = 1 pixel. A 1-pixel object one pixel away still matches
        // fully; three pixels away not at all.
        assertEquals(1.0, BoundaryF.of(rect(20, 20, 11, 10, 12, 11), dot));
        assertEquals(0.0, BoundaryF.of(rect(20, 20, 13, 10, 14, 11), dot));
    }

    @Test
    void jAndFOfASequence() {
        BinaryMask a = rect(10, 10, 0, 0, 4, 4);
        JandF s = JandF.of(List.of(a, BinaryMask.empty(10, 10)), List.of(a, BinaryMask.empty(10, 10)));
        assertEquals(1.0, s.jMean());
        assertEquals(1.0, s.fMean());
        JandF half = JandF.of(List.of(a, BinaryMask.empty(10, 10)), List.of(a, a));
        assertEquals(0.5, half.jMean());
        assertEquals(0.5, half.fMean());
        assertEquals(0.5, half.jf());
        assertEquals(0.75, JandF.meanJf(List.of(s, half)));
    }

    @Test
    void avsMiouScoresEmptyTruthOnTheBackground() {
        BinaryMask t = rect(10, 10, 0, 0, 5, 10);      // 50 pixels
        BinaryMask p = rect(10, 10, 0, 0, 10, 5);      // 50 pixels, overlap 25, union 75
        BinaryMask empty = BinaryMask.empty(10, 10);
        BinaryMask one = rect(10, 10, 0, 0, 1, 1);
        // Frame 1: 25/75; frame 2 (empty truth, 1 false-positive pixel): background IoU 99/100.
        double miou = AvsMetrics.meanIou(List.of(p, one), List.of(t, empty));
        assertEquals((25.0 / 75 + 99.0 / 100) / 2, miou, 1e-6);
    }

    @Test
    void avsFScoreWithBeta2() {
        BinaryMask t = rect(10, 10, 0, 0, 5, 10);
        BinaryMask p = rect(10, 10, 0, 0, 10, 5);
        // Binary prediction: threshold 0 predicts everything (P = 0.5, R = 1), the others the mask (P = R = 0.5).
        double fAll = 1.3 * 0.5 * 1 / (0.3 * 0.5 + 1);
        double fMask = 1.3 * 0.5 * 0.5 / (0.3 * 0.5 + 0.5);
        assertEquals(Math.max(fAll, fMask), AvsMetrics.fScore(List.of(p), List.of(t)), 1e-6);
        // A frame with empty truth adds F = 0 to the average.
        assertEquals(Math.max(fAll, fMask) / 2,
                AvsMetrics.fScore(List.of(p, p), List.of(t, BinaryMask.empty(10, 10))), 1e-6);
        // Perfect single-pixel object.
        BinaryMask px = rect(10, 10, 3, 3, 4, 4);
        assertEquals(1.0, AvsMetrics.fScore(List.of(px), List.of(px)), 1e-6);
    }
}
