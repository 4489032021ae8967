package dev.refseg.segment;

import dev.refseg.errors.Errors;
import dev.refseg.errors.Fields;
import dev.refseg.inference.MediaSession;
import dev.refseg.mask.BinaryMask;
import dev.refseg.mask.MaskProtos;
import dev.refseg.mask.Regions;
import dev.refseg.v1.Frame;
import dev.refseg.v1.IntakeUpdate;
import dev.refseg.v1.MaskFrame;
import dev.refseg.v1.Progress;
import dev.refseg.v1.Resume;
import dev.refseg.v1.ResumeMask;
import dev.refseg.v1.SegmentResponse;
import dev.refseg.v1.SelectionPath;
import dev.refseg.v1.Stage;
import dev.refseg.v1.TrackPrompt;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The "selection" of a resumed online stream (segmenter.proto, Resume): the client's masks, checked at
 * Start, become mask prompts on the stream's first pictures (the key frame's, when given, then the last
 * frame's), so the tracker carries on from them without the LLM or the detector. It also keeps the two
 * numberings apart: the client numbers frames as the old stream did, the session from 0, so
 * {@link #inbound} renumbers each frame as it arrives and the outcome's mask operator numbers each
 * MaskFrame back. Nothing is shared between calls: all state is this call's.
 */
public final class ResumeSeed implements Selection {
    private static final String F = "start.resume.";
    /** Longest tagger label a resume may carry (AudioSet's longest display name is under 60). */
    static final int MAX_LABEL_CHARS = 200;

    /** The seed frames' indices in the client's numbering: [key,] last. */
    private final long[] seedIndices;
    /** Per seed frame, each object's mask (empty ones left out), in object order. */
    private final List<Map<Integer, BinaryMask>> seedMasks;
    private final int objects;
    /** Audio referents: each object's category and labels (Resume.sources); empty for text. */
    private final List<LiveAudio.Sounding> sources;
    /** Audio referents: where the resumed audio starts on the first stream's timeline, seconds. */
    private final double audioOffsetSeconds;
    private final MediaSession media;
    private final Consumer<SegmentResponse> emit;
    /** Audio referents: who sounds when, carried on from {@link #sources}; null for text. */
    private final LiveAudio live;
    private final boolean includePng;
    /** Frames the client has sent on this stream so far (the next frame's session index). */
    private int framesIn;

    private ResumeSeed(long[] seedIndices, List<Map<Integer, BinaryMask>> seedMasks, int objects,
            List<LiveAudio.Sounding> sources, double audioOffsetSeconds, MediaSession media,
            Consumer<SegmentResponse> emit, LiveAudio live, boolean includePng) {
        this.seedIndices = seedIndices;
        this.seedMasks = seedMasks;
        this.objects = objects;
        this.sources = sources;
        this.audioOffsetSeconds = audioOffsetSeconds;
        this.media = media;
        this.emit = emit;
        this.live = live;
        this.includePng = includePng;
    }

    /**
     * Checks {@code start.resume} as far as it can be without a frame (the mask sizes against the frames
     * are checked when the first seed picture has arrived); INVALID_ARGUMENT naming the field otherwise.
     *
     * @param maxObjects the call's max_objects (its option, or the server's default)
     * @param maxObjectsFrom where {@code maxObjects} comes from, for the message
     * @param limits     refseg.limits (mask sizes are bounded as frames are; objects as tracking bounds them)
     * @param audio      the call's referent is audio: {@code sources} are required (else refused)
     * @return the seed, to be bound to the call's session with {@link #on}
     */
    public static ResumeSeed of(Resume r, int maxObjects, String maxObjectsFrom,
            dev.refseg.config.RefsegConfig.Limits limits, boolean audio) {
        long last = Fields.uint(F + "last_frame_index", r.getLastFrameIndex(), 0, Fields.MAX_INDEX - 1,
                "the next frame's index must fit");
        if (r.getLastMasksCount() == 0) {
            throw Errors.invalid(F + "last_masks", "is empty: give the masks (object_id and rle) of the last "
                    + "MaskFrame received, or start without resume to select the object again");
        }
        if (r.getLastMasksCount() > maxObjects) {
            throw Errors.invalid(F + "last_masks", "has " + r.getLastMasksCount() + " objects, more than "
                    + "max_objects " + maxObjects + " (" + maxObjectsFrom + ")");
        }
        if (r.getLastMasksCount() > limits.maxTrackedObjects()) {
            throw Errors.limit(F + "last_masks", "objects to track", r.getLastMasksCount(),
                    "refseg.limits.max-tracked-objects", limits.maxTrackedObjects());
        }
        Map<Integer, BinaryMask> lastMasks = masks(F + "last_masks", r.getLastMasksList(), null, limits);
        if (r.getKeyMasksCount() == 0) {
            if (r.getKeyFrameIndex() != 0) {
                throw Errors.invalid(F + "key_frame_index", "is " + Fields.unsigned(r.getKeyFrameIndex())
                        + " but key_masks is empty: give the key frame's masks too, or leave key_frame_index 0");
            }
            return seed(new long[] {last}, List.of(lastMasks), sources(r, lastMasks.keySet(), audio), offset(r, audio));
        }
        long key = Fields.unsigned(r.getKeyFrameIndex());
        if (key >= last) {
            throw Errors.invalid(F + "key_frame_index", "is " + key + ", not before last_frame_index " + last);
        }
        Map<Integer, BinaryMask> keyMasks = masks(F + "key_masks", r.getKeyMasksList(), lastMasks, limits);
        return seed(new long[] {key, last}, List.of(keyMasks, lastMasks), sources(r, lastMasks.keySet(), audio),
                offset(r, audio));
    }

    /** Resume.audio_offset_seconds: finite, 0 to 10^7, and only for an audio referent. */
    private static double offset(Resume r, boolean audio) {
        double o = r.getAudioOffsetSeconds();
        if (!audio && o != 0) {
            throw Errors.invalid(F + "audio_offset_seconds", "is for audio referents (start.audio)");
        }
        if (!(o >= 0 && o <= 1e7)) {
            throw Errors.invalid(F + "audio_offset_seconds", "is " + o + "; give 0 to 10^7 seconds (where the resumed "
                    + "audio starts on the first stream's audio timeline)");
        }
        return o;
    }

    /**
     * Resume.sources: for an audio referent one per object of last_masks (category and labels checked as
     * LBRU's answers are), in object-id order; none for a text referent.
     */
    private static List<LiveAudio.Sounding> sources(Resume r, java.util.Set<Integer> ids, boolean audio) {
        if (!audio) {
            if (r.getSourcesCount() > 0) {
                throw Errors.invalid(F + "sources", "is for audio referents (start.audio); a text referent's resume "
                        + "carries masks only");
            }
            return List.of();
        }
        Map<Integer, LiveAudio.Sounding> out = new java.util.TreeMap<>();
        for (int i = 0; i < r.getSourcesCount(); i++) {
            String f = F + "sources[" + i + "]";
            dev.refseg.v1.ResumeSource s = r.getSources(i);
            int id = Regions.objectId(f + ".object_id", s.getObjectId());
            if (!ids.contains(id)) {
                throw Errors.invalid(f + ".object_id", "is " + id + ", not among last_masks' objects " + ids);
            }
            if (out.containsKey(id)) {
                throw Errors.invalid(f + ".object_id", "is " + id + ", given twice; each object once");
            }
            String category = s.getCategory().strip();
            if (!dev.refseg.lbru.ReferentAnswer.isObjectName(category)) {
                String shown = s.getCategory().length() > 80 ? s.getCategory().substring(0, 80) + "..." : s.getCategory();
                throw Errors.invalid(f + ".category", "is \"" + dev.refseg.errors.OneLine.of(shown)
                        + "\": an object's name (Referent.text) is letters, spaces, ' and -, 1 to "
                        + dev.refseg.lbru.ReferentAnswer.MAX_OBJECT_CHARS + " characters");
            }
            if (s.getLabelsCount() < 1 || s.getLabelsCount() > AudioParams.MAX_TOP_K) {
                throw Errors.invalid(f + ".labels", "has " + s.getLabelsCount() + " labels; give 1 to "
                        + AudioParams.MAX_TOP_K + " (the Referent event's labels for this object)");
            }
            java.util.Set<String> labels = new java.util.LinkedHashSet<>(); // a label given twice counts once
            for (int k = 0; k < s.getLabelsCount(); k++) {
                String label = s.getLabels(k).strip();
                int control = label.codePoints().filter(Character::isISOControl).findFirst().orElse(-1);
                if (control >= 0) {
                    throw Errors.invalid(f + ".labels[" + k + "]", String.format("has the control character U+%04X; "
                            + "a tagger label (Referent.labels' name) has none", control));
                }
                int chars = label.codePointCount(0, label.length());
                if (chars == 0 || chars > MAX_LABEL_CHARS) {
                    throw Errors.invalid(f + ".labels[" + k + "]", "is " + chars + " characters; a tagger label "
                            + "(Referent.labels' name) is 1 to " + MAX_LABEL_CHARS);
                }
                labels.add(label);
            }
            out.put(id, new LiveAudio.Sounding(id, category, List.copyOf(labels)));
        }
        if (out.size() != ids.size()) {
            java.util.Set<Integer> missing = new java.util.TreeSet<>(ids);
            missing.removeAll(out.keySet());
            throw Errors.invalid(F + "sources", "has no entry for object(s) " + missing + ": an audio referent's "
                    + "resume gives each object's category and labels (from the first stream's Referent events)");
        }
        return List.copyOf(out.values());
    }

    /** Every object needs pixels on some seed frame; empty masks are then left out of the prompts. */
    private static ResumeSeed seed(long[] indices, List<Map<Integer, BinaryMask>> all, List<LiveAudio.Sounding> sources,
            double audioOffsetSeconds) {
        Map<Integer, BinaryMask> last = all.get(all.size() - 1);
        int i = 0;
        for (Integer objectId : last.keySet()) {
            boolean seen = all.stream().anyMatch(m -> m.containsKey(objectId) && !m.get(objectId).isEmpty());
            if (!seen) {
                throw Errors.invalid(F + "last_masks[" + i + "].rle", "object " + objectId + " has no pixel set "
                        + (all.size() > 1 ? "here nor in key_masks" : "(and no key_masks)")
                        + ": leave objects absent from the resume frames out");
            }
            i++;
        }
        List<Map<Integer, BinaryMask>> nonEmpty = new ArrayList<>();
        for (Map<Integer, BinaryMask> m : all) {
            Map<Integer, BinaryMask> kept = new LinkedHashMap<>(m);
            kept.values().removeIf(BinaryMask::isEmpty);
            nonEmpty.add(kept);
        }
        return new ResumeSeed(indices, nonEmpty, last.size(), sources, audioOffsetSeconds, null, null, null, false);
    }

    /**
     * This seed for the call's media session, sending its Progress through {@code emit}; an audio referent's
     * masks go through {@code live} (who sounds when, from the resume's sources; null for text).
     */
    public ResumeSeed on(MediaSession media, Consumer<SegmentResponse> emit, LiveAudio live, boolean includePng) {
        if (live != null) {
            live.resumeAt(audioOffsetSeconds);
        }
        return new ResumeSeed(seedIndices, seedMasks, objects, sources, audioOffsetSeconds, media, emit, live,
                includePng);
    }

    /**
     * One resume frame's masks: ids 1..65535, each once, sizes within the limits and all alike (and like
     * {@code sameAs}'s); with {@code sameAs}, ids among its ids.
     */
    private static Map<Integer, BinaryMask> masks(String field, List<ResumeMask> list, Map<Integer, BinaryMask> sameAs,
            dev.refseg.config.RefsegConfig.Limits limits) {
        Map<Integer, BinaryMask> out = new LinkedHashMap<>();
        for (int i = 0; i < list.size(); i++) {
            String f = field + "[" + i + "]";
            ResumeMask m = list.get(i);
            int id = Regions.objectId(f + ".object_id", m.getObjectId());
            if (out.containsKey(id)) {
                throw Errors.invalid(f + ".object_id", "is " + id + ", given twice; each object once");
            }
            if (sameAs != null && !sameAs.containsKey(id)) {
                throw Errors.invalid(f + ".object_id", "is " + id + ", not among last_masks' objects " + sameAs.keySet());
            }
            if (!m.hasRle()) {
                throw Errors.invalid(f + ".rle", "is missing");
            }
            int[] hw = Regions.maskSize(f + ".rle", m.getRle(), limits.maxHeight(), "refseg.limits.max-height",
                    limits.maxWidth(), "refseg.limits.max-width");
            BinaryMask first = out.isEmpty() ? sameAs == null ? null : sameAs.values().iterator().next()
                    : out.values().iterator().next();
            if (first != null && (first.height() != hw[0] || first.width() != hw[1])) {
                throw Errors.invalid(f + ".rle.size", "is [" + hw[0] + ", " + hw[1] + "], the other masks are ["
                        + first.height() + ", " + first.width() + "]; every mask has the frames' size");
            }
            out.put(id, MaskProtos.fromRle(m.getRle(), f + ".rle"));
        }
        return out;
    }

    /** Pictures at the head of the resumed stream that seed the tracker (and get no MaskFrame): 1 or 2. */
    public int seedFrames() {
        return seedIndices.length;
    }

    /**
     * Checks a frame's index against the resume order (the seed pictures, then last_frame_index + 1, ...)
     * and gives it the session's numbering (0, 1, ...).
     */
    public Frame inbound(Frame f) {
        long expected = clientIndex(framesIn);
        if (expected > Fields.MAX_INDEX) {
            throw Errors.invalid("frame.index", "would be " + expected + ", beyond " + Fields.MAX_INDEX);
        }
        if (Fields.unsigned(f.getIndex()) != expected) {
            throw Errors.invalid("frame.index", "is " + Fields.unsigned(f.getIndex()) + ", expected " + expected
                    + ": a resumed stream sends " + (seedIndices.length > 1 ? "the key frame's picture, then " : "")
                    + "frame last_frame_index's picture, then the frames after it in order");
        }
        return f.toBuilder().setIndex(framesIn++).build();
    }

    /** The client's index of the session's frame {@code i}. */
    long clientIndex(int i) {
        int seeds = seedIndices.length;
        return i < seeds ? seedIndices[i] : seedIndices[seeds - 1] + (i - seeds + 1);
    }

    @Override
    public void onFramesDecoded(int frames) {
        // The seed is the client's: nothing to prepare.
    }

    /** The client's masks as mask prompts on the seed pictures, checked against the frames' size. */
    @Override
    public Outcome finish(int numFrames) {
        IntakeUpdate u = media.status();
        if (numFrames < seedIndices.length) {
            throw Errors.invalid("frame", "the resumed stream ended after " + numFrames + " frame(s); it starts with "
                    + seedIndices.length + " seed picture(s) (see start.resume)");
        }
        List<TrackPrompt> prompts = new ArrayList<>();
        for (int s = 0; s < seedIndices.length; s++) {
            String field = F + (s == seedIndices.length - 1 ? "last_masks" : "key_masks");
            for (Map.Entry<Integer, BinaryMask> e : seedMasks.get(s).entrySet()) {
                BinaryMask m = e.getValue();
                if (m.height() != u.getHeight() || m.width() != u.getWidth()) {
                    throw Errors.invalid(field, "object " + e.getKey() + "'s mask is [" + m.height() + ", " + m.width()
                            + "] but the frames are [" + u.getHeight() + ", " + u.getWidth() + "] ([height, width])");
                }
                prompts.add(TrackPrompt.newBuilder().setObjectId(e.getKey()).setFrameIndex(s)
                        .setMask(MaskProtos.rle(m)).build());
            }
        }
        long last = seedIndices[seedIndices.length - 1];
        emit.accept(SegmentResponse.newBuilder().setProgress(Progress.newBuilder().setStage(Stage.STAGE_INTAKE)
                .setFramesDecoded(numFrames).setWidth(u.getWidth()).setHeight(u.getHeight()).setFps(u.getFps())
                .setMessage("resumed after frame " + last + ": " + objects + " object(s) seeded with the client's masks"
                        + (seedIndices.length > 1 ? " and the key frame " + seedIndices[0] + "'s" : "")
                        + "; no selection, no LLM")).build());
        java.util.function.UnaryOperator<MaskFrame> masks = this::outbound;
        if (live != null) {
            live.seedResumed(sources, u.getWidth(), u.getHeight(), includePng);
            masks = m -> live.apply(outbound(m));
        }
        return new Outcome(prompts, seedIndices.length - 1, objects, SelectionPath.SELECTION_PATH_RESUMED, List.of(),
                List.of(), List.of(), false, masks);
    }

    /** A MaskFrame in the client's numbering. */
    private MaskFrame outbound(MaskFrame m) {
        return m.toBuilder().setFrameIndex((int) clientIndex(m.getFrameIndex())).build();
    }

    @Override
    public void close() {
        // No question was asked.
    }
}
