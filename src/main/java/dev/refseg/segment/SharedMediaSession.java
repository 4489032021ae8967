package dev.refseg.segment;

import dev.refseg.inference.MediaSession;
import dev.refseg.v1.AudioChunk;
import dev.refseg.v1.AudioLabels;
import dev.refseg.v1.BeginLive;
import dev.refseg.v1.Candidates;
import dev.refseg.v1.Detect;
import dev.refseg.v1.Frame;
import dev.refseg.v1.Image;
import dev.refseg.v1.IntakeUpdate;
import dev.refseg.v1.LiveStep;
import dev.refseg.v1.MaskFrame;
import dev.refseg.v1.MediaChunk;
import dev.refseg.v1.Prefetch;
import dev.refseg.v1.PrefetchResult;
import dev.refseg.v1.RenderTile;
import dev.refseg.v1.TagAudio;
import dev.refseg.v1.Track;
import dev.refseg.v1.TrackLive;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A {@link MediaSession} that two threads of one online call share: the call's worker (intake) and its
 * tracking driver (selection, then live tracking). Each operation holds the session for its own length
 * only, so the sidecar still sees one request at a time while intake and tracking take turns between
 * short ops. {@link #abort()} takes no lock: it is what unblocks a waiting op.
 */
final class SharedMediaSession implements MediaSession {
    private final MediaSession media;
    /** Fair: neither side can starve the other of the one-request-at-a-time session. */
    private final ReentrantLock turn = new ReentrantLock(true);

    SharedMediaSession(MediaSession media) {
        this.media = media;
    }

    private <T> T locked(Supplier<T> op) {
        turn.lock();
        try {
            return op.get();
        } finally {
            turn.unlock();
        }
    }

    @Override
    public IntakeUpdate addFrame(Frame frame) {
        return locked(() -> media.addFrame(frame));
    }

    @Override
    public IntakeUpdate addMedia(MediaChunk chunk) {
        return locked(() -> media.addMedia(chunk));
    }

    @Override
    public IntakeUpdate addAudio(AudioChunk chunk) {
        return locked(() -> media.addAudio(chunk));
    }

    @Override
    public IntakeUpdate endOfInput() {
        return locked(media::endOfInput);
    }

    @Override
    public IntakeUpdate status() {
        return locked(media::status);
    }

    @Override
    public Image renderTile(RenderTile request) {
        return locked(() -> media.renderTile(request));
    }

    @Override
    public Image drawBoxes(RenderTile request) {
        return locked(() -> media.drawBoxes(request));
    }

    @Override
    public AudioLabels tagAudio(TagAudio request) {
        return locked(() -> media.tagAudio(request));
    }

    @Override
    public Candidates detect(Detect request) {
        return locked(() -> media.detect(request));
    }

    @Override
    public PrefetchResult prefetch(Prefetch request) {
        return locked(() -> media.prefetch(request));
    }

    @Override
    public void track(Track request, Consumer<MaskFrame> sink) {
        locked(() -> {
            media.track(request, sink);
            return null;
        });
    }

    @Override
    public void beginLive(BeginLive request) {
        locked(() -> {
            media.beginLive(request);
            return null;
        });
    }

    @Override
    public dev.refseg.v1.LiveStep reseedLive(dev.refseg.v1.ReseedLive request) {
        return locked(() -> media.reseedLive(request));
    }

    @Override
    public LiveStep trackLive(TrackLive request) {
        return locked(() -> media.trackLive(request));
    }

    @Override
    public void abort() {
        media.abort();
    }

    @Override
    public void close() {
        locked(() -> {
            media.close();
            return null;
        });
    }
}
