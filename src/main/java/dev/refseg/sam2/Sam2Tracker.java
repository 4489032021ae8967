package dev.refseg.sam2;

import dev.refseg.errors.Errors;
import dev.refseg.mask.BinaryMask;
import dev.refseg.mask.EncodedMask;
import dev.refseg.mask.PixelBox;
import dev.refseg.media.DecodedFrame;
import dev.refseg.v1.PassDirection;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.IntFunction;

/**
 * SAM 2.1 video tracking (reference/models.md §1.3-1.5) over either export family ({@link Sam2Model}:
 * the family runs the graphs, this class owns the loop and the memory-bank policy): prompts make
 * conditioning frames; {@link #propagate} then tracks every object forward from the earliest prompted
 * frame to the end and backward to frame 0, each frame exactly once, handing each frame's masks to the
 * sink as soon as they are computed. Stateless: everything per video lives in {@link TrackerState}.
 * <p>
 * With a lookahead executor, propagation is pipelined: while frame t goes through memory attention,
 * the decoder and the memory encoder on the calling thread, frame t+1 (in tracking order) is read,
 * preprocessed and encoded on the executor. One frame ahead at most, so memory grows by one frame's
 * features, and masks still come out in order, since only the encoder runs ahead (it reads no memory).
 */
public final class Sam2Tracker {
    /** Receives one frame's masks (all objects) in output order. */
    public interface FrameSink {
        void accept(int frameIdx, PassDirection direction, List<TrackedMask> masks);
    }

    private final Sam2Model model;
    /** Runs the next frame's image encoder during the current frame's tracking; null: no pipelining. */
    private final Executor lookahead;

    public Sam2Tracker(Sam2Model model) {
        this(model, null);
    }

    /**
     * @param lookahead where frame t+1's read, preprocessing and image encoder run while frame t is tracked
     *                  (one task per propagating call at a time); null to run everything on the caller
     */
    public Sam2Tracker(Sam2Model model, Executor lookahead) {
        this.model = model;
        this.lookahead = lookahead;
    }

