package dev.refseg.sam2;

import dev.refseg.errors.Errors;
import dev.refseg.mask.BinaryMask;
import dev.refseg.mask.PixelBox;
import dev.refseg.media.DecodedFrame;
import dev.refseg.v1.PassDirection;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/**
 * SAM 2.1 video tracking over the four exported graphs (reference/models.md §1.3-1.5): prompts make
 * conditioning frames; {@link #propagate} then tracks every object forward from the earliest prompted
 * frame to the end and backward to frame 0, each frame exactly once, handing each frame's masks to the
 * sink as soon as they are computed. Stateless: everything per video lives in {@link TrackerState}.
 */
public final class Sam2Tracker {
    /** SAM 2's label for a padding point: no prompt on tracking frames. */
    private static final float[] NO_POINT = {0, 0};
    private static final float[] NO_LABEL = {-1};

    /** Receives one frame's masks (all objects) in output order. */
    public interface FrameSink {
        void accept(int frameIdx, PassDirection direction, List<TrackedMask> masks);
    }

    private final Sam2Graphs graphs;

    public Sam2Tracker(Sam2Graphs graphs) {
        this.graphs = graphs;
    }

    public TrackerState init(IntFunction<DecodedFrame> frames, int numFrames, int width, int height) {
        return init(frames, numFrames, width, height, new FeatureCache(0));
    }

    /** As {@link #init}, taking each frame's encoder output from {@code prefetched} when it is there. */
    public TrackerState init(IntFunction<DecodedFrame> frames, int numFrames, int width, int height,
            FeatureCache prefetched) {
        TrackerState s = new TrackerState(frames, numFrames, width, height);
        s.prefetched = prefetched;
        return s;
    }

    /**
     * Runs the image encoder on one frame ahead of tracking and keeps the result in {@code cache}; false
     * when the cache is full (nothing is computed then).
     */
    public boolean prefetch(DecodedFrame frame, FeatureCache cache) {
        if (cache.isFull() || cache.contains(frame.index())) {
            return !cache.isFull();
        }
        float[] image = Sam2Image.preprocess(frame.rgb(), frame.width(), frame.height(), null);
        return cache.put(graphs.encode(frame.index(), image));
    }

    /** Prompts an object with a box (frame pixels) on one frame; that frame becomes a conditioning frame. */
    public TrackedMask addBox(TrackerState s, int objId, int frameIdx, PixelBox box) {
        checkFrame(s, frameIdx);
        Sam2Graphs.FrameFeatures f = features(s, frameIdx);
        // A box is two points labelled 2 and 3, in 1024 space, before any clicks (sam2 add_new_points_or_box).
        Sam2Graphs.DecoderOutput out = graphs.decode(Sam2Image.boxPoints(box, s.width, s.height), new float[] {2, 3},
                f.visionFeats(), f);
        boolean present = out.occLogit() > 0;
        BinaryMask mask = present ? Sam2Image.upscale(out.predMask(), s.width, s.height) : s.emptyMask();
        // Prompted frames store a binarised mask in memory (binarize_mask_from_pts_for_mem_enc).
        float[] forMem = binarise(out.maskForMem(), present);
        remember(s, objId, frameIdx, f, forMem, out, true);
        TrackedMask result = new TrackedMask(objId, mask, present ? out.iou() : 0, present);
        track(s, objId).promptMasks.put(frameIdx, result);
        return result;
    }

    /**
     * Prompts an object with a mask: the mask is that frame's output as given; the memory stores it
     * binarised, and the object pointer comes from the decoder prompted with the mask's box (the
     * exported decoder takes no mask input).
     */
    public TrackedMask addMask(TrackerState s, int objId, int frameIdx, BinaryMask mask) {
        checkFrame(s, frameIdx);
        if (mask.height() != s.height || mask.width() != s.width) {
            throw Errors.invalid("prompt.mask", "is " + mask.width() + "x" + mask.height() + ", the frames are "
                    + s.width + "x" + s.height);
        }
        PixelBox box = PixelBox.of(mask);
        if (box == null) {
            throw Errors.invalid("prompt.mask", "is empty");
        }
        Sam2Graphs.FrameFeatures f = features(s, frameIdx);
        Sam2Graphs.DecoderOutput out = graphs.decode(Sam2Image.boxPoints(box, s.width, s.height), new float[] {2, 3},
                f.visionFeats(), f);
        remember(s, objId, frameIdx, f, Sam2Image.maskForMemory(mask), out, true);
        TrackedMask result = new TrackedMask(objId, mask, 1f, true);
        track(s, objId).promptMasks.put(frameIdx, result);
        return result;
    }

