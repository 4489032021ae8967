package dev.refseg.synth;

import java.util.List;

/**
 * The bundled sample: a fixed 320x240, 48-frame clip at 10 fps with three objects and a tone for the
 * red disc. The red disc leaves the frame on the right and comes back; the blue square passes behind
 * the green triangle. Nothing is stored: the spec below regenerates it bit for bit.
 */
public final class SampleClip {
    public static final long SEED = 20240828L;

    private SampleClip() {
    }

    public static ClipSpec spec() {
        List<ObjectSpec> objects = List.of(
                // Leaves on the right around frame 14 and re-enters around frame 28.
                new ObjectSpec(Shape.DISC, Colour.RED, 22, 200, 70, 12, 1.5, 0, 400, 30, 210, 2, 440),
                // Crosses behind the triangle (smaller depth = further back) around frames 10-22.
                new ObjectSpec(Shape.SQUARE, Colour.BLUE, 20, 40, 170, 8, 0, 25, 295, 20, 220, 0, 0),
                new ObjectSpec(Shape.TRIANGLE, Colour.GREEN, 30, 150, 165, 0, -0.5, 30, 290, 40, 200, 1, 0));
        return new ClipSpec(320, 240, 48, 10, objects, true, SEED);
    }

    public static SyntheticClip render() {
        return ClipGenerator.render(spec());
    }
}
