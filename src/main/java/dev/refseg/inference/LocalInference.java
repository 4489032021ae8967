package dev.refseg.inference;

import dev.refseg.runtime.GraphTimer;
import dev.refseg.runtime.ModelLoadException;
import dev.refseg.runtime.ModelManifest;
import dev.refseg.runtime.ModelRegistry;
import dev.refseg.detect.BertTokenizer;
import dev.refseg.detect.CaptionEncoding;
import dev.refseg.detect.Detection;
import dev.refseg.detect.GroundingDinoDetector;
import dev.refseg.errors.Errors;
import dev.refseg.errors.Fields;
import dev.refseg.keyselect.BoxColours;
import dev.refseg.keyselect.TileRenderer;
import dev.refseg.mask.MaskProtos;
import dev.refseg.mask.PixelBox;
import dev.refseg.mask.Regions;
import dev.refseg.media.DecodedFrame;
import dev.refseg.media.FrameStore;
import dev.refseg.media.IntakeLimits;
import dev.refseg.media.IntakeSession;
import dev.refseg.media.MediaSettings;
import dev.refseg.media.OrientationReport;
import dev.refseg.sam2.FeatureCache;
import dev.refseg.sam2.Sam2Tracker;
import dev.refseg.sam2.TrackedMask;
import dev.refseg.sam2.TrackerState;
import dev.refseg.audio.LiveTagging;
import dev.refseg.v1.AudioChunk;
import dev.refseg.v1.BeginLive;
import dev.refseg.v1.LiveStep;
import dev.refseg.v1.ReseedLive;
import dev.refseg.v1.TrackLive;
import dev.refseg.v1.CaptionTokens;
import dev.refseg.v1.CaptionTokensRequest;
import dev.refseg.v1.Candidates;
import dev.refseg.v1.Detect;
import dev.refseg.v1.Frame;
import dev.refseg.v1.Image;
import dev.refseg.v1.IntakeUpdate;
import dev.refseg.v1.MaskFrame;
import dev.refseg.v1.MediaChunk;
import dev.refseg.v1.OpenSession;
import dev.refseg.v1.Prefetch;
import dev.refseg.v1.PrefetchResult;
import dev.refseg.v1.RenderTile;
import dev.refseg.v1.Track;
import dev.refseg.v1.TrackPrompt;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The inference side in the same JVM (embedded role): intake, tiles for the LLM, detection and SAM 2
 * tracking over the received frames.
 */
public final class LocalInference implements InferenceBackend {
    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(LocalInference.class);
    private final IntakeLimits limits;
    private final long maxMediaBytes;
    private final Path workRoot;
    private final double defaultFps;
    private final ModelRegistry models;
    private final Sam2Tracker tracker;
    /** Null when the model directory has no detector (text referents then answer FAILED_PRECONDITION). */
    private final GroundingDinoDetector detector;
    /** The detector's tokenizer (null without a detector), for counting a referent's tokens. */
    private final BertTokenizer captionTokenizer;
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicInteger trackers = new AtomicInteger();

    /** Null when the model directory has no audio tagger (audio referents then answer FAILED_PRECONDITION). */
    private final dev.refseg.audio.AudioTagger tagger;
    /** The no-LLM baseline's label->object table: the model directory's audio.label_objects, else the shipped one. */
    private final dev.refseg.lbru.LabelObjects labelObjects;

    private final int prefetchFrames;
    private final MediaSettings media;
    private final ObjectBudget objectBudget;

    public LocalInference(IntakeLimits limits, long maxMediaBytes, Path workRoot, double defaultFps,
            ModelSet models, GraphTimer timer) {
        this(limits, maxMediaBytes, workRoot, defaultFps, models, timer, 0);
    }

    /** @param prefetchFrames most frames per session whose encoder output may be computed ahead of tracking */
    public LocalInference(IntakeLimits limits, long maxMediaBytes, Path workRoot, double defaultFps,
            ModelSet models, GraphTimer timer, int prefetchFrames) {
        this(limits, maxMediaBytes, workRoot, defaultFps, models, timer, prefetchFrames, MediaSettings.defaults());
    }

