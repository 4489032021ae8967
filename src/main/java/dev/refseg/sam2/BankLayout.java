package dev.refseg.sam2;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Lays one frame's selected memories ({@link MemoryBank.Selection}) out as the transformers family's
 * fixed-size bank (models.md §7.1 points 4-6, 8): {@code memory} and {@code memory_pos}, each
 * [7F² + 64, 1, 64] row-major.
 * <ul>
 *   <li>Spatial slots (F² rows each): conditioning memories first, each with temporal row 6, nearest in
 *       time first; then the recent memories newest first, the one k frames back with row k-1. The fixed
 *       shape has 7 slots, so a second conditioning frame takes a recent slot and the oldest recent
 *       memory is dropped; at most 6 conditioning memories are attended, so the newest tracked memory
 *       always has a slot. Position rows = the memory encoder's {@code memory_pos} + the temporal row.</li>
 *   <li>Pointer rows (the last 64): 16 pointers x 4 tokens, pointer i token j = values 64j..64j+63 of the
 *       pointer; the pointer order is the selection's (conditioning, then newest to oldest). Their
 *       positions come from {@code pointer_tpos} on {@link #diffs}, placed by {@link #placePointerPositions}.</li>
 *   <li>Padding, when history is short, repeats real entries and never writes zeros (a zero memory is a
 *       memory of an empty scene): empty spatial slots repeat the newest recent memory with its own row,
 *       or the first conditioning memory before any exists; empty pointer slots repeat the last pointer
 *       with its own diff.</li>
 * </ul>
 */
public final class BankLayout {
    /** Spatial slots of the fixed bank (SAM 2's num_maskmem). */
    public static final int SLOTS = MemoryBank.NUM_MASKMEM;
    static final int COND_ROW = MemoryBank.NUM_MASKMEM - 1;
    /** Pointer diffs are divided by this on a stream of unknown length (transformers' streaming rule). */
    static final int STREAM_SPAN = MemoryBank.MAX_OBJ_PTRS - 1;

    /**
     * @param memory    [(7F² + 64) * 64]
     * @param memoryPos [(7F² + 64) * 64]; the pointer rows are filled by {@link #placePointerPositions}
     * @param diffs     [16] normalised time distance of each pointer slot, the input of pointer_tpos
     */
    public record Bank(float[] memory, float[] memoryPos, float[] diffs, int pointerRowStart) {
    }

    /**
     * What {@link #assembleInto} wrote besides the two buffers.
     *
     * @param diffs [16] normalised time distance of each pointer slot, the input of pointer_tpos
     */
    public record Layout(float[] diffs, int pointerRowStart) {
    }

    private record Slot(MemoryBank.Entry entry, int row) {
    }

    private BankLayout() {
    }

    /**
     * @param positionsByRow [7][F² * 64] each temporal row's position block: the memory encoder's
     *                       memory_pos + that row of constants.json's table ({@link TemporalPositions#byRow})
     * @param tokens         F², tokens per memory
     * @param numFrames      frames in the video, or 0 for a stream of unknown length
     * @throws IllegalArgumentException when the selection holds no memory at all
     */
    public static Bank assemble(MemoryBank.Selection sel, int t, int numFrames, float[][] positionsByRow,
            int tokens) {
        float[] memory = new float[rows(tokens) * Sam2Setup.MEM_DIM];
        float[] pos = new float[memory.length];
        Layout l = assembleInto(sel, t, numFrames, positionsByRow, tokens, FloatBuffer.wrap(memory), FloatBuffer.wrap(pos));
        return new Bank(memory, pos, l.diffs(), l.pointerRowStart());
    }

    /** Rows of the bank for F² = {@code tokens}: 7 spatial slots and 64 pointer rows. */
    public static int rows(int tokens) {
        return SLOTS * tokens + MemoryBank.MAX_OBJ_PTRS * Sam2Setup.TOKENS_PER_POINTER;
    }

    /**
     * As {@link #assemble}, into buffers the caller reuses (such as direct buffers ONNX Runtime reads in
     * place), each of {@link #rows} x 64 values from index 0; the pointer rows of {@code memoryPos} are
     * left for {@link #placePointerPositions(FloatBuffer, int, float[])}.
     */
    public static Layout assembleInto(MemoryBank.Selection sel, int t, int numFrames, float[][] positionsByRow,
            int tokens, FloatBuffer memory, FloatBuffer pos) {
        List<Slot> slots = spatialSlots(sel, t);
        int d = Sam2Setup.MEM_DIM;
        int block = tokens * d;
        int ptrStart = SLOTS * tokens;
        for (int s = 0; s < SLOTS; s++) {
            Slot slot = slots.get(s);
            memory.put(s * block, slot.entry().features(), 0, block);
            pos.put(s * block, positionsByRow[slot.row()], 0, block);
        }
        List<MemoryBank.Entry> ptrs = sel.pointers();
        if (ptrs.isEmpty()) {
            throw new IllegalArgumentException("no object pointer to attend to");
        }
        float span = numFrames > 0 ? Math.max(1, Math.min(numFrames, MemoryBank.MAX_OBJ_PTRS) - 1) : STREAM_SPAN;
        float[] diffs = new float[MemoryBank.MAX_OBJ_PTRS];
        for (int i = 0; i < MemoryBank.MAX_OBJ_PTRS; i++) {
            MemoryBank.Entry p = ptrs.get(Math.min(i, ptrs.size() - 1));
            diffs[i] = Math.abs(t - p.frameIdx()) / span;
            for (int j = 0; j < Sam2Setup.TOKENS_PER_POINTER; j++) {
                memory.put((ptrStart + i * Sam2Setup.TOKENS_PER_POINTER + j) * d, p.objPtr(), j * d, d);
            }
        }
        return new Layout(diffs, ptrStart);
    }

    /** Writes pointer_tpos's output [16 * 64] into the pointer rows: each pointer's position on its 4 tokens. */
    public static void placePointerPositions(Bank bank, float[] pointerPos) {
        placePointerPositions(FloatBuffer.wrap(bank.memoryPos()), bank.pointerRowStart(), pointerPos);
    }

    /** As {@link #placePointerPositions(Bank, float[])}, into a bank assembled by {@link #assembleInto}. */
    public static void placePointerPositions(FloatBuffer memoryPos, int pointerRowStart, float[] pointerPos) {
        int d = Sam2Setup.MEM_DIM;
        for (int i = 0; i < MemoryBank.MAX_OBJ_PTRS; i++) {
            for (int j = 0; j < Sam2Setup.TOKENS_PER_POINTER; j++) {
                memoryPos.put((pointerRowStart + i * Sam2Setup.TOKENS_PER_POINTER + j) * d, pointerPos, i * d, d);
            }
        }
    }

    private static List<Slot> spatialSlots(MemoryBank.Selection sel, int t) {
        List<Slot> cond = new ArrayList<>();
        List<Slot> recent = new ArrayList<>();
        for (int i = 0; i < sel.memories().size(); i++) {
            int row = sel.temporalIndex()[i];
            (row == COND_ROW ? cond : recent).add(new Slot(sel.memories().get(i), row));
        }
        if (cond.isEmpty() && recent.isEmpty()) {
            throw new IllegalArgumentException("no memory to attend to");
        }
        cond.sort(Comparator.comparingInt((Slot s) -> Math.abs(t - s.entry().frameIdx()))
                .thenComparingInt(s -> s.entry().frameIdx()));
        recent.sort(Comparator.comparingInt(Slot::row));
        List<Slot> slots = new ArrayList<>(cond.subList(0, Math.min(cond.size(), SLOTS - 1)));
        for (Slot s : recent) {
            if (slots.size() < SLOTS) {
                slots.add(s);
            }
        }
        Slot fill = recent.isEmpty() ? slots.get(0) : recent.get(0);
        while (slots.size() < SLOTS) {
            slots.add(fill);
        }
        return slots;
    }
}
