package dev.refseg.eval;

import dev.refseg.mask.BinaryMask;

final class Masks {
    private Masks() {
    }

    static void requireSameSize(BinaryMask a, BinaryMask b) {
        if (a.height() != b.height() || a.width() != b.width()) {
            throw new IllegalArgumentException("mask sizes differ: predicted " + a.height() + "x" + a.width()
                    + ", ground truth " + b.height() + "x" + b.width());
        }
    }
}
