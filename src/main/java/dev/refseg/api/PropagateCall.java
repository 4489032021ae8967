package dev.refseg.api;

import dev.refseg.errors.Errors;
import dev.refseg.inference.InferenceBackend;
import dev.refseg.inference.MediaSession;
import dev.refseg.segment.SegmentMetrics;
import dev.refseg.segment.SessionSlots;
import dev.refseg.v1.MaskFrame;
import dev.refseg.v1.OpenSession;
import dev.refseg.v1.PropagateRequest;
import dev.refseg.v1.PropagateStart;
import dev.refseg.v1.Prompt;
import dev.refseg.v1.Track;
import dev.refseg.v1.TrackPrompt;
import io.grpc.stub.ServerCallStreamObserver;
import java.util.concurrent.Executor;

/**
 * One Propagate call: prompts first, then frames or media, then half-close; then one MaskFrame per
 * frame, streamed as the tracker computes it (forward from the earliest prompt, then backward).
 */
final class PropagateCall extends StreamingCall<PropagateRequest, MaskFrame> {
    private final InferenceBackend inference;
    private final SegmentMetrics metrics;
    private PropagateStart start;
    private volatile MediaSession media;

    PropagateCall(ServerCallStreamObserver<MaskFrame> responses, Executor workers, InferenceBackend inference,
            SessionSlots slots, SegmentMetrics metrics, CallWatchdog watchdog) {
        super(responses, workers, slots, metrics, watchdog, "Propagate");
        this.inference = inference;
        this.metrics = metrics;
    }

    @Override
    protected void handle(PropagateRequest r) {
        if (start == null && r.getPayloadCase() != PropagateRequest.PayloadCase.START) {
            throw Errors.invalid("start", "the first message must be start, got " + SegmentCall.name(r.getPayloadCase()));
        }
        switch (r.getPayloadCase()) {
            case START -> begin(r.getStart());
            case FRAME -> count(media.addFrame(r.getFrame()).getFramesDecoded());
            case MEDIA -> count(media.addMedia(r.getMedia()).getFramesDecoded());
            default -> throw Errors.invalid("payload", "the message carries nothing");
        }
    }

    private int framesSeen;

    private void count(int frames) {
        metrics.frames(frames - framesSeen);
        framesSeen = frames;
    }

    private void begin(PropagateStart s) {
        if (start != null) {
            throw Errors.invalid("start", "sent twice; a stream has exactly one start, first");
        }
        if (s.getPromptsCount() == 0) {
            throw Errors.invalid("start.prompts", "is empty; give at least one box or mask");
        }
        if (s.getPromptsCount() > 64) {
            throw Errors.invalid("start.prompts", "has " + s.getPromptsCount() + " prompts; at most 64");
        }
        for (int i = 0; i < s.getPromptsCount(); i++) {
            Prompt p = s.getPrompts(i);
            if (p.getObjectId() == 0) {
                throw Errors.invalid("start.prompts[" + i + "].object_id", "must be 1 or more");
            }
            if (p.getRegionCase() == Prompt.RegionCase.REGION_NOT_SET) {
                throw Errors.invalid("start.prompts[" + i + "]", "needs a box or a mask");
            }
        }
        acquireSlot();
        start = s;
        media = inference.openSession(OpenSession.newBuilder().setTag("propagate")
                .setKeepStoredOrientation(s.getKeepStoredOrientation()).build());
    }

    @Override
    protected void inputComplete() {
        if (start == null) {
            throw Errors.invalid("start", "the stream ended without a start message");
        }
        count(media.endOfInput().getFramesDecoded());
        Track.Builder t = Track.newBuilder().setIncludePng(start.getIncludePng());
        for (Prompt p : start.getPromptsList()) {
            TrackPrompt.Builder tp = TrackPrompt.newBuilder().setObjectId(p.getObjectId()).setFrameIndex(p.getFrameIndex());
            if (p.hasBox()) {
                tp.setBox(p.getBox());
            } else {
                tp.setMask(p.getMask());
            }
            t.addPrompts(tp);
        }
        long t0 = System.nanoTime();
        int[] sent = {0};
        media.track(t.build(), frame -> {
            out.send(frame);
            metrics.frameOut();
            sent[0]++;
        });
        java.time.Duration took = java.time.Duration.ofNanos(System.nanoTime() - t0);
        metrics.stage("propagation", took);
        metrics.trackingRate(sent[0], took);
    }

    @Override
    protected void onAbort() {
        MediaSession m = media;
        if (m != null) {
            m.abort();
        }
    }

    @Override
    protected void release() {
        if (media != null) {
            media.close();
        }
    }
}
