package dev.refseg.inference;

import dev.refseg.api.InferenceEndpoint;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Server;
import java.nio.file.Path;
import java.util.Locale;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the split adds per frame, measured in one run: the bundled 48-frame sample (320x240 raw RGB
 * frames) taken in and tracked by the local models directly, and through the sidecar contract over TCP
 * on 127.0.0.1, alternating, several rounds; best round of each. A probe (tag "probe"), not a test:
 * {@code ./mvnw test -Dtest=SplitLatencyProbe -Dgroups=probe -Dsurefire.excludedGroups=none}.
 */
@Tag("probe")
class SplitLatencyProbe {
    @Test
    void perFrameCostOfTheSplit(@TempDir Path dir) throws Exception {
        SelectionOnLocalInferenceTest.setUp();
        LocalInference local = SelectionOnLocalInferenceTest.inference(dir, 0);
        Server server = SplitSessionTest.sidecar(local, 0);
        ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
        RemoteInference remote = new RemoteInference(channel, "probe");
        int frames = 48;
        double[] best = {Double.MAX_VALUE, Double.MAX_VALUE, Double.MAX_VALUE, Double.MAX_VALUE};
        try {
            for (int round = 0; round < Integer.getInteger("probe.rounds", 5); round++) {
                for (int side = 0; side < 2; side++) {
                    InferenceBackend b = side == 0 ? local : remote;
                    long t0 = System.nanoTime();
                    try (MediaSession s = SelectionOnLocalInferenceTest.withFrames(b)) {
                        long t1 = System.nanoTime();
                        SelectionOnLocalInferenceTest.track(s);
                        long t2 = System.nanoTime();
                        best[side * 2] = Math.min(best[side * 2], (t1 - t0) / 1e6 / frames);
                        best[side * 2 + 1] = Math.min(best[side * 2 + 1], (t2 - t1) / 1e6 / frames);
                    }
                }
            }
        } finally {
            channel.shutdownNow();
            server.shutdownNow();
            SelectionOnLocalInferenceTest.tearDown();
        }
        System.out.printf(Locale.ROOT, "intake ms/frame: embedded %.3f, split %.3f (+%.3f)%n", best[0], best[2],
                best[2] - best[0]);
        System.out.printf(Locale.ROOT, "tracking ms/frame: embedded %.3f, split %.3f (+%.3f, ratio %.3f)%n", best[1],
                best[3], best[3] - best[1], best[3] / best[1]);
    }
}
