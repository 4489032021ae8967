package dev.refseg.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.refseg.config.SessionWorkers;
import dev.refseg.segment.SegmentMetrics;
import dev.refseg.segment.SessionSlots;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * An Error thrown by a call's work (direct buffer memory exhausted while tracking, say) ends that call
 * with a status and frees what it holds, instead of escaping the worker and leaving the session taken:
 * out of memory is RESOURCE_EXHAUSTED, any other Error INTERNAL.
 */
@QuarkusTest
class ErrorInCallTest {
    @Inject
    @SessionWorkers
    ExecutorService workers;
    @Inject
    SessionSlots slots;
    @Inject
    SegmentMetrics metrics;
    @Inject
    CallWatchdog watchdog;
    @Inject
    Draining draining;

    /** The response side of a call, recording how it ended. */
    static final class Responses extends ServerCallStreamObserver<String> {
        final CompletableFuture<Throwable> ended = new CompletableFuture<>();

        @Override
        public boolean isCancelled() {
            return false;
        }

        @Override
        public void setOnCancelHandler(Runnable r) {
        }

        @Override
        public void setCompression(String c) {
        }

        @Override
        public boolean isReady() {
            return true;
        }

        @Override
        public void setOnReadyHandler(Runnable r) {
        }

        @Override
        public void disableAutoInboundFlowControl() {
        }

        @Override
        public void disableAutoRequest() {
        }

        @Override
        public void setOnCloseHandler(Runnable r) {
        }

        @Override
        public void request(int n) {
        }

        @Override
        public void setMessageCompression(boolean enable) {
        }

        @Override
        public void onNext(String value) {
        }

        @Override
        public void onError(Throwable t) {
            ended.complete(t);
        }

        @Override
        public void onCompleted() {
            ended.complete(null);
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void anErrorEndsTheCallAndFreesItsSession(boolean outOfMemory) throws Exception {
        int before = slots.inUse();
        Responses responses = new Responses();
        AtomicBoolean released = new AtomicBoolean();
        StreamingCall<String, String> call = new StreamingCall<>(responses, workers, slots, metrics, watchdog, draining, "Test") {
            @Override
            protected void handle(String request) {
                acquireSlot();
                throw outOfMemory ? new OutOfMemoryError("Cannot reserve 12582912 bytes of direct buffer memory")
                        : new StackOverflowError("test");
            }

            @Override
            protected void inputComplete() {
            }

            @Override
            protected void release() {
                released.set(true);
            }

            @Override
            protected void onAbort() {
            }
        };
        call.onNext("frame");
        Throwable t = responses.ended.get(10, TimeUnit.SECONDS);
        Status s = Status.fromThrowable(t);
        assertEquals(outOfMemory ? Status.Code.RESOURCE_EXHAUSTED : Status.Code.INTERNAL, s.getCode());
        assertTrue(s.getDescription().contains(outOfMemory ? "server memory: Cannot reserve" : "StackOverflowError"),
                s.getDescription());
        assertTrue(released.get(), "the call's resources were not released");
        assertEquals(before, slots.inUse(), "the session slot was not given back");
        assertEquals(0, watchdog.watched(), "the watchdog still watches the call");
        // The drain hears of the end last, after the client has its status: waited for, with a bound.
        DrainTestBase.awaitTrue(() -> draining.running() == 0, "the drain no longer counts the call");
    }
}
