package dev.refseg.sam2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The fixed-size bank of models.md §7.1, checked value by value on a tiny geometry (F² = 2 tokens): each
 * memory and pointer is filled with its frame index so every row says where it came from.
 */
class BankLayoutTest {
    static final int TOKENS = 2;
    static final int D = Sam2Setup.MEM_DIM;
    static final float[] MEM_POS = new float[TOKENS * D];
    static final float[] TABLE = new float[7 * D];

    static {
        for (int k = 0; k < 7; k++) {
            TABLE[k * D] = 100 * (k + 1);          // row k says 100(k+1) on channel 0
        }
        MEM_POS[1] = 0.5f;                        // memory_pos says 0.5 on channel 1
    }

    static final float[][] ROWS = TemporalPositions.byRow(MEM_POS, TABLE, TOKENS);

    static MemoryBank.Entry entry(int frame) {
        float[] f = new float[TOKENS * D];
        java.util.Arrays.fill(f, frame);
        float[] p = new float[256];
        java.util.Arrays.fill(p, frame);
        p[64] = frame + 0.25f;                    // token 1 of the pointer differs from token 0
        return new MemoryBank.Entry(frame, f, p, true);
    }

    /** Frame index, temporal row (from channel 0 of the position) and memory_pos marker of a spatial slot. */
    static float[] slot(BankLayout.Bank b, int s) {
        int o = s * TOKENS * D;
        return new float[] {b.memory()[o], b.memoryPos()[o] / 100 - 1, b.memoryPos()[o + 1]};
    }

    static MemoryBank.Selection selection(int t, List<Integer> cond, List<Integer> recent, List<Integer> pointers) {
        List<MemoryBank.Entry> mems = new ArrayList<>();
        List<Integer> rows = new ArrayList<>();
        cond.forEach(c -> {
            mems.add(entry(c));
            rows.add(6);
        });
        recent.forEach(r -> {
            mems.add(entry(r));
            rows.add(Math.abs(t - r) - 1);
        });
        return new MemoryBank.Selection(mems, rows.stream().mapToInt(Integer::intValue).toArray(),
                pointers.stream().map(BankLayoutTest::entry).toList(), 0);
    }

    @Test
    void conditioningFirstThenNewestFirstWithTheirRows() {
        // Tracking frame 20 forward: conditioning frame 3, recent memories 14..19 (given oldest first).
        MemoryBank.Selection sel = selection(20, List.of(3), List.of(14, 15, 16, 17, 18, 19), List.of(3, 19, 18));
        BankLayout.Bank b = BankLayout.assemble(sel, 20, 48, ROWS, TOKENS);
        assertArrayEquals(new float[] {3, 6, 0.5f}, slot(b, 0));
        for (int k = 1; k <= 6; k++) {
            assertArrayEquals(new float[] {20 - k, k - 1, 0.5f}, slot(b, k), "slot " + k);
        }
    }

    @Test
    void shortHistoryRepeatsRealEntriesNeverZeros() {
        // Frame 5 after a prompt on frame 3: one recent memory (4); pointers: conditioning and 4.
        MemoryBank.Selection sel = selection(5, List.of(3), List.of(4), List.of(3, 4));
        BankLayout.Bank b = BankLayout.assemble(sel, 5, 48, ROWS, TOKENS);
        assertArrayEquals(new float[] {3, 6, 0.5f}, slot(b, 0));
        for (int s = 1; s < 7; s++) {
            assertArrayEquals(new float[] {4, 0, 0.5f}, slot(b, s), "slot " + s + " repeats the newest memory");
        }
        // Pointers: 3 then 4, then 4 repeated with its own diff; diffs over min(48, 16) - 1 = 15.
        int start = b.pointerRowStart() * D;
        assertEquals(7 * TOKENS * D, start);
        for (int i = 0; i < 16; i++) {
            float frame = i == 0 ? 3 : 4;
            assertEquals(frame, b.memory()[start + i * 4 * D], "pointer " + i);
            assertEquals(frame + 0.25f, b.memory()[start + (i * 4 + 1) * D], "pointer " + i + " token 1");
            assertEquals(Math.abs(5 - frame) / 15f, b.diffs()[i], 1e-6f);
        }
        // Before any tracked memory, every slot repeats the conditioning memory.
        BankLayout.Bank first = BankLayout.assemble(selection(4, List.of(3), List.of(), List.of(3)), 4, 48, ROWS,
                TOKENS);
        for (int s = 0; s < 7; s++) {
            assertArrayEquals(new float[] {3, 6, 0.5f}, slot(first, s));
        }
    }

    @Test
    void aSecondConditioningFrameTakesTheOldestRecentSlot() {
        MemoryBank.Selection sel = selection(20, List.of(2, 18), List.of(14, 15, 16, 17, 19), List.of(18, 19));
        BankLayout.Bank b = BankLayout.assemble(sel, 20, 48, ROWS, TOKENS);
        // Nearest conditioning frame first, both with row 6; then 19 (row 0), 17, 16, 15; 14 dropped.
        float[][] want = {{18, 6, 0.5f}, {2, 6, 0.5f}, {19, 0, 0.5f}, {17, 2, 0.5f}, {16, 3, 0.5f}, {15, 4, 0.5f},
            {14, 5, 0.5f}};
        for (int s = 0; s < 6; s++) {
            assertArrayEquals(want[s], slot(b, s), "slot " + s);
        }
        assertArrayEquals(new float[] {14, 5, 0.5f}, slot(b, 6));
        MemoryBank.Selection full = selection(20, List.of(2, 18), List.of(13, 14, 15, 16, 17, 19), List.of(18));
        assertArrayEquals(new float[] {15, 4, 0.5f}, slot(BankLayout.assemble(full, 20, 48, ROWS, TOKENS), 6),
                "the oldest recent memory (13, 14) gives way");
    }

    @Test
    void diffsUseTheClipLengthUpTo16AndFifteenOnAStream() {
        MemoryBank.Selection sel = selection(6, List.of(0), List.of(5), List.of(0, 5));
        assertEquals(6 / 9f, BankLayout.assemble(sel, 6, 10, ROWS, TOKENS).diffs()[0], 1e-6f);
        assertEquals(6 / 15f, BankLayout.assemble(sel, 6, 0, ROWS, TOKENS).diffs()[0], 1e-6f);
        assertEquals(6f, BankLayout.assemble(sel, 6, 1, ROWS, TOKENS).diffs()[0], 1e-6f);
    }

    @Test
    void pointerPositionsGoOnAllFourTokensOfTheirPointer() {
        BankLayout.Bank b = BankLayout.assemble(selection(5, List.of(3), List.of(4), List.of(3, 4)), 5, 48, ROWS,
                TOKENS);
        float[] pos = new float[16 * D];
        for (int i = 0; i < 16; i++) {
            pos[i * D] = i + 1;
        }
        BankLayout.placePointerPositions(b, pos);
        for (int i = 0; i < 16; i++) {
            for (int j = 0; j < 4; j++) {
                assertEquals(i + 1, b.memoryPos()[(b.pointerRowStart() + i * 4 + j) * D]);
            }
        }
    }
}
