package dev.refseg.segment;

import dev.refseg.errors.Errors;
import dev.refseg.errors.Fields;
import dev.refseg.inference.InferenceBackend;
import dev.refseg.v1.CaptionTokens;
import dev.refseg.v1.CaptionTokensRequest;
import dev.refseg.v1.Mode;
import dev.refseg.v1.SegmentOptions;
import dev.refseg.v1.Start;

/** Checks a Start message; every rejection names the field and the accepted range. */
public final class StartValidator {
    /** Longest referring sentence, in characters (code points, as for every length told to clients). */
    public static final int MAX_TEXT_CHARS = 1000;
    /** Longest request tag, in characters. */
    public static final int MAX_TAG_CHARS = 200;
    /** Candidate boxes per pivot: the key-box tile has six box colours. */
    public static final int MAX_CANDIDATES = dev.refseg.keyselect.BoxColours.NAMES.size();
    /** Objects one referent may yield. */
    public static final int MAX_OBJECTS = 20;

    private StartValidator() {
    }

    public static void validate(Start s) {
        switch (s.getReferentCase()) {
            case TEXT -> sentence("start.text", s.getText());
            case AUDIO -> {
                Fields.uint("start.audio.max_objects", s.getAudio().getMaxObjects(), 0, AudioParams.MAX_OBJECTS);
                Fields.uint("start.audio.top_k", s.getAudio().getTopK(), 0, AudioParams.MAX_TOP_K);
            }
            default -> throw Errors.invalid("start.referent", "is missing: set start.text or start.audio");
        }
        if (s.getMode() == Mode.UNRECOGNIZED) {
            throw Errors.invalid("start.mode", "unknown value " + s.getModeValue());
        }
        if (s.hasResume() && s.getMode() != Mode.MODE_ONLINE) {
            throw Errors.invalid("start.resume", "resumes an online stream: set start.mode = MODE_ONLINE (got "
                    + s.getMode() + ")");
        }
        SegmentOptions o = s.getOptions();
        Fields.range("start.options.fps", o.getFps(), 0, 1000);
        unit("start.options.box_threshold", o.getBoxThreshold());
        unit("start.options.text_threshold", o.getTextThreshold());
        Fields.uint("start.options.max_candidates", o.getMaxCandidates(), 0, MAX_CANDIDATES);
        Fields.uint("start.options.window_frames", o.getWindowFrames(), 0, 10_000);
        Fields.uint("start.options.frames_per_window", o.getFramesPerWindow(), 0, 16); // one tile
        Fields.uint("start.options.frame_step", o.getFrameStep(), 0, 10_000);
        Fields.uint("start.options.max_objects", o.getMaxObjects(), 0, MAX_OBJECTS);
        Fields.maxChars("start.request_tag", s.getRequestTag(), MAX_TAG_CHARS);
    }

    /** A referring sentence: not blank, at most {@link #MAX_TEXT_CHARS} characters; returned stripped. */
    public static String sentence(String field, String text) {
        String t = text.strip();
        if (t.isEmpty()) {
            throw Errors.invalid(field, "is empty; give a sentence naming the object");
        }
        return Fields.maxChars(field, t, MAX_TEXT_CHARS);
    }

    /**
     * A referent the detector reads whole: at most as many tokens as its text encoder takes, counted on
     * the inference side; a longer one would be cut there and an object named at its end lost.
     *
     * @throws io.grpc.StatusRuntimeException INVALID_ARGUMENT naming the field, the count and the limit
     */
    public static void detectorTokens(String field, String text, InferenceBackend inference) {
        CaptionTokens t = inference.captionTokens(CaptionTokensRequest.newBuilder().setCaption(text).build());
        if (Fields.unsigned(t.getTokens()) > Fields.unsigned(t.getMaxTokens())) {
            throw Errors.invalid(field, "is " + Fields.unsigned(t.getTokens()) + " tokens as the detector reads it "
                    + "(WordPiece, with [CLS], [SEP] and a final \".\"); the detector's text encoder reads at most "
                    + Fields.unsigned(t.getMaxTokens()) + ": shorten the sentence");
        }
    }

    /** A probability threshold: 0 (server default) to 1, finite. */
    public static void unit(String field, float v) {
        Fields.range(field, v, 0f, 1f);
    }
}
