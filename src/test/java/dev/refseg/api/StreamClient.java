package dev.refseg.api;

import dev.refseg.v1.SegmentRequest;
import dev.refseg.v1.SegmentResponse;
import dev.refseg.v1.SegmenterGrpc;
import io.grpc.ClientInterceptor;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** A test client for the Segment stream: sends requests, collects every event and the final status. */
final class StreamClient implements AutoCloseable {
    static final long TIMEOUT_S = 60;
    final ManagedChannel channel;
    private final ClientInterceptor[] interceptors;

    StreamClient() {
        this(TestPorts.grpc());
    }

    /**
     * A client of the test server reached on another port (e.g. through a proxy), whose calls carry what
     * the interceptors add (e.g. an API key).
     */
    StreamClient(int port, ClientInterceptor... interceptors) {
        channel = ManagedChannelBuilder.forAddress("localhost", port).usePlaintext().maxInboundMessageSize(64 << 20)
                .build();
        this.interceptors = interceptors;
    }

    record Outcome(List<SegmentResponse> events, Status status) {
        List<SegmentResponse> of(SegmentResponse.EventCase c) {
            return events.stream().filter(e -> e.getEventCase() == c).toList();
        }

        String description() {
            return status.getDescription() == null ? "" : status.getDescription();
        }
    }

    /** An open call, for tests that cancel or hold it. */
    final class Call implements StreamObserver<SegmentResponse> {
        final List<SegmentResponse> events = Collections.synchronizedList(new ArrayList<>());
        final CountDownLatch done = new CountDownLatch(1);
        volatile Status status;
        StreamObserver<SegmentRequest> requests;

        @Override
        public void onNext(SegmentResponse value) {
            events.add(value);
        }

        @Override
        public void onError(Throwable t) {
            status = Status.fromThrowable(t);
            done.countDown();
        }

        @Override
        public void onCompleted() {
            status = Status.OK;
            done.countDown();
        }

        /** The events so far, copied under the list's lock (iterating the live list races with onNext). */
        List<SegmentResponse> eventsSoFar() {
            synchronized (events) {
                return new ArrayList<>(events);
            }
        }

        Outcome await() throws InterruptedException {
            if (!done.await(TIMEOUT_S, TimeUnit.SECONDS)) {
                throw new AssertionError("no end of stream within " + TIMEOUT_S + " s; events so far: " + events.size());
            }
            return new Outcome(eventsSoFar(), status);
        }
    }

    Call open() {
        Call c = new Call();
        c.requests = SegmenterGrpc.newStub(channel).withInterceptors(interceptors).segment(c);
        return c;
    }

    Outcome run(List<SegmentRequest> requests) throws InterruptedException {
        Call c = open();
        for (SegmentRequest r : requests) {
            c.requests.onNext(r);
        }
        c.requests.onCompleted();
        return c.await();
    }

    @Override
    public void close() throws InterruptedException {
        channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }
}
