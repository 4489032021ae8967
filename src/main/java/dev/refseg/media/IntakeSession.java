package dev.refseg.media;

import dev.refseg.errors.Errors;
import dev.refseg.errors.Fields;
import dev.refseg.v1.AudioChunk;
import dev.refseg.v1.Frame;
import dev.refseg.v1.ImageFormat;
import dev.refseg.v1.MediaChunk;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Everything one session receives: frames (images checked but not decoded, or pictures decoded from
 * container chunks) into a {@link FrameStore}, and the audio track. Enforces the per-session limits and
 * the stream rules (frames numbered 0, 1, 2, ... in order; one displayed frame size per stream; frames or
 * media, not both). Not thread-safe for callers: one intake thread feeds it; the container decoder
 * thread only calls the frame sink, whose shared checks are synchronized.
 * <p>
 * <b>The session's audio</b> ({@link #audio16k()}, {@link #audioSource()}) is one thing whatever its
 * source: the AudioChunks when the client sends any; otherwise, when the session was opened with
 * {@code audioTrack}, the audio track of the container its MediaChunks carry; otherwise none. The
 * container's track is decoded alongside its video only while no AudioChunk has come: one arriving before
 * the first MediaChunk means it is never decoded, one arriving later stops its decoding and discards what
 * it gave (failures included), so the outcome does not depend on where in the stream the AudioChunks are.
 */
public final class IntakeSession implements AutoCloseable {
    /** {@link #audioSource()}: the audio came as AudioChunks. */
    public static final String AUDIO_FROM_CHUNKS = "audio chunks";
    /** {@link #audioSource()}: the audio is the container's audio track. */
    public static final String AUDIO_FROM_CONTAINER = "container audio track";
    /** {@link #audioSource()}: the session has no audio. */
    public static final String NO_AUDIO = "";

    private final IntakeLimits limits;
    private final long maxMediaBytes;
    private final Path workRoot;
    private final double defaultFps;
    private final MediaSettings media;
    private final ImageDecoder images;
    private final FrameStore store;
    private final AudioTrack audio;
    /** Whether the container's audio track is wanted (audio referents); never decoded for text referents. */
    private final boolean audioTrack;
    private volatile ContainerDecoder container;
    private Path workDir;
    private int mediaChunks;
    private int width;
    private int height;
    private long firstTimestampUs = Long.MIN_VALUE;
    private long lastTimestampUs = Long.MIN_VALUE;
    /** The first frame's orientation (images) — containers report their own. */
    private volatile OrientationReport imageOrientation;
    private boolean inputComplete;
    private volatile boolean aborted;

    /**
     * A session whose audio comes from AudioChunks only.
     *
     * @param media how FFmpeg is driven, and whether frames keep their stored orientation
     */
    public IntakeSession(IntakeLimits limits, long maxMediaBytes, Path workRoot, double defaultFps,
            MediaSettings media) {
        this(limits, maxMediaBytes, workRoot, defaultFps, media, false);
    }

    /**
     * @param media      how FFmpeg is driven, and whether frames keep their stored orientation
     * @param audioTrack also decode the audio track of MediaChunks when no AudioChunk comes (see the class
     *                   comment); false costs nothing for audio
     */
    public IntakeSession(IntakeLimits limits, long maxMediaBytes, Path workRoot, double defaultFps,
            MediaSettings media, boolean audioTrack) {
        this.audioTrack = audioTrack;
        this.limits = limits;
        this.maxMediaBytes = maxMediaBytes;
        this.workRoot = workRoot;
        this.defaultFps = defaultFps;
        this.media = media;
        this.images = new ImageDecoder(limits, media.keepStoredOrientation());
        this.audio = new AudioTrack(limits);
        this.store = new FrameStore(workRoot, images);
    }

    public FrameStore frames() {
        return store;
    }

    public AudioTrack audio() {
        return audio;
    }

