package dev.refseg.api;

import com.google.protobuf.ByteString;
import dev.refseg.mask.BinaryMask;
import dev.refseg.mask.MaskProtos;
import dev.refseg.synth.ClipGenerator;
import dev.refseg.synth.ClipSpec;
import dev.refseg.synth.Colour;
import dev.refseg.synth.ObjectSpec;
import dev.refseg.synth.Shape;
import dev.refseg.synth.SyntheticClip;
import dev.refseg.v1.AudioChunk;
import dev.refseg.v1.AudioEncoding;
import dev.refseg.v1.AudioReferentSpec;
import dev.refseg.v1.MaskFrame;
import dev.refseg.v1.SegmentOptions;
import dev.refseg.v1.SegmentRequest;
import dev.refseg.v1.SegmentResponse;
import dev.refseg.v1.Start;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Synthetic audio-visual clips (4 s, 40 frames at 10 fps) whose objects emit tones in the fixture
 * tagger's bands (500 Hz "Bell", 1000 Hz "Whistle"), their AVSBench ground truth (per frame, the union of
 * the objects sounding then), and the plumbing to send them.
 */
final class AvsClips {
    static final int FRAMES = 40;
    static final double FPS = 10;

    private AvsClips() {
    }

    /** A red disc (a 500 Hz tone throughout, left half) and a blue square that stays silent (right half). */
    static SyntheticClip oneSounding() {
        return clip(disc(Colour.RED, 30, 60, 500, 0, 99), square(Colour.BLUE, 115, 60, 0, 0, 0));
    }

    /** The red disc sounds (500 Hz) for the first 2 s, then the blue square (1000 Hz) for the last 2 s. */
    static SyntheticClip twoAtDifferentTimes() {
        return clip(disc(Colour.RED, 30, 60, 500, 0, 2), square(Colour.BLUE, 115, 60, 1000, 2, 99));
    }

    /** Two identical red discs, one in each half; only the left one makes a sound (500 Hz). */
    static SyntheticClip twinsOneSilent() {
        return clip(disc(Colour.RED, 30, 60, 500, 0, 99), new ObjectSpec(Shape.DISC, Colour.RED, 13, 120, 50, -1,
                1.2, 105, 147, 13, 107, 1, 0));
    }

    /**
     * 8 s (80 frames): the red disc sounds (500 Hz) for the first 4 s, the blue square (1000 Hz) from 2 s
     * to the end, so both are heard in a 3-s first window and red falls silent after it (online mode).
     */
    static SyntheticClip redThenBlueLonger() {
        return clip(80, disc(Colour.RED, 30, 60, 500, 0, 4), square(Colour.BLUE, 115, 60, 1000, 2, 99));
    }

    /** The red disc and the blue square, and no sound at all. */
    static SyntheticClip silent() {
        return clip(disc(Colour.RED, 30, 60, 0, 0, 0), square(Colour.BLUE, 115, 60, 0, 0, 0));
    }

    /** A disc that moves within the left half, well away from the middle (centre x 13..55). */
    private static ObjectSpec disc(Colour c, double x, double y, double hz, double from, double to) {
        return new ObjectSpec(Shape.DISC, c, 13, x, y, 1.5, 1.0, 13, 55, 13, 107, 0, hz, from, to);
    }

    /** A square that moves within the right half. */
    private static ObjectSpec square(Colour c, double x, double y, double hz, double from, double to) {
        return new ObjectSpec(Shape.SQUARE, c, 14, x, y, -1.0, 1.5, 94, 146, 14, 106, 1, hz, from, to);
    }

    private static SyntheticClip clip(ObjectSpec... objects) {
        return clip(FRAMES, objects);
    }

    private static SyntheticClip clip(int frames, ObjectSpec... objects) {
        return ClipGenerator.render(new ClipSpec(160, 120, frames, FPS, List.of(objects), true, 5));
    }

    /** Per frame, the union of the masks of the objects sounding at that frame's time (AVSBench's binary truth). */
    static List<BinaryMask> truth(SyntheticClip clip) {
        return truth(clip, 0);
    }

    /** As {@link #truth(SyntheticClip)}, for the sound played {@code audioDelay} seconds after the picture starts. */
    static List<BinaryMask> truth(SyntheticClip clip, double audioDelay) {
        List<BinaryMask> out = new ArrayList<>();
        for (int f = 0; f < clip.frameCount(); f++) {
            BinaryMask m = BinaryMask.empty(clip.height(), clip.width());
            double t = f / clip.spec().fps() - audioDelay;
            for (int o = 0; o < clip.spec().objects().size(); o++) {
                if (t >= 0 && clip.spec().objects().get(o).soundsAt(t)) {
                    byte[] a = m.data();
                    byte[] b = clip.truth().get(o).get(f).data();
                    for (int i = 0; i < a.length; i++) {
                        a[i] |= b[i];
                    }
                }
            }
            out.add(m);
        }
        return out;
    }

    /** The clip's 16 kHz track as float PCM chunks of 0.5 s. */
    static List<AudioChunk> audio(float[] samples) {
        List<AudioChunk> out = new ArrayList<>();
        for (int from = 0; from < samples.length; from += 8000) {
            int n = Math.min(8000, samples.length - from);
            ByteBuffer b = ByteBuffer.allocate(n * 4).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < n; i++) {
                b.putFloat(samples[from + i]);
            }
            out.add(AudioChunk.newBuilder().setEncoding(AudioEncoding.AUDIO_ENCODING_PCM_F32LE).setSampleRateHz(16_000)
                    .setChannels(1).setData(ByteString.copyFrom(b.array())).build());
        }
        return out;
    }

    /**
     * Start (audio referent; the clip's frame rate in the options, since the frames carry no timestamps
     * and the audio is matched to them by time), then each frame with the audio interleaved.
     */
    static List<SegmentRequest> requests(SyntheticClip clip, AudioReferentSpec spec, SegmentOptions options) {
        List<SegmentRequest> r = new ArrayList<>();
        r.add(SegmentRequest.newBuilder().setStart(Start.newBuilder().setAudio(spec)
                .setOptions(options.toBuilder().setFps(clip.spec().fps()))).build());
        List<AudioChunk> audio = audio(clip.audio16k());
        List<dev.refseg.v1.Frame> frames = TextClips.frames(clip);
        for (int i = 0; i < frames.size(); i++) {
            r.add(SegmentRequest.newBuilder().setFrame(frames.get(i)).build());
            if (i % 5 == 4 && i / 5 < audio.size()) {
                r.add(SegmentRequest.newBuilder().setAudio(audio.get(i / 5)).build());
            }
        }
        return r;
    }

    /** The union mask of each frame, in frame order; every frame exactly once. */
    static List<BinaryMask> sounding(StreamClient.Outcome o, int frames) {
        BinaryMask[] out = new BinaryMask[frames];
        for (SegmentResponse e : o.of(SegmentResponse.EventCase.MASK)) {
            MaskFrame m = e.getMask();
            if (out[m.getFrameIndex()] != null) {
                throw new AssertionError("frame " + m.getFrameIndex() + " sent twice");
            }
            out[m.getFrameIndex()] = MaskProtos.fromRle(m.getSounding(), "sounding");
        }
        for (int i = 0; i < frames; i++) {
            if (out[i] == null) {
                throw new AssertionError("no mask for frame " + i);
            }
        }
        return List.of(out);
    }
}
