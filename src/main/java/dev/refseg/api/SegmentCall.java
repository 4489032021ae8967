package dev.refseg.api;

import dev.refseg.config.RefsegConfig;
import dev.refseg.errors.Errors;
import dev.refseg.inference.InferenceBackend;
import dev.refseg.inference.MediaSession;
import dev.refseg.llm.AskedQuestions;
import dev.refseg.llm.SelectionLlm;
import dev.refseg.segment.SegmentMetrics;
import dev.refseg.segment.OnlineSession;
import dev.refseg.segment.OnlineSettings;
import dev.refseg.segment.ResumeSeed;
import dev.refseg.segment.SegmentSession;
import dev.refseg.segment.SelectionParams;
import dev.refseg.segment.SessionSlots;
import dev.refseg.segment.StartValidator;
import dev.refseg.segment.TextSelection;
import dev.refseg.segment.AudioParams;
import dev.refseg.segment.AudioSelection;
import dev.refseg.segment.LiveAudio;
import dev.refseg.segment.Selection;
import dev.refseg.v1.OpenSession;
import dev.refseg.v1.SegmentRequest;
import dev.refseg.v1.SegmentResponse;
import dev.refseg.v1.Start;
import io.grpc.stub.ServerCallStreamObserver;
import java.util.concurrent.Executor;

/** One Segment call: Start first, then media, then half-close; the work is a {@link SegmentSession}. */
final class SegmentCall extends StreamingCall<SegmentRequest, SegmentResponse> {
    private final RefsegConfig config;
    private final InferenceBackend inference;
    private final SegmentMetrics metrics;
    private final SelectionLlm llm;
    /** The call's LLM questions, abandoned at once when the call ends early. */
    private final AskedQuestions questions = new AskedQuestions();
    private volatile SegmentSession session;
    /** Online mode: the call's session instead of {@link #session}. */
    private volatile OnlineSession online;
    /** Online mode, Start.resume: the client's seed, which also renumbers the frames. */
    private ResumeSeed resume;

    /**
     * Where online calls' drivers run: one task per online call at a time, so the threads are bounded by
     * the calls (refseg.limits.max-sessions); idle threads end.
     */
    private static final java.util.concurrent.ExecutorService DRIVERS = java.util.concurrent.Executors
            .newCachedThreadPool(r -> {
                Thread t = new Thread(r, "refseg-online");
                t.setDaemon(true);
                return t;
            });

    SegmentCall(ServerCallStreamObserver<SegmentResponse> responses, Executor workers, RefsegConfig config,
            InferenceBackend inference, SessionSlots slots, SegmentMetrics metrics, SelectionLlm llm,
            CallWatchdog watchdog, Draining draining) {
        super(responses, workers, slots, metrics, watchdog, draining, "Segment");
        this.config = config;
        this.inference = inference;
        this.metrics = metrics;
        this.llm = llm;
    }

    @Override
    protected void handle(SegmentRequest r) {
        if (session == null && online == null && r.getPayloadCase() != SegmentRequest.PayloadCase.START) {
            throw Errors.invalid("start", "the first message must be start, got " + name(r.getPayloadCase()));
        }
        if (online != null) {
            switch (r.getPayloadCase()) {
                case START -> throw Errors.invalid("start", "sent twice; a stream has exactly one start, first");
                case FRAME -> online.onFrame(resume == null ? r.getFrame() : resume.inbound(r.getFrame()));
                case MEDIA -> online.onMedia(r.getMedia());
                case AUDIO -> online.onAudio(r.getAudio());
                default -> throw Errors.invalid("payload", "the message carries nothing");
            }
            return;
        }
        switch (r.getPayloadCase()) {
            case START -> begin(r);
            case FRAME -> session.onFrame(r.getFrame());
            case MEDIA -> session.onMedia(r.getMedia());
            case AUDIO -> session.onAudio(r.getAudio());
            default -> throw Errors.invalid("payload", "the message carries nothing");
        }
    }

