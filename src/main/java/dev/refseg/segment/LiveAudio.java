package dev.refseg.segment;

import dev.refseg.errors.Errors;
import dev.refseg.inference.MediaSession;
import dev.refseg.lbru.SoundingMasks;
import dev.refseg.lbru.SoundingTimes;
import dev.refseg.media.IntakeLimits;
import dev.refseg.v1.AudioLabels;
import dev.refseg.v1.AudioWindow;
import dev.refseg.v1.MaskFrame;
import dev.refseg.v1.PassDirection;
import dev.refseg.v1.TagAudio;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

/**
 * Who sounds when on a live stream (an online call with an audio referent, README "Online mode"). The
 * session tags each window of audio as soon as it is complete ({@code tag_audio} with {@code live});
 * this side takes the windows when a frame needs them and applies {@link SoundingMasks} to each frame
 * with the window holding its time, as the offline path does over the whole clip:
 * <ul>
 *   <li>the first window's frames: {@link #firstWindow} waits for their audio, then takes the windows
 *       tagged so far — LBRU's labels and windows, a whole clip's worth for {@link AudioSelection};</li>
 *   <li>each frame after that: {@link #apply} waits until its window is tagged, at most
 *       {@code audioWait} after its masks were ready; a frame whose audio is still missing then is sent
 *       with every object silent and {@code audio_late} set, and later frames of that window do not wait
 *       again. After the end of the input, frames past the end of the audio hear nothing (as offline).</li>
 * </ul>
 * Memory: only the windows from the last live frame's time on are kept (bounded by
 * {@code refseg.limits.max-audio-seconds}); the samples stay in the session, at most one window's.
 * Intake calls {@link #arrived} and {@link #ended}; the online driver calls the rest.
 */
public final class LiveAudio {
    /** One sounding object: its object id, its category (Referent.text) and the labels it sounds by. */
    public record Sounding(int objectId, String category, List<String> labels) {
    }

    private final MediaSession media;
    private final AudioParams params;
    private final long waitNanos;
    private final double maxSeconds;
    private final BooleanSupplier cancelled;
    /** The live tag_audio request, fixed by the first one (LBRU's). */
    private TagAudio take;
    private SoundingMasks masks;
    private Map<Integer, List<String>> labels = Map.of();
    /** A resumed stream: seconds of silence its audio starts with (to a window boundary), and not yet sent. */
    private double leadSeconds;
    private boolean leadPending;
    /** The seeded objects' categories, by object id (set once by the driver before re-acquisition reads it). */
    private volatile List<String> categories = List.of();
    private long audioStartUs;

    // Guarded by this.
    /** Seconds of audio received, and how many times audio arrived (or ended). */
    private double received;
    private long arrivals;
    /** {@link #arrivals} at the last take: a take without news since would find nothing new. */
    private long takenAt = -1;
    private boolean ended;
    private boolean aborted;
    /** The last take came after the end of the input: every window is here. */
    private boolean complete;
    /** Windows taken and still needed, in time order. */
    private final ArrayDeque<AudioWindow> windows = new ArrayDeque<>();
    /** Where the tagged audio ends, seconds. */
    private double heardThrough;
    /** Frames of windows up to this index do not wait for their audio again (their wait ran out). */
    private long gaveUpWindow = -1;

    /**
     * @param media     the call's shared session (opened online with audio_track)
     * @param audioWait longest a frame's masks wait for its second of audio
     * @param maxSeconds most seconds of windows kept ahead of the frames (refseg.limits.max-audio-seconds)
     */
    public LiveAudio(MediaSession media, AudioParams params, Duration audioWait, double maxSeconds,
            BooleanSupplier cancelled) {
        this.media = media;
        this.params = params;
        this.waitNanos = audioWait.toNanos();
        this.maxSeconds = maxSeconds;
        this.cancelled = cancelled;
    }

    // ---- intake -----------------------------------------------------------------------------------

    /**
     * A resumed stream whose audio starts {@code offsetSeconds} into the first stream's audio: the windows
     * keep the first stream's boundaries, so the session's audio begins with silence from the window
     * boundary before that point ({@link #withLeadIn}) and the frames are timed from that boundary.
     */
    public synchronized void resumeAt(double offsetSeconds) {
        double w = params.windowSeconds();
        double into = offsetSeconds - Math.floor(offsetSeconds / w) * w;
        leadSeconds = into < 1e-6 || w - into < 1e-6 ? 0 : into;
        leadPending = leadSeconds > 0;
    }

