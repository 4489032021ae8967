package dev.refseg.inference;

import dev.refseg.media.IntakeLimits;
import dev.refseg.media.IntakeSession;
import dev.refseg.v1.AudioChunk;
import dev.refseg.v1.Frame;
import dev.refseg.v1.IntakeUpdate;
import dev.refseg.v1.MediaChunk;
import dev.refseg.v1.OpenSession;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/** The inference side in the same JVM (embedded role): media sessions backed by {@link IntakeSession}. */
public final class LocalInference implements InferenceBackend {
    private final IntakeLimits limits;
    private final long maxMediaBytes;
    private final Path workRoot;
    private final double defaultFps;
    private final ModelRegistry models;
    private final AtomicInteger open = new AtomicInteger();

    public LocalInference(IntakeLimits limits, long maxMediaBytes, Path workRoot, double defaultFps,
            ModelRegistry models) {
        this.limits = limits;
        this.maxMediaBytes = maxMediaBytes;
        this.workRoot = workRoot;
        this.defaultFps = defaultFps;
        this.models = models;
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
        public synchronized void close() {
            if (!closed) {
                closed = true;
                intake.close();
                open.decrementAndGet();
            }
        }
    }
}
