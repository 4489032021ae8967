package dev.refseg.api;

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
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.Executor;
import org.jboss.logging.Logger;

/**
 * The inference sidecar's side of {@code proto/refseg/v1/inference.proto}: each Session stream is one
 * {@link MediaSession} of the local backend, its requests run one after another on a session worker
 * (the gateway sends the next only after the reply), {@code track}'s masks are sent as the tracker makes
 * them and wait for the transport (flow control back to the gateway), and the session is freed however
 * the stream ends: half-close, cancel, or a failed request (whose status ends the stream).
 * Not a CDI bean itself: {@link InferenceService} serves it in the inference role, and the loopback
 * split builds one around an in-JVM backend.
 */
public class InferenceEndpoint extends InferenceGrpc.InferenceImplBase {
    private static final Logger LOG = Logger.getLogger(InferenceEndpoint.class);

    private final InferenceBackend local;
    private final Executor workers;
    /** Null when nothing drains this endpoint (the in-process loopback: the public calls drain instead). */
    private final Draining draining;

    /**
     * @param local   the backend whose sessions the streams drive (a LocalInference)
     * @param workers where the sessions' requests run (blocking work: decoding, models)
     */
    public InferenceEndpoint(InferenceBackend local, Executor workers) {
        this(local, workers, null);
    }

    /**
     * @param draining the sidecar's draining: while it drains, new sessions are refused and running ones
     *                 go on until they end or the drain timeout (so the gateway's calls can finish)
     */
    public InferenceEndpoint(InferenceBackend local, Executor workers, Draining draining) {
        this.local = local;
        this.workers = workers;
        this.draining = draining;
    }

    @Override
    public void countCaptionTokens(CaptionTokensRequest request, StreamObserver<CaptionTokens> responses) {
        unary(responses, () -> local.captionTokens(request));
    }

    @Override
    public void getCapabilities(CapabilitiesRequest request, StreamObserver<Capabilities> responses) {
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
        /** Set by the first request (open), then only touched on the serial executor. */
        private volatile MediaSession media;
        private volatile boolean ended;
        private boolean admitted;

        Session(ServerCallStreamObserver<InferenceReply> responses) {
            this.out = new CallOutput<>(responses, this::cancelled);
        }

        @Override
        public void onNext(InferenceRequest r) {
            serial.execute(() -> {
                if (ended) {
                    return;
                }
                try {
                    handle(r);
                } catch (StatusRuntimeException e) {
                    end(e);
                } catch (RuntimeException | Error e) {
                    LOG.errorf(e, "inference session request %s failed", r.getOpCase());
                    end(e instanceof Error err ? Errors.ofError(err)
                            : Status.INTERNAL.withDescription("inference: " + e).withCause(e).asRuntimeException());
                }
            });
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
            serial.execute(() -> {
                close();
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
            serial.execute(this::close);
        }

        private void end(StatusRuntimeException e) {
            ended = true;
            close();
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
            serial.execute(() -> end(status));
        }

        private void close() {
            MediaSession m = media;
            if (m != null) {
                m.close();
            }
            if (admitted) {
                admitted = false;
                draining.done(this);
            }
        }
    }
}
