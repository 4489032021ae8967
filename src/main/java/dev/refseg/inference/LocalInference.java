package dev.refseg.inference;

import dev.refseg.detect.BertTokenizer;
import dev.refseg.detect.Detection;
import dev.refseg.detect.GroundingDinoDetector;
import dev.refseg.errors.Errors;
import dev.refseg.keyselect.TileRenderer;
import dev.refseg.mask.BinaryMask;
import dev.refseg.mask.MaskProtos;
import dev.refseg.mask.PixelBox;
import dev.refseg.media.DecodedFrame;
import dev.refseg.media.FrameStore;
import dev.refseg.media.IntakeLimits;
import dev.refseg.media.IntakeSession;
import dev.refseg.media.MediaSettings;
import dev.refseg.media.OrientationReport;
import dev.refseg.sam2.FeatureCache;
import dev.refseg.sam2.Sam2Graphs;
import dev.refseg.sam2.Sam2Tracker;
import dev.refseg.sam2.TrackedMask;
import dev.refseg.sam2.TrackerState;
import dev.refseg.v1.AudioChunk;
import dev.refseg.v1.Candidate;
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
    private final IntakeLimits limits;
    private final long maxMediaBytes;
    private final Path workRoot;
    private final double defaultFps;
    private final ModelRegistry models;
    private final Sam2Tracker tracker;
    /** Null when the model directory has no detector (text referents then answer FAILED_PRECONDITION). */
    private final GroundingDinoDetector detector;
    private final Sam2Graphs.GraphTimer timer;
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicInteger trackers = new AtomicInteger();

    private final int prefetchFrames;
    private final MediaSettings media;

    public LocalInference(IntakeLimits limits, long maxMediaBytes, Path workRoot, double defaultFps,
            ModelRegistry models, Sam2Graphs.GraphTimer timer) {
        this(limits, maxMediaBytes, workRoot, defaultFps, models, timer, 0);
    }

    /** @param prefetchFrames most frames per session whose encoder output may be computed ahead of tracking */
    public LocalInference(IntakeLimits limits, long maxMediaBytes, Path workRoot, double defaultFps,
            ModelRegistry models, Sam2Graphs.GraphTimer timer, int prefetchFrames) {
        this(limits, maxMediaBytes, workRoot, defaultFps, models, timer, prefetchFrames, MediaSettings.defaults());
    }

    /** @param media how FFmpeg probes streams and how long a stalled decoder is waited for */
    public LocalInference(IntakeLimits limits, long maxMediaBytes, Path workRoot, double defaultFps,
            ModelRegistry models, Sam2Graphs.GraphTimer timer, int prefetchFrames, MediaSettings media) {
        this.media = media;
        this.prefetchFrames = prefetchFrames;
        this.limits = limits;
        this.maxMediaBytes = maxMediaBytes;
        this.workRoot = workRoot;
        this.defaultFps = defaultFps;
        this.models = models;
        this.tracker = new Sam2Tracker(Sam2Graphs.of(models, timer));
        this.timer = timer;
        this.detector = models.has(DETECTOR) ? new GroundingDinoDetector(models.runtime().environment(),
                models.session(DETECTOR), tokenizer(models)) : null;
    }

    static final String DETECTOR = "gdino.detector";
    static final String TOKENIZER = "gdino.tokenizer";

    /** The detector's BERT vocabulary (vocab.txt), named in the manifest beside the graph. */
    private static BertTokenizer tokenizer(ModelRegistry models) {
        Path vocab = models.companion(TOKENIZER).orElseThrow(() -> new ModelLoadException(ModelManifest.FILE
                + " in " + models.dir() + " names " + DETECTOR + " but no " + TOKENIZER
                + " (the bert-base-uncased vocab.txt the export was made with)"));
        try {
            return BertTokenizer.load(vocab);
        } catch (IOException | RuntimeException e) {
            throw new ModelLoadException("cannot read " + TOKENIZER + " " + vocab + ": " + e.getMessage(), e);
        }
    }

    public ModelRegistry models() {
        return models;
    }

    @Override
    public MediaSession openSession(OpenSession request) {
        double fps = request.getFps() > 0 ? request.getFps() : defaultFps;
        IntakeSession intake = new IntakeSession(limits, maxMediaBytes, workRoot, fps,
                media.withKeepStoredOrientation(request.getKeepStoredOrientation()));
        open.incrementAndGet();
        return new Local(intake);
    }

    @Override
    public boolean hasDetector() {
        return detector != null;
    }

    @Override
    public int openSessions() {
        return open.get();
    }

    @Override
    public int liveTrackers() {
        return trackers.get();
    }

    private final class Local implements MediaSession {
        private final IntakeSession intake;
        private final FeatureCache prefetched = new FeatureCache(prefetchFrames);
        private boolean closed;

        Local(IntakeSession intake) {
            this.intake = intake;
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
            return u.build();
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
                throw Errors.invalid("draw_boxes.pivot_frame_index", "frame " + request.getPivotFrameIndex()
                        + " is not among the frames to tile " + request.getFrameIndicesList());
            }
            if (request.getBoxesCount() > dev.refseg.keyselect.BoxColours.NAMES.size()) {
                throw Errors.invalid("draw_boxes.boxes", "has " + request.getBoxesCount() + " boxes; at most "
                        + dev.refseg.keyselect.BoxColours.NAMES.size() + " can be told apart by colour");
            }
            List<PixelBox> boxes = request.getBoxesList().stream().map(MaskProtos::fromBox).toList();
            return image(TileRenderer.renderWithBoxes(shown, pivot, boxes));
        }

        @Override
        public Candidates detect(Detect request) {
            if (detector == null) {
                throw Errors.precondition("text referents need a detector: add " + DETECTOR + " to "
                        + models.dir().resolve(ModelManifest.FILE));
            }
            DecodedFrame f = frame(request.getFrameIndex(), "detect.frame_index");
            Candidates.Builder out = Candidates.newBuilder().setFrameIndex(request.getFrameIndex());
            long t0 = System.nanoTime();
            List<Detection> found = detector.detect(f, request.getCaption(), request.getBoxThreshold(),
                    request.getTextThreshold(), Math.max(1, request.getMaxCandidates()));
            timer.record(DETECTOR, System.nanoTime() - t0);
            for (Detection d : found) {
                out.addCandidates(Candidate.newBuilder().setBox(MaskProtos.box(d.box())).setScore(d.score())
                        .setPhrase(d.phrase()));
            }
            return out.build();
        }

        @Override
        public PrefetchResult prefetch(Prefetch request) {
            for (int i : request.getFrameIndicesList()) {
                if (!tracker.prefetch(frame(i, "prefetch.frame_indices"), prefetched)) {
                    break;
                }
            }
            return PrefetchResult.newBuilder().setFramesCached(prefetched.size()).setFull(prefetched.isFull()).build();
        }

        private List<DecodedFrame> frames(RenderTile request, String op) {
            if (request.getFrameIndicesCount() == 0 || request.getFrameIndicesCount() > 16) {
                throw Errors.invalid(op + ".frame_indices", "has " + request.getFrameIndicesCount()
                        + " frames; tile 1 to 16");
            }
            List<DecodedFrame> out = new ArrayList<>();
            for (int i : request.getFrameIndicesList()) {
                out.add(frame(i, op + ".frame_indices"));
            }
            return out;
        }

        private DecodedFrame frame(int index, String field) {
            FrameStore frames = intake.frames();
            if (index < 0 || index >= frames.size()) {
                throw Errors.invalid(field, "frame " + index + " has not been received (" + frames.size()
                        + " frames so far)");
            }
            return frames.get(index);
        }

        private static Image image(TileRenderer.Tile t) {
            return Image.newBuilder().setJpeg(com.google.protobuf.ByteString.copyFrom(t.jpeg())).setWidth(t.width())
                    .setHeight(t.height()).build();
        }

        @Override
        public void track(Track request, Consumer<MaskFrame> sink) {
            FrameStore frames = intake.frames();
            if (frames.size() == 0) {
                throw Errors.invalid("frames", "no frames were received to track through");
            }
            if (request.getPromptsCount() == 0) {
                // Nothing to track (selection found no object): every frame still gets its MaskFrame.
                for (int t = 0; t < frames.size(); t++) {
                    sink.accept(MaskFrame.newBuilder().setFrameIndex(t).setTimestampUs(frames.timestampUs(t))
                            .setDirection(dev.refseg.v1.PassDirection.PASS_DIRECTION_FORWARD).build());
                }
                return;
            }
            try (TrackerState state = tracker.init(frames::get, frames.size(), intake.width(), intake.height(),
                    prefetched)) {
                trackers.incrementAndGet();
                try {
                    for (int i = 0; i < request.getPromptsCount(); i++) {
                        prompt(state, request.getPrompts(i), "prompts[" + i + "]");
                    }
                    int start = request.getStartFrameIndex();
                    boolean prompted = request.getPromptsList().stream().anyMatch(p -> p.getFrameIndex() == start);
                    tracker.propagate(state, prompted ? start : tracker.earliestPrompt(state), (t, dir, masks) -> {
                        MaskFrame.Builder f = MaskFrame.newBuilder().setFrameIndex(t)
                                .setTimestampUs(frames.timestampUs(t)).setDirection(dir);
                        for (TrackedMask m : masks) {
                            f.addObjects(MaskProtos.objectMask(m.objId(), m.mask(), m.score(), m.present(),
                                    request.getIncludePng()));
                        }
                        sink.accept(f.build());
                    });
                } finally {
                    trackers.decrementAndGet();
                }
            }
        }

        private void prompt(TrackerState state, TrackPrompt p, String field) {
            if (p.getObjectId() == 0) {
                throw Errors.invalid(field + ".object_id", "must be 1 or more");
            }
            if (p.getFrameIndex() >= state.numFrames()) {
                throw Errors.invalid(field + ".frame_index", "is " + p.getFrameIndex() + " but only "
                        + state.numFrames() + " frames were received");
            }
            switch (p.getRegionCase()) {
                case BOX -> {
                    PixelBox b = MaskProtos.fromBox(p.getBox());
                    if (!(b.x2() > b.x1() && b.y2() > b.y1()) || !Float.isFinite(b.area())) {
                        throw Errors.invalid(field + ".box", "needs x1 < x2 and y1 < y2, got " + b);
                    }
                    tracker.addBox(state, p.getObjectId(), p.getFrameIndex(), b);
                }
                case MASK -> {
                    BinaryMask m = MaskProtos.fromRle(p.getMask(), field + ".mask");
                    tracker.addMask(state, p.getObjectId(), p.getFrameIndex(), m);
                }
                default -> throw Errors.invalid(field, "needs a box or a mask");
            }
        }

        @Override
        public synchronized void close() {
            if (!closed) {
                closed = true;
                prefetched.clear();
                intake.close();
                open.decrementAndGet();
            }
        }
    }
}
