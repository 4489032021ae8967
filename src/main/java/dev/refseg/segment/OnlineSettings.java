package dev.refseg.segment;

import dev.refseg.config.RefsegConfig;
import dev.refseg.v1.OverloadPolicy;
import dev.refseg.v1.SegmentOptions;

/** An online call's {@link OnlineSession.Settings}: {@code refseg.online.*}, overridden per call by the options. */
public final class OnlineSettings {
    private static final String K = "refseg.online.";

    private OnlineSettings() {
    }

    /**
     * @param windowFrames   the frames buffered before selection: the call's key-frame window
     *                       (SegmentOptions.window_frames or its default), a resumed call's seed pictures
     * @param reselectFrames the frames a re-acquisition looks at: from the first to the last frame a key-frame
     *                       window shows ({@link SelectionParams#shownSpan})
     * @param reselectStep   the frames apart a key-frame window shows them (frame_step)
     */
    public static OnlineSession.Settings of(RefsegConfig.Online d, SegmentOptions o, int windowFrames,
            int reselectFrames, int reselectStep) {
        boolean skip = switch (o.getOverload()) {
            case OVERLOAD_POLICY_SKIP -> true;
            case OVERLOAD_POLICY_BACKPRESSURE -> false;
            case OVERLOAD_POLICY_UNSPECIFIED -> d.overload() == RefsegConfig.Online.OverloadPolicy.SKIP;
            default -> throw new IllegalArgumentException("options.overload: unknown value " + o.getOverloadValue()
                    + "; use OVERLOAD_POLICY_BACKPRESSURE or OVERLOAD_POLICY_SKIP");
        };
        return new OnlineSession.Settings(skip, windowFrames, d.maxBacklog(),
                Math.max(d.maxPending(), windowFrames + d.maxBacklog()), d.stepFrames(), d.keepRecentFrames(),
                d.maxConditioningFrames(), d.reacquireAfter(), d.reacquireAttempts(), reselectFrames, reselectStep, d.maxRetrackFrames());
    }

    /** Checks the configured values at start; a value out of range names its key. */
    public static void checkDefaults(RefsegConfig.Online d) {
        inRange(K + "max-backlog", d.maxBacklog(), 1, 100_000);
        inRange(K + "max-pending", d.maxPending(), 1, 1_000_000);
        inRange(K + "step-frames", d.stepFrames(), 1, 256);
        inRange(K + "keep-recent-frames", d.keepRecentFrames(), 0, 10_000);
        inRange(K + "max-conditioning-frames", d.maxConditioningFrames(), 2, 64);
        inRange(K + "reacquire-attempts", d.reacquireAttempts(), 1, 1000);
        inRange(K + "max-retrack-frames", d.maxRetrackFrames(), 0, 100_000);
        if (d.audioWait().isNegative()) {
            throw new IllegalArgumentException(K + "audio-wait must not be negative, got " + d.audioWait());
        }
        if (d.reacquireAfter().isNegative()) {
            throw new IllegalArgumentException(K + "reacquire-after must not be negative, got " + d.reacquireAfter());
        }
    }

    private static void inRange(String key, int v, int lo, int hi) {
        if (v < lo || v > hi) {
            throw new IllegalArgumentException(key + " must be in [" + lo + ", " + hi + "], got " + v);
        }
    }
}
