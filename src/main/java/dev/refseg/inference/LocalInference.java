package dev.refseg.inference;

import dev.refseg.errors.Errors;
import dev.refseg.mask.BinaryMask;
import dev.refseg.mask.MaskProtos;
import dev.refseg.mask.PixelBox;
import dev.refseg.media.FrameStore;
import dev.refseg.media.IntakeLimits;
import dev.refseg.media.IntakeSession;
import dev.refseg.sam2.Sam2Graphs;
import dev.refseg.sam2.Sam2Tracker;
import dev.refseg.sam2.TrackedMask;
import dev.refseg.sam2.TrackerState;
import dev.refseg.v1.AudioChunk;
import dev.refseg.v1.Frame;
import dev.refseg.v1.IntakeUpdate;
import dev.refseg.v1.MaskFrame;
import dev.refseg.v1.MediaChunk;
import dev.refseg.v1.OpenSession;
import dev.refseg.v1.Track;
import dev.refseg.v1.TrackPrompt;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/** The inference side in the same JVM (embedded role): intake, and SAM 2 tracking over the received frames. */
public final class LocalInference implements InferenceBackend {
    private final IntakeLimits limits;
    private final long maxMediaBytes;
    private final Path workRoot;
    private final double defaultFps;
    private final ModelRegistry models;
    private final Sam2Tracker tracker;
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicInteger trackers = new AtomicInteger();

    public LocalInference(IntakeLimits limits, long maxMediaBytes, Path workRoot, double defaultFps,
            ModelRegistry models, Sam2Graphs.GraphTimer timer) {
        this.limits = limits;
        this.maxMediaBytes = maxMediaBytes;
        this.workRoot = workRoot;
        this.defaultFps = defaultFps;
        this.models = models;
        this.tracker = new Sam2Tracker(Sam2Graphs.of(models, timer));
    }

    public ModelRegistry models() {
        return models;
    }

    @Override
    public MediaSession openSession(OpenSession request) {
        double fps = request.getFps() > 0 ? request.getFps() : defaultFps;
        IntakeSession intake = new IntakeSession(limits, maxMediaBytes, workRoot, fps);
        open.incrementAndGet();
        return new Local(intake);
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
            return IntakeUpdate.newBuilder().setFramesDecoded(intake.framesDecoded()).setWidth(intake.width())
                    .setHeight(intake.height()).setFps(intake.fps()).setAudioSeconds(intake.audioSeconds())
                    .setInputComplete(intake.inputComplete()).build();
        }

        @Override
        public void track(Track request, Consumer<MaskFrame> sink) {
            FrameStore frames = intake.frames();
            if (frames.size() == 0) {
                throw Errors.invalid("frames", "no frames were received to track through");
            }
            try (TrackerState state = tracker.init(frames::get, frames.size(), intake.width(), intake.height())) {
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
                intake.close();
                open.decrementAndGet();
            }
        }
    }
}
