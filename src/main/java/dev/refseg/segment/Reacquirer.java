package dev.refseg.segment;

import dev.refseg.inference.MediaSession;
import dev.refseg.v1.KeyBox;
import dev.refseg.v1.MaskFrame;
import dev.refseg.v1.ObjectMask;
import dev.refseg.v1.PassDirection;
import dev.refseg.v1.Reacquisition;
import dev.refseg.v1.SegmentResponse;
import dev.refseg.v1.TrackPrompt;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Re-acquisition for one online call (issue 13, item 3), kept apart from the driver it serves:
 * <ol>
 *   <li>{@link #observe} each live frame answered: the absence clock runs, on the frames' timestamps,
 *       while <b>every</b> tracked object is absent (object score &le; 0), and stops once one is seen;</li>
 *   <li>{@link #due}: every object absent for {@code after} and attempts left;</li>
 *   <li>{@link #start}: the selection runs again on the recent window, on a thread of its own, so live
 *       frames keep being tracked and answered meanwhile (the driver asks the sidecar to hold the
 *       window's frames until then);</li>
 *   <li>{@link #takeDone}: the attempt's answer, which the driver turns into a re-seed on the chosen
 *       frame ({@code reseed_live}) or a {@link Reacquisition} event saying why not;</li>
 *   <li>{@link #reseeded}: a find is only reported once it holds: {@link #observe} decides it on the first
 *       live frame tracked after the re-seed's frame. The tracker still sees an object there: found. It does
 *       not: not found (a box on an object barely in view, e.g. a sliver at the frame's edge as it comes
 *       back, can give the tracker too little to follow), and the absence clock goes on.</li>
 * </ol>
 * A failed attempt is retried after {@code after} more of absent frames, at most {@code attempts} times
 * per absence. Called by the driver's thread, except the selection, which runs on {@code workers}.
 */
final class Reacquirer {
    /**
     * Builds a selection over a window view; its own events go to {@code events}, not to the client. Each
     * has LLM questions of its own, abandoned by its {@code close}.
     */
    @FunctionalInterface
    interface Selections {
        Selection over(MediaSession window, Consumer<SegmentResponse> events, BooleanSupplier cancelled);
    }

    /** One finished attempt, ready for the driver: the prompts to re-seed with (stream frame indices). */
    record Attempt(Reacquisition.Builder event, List<TrackPrompt> prompts) {
    }

    /** A re-seed waiting for its verdict: its event, its frame (session numbering) and its objects. */
    private record Reseed(Reacquisition.Builder event, int frame, Set<Integer> objectIds) {
    }

    private final Selections selections;
    private final long afterUs;
    private final int attempts;
    private final int windowFrames;
    private final int step;
    private final int maxRetrack;
    private final Executor workers;
    /** Wakes the driver when an attempt is done. */
    private final Runnable wake;
    /** A session frame index as the client numbers it (a resumed stream continues the old count). */
    private final java.util.function.IntUnaryOperator toClient;

    /** Timestamp of the first frame of the current absence, or -1 while an object is seen. */
    private long absentSinceUs = -1;
    /** The first live frame of the current absence (the sidecar's numbering); the window never starts before it. */
    private int absentFromFrame;
    /** When the next attempt is due (frame timestamp). */
    private long dueUs;
    private long lastUs;
    private int lastFrame = -1;
    private int attempt;
    // The running attempt, guarded by this (its selection's thread finishes it).
    private Selection running;
    private CompletableFuture<Attempt> done;
    private int holdFrom = -1;
    private boolean closed;
    /** Why the running attempt was cut short (its outcome is then a miss), or null. */
    private String cut;
    /** The running attempt's event as it was at its start (what a cut attempt reports). */
    private Reacquisition.Builder started;
    /** The running attempt's window's last frame (session numbering). */
    private int windowLast;
    /** A re-seed not yet seen to hold; no attempt starts meanwhile. Driver's thread only. */
    private Reseed reseed;

    /**
     * @param after        how long every object must have been absent; zero turns re-acquisition off
     * @param attempts     attempts per absence, at least 1
     * @param windowFrames the frames a re-selection looks at (from the first to the last a key-frame window shows)
     * @param step         the frames apart a window shows them: the window is placed so that the newest
     *                     frame received is the last one shown (re-acquisition is about the present)
     * @param maxRetrack   most frames answered after a find's frame that its re-seed may track again
     * @param toClient     the events' frame numbers: a session index as the client's MaskFrames number it
     */
    Reacquirer(Selections selections, Duration after, int attempts, int windowFrames, int step, int maxRetrack,
            Executor workers, Runnable wake, java.util.function.IntUnaryOperator toClient) {
        this.selections = selections;
        this.afterUs = after.toNanos() / 1000;
        this.attempts = attempts;
        this.windowFrames = windowFrames;
        this.step = Math.max(1, step);
        this.maxRetrack = maxRetrack;
        this.workers = workers;
        this.wake = wake;
        this.toClient = toClient;
    }

    /**
     * A live frame was answered (skipped frames and the backward fill tell nothing about the present).
     *
     * @return the event of the re-seed this frame decides (the first live frame tracked after the re-seed's
     *         frame): found when a re-seeded object is present on it, else not found; null otherwise
     */
    Reacquisition.Builder observe(MaskFrame m) {
        if (m.getSkipped() || m.getDirection() != PassDirection.PASS_DIRECTION_LIVE || m.getObjectsCount() == 0) {
            return null;
        }
        Reacquisition.Builder decided = null;
        if (reseed != null && m.getFrameIndex() > reseed.frame()) {
            decided = verdict(m);
        }
        lastUs = m.getTimestampUs();
        lastFrame = m.getFrameIndex();
        if (reseed != null) {
            return null; // up to the re-seed's frame, a presence is its prompt's: the absence goes on until the verdict
        }
        if (m.getObjectsList().stream().anyMatch(ObjectMask::getPresent)) {
            absentSinceUs = -1;
            attempt = 0;
        } else if (absentSinceUs < 0) {
            absentSinceUs = lastUs;
            absentFromFrame = m.getFrameIndex();
            dueUs = lastUs + afterUs;
        }
        return decided;
    }

    private Reacquisition.Builder verdict(MaskFrame m) {
        Reseed r = reseed;
        reseed = null;
        boolean holds = m.getObjectsList().stream().anyMatch(o -> o.getPresent() && r.objectIds().contains(o.getObjectId()));
        if (holds) {
            return r.event().setFound(true);
        }
        dueUs = Math.max(dueUs, m.getTimestampUs() + afterUs);
        boolean other = m.getObjectsList().stream().anyMatch(ObjectMask::getPresent); // the absence is over anyway
        return r.event().setFound(false).setMessage("found on frame " + r.event().getFrameIndex() + " and re-seeded, but "
                + "the tracker did not see it on frame " + toClient.applyAsInt(m.getFrameIndex()) + ", the next frame "
                + "tracked" + (other ? "; another tracked object is seen there, so the absence is over" : nextAttempt()));
    }

    /**
     * A found attempt was re-seeded on {@code frame} (session numbering): its event waits for the first
     * live frame tracked after it ({@link #observe}), or {@link #unconfirmed} when the input ends first.
     */
    void reseeded(Attempt a, int frame) {
        Set<Integer> ids = new java.util.HashSet<>();
        a.prompts().forEach(p -> ids.add(p.getObjectId()));
        reseed = new Reseed(a.event(), frame, ids);
    }

    /**
     * The re-seed still waiting when every frame is answered: found (re-seeded), with no frame after it to
     * confirm it, so saying so; null when none waits.
     */
    Reacquisition.Builder unconfirmed() {
        Reseed r = reseed;
        reseed = null;
        return r == null ? null : r.event().setFound(true)
                .setMessage("re-seeded; the input ended before a frame after it was tracked");
    }

    /** Every object has been absent long enough, attempts are left and none is running. */
    synchronized boolean due() {
        return afterUs > 0 && !closed && done == null && reseed == null && absentSinceUs >= 0 && lastUs >= dueUs && attempt < attempts;
    }

    /**
     * Starts an attempt on the recent window: the last {@code windowFrames} frames received that the
     * sidecar still holds ({@code firstHeld} on), none from before the absence began (a frame where the
     * object was still tracked would only find it where it was, not where it came back), started so that
     * the frames it shows, {@code step} apart, end on the newest one.
     *
     * @param received frames received so far
     * @param objects  the ids the tracker tracks (a re-selection re-seeds these, in order)
     * @return the frame from which the sidecar must hold frames until the attempt is done
     */
    synchronized int start(MediaSession media, int received, int firstHeld, Set<Integer> objects) {
        attempt++;
        int first = Math.max(Math.max(firstHeld, received - windowFrames), absentFromFrame);
        if (received > first) {
            first += (received - 1 - first) % step; // shown: first, first + step, ..., the newest frame
        }
        int frames = received - first;
        Reacquisition.Builder event = Reacquisition.newBuilder().setAttempt(attempt)
                .setTriggerFrameIndex(toClient.applyAsInt(lastFrame)).setAbsentSeconds((lastUs - absentSinceUs) / 1e6)
                .setWindowStart(toClient.applyAsInt(first))
                .setWindowEnd(received > first ? toClient.applyAsInt(received - 1) + 1 : toClient.applyAsInt(first));
        holdFrom = first;
        windowLast = received - 1;
        cut = null;
        started = event.clone();
        if (frames <= 0) {
            done = CompletableFuture.completedFuture(new Attempt(event.setMessage("no recent frame is held to look at "
                    + "(refseg.online.keep-recent-frames)"), List.of()));
            return holdFrom;
        }
        List<SegmentResponse> events = new ArrayList<>();
        RecentWindow window = new RecentWindow(media, first, frames);
        Selection selection = selections.over(window, events::add, this::isCancelled);
        running = selection;
        done = CompletableFuture.supplyAsync(() -> {
            try (selection) {
                selection.onFramesDecoded(frames);
                Selection.Outcome o = selection.finish(frames);
                return outcome(event, o, events, window, objects, toClient);
            } finally {
                wake.run();
            }
        }, workers);
        return holdFrom;
    }

    private static Attempt outcome(Reacquisition.Builder event, Selection.Outcome o, List<SegmentResponse> events,
            RecentWindow window, Set<Integer> objects, java.util.function.IntUnaryOperator toClient) {
        event.setPath(o.path()).addAllFallbacks(o.fallbacks());
        List<TrackPrompt> onStart = o.prompts().stream().filter(p -> p.getFrameIndex() == o.startFrame()).toList();
        List<Integer> ids = new ArrayList<>(objects);
        List<TrackPrompt> prompts = new ArrayList<>();
        for (int i = 0; i < Math.min(onStart.size(), ids.size()); i++) {
            prompts.add(onStart.get(i).toBuilder().setObjectId(ids.get(i))
                    .setFrameIndex(window.streamIndex(o.startFrame())).build());
        }
        if (o.notFound() || prompts.isEmpty()) {
            return new Attempt(event.setMessage("the referent was not found on frames " + event.getWindowStart() + " to "
                    + (event.getWindowEnd() - 1)), List.of());
        }
        events.stream().filter(SegmentResponse::hasKeyBox).map(SegmentResponse::getKeyBox)
                .filter(k -> k.getFrameIndex() == o.startFrame()).map(KeyBox::getReasoning).findFirst()
                .ifPresent(event::setReasoning);
        event.setFrameIndex(toClient.applyAsInt(window.streamIndex(o.startFrame())));
        for (TrackPrompt p : prompts) {
            event.addObjectIds(p.getObjectId()).addBoxes(p.getBox());
        }
        return new Attempt(event, prompts);
    }

    /** The frame the sidecar must keep frames from while an attempt runs; -1 when none runs. */
    synchronized int holdFrom() {
        return done == null ? -1 : holdFrom;
    }

    /** Whether an attempt is done and not yet taken. */
    synchronized boolean hasDone() {
        return done != null && done.isDone();
    }

    /**
     * The finished attempt, once: its event (found or not, with when the next attempt comes) and the
     * prompts to re-seed with (none when not found); null while none is done. The absence clock starts
     * again from the last frame seen, so a find that does not bring the object back is retried too.
     *
     * @throws RuntimeException what the selection threw (the call is ending, or the sidecar failed)
     */
    Attempt takeDone() {
        CompletableFuture<Attempt> f;
        String cutWhy;
        synchronized (this) {
            if (done == null || !done.isDone()) {
                return null;
            }
            f = done;
            done = null;
            running = null;
            cutWhy = cut;
            cut = null;
        }
        Attempt a;
        if (cutWhy == null) {
            a = f.join();
        } else {
            try {
                f.join();
            } catch (RuntimeException e) {
                // the aborted selection's failure is nobody's: the attempt is reported as cut short
            }
            a = new Attempt(started.setMessage(cutWhy), List.of());
        }
        dueUs = lastUs + afterUs;
        if (a.prompts().isEmpty()) {
            a.event().setMessage(a.event().getMessage() + nextAttempt());
        }
        return a;
    }

    /**
     * The oldest frame a find may re-seed: at most {@code maxRetrack} frames answered after it (the frames a
     * re-seed tracks again while the live frames wait).
     *
     * @param nextLive the next live frame to answer (session numbering)
     */
    int oldestReseedable(int nextLive) {
        return (int) Math.max(0, (long) nextLive - 1 - maxRetrack);
    }

    /**
     * Why a finished attempt's find cannot be re-seeded, as its not-found event; null when it can. Its frame
     * must be no older than {@link #oldestReseedable} and still held by the sidecar.
     *
     * @param nextLive  the next live frame to answer (session numbering)
     * @param firstHeld the oldest frame the sidecar holds (session numbering)
     */
    Reacquisition.Builder notReseedable(Attempt a, int nextLive, int firstHeld) {
        int frame = a.prompts().get(0).getFrameIndex();
        String why = frame < oldestReseedable(nextLive) ? "the selection answered when frame "
                + toClient.applyAsInt(nextLive) + " was next, more than refseg.online.max-retrack-frames ("
                + maxRetrack + ") frames after it"
                : frame < firstHeld ? "the sidecar no longer holds it (it holds frames from "
                + toClient.applyAsInt(firstHeld) + " on)" : null;
        return why == null ? null : a.event().setFound(false).setMessage("found on frame " + a.event().getFrameIndex()
                + ", but not re-seeded: " + why + nextAttempt());
    }

    private String nextAttempt() {
        return attempt < attempts ? "; the next attempt after " + Duration.ofNanos(afterUs * 1000) + " more of frames"
                : "; no more attempts (refseg.online.reacquire-attempts = " + attempts + ") until an object is seen";
    }

    private synchronized boolean isCancelled() {
        return closed || cut != null;
    }

    /**
     * Cuts the running attempt short when no find of it could be re-seeded any more (no-op otherwise): the
     * selection is still running and its window's last frame is older than {@link #oldestReseedable}. Its
     * LLM questions are aborted; {@link #takeDone} then reports a miss saying so once its thread has stopped,
     * and the window is let go.
     *
     * @param nextLive the next live frame to answer (session numbering)
     */
    void cutShortIfTooLate(int nextLive) {
        Selection s;
        synchronized (this) {
            if (done == null || done.isDone() || cut != null || windowLast >= oldestReseedable(nextLive)) {
                return;
            }
            cut = "abandoned: the selection was still running when frame " + toClient.applyAsInt(nextLive)
                    + " was next, more than refseg.online.max-retrack-frames (" + maxRetrack + ") frames after the "
                    + "window's last frame";
            s = running;
        }
        if (s != null) {
            s.close();
        }
    }

    /**
     * Abandons a running attempt from any thread (the call is ending): its LLM questions are aborted at
     * once and no attempt starts after it. Waits for nothing.
     */
    void abandon() {
        Selection s;
        synchronized (this) {
            closed = true;
            s = running;
        }
        if (s != null) {
            s.close();
        }
    }

    /**
     * Abandons a running attempt (the call is ending, or the input is complete and every frame answered)
     * and waits for its thread, so that it holds no session op once this returns.
     */
    void close() {
        abandon();
        CompletableFuture<Attempt> f;
        synchronized (this) {
            f = done;
        }
        if (f != null) {
            try {
                f.get(30, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                // abandoned: its failure is nobody's now
            }
        }
    }
}
