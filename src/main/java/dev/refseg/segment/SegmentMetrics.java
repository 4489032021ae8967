package dev.refseg.segment;

import dev.refseg.inference.InferenceBackend;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.inject.Singleton;
import java.time.Duration;

/** Micrometer meters of the Segment pipeline (exported at /q/metrics). */
@Singleton
public class SegmentMetrics {
    private final MeterRegistry registry;
    private final Counter framesIn;
    private final Counter framesOut;

    public SegmentMetrics(MeterRegistry registry, SessionSlots slots, InferenceBackend inference) {
        this.registry = registry;
        this.framesIn = Counter.builder("refseg.frames.in").description("Frames received and decoded")
                .register(registry);
        this.framesOut = Counter.builder("refseg.frames.out").description("Mask frames sent").register(registry);
        registry.gauge("refseg.sessions.active", slots, SessionSlots::inUse);
        registry.gauge("refseg.media.sessions.open", inference, InferenceBackend::openSessions);
        registry.gauge("refseg.trackers.live", inference, InferenceBackend::liveTrackers);
        // The online counters exist from the start (at 0), so that dashboards and rate() see them before
        // the first skip or re-acquisition.
        onlineFramesSkipped(0);
        reacquisitions(true);
        reacquisitions(false);
    }

    public void frames(int n) {
        if (n > 0) {
            framesIn.increment(n);
        }
    }

    /** One MaskFrame sent; rate(refseg_frames_out_total) is the output frame rate. */
    public void frameOut() {
        framesOut.increment();
    }

    /** Online mode: time from a call's Start to its first MaskFrame sent. */
    public void onlineFirstMask(Duration d) {
        Timer.builder("refseg.online.first.mask").description("Online mode: time from Start to the first mask sent")
                .register(registry).record(d);
    }

    /** Online mode: one frame's lag, from its arrival to its MaskFrame being sent. */
    public void onlineFrameLag(Duration d) {
        Timer.builder("refseg.online.frame.lag").description("Online mode: time from a frame's arrival to its mask sent")
                .register(registry).record(d);
    }

    /** Online mode: frames sent as skipped (overload policy skip). */
    public void onlineFramesSkipped(int n) {
        Counter.builder("refseg.online.frames.skipped").description("Online mode: frames skipped under overload")
                .register(registry).increment(n);
    }

    /**
     * Online mode: one re-acquisition attempt (the object lost, selection run again on a recent window);
     * {@code found} whether it re-seeded the tracker.
     */
    public void onlineReacquisition(boolean found) {
        reacquisitions(found).increment();
    }

    private Counter reacquisitions(boolean found) {
        return Counter.builder("refseg.online.reacquisitions").description("Online mode: re-selections after the "
                + "object was lost").tag("outcome", found ? "found" : "not_found").register(registry);
    }

    /** Frames per second of one tracking run. */
    public void trackingRate(int frames, Duration d) {
        if (frames > 0 && !d.isZero()) {
            io.micrometer.core.instrument.DistributionSummary.builder("refseg.propagation.fps")
                    .description("Frames per second of each tracking run").register(registry)
                    .record(frames / (d.toNanos() / 1e9));
        }
    }

    public void stage(String stage, Duration d) {
        Timer.builder("refseg.stage.latency").description("Time spent per stage").tag("stage", stage)
                .publishPercentileHistogram(false).register(registry).record(d);
    }

    /** A fallback taken, by stage and kind. */
    public void fallback(dev.refseg.v1.Fallback f) {
        Counter.builder("refseg.fallbacks").description("Departures from the method's main path")
                .tag("stage", SegmentSession.stageName(f.getStage()))
                .tag("kind", f.getKind().name().substring("FALLBACK_KIND_".length()).toLowerCase(java.util.Locale.ROOT))
                .register(registry).increment();
    }

    /** One finished call by RPC and final gRPC status code. */
    public void call(String rpc, String status) {
        Counter.builder("refseg.calls").tag("rpc", rpc).tag("status", status).register(registry).increment();
    }
}
