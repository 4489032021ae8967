package dev.refseg.api;

import com.google.protobuf.ByteString;
import dev.refseg.eval.JandF;
import dev.refseg.mask.BinaryMask;
import dev.refseg.mask.MaskProtos;
import dev.refseg.media.ImageDecoder;
import dev.refseg.synth.ClipGenerator;
import dev.refseg.synth.ClipSpec;
import dev.refseg.synth.Colour;
import dev.refseg.synth.ObjectSpec;
import dev.refseg.synth.Shape;
import dev.refseg.synth.SyntheticClip;
import dev.refseg.v1.Frame;
import dev.refseg.v1.MaskFrame;
import dev.refseg.v1.ObjectMask;
import dev.refseg.v1.SegmentOptions;
import dev.refseg.v1.SegmentRequest;
import dev.refseg.v1.SegmentResponse;
import dev.refseg.v1.Start;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;

/** Synthetic clips for the text-referent tests, and the plumbing to send them and score the masks. */
final class TextClips {
    /** Windows of 30 frames, 5 frames 6 apart: a 60-frame clip has two full windows. */
    static final SegmentOptions WINDOWS = SegmentOptions.newBuilder().setWindowFrames(30).setFramesPerWindow(5)
            .setFrameStep(6).build();

    private TextClips() {
    }

    /**
     * Three discs of one size: red, orange (off-screen on the left until about frame 7, so frame 0 is no
     * pivot for it) and magenta; they cross each other's paths. Only the referent tells them apart.
     */
    static SyntheticClip discs(int frames) {
        return ClipGenerator.render(new ClipSpec(160, 120, frames, 10, List.of(
                new ObjectSpec(Shape.DISC, Colour.RED, 13, 30, 40, 2, 0.5, 13, 147, 13, 107, 0, 0),
                new ObjectSpec(Shape.DISC, Colour.ORANGE, 13, -30, 80, 2.5, 0, -30, 147, 13, 107, 1, 0),
                new ObjectSpec(Shape.DISC, Colour.MAGENTA, 13, 120, 30, -1.5, 1, 13, 147, 13, 107, 2, 0)),
                false, 11));
    }

    static List<Frame> frames(SyntheticClip clip) {
        List<Frame> out = new ArrayList<>();
        for (int i = 0; i < clip.frameCount(); i++) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            try {
                ImageIO.write(ImageDecoder.toImage(clip.frames().get(i), clip.width(), clip.height()), "png", b);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            out.add(Frame.newBuilder().setIndex(i).setData(ByteString.copyFrom(b.toByteArray())).build());
        }
        return out;
    }

    /** The clip's frames as JPEG files (ImageIO's encoder). */
    static List<byte[]> jpegs(SyntheticClip clip) {
        List<byte[]> out = new ArrayList<>();
        for (byte[] rgb : clip.frames()) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            try {
                ImageIO.write(ImageDecoder.toImage(rgb, clip.width(), clip.height()), "jpg", b);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            out.add(b.toByteArray());
        }
        return out;
    }

    static List<SegmentRequest> requests(String text, SegmentOptions options, List<Frame> frames) {
        List<SegmentRequest> r = new ArrayList<>();
        r.add(SegmentRequest.newBuilder().setStart(Start.newBuilder().setText(text).setOptions(options)).build());
        frames.forEach(f -> r.add(SegmentRequest.newBuilder().setFrame(f).build()));
        return r;
    }

    /**
     * The masks of one object id, one per frame in frame order (empty where the object is absent), for
     * the first frames of the clip that were sent; each frame must have come exactly once.
     */
    static List<BinaryMask> masksOf(StreamClient.Outcome o, int objectId, SyntheticClip clip) {
        return masksOf(o, objectId, clip.height(), clip.width());
    }

    /** As above, for frames of the given (displayed) size; every mask must have that size. */
    static List<BinaryMask> masksOf(StreamClient.Outcome o, int objectId, int height, int width) {
        BinaryMask[] out = new BinaryMask[o.of(SegmentResponse.EventCase.MASK).size()];
        for (SegmentResponse e : o.of(SegmentResponse.EventCase.MASK)) {
            MaskFrame m = e.getMask();
            if (out[m.getFrameIndex()] != null) {
                throw new AssertionError("frame " + m.getFrameIndex() + " sent twice");
            }
            out[m.getFrameIndex()] = BinaryMask.empty(height, width);
            for (ObjectMask om : m.getObjectsList()) {
                if (om.getObjectId() == objectId) {
                    BinaryMask got = MaskProtos.fromRle(om.getRle(), "rle");
                    if (got.height() != height || got.width() != width) {
                        throw new AssertionError("frame " + m.getFrameIndex() + ": mask is " + got.width() + "x"
                                + got.height() + ", the frames are " + width + "x" + height);
                    }
                    out[m.getFrameIndex()] = got;
                }
            }
        }
        for (int i = 0; i < out.length; i++) {
            if (out[i] == null) {
                throw new AssertionError("no mask for frame " + i);
            }
        }
        return List.of(out);
    }

    static JandF score(StreamClient.Outcome o, int objectId, SyntheticClip clip, int truthObject) {
        List<BinaryMask> masks = masksOf(o, objectId, clip);
        return JandF.of(masks, clip.truth().get(truthObject).subList(0, masks.size()));
    }
}