    public void addFrame(Frame f) {
        int next = store.size();
        String field = "frame[" + next + "]";
        if (container != null) {
            throw Errors.invalid(field, "this stream already sends media chunks; send frames or media chunks, not both");
        }
        if (Fields.unsigned(f.getIndex()) != next) {
            throw Errors.invalid(field + ".index", "is " + Fields.unsigned(f.getIndex()) + ", expected " + next
                    + " (frames are numbered 0, 1, 2, ... in order, without gaps)");
        }
        // Checked whatever the format, so that no size is ever read as a negative int; either way up fits
        // (IntakeLimits.checkFrameSize), so each side is bounded here by the larger limit.
        long w = Fields.unsigned(f.getWidth());
        long h = Fields.unsigned(f.getHeight());
        limits.checkFrameSize(field, w, h);
        int width = (int) w;
        int height = (int) h;
        checkMessageBytes(field + ".data", f.getData().size());
        checkFrameCount(field, next + 1);
        if (f.getFormat() == ImageFormat.UNRECOGNIZED) {
            throw Errors.invalid(field + ".format", "unknown value " + f.getFormatValue());
        }
        byte[] data = f.getData().toByteArray();
        ImageDecoder.Kind declared = switch (f.getFormat()) {
            case IMAGE_FORMAT_JPEG -> ImageDecoder.Kind.JPEG;
            case IMAGE_FORMAT_PNG -> ImageDecoder.Kind.PNG;
            case IMAGE_FORMAT_RGB24 -> ImageDecoder.Kind.RGB24;
            default -> null;
        };
        boolean given = Fields.timestampUs(field + ".timestamp_us", f.getTimestampUs()) != 0;
        long ts = given ? f.getTimestampUs() : derivedTimestampUs(field + ".timestamp_us", next);
        if (given && lastTimestampUs != Long.MIN_VALUE && ts <= lastTimestampUs) {
            throw Errors.invalid(field + ".timestamp_us", "is " + ts + ", not after the previous frame's "
                    + lastTimestampUs);
        }
        ImageDecoder.Checked c = images.check(field, declared, data, width, height);
        if (c.orientation() != null && imageOrientation == null) {
            imageOrientation = c.orientation();
        }
        admit(field, c.width(), c.height(), ts);
        if (c.kind() == ImageDecoder.Kind.RGB24) {
            store.addRgb(new DecodedFrame(next, ts, width, height, data));
        } else {
            store.addImage(next, ts, c.width(), c.height(), c.kind(), data, c.turn());
        }
    }

    /**
     * The timestamp of frame {@code index} sent without one: index / fps, unless that is not after the
     * previous frame's (earlier frames carried their own, later, timestamps); then the previous frame's
     * + 1/fps, so that timestamps always increase.
     */
    private long derivedTimestampUs(String field, int index) {
        long ts = Math.round(index * 1e6 / defaultFps);
        if (lastTimestampUs != Long.MIN_VALUE && ts <= lastTimestampUs) {
            long step = Math.max(1, Math.round(1e6 / defaultFps));
            if (lastTimestampUs > Long.MAX_VALUE - step) {
                throw Errors.invalid(field, "is not given (0), and no timestamp after the previous frame's "
                        + lastTimestampUs + " fits in int64");
            }
            ts = lastTimestampUs + step;
        }
        return ts;
    }

    public void addMedia(MediaChunk c) {
        String field = "media[" + mediaChunks + "]";
        if (store.size() > 0 && container == null) {
            throw Errors.invalid(field, "this stream already sends frames; send frames or media chunks, not both");
        }
        if (c.getContainer() == dev.refseg.v1.ContainerFormat.UNRECOGNIZED) {
            throw Errors.invalid(field + ".container", "unknown value " + c.getContainerValue());
        }
        checkMessageBytes(field + ".data", c.getData().size());
        mediaChunks++;
        byte[] data = c.getData().toByteArray();
        if (data.length == 0) {
            return;
        }
        if (container == null) {
            try {
                workDir = Files.createTempDirectory(workRoot, "session");
                container = new ContainerDecoder(workDir, c.getContainer(), data, limits, maxMediaBytes, media,
                        this::acceptDecoded, audioTrack && audio.isEmpty());
                if (aborted) {
                    container.abort();
                }
            } catch (IOException e) {
                throw Errors.internal("media: cannot set up the decoder: " + e.getMessage(), e);
            }
        }
        container.write(data);
    }

    /**
     * Adds the next piece of the session's audio (see {@link AudioTrack#add}); from now on the AudioChunks
     * are the session's audio and the container's audio track, if it was being decoded, is dropped.
     */
    public void addAudio(AudioChunk c) {
        checkMessageBytes("audio[" + audio.chunks() + "].data", c.getData().size());
        audio.add(c);
        ContainerDecoder d = container;
        if (d != null) {
            d.dropAudio();
        }
    }

    /**
     * The client half-closed: flush the decoders and the frame store, and decode the session's audio.
     * Throws the status of the first failure: the video's, then the audio's (from its source only).
     */
    public void endOfInput() {
        if (container != null) {
            container.finish();
        }
        store.flush();
        audio.decode();
        inputComplete = true;
    }

    public boolean inputComplete() {
        return inputComplete;
    }

    public int framesDecoded() {
        return store.size();
    }

    public int width() {
        return width;
    }

    public int height() {
        return height;
    }

    /** Container frame rate, else from the frames' timestamps, else the default. */
    public double fps() {
        if (container != null && container.fps() > 0) {
            return container.fps();
        }
        int n = store.size();
        if (n >= 2 && lastTimestampUs > firstTimestampUs) {
            return (n - 1) * 1e6 / (lastTimestampUs - firstTimestampUs);
        }
        return defaultFps;
    }

