package dev.refseg.synth;

import dev.refseg.mask.BinaryMask;
import java.util.List;

/**
 * A rendered synthetic clip: packed RGB frames, the visible-pixel ground-truth mask of every object on
 * every frame (occlusion applied: a pixel belongs to the front-most object covering it), one referent
 * sentence per object and, when the spec asks for it, a 16 kHz mono audio track.
 *
 * @param frames    packed RGB24 rows, one array per frame
 * @param truth     truth.get(objectIdx).get(frameIdx)
 * @param referents one sentence per object, same order as spec.objects()
 * @param audio16k  16 kHz mono samples in [-1, 1], or an empty array
 */
public record SyntheticClip(ClipSpec spec, List<byte[]> frames, List<List<BinaryMask>> truth, List<String> referents,
        float[] audio16k) {

    public static final int AUDIO_RATE = 16_000;

    public int width() {
        return spec.width();
    }

    public int height() {
        return spec.height();
    }

    public int frameCount() {
        return frames.size();
    }
}
