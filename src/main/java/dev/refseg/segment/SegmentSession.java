package dev.refseg.segment;

import dev.refseg.inference.MediaSession;
import dev.refseg.v1.AudioChunk;
import dev.refseg.v1.Frame;
import dev.refseg.v1.IntakeUpdate;
import dev.refseg.v1.MaskFrame;
import dev.refseg.v1.MediaChunk;
import dev.refseg.v1.Progress;
import dev.refseg.v1.SegmentResponse;
import dev.refseg.v1.SelectionPath;
import dev.refseg.v1.Stage;
import dev.refseg.v1.StageTiming;
import dev.refseg.v1.Start;
import dev.refseg.v1.Summary;
import dev.refseg.v1.Track;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * One Segment call after its Start: receives the media, reports progress, and once the input is
 * complete runs the stages and ends with a Summary. Reads top-down as the method does:
 * intake → (audio: tagging → LBRU →) key frames → candidates → key boxes ({@link TextSelection}, whose
 * key-frame questions start during intake, or {@link AudioSelection}) → propagation → summary. Events go
 * to {@code emit} as soon as each step has them. Online mode ({@code Start.mode = MODE_ONLINE}) is
 * {@link OnlineSession} instead.
 */
public final class SegmentSession implements AutoCloseable {
    private final Start start;
    private final MediaSession media;
    private final long progressIntervalNanos;
    private final SegmentMetrics metrics;
    private final Consumer<SegmentResponse> emit;
    private final long startedNanos = System.nanoTime();
    private long lastProgressNanos;
    private int framesReported;
    private long intakeNanos;
    /** The referent's selection; null when there is none to run (then the call ends after intake). */
    private final Selection selection;

    public SegmentSession(Start start, MediaSession media, Duration progressInterval, SegmentMetrics metrics,
            Consumer<SegmentResponse> emit, Selection selection) {
        this.start = start;
        this.media = media;
        this.progressIntervalNanos = progressInterval.toNanos();
        this.metrics = metrics;
        this.emit = emit;
        this.selection = selection;
    }

    public void onFrame(Frame f) {
        timedIntake(() -> media.addFrame(f));
    }

    public void onMedia(MediaChunk c) {
        timedIntake(() -> media.addMedia(c));
    }

    public void onAudio(AudioChunk c) {
        timedIntake(() -> media.addAudio(c));
    }

    /** The client half-closed: finish decoding, run the stages, summarise. */
    public void onInputComplete() {
        IntakeUpdate done = timedIntake(media::endOfInput);
        emit.accept(progress(done, "input complete"));
        metrics.stage("intake", Duration.ofNanos(intakeNanos));
        Summary.Builder summary = summary(done);
        if (selection != null && done.getFramesDecoded() > 0) {
            Selection.Outcome chosen = selection.finish(done.getFramesDecoded());
            summary.addAllTimings(chosen.timings()).addAllFallbacks(chosen.fallbacks()).setPath(chosen.path())
                    .setObjects(chosen.objects()).setReferentNotFound(chosen.notFound())
                    .addAllAdjustments(chosen.adjustments());
            chosen.timings().forEach(t -> metrics.stage(stageName(t.getStage()), Duration.ofNanos((long) (t.getMillis() * 1e6))));
            chosen.fallbacks().forEach(metrics::fallback);
            long t0 = System.nanoTime();
            int[] sent = {0};
            media.track(Track.newBuilder().addAllPrompts(chosen.prompts()).setStartFrameIndex(chosen.startFrame())
                    .setIncludePng(start.getOptions().getIncludePng()).build(), (MaskFrame m) -> {
                        emit.accept(SegmentResponse.newBuilder().setMask(chosen.masks().apply(m)).build());
                        metrics.frameOut();
                        sent[0]++;
                    });
            Duration took = Duration.ofNanos(System.nanoTime() - t0);
            metrics.stage("propagation", took);
            metrics.trackingRate(sent[0], took);
            summary.setMasksOut(sent[0]).addTimings(StageTiming.newBuilder().setStage(Stage.STAGE_PROPAGATION)
                    .setMillis(took.toNanos() / 1e6));
        }
        emit.accept(SegmentResponse.newBuilder().setSummary(summary.setTotalMillis(
                (System.nanoTime() - startedNanos) / 1e6)).build());
    }

    static String stageName(Stage s) {
        return s.name().substring("STAGE_".length()).toLowerCase(java.util.Locale.ROOT);
    }

    private IntakeUpdate timedIntake(java.util.function.Supplier<IntakeUpdate> step) {
        long t0 = System.nanoTime();
        IntakeUpdate u;
        try {
            u = step.get();
        } finally {
            intakeNanos += System.nanoTime() - t0;
        }
        metrics.frames(u.getFramesDecoded() - framesReported);
        long now = System.nanoTime();
        if (!u.getInputComplete() && u.getFramesDecoded() > framesReported
                && (framesReported == 0 || now - lastProgressNanos >= progressIntervalNanos)) {
            lastProgressNanos = now;
            emit.accept(progress(u, ""));
        }
        framesReported = Math.max(framesReported, u.getFramesDecoded());
        if (selection != null && !u.getInputComplete()) {
            selection.onFramesDecoded(u.getFramesDecoded());
        }
        return u;
    }

    private static SegmentResponse progress(IntakeUpdate u, String message) {
        Progress.Builder p = Progress.newBuilder().setStage(Stage.STAGE_INTAKE)
                .setFramesDecoded(u.getFramesDecoded()).setWidth(u.getWidth()).setHeight(u.getHeight())
                .setFps(u.getFps()).setAudioSeconds(u.getAudioSeconds()).setInputComplete(u.getInputComplete())
                .setMessage(message);
        if (u.hasOrientation()) {
            p.setOrientation(u.getOrientation());
        }
        return SegmentResponse.newBuilder().setProgress(p).build();
    }

    private Summary.Builder summary(IntakeUpdate u) {
        Summary.Builder s = Summary.newBuilder().setFramesIn(u.getFramesDecoded()).setMasksOut(0).setWidth(u.getWidth())
                .setHeight(u.getHeight()).setFps(u.getFps()).setAudioSeconds(u.getAudioSeconds())
                .addTimings(StageTiming.newBuilder().setStage(Stage.STAGE_INTAKE).setMillis(intakeNanos / 1e6))
                .setPath(SelectionPath.SELECTION_PATH_NONE);
        if (u.hasOrientation()) {
            s.setOrientation(u.getOrientation());
        }
        return s;
    }

    public Start start() {
        return start;
    }

    /** Unblocks the media side from any thread: the call is ending (see {@link MediaSession#abort()}). */
    public void abort() {
        media.abort();
    }

    @Override
    public void close() {
        try {
            if (selection != null) {
                selection.close();
            }
        } finally {
            media.close();
        }
    }
}
