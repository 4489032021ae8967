package dev.refseg.audio;

import dev.refseg.errors.Errors;
import dev.refseg.lbru.LabelObjects;
import dev.refseg.media.AudioTrack;
import dev.refseg.media.IntakeLimits;
import dev.refseg.v1.AudioLabels;
import dev.refseg.v1.AudioWindow;
import dev.refseg.v1.TagAudio;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * An online session's audio tagged as it arrives ({@code tag_audio} with {@code live}, README "Online
 * mode"): the 16 kHz samples come in chunk by chunk, each window of {@code window_seconds} is tagged as
 * soon as its last sample is here — the same windows {@link ClipTagging} cuts a whole clip into, from the
 * start of the audio — and only the samples of the window not yet complete are kept. The answers wait
 * here until the session's owner takes them. Until the first take fixes the window length, the samples
 * are held (bounded by {@code refseg.limits.max-audio-seconds}, as is what waits to be taken).
 */
public final class LiveTagging {
    private static final int RATE = AudioTrack.TARGET_RATE;

    private final AudioTagger tagger;
    private final LabelObjects table;
    private final double maxSeconds;

    /** Samples not yet in a tagged window; {@code held[0]} is sample {@code heldFrom} of the audio. */
    private float[] held = new float[RATE];
    private int heldCount;
    private long heldFrom;
    /** 0 until the first take fixes them. */
    private int windowSamples;
    private float floor;
    /** Windows tagged and not yet taken, in time order. */
    private final List<AudioWindow> tagged = new ArrayList<>();
    /** Each class's best score over {@link #tagged}; null when empty. */
    private float[] best;
    /** Set once the tail has been tagged after the end of the input: nothing more comes. */
    private boolean ended;

    /**
     * @param maxSeconds most seconds of audio held untagged or waiting to be taken
     */
    public LiveTagging(AudioTagger tagger, LabelObjects table, double maxSeconds) {
        this.tagger = tagger;
        this.table = table;
        this.maxSeconds = maxSeconds;
    }

    /** The next 16 kHz mono samples of the audio; tags every window they complete. */
    public void add(float[] samples) {
        if (samples.length == 0) {
            return;
        }
        if (heldCount + samples.length > held.length) {
            held = Arrays.copyOf(held, Math.max(held.length * 2, heldCount + samples.length));
        }
        System.arraycopy(samples, 0, held, heldCount, samples.length);
        heldCount += samples.length;
        tagWhole();
        double waiting = heldCount / (double) RATE + tagged.size() * (windowSamples / (double) RATE);
        if (waiting > maxSeconds) {
            throw Errors.limit("audio", "seconds of audio not yet tagged and taken", (long) Math.ceil(waiting),
                    IntakeLimits.KEY_AUDIO_SECONDS, (long) maxSeconds);
        }
    }

    /**
     * The windows tagged since the previous take (see TagAudio.live).
     *
     * @param inputComplete the client half-closed: the tail is tagged too
     * @throws io.grpc.StatusRuntimeException INVALID_ARGUMENT naming the TagAudio field out of range, or
     *         window_seconds changed after the first take
     */
    public AudioLabels take(TagAudio request, boolean inputComplete) {
        ClipTagging.Request r = ClipTagging.Request.of(request);
        if (r.windowSeconds() == 0) {
            throw Errors.invalid("tag_audio.window_seconds", "is 0; live tagging tags windows: give 0.25 to 60");
        }
        int samples = (int) Math.round(r.windowSeconds() * RATE);
        if (windowSamples == 0) {
            windowSamples = Math.max(samples, tagger.minSamples());
            floor = r.floor();
        } else if (samples != windowSamples && samples >= tagger.minSamples()) {
            throw Errors.invalid("tag_audio.window_seconds", "is " + r.windowSeconds() + " but the first live "
                    + "tag_audio fixed " + windowSamples / (double) RATE + " s");
        }
        tagWhole();
        if (inputComplete && !ended) {
            if (heldCount >= tagger.minSamples()) { // a shorter tail cannot be scored and is not heard
                tag(heldCount);
            }
            heldCount = 0;
            ended = true;
        }
        AudioLabels.Builder out = AudioLabels.newBuilder().setTagger(tagger.family()).addAllWindows(tagged)
                .setAudioSeconds((heldFrom + (ended ? heldCount : 0)) / (double) RATE);
        if (best != null) {
            out.addAllLabels(ClipTagging.top(tagger, table, best, r.topK()));
        }
        tagged.clear();
        best = null;
        return out.build();
    }

    /** Samples held now, not yet in a tagged window (tests of bounded memory). */
    public int heldSamples() {
        return heldCount;
    }

    private void tagWhole() {
        while (windowSamples > 0 && heldCount >= windowSamples) {
            tag(windowSamples);
        }
        if (windowSamples > 0 && held.length > 4 * windowSamples && heldCount < windowSamples) {
            held = Arrays.copyOf(held, 2 * windowSamples); // what waited for the first take is gone
        }
    }

    /** Tags the first {@code n} held samples as one window and forgets them. */
    private void tag(int n) {
        float[] scores = tagger.scores(held, 0, n);
        tagged.add(ClipTagging.window(tagger, table, scores, heldFrom / (double) RATE, (heldFrom + n) / (double) RATE,
                floor));
        best = ClipTagging.best(best, scores);
        System.arraycopy(held, n, held, 0, heldCount - n);
        heldCount -= n;
        heldFrom += n;
    }
}
