package dev.refseg.config;

import dev.refseg.inference.InferenceBackend;
import dev.refseg.llm.GuardedLlm;
import dev.refseg.llm.OpenAiVisionLlm;
import dev.refseg.llm.SelectionLlm;
import dev.refseg.media.IntakeLimits;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/** Builds the process-wide objects from {@link RefsegConfig}; models load (and are checked) at start-up. */
@Singleton
public class RefsegBeans {
    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(RefsegBeans.class);

    @Produces
    @Singleton
    IntakeLimits intakeLimits(RefsegConfig config) {
        RefsegConfig.Limits l = config.limits();
        return new IntakeLimits(l.maxMessageBytes(), l.maxWidth(), l.maxHeight(), l.maxFramesPerSession(),
                l.maxAudioSeconds(), 8 << 20, 64 << 20);
    }

    /**
     * The inference side as the stages see it, by role: the local models (embedded, inference); a gRPC
     * client of the sidecar at refseg.inference.address (gateway: no model is loaded); or, embedded with
     * address {@code loopback}, the local models behind the sidecar contract over an in-process channel.
     * The channel to the sidecar carries each call's trace and log session id ({@code api.SidecarPropagation}).
     */
    @Produces
    @Singleton
    @Startup
    InferenceBackend inference(RefsegConfig config, @LocalModels Instance<InferenceBackend> local,
            @SessionWorkers ExecutorService workers, io.opentelemetry.api.OpenTelemetry otel) {
        Role role = config.role();
        java.util.Optional<String> address = config.inference().address().map(String::strip).filter(a -> !a.isEmpty());
        if (role == Role.GATEWAY) {
            String target = address.orElseThrow(() -> new IllegalArgumentException("refseg.role=gateway needs "
                    + "refseg.inference.address: the inference sidecar's gRPC target, e.g. localhost:9100"));
            LOG.infof("Gateway role: the inference sidecar is %s (no model is loaded in this process)", target);
            // Keepalive finds a sidecar that stopped answering (frozen, hung host) while a session waits on it:
            // a ping every 10 s (what the sidecar permits by default, refseg.transport.permit-keepalive-time).
            channel = io.grpc.ManagedChannelBuilder.forTarget(target).usePlaintext()
                    .maxInboundMessageSize((int) Math.min(Integer.MAX_VALUE, config.limits().maxRequestBytes() + (1 << 20)))
                    .keepAliveTime(10, TimeUnit.SECONDS)
                    .keepAliveTimeout(config.transport().keepaliveTimeout().toMillis(), TimeUnit.MILLISECONDS)
                    .keepAliveWithoutCalls(true)
                    .intercept(dev.refseg.api.SidecarPropagation.gatewaySide(otel)).build();
            return new dev.refseg.inference.RemoteInference(channel, target, config.inference().replyTimeout());
        }
        if (!local.isResolvable()) {
            throw new IllegalStateException("this is the gateway build: it has no models and no inference side, so "
                    + "refseg.role=" + role.name().toLowerCase(java.util.Locale.ROOT) + " cannot run here; set "
                    + "refseg.role=gateway and refseg.inference.address, or run the full build");
        }
        if (role == Role.EMBEDDED && address.isPresent()) {
            if (!address.get().equals("loopback")) {
                throw new IllegalArgumentException("refseg.inference.address=" + address.get() + " is for "
                        + "refseg.role=gateway; in the embedded role only 'loopback' (or unset) means something");
            }
            LOG.info("Embedded role through the sidecar contract (refseg.inference.address=loopback): every stage "
                    + "reaches the models over inference.proto on an in-process channel");
            String name = "refseg-loopback-" + System.identityHashCode(this);
            try {
                loopback = io.grpc.inprocess.InProcessServerBuilder.forName(name).directExecutor()
                        .addService(new dev.refseg.api.InferenceEndpoint(local.get(), workers, null, otel)).build().start();
            } catch (java.io.IOException e) {
                throw new IllegalStateException("cannot start the loopback sidecar: " + e.getMessage(), e);
            }
            channel = io.grpc.inprocess.InProcessChannelBuilder.forName(name).directExecutor()
                    .intercept(dev.refseg.api.SidecarPropagation.gatewaySide(otel)).build();
            return new dev.refseg.inference.RemoteInference(channel, "loopback", config.inference().replyTimeout());
        }
        return local.get();
    }

    /** The channel to the sidecar (gateway, loopback) and the in-process sidecar (loopback), closed at shutdown. */
    private io.grpc.ManagedChannel channel;
    private io.grpc.Server loopback;

    void closeInference(@Disposes InferenceBackend inference) {
        if (channel != null) {
            channel.shutdownNow();
        }
        if (loopback != null) {
            loopback.shutdownNow();
        }
    }

    /**
     * The GPT-PS LLM when refseg.llm.base-url or api-key is set; otherwise an unconfigured one, and
     * Segment takes the training-free baseline.
     */
    @Produces
    @Singleton
    SelectionLlm selectionLlm(RefsegConfig config, MeterRegistry meters) {
        RefsegConfig.Llm c = config.llm();
        if (c.baseUrl().isEmpty() && c.apiKey().isEmpty()) {
            LOG.info("No LLM configured (refseg.llm.base-url / refseg.llm.api-key): referents use the training-free "
                    + "baseline (text: the detector's most confident frame and box; audio: the label->object table, "
                    + "then the same)");
            return SelectionLlm.none();
        }
        for (String d : List.of(c.keyFrameDetail(), c.keyBoxDetail())) {
            if (!List.of("low", "high", "auto").contains(d)) {
                throw new IllegalArgumentException("refseg.llm.key-frame-detail / key-box-detail must be low, high or "
                        + "auto, got " + d);
            }
        }
        String url = c.baseUrl().orElse("https://api.openai.com/v1");
        OpenAiVisionLlm llm = new OpenAiVisionLlm(url, c.apiKey().orElse(null), c.timeout());
        try {
            llm.warmUp();
        } catch (IllegalStateException e) { // an optimisation only: the first question then pays for it
            LOG.warnf("LLM client warm-up skipped: %s", e.getMessage());
        }
        GuardedLlm guarded = new GuardedLlm(llm, new GuardedLlm.Policy(c.maxRetries(), c.initialBackoff(),
                c.maxBackoff()), c.maxConcurrent(), c.maxQueued(), c.cacheEntries(), meters);
        LOG.infof("LLM for GPT-PS: %s (key frame %s/%s, key box %s/%s)", endpointForLog(url), c.keyFrameModel(), c.keyFrameDetail(),
                c.keyBoxModel(), c.keyBoxDetail());
        return new SelectionLlm(guarded, new SelectionLlm.StepModel(c.keyFrameModel(), c.keyFrameDetail()),
                new SelectionLlm.StepModel(c.keyBoxModel(), c.keyBoxDetail()));
    }

    /**
     * The LLM endpoint as the log shows it: scheme, host, port and path only. User info and the query are
     * left out, since a key may be given there (https://user:key@host/v1, ...?api-key=...).
     */
    static String endpointForLog(String url) {
        try {
            java.net.URI u = new java.net.URI(url);
            if (u.getHost() == null) {
                return "(an endpoint URL without a host)";
            }
            return new java.net.URI(u.getScheme(), null, u.getHost(), u.getPort(), u.getPath(), null, null).toString();
        } catch (java.net.URISyntaxException e) {
            return "(an endpoint URL that does not parse)";
        }
    }

    void closeLlm(@Disposes SelectionLlm llm) {
        llm.close();
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

}
