package dev.refseg.inference;

import dev.refseg.config.LocalModels;
import dev.refseg.config.RefsegConfig;
import dev.refseg.media.IntakeLimits;
import dev.refseg.media.MediaSettings;
import dev.refseg.media.ScratchDir;
import dev.refseg.models.ModelSmoke;
import dev.refseg.runtime.OrtRuntime;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The inference side's objects, from {@link RefsegConfig}: ONNX Runtime, the checked models (loaded and
 * warmed up when first asked for, i.e. at start in the embedded and inference roles), the scratch directory and
 * {@link LocalInference}. Not part of the gateway build ({@code -Dgateway}), which has no model code at all.
 */
@Singleton
public class LocalSidecarBeans {
    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(LocalSidecarBeans.class);

    @Produces
    @Singleton
    OrtRuntime ortRuntime(RefsegConfig config) {
        RefsegConfig.Inference i = config.inference();
        return new OrtRuntime(i.executionProviders(), i.deviceId(), i.intraOpThreads(), i.cpuArena(), i.gpuMemLimit())
                .withSpinning(i.allowSpinning()).withThreads(i.graphIntraOpThreads(), i.pipeline() ? 2 : 1)
                .withGraphProviders(i.graphProviders()).withTensorrt(i.tensorrtCacheDir().orElse(null), i.tensorrtFp16());
    }

    /** Loaded when the inference side is built (embedded and inference roles), never in the gateway. */
    @Produces
    @Singleton
    ModelSet models(RefsegConfig config, OrtRuntime runtime) {
        ModelSet models = config.models().dir().map(d -> ModelSet.load(d, runtime))
                .orElseGet(() -> ModelSet.demo(runtime));
        try {
            runtime.checkGraphKeys(models.registry().graphs());
        } catch (RuntimeException e) {
            models.close();
            throw e;
        }
        if (config.models().warmUp()) {
            try {
                LOG.info(ModelSmoke.warmUp(models));
            } catch (RuntimeException e) {
                models.close();
                throw e;
            }
        } else {
            LOG.info("refseg.models.warm-up=false: the graphs are not run at start; the first request pays "
                    + "their initialisation, and a graph that cannot run fails that request");
        }
        return models;
    }

    void closeModels(@Disposes ModelSet models) {
        models.close();
    }

    /**
     * The models behind the sidecar contract, in this process. Looked up by {@code RefsegBeans} only in the
     * embedded and inference roles, so the gateway role loads nothing.
     */
    @Produces
    @Singleton
    @LocalModels
    LocalInference local(RefsegConfig config, IntakeLimits limits, ModelSet models, MeterRegistry meters,
            ScratchDir scratch) {
        Path work = scratch.path();
        // ONNX Runtime's run time per graph, and the host-side steps around it, as separate timers.
        dev.refseg.runtime.GraphTimer timer = new dev.refseg.runtime.GraphTimer() {
            @Override
            public void record(String graph, long nanos) {
                Timer.builder("refseg.model.run").description("OrtSession.run time per graph (no copies)")
                        .tag("graph", graph).register(meters).record(nanos, TimeUnit.NANOSECONDS);
            }

            @Override
            public void step(String step, long nanos) {
                Timer.builder("refseg.step").description("host-side work around the models, per step")
                        .tag("step", step).register(meters).record(nanos, TimeUnit.NANOSECONDS);
            }
        };
        RefsegConfig.Media m = config.media();
        LOG.infof("Tracking pipelined (frame t+1 encoded while frame t is tracked): %s (refseg.inference.pipeline)",
                config.inference().pipeline() ? "on" : "off");
        return new LocalInference(limits, config.limits().maxMediaBytes(), work, config.intake().defaultFps(), models,
                timer, config.inference().prefetchFrames(),
                new MediaSettings(m.probeBytes(), m.analyzeDuration(), m.stallTimeout(), false),
                new ObjectBudget(config.limits().maxTrackedObjects()), config.inference().pipeline());
    }

    /** This process's scratch directory under refseg.inference.work-dir; dead processes' ones are removed. */
    @Produces
    @Singleton
    ScratchDir scratchDir(RefsegConfig config) {
        return ScratchDir.create(config.inference().workDir().orElse(Path.of(System.getProperty("java.io.tmpdir"))));
    }

    void closeScratchDir(@Disposes ScratchDir scratch) {
        scratch.close();
    }
}
