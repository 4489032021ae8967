package dev.refseg.synth;

/** Shapes the synthetic clips draw; each is defined around its centre with a "radius" r. */
public enum Shape {
    DISC("disc"),
    SQUARE("square"),
    TRIANGLE("triangle"),
    DIAMOND("diamond");

    private final String word;

    Shape(String word) {
        this.word = word;
    }

    /** The noun used in referent sentences. */
    public String word() {
        return word;
    }

    /** Whether the offset (dx, dy) from the centre lies inside the shape of radius r. */
    public boolean contains(double dx, double dy, double r) {
        return switch (this) {
            case DISC -> dx * dx + dy * dy <= r * r;
            case SQUARE -> Math.abs(dx) <= r && Math.abs(dy) <= r;
            case DIAMOND -> Math.abs(dx) + Math.abs(dy) <= r;
            // Upward triangle: apex at (0, -r), base from (-r, r) to (r, r).
            case TRIANGLE -> dy <= r && dy >= -r && Math.abs(dx) <= (dy + r) / 2;
        };
    }
}
