package dev.refseg.sam2;

/**
 * The position rows of a memory in SAM 2's bank (models.md §1.5, §7.1 point 4): the memory encoder's
 * spatial position of each token plus the temporal row of its slot. Both are model constants, so each
 * row's block is added up once per model and copied per frame, in either export family.
 */
final class TemporalPositions {
    private TemporalPositions() {
    }

    /**
     * @param tokenPos [tokens * 64] the memory encoder's position of each token (the same for every memory)
     * @param table    [7 * 64] the temporal table, row k for a memory k + 1 frames back, row 6 for conditioning
     * @return [7][tokens * 64]: block k = tokenPos + table[k] on every token
     */
    static float[][] byRow(float[] tokenPos, float[] table, int tokens) {
        int d = Sam2Setup.MEM_DIM;
        float[][] out = new float[MemoryBank.NUM_MASKMEM][tokens * d];
        for (int k = 0; k < MemoryBank.NUM_MASKMEM; k++) {
            for (int r = 0; r < tokens; r++) {
                for (int c = 0; c < d; c++) {
                    out[k][r * d + c] = tokenPos[r * d + c] + table[k * d + c];
                }
            }
        }
        return out;
    }
}
