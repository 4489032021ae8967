package dev.refseg.config;

import dev.refseg.inference.InferenceBackend;
import dev.refseg.inference.LocalInference;
import dev.refseg.inference.ModelRegistry;
import dev.refseg.inference.OrtRuntime;
import dev.refseg.media.IntakeLimits;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import dev.refseg.sam2.Sam2Graphs;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/** Builds the process-wide objects from {@link RefsegConfig}; models load (and are checked) at start-up. */
@Singleton
public class RefsegBeans {

    @Produces
    @Singleton
    IntakeLimits intakeLimits(RefsegConfig config) {
        RefsegConfig.Limits l = config.limits();
        return new IntakeLimits(l.maxMessageBytes(), l.maxWidth(), l.maxHeight(), l.maxFramesPerSession(),
                l.maxAudioSeconds(), 8 << 20, 64 << 20);
    }

    @Produces
    @Singleton
    OrtRuntime ortRuntime(RefsegConfig config) {
        RefsegConfig.Inference i = config.inference();
        return new OrtRuntime(i.executionProviders(), i.deviceId(), i.intraOpThreads());
    }

    @Produces
    @Singleton
    @Startup
    ModelRegistry models(RefsegConfig config, OrtRuntime runtime) {
        requireRunnableRole(config.role());
        return config.models().dir().map(d -> ModelRegistry.load(d, runtime)).orElseGet(() -> ModelRegistry.demo(runtime));
    }

    void closeModels(@Disposes ModelRegistry models) {
        models.close();
    }

    @Produces
    @Singleton
    InferenceBackend inference(RefsegConfig config, IntakeLimits limits, ModelRegistry models, MeterRegistry meters) {
        Path work = config.inference().workDir().orElse(Path.of(System.getProperty("java.io.tmpdir")));
        // Model run time per graph, as a Micrometer timer per graph key.
        Sam2Graphs.GraphTimer timer = (graph, nanos) -> Timer.builder("refseg.model.run")
                .description("ONNX Runtime run time per graph").tag("graph", graph).register(meters)
                .record(nanos, TimeUnit.NANOSECONDS);
        return new LocalInference(limits, config.limits().maxMediaBytes(), work, config.intake().defaultFps(), models,
                timer);
    }

    /**
     * Workers for the sessions' blocking work (decoding, models). A session runs at most one task at a
     * time, and sessions are capped by refseg.limits.max-sessions, so the pool is bounded by that cap.
     */
    @Produces
    @Singleton
    @SessionWorkers
    ExecutorService sessionWorkers() {
        AtomicInteger n = new AtomicInteger();
        ThreadFactory f = r -> {
            Thread t = new Thread(r, "refseg-session-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        return Executors.newCachedThreadPool(f);
    }

    void closeWorkers(@Disposes @SessionWorkers ExecutorService workers) {
        workers.shutdownNow();
    }

    /**
     * The gateway and inference roles need the gRPC split of {@code proto/refseg/v1/inference.proto},
     * which is not built yet; refuse to start rather than pretend.
     */
    static void requireRunnableRole(Role role) {
        if (role != Role.EMBEDDED) {
            throw new IllegalStateException("refseg.role=" + role.name().toLowerCase()
                    + " is not available in this build: the gateway/inference split over"
                    + " proto/refseg/v1/inference.proto is not implemented yet; use refseg.role=embedded");
        }
    }
}
