package dev.refseg.sam2;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One object's SAM 2 memory (sam2_base.py {@code _prepare_memory_conditioned_features}, models.md §1.5):
 * <ul>
 *   <li>conditioning (prompted) frames are kept for the whole video and all attended, with temporal
 *       index 6 (t_pos 0);</li>
 *   <li>of the other frames, the last 6 in tracking direction are attended, oldest first: frame t-6
 *       (t_pos 1) gets temporal index 5 ... frame t-1 (t_pos 6) gets index 0;</li>
 *   <li>object pointers: the nearest conditioning frame at or before t (in tracking direction) first,
 *       then t-1, t-2, ... t-15 where they exist, at most 16 in all.</li>
 * </ul>
 * Only one conditioning pointer goes in: the exported memory attention (NVIDIA B3) computes the pointer
 * positions itself as [cond_frame_id_diff, 1, 2, ...], which leaves room for exactly one.
 * <p>
 * Non-conditioning memories are dropped once SAM 2 can no longer read them (more than 16 frames
 * behind), except those next to the start frame, which the backward pass reads first: memory stays
 * bounded however long the video.
 */
public final class MemoryBank {
    public static final int NUM_MASKMEM = 7;
    public static final int MAX_OBJ_PTRS = 16;
    /** Frames behind the current one whose memories can still be read (pointers reach t-15). */
    public static final int READ_WINDOW = MAX_OBJ_PTRS;

    /** What a frame left in memory. */
    public record Entry(int frameIdx, float[] features, float[] objPtr, boolean present) {
    }

    /** The memories and pointers for tracking one frame, in the order the graph expects. */
    public record Selection(List<Entry> memories, int[] temporalIndex, List<Entry> pointers, float condFrameIdDiff) {
    }

    private final TreeMap<Integer, Entry> cond = new TreeMap<>();
    private final TreeMap<Integer, Entry> nonCond = new TreeMap<>();
    /** The first conditioning frame ever added (kept by {@link #capConditioning}), or -1. */
    private int initialConditioning = -1;

    public void addConditioning(Entry e) {
        if (cond.isEmpty() && initialConditioning < 0) {
            initialConditioning = e.frameIdx();
        }
        cond.put(e.frameIdx(), e);
        nonCond.remove(e.frameIdx());
    }

    public void add(Entry e) {
        if (!cond.containsKey(e.frameIdx())) {
            nonCond.put(e.frameIdx(), e);
        }
    }

    public boolean isConditioning(int frameIdx) {
        return cond.containsKey(frameIdx);
    }

    public Entry conditioning(int frameIdx) {
        return cond.get(frameIdx);
    }

    public int conditioningCount() {
        return cond.size();
    }

    public int storedCount() {
        return nonCond.size();
    }

    public Selection select(int t, boolean reverse) {
        int dir = reverse ? -1 : 1;
        return select(t, reverse, k -> nonCond.get(t - dir * k));
    }

    /**
     * As {@link #select}, for a live stream whose tracker may skip frames: the memories and pointers are
     * those of the nearest frames tracked before {@code t} (in tracking direction), whatever their
     * distance, as SAM 2 would read them had the skipped frames never been in the video. Without skips
     * this is the same selection as {@link #select}.
     */
    public Selection selectRecent(int t, boolean reverse) {
        List<Entry> nearest = new ArrayList<>(MAX_OBJ_PTRS);
        for (Entry e : behind(t, reverse, false).values()) {
            if (nearest.size() == MAX_OBJ_PTRS - 1) {
                break;
            }
            nearest.add(e);
        }
        return select(t, reverse, k -> k <= nearest.size() ? nearest.get(k - 1) : null);
    }

    /** The non-conditioning entries behind {@code t} in tracking direction, nearest first. */
    private java.util.NavigableMap<Integer, Entry> behind(int t, boolean reverse, boolean inclusive) {
        return reverse ? nonCond.tailMap(t, inclusive) : nonCond.headMap(t, inclusive).descendingMap();
    }