    public Sam2Model model() {
        return model;
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
     * A tracking state for a live stream (online mode): frames keep arriving ({@link #received}) and are
     * tracked one by one with {@link #trackLive}, possibly with gaps (skipped frames); memories are read by
     * recency ({@link MemoryBank#selectRecent}) and trimmed to what SAM 2 reads, and each object keeps at
     * most {@code maxConditioning} conditioning frames (its first and its latest), so the state stays
     * bounded however long the stream runs. Prompts ({@link #addBox}, {@link #addMask}) may be added on any
     * received frame at any time, e.g. to re-seed a lost object on a recent frame.
     *
     * @param frames          reads a received frame (frames already tracked may have been forgotten)
     * @param received        frames received so far (at least 1)
     * @param maxConditioning conditioning frames kept per object, at least 2
     */
    public TrackerState initLive(IntFunction<DecodedFrame> frames, int received, int width, int height,
            int maxConditioning) {
        return initLive(frames, received, width, height, maxConditioning, new FeatureCache(0));
    }

    /**
     * As {@link #initLive(IntFunction, int, int, int, int)}, taking each frame's encoder output from
     * {@code prefetched} when it is there: what the selection encoded while the LLM chose the key box (the
     * prompt frame first) is not encoded again.
     */
    public TrackerState initLive(IntFunction<DecodedFrame> frames, int received, int width, int height,
            int maxConditioning, FeatureCache prefetched) {
        if (maxConditioning < 2) {
            throw new IllegalArgumentException("maxConditioning must be at least 2, got " + maxConditioning);
        }
        TrackerState s = new TrackerState(frames, received, width, height);
        s.prefetched = prefetched;
        s.live = true;
        s.maxConditioning = maxConditioning;
        return s;
    }

    /** A live stream has received {@code frames} frames in all (never fewer than before). */
    public void received(TrackerState s, int frames) {
        s.numFrames = Math.max(s.numFrames, frames);
    }

    /**
     * Live streams: every object's mask on received frame {@code t}, tracked in direction {@code reverse}
     * (the backward fill of the buffered window) or forward; a prompted frame gives its prompt's mask.
     * {@code start} is the first prompted frame, whose neighbours the bank keeps for the turn from the
     * backward fill to the forward pass. Each frame is to be tracked at most once.
     *
     * @return one mask per object, in the order the objects were added
     */
    public List<TrackedMask> trackLive(TrackerState s, int t, boolean reverse, int start) {
        if (!s.live) {
            throw new IllegalStateException("trackLive needs a state made by initLive");
        }
        checkFrame(s, t);
        return step(s, t, reverse, start);
    }

    /**
     * Live streams, after a re-seed on frame {@code from}: tracks frames {@code from + 1} to {@code to - 1}
     * again, silently. They were tracked before the new prompt, so their memories say "absent"; the next
     * frame would read them and not find the object near the prompt. SAM 2's predictor re-propagates the
     * frames after a new prompt; here those frames' masks have already been sent, so only the memories
     * (and pointers) are rebuilt. Every frame from {@code from} on must still be held.
     *
     * @param to    the next frame live tracking will answer (nothing is re-tracked at or after it)
     * @param start the first prompted frame (as {@link #trackLive})
     * @return the frames re-tracked (0 when {@code from} is the last frame answered or later)
     */
    public int retrackLive(TrackerState s, int from, int to, int start) {
        if (!s.live) {
            throw new IllegalStateException("retrackLive needs a state made by initLive");
        }
        for (TrackerState.ObjectTrack o : s.objects.values()) {
            o.bank.forgetAfter(from);
        }
        int n = 0;
        for (int t = from + 1; t < to; t++) {
            checkFrame(s, t);
            step(s, t, false, start);
            n++;
        }
        return n;
    }

    /** Whether {@code t} is a prompted frame of some object (its masks are the prompts' own). */
    public boolean isPrompted(TrackerState s, int t) {
        return s.objects.values().stream().anyMatch(o -> o.promptMasks.containsKey(t));
    }

    /**
     * Runs the image encoder on one frame ahead of tracking and keeps the result in {@code cache}; false
     * when the cache is full (nothing is computed then).
     */
    public boolean prefetch(DecodedFrame frame, FeatureCache cache) {
        if (cache.isFull() || cache.contains(frame.index())) {
            return !cache.isFull();
        }
        // Prefetches of one session run one after the other, so the cache's one input buffer serves them all.
        cache.image = model.preprocess(frame.rgb(), frame.width(), frame.height(), cache.image);
        Sam2Model.Features f = model.encode(frame.index(), cache.image);
        if (!cache.put(f)) {
            f.close();
            return false;
        }
        return true;
    }

    /** Prompts an object with a box (frame pixels) on one frame; that frame becomes a conditioning frame. */
    public TrackedMask addBox(TrackerState s, int objId, int frameIdx, PixelBox box) {
        checkFrame(s, frameIdx);
        Sam2Model.Features f = features(s, frameIdx);
        // A box is two points labelled 2 and 3, in the model's SxS space, before any clicks.
        boolean present;
        EncodedMask mask;
        float iou;
        try (Sam2Model.Decoded out = model.decodeBox(f, Sam2Image.boxPoints(box, s.width, s.height, model.imageSize()))) {
            present = out.present();
            iou = out.iou();
            mask = encode(s, out);
            remember(s, objId, frameIdx, model.memory(f, out, true), out.objPtr(), present, true);
        }
        TrackedMask result = new TrackedMask(objId, mask, present ? iou : 0, present);
        prompted(s, objId, frameIdx, result);
        return result;
    }

    /**
     * Prompts an object with a mask: the mask is that frame's output as given; the memory stores it
     * binarised, and the object pointer comes from the decoder prompted with the mask's box (the
     * exported decoders take no mask input).
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
        Sam2Model.Features f = features(s, frameIdx);
        try (Sam2Model.Decoded out = model.decodeBox(f, Sam2Image.boxPoints(box, s.width, s.height, model.imageSize()))) {
            remember(s, objId, frameIdx, model.maskMemory(f, mask, out), out.objPtr(), true, true);
        }
        TrackedMask result = new TrackedMask(objId, EncodedMask.of(mask), 1f, true);
        prompted(s, objId, frameIdx, result);
        return result;
    }

    /** Records a prompt's mask; in a live stream, drops the object's conditioning frames beyond the cap. */
    private static void prompted(TrackerState s, int objId, int frameIdx, TrackedMask mask) {
        TrackerState.ObjectTrack o = track(s, objId);
        o.promptMasks.put(frameIdx, mask);
        if (s.maxConditioning > 0) {
            o.bank.capConditioning(s.maxConditioning).forEach(o.promptMasks::remove);
        }
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
            pipeline(s, t, t + 1 < s.numFrames ? t + 1 : start - 1);
            List<TrackedMask> masks = step(s, t, false, start);
            sink.accept(t, direction(s, t, PassDirection.PASS_DIRECTION_FORWARD), masks);
        }
        for (int t = start - 1; t >= 0; t--) {
            pipeline(s, t, t - 1);
            List<TrackedMask> masks = step(s, t, true, start);
            sink.accept(t, direction(s, t, PassDirection.PASS_DIRECTION_BACKWARD), masks);
        }
    }

    /**
     * Before tracking frame t: takes t's features (from the lookahead task when it ran) and starts encoding
     * frame {@code next} on the lookahead executor, unless there is none or nothing to do there (no such
     * frame, every object prompted there, already computed).
     */
    private void pipeline(TrackerState s, int t, int next) {
        if (lookahead == null) {
            return;
        }
        if (!promptedForAll(s, t)) {
            features(s, t);
        }
        if (next < 0 || next >= s.numFrames || s.ahead != null || promptedForAll(s, next)
                || s.prefetched.contains(next) || (s.lastFeatures != null && s.lastFeatures.frameIdx() == next)) {
            return;
        }
        FutureTask<Sam2Model.Features> task = new FutureTask<>(() -> {
            if (s.isClosed()) {
                return null;
            }
            DecodedFrame frame = s.frames.apply(next);
            s.lookaheadImage = model.preprocess(frame.rgb(), frame.width(), frame.height(), s.lookaheadImage);
            // Freed here instead when the call ended meanwhile: nobody will take them.
            return s.encodedAhead(model.encode(next, s.lookaheadImage));
        });
        try {
            lookahead.execute(task);
            s.ahead = new TrackerState.Ahead(next, task);
        } catch (RejectedExecutionException e) {
            // The executor stopped (the models are closing): frame next is encoded here when reached.
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
            if (s.live) {
                o.bank.evictRecent(t, reverse, start);
            } else {
                o.bank.evict(t, reverse, start);
            }
        }
        return out;
    }

    private TrackedMask trackFrame(TrackerState s, TrackerState.ObjectTrack o, int t, boolean reverse) {
        Sam2Model.Features f = features(s, t);
        MemoryBank.Selection sel = s.live ? o.bank.selectRecent(t, reverse) : o.bank.select(t, reverse);
        try (Sam2Model.Decoded out = model.decodeTracked(f, sel, t, s.live ? 0 : s.numFrames)) {
            boolean present = out.present();
            // An absent object (object score <= 0) gets an empty mask; the family stores its no-object memory.
            remember(s, o.objId, t, model.memory(f, out, false), out.objPtr(), present, false);
            return new TrackedMask(o.objId, encode(s, out), present ? out.iou() : 0, present);
        }
    }

    /** The decoder's mask at frame size, encoded without a full-size image; empty when absent. */
    private static EncodedMask encode(TrackerState s, Sam2Model.Decoded out) {
        return out.present() ? EncodedMask.fromLogits(out.lowResMask(), out.lowResSize(), s.width, s.height)
                : EncodedMask.empty(s.height, s.width);
    }

    private static void remember(TrackerState s, int objId, int t, float[] memory, float[] objPtr, boolean present,
            boolean conditioning) {
        MemoryBank.Entry e = new MemoryBank.Entry(t, memory, objPtr, present);
        if (conditioning) {
            track(s, objId).bank.addConditioning(e);
        } else {
            track(s, objId).bank.add(e);
        }
    }

    private Sam2Model.Features features(TrackerState s, int t) {
        if (s.lastFeatures == null || s.lastFeatures.frameIdx() != t) {
            Sam2Model.Features ready = s.ahead != null && s.ahead.frameIdx() == t ? awaitAhead(s) : s.prefetched.take(t);
            if (ready == null) {
                DecodedFrame frame = s.frames.apply(t);
                s.imageBuffer = model.preprocess(frame.rgb(), frame.width(), frame.height(), s.imageBuffer);
                ready = model.encode(t, s.imageBuffer);
            }
            // The previous frame is done: its features' buffers can serve the next encode.
            if (s.lastFeatures != null) {
                s.lastFeatures.close();
            }
            s.lastFeatures = ready;
        }
        return s.lastFeatures;
    }

    private static boolean promptedForAll(TrackerState s, int t) {
        return s.objects.values().stream().allMatch(o -> o.promptMasks.containsKey(t));
    }

    /** The lookahead task's features; its failure (e.g. a corrupt frame) is this frame's failure. */
    private static Sam2Model.Features awaitAhead(TrackerState s) {
        FutureTask<Sam2Model.Features> task = s.ahead.task();
        s.ahead = null;
        try {
            Sam2Model.Features f = task.get();
            s.tookAhead(f);
            return f;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Errors.unavailable("interrupted while the next frame was encoded", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw Errors.internal("encoding frame ahead failed: " + e.getCause(), e.getCause());
        }
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
