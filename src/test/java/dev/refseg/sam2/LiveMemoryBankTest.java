package dev.refseg.sam2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The live-stream side of the memory bank: reading by recency across skipped frames, eviction, the conditioning cap. */
class LiveMemoryBankTest {
    private static MemoryBank.Entry e(int frame) {
        return MemoryBankTest.e(frame);
    }

    @Test
    void withoutSkipsRecentReadsWhatSam2Reads() {
        MemoryBank b = new MemoryBank();
        b.addConditioning(e(0));
        for (int t = 1; t < 30; t++) {
            b.add(e(t));
        }
        MemoryBank.Selection exact = b.select(30, false);
        MemoryBank.Selection recent = b.selectRecent(30, false);
        assertEquals(MemoryBankTest.frames(exact.memories()), MemoryBankTest.frames(recent.memories()));
        assertArrayEquals(exact.temporalIndex(), recent.temporalIndex());
        assertEquals(MemoryBankTest.frames(exact.pointers()), MemoryBankTest.frames(recent.pointers()));
    }

    @Test
    void afterASkipTheLastTrackedFramesAreRead() {
        MemoryBank b = new MemoryBank();
        b.addConditioning(e(0));
        for (int t = 1; t <= 10; t++) {
            b.add(e(t));
        }
        // Frames 11..99 skipped: frame 100 reads 5..10 as its six previous memories, nearest with index 0.
        MemoryBank.Selection s = b.selectRecent(100, false);
        assertEquals(List.of(0, 5, 6, 7, 8, 9, 10), MemoryBankTest.frames(s.memories()));
        assertArrayEquals(new int[] {6, 5, 4, 3, 2, 1, 0}, s.temporalIndex());
        assertEquals(11, s.pointers().size()); // the conditioning frame and the 10 tracked
    }

    @Test
    void evictionKeepsOnlyWhatCanBeReadNext() {
        MemoryBank b = new MemoryBank();
        b.addConditioning(e(50));
        for (int t = 49; t >= 0; t--) { // the backward fill
            b.add(e(t));
            b.evictRecent(t, true, 50);
        }
        // the 15 nearest (0..14) and the 16 before the start (34..49), for the turn forward
        assertEquals(31, b.storedCount());
        for (int t = 51; t < 1000; t += 3) { // forward, with skips
            b.add(e(t));
            b.evictRecent(t, false, 50);
            assertTrue(b.storedCount() <= 31);
        }
        assertEquals(MemoryBank.READ_WINDOW - 1, b.storedCount());
    }

    @Test
    void conditioningIsCappedKeepingTheFirst() {
        MemoryBank b = new MemoryBank();
        b.addConditioning(e(40));
        b.addConditioning(e(10)); // an earlier frame added later is still not the first
        b.addConditioning(e(100));
        b.addConditioning(e(200));
        assertEquals(List.of(10), b.capConditioning(3));
        assertEquals(3, b.conditioningCount());
        assertTrue(b.isConditioning(40));
        assertTrue(b.isConditioning(100) && b.isConditioning(200));
    }
}
