package dev.refseg.segment;

import dev.refseg.errors.Errors;
import dev.refseg.inference.MediaSession;
import dev.refseg.v1.AudioChunk;
import dev.refseg.v1.AudioLabels;
import dev.refseg.v1.Candidates;
import dev.refseg.v1.Detect;
import dev.refseg.v1.Frame;
import dev.refseg.v1.Image;
import dev.refseg.v1.IntakeUpdate;
import dev.refseg.v1.MaskFrame;
import dev.refseg.v1.MediaChunk;
import dev.refseg.v1.Prefetch;
import dev.refseg.v1.PrefetchResult;
import dev.refseg.v1.RenderTile;
import dev.refseg.v1.TagAudio;
import dev.refseg.v1.Track;
import java.util.function.Consumer;

/**
 * A recent window of a live stream seen as a short video of its own, for a re-selection: frame {@code i}
 * of the view is stream frame {@code first + i}, so {@link TextSelection} runs on it unchanged (its
 * windows, key frames and last resort count from 0) and the gateway adds {@code first} back to what it
 * chose. Only the selection's reads pass through (tiles, boxes drawn, detections); intake, tracking and
 * prefetching are not the view's to do.
 */
final class RecentWindow implements MediaSession {
    private final MediaSession media;
    private final int first;
    private final int frames;

    /**
     * @param media  the call's shared session
     * @param first  the stream index of the window's first frame
     * @param frames the window's length
     */
    RecentWindow(MediaSession media, int first, int frames) {
        this.media = media;
        this.first = first;
        this.frames = frames;
    }

    /** The stream index of the view's frame {@code i}. */
    int streamIndex(int i) {
        if (i < 0 || i >= frames) {
            throw new IllegalArgumentException("frame " + i + " is outside the " + frames + "-frame window");
        }
        return first + i;
    }

    private RenderTile shifted(RenderTile r) {
        RenderTile.Builder b = r.toBuilder().clearFrameIndices().setPivotFrameIndex(streamIndex(r.getPivotFrameIndex()));
        r.getFrameIndicesList().forEach(i -> b.addFrameIndices(streamIndex(i)));
        return b.build();
    }

    @Override
    public Image renderTile(RenderTile request) {
        return media.renderTile(shifted(request));
    }

    @Override
    public Image drawBoxes(RenderTile request) {
        return media.drawBoxes(shifted(request));
    }

    @Override
    public Candidates detect(Detect request) {
        Candidates c = media.detect(request.toBuilder().setFrameIndex(streamIndex(request.getFrameIndex())).build());
        return c.toBuilder().setFrameIndex(request.getFrameIndex()).build();
    }

    /** Live tracking encodes its own frames as they come: nothing is encoded ahead for a re-seed. */
    @Override
    public PrefetchResult prefetch(Prefetch request) {
        return PrefetchResult.newBuilder().setFull(true).build();
    }

    @Override
    public IntakeUpdate status() {
        return IntakeUpdate.newBuilder().setFramesDecoded(frames).setInputComplete(true).build();
    }

    @Override
    public IntakeUpdate addFrame(Frame frame) {
        throw notHere("add_frame");
    }

    @Override
    public IntakeUpdate addMedia(MediaChunk chunk) {
        throw notHere("add_media");
    }

    @Override
    public IntakeUpdate addAudio(AudioChunk chunk) {
        throw notHere("add_audio");
    }

    @Override
    public IntakeUpdate endOfInput() {
        throw notHere("end_of_input");
    }

    @Override
    public AudioLabels tagAudio(TagAudio request) {
        throw notHere("tag_audio");
    }

    @Override
    public void track(Track request, Consumer<MaskFrame> sink) {
        throw notHere("track");
    }

    private static RuntimeException notHere(String op) {
        return Errors.internal(op + " on a re-selection's window: only the selection's reads go through it", null);
    }

    /** The call's session is the call's to abort and close, not the view's. */
    @Override
    public void abort() {
    }

    @Override
    public void close() {
    }
}
