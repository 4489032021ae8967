package dev.refseg.synth;

/**
 * One moving object of a synthetic clip. Its centre moves at constant velocity (pixels per frame) and
 * reflects off the walls of its range; a range wider than the frame makes the object leave and
 * re-enter. Higher {@code depth} draws in front.
 *
 * @param toneHz   frequency of the tone it makes on the audio track, or 0 for a silent object
 * @param toneFrom when its tone starts, seconds from the start of the clip
 * @param toneTo   when its tone stops (exclusive), seconds; infinite for the whole clip
 */
public record ObjectSpec(Shape shape, Colour colour, double radius, double x0, double y0, double vx, double vy,
        double minX, double maxX, double minY, double maxY, int depth, double toneHz, double toneFrom, double toneTo) {

    /** An object whose tone (if any) sounds for the whole clip. */
    public ObjectSpec(Shape shape, Colour colour, double radius, double x0, double y0, double vx, double vy,
            double minX, double maxX, double minY, double maxY, int depth, double toneHz) {
        this(shape, colour, radius, x0, y0, vx, vy, minX, maxX, minY, maxY, depth, toneHz, 0, Double.POSITIVE_INFINITY);
    }

    /** Whether its tone sounds at {@code seconds} from the start of the clip. */
    public boolean soundsAt(double seconds) {
        return toneHz > 0 && seconds >= toneFrom && seconds < toneTo;
    }

    /** A sentence that tells this object apart from the others of its clip. */
    public String referent() {
        return "the " + colour.word() + " " + shape.word();
    }

    public double x(int frame) {
        return reflect(x0 + vx * frame, minX, maxX);
    }

    public double y(int frame) {
        return reflect(y0 + vy * frame, minY, maxY);
    }

    /** Position bouncing back and forth between lo and hi (a triangle wave). */
    static double reflect(double v, double lo, double hi) {
        double span = hi - lo;
        if (span <= 0) {
            return lo;
        }
        double t = (v - lo) % (2 * span);
        if (t < 0) {
            t += 2 * span;
        }
        return t <= span ? lo + t : hi - (t - span);
    }
}