    /** Tracks all objects through the video: forward from the earliest prompt, then backward to 0. */
    public void propagate(TrackerState s, FrameSink sink) {
        propagate(s, earliestPrompt(s), sink);
    }

    /**
     * Tracks all objects forward from {@code start} to the last frame, then backward from start - 1 to
     * frame 0 (sam2 propagate_in_video, then again with reverse=True): every frame exactly once.
     */
    public void propagate(TrackerState s, int start, FrameSink sink) {
        checkFrame(s, start);
        for (int t = start; t < s.numFrames; t++) {
            List<TrackedMask> masks = step(s, t, false, start);
            sink.accept(t, direction(s, t, PassDirection.PASS_DIRECTION_FORWARD), masks);
        }
        for (int t = start - 1; t >= 0; t--) {
            List<TrackedMask> masks = step(s, t, true, start);
            sink.accept(t, direction(s, t, PassDirection.PASS_DIRECTION_BACKWARD), masks);
        }
    }

    public int earliestPrompt(TrackerState s) {
        if (!s.hasPrompts()) {
            throw Errors.precondition("propagate needs at least one prompt");
        }
        return s.objects.values().stream().filter(o -> !o.promptMasks.isEmpty())
                .mapToInt(o -> o.promptMasks.firstKey()).min().orElseThrow();
    }

    private static PassDirection direction(TrackerState s, int t, PassDirection tracked) {
        boolean prompted = s.objects.values().stream().anyMatch(o -> o.promptMasks.containsKey(t));
        return prompted ? PassDirection.PASS_DIRECTION_PROMPT : tracked;
    }

    /** Every object's mask on frame t. */
    private List<TrackedMask> step(TrackerState s, int t, boolean reverse, int start) {
        if (s.isClosed()) {
            throw Errors.unavailable("tracking state closed (call cancelled)", null);
        }
        List<TrackedMask> out = new ArrayList<>(s.objects.size());
        for (TrackerState.ObjectTrack o : s.objects.values()) {
            TrackedMask prompted = o.promptMasks.get(t);
            out.add(prompted != null ? prompted : trackFrame(s, o, t, reverse));
            o.bank.evict(t, reverse, start);
        }
        return out;
    }

    private TrackedMask trackFrame(TrackerState s, TrackerState.ObjectTrack o, int t, boolean reverse) {
        Sam2Graphs.FrameFeatures f = features(s, t);
        MemoryBank.Selection sel = o.bank.select(t, reverse);
        float[] embed = graphs.attend(f, pointers(sel), sel.pointers().size(), memories(sel), sel.memories().size(),
                memoryPositions(s, sel), sel.condFrameIdDiff());
        Sam2Graphs.DecoderOutput out = graphs.decode(NO_POINT, NO_LABEL, embed, f);
        boolean present = out.occLogit() > 0;
        // An absent object (object score <= 0) gets an empty mask and the no-object memory path.
        float[] forMem = present ? out.maskForMem() : absentMask(out.maskForMem().length);
        // The raw backbone feature goes to the memory encoder, never the memory-conditioned one.
        remember(s, o.objId, t, f, forMem, out, false);
        BinaryMask mask = present ? Sam2Image.upscale(out.predMask(), s.width, s.height) : s.emptyMask();
        return new TrackedMask(o.objId, mask, present ? out.iou() : 0, present);
    }

