package dev.refseg.segment;

import dev.refseg.config.RefsegConfig;
import dev.refseg.v1.SegmentOptions;

/** The GPT-PS settings of one call: the call's SegmentOptions where set, the server's defaults otherwise. */
public record SelectionParams(int windowFrames, int framesPerWindow, int frameStep, float boxThreshold,
        float textThreshold, int maxCandidates, float fallbackBoxThreshold, float fallbackTextThreshold,
        int maxObjects, boolean useLlm, boolean omitReasoning) {

    public static SelectionParams of(RefsegConfig.Selection d, SegmentOptions o, boolean llmConfigured) {
        return new SelectionParams(
                o.getWindowFrames() > 0 ? o.getWindowFrames() : d.windowFrames(),
                o.getFramesPerWindow() > 0 ? o.getFramesPerWindow() : d.framesPerWindow(),
                o.getFrameStep() > 0 ? o.getFrameStep() : d.frameStep(),
                o.getBoxThreshold() > 0 ? o.getBoxThreshold() : d.boxThreshold(),
                o.getTextThreshold() > 0 ? o.getTextThreshold() : d.textThreshold(),
                Math.min(6, o.getMaxCandidates() > 0 ? o.getMaxCandidates() : d.maxCandidates()),
                d.fallbackBoxThreshold(), d.fallbackTextThreshold(),
                o.getMaxObjects() > 0 ? o.getMaxObjects() : d.maxObjects(),
                llmConfigured && !o.getDisableLlm(), o.getOmitReasoning());
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
