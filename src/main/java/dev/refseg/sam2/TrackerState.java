package dev.refseg.sam2;

import dev.refseg.media.DecodedFrame;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.IntFunction;

/**
 * The tracking state of one video (one client call), created by {@link Sam2Tracker#init} and passed to
 * every tracker method; the tracker itself holds no per-video state. Closing it drops everything.
 */
public final class TrackerState implements AutoCloseable {
    /** Per object: its memory and its prompted frames' masks. */
    static final class ObjectTrack {
        final int objId;
        /** Conditioning and recent memories (bounded; see MemoryBank). */
        final MemoryBank bank = new MemoryBank();
        /** Masks of the prompted frames, output as they are rather than re-tracked. */
        final TreeMap<Integer, TrackedMask> promptMasks = new TreeMap<>();

        ObjectTrack(int objId) {
            this.objId = objId;
        }
    }

    /** Where frames come from (decoded on demand; the store keeps them compressed). */
    final IntFunction<DecodedFrame> frames;
    /** Frames in the video; for a live stream, the frames received so far (grows, see {@link #live}). */
    int numFrames;
    /**
     * A live stream ({@link Sam2Tracker#initLive}): frames keep arriving and some may be skipped, so
     * memories are read by recency rather than by distance, and conditioning frames are capped.
     */
    boolean live;
    /** Live streams: most conditioning frames per object (0 = no cap). */
    int maxConditioning;
    final int width;
    final int height;
    /** Objects by client id, in the order they were added. */
    final Map<Integer, ObjectTrack> objects = new LinkedHashMap<>();
    /** The encoder output of the most recent frame: shared by all objects of that frame. */
    Sam2Model.Features lastFeatures;
    /** Encoder outputs computed before tracking began (taken as frames are reached). */
    FeatureCache prefetched = new FeatureCache(0);
    /** Reused [1,3,S,S] input buffer (direct: the encoder reads it in place). */
    java.nio.FloatBuffer imageBuffer;
    /**
     * The lookahead task's own [1,3,S,S] input buffer (it runs beside the caller's encodes). Not pooled:
     * a task still running when the call ends may still read it, so it goes with the state, to the GC.
     */
    java.nio.FloatBuffer lookaheadImage;
    /** The frame being encoded ahead, or null. */
    Ahead ahead;
    /**
     * The lookahead encode's features from when its encode finished until tracking takes them: close
     * frees them if tracking never does.
     */
    private Sam2Model.Features aheadDone;
    private volatile boolean closed;

    /** A frame whose encoder output is being computed on the lookahead executor. */
    record Ahead(int frameIdx, java.util.concurrent.FutureTask<Sam2Model.Features> task) {
    }

    TrackerState(IntFunction<DecodedFrame> frames, int numFrames, int width, int height) {
        this.frames = frames;
        this.numFrames = numFrames;
        this.width = width;
        this.height = height;
    }

    public int numFrames() {
        return numFrames;
    }

    public boolean hasPrompts() {
        return objects.values().stream().anyMatch(o -> !o.promptMasks.isEmpty());
    }

    /** The ids of the objects tracked, in the order they were added. */
    public java.util.Set<Integer> objectIds() {
        return java.util.Collections.unmodifiableSet(objects.keySet());
    }

    /** Conditioning memories held over all objects (capped in live streams). */
    public int conditioningMemories() {
        return objects.values().stream().mapToInt(o -> o.bank.conditioningCount()).sum();
    }

    /** Non-conditioning memories held over all objects (for tests of bounded memory). */
    public int storedMemories() {
        return objects.values().stream().mapToInt(o -> o.bank.storedCount()).sum();
    }

    boolean isClosed() {
        return closed;
    }

    /**
     * Called by the lookahead task when its encode has finished: keeps the features for tracking to take,
     * or frees them when the state was closed meanwhile (nobody will take them).
     *
     * @param f the encoded frame's features
     * @return {@code f}, or null when the state is closed (and {@code f} freed)
     */
    synchronized Sam2Model.Features encodedAhead(Sam2Model.Features f) {
        if (closed) {
            f.close();
            return null;
        }
        aheadDone = f;
        return f;
    }

    /** Tracking took the lookahead's features ({@code f}, from its task): they are its to close now. */
    synchronized void tookAhead(Sam2Model.Features f) {
        if (aheadDone == f) {
            aheadDone = null;
        }
    }

    /**
     * Drops everything. A lookahead encode that is still running is not touched (its native run reads the
     * state's input buffer and writes the encoder's): it frees its own features when it finishes, and
     * features it finished but tracking never took are freed here.
     */
    @Override
    public void close() {
        Sam2Model.Features untaken;
        synchronized (this) {
            closed = true;
            untaken = aheadDone;
            aheadDone = null;
        }
        if (untaken != null) {
            untaken.close();
        }
        if (ahead != null) {
            // One that has not started never will (a running one is not interrupted; see above).
            ahead.task().cancel(false);
            ahead = null;
        }
        objects.clear();
        if (lastFeatures != null) {
            lastFeatures.close();
            lastFeatures = null;
        }
        imageBuffer = null;
    }
}