    private void begin(SegmentRequest r) {
        if (session != null) {
            throw Errors.invalid("start", "sent twice; a stream has exactly one start, first");
        }
        Start start = r.getStart();
        StartValidator.validate(start);
        tagSession(start.getRequestTag());
        boolean isOnline = start.getMode() == dev.refseg.v1.Mode.MODE_ONLINE;
        if (start.hasText() && !inference.hasDetector()) {
            throw Errors.precondition("start.text: text referents need the GroundingDINO detector; the model "
                    + "directory's manifest.properties has no gdino.detector");
        }
        if (start.hasAudio() && !(inference.hasTagger() && inference.hasDetector())) {
            throw Errors.precondition("start.audio: audio referents need the audio tagger and the GroundingDINO "
                    + "detector; the model directory's manifest.properties lacks "
                    + (inference.hasTagger() ? "gdino.detector" : "audio.tagger (with audio.labels)"));
        }
        SelectionParams params = null;
        AudioParams audio = null;
        if (start.hasText()) {
            StartValidator.detectorTokens("start.text", start.getText().strip(), inference);
            params = SelectionParams.of(config.selection(), start.getOptions(), llm.configured());
        } else if (start.hasAudio()) {
            audio = AudioParams.of(config.audio(), config.selection(), start.getAudio(), start.getOptions(),
                    llm.configured());
        }
        ResumeSeed seed = !start.hasResume() ? null : params != null ? ResumeSeed.of(start.getResume(),
                params.maxObjects(), "start.options.max_objects, or refseg.selection.max-objects", config.limits(), false)
                : ResumeSeed.of(start.getResume(), audio.maxObjects(), "start.audio.max_objects, 0 = 1", config.limits(),
                        true);
        int keyWindow = params != null ? params.windowFrames() : start.getOptions().getWindowFrames() > 0
                ? start.getOptions().getWindowFrames() : config.selection().windowFrames();
        // Re-acquisition selects again on a recent window with the call's referent (a resumed call too);
        // an audio referent's by the names LBRU gave its sounding objects.
        SelectionParams reParams = params != null ? params
                : audio != null ? SelectionParams.forSoundingObjects(config.selection(), start.getOptions(), audio)
                : null;
        OnlineSession.Settings onlineSettings = isOnline ? OnlineSettings.of(config.online(), start.getOptions(),
                seed != null ? seed.seedFrames() : keyWindow, reParams == null ? keyWindow : reParams.shownSpan(),
                reParams == null ? 1 : reParams.frameStep()) : null;
        acquireSlot();
        OpenSession open = OpenSession.newBuilder().setTag(start.getRequestTag()).setFps(start.getOptions().getFps())
                .setKeepStoredOrientation(start.getOptions().getKeepStoredOrientation()).setAudioTrack(audio != null)
                .setOnline(isOnline).build();
        MediaSession media = inference.openSession(open);
        if (isOnline) {
            MediaSession shared = OnlineSession.shared(media);
            LiveAudio live = audio == null ? null : new LiveAudio(shared, audio, config.online().audioWait(),
                    config.limits().maxAudioSeconds(), out::isCancelled);
            resume = seed == null ? null : seed.on(shared, out::send, live, start.getOptions().getIncludePng());
            Selection selection = resume != null ? resume
                    : live != null ? new AudioSelection(audio, shared, llm, out::send, out::isCancelled, questions,
                            start.getOptions().getIncludePng(), live)
                    : params == null ? null : new TextSelection(start.getText(), params, shared, llm, out::send,
                            out::isCancelled, questions);
            OnlineSession.Reselection reselect = reParams == null ? null : (window, events, cancelled) ->
                    new TextSelection(live == null ? start.getText() : soundingSentence(live), reParams, window, llm,
                            events, () -> out.isCancelled() || cancelled.getAsBoolean(), new AskedQuestions());
            online = new OnlineSession(start, shared, onlineSettings, metrics, out::send, selection, reselect,
                    work -> DRIVERS.execute(inCallContext(work)), this::failFromOutside, live);
            return;
        }
        Selection selection = params != null ? new TextSelection(start.getText(), params, media, llm, out::send,
                out::isCancelled, questions)
                : audio != null ? new AudioSelection(audio, media, llm, out::send, out::isCancelled, questions,
                        start.getOptions().getIncludePng()) : null;
        session = new SegmentSession(start, media, config.intake().progressInterval(), metrics, out::send, selection);
    }

    /**
     * The sentence that re-acquires an audio referent's objects: their categories, or the first one alone
     * when all of them are more than the detector's text encoder reads.
     */
    private String soundingSentence(LiveAudio live) {
        String all = live.categoriesSentence();
        try {
            StartValidator.detectorTokens("categories", all, inference);
            return all;
        } catch (io.grpc.StatusRuntimeException e) {
            return all.split(", ", 2)[0];
        }
    }

    @Override
    protected void inputComplete() {
        if (online != null) {
            online.onInputComplete();
            return;
        }
        if (session == null) {
            throw Errors.invalid("start", "the stream ended without a start message");
        }
        session.onInputComplete();
    }

    @Override
    protected void onAbort() {
        questions.cancelAll();
        SegmentSession s = session;
        if (s != null) {
            s.abort();
        }
        OnlineSession o = online;
        if (o != null) {
            o.abort();
        }
    }

    @Override
    protected void release() {
        if (online != null) {
            online.close();
        }
        if (session != null) {
            session.close();
        }
    }

    static String name(Enum<?> payloadCase) {
        return payloadCase.name().equals("PAYLOAD_NOT_SET") ? "an empty message" : payloadCase.name().toLowerCase();
    }
}
