package dev.refseg.lbru;

import dev.refseg.mask.BinaryMask;
import dev.refseg.mask.CocoRle;
import dev.refseg.mask.EncodedMask;
import dev.refseg.mask.MaskPng;
import dev.refseg.mask.MaskProtos;
import dev.refseg.v1.MaskFrame;
import dev.refseg.v1.ObjectMask;
import dev.refseg.v1.RleMask;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Turns the tracker's masks of an audio referent into what the client sees on each frame: every
 * sounding object's mask under its category name, an object silent in that second emptied and marked
 * {@code silent}, and the union of the sounding objects' masks ({@link MaskFrame#getSounding()}), the
 * binary mask AVSBench scores (method.md §6, "merge.py": pixel-wise OR of the active categories).
 * Works on COCO RLE; only the union of two or more masks decodes pixels (a byte per pixel, briefly).
 */
public final class SoundingMasks {
    /**
     * One tracked object of an audio referent.
     *
     * @param active per window of {@link SoundingTimes}, whether it sounds there
     */
    public record Source(int objectId, String category, boolean[] active) {
    }

    private final Map<Integer, Source> sources;
    private final SoundingTimes times;
    private final long audioStartUs;
    private final int width;
    private final int height;
    private final boolean png;

    /**
     * @param audioStartUs when the audio starts, on the frames' clock (IntakeUpdate.audio_start_us), microseconds
     * @param width            frame width in pixels
     * @param height           frame height in pixels
     * @param png              whether masks carry PNGs (an emptied mask gets an empty PNG)
     */
    public SoundingMasks(List<Source> sources, SoundingTimes times, long audioStartUs, int width, int height,
            boolean png) {
        this.sources = sources.stream().collect(Collectors.toMap(Source::objectId, Function.identity()));
        this.times = times;
        this.audioStartUs = audioStartUs;
        this.width = width;
        this.height = height;
        this.png = png;
    }

    /** The frame's masks with categories, silences and the union applied. */
    public MaskFrame apply(MaskFrame f) {
        int window = times.windowAt((f.getTimestampUs() - audioStartUs) / 1e6);
        return apply(f, id -> {
            boolean[] on = sources.get(id).active();
            return window >= 0 && window < on.length && on[window];
        });
    }

    /**
     * As {@link #apply(MaskFrame)}, with who sounds on this frame given by {@code sounds} (object id →
     * sounds); the sources' {@code active} and the times are not read (online mode decides it live).
     */
    public MaskFrame apply(MaskFrame f, java.util.function.IntPredicate sounds) {
        MaskFrame.Builder out = f.toBuilder().clearObjects();
        BinaryMask union = null;
        RleMask only = null;
        int sounding = 0;
        for (ObjectMask o : f.getObjectsList()) {
            Source s = sources.get(o.getObjectId());
            if (s == null) {
                out.addObjects(o);
                continue;
            }
            boolean active = sounds.test(s.objectId());
            ObjectMask.Builder b = o.toBuilder().setCategory(s.category());
            if (!active) {
                b.setSilent(true).setRle(MaskProtos.rle(EncodedMask.empty(height, width))).clearBox();
                if (png) {
                    b.setPng(com.google.protobuf.ByteString.copyFrom(MaskPng.encode(BinaryMask.empty(height, width))));
                }
            } else if (o.hasBox()) { // a non-empty mask joins the union
                sounding++;
                if (sounding == 1) {
                    only = o.getRle();
                } else {
                    if (union == null) {
                        union = CocoRle.decode(only.getCounts(), height, width);
                    }
                    or(union, CocoRle.decode(o.getRle().getCounts(), height, width));
                }
            }
            out.addObjects(b);
        }
        RleMask merged = union != null ? MaskProtos.rle(union)
                : only != null ? only : MaskProtos.rle(EncodedMask.empty(height, width));
        return out.setSounding(merged).build();
    }

    private static void or(BinaryMask into, BinaryMask add) {
        byte[] a = into.data();
        byte[] b = add.data();
        for (int i = 0; i < a.length; i++) {
            a[i] |= b[i];
        }
    }
}
