package dev.refseg.inference;

import dev.refseg.v1.AudioChunk;
import dev.refseg.v1.Candidates;
import dev.refseg.v1.Detect;
import dev.refseg.v1.Frame;
import dev.refseg.v1.IntakeUpdate;
import dev.refseg.v1.MaskFrame;
import dev.refseg.v1.Image;
import dev.refseg.v1.MediaChunk;
import dev.refseg.v1.RenderTile;
import dev.refseg.v1.Track;

/**
 * One client call's media on the inference side (frames, audio, later the tracking state). Methods
 * throw {@link io.grpc.StatusRuntimeException} with the status the client should see. Calls come from
 * one thread at a time.
 */
public interface MediaSession extends AutoCloseable {

    IntakeUpdate addFrame(Frame frame);

    /** May block while the decoder is behind (backpressure). */
    IntakeUpdate addMedia(MediaChunk chunk);

    IntakeUpdate addAudio(AudioChunk chunk);

    /** The client half-closed: flushes the decoders; the returned update has input_complete set. */
    IntakeUpdate endOfInput();

    IntakeUpdate status();

    /** The frames tiled top to bottom, numbered 1..n in the order given, as a JPEG for the LLM. */
    Image renderTile(RenderTile request);

    /** As {@link #renderTile}, with the boxes drawn on the pivot in distinct colours, numbered 1..n. */
    Image drawBoxes(RenderTile request);

    /**
     * The audio tagger's labels for the session's audio (AudioChunks, or the container's track when the
     * session was opened with audio_track): the whole clip's top-k, and per window when asked. Call after
     * {@link #endOfInput()}; or, online with {@code live} set, at any time: the windows tagged since the
     * previous live call (see TagAudio.live).
     *
     * @throws io.grpc.StatusRuntimeException FAILED_PRECONDITION without a tagger; INVALID_ARGUMENT naming
     *         {@code audio} when there is no audio or less than the tagger's minimum, or naming the
     *         TagAudio field out of range
     */
    dev.refseg.v1.AudioLabels tagAudio(dev.refseg.v1.TagAudio request);

    /** The detector's candidate boxes on one received frame, best first. */
    Candidates detect(Detect request);

    /**
     * Runs the SAM 2 image encoder on the given frames, in order, ahead of tracking, as far as the
     * session's budget allows; tracking then uses these results instead of encoding again.
     */
    dev.refseg.v1.PrefetchResult prefetch(dev.refseg.v1.Prefetch request);

    /**
     * Seeds the tracker with the prompts and tracks every object through the received frames: forward
     * from the start frame, then backward to frame 0. Each frame's masks go to {@code sink} as soon as
     * they are computed (the sink may block for flow control, or throw to stop). Frees the tracking state
     * before returning. With no prompts, every frame gets an empty MaskFrame.
     */
    void track(Track request, java.util.function.Consumer<MaskFrame> sink);

    /**
     * Online mode: seeds live tracking with the prompts (all on {@code start_frame_index}) on the frames
     * received so far; later {@link #trackLive} steps output the start frame, the backward fill to frame
     * 0, then each received frame in order. From here on the session forgets frames no longer needed
     * (all but {@code keep_recent_frames} before the oldest untracked one). With no prompts every frame
     * gets an empty MaskFrame.
     *
     * @throws io.grpc.StatusRuntimeException INVALID_ARGUMENT naming the BeginLive field out of range or a
     *         prompt not on a received frame; FAILED_PRECONDITION when live tracking has already begun or no
     *         frame was received; RESOURCE_EXHAUSTED past refseg.limits.max-tracked-objects
     */
    default void beginLive(dev.refseg.v1.BeginLive request) {
        throw dev.refseg.errors.Errors.unimplemented("begin_live", "this media session has no live tracking");
    }

    /**
     * Online mode: one bounded step, at most {@code max_frames} MaskFrames in output order (tracked, or
     * skipped when the backlog exceeds {@code max_backlog}), from frames received so far; no masks when
     * caught up. Short, so intake interleaves with it on the one-request-at-a-time session.
     *
     * @throws io.grpc.StatusRuntimeException FAILED_PRECONDITION before {@link #beginLive}; INVALID_ARGUMENT
     *         naming the TrackLive field out of range
     */
    default dev.refseg.v1.LiveStep trackLive(dev.refseg.v1.TrackLive request) {
        throw dev.refseg.errors.Errors.unimplemented("track_live", "this media session has no live tracking");
    }

    /**
     * Online mode, re-acquisition: adds the prompts as new conditioning frames of objects live tracking
     * already tracks, on frames the session still holds; the frames tracked next read them. Frames already
     * answered after the earliest prompt's frame are tracked again, without output, so that their
     * memories (which the next frame reads) see the re-seeded objects.
     *
     * @return a LiveStep with no masks and {@code frames_retracked}
     *
     * @throws io.grpc.StatusRuntimeException FAILED_PRECONDITION before {@link #beginLive} or when live
     *         tracking has no objects; INVALID_ARGUMENT naming the prompt whose object is not tracked or
     *         whose frame is not held
     */
    default dev.refseg.v1.LiveStep reseedLive(dev.refseg.v1.ReseedLive request) {
        throw dev.refseg.errors.Errors.unimplemented("reseed_live", "this media session has no live tracking");
    }

    /**
     * Unblocks whatever the session's owner waits on (a decoder behind on a full pipe, a decoder
     * finishing, an audio decode), from any thread, because the call is ending: the blocked method
     * returns with an error soon. Frees nothing; the owner still calls {@link #close()}. Idempotent.
     */
    void abort();

    /** Frees everything the session holds. Idempotent. */
    @Override
    void close();
}
