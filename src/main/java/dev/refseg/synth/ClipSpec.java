package dev.refseg.synth;

import java.util.List;

/** Everything that determines a synthetic clip: the same spec always renders the same pixels. */
public record ClipSpec(int width, int height, int frames, double fps, List<ObjectSpec> objects, boolean audio,
        long seed) {

    public ClipSpec {
        if (width < 8 || height < 8 || frames < 1 || fps <= 0) {
            throw new IllegalArgumentException("bad clip size " + width + "x" + height + ", " + frames + " frames at " + fps);
        }
        objects = List.copyOf(objects);
    }
}