    /**
     * The stream's first AudioChunk {@code first} as the session is to read it: with a resumed stream's lead
     * of silence ({@link #resumeAt}) in front, in its own encoding, rate and channels (one chunk, so that
     * the client's chunks keep their numbers in messages). {@code first} itself when no lead is due, when it
     * is not PCM with a rate and channels (its own refusal follows) or when the lead would pass 16 MiB (the
     * windows then start at the resumed audio, as with no offset).
     */
    public synchronized dev.refseg.v1.AudioChunk withLeadIn(dev.refseg.v1.AudioChunk first) {
        if (!leadPending) {
            return first;
        }
        leadPending = false;
        int bytesPerSample = switch (first.getEncoding()) {
            case AUDIO_ENCODING_PCM_S16LE -> 2;
            case AUDIO_ENCODING_PCM_F32LE -> 4;
            default -> 0;
        };
        // In double: any uint32 rate and channel count (the chunk's own checks come after) cannot overflow.
        double bytes = Math.rint(leadSeconds * dev.refseg.errors.Fields.unsigned(first.getSampleRateHz()))
                * dev.refseg.errors.Fields.unsigned(first.getChannels()) * bytesPerSample;
        if (bytes <= 0 || bytes > 16 << 20) {
            leadSeconds = 0;
            return first;
        }
        // Zeros are silence in either encoding.
        return first.toBuilder().setData(com.google.protobuf.ByteString.copyFrom(new byte[(int) bytes])
                .concat(first.getData())).build();
    }

    /** An AudioChunk reached the session: {@code seconds} of audio have arrived in all. */
    public synchronized void arrived(double seconds) {
        received = seconds;
        arrivals++;
        notifyAll();
    }

    /** The input is complete (the session has flushed the audio): nothing more comes. */
    public synchronized void ended() {
        ended = true;
        arrivals++;
        notifyAll();
    }

    /** The call is ending: no more waiting. */
    public synchronized void abort() {
        aborted = true;
        notifyAll();
    }

    // ---- the driver -------------------------------------------------------------------------------

    /**
     * LBRU's tags of the first window: waits (at most the audio wait) for the audio through the window's
     * last frame, then takes every window tagged so far.
     *
     * @param request       LBRU's TagAudio (top_k, window seconds, floor)
     * @param throughSeconds the time of the window's last frame from the start of the audio
     * @throws io.grpc.StatusRuntimeException INVALID_ARGUMENT naming {@code audio} when no window of audio
     *         could be tagged (none came with the first window, or less than the tagger's minimum)
     */
    AudioLabels firstWindow(TagAudio request, double throughSeconds) {
        take = request.toBuilder().setLive(true).build();
        awaitAudio(windowEnd(throughSeconds), System.nanoTime() + waitNanos);
        AudioLabels first = takeWindows();
        if (first.getWindowsCount() == 0) {
            double got;
            synchronized (this) {
                got = received;
            }
            throw Errors.invalid("audio", String.format(Locale.ROOT, "%.3f s of audio arrived with the first "
                    + "window's frames (through %.3f s, waiting up to refseg.online.audio-wait); online audio "
                    + "referents need PCM AudioChunks sent along with the frames, at least one window of %.2f s",
                    got, throughSeconds, params.windowSeconds()));
        }
        return first;
    }

    /** The selection's sounding objects: from now on {@link #apply} decides who sounds on each frame. */
    void seed(List<Sounding> objects, long audioStartUs, int width, int height, boolean png) {
        this.audioStartUs = audioStartUs;
        this.labels = objects.stream().collect(Collectors.toMap(Sounding::objectId, Sounding::labels));
        this.categories = objects.stream().sorted(java.util.Comparator.comparingInt(Sounding::objectId))
                .map(Sounding::category).toList();
        this.masks = new SoundingMasks(objects.stream().map(o -> new SoundingMasks.Source(o.objectId(), o.category(),
                new boolean[0])).toList(), new SoundingTimes(List.of(), params.soundingThreshold()), audioStartUs,
                width, height, png);
    }

    /**
     * The seeded objects' categories as one referring sentence, for re-acquisition (a re-selection looks
     * for what was chosen, by name: "red", "dog, guitar"); empty before {@link #seed} or with no object.
     */
    public String categoriesSentence() {
        return categories.isEmpty() ? "" : String.join(", ", new java.util.LinkedHashSet<>(categories));
    }

