package dev.refseg.api;

import dev.refseg.errors.OneLine;
import dev.refseg.errors.Errors;
import dev.refseg.inference.InferenceBackend;
import dev.refseg.inference.MediaSession;
import dev.refseg.v1.Capabilities;
import dev.refseg.v1.CapabilitiesRequest;
import dev.refseg.v1.CaptionTokens;
import dev.refseg.v1.CaptionTokensRequest;
import dev.refseg.v1.Done;
import dev.refseg.v1.InferenceGrpc;
import dev.refseg.v1.InferenceReply;
import dev.refseg.v1.InferenceRequest;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Executor;
import org.jboss.logging.Logger;

/**
 * The inference sidecar's side of {@code proto/refseg/v1/inference.proto}: each Session stream is one
 * {@link MediaSession} of the local backend, its requests run one after another on a session worker
 * (the gateway sends the next only after the reply), {@code track}'s masks are sent as the tracker makes
 * them and wait for the transport (flow control back to the gateway), and the session is freed however
 * the stream ends: half-close, cancel, or a failed request (whose status ends the stream).
 * <p>
 * A session's work runs with the gateway's session id in the log MDC and in the gateway's trace, as
 * {@link SidecarPropagation} brings them; the model steps ({@link #SPANNED}) get a span each, children of
 * the stream's server span (or, where nothing traces this server, of the gateway's span of the stream).
 * The per-message intake steps (frames, media and audio chunks, status polls)
 * get none: a long video would make thousands.
 * Not a CDI bean itself: {@link InferenceService} serves it in the inference role, and the loopback
 * split builds one around an in-JVM backend.
 */
public class InferenceEndpoint extends InferenceGrpc.InferenceImplBase {
    private static final Logger LOG = Logger.getLogger(InferenceEndpoint.class);
    /** The requests that get a span of their own, named {@code inference/<op>} (e.g. {@code inference/track}). */
    static final Set<InferenceRequest.OpCase> SPANNED = EnumSet.of(InferenceRequest.OpCase.END_OF_INPUT,
            InferenceRequest.OpCase.RENDER_TILE, InferenceRequest.OpCase.DRAW_BOXES, InferenceRequest.OpCase.DETECT,
            InferenceRequest.OpCase.TAG_AUDIO, InferenceRequest.OpCase.PREFETCH, InferenceRequest.OpCase.TRACK,
            InferenceRequest.OpCase.BEGIN_LIVE, InferenceRequest.OpCase.RESEED_LIVE);

    private final InferenceBackend local;
    private final Executor workers;
    /** Null when nothing drains this endpoint (the in-process loopback: the public calls drain instead). */
    private final Draining draining;
    private final OpenTelemetry otel;
    private final Tracer tracer;

    /**
     * @param local   the backend whose sessions the streams drive (a LocalInference)
     * @param workers where the sessions' requests run (blocking work: decoding, models)
     */
    public InferenceEndpoint(InferenceBackend local, Executor workers) {
        this(local, workers, null, OpenTelemetry.noop());
    }

    /**
     * @param draining the sidecar's draining: while it drains, new sessions are refused and running ones
     *                 go on until they end or the drain timeout (so the gateway's calls can finish); null
     *                 when nothing drains this endpoint
     * @param otel     the process's OpenTelemetry (Quarkus' bean: a no-op while tracing is off)
     */
    public InferenceEndpoint(InferenceBackend local, Executor workers, Draining draining, OpenTelemetry otel) {
        this.local = local;
        this.workers = workers;
        this.draining = draining;
        this.otel = otel;
        this.tracer = otel.getTracer(SidecarPropagation.INSTRUMENTATION);
    }

    /** The service with the reading of what the gateway's headers bring (session id, trace), however it is served. */
    @Override
    public ServerServiceDefinition bindService() {
        return ServerInterceptors.intercept(super.bindService(), SidecarPropagation.sidecarSide(otel));
    }

    @Override
    public void countCaptionTokens(CaptionTokensRequest request, StreamObserver<CaptionTokens> responses) {
        unary(responses, () -> local.captionTokens(request));
    }

    @Override
    public void getCapabilities(CapabilitiesRequest request, StreamObserver<Capabilities> responses) {
        if (draining != null && draining.isDraining()) {
            // The gateway's readiness asks this: a draining sidecar takes no new session, so its gateway is
            // not ready either (and stops getting new streams) until a sidecar that serves answers.
            responses.onError(Draining.refusal());
            return;
        }
        unary(responses, () -> Capabilities.newBuilder().setHasDetector(local.hasDetector())
                .setHasTagger(local.hasTagger()).setMaxTrackedObjects(local.maxTrackedObjects())
                .setOpenSessions(local.openSessions()).setLiveTrackers(local.liveTrackers())
                .setTrackedObjects(local.trackedObjects()).build());
    }

    private static <T> void unary(StreamObserver<T> responses, java.util.function.Supplier<T> answer) {
        try {
            responses.onNext(answer.get());
            responses.onCompleted();
        } catch (StatusRuntimeException e) {
            responses.onError(e);
        }
    }

    @Override
    public StreamObserver<InferenceRequest> session(StreamObserver<InferenceReply> responses) {
        return new Session((ServerCallStreamObserver<InferenceReply>) responses);
    }

    /** One media session, driven by one stream. */
    private final class Session implements StreamObserver<InferenceRequest>, Draining.Running {
        private final CallOutput<InferenceReply> out;
        private final SerialExecutor serial = new SerialExecutor(workers);
        /** The gateway's session id, for the MDC of every line the session's work logs. */
        private final String sessionId = SidecarPropagation.sessionId();
        /** The parent of the session's spans: the stream's server span, or the gateway's context. */
        private final io.opentelemetry.context.Context trace = SidecarPropagation.trace();
        private final long startNanos = System.nanoTime();
        /** Set by the first request (open), then only touched on the serial executor. */
        private volatile MediaSession media;
        private volatile boolean ended;
        private boolean admitted;
        private boolean closed;