    /** @param media how FFmpeg probes streams and how long a stalled decoder is waited for */
    public LocalInference(IntakeLimits limits, long maxMediaBytes, Path workRoot, double defaultFps,
            ModelSet models, GraphTimer timer, int prefetchFrames, MediaSettings media) {
        this(limits, maxMediaBytes, workRoot, defaultFps, models, timer, prefetchFrames, media, new ObjectBudget(16));
    }

    /** @param objectBudget how many objects the process tracks at once ({@code refseg.limits.max-tracked-objects}) */
    public LocalInference(IntakeLimits limits, long maxMediaBytes, Path workRoot, double defaultFps,
            ModelSet models, GraphTimer timer, int prefetchFrames, MediaSettings media,
            ObjectBudget objectBudget) {
        this(limits, maxMediaBytes, workRoot, defaultFps, models, timer, prefetchFrames, media, objectBudget, true);
    }

    /**
     * @param pipeline whether a tracking call encodes frame t+1 on a second thread while frame t is tracked
     *                 ({@code refseg.inference.pipeline})
     */
    public LocalInference(IntakeLimits limits, long maxMediaBytes, Path workRoot, double defaultFps,
            ModelSet models, GraphTimer timer, int prefetchFrames, MediaSettings media,
            ObjectBudget objectBudget, boolean pipeline) {
        this.objectBudget = objectBudget;
        this.media = media;
        this.prefetchFrames = prefetchFrames;
        this.limits = limits;
        this.maxMediaBytes = maxMediaBytes;
        this.workRoot = workRoot;
        this.defaultFps = defaultFps;
        ModelRegistry graphs = models.registry();
        this.models = graphs;
        this.tracker = new Sam2Tracker(models.sam2().create(graphs, timer), pipeline ? lookahead(graphs) : null);
        this.captionTokenizer = graphs.has(DETECTOR) ? detectorTokenizer(graphs) : null;
        this.detector = graphs.has(DETECTOR) ? new GroundingDinoDetector(graphs.runner(DETECTOR, timer),
                captionTokenizer) : null;
        this.tagger = models.tagger().map(t -> new dev.refseg.audio.AudioTagger(graphs, t, timer)).orElse(null);
        this.labelObjects = graphs.companion(LABEL_OBJECTS).map(dev.refseg.lbru.LabelObjects::load)
                .orElseGet(dev.refseg.lbru.LabelObjects::shipped);
    }

    static final String TAGGER = "audio.tagger";
    static final String LABEL_OBJECTS = "audio.label_objects";

