package dev.refseg.segment;

import dev.refseg.inference.MediaSession;
import dev.refseg.keyselect.Questions;
import dev.refseg.v1.Candidates;
import dev.refseg.v1.Detect;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The detector's candidates for an object's name on the frames of one call, each (frame, name) run once;
 * an object's pivot and a baseline's frame choice read the same detections.
 */
final class CategoryDetections {
    private record Key(int frame, String caption) {
    }

    private final MediaSession media;
    private final float boxThreshold;
    private final float textThreshold;
    private final int maxCandidates;
    private final Map<Key, Candidates> done = new HashMap<>();
    private long nanos;

    CategoryDetections(MediaSession media, float boxThreshold, float textThreshold, int maxCandidates) {
        this.media = media;
        this.boxThreshold = boxThreshold;
        this.textThreshold = textThreshold;
        this.maxCandidates = maxCandidates;
    }

    /** Candidates for {@code caption} on stream frame {@code frame}, best first. */
    Candidates on(int frame, String caption) {
        return done.computeIfAbsent(new Key(frame, caption), k -> {
            long t0 = System.nanoTime();
            try {
                return media.detect(Detect.newBuilder().setFrameIndex(frame).setCaption(caption)
                        .setBoxThreshold(boxThreshold).setTextThreshold(textThreshold).setMaxCandidates(maxCandidates)
                        .build());
            } finally {
                nanos += System.nanoTime() - t0;
            }
        });
    }

    /** Of {@code frames}, the detection with the most confident box (earliest on ties), or null when none finds it. */
    Candidates mostConfident(String caption, List<Integer> frames) {
        List<Candidates> all = new ArrayList<>();
        for (int f : frames) {
            all.add(on(f, caption));
        }
        return Questions.mostConfident(all);
    }

    /** Time spent detecting so far, in nanoseconds. */
    long nanos() {
        return nanos;
    }
}
