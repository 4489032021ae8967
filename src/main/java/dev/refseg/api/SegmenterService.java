package dev.refseg.api;

import dev.refseg.config.RefsegConfig;
import dev.refseg.config.SessionWorkers;
import dev.refseg.inference.InferenceBackend;
import dev.refseg.llm.SelectionLlm;
import dev.refseg.segment.SegmentMetrics;
import dev.refseg.segment.SessionSlots;
import dev.refseg.v1.SegmentRequest;
import dev.refseg.v1.SegmentResponse;
import dev.refseg.v1.SegmenterGrpc;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.quarkus.grpc.GrpcService;
import java.util.concurrent.ExecutorService;

/**
 * refseg.v1.Segmenter. Written against the plain grpc-java API rather than Mutiny because the call
 * needs manual inbound flow control (the Mutiny bridge buffers inbound messages without bound).
 */
@GrpcService
public class SegmenterService extends SegmenterGrpc.SegmenterImplBase {
    private final ExecutorService workers;
    private final RefsegConfig config;
    private final InferenceBackend inference;
    private final SessionSlots slots;
    private final SegmentMetrics metrics;
    private final SelectionLlm llm;
    private final CallWatchdog watchdog;
    private final Draining draining;

    public SegmenterService(@SessionWorkers ExecutorService workers, RefsegConfig config, InferenceBackend inference,
            SessionSlots slots, SegmentMetrics metrics, SelectionLlm llm, CallWatchdog watchdog, Draining draining) {
        this.watchdog = watchdog;
        this.draining = draining;
        this.llm = llm;
        this.workers = workers;
        this.config = config;
        this.inference = inference;
        this.slots = slots;
        this.metrics = metrics;
    }

    @Override
    public StreamObserver<SegmentRequest> segment(StreamObserver<SegmentResponse> responses) {
        return new SegmentCall((ServerCallStreamObserver<SegmentResponse>) responses, workers, config, inference,
                slots, metrics, llm, watchdog, draining);
    }
}
