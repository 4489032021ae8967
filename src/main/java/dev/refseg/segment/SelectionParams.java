package dev.refseg.segment;

import dev.refseg.config.RefsegConfig;
import dev.refseg.errors.Errors;
import dev.refseg.v1.SegmentOptions;

/**
 * The GPT-PS settings of one call: the call's SegmentOptions where set, the server's defaults otherwise.
 *
 * @param lastResortMinScore least score of the last-resort box (refseg.selection.last-resort-min-score);
 *                           0 takes any box, as the reference does
 */
public record SelectionParams(int windowFrames, int framesPerWindow, int frameStep, float boxThreshold,
        float textThreshold, int maxCandidates, float fallbackBoxThreshold, float fallbackTextThreshold,
        int maxObjects, boolean useLlm, boolean omitReasoning, float lastResortMinScore) {

    public static final String KEY_LAST_RESORT_MIN_SCORE = "refseg.selection.last-resort-min-score";
    /** The documented default of {@link #KEY_LAST_RESORT_MIN_SCORE}. */
    public static final float DEFAULT_LAST_RESORT_MIN_SCORE = 0.1f;

    /** With the default last-resort floor. */
    public SelectionParams(int windowFrames, int framesPerWindow, int frameStep, float boxThreshold, float textThreshold,
            int maxCandidates, float fallbackBoxThreshold, float fallbackTextThreshold, int maxObjects, boolean useLlm,
            boolean omitReasoning) {
        this(windowFrames, framesPerWindow, frameStep, boxThreshold, textThreshold, maxCandidates, fallbackBoxThreshold,
                fallbackTextThreshold, maxObjects, useLlm, omitReasoning, DEFAULT_LAST_RESORT_MIN_SCORE);
    }

    /**
     * The call's settings (options already checked by {@link StartValidator}).
     *
     * @throws io.grpc.StatusRuntimeException INVALID_ARGUMENT when the shown frames do not fit the window
     */
    public static SelectionParams of(RefsegConfig.Selection d, SegmentOptions o, boolean llmConfigured) {
        SelectionParams p = merged(d, o, llmConfigured);
        String misfit = p.windowMisfit();
        if (misfit != null) {
            throw Errors.invalid("start.options.frames_per_window", misfit + "; lower start.options.frames_per_window "
                    + "or frame_step, or raise window_frames (unset options take refseg.selection.*)");
        }
        return p;
    }

    /** The option where set (non-zero), else the default. */
    private static SelectionParams merged(RefsegConfig.Selection d, SegmentOptions o, boolean llmConfigured) {
        return new SelectionParams(
                o.getWindowFrames() > 0 ? o.getWindowFrames() : d.windowFrames(),
                o.getFramesPerWindow() > 0 ? o.getFramesPerWindow() : d.framesPerWindow(),
                o.getFrameStep() > 0 ? o.getFrameStep() : d.frameStep(),
                o.getBoxThreshold() > 0 ? o.getBoxThreshold() : d.boxThreshold(),
                o.getTextThreshold() > 0 ? o.getTextThreshold() : d.textThreshold(),
                o.getMaxCandidates() > 0 ? o.getMaxCandidates() : d.maxCandidates(),
                d.fallbackBoxThreshold(), d.fallbackTextThreshold(),
                o.getMaxObjects() > 0 ? o.getMaxObjects() : d.maxObjects(),
                llmConfigured && !o.getDisableLlm(), o.getOmitReasoning(), d.lastResortMinScore());
    }

    /**
     * Re-acquisition of an audio referent's sounding objects (online mode): the text selection run again
     * on a recent window with their categories as the sentence, at the audio referent's detector
     * thresholds and object count. An audio call's window is often short (LBRU's first window) and its
     * frames_per_window is LBRU's tile: where the shown frames would not fit the window, they are spaced
     * closer (frame_step lowered) rather than fewer shown.
     */
    public static SelectionParams forSoundingObjects(RefsegConfig.Selection d, SegmentOptions o, AudioParams a) {
        SelectionParams p = merged(d, o, a.useLlm());
        int step = p.windowMisfit() == null ? p.frameStep()
                : Math.max(1, (p.windowFrames() - 1) / Math.max(1, p.framesPerWindow() - 1));
        return new SelectionParams(p.windowFrames(), p.framesPerWindow(), step, a.boxThreshold(),
                a.textThreshold(), a.maxCandidates(), p.fallbackBoxThreshold(), p.fallbackTextThreshold(),
                a.maxObjects(), a.useLlm(), a.omitReasoning(), p.lastResortMinScore());
    }

    /**
     * Frames from the first frame a key-frame window shows to its last (at most the window): a re-selection
     * looks at this many recent frames so that the last one it shows is the newest.
     */
    public int shownSpan() {
        return (int) Math.min(windowFrames, (long) (framesPerWindow - 1) * frameStep + 1);
    }

    /**
     * Why the frames a window shows would not all fit in it (so fewer would be shown than asked), or null
     * when they fit.
     */
    String windowMisfit() {
        long span = (long) (framesPerWindow - 1) * frameStep + 1;
        if (span <= windowFrames) {
            return null;
        }
        return framesPerWindow + " frames " + frameStep + " apart (frames_per_window, frame_step) span " + span
                + " frames, more than the " + windowFrames + "-frame window (window_frames): only "
                + ((windowFrames - 1) / frameStep + 1) + " would be shown";
    }

    /**
     * The server's defaults, checked once at start: each in its range and the shown frames fitting the
     * window, so that no call is clamped or cut by a setting.
     *
     * @throws IllegalArgumentException naming the key, its value and the range
     */
    public static void checkDefaults(RefsegConfig.Selection d) {
        String k = "refseg.selection.";
        inRange(k + "window-frames", d.windowFrames(), 1, 10_000);
        inRange(k + "frames-per-window", d.framesPerWindow(), 1, 16);
        inRange(k + "frame-step", d.frameStep(), 1, 10_000);
        inRange(k + "max-candidates", d.maxCandidates(), 1, StartValidator.MAX_CANDIDATES);
        inRange(k + "max-objects", d.maxObjects(), 1, StartValidator.MAX_OBJECTS);
        unit(k + "box-threshold", d.boxThreshold());
        unit(k + "text-threshold", d.textThreshold());
        unit(k + "fallback-box-threshold", d.fallbackBoxThreshold());
        unit(k + "fallback-text-threshold", d.fallbackTextThreshold());
        unit(KEY_LAST_RESORT_MIN_SCORE, d.lastResortMinScore());
        String misfit = merged(d, SegmentOptions.getDefaultInstance(), false).windowMisfit();
        if (misfit != null) {
            throw new IllegalArgumentException(k + "frames-per-window / frame-step / window-frames: " + misfit);
        }
    }

    private static void inRange(String key, int v, int lo, int hi) {
        if (v < lo || v > hi) {
            throw new IllegalArgumentException(key + " must be in [" + lo + ", " + hi + "], got " + v);
        }
    }

    private static void unit(String key, float v) {
        if (!(v >= 0 && v <= 1)) {
            throw new IllegalArgumentException(key + " must be a number in [0, 1], got " + v);
        }
    }

    /**
     * The frames window {@code w} shows when the video is long enough to fill it: known before the video
     * ends, so the window's LLM call can start while later frames are still arriving.
     */
    java.util.List<Integer> fullWindowFrames(int w) {
        return dev.refseg.keyselect.Windows.window(w, Long.MAX_VALUE, windowFrames, framesPerWindow, frameStep).frames();
    }

    java.util.List<dev.refseg.keyselect.Windows.Window> windows(int numFrames) {
        return dev.refseg.keyselect.Windows.of(numFrames, windowFrames, framesPerWindow, frameStep);
    }
}
