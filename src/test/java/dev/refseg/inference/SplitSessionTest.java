package dev.refseg.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.refseg.api.InferenceEndpoint;
import dev.refseg.v1.MaskFrame;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyServerBuilder;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway's {@link RemoteInference} against a sidecar ({@link InferenceEndpoint} over the local
 * models) on a real TCP port: the same masks as in one JVM, statuses passed through, and a sidecar that
 * dies mid-stream ends the session with UNAVAILABLE naming it, then serves again once it is back (the
 * channel reconnects by itself).
 */
class SplitSessionTest {
    static final ExecutorService WORKERS = Executors.newCachedThreadPool();

    @BeforeAll
    static void setUp() {
        SelectionOnLocalInferenceTest.setUp();
    }

    @AfterAll
    static void tearDown() {
        SelectionOnLocalInferenceTest.tearDown();
        WORKERS.shutdownNow();
    }

    static Server sidecar(LocalInference local, int port) throws Exception {
        return NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port))
                .addService(new InferenceEndpoint(local, WORKERS)).build().start();
    }

    @Test
    void theSplitGivesTheSameMasksAndNamesALostSidecar(@TempDir Path dir) throws Exception {
        LocalInference local = SelectionOnLocalInferenceTest.inference(dir, 0);
        List<MaskFrame> embedded;
        try (MediaSession s = SelectionOnLocalInferenceTest.withFrames(local)) {
            embedded = SelectionOnLocalInferenceTest.track(s);
        }
        Server server = sidecar(local, 0);
        int port = server.getPort();
        ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        RemoteInference remote = new RemoteInference(channel, "127.0.0.1:" + port);
        try {
            assertTrue(remote.hasDetector());
            try (MediaSession s = SelectionOnLocalInferenceTest.withFrames(remote)) {
                assertEquals(embedded, SelectionOnLocalInferenceTest.track(s), "masks through the split");
                // The sidecar's own statuses come through as they are.
                StatusRuntimeException bad = assertThrows(StatusRuntimeException.class, () -> s.detect(
                        dev.refseg.v1.Detect.newBuilder().setFrameIndex(999).setCaption("red").build()));
                assertEquals(Status.Code.INVALID_ARGUMENT, bad.getStatus().getCode());
                assertTrue(bad.getStatus().getDescription().startsWith("detect.frame_index: frame 999"),
                        bad.getStatus().getDescription());
            }
            assertEquals(0, remote.openSessions(), "the session is freed on the sidecar");

            // The sidecar dies while masks are streaming.
            MediaSession s = SelectionOnLocalInferenceTest.withFrames(remote);
            List<MaskFrame> got = new ArrayList<>();
            StatusRuntimeException lost = assertThrows(StatusRuntimeException.class, () -> s.track(
                    SelectionOnLocalInferenceTest.trackRequest(), m -> {
                        got.add(m);
                        if (got.size() == 3) {
                            server.shutdownNow();
                        }
                    }));
            s.close();
            assertEquals(Status.Code.UNAVAILABLE, lost.getStatus().getCode(), lost.getStatus().toString());
            assertTrue(lost.getStatus().getDescription().contains("the inference sidecar 127.0.0.1:" + port),
                    lost.getStatus().getDescription());
            assertTrue(got.size() < embedded.size());

            // While it is down, every call says so.
            StatusRuntimeException down = assertThrows(StatusRuntimeException.class, remote::hasTagger);
            assertEquals(Status.Code.UNAVAILABLE, down.getStatus().getCode());

            // Back on the same port: the channel reconnects and the next session works.
            server.awaitTermination(10, TimeUnit.SECONDS);
            Server again = sidecar(local, port);
            try {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                channel.resetConnectBackoff();
                while (true) {
                    try {
                        remote.hasDetector();
                        break;
                    } catch (StatusRuntimeException e) {
                        assertTrue(System.nanoTime() < deadline, "the sidecar is not reached again: " + e);
                        Thread.sleep(100);
                        channel.resetConnectBackoff();
                    }
                }
                try (MediaSession s2 = SelectionOnLocalInferenceTest.withFrames(remote)) {
                    assertEquals(embedded, SelectionOnLocalInferenceTest.track(s2));
                }
                assertEquals(0, remote.openSessions());
                assertEquals(0, local.openSessions());
            } finally {
                again.shutdownNow();
            }
        } finally {
            channel.shutdownNow();
            server.shutdownNow();
        }
    }
}
