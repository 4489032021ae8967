package dev.refseg.segment;

import dev.refseg.errors.Errors;
import dev.refseg.v1.Mode;
import dev.refseg.v1.SegmentOptions;
import dev.refseg.v1.Start;

/** Checks a Start message; every rejection names the field and the accepted range. */
public final class StartValidator {
    public static final int MAX_TEXT_CHARS = 1000;

    private StartValidator() {
    }

    public static void validate(Start s) {
        switch (s.getReferentCase()) {
            case TEXT -> sentence("start.text", s.getText());
            case AUDIO -> range("start.audio.max_objects", s.getAudio().getMaxObjects(), 0, 10);
            default -> throw Errors.invalid("start.referent", "is missing: set start.text or start.audio");
        }
        if (s.getMode() == Mode.UNRECOGNIZED) {
            throw Errors.invalid("start.mode", "unknown value " + s.getModeValue());
        }
        SegmentOptions o = s.getOptions();
        if (!(o.getFps() >= 0 && o.getFps() <= 1000)) {
            throw Errors.invalid("start.options.fps", "must be in [0, 1000], got " + o.getFps());
        }
        unit("start.options.box_threshold", o.getBoxThreshold());
        unit("start.options.text_threshold", o.getTextThreshold());
        range("start.options.max_candidates", o.getMaxCandidates(), 0, 6); // six box colours
        range("start.options.window_frames", o.getWindowFrames(), 0, 10_000);
        range("start.options.frames_per_window", o.getFramesPerWindow(), 0, 16); // one tile
        range("start.options.frame_step", o.getFrameStep(), 0, 10_000);
        range("start.options.max_objects", o.getMaxObjects(), 0, 20);
        if (s.getRequestTag().length() > 200) {
            throw Errors.invalid("start.request_tag", "is " + s.getRequestTag().length() + " characters; at most 200");
        }
    }

    /** A referring sentence: not blank, at most {@link #MAX_TEXT_CHARS}; returned stripped. */
    public static String sentence(String field, String text) {
        String t = text.strip();
        if (t.isEmpty()) {
            throw Errors.invalid(field, "is empty; give a sentence naming the object");
        }
        if (t.length() > MAX_TEXT_CHARS) {
            throw Errors.invalid(field, "is " + t.length() + " characters; at most " + MAX_TEXT_CHARS);
        }
        return t;
    }

    private static void range(String field, int v, int lo, int hi) {
        if (v < lo || v > hi) {
            throw Errors.invalid(field, "must be in [" + lo + ", " + hi + "], got " + v);
        }
    }

    /** A probability threshold: 0 (server default) to 1. */
    public static void unit(String field, float v) {
        if (!(v >= 0 && v <= 1)) {
            throw Errors.invalid(field, "must be in [0, 1], got " + v);
        }
    }
}