    private void remember(TrackerState s, int objId, int t, Sam2Graphs.FrameFeatures f, float[] maskForMem,
            Sam2Graphs.DecoderOutput out, boolean conditioning) {
        Sam2Graphs.MemoryOutput m = graphs.encodeMemory(maskForMem, f.pixFeat(), out.occLogit());
        if (s.memoryPosByIndex == null) {
            s.memoryPosByIndex = positionsByIndex(m.posEnc(), m.temporalCode());
        }
        MemoryBank.Entry e = new MemoryBank.Entry(t, m.features(), out.objPtr(), out.occLogit() > 0);
        if (conditioning) {
            track(s, objId).bank.addConditioning(e);
        } else {
            track(s, objId).bank.add(e);
        }
    }

    private static float[] pointers(MemoryBank.Selection sel) {
        float[] p = new float[sel.pointers().size() * 256];
        for (int i = 0; i < sel.pointers().size(); i++) {
            System.arraycopy(sel.pointers().get(i).objPtr(), 0, p, i * 256, 256);
        }
        return p;
    }

    private static float[] memories(MemoryBank.Selection sel) {
        int size = 64 * 64 * 64;
        float[] m = new float[sel.memories().size() * size];
        for (int i = 0; i < sel.memories().size(); i++) {
            System.arraycopy(sel.memories().get(i).features(), 0, m, i * size, size);
        }
        return m;
    }

    /**
     * Each memory's position: maskmem_pos_enc + temporal_code[index]; then 4 rows per pointer, which the
     * exported graph overwrites with its own pointer encoding (placeholders here).
     */
    static float[] memoryPositions(TrackerState s, MemoryBank.Selection sel) {
        int n = sel.memories().size();
        int block = 4096 * 64;
        float[] pos = new float[(n * 4096 + 4 * sel.pointers().size()) * 64];
        for (int i = 0; i < n; i++) {
            System.arraycopy(s.memoryPosByIndex[sel.temporalIndex()[i]], 0, pos, i * block, block);
        }
        return pos;
    }

    /** maskmem_pos_enc [4096*64] + temporal_code[k] [64], for every temporal index k. */
    static float[][] positionsByIndex(float[] posEnc, float[] temporalCode) {
        float[][] out = new float[MemoryBank.NUM_MASKMEM][4096 * 64];
        for (int k = 0; k < MemoryBank.NUM_MASKMEM; k++) {
            for (int r = 0; r < 4096; r++) {
                for (int c = 0; c < 64; c++) {
                    out[k][r * 64 + c] = posEnc[r * 64 + c] + temporalCode[k * 64 + c];
                }
            }
        }
        return out;
    }

    private Sam2Graphs.FrameFeatures features(TrackerState s, int t) {
        if (s.lastFeatures == null || s.lastFeatures.frameIdx() != t) {
            Sam2Graphs.FrameFeatures ready = s.prefetched.take(t);
            if (ready != null) {
                s.lastFeatures = ready;
                return ready;
            }
            DecodedFrame frame = s.frames.apply(t);
            s.imageBuffer = Sam2Image.preprocess(frame.rgb(), frame.width(), frame.height(), s.imageBuffer);
            s.lastFeatures = graphs.encode(t, s.imageBuffer);
        }
        return s.lastFeatures;
    }

    private static float[] binarise(float[] maskForMem, boolean present) {
        float[] b = new float[maskForMem.length];
        for (int i = 0; i < b.length; i++) {
            b[i] = present && maskForMem[i] > 0 ? 10f : -10f;
        }
        return b;
    }

    /** sigmoid(NO_OBJ_SCORE) * 20 - 10: the memory input of an absent object. */
    private static float[] absentMask(int n) {
        float[] b = new float[n];
        java.util.Arrays.fill(b, -10f);
        return b;
    }

    private static TrackerState.ObjectTrack track(TrackerState s, int objId) {
        return s.objects.computeIfAbsent(objId, TrackerState.ObjectTrack::new);
    }

    private static void checkFrame(TrackerState s, int frameIdx) {
        if (frameIdx < 0 || frameIdx >= s.numFrames) {
            throw Errors.invalid("prompt.frame_index", "is " + frameIdx + "; the video has " + s.numFrames + " frames");
        }
    }
}
