package dev.refseg.segment;

import dev.refseg.inference.MediaSession;
import dev.refseg.v1.BeginLive;
import dev.refseg.v1.Frame;
import dev.refseg.v1.IntakeUpdate;
import dev.refseg.v1.LiveStep;
import dev.refseg.v1.MaskFrame;
import dev.refseg.v1.MediaChunk;
import dev.refseg.v1.Progress;
import dev.refseg.v1.ReseedLive;
import dev.refseg.v1.SegmentResponse;
import dev.refseg.v1.SelectionPath;
import dev.refseg.v1.Stage;
import dev.refseg.v1.StageTiming;
import dev.refseg.v1.Start;
import dev.refseg.v1.Summary;
import dev.refseg.v1.TrackLive;
import dev.refseg.v1.TrackPrompt;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * One Segment call in online mode (design.md, "online"): frames are taken in on the call's worker while a
 * driver of its own chooses the object on the first window and then tracks live:
 * <ol>
 *   <li>buffer the first window ({@code windowFrames}, or fewer when the input ends first);</li>
 *   <li>select on it ({@link Selection#finish}) while later frames keep arriving;</li>
 *   <li>seed live tracking ({@code begin_live}) and send the start frame, the backward fill to frame 0,
 *       then each frame as it is tracked ({@code track_live} steps of {@code stepFrames});</li>
 *   <li>once the input is complete and every frame answered, the Summary.</li>
 * </ol>
 * An audio referent selects on the first window's frames and the audio that came with them, then each
 * frame's masks wait for its second of audio ({@link LiveAudio}). Exactly one MaskFrame per frame:
 * tracked, or skipped under the skip policy. Nothing grows without
 * bound: intake waits (the client is then held by gRPC flow control) while too many frames are
 * unanswered — {@code windowFrames + maxBacklog} until the window is out and {@code maxBacklog} after,
 * with backpressure; {@code maxPending} with skip, whose sidecar skips the oldest untracked frames
 * beyond {@code maxBacklog} — and the sidecar forgets frames no longer needed.
 */
public final class OnlineSession implements AutoCloseable {
    /**
     * @param skip            the overload policy: skip (true) or backpressure
     * @param windowFrames    frames selection looks at (the key-frame window), at least 1
     * @param maxBacklog      frames that may wait to be tracked, at least 1
     * @param maxPending      skip: most frames unanswered before intake waits
     * @param stepFrames      frames per tracking step, 1 to 256
     * @param keepRecent      frames the sidecar keeps before the next to track
     * @param maxConditioning conditioning frames kept per object, 2 to 64
     * @param reacquireAfter  every object absent this long (frame timestamps) starts a re-selection; 0 = off
     * @param reacquireTries  re-selections per absence, at least 1
     * @param reselectFrames  frames a re-selection looks at: from the first to the last frame the call's
     *                        key-frame window shows (a resumed call's first window is only its seed pictures)
     * @param reselectStep    the frames apart they are shown (frame_step): a re-selection's window is placed
     *                        so that the last frame it shows is the newest received
     * @param maxRetrack      most frames answered after a find's frame that its re-seed tracks again: bounds
     *                        what the sidecar holds while a re-selection runs, and the re-tracking's work
     */
    public record Settings(boolean skip, int windowFrames, int maxBacklog, int maxPending, int stepFrames,
            int keepRecent, int maxConditioning, Duration reacquireAfter, int reacquireTries, int reselectFrames,
            int reselectStep, int maxRetrack) {
        /** Most frames received and not yet answered while the window is out / after. */
        int pendingLimit(boolean windowOut) {
            int before = windowFrames + maxBacklog;
            return skip ? Math.max(maxPending, before) : windowOut ? maxBacklog : before;
        }
    }

    /** The most frames any online call has held unanswered, and the most its frame store held (tests). */
    private static final java.util.concurrent.atomic.AtomicInteger MAX_PENDING = new java.util.concurrent.atomic.AtomicInteger();
    private static final java.util.concurrent.atomic.AtomicInteger MAX_HELD = new java.util.concurrent.atomic.AtomicInteger();

    private final Start start;
    private final SharedMediaSession media;
    private final Settings settings;
    private final SegmentMetrics metrics;
    private final Consumer<SegmentResponse> emit;
    /** Null without a referent: every frame then gets an empty MaskFrame. */
    private final Selection selection;
    /** Ends the call from the driver (its failure is the call's). */
    private final Consumer<RuntimeException> fail;
    /** Re-acquisition of lost objects; null without a referent. */
    private final Reacquirer reacquirer;
    /** Audio referents: the stream's audio, tagged as it comes (who sounds when); null for text. */
    private final LiveAudio audio;
    private final long startedNanos = System.nanoTime();
    /** Arrival time of the frames not yet answered, by frame index modulo its length. */
    private final long[] arrivals;

    // Guarded by this.
    private int received;
    private int answered;
    private int skipped;
    /** Resumed calls: seed pictures answered without a MaskFrame. */
    private int seedsAnswered;
    private boolean inputComplete;
    private boolean stopping;
    private boolean driverDone;
    private boolean driverStarted;
    private RuntimeException driverFailure;
    private IntakeUpdate last = IntakeUpdate.getDefaultInstance();
    private long firstMaskNanos;
    private Selection.Outcome chosen;
    private long trackingNanos;
    private int maxHeld;
    /** The next live frame to answer (session numbering); the tracking thread's own. */
    private int nextLive;

    /**
     * @param media     the call's media session (shared here between intake and the driver)
     * @param emit      sends one response to the client; may block (flow control) or throw to stop
     * @param selection how the object is chosen; null for none
     * @param reselect  a selection like {@code selection} over a recent window (re-acquisition); null for none
     * @param drivers   where the driver runs (one task per call) and a re-selection (one at a time)
     * @param fail      ends the call with the driver's failure
     * @param audio     audio referents: the live audio the selection's masks read; null for text
     */
    public OnlineSession(Start start, MediaSession media, Settings settings, SegmentMetrics metrics,
            Consumer<SegmentResponse> emit, Selection selection, Reselection reselect, Executor drivers,
            Consumer<RuntimeException> fail, LiveAudio audio) {
        this.start = start;
        this.audio = audio;
        this.media = media instanceof SharedMediaSession s ? s : new SharedMediaSession(media);
        this.settings = settings;
        this.metrics = metrics;
        this.emit = emit;
        this.selection = selection;
        this.fail = fail;
        this.arrivals = new long[settings.pendingLimit(false) + 1];
        this.reacquirer = reselect == null ? null : new Reacquirer(reselect::over, settings.reacquireAfter(),
                settings.reacquireTries(), settings.reselectFrames(), settings.reselectStep(), settings.maxRetrack(),
                drivers, this::wake,
                selection instanceof ResumeSeed seed ? i -> (int) seed.clientIndex(i) : i -> i);
        drivers.execute(this::drive);
        synchronized (this) {
            driverStarted = true;
        }
    }

    /**
     * Builds a call's selection over a recent window of its stream, its events going to {@code events};
     * with LLM questions of its own (its {@code close} abandons them: a closed selection's never come back).
     */
    @FunctionalInterface
    public interface Reselection {
        Selection over(MediaSession window, Consumer<SegmentResponse> events, java.util.function.BooleanSupplier cancelled);
    }

    /** Wraps a media session so that intake and a selection can share it with the online driver. */
    public static MediaSession shared(MediaSession media) {
        return new SharedMediaSession(media);
    }

    // ---- intake (the call's worker) ------------------------------------------------------------

    /** Takes one frame in; waits first while too many frames are unanswered (see the class comment). */
    public void onFrame(Frame f) {
        awaitRoom();
        took(media.addFrame(f));
    }

    /** Takes container bytes in; waits first while too many frames are unanswered. */
    public void onMedia(MediaChunk c) {
        awaitRoom();
        took(media.addMedia(c));
    }

    /**
     * Takes one AudioChunk in (audio referents) without waiting for room: the session tags it as its
     * windows complete and holds at most refseg.limits.max-audio-seconds of it.
     */
    public void onAudio(dev.refseg.v1.AudioChunk c) {
        if (audio == null) {
            throw dev.refseg.errors.Errors.invalid("audio", "this online call has a text referent; AudioChunks are "
                    + "read only with start.audio");
        }
        audio.arrived(media.addAudio(audio.withLeadIn(c)).getAudioSeconds());
    }

    /** The client half-closed: waits until every frame is answered, then sends the Summary. */
    public void onInputComplete() {
        IntakeUpdate done = media.endOfInput();
        if (audio != null) {
            audio.ended();
        }
        synchronized (this) {
            took(done);
            inputComplete = true;
            notifyAll();
            while (!driverDone && !stopping) {
                waitHere();
            }
            throwDriverFailure();
        }
        emit.accept(SegmentResponse.newBuilder().setProgress(Progress.newBuilder().setStage(Stage.STAGE_INTAKE)
                .setFramesDecoded(done.getFramesDecoded()).setWidth(done.getWidth()).setHeight(done.getHeight())
                .setFps(done.getFps()).setInputComplete(true).setMessage("input complete")).build());
        emit.accept(SegmentResponse.newBuilder().setSummary(summary(done)).build());
    }

    private synchronized void awaitRoom() {
        while (!stopping && driverFailure == null
                && received - answered >= settings.pendingLimit(answered >= settings.windowFrames())) {
            waitHere();
        }
        throwDriverFailure();
    }

    private synchronized void took(IntakeUpdate u) {
        long now = System.nanoTime();
        for (int i = received; i < u.getFramesDecoded(); i++) {
            arrivals[i % arrivals.length] = now;
        }
        metrics.frames(u.getFramesDecoded() - received);
        received = Math.max(received, u.getFramesDecoded());
        MAX_PENDING.accumulateAndGet(received - answered, Math::max);
        last = u;
        notifyAll();
    }

    // ---- the driver ------------------------------------------------------------------------------

    private void drive() {
        try {
            int window = awaitWindow();
            if (window == 0 && selection instanceof ResumeSeed) {
                selection.finish(0); // refuses: a resumed stream starts with its seed pictures
            }
            if (window > 0) {
                List<TrackPrompt> prompts = select(window);
                long t0 = System.nanoTime();
                media.beginLive(BeginLive.newBuilder().addAllPrompts(prompts)
                        .setStartFrameIndex(chosen == null ? 0 : chosen.startFrame())
                        .setIncludePng(start.getOptions().getIncludePng())
                        .setMaxConditioningFrames(settings.maxConditioning())
                        .setKeepRecentFrames(settings.keepRecent()).build());
                track();
                synchronized (this) {
                    trackingNanos = System.nanoTime() - t0;
                }
            }
        } catch (RuntimeException e) {
            synchronized (this) {
                driverFailure = e;
            }
            if (!isStopping()) {
                fail.accept(e);
            }
        } catch (Error e) {
            synchronized (this) {
                driverFailure = dev.refseg.errors.Errors.ofError(e);
            }
            if (!isStopping()) {
                fail.accept(driverFailure);
            }
        } finally {
            synchronized (this) {
                driverDone = true;
                notifyAll();
            }
        }
    }

    /**
     * Waits for the first window (or the end of a shorter input); the frames it spans, 0 for none. The
     * selection hears of frames as they arrive, so that its first LLM question goes out once the frames it
     * shows are here, not when the window is complete (the LLM's time is most of the time to first mask).
     */
    private int awaitWindow() {
        int told = 0;
        while (true) {
            int now;
            synchronized (this) {
                if (!stopping && !inputComplete && received < settings.windowFrames() && received == told) {
                    waitHere();
                    continue;
                }
                checkStopping();
                now = Math.min(received, settings.windowFrames());
                if (inputComplete || now == settings.windowFrames()) {
                    return now;
                }
            }
            if (selection != null && !(selection instanceof ResumeSeed)) {
                selection.onFramesDecoded(now);
            }
            told = now;
        }
    }

    /** Runs the selection on the first {@code window} frames; the prompts to seed with (all on one frame). */
    private List<TrackPrompt> select(int window) {
        if (selection == null) {
            return List.of();
        }
        if (!(selection instanceof ResumeSeed)) {
            emit.accept(SegmentResponse.newBuilder().setProgress(Progress.newBuilder().setStage(Stage.STAGE_INTAKE)
                    .setFramesDecoded(window).setWidth(last.getWidth()).setHeight(last.getHeight()).setFps(last.getFps())
                    .setMessage(window < settings.windowFrames() ? "the input ended after " + window + " frames, before the "
                    + settings.windowFrames() + "-frame window was full: choosing the object on them"
                    : "first window buffered: choosing the object while frames keep arriving")).build());
        }
        selection.onFramesDecoded(window);
        Selection.Outcome outcome = selection.finish(window);
        outcome.timings().forEach(t -> metrics.stage(SegmentSession.stageName(t.getStage()),
                Duration.ofNanos((long) (t.getMillis() * 1e6))));
        outcome.fallbacks().forEach(metrics::fallback);
        synchronized (this) {
            chosen = outcome;
        }
        // One window has one key frame: its key boxes are all on it. A resume seeds its key frame too.
        return outcome.prompts().stream().filter(p -> p.getFrameIndex() == outcome.startFrame()
                || outcome.path() == SelectionPath.SELECTION_PATH_RESUMED).toList();
    }

    /** Live tracking until the input is complete and every frame is answered. */
    private void track() {
        TrackLive base = TrackLive.newBuilder().setMaxFrames(settings.stepFrames())
                .setMaxBacklog(settings.skip() ? settings.maxBacklog() : 0).build();
        boolean reacquiring = reacquirer != null && chosen != null && !chosen.notFound() && chosen.objects() > 0;
        // The first step answers the start frame alone: begin_live made its masks (the prompts'), so the
        // first MaskFrame goes out at once rather than after the next stepFrames - 1 frames are tracked.
        boolean firstStep = true;
        while (true) {
            int seen;
            synchronized (this) {
                checkStopping();
                seen = received;
            }
            if (reacquiring) {
                // A selection that has run so long that its window is further back than a re-seed may reach
                // is abandoned (its window let go once it has stopped): what is held stays bounded.
                reacquirer.cutShortIfTooLate(nextLive);
            }
            int hold = reacquiring ? reacquirer.holdFrom() : -1;
            TrackLive step = hold < 0 ? base : base.toBuilder().setHold(true).setHoldFromFrameIndex(hold).build();
            if (firstStep) {
                step = step.toBuilder().setMaxFrames(1).build();
                firstStep = false;
            }
            LiveStep done = media.trackLive(step);
            synchronized (this) {
                maxHeld = Math.max(maxHeld, done.getFramesHeld());
            }
            MAX_HELD.accumulateAndGet(done.getFramesHeld(), Math::max);
            for (MaskFrame m : done.getMasksList()) {
                send(m);
                if (m.getDirection() == dev.refseg.v1.PassDirection.PASS_DIRECTION_LIVE || m.getSkipped()) {
                    nextLive = m.getFrameIndex() + 1;
                }
                if (reacquiring) {
                    report(reacquirer.observe(m));
                }
            }
            if (reacquiring) {
                reacquire(seen, done);
            }
            if (done.getMasksCount() == 0) {
                synchronized (this) {
                    if (inputComplete && received == seen) {
                        if (reacquiring) {
                            reacquirer.close(); // every frame is answered: nothing is left to re-seed
                            report(reacquirer.unconfirmed());
                        }
                        return; // the sidecar had every frame and answered them all
                    }
                    while (!stopping && received == seen && !inputComplete && !(reacquiring && reacquirer.hasDone())) {
                        waitHere();
                    }
                }
            }
        }
    }

    /**
     * Between tracking steps: re-seeds from a finished re-selection (its event waits for the verdict of the
     * next frame tracked, {@link Reacquirer#observe}) or says why it did not, then starts the next one when
     * every object has been absent long enough. Live frames keep being tracked meanwhile.
     *
     * @param received frames received before the step
     * @param step     the step just taken (its first held frame is where a window may start)
     */
    private void reacquire(int received, LiveStep step) {
        Reacquirer.Attempt a = reacquirer.takeDone();
        dev.refseg.v1.Reacquisition.Builder refused = a == null || a.prompts().isEmpty() ? null
                : reacquirer.notReseedable(a, nextLive, step.getFirstHeldFrameIndex());
        if (a != null && (a.prompts().isEmpty() || refused != null)) {
            report(refused != null ? refused : a.event());
        } else if (a != null) {
            a.event().setFramesRetracked(media.reseedLive(ReseedLive.newBuilder().addAllPrompts(a.prompts())
                    .build()).getFramesRetracked());
            reacquirer.reseeded(a, a.prompts().get(0).getFrameIndex()); // reported once the next frame tells
        }
        if (reacquirer.due()) {
            reacquirer.start(media, received, step.getFirstHeldFrameIndex(), objectIds());
        }
    }

    /** Sends a decided attempt's event (none when null) and counts it. */
    private void report(dev.refseg.v1.Reacquisition.Builder event) {
        if (event != null) {
            metrics.onlineReacquisition(event.getFound());
            emit.accept(SegmentResponse.newBuilder().setReacquisition(event).build());
        }
    }

    /** The ids the first selection seeded, in order. */
    private java.util.Set<Integer> objectIds() {
        java.util.Set<Integer> ids = new java.util.LinkedHashSet<>();
        chosen.prompts().forEach(p -> ids.add(p.getObjectId()));
        return ids;
    }

    private synchronized void wake() {
        notifyAll();
    }

    private void send(MaskFrame m) {
        // A resume's seed pictures (the prompted frame and the key frame before it) are answered without a
        // MaskFrame: the client has their masks.
        boolean seed = chosen != null && chosen.path() == SelectionPath.SELECTION_PATH_RESUMED
                && m.getDirection() != dev.refseg.v1.PassDirection.PASS_DIRECTION_LIVE && !m.getSkipped();
        if (seed) {
            synchronized (this) {
                answered++;
                seedsAnswered++;
                notifyAll();
            }
            return;
        }
        MaskFrame out = chosen == null ? m : chosen.masks().apply(m);
        emit.accept(SegmentResponse.newBuilder().setMask(out).build());
        long now = System.nanoTime();
        metrics.frameOut();
        if (m.getSkipped()) {
            metrics.onlineFramesSkipped(1);
        }
        synchronized (this) {
            if (answered == seedsAnswered) {
                firstMaskNanos = now - startedNanos;
                metrics.onlineFirstMask(Duration.ofNanos(firstMaskNanos));
            }
            if (m.getFrameIndex() < received && received - m.getFrameIndex() <= arrivals.length) {
                metrics.onlineFrameLag(Duration.ofNanos(now - arrivals[m.getFrameIndex() % arrivals.length]));
            }
            answered++;
            if (m.getSkipped()) {
                skipped++;
            }
            notifyAll();
        }
    }

    private Summary summary(IntakeUpdate u) {
        Summary.Builder s;
        synchronized (this) {
            s = Summary.newBuilder().setFramesIn(u.getFramesDecoded()).setMasksOut(answered - seedsAnswered).setFramesSkipped(skipped)
                    .setFirstMaskMillis(firstMaskNanos / 1e6).setWidth(u.getWidth()).setHeight(u.getHeight())
                    .setFps(u.getFps()).setAudioSeconds(u.getAudioSeconds()).setPath(SelectionPath.SELECTION_PATH_NONE);
            if (chosen != null) {
                s.addAllTimings(chosen.timings()).addAllFallbacks(chosen.fallbacks()).setPath(chosen.path())
                        .setObjects(chosen.objects()).setReferentNotFound(chosen.notFound())
                        .addAllAdjustments(chosen.adjustments());
            }
            s.addTimings(StageTiming.newBuilder().setStage(Stage.STAGE_PROPAGATION).setMillis(trackingNanos / 1e6));
        }
        if (u.hasOrientation()) {
            s.setOrientation(u.getOrientation());
        }
        return s.setTotalMillis((System.nanoTime() - startedNanos) / 1e6).build();
    }

    /** Over all online calls since {@link #resetMaxPending}: the most frames received and not yet answered. */
    public static int maxPendingSeen() {
        return MAX_PENDING.get();
    }

    /** Over all online calls since {@link #resetMaxPending}: the most frames a sidecar frame store held. */
    public static int maxHeldSeen() {
        return MAX_HELD.get();
    }

    /** Starts {@link #maxPendingSeen} and {@link #maxHeldSeen} again (tests). */
    public static void resetMaxPending() {
        MAX_PENDING.set(0);
        MAX_HELD.set(0);
    }

    /** The most frames the sidecar held at once, as its steps reported (for tests of bounded memory). */
    public synchronized int maxFramesHeld() {
        return maxHeld;
    }

    /** Frames received and not yet answered now (for tests of bounded buffering). */
    public synchronized int pending() {
        return received - answered;
    }

    // ---- ending ----------------------------------------------------------------------------------

    private void waitHere() {
        try {
            wait(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopping = true;
        }
    }

    private synchronized boolean isStopping() {
        return stopping;
    }

    private void checkStopping() {
        if (stopping) {
            throw io.grpc.Status.CANCELLED.withDescription("the call is being ended").asRuntimeException();
        }
    }

    private void throwDriverFailure() {
        if (driverFailure != null) {
            throw driverFailure;
        }
        checkStopping();
    }

    public Start start() {
        return start;
    }

    /** Unblocks intake and the driver from any thread: the call is ending. Frees nothing. */
    public void abort() {
        synchronized (this) {
            stopping = true;
            notifyAll();
        }
        if (reacquirer != null) {
            reacquirer.abandon();
        }
        if (audio != null) {
            audio.abort();
        }
        media.abort();
    }

    /** Stops the driver (abandoning the selection's questions), waits for it, frees the media session. */
    @Override
    public void close() {
        boolean running;
        synchronized (this) {
            stopping = true;
            notifyAll();
            running = driverStarted && !driverDone;
        }
        if (audio != null) {
            audio.abort();
        }
        try {
            if (selection != null) {
                selection.close();
            }
            if (running) {
                media.abort();
                awaitDriver();
            }
            if (reacquirer != null) {
                reacquirer.close(); // a re-selection still running is abandoned and waited for
            }
        } finally {
            media.close();
        }
    }

    private synchronized void awaitDriver() {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!driverDone && System.nanoTime() < deadline) {
            waitHere();
        }
    }
}
