package dev.refseg.inference;

import dev.refseg.mask.MaskProtos;
import dev.refseg.media.FrameStore;
import dev.refseg.sam2.Sam2Tracker;
import dev.refseg.sam2.TrackedMask;
import dev.refseg.sam2.TrackerState;
import dev.refseg.v1.LiveStep;
import dev.refseg.v1.MaskFrame;
import dev.refseg.v1.PassDirection;
import java.util.List;

/**
 * One online session's live tracking on the inference side ({@code begin_live}, then {@code track_live}
 * steps): the output order is the start (prompted) frame, the backward fill of the buffered frames down to
 * frame 0, then every received frame forward, each exactly once, tracked or skipped. Frames more than
 * {@code keepRecent} before the next frame to track are forgotten by the frame store, and the tracker
 * keeps only what SAM 2 reads ({@link Sam2Tracker#initLive}), so a stream of any length holds bounded
 * memory and scratch disk. Called from one thread at a time (the session's).
 */
final class LiveTracking implements AutoCloseable {
    private final Sam2Tracker tracker;
    private final FrameStore frames;
    /** Null when there is nothing to track: every frame then gets an empty MaskFrame. */
    private final TrackerState state;
    private final AutoCloseable release;
    private final int start;
    private final boolean includePng;
    private final int keepRecent;
    /** The start frame's prompt masks have been output. */
    private boolean startDone;
    /** The next frame of the backward fill, or -1 once it is done. */
    private int backward;
    /** The next frame forward. */
    private int forward;

    /**
     * @param state      the seeded tracker state (prompts on {@code start}), or null for no objects
     * @param release    frees the state and whatever was reserved for it; run once by {@link #close}
     * @param keepRecent frames kept before the next frame to track (a recent window for re-selection)
     */
    LiveTracking(Sam2Tracker tracker, FrameStore frames, TrackerState state, AutoCloseable release, int start,
            boolean includePng, int keepRecent) {
        this.tracker = tracker;
        this.frames = frames;
        this.state = state;
        this.release = release;
        this.start = state == null ? 0 : start;
        this.includePng = includePng;
        this.keepRecent = keepRecent;
        this.startDone = state == null;
        this.backward = state == null ? -1 : start - 1;
        this.forward = state == null ? 0 : start + 1;
    }

    /**
     * Handles at most {@code maxFrames} frames in output order; with {@code maxBacklog > 0}, forward frames
     * are skipped while more than {@code maxBacklog} received frames wait (the oldest first).
     */
    LiveStep step(int maxFrames, int maxBacklog) {
        return step(maxFrames, maxBacklog, Integer.MAX_VALUE);
    }

    /** As {@link #step(int, int)}, keeping the frames from {@code holdFrom} on (a re-selection reads them). */
    LiveStep step(int maxFrames, int maxBacklog, int holdFrom) {
        int received = frames.size();
        if (state != null) {
            tracker.received(state, received);
        }
        LiveStep.Builder out = LiveStep.newBuilder();
        while (out.getMasksCount() < maxFrames) {
            if (!startDone) {
                out.addMasks(track(start, false, PassDirection.PASS_DIRECTION_PROMPT));
                startDone = true;
            } else if (backward >= 0) {
                out.addMasks(track(backward, true, PassDirection.PASS_DIRECTION_BACKWARD));
                backward--;
            } else if (forward < received) {
                int backlog = received - forward;
                out.addMasks(maxBacklog > 0 && backlog > maxBacklog ? skipped(forward, backlog, maxBacklog)
                        : track(forward, false, PassDirection.PASS_DIRECTION_LIVE));
                forward++;
            } else {
                break;
            }
        }
        if (backward < 0) {
            frames.forgetBefore(Math.min(forward - keepRecent, holdFrom));
        }
        int backlog = Math.max(0, received - forward) + backward + 1 + (startDone ? 0 : 1);
        return out.setBacklog(backlog).setFramesHeld(frames.held()).setFirstHeldFrameIndex(frames.firstHeld())
                .setMemoriesHeld(state == null ? 0 : state.storedMemories())
                .setConditioningHeld(state == null ? 0 : state.conditioningMemories()).build();
    }

    private MaskFrame track(int t, boolean reverse, PassDirection direction) {
        List<TrackedMask> masks = state == null ? List.of() : tracker.trackLive(state, t, reverse, start);
        return maskFrame(t, frames.timestampUs(t), direction, masks, includePng);
    }

    /**
     * After a re-seed whose earliest prompt is on frame {@code from}: tracks the frames answered after it
     * again, without output ({@link Sam2Tracker#retrackLive}), so that the next frame reads memories of the
     * re-seeded objects. Nothing to do while the backward fill runs (the forward pass has not begun).
     *
     * @return the frames tracked again
     */
    int retrack(int from) {
        if (state == null || backward >= 0 || from >= forward - 1) {
            return 0;
        }
        return tracker.retrackLive(state, from, forward, start);
    }

    /** The tracker state, null when live tracking has no objects (re-seeding then has nothing to add to). */
    TrackerState state() {
        return state;
    }

    /** One frame's MaskFrame: every object's mask, as the tracker gave them. */
    static MaskFrame maskFrame(int t, long timestampUs, PassDirection direction, List<TrackedMask> masks,
            boolean includePng) {
        MaskFrame.Builder f = MaskFrame.newBuilder().setFrameIndex(t).setTimestampUs(timestampUs).setDirection(direction);
        for (TrackedMask m : masks) {
            f.addObjects(MaskProtos.objectMask(m.objId(), m.encoded(), m.score(), m.present(), includePng));
        }
        return f.build();
    }

    private MaskFrame skipped(int t, int backlog, int maxBacklog) {
        return MaskFrame.newBuilder().setFrameIndex(t).setTimestampUs(frames.timestampUs(t)).setSkipped(true)
                .setSkipReason("the tracker was " + backlog + " frames behind, more than the backlog bound "
                        + maxBacklog + " (refseg.online.max-backlog)").build();
    }

    @Override
    public void close() {
        try {
            release.close();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw dev.refseg.errors.Errors.internal("live tracking state could not be freed: " + e, e);
        }
    }
}
