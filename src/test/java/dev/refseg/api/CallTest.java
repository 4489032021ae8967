package dev.refseg.api;

import dev.refseg.inference.InferenceBackend;
import dev.refseg.segment.SessionSlots;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import jakarta.inject.Inject;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;

/**
 * What a gRPC call test needs around its calls: a channel to the test server (open for the class) and,
 * after each test, the check that every session, tracking state, slot, scratch file, decoder thread and
 * watched call came back.
 */
abstract class CallTest {
    static ManagedChannel channel;

    @Inject
    InferenceBackend inference;
    @Inject
    SessionSlots slots;
    @Inject
    CallWatchdog watchdog;

    @BeforeAll
    static void openChannel() {
        channel = ManagedChannelBuilder.forAddress("localhost", TestPorts.grpc()).usePlaintext()
                .maxInboundMessageSize(64 << 20).build();
    }

    @AfterAll
    static void closeChannel() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    @AfterEach
    void nothingLeaks() throws InterruptedException {
        Leaks.assertNothingLeft(inference, slots);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (watchdog.watched() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        org.junit.jupiter.api.Assertions.assertEquals(0, watchdog.watched(), "calls still watched");
    }

    /** Waits until {@code n} media sessions are open (calls that have sent their first media). */
    void awaitSessions(int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (inference.openSessions() < n && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        org.junit.jupiter.api.Assertions.assertEquals(n, inference.openSessions());
    }
}