        Session(ServerCallStreamObserver<InferenceReply> responses) {
            this.out = new CallOutput<>(responses, this::cancelled);
        }

        /** Runs the session's work in order on a worker, with its session id in the MDC and in its trace. */
        private void onSession(Runnable work) {
            serial.execute(trace.wrap(() -> SessionLog.run(sessionId, work)));
        }

        @Override
        public void onNext(InferenceRequest r) {
            onSession(() -> {
                if (ended) {
                    return;
                }
                try {
                    traced(r);
                } catch (StatusRuntimeException e) {
                    end(e);
                } catch (RuntimeException | Error e) {
                    LOG.errorf(e, "inference session request %s failed", r.getOpCase());
                    end(e instanceof Error err ? Errors.ofError(err)
                            : Status.INTERNAL.withDescription("inference: " + e).withCause(e).asRuntimeException());
                }
            });
        }

        /** {@link #handle}, in a span of its own for the requests in {@link #SPANNED} (only inside a trace). */
        private void traced(InferenceRequest r) {
            if (!SPANNED.contains(r.getOpCase()) || !Span.fromContext(trace).getSpanContext().isValid()) {
                handle(r);
                return;
            }
            Span span = tracer.spanBuilder("inference/" + r.getOpCase().name().toLowerCase(Locale.ROOT))
                    .setAttribute("refseg.request_id", r.getRequestId()).startSpan();
            try (Scope ignored = span.makeCurrent()) {
                handle(r);
            } catch (RuntimeException | Error e) {
                span.setStatus(StatusCode.ERROR, Status.fromThrowable(e).getCode().name());
                throw e;
            } finally {
                span.end();
            }
        }

        private void handle(InferenceRequest r) {
            InferenceReply.Builder reply = InferenceReply.newBuilder().setRequestId(r.getRequestId());
            if (media == null && r.getOpCase() != InferenceRequest.OpCase.OPEN) {
                throw Errors.invalid("op", "the first request of a session must be open, got " + r.getOpCase());
            }
            switch (r.getOpCase()) {
                case OPEN -> {
                    if (media != null) {
                        throw Errors.invalid("open", "sent twice");
                    }
                    if (draining != null) {
                        if (!draining.admit(this)) {
                            throw Draining.refusal();
                        }
                        admitted = true;
                    }
                    media = local.openSession(r.getOpen());
                    reply.setIntake(media.status());
                }
                case FRAME -> reply.setIntake(media.addFrame(r.getFrame()));
                case MEDIA -> reply.setIntake(media.addMedia(r.getMedia()));
                case AUDIO -> reply.setIntake(media.addAudio(r.getAudio()));
                case END_OF_INPUT -> reply.setIntake(media.endOfInput());
                case RENDER_TILE -> reply.setImage(media.renderTile(r.getRenderTile()));
                case DRAW_BOXES -> reply.setImage(media.drawBoxes(r.getDrawBoxes()));
                case DETECT -> reply.setCandidates(media.detect(r.getDetect()));
                case TAG_AUDIO -> reply.setLabels(media.tagAudio(r.getTagAudio()));
                case PREFETCH -> reply.setPrefetched(media.prefetch(r.getPrefetch()));
                case GET_STATUS -> reply.setIntake(media.status());
                case BEGIN_LIVE -> {
                    media.beginLive(r.getBeginLive());
                    reply.setDone(Done.getDefaultInstance());
                }
                case TRACK_LIVE -> reply.setLiveStep(media.trackLive(r.getTrackLive()));
                case RESEED_LIVE -> reply.setLiveStep(media.reseedLive(r.getReseedLive()));
                case TRACK -> {
                    long t0 = System.nanoTime();
                    media.track(r.getTrack(), m -> out.send(InferenceReply.newBuilder()
                            .setRequestId(r.getRequestId()).setMask(m).build()));
                    reply.setDone(Done.newBuilder().setModelMillis((System.nanoTime() - t0) / 1e6));
                }
                default -> throw Errors.invalid("op", "the request carries nothing");
            }
            out.send(reply.build());
        }

        @Override
        public void onError(Throwable t) {
            cancelled();
        }

        @Override
        public void onCompleted() {
            onSession(() -> {
                close(Status.OK);
                out.complete();
            });
        }

        /** The gateway cancelled: unblock the session's work at once, free it once that work has stopped. */
        private void cancelled() {
            ended = true;
            out.abort();
            MediaSession m = media;
            if (m != null) {
                m.abort();
            }
            onSession(() -> close(Status.CANCELLED.withDescription("the gateway cancelled or went away")));
        }

        private void end(StatusRuntimeException e) {
            ended = true;
            close(e.getStatus());
            out.fail(e);
        }

        @Override
        public void endForDrain(StatusRuntimeException status) {
            ended = true;
            out.abort();
            MediaSession m = media;
            if (m != null) {
                m.abort();
            }
            onSession(() -> end(status));
        }

        /** Frees the session (once; on the session's worker), then logs how it ended. */
        private void close(Status how) {
            if (closed) {
                return;
            }
            closed = true;
            MediaSession m = media;
            if (m != null) {
                m.close();
            }
            if (admitted) {
                admitted = false;
                draining.done(this);
            }
            String after = StreamingCall.seconds(System.nanoTime() - startNanos);
            if (how.isOk()) {
                LOG.infof("Inference session ended: OK after %s s", after);
            } else {
                LOG.infof("Inference session ended: %s after %s s: %s", how.getCode(), after, OneLine.of(how.getDescription()));
            }
        }
    }
}
