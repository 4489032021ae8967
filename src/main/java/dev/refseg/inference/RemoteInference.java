package dev.refseg.inference;

import dev.refseg.errors.Errors;
import dev.refseg.v1.AudioChunk;
import dev.refseg.v1.AudioLabels;
import dev.refseg.v1.Candidates;
import dev.refseg.v1.Capabilities;
import dev.refseg.v1.CapabilitiesRequest;
import dev.refseg.v1.CaptionTokens;
import dev.refseg.v1.CaptionTokensRequest;
import dev.refseg.v1.Detect;
import dev.refseg.v1.EndOfInput;
import dev.refseg.v1.Frame;
import dev.refseg.v1.GetStatus;
import dev.refseg.v1.Image;
import dev.refseg.v1.InferenceGrpc;
import dev.refseg.v1.InferenceReply;
import dev.refseg.v1.InferenceRequest;
import dev.refseg.v1.IntakeUpdate;
import dev.refseg.v1.MaskFrame;
import dev.refseg.v1.MediaChunk;
import dev.refseg.v1.OpenSession;
import dev.refseg.v1.Prefetch;
import dev.refseg.v1.PrefetchResult;
import dev.refseg.v1.RenderTile;
import dev.refseg.v1.TagAudio;
import dev.refseg.v1.Track;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The gateway's inference backend: a gRPC client of {@code proto/refseg/v1/inference.proto}. Each
 * {@link MediaSession} is one Session stream; each method sends one request and waits for its reply, so
 * the gateway holds no frames and nothing queues between the two (the stream reads one reply at a time:
 * a slow gateway client slows the sidecar's {@code track} through gRPC flow control). The sidecar's
 * statuses pass through unchanged; a lost sidecar ends the call with {@code UNAVAILABLE} naming it. The
 * channel reconnects by itself (gRPC's backoff); closing this closes nothing the caller owns.
 */
public final class RemoteInference implements InferenceBackend {
    /** How long {@link MediaSession#close()} waits for the sidecar to confirm the session is freed. */
    private static final long CLOSE_WAIT_MS = 10_000;

    /** Deadline of the capability reads behind metrics gauges: a scrape must not wait on a frozen sidecar. */
    private static final long GAUGE_DEADLINE_MS = 1_000;
    /** Deadline of the other capability reads (a call's start, the readiness poll). */
    private static final long CAPABILITIES_DEADLINE_MS = 5_000;

    private final Channel channel;
    private final String sidecar;
    private final long replyTimeoutNanos;

    /** As {@link #RemoteInference(Channel, String, java.time.Duration)} with the default reply timeout, 120 s. */
    public RemoteInference(Channel channel, String sidecar) {
        this(channel, sidecar, java.time.Duration.ofSeconds(120));
    }

    /**
     * @param channel      to the sidecar (TCP, Unix socket or in-process)
     * @param sidecar      how messages name it, e.g. "localhost:9100"
     * @param replyTimeout the longest a session waits for one reply ({@code refseg.inference.reply-timeout});
     *                     past it the session ends UNAVAILABLE naming the sidecar and the timeout
     */
    public RemoteInference(Channel channel, String sidecar, java.time.Duration replyTimeout) {
        this.channel = channel;
        this.sidecar = sidecar;
        this.replyTimeoutNanos = replyTimeout.toNanos();
    }

    @Override
    public MediaSession openSession(OpenSession open) {
        RemoteSession s = new RemoteSession();
        try {
            s.call(InferenceRequest.newBuilder().setOpen(open));
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
        return s;
    }

    private Capabilities capabilities() {
        return capabilities(CAPABILITIES_DEADLINE_MS);
    }

    private Capabilities capabilities(long deadlineMs) {
        try {
            return outsideCallerContext(() -> InferenceGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(deadlineMs, TimeUnit.MILLISECONDS)
                    .getCapabilities(CapabilitiesRequest.getDefaultInstance()));
        } catch (StatusRuntimeException e) {
            throw unavailable(e.getStatus());
        }
    }

    /**
     * Runs a sidecar call in gRPC's root context, not the current thread's: a gauge read on a thread of a
     * call that has ended, or a session that outlives the call that opened it, must not be cancelled with it.
     */
    private static <T> T outsideCallerContext(java.util.function.Supplier<T> call) {
        io.grpc.Context previous = io.grpc.Context.ROOT.attach();
        try {
            return call.get();
        } finally {
            io.grpc.Context.ROOT.detach(previous);
        }
    }

    @Override
    public boolean hasDetector() {
        return capabilities().getHasDetector();
    }

    @Override
    public boolean hasTagger() {
        return capabilities().getHasTagger();
    }

    @Override
    public CaptionTokens captionTokens(CaptionTokensRequest request) {
        try {
            return outsideCallerContext(() -> InferenceGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(30, TimeUnit.SECONDS).countCaptionTokens(request));
        } catch (StatusRuntimeException e) {
            throw passThrough(e.getStatus());
        }
    }

    @Override
    public int openSessions() {
        return capabilities(GAUGE_DEADLINE_MS).getOpenSessions();
    }

    @Override
    public int liveTrackers() {
        return capabilities(GAUGE_DEADLINE_MS).getLiveTrackers();
    }

    @Override
    public int maxTrackedObjects() {
        return capabilities().getMaxTrackedObjects();
    }

    @Override
    public int trackedObjects() {
        return capabilities(GAUGE_DEADLINE_MS).getTrackedObjects();
    }

    /** The sidecar's own statuses (INVALID_ARGUMENT naming a field, ...) as they are; transport failures named. */
    private StatusRuntimeException passThrough(Status s) {
        // The sidecar never cancels on its own: a CANCELLED this side did not ask for is a sidecar going away
        // (a shutdown resets its streams), as UNAVAILABLE is a lost connection.
        return switch (s.getCode()) {
            case UNAVAILABLE, UNKNOWN, CANCELLED -> unavailable(s);
            default -> s.asRuntimeException();
        };
    }

    private StatusRuntimeException unavailable(Status s) {
        return Errors.unavailable("the inference sidecar " + sidecar + " is unavailable: " + s.getCode()
                + (s.getDescription() != null ? " " + s.getDescription() : ""), s.getCause());
    }

    /** One Session stream. Methods are called from one thread at a time ({@link MediaSession}). */
    private final class RemoteSession implements MediaSession, ClientResponseObserver<InferenceRequest, InferenceReply> {
        /** What arrives: a reply, or the stream's end (status OK when completed). */
        private record Item(InferenceReply reply, Status end) {
        }

        private final BlockingQueue<Item> inbox = new LinkedBlockingQueue<>();
        private final CountDownLatch finished = new CountDownLatch(1);
        private ClientCallStreamObserver<InferenceRequest> requests;
        private long nextId;
        /** The stream's end once seen (a failure is thrown again by every later call). */
        private Status ended;
        private volatile boolean aborted;
        private boolean closed;

        RemoteSession() {
            outsideCallerContext(() -> {
                InferenceGrpc.newStub(channel).session(this);
                return null;
            });
        }

        @Override
        public void beforeStart(ClientCallStreamObserver<InferenceRequest> stream) {
            this.requests = stream;
            stream.disableAutoRequestWithInitial(1);
        }

        @Override
        public void onNext(InferenceReply value) {
            inbox.add(new Item(value, null));
        }

        @Override
        public void onError(Throwable t) {
            inbox.add(new Item(null, Status.fromThrowable(t)));
            finished.countDown();
        }

        @Override
        public void onCompleted() {
            inbox.add(new Item(null, Status.OK));
            finished.countDown();
        }

        /** Sends one request and returns its (single) reply. */
        InferenceReply call(InferenceRequest.Builder op) {
            long id = send(op);
            return next(id);
        }

        private long send(InferenceRequest.Builder op) {
            if (ended != null) {
                throw failure(ended);
            }
            long id = ++nextId;
            requests.onNext(op.setRequestId(id).build());
            return id;
        }

        /** The next reply of request {@code id}; the stream's failure as the status the client should see. */
        private InferenceReply next(long id) {
            Item item;
            try {
                item = inbox.poll(replyTimeoutNanos, TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw Status.CANCELLED.withDescription("interrupted").asRuntimeException();
            }
            if (item == null) { // the sidecar holds the stream open but answers nothing
                ended = Status.UNAVAILABLE.withDescription("no reply to request " + id + " within "
                        + java.time.Duration.ofNanos(replyTimeoutNanos).toSeconds() + " s (refseg.inference.reply-timeout)");
                requests.cancel("no reply within the reply timeout", null);
                throw failure(ended);
            }
            if (item.end() != null) {
                ended = item.end().isOk() ? Status.INTERNAL.withDescription("the inference sidecar ended the "
                        + "session early") : item.end();
                throw failure(ended);
            }
            requests.request(1);
            if (item.reply().getRequestId() != id) {
                throw Errors.internal("inference: reply to request " + item.reply().getRequestId() + " while "
                        + "waiting for " + id, null);
            }
            return item.reply();
        }

        private StatusRuntimeException failure(Status s) {
            if (aborted) {
                return Status.CANCELLED.withDescription("the call is being ended").asRuntimeException();
            }
            return passThrough(s);
        }

        @Override
        public IntakeUpdate addFrame(Frame frame) {
            return call(InferenceRequest.newBuilder().setFrame(frame)).getIntake();
        }

        @Override
        public IntakeUpdate addMedia(MediaChunk chunk) {
            return call(InferenceRequest.newBuilder().setMedia(chunk)).getIntake();
        }

        @Override
        public IntakeUpdate addAudio(AudioChunk chunk) {
            return call(InferenceRequest.newBuilder().setAudio(chunk)).getIntake();
        }

        @Override
        public IntakeUpdate endOfInput() {
            return call(InferenceRequest.newBuilder().setEndOfInput(EndOfInput.getDefaultInstance())).getIntake();
        }

        @Override
        public IntakeUpdate status() {
            return call(InferenceRequest.newBuilder().setGetStatus(GetStatus.getDefaultInstance())).getIntake();
        }

        @Override
        public Image renderTile(RenderTile request) {
            return call(InferenceRequest.newBuilder().setRenderTile(request)).getImage();
        }

        @Override
        public Image drawBoxes(RenderTile request) {
            return call(InferenceRequest.newBuilder().setDrawBoxes(request)).getImage();
        }

        @Override
        public AudioLabels tagAudio(TagAudio request) {
            return call(InferenceRequest.newBuilder().setTagAudio(request)).getLabels();
        }

        @Override
        public Candidates detect(Detect request) {
            return call(InferenceRequest.newBuilder().setDetect(request)).getCandidates();
        }

        @Override
        public PrefetchResult prefetch(Prefetch request) {
            return call(InferenceRequest.newBuilder().setPrefetch(request)).getPrefetched();
        }

        @Override
        public void track(Track request, Consumer<MaskFrame> sink) {
            long id = send(InferenceRequest.newBuilder().setTrack(request));
            while (true) {
                InferenceReply r = next(id);
                if (r.hasDone()) {
                    return;
                }
                sink.accept(r.getMask()); // may block: the next mask is not read meanwhile (flow control)
            }
        }

        @Override
        public void beginLive(dev.refseg.v1.BeginLive request) {
            call(InferenceRequest.newBuilder().setBeginLive(request));
        }

        @Override
        public dev.refseg.v1.LiveStep reseedLive(dev.refseg.v1.ReseedLive request) {
            return call(InferenceRequest.newBuilder().setReseedLive(request)).getLiveStep();
        }

        @Override
        public dev.refseg.v1.LiveStep trackLive(dev.refseg.v1.TrackLive request) {
            return call(InferenceRequest.newBuilder().setTrackLive(request)).getLiveStep();
        }

        @Override
        public void abort() {
            aborted = true;
            requests.cancel("the call is ending", null);
        }

        @Override
        public synchronized void close() {
            if (closed) {
                return;
            }
            closed = true;
            if (ended == null && !aborted) {
                requests.onCompleted();
                try {
                    // Until the sidecar has freed the session: its gauges are then exact.
                    finished.await(CLOSE_WAIT_MS, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            } else if (!aborted) {
                requests.cancel("session closed", null);
            }
        }
    }
}