    /**
     * The selection for frame t, given the non-conditioning entry {@code k} steps behind it (k = 1..15,
     * null where there is none).
     */
    private Selection select(int t, boolean reverse, java.util.function.IntFunction<Entry> stepsBehind) {
        List<Entry> memories = new ArrayList<>(cond.values());
        List<Integer> index = new ArrayList<>();
        cond.values().forEach(e -> index.add(NUM_MASKMEM - 1));
        for (int tPos = 1; tPos < NUM_MASKMEM; tPos++) {
            int rel = NUM_MASKMEM - tPos;
            Entry prev = stepsBehind.apply(rel);
            if (prev != null) {
                memories.add(prev);
                index.add(NUM_MASKMEM - tPos - 1);
            }
        }
        List<Entry> pointers = new ArrayList<>();
        Map.Entry<Integer, Entry> past = reverse ? cond.ceilingEntry(t) : cond.floorEntry(t);
        if (past == null) {
            past = reverse ? cond.floorEntry(t) : cond.ceilingEntry(t);
        }
        float diff = 0;
        if (past != null) {
            pointers.add(past.getValue());
            diff = Math.abs(t - past.getKey());
        }
        for (int tDiff = 1; tDiff < MAX_OBJ_PTRS && pointers.size() < MAX_OBJ_PTRS; tDiff++) {
            Entry e = stepsBehind.apply(tDiff);
            if (e != null) {
                pointers.add(e);
            }
        }
        return new Selection(memories, index.stream().mapToInt(Integer::intValue).toArray(), pointers, diff);
    }

    /**
     * Called once frame {@code t} is done: drops non-conditioning memories that the next frame can no
     * longer read (more than 15 frames behind it), keeping those within {@link #READ_WINDOW} frames after
     * {@code keepFrom} (the start frame), which the backward pass reads first.
     */
    public void evict(int t, boolean reverse, int keepFrom) {
        nonCond.keySet().removeIf(f -> {
            int behind = reverse ? f - t : t - f;
            boolean readable = behind >= 0 && behind < READ_WINDOW - 1;
            boolean nearStart = f > keepFrom && f - keepFrom <= READ_WINDOW;
            return !readable && !nearStart;
        });
    }

    /** Drops the non-conditioning memories of frames after {@code frame} (they are to be tracked again). */
    public void forgetAfter(int frame) {
        nonCond.tailMap(frame, false).clear();
    }

    /**
     * Live-stream eviction, called once frame {@code t} is done: keeps the 15 nearest non-conditioning
     * memories at or behind t (all that {@link #selectRecent} can read next), and during the backward
     * fill ({@code reverse}) also the 16 frames before {@code keepFrom}, the start frame, which the
     * forward pass reads first. Everything else is dropped, so memory stays bounded however long the
     * stream runs and however many frames are skipped.
     */
    public void evictRecent(int t, boolean reverse, int keepFrom) {
        java.util.Set<Integer> keep = new java.util.HashSet<>();
        for (Integer f : behind(t, reverse, true).keySet()) {
            if (keep.size() == READ_WINDOW - 1) {
                break;
            }
            keep.add(f);
        }
        nonCond.keySet().removeIf(f -> !keep.contains(f) && !(reverse && f < keepFrom && keepFrom - f <= READ_WINDOW));
    }

    /**
     * Caps the conditioning frames at {@code max} (at least 2): the first one ever added stays, and the
     * oldest of the others are dropped (a live stream re-seeded again and again keeps its first prompt
     * and its latest ones).
     *
     * @return the frames dropped, oldest first
     */
    public List<Integer> capConditioning(int max) {
        if (max < 2) {
            throw new IllegalArgumentException("max conditioning frames must be at least 2, got " + max);
        }
        List<Integer> dropped = new ArrayList<>();
        while (cond.size() > max) {
            Integer oldest = cond.keySet().stream().filter(f -> f != initialConditioning).findFirst().orElseThrow();
            cond.remove(oldest);
            dropped.add(oldest);
        }
        return dropped;
    }
}
