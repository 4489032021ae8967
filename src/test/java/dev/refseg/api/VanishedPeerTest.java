package dev.refseg.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.refseg.synth.SampleClip;
import dev.refseg.synth.SyntheticClip;
import dev.refseg.v1.SegmentRequest;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 8, item 5: a client whose network drops without a FIN (here: behind a loopback proxy that stops
 * forwarding) is found by the server's HTTP/2 keepalive and its call freed, long before TCP would give up.
 */
@QuarkusTest
@TestProfile(VanishedPeerTest.FastKeepalive.class)
class VanishedPeerTest extends CallTest {
    /** gRPC's shortest keepalive interval (10 s) with a short ping timeout; the idle timeout far behind. */
    public static class FastKeepalive implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("refseg.transport.keepalive-time", "10s", "refseg.transport.keepalive-timeout", "1s",
                    "refseg.limits.input-idle-timeout", "60s");
        }
    }


    @AfterEach
    void theServerServes() throws Exception {
        CallTimeoutsTest.assertServes(TestPorts.grpc());
    }


    /** A client behind a proxy that stops forwarding (a dropped network, no FIN): keepalive finds it. */
    @Test
    void aVanishedPeerIsFoundByKeepalive() throws Exception {
        SyntheticClip clip = SampleClip.render();
        double cancelledBefore = CallTimeoutsTest.metric("Segment", "CANCELLED");
        try (FreezingProxy proxy = new FreezingProxy(TestPorts.grpc());
                StreamClient client = new StreamClient(proxy.port())) {
            StreamClient.Call c = client.open();
            c.requests.onNext(CallTimeoutsTest.start());
            c.requests.onNext(SegmentRequest.newBuilder().setFrame(CallTimeoutsTest.png(clip, 0)).build());
            awaitSessions(1);
            proxy.freeze();
            long t0 = System.nanoTime();
            long deadline = t0 + TimeUnit.SECONDS.toNanos(30);
            while (inference.openSessions() + slots.inUse() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            double took = (System.nanoTime() - t0) / 1e9;
            System.out.printf("vanished peer: session freed %.2f s after the network froze%n", took);
            assertEquals(0, inference.openSessions(), "the vanished client's session is still open");
            // Ended by the transport (cancelled), not by the idle timeout (60 s, DEADLINE_EXCEEDED).
            assertEquals(cancelledBefore + 1, CallTimeoutsTest.metric("Segment", "CANCELLED"), "freed after " + took + " s, but not by keepalive");
        }
    }

}
