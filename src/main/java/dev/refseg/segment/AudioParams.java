package dev.refseg.segment;

import dev.refseg.config.RefsegConfig;
import dev.refseg.v1.AudioReferentSpec;
import dev.refseg.v1.SegmentOptions;

/**
 * The audio-referent settings of one call: the call's fields where set (non-zero), the server's
 * {@code refseg.audio.*} (and {@code refseg.selection.max-candidates}) otherwise.
 *
 * @param topK              tagger labels considered
 * @param minLabelScore     least score of a heard label; below it for all labels the clip is silent
 * @param windowSeconds     length of the windows tagged for who sounds when, seconds
 * @param soundingThreshold least score of a category's label for it to sound in a window
 * @param framesShown       frames in the LBRU tile
 * @param maxObjects        most sounding objects (categories) segmented
 */
public record AudioParams(int topK, float minLabelScore, double windowSeconds, float soundingThreshold,
        int framesShown, float boxThreshold, float textThreshold, int maxCandidates, int maxObjects, boolean useLlm,
        boolean omitReasoning) {

    /** Most labels a call may ask for (AudioReferentSpec.top_k, DescribeRequest.top_k). */
    public static final int MAX_TOP_K = 50;
    /** Most sounding objects a call may ask for. */
    public static final int MAX_OBJECTS = 10;

    /** A Segment call's settings (fields already checked by {@link StartValidator}). */
    public static AudioParams of(RefsegConfig.Audio a, RefsegConfig.Selection s, AudioReferentSpec spec,
            SegmentOptions o, boolean llmConfigured) {
        return new AudioParams(spec.getTopK() > 0 ? spec.getTopK() : a.topK(), a.minLabelScore(), a.windowSeconds(),
                a.soundingThreshold(), o.getFramesPerWindow() > 0 ? o.getFramesPerWindow() : a.framesShown(),
                o.getBoxThreshold() > 0 ? o.getBoxThreshold() : a.boxThreshold(),
                o.getTextThreshold() > 0 ? o.getTextThreshold() : a.textThreshold(),
                o.getMaxCandidates() > 0 ? o.getMaxCandidates() : s.maxCandidates(),
                spec.getMaxObjects() > 0 ? spec.getMaxObjects() : 1, llmConfigured && !o.getDisableLlm(),
                o.getOmitReasoning());
    }

    /**
     * The server's defaults, checked once at start.
     *
     * @throws IllegalArgumentException naming the key, its value and the range
     */
    public static void checkDefaults(RefsegConfig.Audio a) {
        String k = "refseg.audio.";
        if (a.topK() < 1 || a.topK() > MAX_TOP_K) {
            throw new IllegalArgumentException(k + "top-k must be in [1, " + MAX_TOP_K + "], got " + a.topK());
        }
        if (a.framesShown() < 1 || a.framesShown() > 16) {
            throw new IllegalArgumentException(k + "frames-shown must be in [1, 16], got " + a.framesShown());
        }
        if (!(a.windowSeconds() >= 0.25 && a.windowSeconds() <= 60)) {
            throw new IllegalArgumentException(k + "window-seconds must be in [0.25, 60], got " + a.windowSeconds());
        }
        unit(k + "min-label-score", a.minLabelScore());
        unit(k + "sounding-threshold", a.soundingThreshold());
        unit(k + "box-threshold", a.boxThreshold());
        unit(k + "text-threshold", a.textThreshold());
    }

    private static void unit(String key, float v) {
        if (!(v >= 0 && v <= 1)) {
            throw new IllegalArgumentException(key + " must be a number in [0, 1], got " + v);
        }
    }

    /** {@code count} frames spread evenly over {@code numFrames} (first and last included), distinct, in order. */
    public static java.util.List<Integer> spread(int numFrames, int count) {
        int n = Math.min(count, numFrames);
        java.util.List<Integer> out = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            int f = n == 1 ? 0 : (int) Math.round(i * (numFrames - 1) / (double) (n - 1));
            if (out.isEmpty() || out.get(out.size() - 1) != f) {
                out.add(f);
            }
        }
        return out;
    }
}