    /**
     * Where tracking calls encode their next frame: one task per tracking call at a time, so the threads
     * are bounded by the calls (themselves bounded by refseg.limits.max-sessions); idle threads end. It
     * takes no more tasks once the models start closing (their close then waits for the encodes running).
     */
    private static java.util.concurrent.ExecutorService lookahead(ModelRegistry graphs) {
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "sam2-lookahead");
            t.setDaemon(true);
            return t;
        });
        graphs.onClose(pool::shutdown);
        return pool;
    }

    static final String DETECTOR = "gdino.detector";
    /** GroundingDINO's query count: the most boxes one detection can give. */
    static final int MAX_QUERIES = 900;
    static final String TOKENIZER = "gdino.tokenizer";

    /**
     * The detector's BERT vocabulary (vocab.txt), named in the manifest beside the graph.
     *
     * @throws ModelLoadException when the manifest names none or it cannot be read
     */
    public static BertTokenizer detectorTokenizer(ModelRegistry models) {
        Path vocab = models.companion(TOKENIZER).orElseThrow(() -> new ModelLoadException(ModelManifest.FILE
                + " in " + models.dir() + " names " + DETECTOR + " but no " + TOKENIZER
                + " (the bert-base-uncased vocab.txt the export was made with)"));
        try {
            return BertTokenizer.load(vocab);
        } catch (IOException | RuntimeException e) {
            throw new ModelLoadException("cannot read " + TOKENIZER + " " + vocab + ": " + e.getMessage(), e);
        }
    }

    @Override
    public MediaSession openSession(OpenSession request) {
        double fps = Fields.range("open.fps", request.getFps(), 0, 1000) > 0 ? request.getFps() : defaultFps;
        // Online, the audio is AudioChunks tagged as they come (LiveTagging); a container's track is not read.
        IntakeSession intake = new IntakeSession(request.getOnline() ? limits.online() : limits, maxMediaBytes,
                workRoot, fps, media.withKeepStoredOrientation(request.getKeepStoredOrientation()),
                request.getAudioTrack() && !request.getOnline());
        LiveTagging liveAudio = null;
        if (request.getOnline() && request.getAudioTrack() && tagger != null) {
            liveAudio = new LiveTagging(tagger, labelObjects, limits.maxAudioSeconds());
            intake.audio().live(liveAudio::add);
        }
        open.incrementAndGet();
        return new Local(intake, request.getOnline(), liveAudio);
    }

    @Override
    public boolean hasDetector() {
        return detector != null;
    }

    @Override
    public boolean hasTagger() {
        return tagger != null;
    }

    @Override
    public CaptionTokens captionTokens(CaptionTokensRequest request) {
        if (captionTokenizer == null) {
            throw noDetector();
        }
        return CaptionTokens.newBuilder().setTokens(CaptionEncoding.tokenCount(request.getCaption(), captionTokenizer))
                .setMaxTokens(detector.maxTokens()).build();
    }

    private StatusRuntimeException noDetector() {
        return Errors.precondition("text referents need a detector: add " + DETECTOR + " to "
                + models.dir().resolve(ModelManifest.FILE));
    }

    @Override
    public int openSessions() {
        return open.get();
    }

    @Override
    public int liveTrackers() {
        return trackers.get();
    }

    @Override
    public int maxTrackedObjects() {
        return objectBudget.max();
    }

    @Override
    public int trackedObjects() {
        return objectBudget.inUse();
    }

    private final class Local implements MediaSession {
        private final IntakeSession intake;
        private final FeatureCache prefetched = new FeatureCache(prefetchFrames);
        private final boolean online;
        /** Online mode, once begin_live has run. */
        private LiveTracking live;
        /** Online mode with audio_track: the AudioChunks tagged as they come; null otherwise. */
        private final LiveTagging liveAudio;
        private boolean closed;

        Local(IntakeSession intake, boolean online, LiveTagging liveAudio) {
            this.intake = intake;
            this.online = online;
            this.liveAudio = liveAudio;
        }

        @Override
        public IntakeUpdate addFrame(Frame frame) {
            intake.addFrame(frame);
            return status();
        }

        @Override
        public IntakeUpdate addMedia(MediaChunk chunk) {
            intake.addMedia(chunk);
            return status();
        }

        @Override
        public IntakeUpdate addAudio(AudioChunk chunk) {
            intake.addAudio(chunk);
            return status();
        }

        @Override
        public IntakeUpdate endOfInput() {
            intake.endOfInput();
            return status();
        }

        @Override
        public IntakeUpdate status() {
            IntakeUpdate.Builder u = IntakeUpdate.newBuilder().setFramesDecoded(intake.framesDecoded())
                    .setWidth(intake.width()).setHeight(intake.height()).setFps(intake.fps())
                    .setAudioSeconds(intake.audioSeconds()).setInputComplete(intake.inputComplete());
            OrientationReport o = intake.orientation();
            if (o != null) {
                u.setOrientation(o.toProto());
            }
            return u.setAudioStartUs(intake.audioStartUs()).build();
        }

        @Override
        public void abort() {
            intake.abort();
        }

        @Override
        public Image renderTile(RenderTile request) {
            return image(TileRenderer.render(frames(request, "render_tile")));
        }

        @Override
        public Image drawBoxes(RenderTile request) {
            List<DecodedFrame> shown = frames(request, "draw_boxes");
            int pivot = request.getFrameIndicesList().indexOf(request.getPivotFrameIndex());
            if (pivot < 0) {
                throw Errors.invalid("draw_boxes.pivot_frame_index", "frame "
                        + Fields.unsigned(request.getPivotFrameIndex()) + " is not among the frames to tile "
                        + Fields.unsigned(request.getFrameIndicesList()));
            }
            if (request.getBoxesCount() > BoxColours.NAMES.size()) {
                throw Errors.invalid("draw_boxes.boxes", "has " + request.getBoxesCount() + " boxes; at most "
                        + BoxColours.NAMES.size() + " can be told apart by colour");
            }
            DecodedFrame p = shown.get(pivot);
            List<PixelBox> boxes = new ArrayList<>();
            for (int i = 0; i < request.getBoxesCount(); i++) {
                boxes.add(Regions.boxInFrame("draw_boxes.boxes[" + i + "]", request.getBoxes(i), p.width(), p.height()));
            }
            return image(TileRenderer.renderWithBoxes(shown, pivot, boxes));
        }

        @Override
        public dev.refseg.v1.AudioLabels tagAudio(dev.refseg.v1.TagAudio request) {
            if (tagger == null) {
                throw Errors.precondition("audio referents need an audio tagger: add " + TAGGER + " (and audio.labels) to "
                        + models.dir().resolve(ModelManifest.FILE));
            }
            if (request.getLive()) {
                if (liveAudio == null) {
                    throw Errors.precondition("tag_audio.live: the session was not opened online with audio_track");
                }
                return liveAudio.take(request, intake.inputComplete());
            }
            if (!intake.inputComplete()) {
                throw Errors.precondition("tag_audio: the audio is tagged once the input is complete (after end_of_input)");
            }
            return dev.refseg.audio.ClipTagging.tag(tagger, labelObjects, intake.audio16k(), request);
        }

        /**
         * The best boxes, with what was left out or moved reported in the answer's adjustments: every
         * query above the box threshold is decoded, so the count beyond max_candidates is known.
         */
        @Override
        public Candidates detect(Detect request) {
            if (detector == null) {
                throw noDetector();
            }
            DecodedFrame f = frame(request.getFrameIndex(), "detect.frame_index");
            float boxThreshold = Fields.range("detect.box_threshold", request.getBoxThreshold(), 0f, 1f);
            float textThreshold = Fields.range("detect.text_threshold", request.getTextThreshold(), 0f, 1f);
            int max = Math.max(1, Fields.uint("detect.max_candidates", request.getMaxCandidates(), 0, MAX_QUERIES));
            int tokens = CaptionEncoding.tokenCount(request.getCaption(), captionTokenizer);
            if (tokens > detector.maxTokens()) {
                throw Errors.invalid("detect.caption", "is " + tokens + " tokens; the detector reads at most "
                        + detector.maxTokens());
            }
            List<Detection> found = detector.detect(f, request.getCaption(), boxThreshold, textThreshold, MAX_QUERIES);
            return DetectionReport.of(f.index(), found, max, boxThreshold, f.width(), f.height());
        }

        @Override
        public PrefetchResult prefetch(Prefetch request) {
            try {
                for (int i = 0; i < request.getFrameIndicesCount(); i++) {
                    DecodedFrame f = frame(request.getFrameIndices(i), "prefetch.frame_indices[" + i + "]");
                    if (!tracker.prefetch(f, prefetched)) {
                        break;
                    }
                }
            } catch (OutOfMemoryError e) {
                // Prefetching only saves time: under memory pressure it gives its buffers back and tracking
                // encodes the frames when it reaches them.
                prefetched.clear();
                LOG.warnf("prefetch stopped, its frames freed: %s", e.getMessage());
            }
            return PrefetchResult.newBuilder().setFramesCached(prefetched.size()).setFull(prefetched.isFull()).build();
        }

        private List<DecodedFrame> frames(RenderTile request, String op) {
            if (request.getFrameIndicesCount() == 0 || request.getFrameIndicesCount() > 16) {
                throw Errors.invalid(op + ".frame_indices", "has " + request.getFrameIndicesCount()
                        + " frames; tile 1 to 16");
            }
            List<DecodedFrame> out = new ArrayList<>();
            for (int i = 0; i < request.getFrameIndicesCount(); i++) {
                out.add(frame(request.getFrameIndices(i), op + ".frame_indices[" + i + "]"));
            }
            return out;
        }

        /** A received frame by its (uint32) index; INVALID_ARGUMENT naming the field with the real value otherwise. */
        private DecodedFrame frame(int rawIndex, String field) {
            FrameStore frames = intake.frames();
            long index = Fields.unsigned(rawIndex);
            if (index >= frames.size()) {
                throw Errors.invalid(field, "frame " + index + " has not been received (" + frames.size()
                        + " frames so far)");
            }
            return frames.get((int) index);
        }

        private static Image image(TileRenderer.Tile t) {
            return Image.newBuilder().setJpeg(com.google.protobuf.ByteString.copyFrom(t.jpeg())).setWidth(t.width())
                    .setHeight(t.height()).build();
        }

        @Override
        public void track(Track request, Consumer<MaskFrame> sink) {
            FrameStore frames = intake.frames();
            if (frames.size() == 0) {
                throw Errors.invalid("frame", "no frame was received to track through (send frame or media "
                        + "messages before half-close)");
            }
            if (request.getPromptsCount() == 0) {
                // Nothing to track (selection found no object): every frame still gets its MaskFrame.
                for (int t = 0; t < frames.size(); t++) {
                    sink.accept(MaskFrame.newBuilder().setFrameIndex(t).setTimestampUs(frames.timestampUs(t))
                            .setDirection(dev.refseg.v1.PassDirection.PASS_DIRECTION_FORWARD).build());
                }
                return;
            }
            int start = frame(request.getStartFrameIndex(), "track.start_frame_index").index();
            int objects = (int) request.getPromptsList().stream().mapToInt(TrackPrompt::getObjectId).distinct().count();
            try (AutoCloseable reserved = objectBudget.reserve("tracking", objects);
                    TrackerState state = tracker.init(frames::get, frames.size(), intake.width(), intake.height(),
                            prefetched)) {
                trackers.incrementAndGet();
                try {
                    for (int i = 0; i < request.getPromptsCount(); i++) {
                        prompt(state, request.getPrompts(i), "prompts[" + i + "]");
                    }
                    boolean prompted = request.getPromptsList().stream().anyMatch(p -> p.getFrameIndex() == start);
                    tracker.propagate(state, prompted ? start : tracker.earliestPrompt(state), (t, dir, masks) ->
                            sink.accept(LiveTracking.maskFrame(t, frames.timestampUs(t), dir, masks,
                                    request.getIncludePng())));
                } finally {
                    trackers.decrementAndGet();
                }
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw Errors.internal("tracking state could not be freed: " + e, e);
            }
        }

        @Override
        public void beginLive(BeginLive request) {
            if (!online) {
                throw Errors.precondition("begin_live: the session was not opened online (open.online)");
            }
            if (live != null) {
                throw Errors.precondition("begin_live: live tracking has already begun");
            }
            FrameStore frames = intake.frames();
            if (frames.size() == 0) {
                throw Errors.precondition("begin_live: no frame has been received");
            }
            int maxCond = request.getMaxConditioningFrames() == 0 ? 4
                    : Fields.uint("begin_live.max_conditioning_frames", request.getMaxConditioningFrames(), 2, 64);
            int keep = Fields.uint("begin_live.keep_recent_frames", request.getKeepRecentFrames(), 0, 10_000);
            if (request.getPromptsCount() == 0) {
                live = new LiveTracking(tracker, frames, null, () -> { }, 0, false, keep);
                return;
            }
            int start = frame(request.getStartFrameIndex(), "begin_live.start_frame_index").index();
            for (int i = 0; i < request.getPromptsCount(); i++) {
                if (Fields.unsigned(request.getPrompts(i).getFrameIndex()) > start) {
                    throw Errors.invalid("begin_live.prompts[" + i + "].frame_index", "is "
                            + Fields.unsigned(request.getPrompts(i).getFrameIndex())
                            + "; every prompt is on the start frame " + start + " or before it");
                }
            }
            int objects = (int) request.getPromptsList().stream().mapToInt(TrackPrompt::getObjectId).distinct().count();
            AutoCloseable reserved = objectBudget.reserve("begin_live.prompts", objects);
            // The features the selection prefetched (the key frame first) are taken, not encoded again.
            TrackerState state = tracker.initLive(frames::get, frames.size(), intake.width(), intake.height(), maxCond,
                    prefetched);
            trackers.incrementAndGet();
            AutoCloseable release = () -> {
                try (reserved; state) {
                    trackers.decrementAndGet();
                }
            };
            try {
                for (int i = 0; i < request.getPromptsCount(); i++) {
                    prompt(state, request.getPrompts(i), "begin_live.prompts[" + i + "]");
                }
            } catch (RuntimeException e) {
                new LiveTracking(tracker, frames, state, release, start, false, keep).close();
                throw e;
            }
            live = new LiveTracking(tracker, frames, state, release, start, request.getIncludePng(), keep);
        }

        @Override
        public LiveStep trackLive(TrackLive request) {
            if (live == null) {
                throw Errors.precondition("track_live: live tracking has not begun (send begin_live first)");
            }
            int max = request.getMaxFrames() == 0 ? 8 : Fields.uint("track_live.max_frames", request.getMaxFrames(), 1, 256);
            int backlog = Fields.uint("track_live.max_backlog", request.getMaxBacklog(), 0, 1 << 20);
            return live.step(max, backlog, request.getHold() ? (int) Math.min(Integer.MAX_VALUE,
                    Fields.unsigned(request.getHoldFromFrameIndex())) : Integer.MAX_VALUE);
        }

        @Override
        public dev.refseg.v1.LiveStep reseedLive(ReseedLive request) {
            if (live == null) {
                throw Errors.precondition("reseed_live: live tracking has not begun (send begin_live first)");
            }
            TrackerState state = live.state();
            if (state == null) {
                throw Errors.precondition("reseed_live: live tracking has no objects to re-seed");
            }
            FrameStore frames = intake.frames();
            tracker.received(state, frames.size());
            for (int i = 0; i < request.getPromptsCount(); i++) {
                TrackPrompt p = request.getPrompts(i);
                String field = "reseed_live.prompts[" + i + "]";
                if (!state.objectIds().contains(p.getObjectId())) {
                    throw Errors.invalid(field + ".object_id", "is " + p.getObjectId() + " but live tracking tracks "
                            + state.objectIds() + "; re-seeding does not add objects");
                }
                if (Fields.unsigned(p.getFrameIndex()) < frames.firstHeld()) {
                    throw Errors.invalid(field + ".frame_index", "is " + p.getFrameIndex() + " but frames before "
                            + frames.firstHeld() + " were forgotten (keep_recent_frames, or hold in track_live)");
                }
                prompt(state, p, field);
            }
            int from = request.getPromptsList().stream().mapToInt(TrackPrompt::getFrameIndex).min().orElse(Integer.MAX_VALUE);
            return dev.refseg.v1.LiveStep.newBuilder().setFramesRetracked(live.retrack(from)).build();
        }

        /** Seeds one prompt after checking it as the public Prompt is checked (ids, frame, region within the frame). */
        private void prompt(TrackerState state, TrackPrompt p, String field) {
            int object = Regions.objectId(field + ".object_id", p.getObjectId());
            long frame = Fields.unsigned(p.getFrameIndex());
            if (frame >= state.numFrames()) {
                throw Errors.invalid(field + ".frame_index", "is " + frame + " but only "
                        + state.numFrames() + " frames were received");
            }
            int w = intake.width();
            int h = intake.height();
            switch (p.getRegionCase()) {
                case BOX -> tracker.addBox(state, object, (int) frame,
                        Regions.boxInFrame(field + ".box", p.getBox(), w, h));
                case MASK -> tracker.addMask(state, object, (int) frame,
                        Regions.maskOfFrame(field + ".mask", p.getMask(), w, h));
                default -> throw Errors.invalid(field, "needs a box or a mask");
            }
        }

        @Override
        public synchronized void close() {
            if (!closed) {
                closed = true;
                if (live != null) {
                    live.close();
                }
                prefetched.close();
                intake.close();
                open.decrementAndGet();
            }
        }
    }
}
