package dev.refseg.api;

import dev.refseg.config.SessionWorkers;
import dev.refseg.inference.InferenceBackend;
import dev.refseg.media.IntakeLimits;
import dev.refseg.segment.SegmentMetrics;
import dev.refseg.segment.SessionSlots;
import dev.refseg.v1.MaskFrame;
import dev.refseg.v1.PropagateRequest;
import dev.refseg.v1.PropagationGrpc;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.quarkus.grpc.GrpcService;
import java.util.concurrent.ExecutorService;

/** refseg.v1.Propagation: SAM 2 tracking on its own (frames + prompts in, a mask per frame out). */
@GrpcService
public class PropagationService extends PropagationGrpc.PropagationImplBase {
    private final ExecutorService workers;
    private final InferenceBackend inference;
    private final SessionSlots slots;
    private final SegmentMetrics metrics;
    private final CallWatchdog watchdog;
    private final IntakeLimits limits;
    private final Draining draining;

    public PropagationService(@SessionWorkers ExecutorService workers, InferenceBackend inference, SessionSlots slots,
            SegmentMetrics metrics, CallWatchdog watchdog, Draining draining, IntakeLimits limits) {
        this.watchdog = watchdog;
        this.draining = draining;
        this.limits = limits;
        this.workers = workers;
        this.inference = inference;
        this.slots = slots;
        this.metrics = metrics;
    }

    @Override
    public StreamObserver<PropagateRequest> propagate(StreamObserver<MaskFrame> responses) {
        return new PropagateCall((ServerCallStreamObserver<MaskFrame>) responses, workers, inference, slots, metrics,
                watchdog, draining, limits);
    }
}
