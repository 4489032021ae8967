package dev.refseg.sam2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The memory bank's selection, exactly as sam2_base.py orders it (models.md §1.5). */
class MemoryBankTest {
    static MemoryBank.Entry e(int frame) {
        return new MemoryBank.Entry(frame, new float[0], new float[0], true);
    }

    static List<Integer> frames(List<MemoryBank.Entry> l) {
        return l.stream().map(MemoryBank.Entry::frameIdx).toList();
    }

    /** Tracks forward from a prompt on frame 0 to frame t, evicting as the tracker does. */
    static MemoryBank trackedForward(int t) {
        MemoryBank b = new MemoryBank();
        b.addConditioning(e(0));
        for (int f = 1; f < t; f++) {
            b.add(e(f));
            b.evict(f, false, 0);
        }
        return b;
    }

    @Test
    void conditioningFrameIsKeptAndAttendedForTheWholeVideo() {
        MemoryBank b = trackedForward(500);
        MemoryBank.Selection s = b.select(500, false);
        // Conditioning first (temporal index 6), then t-6 .. t-1, oldest first (indices 5 .. 0).
        assertEquals(List.of(0, 494, 495, 496, 497, 498, 499), frames(s.memories()));
        assertArrayEquals(new int[] {6, 5, 4, 3, 2, 1, 0}, s.temporalIndex());
    }

    @Test
    void pointersAreConditioningFirstThenMostRecentFirst() {
        MemoryBank.Selection s = trackedForward(100).select(100, false);
        assertEquals(List.of(0, 99, 98, 97, 96, 95, 94, 93, 92, 91, 90, 89, 88, 87, 86, 85), frames(s.pointers()));
        assertEquals(100f, s.condFrameIdDiff());
    }

    @Test
    void earlyFramesUseWhatExists() {
        MemoryBank.Selection s = trackedForward(3).select(3, false);
        assertEquals(List.of(0, 1, 2), frames(s.memories()));
        assertArrayEquals(new int[] {6, 1, 0}, s.temporalIndex());
        assertEquals(List.of(0, 2, 1), frames(s.pointers()));
    }

    @Test
    void backwardPassReadsTheFramesAfterT() {
        MemoryBank b = new MemoryBank();
        b.addConditioning(e(50));
        for (int f = 51; f < 80; f++) {
            b.add(e(f));
            b.evict(f, false, 50);
        }
        // Starting the backward pass at 49: memories of 51..56 (kept next to the start), nearest last.
        MemoryBank.Selection s = b.select(49, true);
        assertEquals(List.of(50, 55, 54, 53, 52, 51), frames(s.memories()));
        assertArrayEquals(new int[] {6, 5, 4, 3, 2, 1}, s.temporalIndex());
        assertEquals(List.of(50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64), frames(s.pointers()));
        b.add(e(49));
        b.evict(49, true, 50);
        assertEquals(List.of(50, 54, 53, 52, 51, 49), frames(b.select(48, true).memories()));
    }

    @Test
    void memoryStaysBoundedHoweverLongTheVideo() {
        MemoryBank b = trackedForward(5000);
        // What the next frames can read (15 behind) plus the 16 after the start, nothing more.
        assertEquals(MemoryBank.READ_WINDOW - 1 + MemoryBank.READ_WINDOW, b.storedCount());
        assertEquals(1, b.conditioningCount());
    }
}