    /** Frame 0's timestamp in microseconds; 0 before the first frame. */
    public long firstTimestampUs() {
        return firstTimestampUs == Long.MIN_VALUE ? 0 : firstTimestampUs;
    }

    /**
     * When the session's audio starts, on the clock of the frames' timestamps, in microseconds: the
     * container's own track where it starts (which may be before or after its first video frame);
     * AudioChunks, which carry no time, at frame 0.
     */
    public long audioStartUs() {
        ContainerDecoder d = container;
        if (audio.isEmpty() && d != null && d.hasAudio() && d.audioStartUs() != Long.MIN_VALUE) {
            return d.audioStartUs();
        }
        return firstTimestampUs();
    }

    /**
     * Seconds of the session's audio, at 16 kHz once decoded: of the AudioChunks (PCM counted as it
     * arrives, encoded audio once decoded at the end), else of the container's audio track as far as it
     * has been decoded; 0 when there is none.
     */
    public double audioSeconds() {
        ContainerDecoder d = container;
        if (audio.isEmpty() && d != null) {
            return d.audioSeconds();
        }
        return audio.receivedSeconds();
    }

    /**
     * The session's audio as 16 kHz mono float samples in [-1, 1] (a lossy codec may overshoot slightly):
     * the AudioChunks', else the container's audio track (when asked for), else an empty array.
     *
     * @throws IllegalStateException before {@link #endOfInput()} has returned
     */
    public float[] audio16k() {
        if (!inputComplete) {
            throw new IllegalStateException("the session's audio is known once the input is complete");
        }
        if (!audio.isEmpty()) {
            return audio.decode();
        }
        ContainerDecoder d = container;
        return d != null ? d.audio16k() : new float[0];
    }

    /**
     * Where the session's audio comes from: {@link #AUDIO_FROM_CHUNKS} as soon as an AudioChunk has been
     * accepted; {@link #AUDIO_FROM_CONTAINER} once the container's audio track is being decoded (asked for,
     * no AudioChunk, the container has one), even if it turns out to hold no sample; else {@link #NO_AUDIO}.
     */
    public String audioSource() {
        if (!audio.isEmpty()) {
            return AUDIO_FROM_CHUNKS;
        }
        ContainerDecoder d = container;
        return d != null && d.hasAudio() ? AUDIO_FROM_CONTAINER : NO_AUDIO;
    }

    /** Native audio resamplers alive in the process (sessions' and decoders'), for leak checks; 0 once all closed. */
    public static int liveAudioResamplers() {
        return MonoResampler.live();
    }

    /** The display orientation of the stream (first frame), or null before the first frame. */
    public OrientationReport orientation() {
        return container != null ? container.orientation() : imageOrientation;
    }

    /**
     * Unblocks whatever waits on the decoders (a full pipe, a decoder finishing), from any thread: the
     * call is ending (client gone, timeout). The owning thread still calls {@link #close()}.
     */
    public void abort() {
        aborted = true;
        store.abort(); // a decoder waiting to hand over a frame
        ContainerDecoder c = container;
        if (c != null) {
            c.abort();
        }
        audio.abort();
    }

    /** A container frame, on the decoder thread: checked, then handed to the store (which owns it from here). */
    private void acceptDecoded(VideoPicture p) {
        try {
            checkFrameCount("media.data", p.index() + 1);
            admit("media.data", p.width(), p.height(), p.timestampUs());
        } catch (RuntimeException e) {
            p.close();
            throw e;
        }
        store.addPicture(p);
    }

    /** The stream rule every frame must meet: one (displayed) frame size per stream. */
    private synchronized void admit(String field, int w, int h, long timestampUs) {
        if (store.size() == 0) {
            width = w;
            height = h;
            firstTimestampUs = timestampUs;
        } else if (w != width || h != height) {
            throw Errors.invalid(field, "is " + w + "x" + h + " but the stream's first frame is "
                    + width + "x" + height + " (one frame size per stream)");
        }
        lastTimestampUs = timestampUs;
    }

    private void checkMessageBytes(String field, int bytes) {
        if (bytes > limits.maxMessageBytes()) {
            throw Errors.limit(field, "payload bytes", bytes, IntakeLimits.KEY_MESSAGE_BYTES, limits.maxMessageBytes());
        }
    }

    private void checkFrameCount(String field, int count) {
        if (count > limits.maxFrames()) {
            throw Errors.limit(field, "frame count", count, IntakeLimits.KEY_FRAMES, limits.maxFrames());
        }
    }

    /** Frees the decoder, the stored frames and the scratch files. Idempotent. */
    @Override
    public void close() {
        store.abort(); // first: the decoder thread may be waiting to hand over a frame
        if (container != null) {
            container.close();
        }
        store.close();
        images.close();
        audio.close();
        if (workDir != null) {
            ScratchDir.delete(workDir);
            workDir = null;
        }
    }
}
