package dev.refseg.api;

import dev.refseg.errors.Errors;
import dev.refseg.errors.Fields;
import dev.refseg.mask.Regions;
import dev.refseg.media.IntakeLimits;
import dev.refseg.v1.IntakeUpdate;
import dev.refseg.inference.InferenceBackend;
import dev.refseg.inference.ObjectBudget;
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
    private final IntakeLimits limits;
    private PropagateStart start;
    private volatile MediaSession media;
    /** Whether the prompts have been checked against the frame size (done once the first frame is in). */
    private boolean regionsChecked;

    PropagateCall(ServerCallStreamObserver<MaskFrame> responses, Executor workers, InferenceBackend inference,
            SessionSlots slots, SegmentMetrics metrics, CallWatchdog watchdog, Draining draining, IntakeLimits limits) {
        super(responses, workers, slots, metrics, watchdog, draining, "Propagate");
        this.inference = inference;
        this.metrics = metrics;
        this.limits = limits;
    }

    @Override
    protected void handle(PropagateRequest r) {
        if (start == null && r.getPayloadCase() != PropagateRequest.PayloadCase.START) {
            throw Errors.invalid("start", "the first message must be start, got " + SegmentCall.name(r.getPayloadCase()));
        }
        switch (r.getPayloadCase()) {
            case START -> begin(r.getStart());
            case FRAME -> count(media.addFrame(r.getFrame()));
            case MEDIA -> count(media.addMedia(r.getMedia()));
            default -> throw Errors.invalid("payload", "the message carries nothing");
        }
    }

    private int framesSeen;

    private void count(IntakeUpdate u) {
        metrics.frames(u.getFramesDecoded() - framesSeen);
        framesSeen = u.getFramesDecoded();
        if (!regionsChecked && framesSeen > 0) {
            regionsChecked = true;
            for (int i = 0; i < start.getPromptsCount(); i++) {
                Prompt p = start.getPrompts(i);
                String field = "start.prompts[" + i + "]";
                if (p.hasBox()) {
                    Regions.boxInFrame(field + ".box", p.getBox(), u.getWidth(), u.getHeight());
                } else {
                    Regions.maskOfFrame(field + ".mask", p.getMask(), u.getWidth(), u.getHeight());
                }
            }
        }
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
            checkPrompt(s.getPrompts(i), "start.prompts[" + i + "]");
        }
        long objects = s.getPromptsList().stream().mapToInt(Prompt::getObjectId).distinct().count();
        if (objects > inference.maxTrackedObjects()) { // refused before any frame is sent
            throw Errors.limit("start.prompts", "objects", objects, ObjectBudget.KEY, inference.maxTrackedObjects());
        }
        acquireSlot();
        start = s;
        media = inference.openSession(OpenSession.newBuilder().setTag("propagate")
                .setKeepStoredOrientation(s.getKeepStoredOrientation()).build());
    }

    /** What can be checked before the frame size is known; the rest once the first frame is in ({@link #count}). */
    private void checkPrompt(Prompt p, String field) {
        Regions.objectId(field + ".object_id", p.getObjectId());
        Fields.uint(field + ".frame_index", p.getFrameIndex(), 0, limits.maxFrames() - 1L,
                IntakeLimits.KEY_FRAMES + " = " + limits.maxFrames());
        switch (p.getRegionCase()) {
            case BOX -> Regions.box(field + ".box", p.getBox());
            case MASK -> Regions.maskSize(field + ".mask", p.getMask(), limits.maxHeight(), IntakeLimits.KEY_HEIGHT,
                    limits.maxWidth(), IntakeLimits.KEY_WIDTH);
            default -> throw Errors.invalid(field, "needs a box or a mask");
        }
    }

    @Override
    protected void inputComplete() {
        if (start == null) {
            throw Errors.invalid("start", "the stream ended without a start message");
        }
        count(media.endOfInput());
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
        try {
            media.track(t.build(), frame -> {
                out.send(frame);
                metrics.frameOut();
                sent[0]++;
            });
        } catch (io.grpc.StatusRuntimeException e) {
            // The tracker checks its own request's prompts[i]; the client sent them as start.prompts[i].
            throw Errors.atClientPath(e, "prompts[", "start.prompts[");
        }
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