    /**
     * A resumed stream's objects (Resume.sources), with no LBRU: the live tag request is the call's, and the
     * audio starts at the first live frame's time (the first frame after the seed pictures).
     */
    void seedResumed(List<Sounding> objects, int width, int height, boolean png) {
        take = Lbru.tagRequest(params).toBuilder().setLive(true).build();
        seed(objects, Long.MIN_VALUE, width, height, png);
    }

    /** One frame's masks with categories, silences and the sounding union, once its audio is tagged. */
    MaskFrame apply(MaskFrame f) {
        if (masks != null && audioStartUs == Long.MIN_VALUE) { // resumed: the audio starts with the first frame
            audioStartUs = f.getTimestampUs() - Math.round(leadSeconds() * 1e6); // after the seeds, less the lead
        }
        if (f.getSkipped() || masks == null) {
            return f;
        }
        if (labels.isEmpty()) { // nothing to decide: no object is tracked
            return masks.apply(f, id -> false);
        }
        double t = (f.getTimestampUs() - audioStartUs) / 1e6;
        long window = windowIndex(t);
        boolean heard = heard(t, window);
        MaskFrame out;
        if (heard) {
            AudioWindow w = windowAt(t);
            out = masks.apply(f, id -> w != null && SoundingTimes.sounds(w, labels.get(id), params.soundingThreshold()));
        } else {
            out = masks.apply(f, id -> false).toBuilder().setAudioLate(true).build();
        }
        if (f.getDirection() == PassDirection.PASS_DIRECTION_LIVE) {
            forgetBefore(t); // live frames come in time order: earlier windows are no longer needed
        }
        return out;
    }

    /** Whether the frame at {@code t} can be decided: its window is tagged, or no more audio comes. */
    private boolean heard(double t, long window) {
        boolean mayWait;
        synchronized (this) {
            mayWait = window > gaveUpWindow;
        }
        long deadline = System.nanoTime() + (mayWait ? waitNanos : 0);
        while (true) {
            synchronized (this) {
                if (t < heardThrough || complete || t < 0) {
                    return true;
                }
            }
            if (!awaitAudio(windowEnd(t), deadline)) {
                synchronized (this) {
                    gaveUpWindow = Math.max(gaveUpWindow, window);
                }
                return false;
            }
            takeWindows();
        }
    }

    /**
     * Waits until there is news worth a take: audio through {@code seconds} (or the end of the input)
     * that arrived after the last take. False when the deadline passed or the call is ending first.
     */
    private synchronized boolean awaitAudio(double seconds, long deadline) {
        while (!((received >= seconds || ended) && arrivals != takenAt)) {
            long left = deadline - System.nanoTime();
            if (left <= 0 || aborted || cancelled.getAsBoolean()) {
                return false;
            }
            try {
                wait(Math.max(1, Math.min(left / 1_000_000, 200)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    /** Takes the windows the session tagged since the last take; keeps them. */
    private AudioLabels takeWindows() {
        boolean endedBefore;
        synchronized (this) {
            takenAt = arrivals;
            endedBefore = ended; // the session had the end of the input before this take: the tail is in it
        }
        AudioLabels a = media.tagAudio(take);
        synchronized (this) {
            windows.addAll(a.getWindowsList());
            heardThrough = Math.max(heardThrough, a.getAudioSeconds());
            complete |= endedBefore;
            double ahead = windows.isEmpty() ? 0 : windows.getLast().getEndSeconds() - windows.getFirst().getStartSeconds();
            if (ahead > maxSeconds) {
                throw Errors.limit("audio", "seconds of audio ahead of the frames", (long) Math.ceil(ahead),
                        IntakeLimits.KEY_AUDIO_SECONDS, (long) maxSeconds);
            }
        }
        return a;
    }

    private synchronized AudioWindow windowAt(double t) {
        for (AudioWindow w : windows) {
            if (t >= w.getStartSeconds() && t < w.getEndSeconds()) {
                return w;
            }
        }
        return null;
    }

    private synchronized void forgetBefore(double t) {
        while (!windows.isEmpty() && windows.getFirst().getEndSeconds() <= t) {
            windows.removeFirst();
        }
    }

    private synchronized double leadSeconds() {
        return leadSeconds;
    }

    /** Windows kept now (tests of bounded memory). */
    public synchronized int windowsHeld() {
        return windows.size();
    }

    private long windowIndex(double t) {
        return (long) Math.floor(t / params.windowSeconds());
    }

    /** Where the window holding {@code t} ends, seconds. */
    private double windowEnd(double t) {
        return (windowIndex(t) + 1) * params.windowSeconds();
    }
}
