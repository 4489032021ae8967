package dev.refseg.keyselect;

import java.util.ArrayList;
import java.util.List;

/**
 * GPT-PS's temporal sampling (method.md §3.1): the video is cut into windows of {@code windowFrames}
 * frames; each window shows the LLM up to {@code framesPerWindow} frames {@code step} apart, numbered 1, 2,
 * ... in order. The answer "frame k" of window w maps to {@code frames().get(k - 1)} of that window, by
 * the window's own list, not by the position of the answer among the windows' answers (the reference
 * code's listing-order bug).
 */
public final class Windows {
    private Windows() {
    }

    /**
     * One window.
     *
     * @param index  0-based window number (window w starts at frame w * windowFrames)
     * @param frames stream indices shown, in the order they are numbered 1..n
     */
    public record Window(int index, List<Integer> frames) {
        /** The stream frame the LLM means by its 1-based number, or -1 when out of range. */
        public int frameFor(int shownNumber) {
            return shownNumber >= 1 && shownNumber <= frames.size() ? frames.get(shownNumber - 1) : -1;
        }

        /** A window of one frame offers no choice: that frame is the pivot without asking the LLM. */
        public boolean needsChoice() {
            return frames.size() > 1;
        }
    }

    public static List<Window> of(int numFrames, int windowFrames, int framesPerWindow, int step) {
        List<Window> out = new ArrayList<>();
        for (int w = 0; (long) w * windowFrames < numFrames; w++) {
            out.add(window(w, numFrames, windowFrames, framesPerWindow, step));
        }
        return out;
    }

    /** Window {@code w} of a video of {@code numFrames} frames (which may be longer than the window reaches). */
    public static Window window(int w, long numFrames, int windowFrames, int framesPerWindow, int step) {
        if (windowFrames < 1 || framesPerWindow < 1 || step < 1) {
            throw new IllegalArgumentException("window frames, frames per window and step must be positive");
        }
        int start = w * windowFrames;
        long end = Math.min((long) start + windowFrames, numFrames);
        List<Integer> shown = new ArrayList<>();
        for (int i = 0; i < framesPerWindow && start + (long) i * step < end; i++) {
            shown.add(start + i * step);
        }
        return new Window(w, List.copyOf(shown));
    }
}
