package dev.refseg.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.refseg.synth.SampleClip;
import dev.refseg.v1.SegmentRequest;
import dev.refseg.v1.SegmentResponse;
import dev.refseg.v1.Start;
import grpc.health.v1.HealthGrpc;
import grpc.health.v1.HealthOuterClass.HealthCheckRequest;
import grpc.health.v1.HealthOuterClass.HealthCheckResponse.ServingStatus;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Issue 12, item 7, as Kubernetes does it: the packaged service (target/quarkus-app, built by package
 * before failsafe runs this) in a child process, a stream open, then SIGTERM ({@link Process#destroy} on
 * Linux). The stream, which never half-closes, ends UNAVAILABLE naming the drain timeout, and the process
 * exits within that timeout plus a margin.
 */
class DrainProcessIT {
    private static final Path JAR = Path.of("target/quarkus-app/quarkus-run.jar");
    private static final Path LOG = Path.of("target/drain-process.log");
    private static final int DRAIN_SECONDS = 2;
    /** Time for the JVM to stop after the drain: the server, the models, the scratch directory. */
    private static final int EXIT_MARGIN_SECONDS = 30;

    @Test
    void sigtermDrainsThenExits() throws Exception {
        assertTrue(Files.isRegularFile(JAR), JAR + " is missing: run this through `mvnw verify` (after package)");
        int grpcPort = freePort();
        String java = ProcessHandle.current().info().command().orElse("java");
        Process app = new ProcessBuilder(java, "-Dquarkus.grpc.server.port=" + grpcPort,
                "-Dquarkus.http.port=" + freePort(), "-Drefseg.shutdown.drain-timeout=" + DRAIN_SECONDS + "s",
                "-Drefseg.models.warm-up=false", "-Drefseg.inference.work-dir=target/drain-process-work",
                "-jar", JAR.toString()).redirectErrorStream(true).redirectOutput(LOG.toFile()).start();
        ManagedChannel ch = ManagedChannelBuilder.forAddress("localhost", grpcPort).usePlaintext().build();
        try {
            awaitServing(app, ch);
            try (StreamClient client = new StreamClient(grpcPort)) {
                StreamClient.Call stalled = client.open();
                stalled.requests.onNext(SegmentRequest.newBuilder().setStart(Start.newBuilder()
                        .setText("the red disc")).build());
                stalled.requests.onNext(SegmentRequest.newBuilder().setFrame(TextClips.frames(SampleClip.render())
                        .get(0)).build());
                DrainTestBase.awaitTrue(() -> stalled.eventsSoFar().stream().anyMatch(e -> e.getEventCase()
                        == SegmentResponse.EventCase.PROGRESS && e.getProgress().getFramesDecoded() == 1),
                        "the frame taken in");

                app.destroy(); // SIGTERM

                StreamClient.Outcome o = stalled.await();
                assertEquals(Status.Code.UNAVAILABLE, o.status().getCode(), o.description() + log());
                assertTrue(o.description().contains("refseg.shutdown.drain-timeout = PT" + DRAIN_SECONDS + "S"),
                        o.description());
            }
            assertTrue(app.waitFor(DRAIN_SECONDS + EXIT_MARGIN_SECONDS, TimeUnit.SECONDS),
                    "the process had not exited " + (DRAIN_SECONDS + EXIT_MARGIN_SECONDS) + " s after SIGTERM" + log());
            String log = Files.readString(LOG);
            assertTrue(log.contains("Draining: health NOT_SERVING"), log);
            assertTrue(log.contains("Drain timeout: ending 1 call(s)"), log);
        } finally {
            ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            app.destroyForcibly();
        }
    }

    private static void awaitServing(Process app, ManagedChannel ch) throws Exception {
        HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(ch);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (true) {
            assertTrue(app.isAlive(), "the service stopped during start-up" + log());
            try {
                if (health.withDeadlineAfter(2, TimeUnit.SECONDS).check(HealthCheckRequest.getDefaultInstance())
                        .getStatus() == ServingStatus.SERVING) {
                    return;
                }
            } catch (io.grpc.StatusRuntimeException notYet) {
                // not listening yet
            }
            assertTrue(System.nanoTime() < deadline, "not serving within 120 s" + log());
            Thread.sleep(200);
        }
    }

    private static String log() {
        try {
            List<String> lines = Files.readAllLines(LOG);
            return "\n--- " + LOG + " (last lines) ---\n"
                    + String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "\n(no log: " + e + ")";
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
