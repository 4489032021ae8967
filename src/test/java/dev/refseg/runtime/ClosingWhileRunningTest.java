package dev.refseg.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.refseg.fixtures.FixtureModels;
import dev.refseg.inference.ModelSet;
import dev.refseg.runtime.GraphRunner.Input;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Closing the models while graphs run on other threads (shutdown while a call or its lookahead encode is
 * still running): the runs in flight end before any session is freed, later runs are refused with a
 * clear status, and close returns. Before the fix this crashed the JVM (SIGSEGV in OrtSession.run).
 */
class ClosingWhileRunningTest {
    /** Generous bound on waiting for the worker threads; only a hang reaches it. */
    static final long TIMEOUT_S = 120;
    /** Runs each thread makes before the close is allowed to start, so that runs are in flight then. */
    static final int RUNS_BEFORE_CLOSE = 3;

    /** What the fixture graphs are fed: one thread per entry, each looping over its graph. */
    private static final Map<String, Map<String, Input>> INPUTS = Map.of(
            "sam2.image_encoder", Map.of("image", Input.floats(new float[3 * 1024 * 1024], 1, 3, 1024, 1024)),
            CanonicalGraphs.AUDIO_TAGGER, Map.of("fbank", Input.floats(new float[1024 * 128], 1, 1024, 128)));
    /** An output of each, read after every run. */
    private static final Map<String, String> OUTPUTS = Map.of("sam2.image_encoder", "pix_feat",
            CanonicalGraphs.AUDIO_TAGGER, "probs");

    @Test
    void closeWaitsForRunsInFlightAndRefusesLaterOnes(@TempDir Path dir) throws Exception {
        FixtureModels.writeAll(dir);
        ModelSet models = ModelSet.load(dir, new OrtRuntime(List.of("cpu"), 0, 1));
        List<String> keys = new ArrayList<>();
        for (int copy = 0; copy < 2; copy++) {
            keys.addAll(INPUTS.keySet());
        }
        ExecutorService threads = Executors.newFixedThreadPool(keys.size());
        CountDownLatch warm = new CountDownLatch(keys.size() * RUNS_BEFORE_CLOSE);
        List<Future<StatusRuntimeException>> ends = new ArrayList<>();
        List<GraphRunner> runners = new ArrayList<>();
        try {
            for (String key : keys) {
                GraphRunner runner = models.registry().runner(key, GraphTimer.NONE);
                runners.add(runner);
                ends.add(threads.submit(() -> runUntilRefused(runner, INPUTS.get(key), OUTPUTS.get(key), warm)));
            }
            assertTrue(warm.await(TIMEOUT_S, TimeUnit.SECONDS), "the runs did not start");
            models.close();
            for (Future<StatusRuntimeException> end : ends) {
                assertClosedError(end.get(TIMEOUT_S, TimeUnit.SECONDS));
            }
            for (int i = 0; i < keys.size(); i++) {
                GraphRunner runner = runners.get(i);
                Map<String, Input> in = INPUTS.get(keys.get(i));
                assertClosedError(assertThrows(StatusRuntimeException.class, () -> runner.run(in)));
            }
        } finally {
            threads.shutdownNow();
            models.close();
        }
    }

    @Test
    void aRunThatOutlastsTheWaitKeepsTheSessionsAllocated(@TempDir Path dir) throws Exception {
        FixtureModels.writeAll(dir);
        try (ModelSet models = ModelSet.load(dir, new OrtRuntime(List.of("cpu"), 0, 1))) {
            ModelRegistry registry = models.registry();
            GraphRunner tagger = registry.runner(CanonicalGraphs.AUDIO_TAGGER, GraphTimer.NONE);
            Map<String, Input> in = INPUTS.get(CanonicalGraphs.AUDIO_TAGGER);
            assertEquals(6, tagger.run(in).get("probs").length, "runs while open");
            List<String> stopped = new ArrayList<>();
            registry.onClose(() -> stopped.add("lookahead"));
            // Work in flight that never leaves during the wait (as a run longer than the wait would).
            registry.inFlight().enter("test.run");
            assertFalse(registry.close(java.time.Duration.ofMillis(100)), "freed under a run in flight");
            assertEquals(List.of("lookahead"), stopped);
            assertClosedError(assertThrows(StatusRuntimeException.class, () -> tagger.run(in)));
            assertClosedError(assertThrows(StatusRuntimeException.class,
                    () -> registry.runner(CanonicalGraphs.AUDIO_TAGGER, GraphTimer.NONE)));
            registry.inFlight().leave();
            assertTrue(registry.close(java.time.Duration.ofSeconds(TIMEOUT_S)));
            assertEquals(List.of("lookahead"), stopped, "stopped once");
        }
    }

    /** Runs the graph again and again until a run is refused; returns that refusal. */
    private static StatusRuntimeException runUntilRefused(GraphRunner runner, Map<String, Input> in,
            String output, CountDownLatch warm) {
        while (true) {
            try (GraphRunner.Held out = runner.runHeld(in)) {
                out.first(output);
                warm.countDown();
            } catch (StatusRuntimeException e) {
                return e;
            }
        }
    }

    static void assertClosedError(Throwable e) {
        StatusRuntimeException s = assertInstanceOfStatus(e);
        assertEquals(Status.Code.UNAVAILABLE, s.getStatus().getCode(), String.valueOf(s));
        assertTrue(s.getStatus().getDescription().contains("the models are closed"), String.valueOf(s));
    }

    private static StatusRuntimeException assertInstanceOfStatus(Throwable e) {
        if (e instanceof StatusRuntimeException s) {
            return s;
        }
        throw new AssertionError("expected the models-closed status, got " + e, e);
    }
}
