package dev.refseg.sam2;

import java.util.HashMap;
import java.util.Map;

/**
 * Image-encoder outputs computed ahead of tracking (while the LLM is still choosing), by frame. Bounded:
 * at SAM 2.1's sizes one frame's features are about 24 MB. Tracking takes each entry when it reaches
 * that frame; since propagation visits every frame once, nothing computed here is wasted.
 */
public final class FeatureCache {
    private final int capacity;
    private final Map<Integer, Sam2Model.Features> byFrame = new HashMap<>();
    /** The [1,3,S,S] input buffer this cache's prefetches reuse (they run one at a time). */
    java.nio.FloatBuffer image;
    /** Set by {@link #close}: features put later (a prefetch that was running) are refused. */
    private boolean closed;

    public FeatureCache(int capacity) {
        this.capacity = Math.max(0, capacity);
    }

    public synchronized boolean isFull() {
        return byFrame.size() >= capacity;
    }

    public synchronized boolean contains(int frame) {
        return byFrame.containsKey(frame);
    }

    /**
     * Stores one frame's features.
     *
     * @return false, with nothing stored (the caller keeps and closes {@code f}), when full or closed
     */
    public synchronized boolean put(Sam2Model.Features f) {
        if (closed || byFrame.size() >= capacity && !byFrame.containsKey(f.frameIdx())) {
            return false;
        }
        byFrame.put(f.frameIdx(), f);
        return true;
    }

    /** Removes and returns a frame's features, or null. */
    public synchronized Sam2Model.Features take(int frame) {
        return byFrame.remove(frame);
    }

    public synchronized int size() {
        return byFrame.size();
    }

    /** Drops every entry and gives back its buffers. */
    public synchronized void clear() {
        byFrame.values().forEach(Sam2Model.Features::close);
        byFrame.clear();
    }

    /**
     * Clears the cache for good, when its session ends: a prefetch still encoding then finds it closed
     * and frees its features itself.
     */
    public synchronized void close() {
        closed = true;
        clear();
    }
}
