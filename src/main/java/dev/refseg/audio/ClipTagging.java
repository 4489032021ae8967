package dev.refseg.audio;

import dev.refseg.errors.Errors;
import dev.refseg.errors.Fields;
import dev.refseg.lbru.LabelObjects;
import dev.refseg.v1.AudioLabel;
import dev.refseg.v1.AudioLabels;
import dev.refseg.v1.AudioWindow;
import dev.refseg.v1.TagAudio;
import java.util.List;
import java.util.Locale;

/**
 * Tags a session's audio for LBRU: the whole clip's top-k labels, and when asked every class above a
 * floor in consecutive windows (who sounds when). The whole clip is scored in segments of at most
 * {@link #SEGMENT_SECONDS} (AST reads 1024 frames, 10.24 s; a clip up to that length is one pass, as
 * the reference tags its 5–10 s clips), a class's clip score being its highest segment score, so a
 * source heard anywhere in a long clip is heard. Each label carries the object the label→object table
 * names for it.
 */
public final class ClipTagging {
    /** Longest stretch scored in one tagger run for the whole clip's labels, seconds. */
    public static final double SEGMENT_SECONDS = 10;
    /** Most labels one request may ask for. */
    public static final int MAX_TOP_K = 50;

    private ClipTagging() {
    }

    /**
     * @param wave 16 kHz mono samples in [-1, 1]
     * @throws io.grpc.StatusRuntimeException INVALID_ARGUMENT naming {@code audio} when there is no audio or
     *         less than the tagger's minimum, or naming the request field out of range
     */
    public static AudioLabels tag(AudioTagger tagger, LabelObjects table, float[] wave, TagAudio request) {
        Request r = Request.of(request);
        int rate = dev.refseg.media.AudioTrack.TARGET_RATE;
        if (wave.length == 0) {
            throw Errors.invalid("audio", "no audio samples were received: send AudioChunks with samples, or "
                    + "MediaChunks of a video whose container has an audio track");
        }
        if (wave.length < tagger.minSamples()) {
            throw Errors.invalid("audio", String.format(Locale.ROOT, "%.3f s of audio is shorter than the %s tagger's "
                    + "minimum of %.3f s", wave.length / (double) rate, tagger.family(), tagger.minSamples() / (double) rate));
        }
        AudioLabels.Builder out = AudioLabels.newBuilder().setAudioSeconds(wave.length / (double) rate)
                .setTagger(tagger.family());
        float[] clip = null;
        for (int[] seg : pieces(wave.length, (int) Math.round(SEGMENT_SECONDS * rate), tagger.minSamples())) {
            clip = best(clip, tagger.scores(wave, seg[0], seg[1]));
        }
        out.addAllLabels(top(tagger, table, clip, r.topK()));
        if (r.windowSeconds() > 0) {
            for (int[] w : pieces(wave.length, (int) Math.round(r.windowSeconds() * rate), tagger.minSamples())) {
                out.addWindows(window(tagger, table, tagger.scores(wave, w[0], w[1]), w[0] / (double) rate,
                        w[1] / (double) rate, r.floor()));
            }
        }
        return out.build();
    }

    /**
     * A TagAudio request's values, checked, defaults applied.
     *
     * @param windowSeconds 0 (whole clip only) or 0.25 to 60
     * @param floor         least score of a label a window reports
     */
    record Request(int topK, double windowSeconds, float floor) {
        /** @throws io.grpc.StatusRuntimeException INVALID_ARGUMENT naming the field out of range */
        static Request of(TagAudio request) {
            int k = Fields.uint("tag_audio.top_k", request.getTopK(), 0, MAX_TOP_K);
            double window = request.getWindowSeconds();
            if (!(window == 0 || (window >= 0.25 && window <= 60))) {
                throw Errors.invalid("tag_audio.window_seconds", "is " + window
                        + "; give 0 (whole clip only) or 0.25 to 60");
            }
            float floor = Fields.range("tag_audio.window_min_score", request.getWindowMinScore(), 0f, 1f);
            return new Request(k == 0 ? 5 : k, window, floor == 0 ? 0.05f : floor);
        }
    }

    /** Each class's higher score of the two ({@code into} is updated; null takes {@code scores}). */
    static float[] best(float[] into, float[] scores) {
        if (into == null) {
            return scores.clone();
        }
        for (int i = 0; i < into.length; i++) {
            into[i] = Math.max(into[i], scores[i]);
        }
        return into;
    }

    /** The top {@code k} labels of one score vector, with the objects the table names for them. */
    static List<AudioLabel> top(AudioTagger tagger, LabelObjects table, float[] scores, int k) {
        return labels(AudioTagger.top(scores, tagger.labels(), k), table);
    }

    /** One window's answer: every class scoring at least {@code floor}, most probable first. */
    static AudioWindow window(AudioTagger tagger, LabelObjects table, float[] scores, double startSeconds,
            double endSeconds, float floor) {
        List<AudioTagger.Scored> above = AudioTagger.top(scores, tagger.labels(), scores.length).stream()
                .filter(x -> x.score() >= floor).toList();
        return AudioWindow.newBuilder().setStartSeconds(startSeconds).setEndSeconds(endSeconds)
                .addAllLabels(labels(above, table)).build();
    }

    /**
     * [from, to) sample ranges of at most {@code length} covering {@code n} samples; a tail shorter than
     * {@code min} joins the piece before it.
     */
    static List<int[]> pieces(int n, int length, int min) {
        java.util.ArrayList<int[]> out = new java.util.ArrayList<>();
        for (int from = 0; from < n; from += length) {
            int to = Math.min(n, from + length);
            if (to - from < min && !out.isEmpty()) {
                out.get(out.size() - 1)[1] = to;
            } else {
                out.add(new int[] {from, to});
            }
        }
        return out;
    }

    private static List<AudioLabel> labels(List<AudioTagger.Scored> scored, LabelObjects table) {
        return scored.stream().map(s -> AudioLabel.newBuilder().setName(s.label().name()).setMid(s.label().mid())
                .setScore(s.score()).setObject(table.objectOf(s.label().name()).orElse("")).build()).toList();
    }
}
