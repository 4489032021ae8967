package dev.refseg.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Everything under {@code refseg.*}. README lists each key with its default. */
@ConfigMapping(prefix = "refseg")
public interface RefsegConfig {

    /** embedded (default), gateway or inference. */
    @WithDefault("embedded")
    Role role();

    Limits limits();

    Models models();

    Inference inference();

    Intake intake();

    Media media();

    Transport transport();

    Llm llm();

    Selection selection();

    Online online();

    Audio audio();

    Shutdown shutdown();

    Auth auth();

    interface Limits {
        /** Largest payload (frame, media or audio bytes) of one request message. */
        @WithDefault("16777216")
        int maxMessageBytes();

        /** Widest frame accepted, in pixels. */
        @WithDefault("3840")
        int maxWidth();

        /** Tallest frame accepted, in pixels. */
        @WithDefault("2160")
        int maxHeight();

        /** Most frames one session may send. */
        @WithDefault("18000")
        int maxFramesPerSession();

        /** Most concurrent sessions (Segment and Propagate calls) per process. */
        @WithDefault("8")
        int maxSessions();

        /**
         * Most objects tracked at once by the process, over all calls (each keeps a SAM 2 memory bank of
         * ~60 MB of heap at SAM 2.1's sizes); a call that would pass it is refused with RESOURCE_EXHAUSTED.
         */
        @WithDefault("16")
        int maxTrackedObjects();

        /** Longest audio track accepted, in seconds. */
        @WithDefault("600")
        double maxAudioSeconds();

        /** Most container bytes (MediaChunk) one session may send. */
        @WithDefault("2147483648")
        long maxMediaBytes();

        /**
         * Largest request message as a whole (all fields, the envelope of a frame or media chunk, or a
         * unary call's frames together). Enforced while the message arrives, before it is buffered whole.
         */
        @WithDefault("67108864")
        int maxRequestBytes();

        /**
         * Longest the server waits for the client's next message before half-close (a client that went
         * silent); then the call ends with DEADLINE_EXCEEDED and everything it held is freed.
         */
        @WithDefault("60s")
        Duration inputIdleTimeout();

        /**
         * Longest a response may wait for the client to read (flow control blocked); then the call ends
         * with DEADLINE_EXCEEDED and everything it held is freed.
         */
        @WithDefault("60s")
        Duration outputStallTimeout();
    }

    interface Models {
        /**
         * Folder with manifest.properties and the ONNX files. Unset: the generated fixture (demo) models
         * are used, and the log says so.
         */
        Optional<Path> dir();

        /**
         * Run every graph once at start on the bundled synthetic sample (the {@code models} command's test
         * run), logging each graph's first-run time: a graph that loads but cannot run stops the start, and
         * the first request does not pay the providers' initialisation.
         */
        @WithDefault("true")
        boolean warmUp();
    }

    interface Inference {
        /**
         * Where the inference sidecar is, for refseg.role=gateway: a gRPC target such as
         * {@code localhost:9100} or {@code dns:///refseg-inference:9100}. In the embedded role, the
         * value {@code loopback} puts the sidecar contract between the stages and the local models over
         * an in-process channel (the split's code path in one JVM: tests, diagnosis); unset = direct calls.
         */
        Optional<String> address();

        /**
         * Gateway: the longest the gateway waits for one reply of its sidecar (a frame taken in, a detection, one
         * tracked frame) before it ends that session with UNAVAILABLE naming the sidecar. A sidecar that stopped
         * answering (hung, frozen) is found sooner by the channel's keepalive, which pings every 10 s and closes
         * the connection when a ping is not answered within refseg.transport.keepalive-timeout.
         */
        @WithDefault("120s")
        Duration replyTimeout();

        /** Execution providers in order of preference: cuda, tensorrt, cpu. CPU is always the last resort. */
        @WithDefault("cpu")
        List<String> executionProviders();

        /** GPU index for the CUDA/TensorRT providers. */
        @WithDefault("0")
        int deviceId();

        /**
         * ONNX Runtime intra-op threads for every graph; 0 = chosen per graph: 1 for a graph under 32 MiB,
         * else the cores divided by the runs one call keeps going at once (2 with the pipeline), at most 4.
         */
        @WithDefault("0")
        int intraOpThreads();

        /** Intra-op threads by manifest key (e.g. {@code "sam2.image_encoder"=4}), overriding intra-op-threads. */
        java.util.Map<String, Integer> graphIntraOpThreads();

        /** Whether ONNX Runtime's idle intra-op threads spin waiting for work (burns cores; off by default). */
        @WithDefault("false")
        boolean allowSpinning();

        /**
         * ONNX Runtime's CPU memory arena: faster, but it grows to the peak of the concurrent runs and never
         * returns memory. Off: memory is freed after each run, so the process stays within its budget.
         */
        @WithDefault("false")
        boolean cpuArena();

        /** Most bytes of the CUDA memory arena per model (gpu_mem_limit); 0 = no limit. */
        @WithDefault("0")
        long gpuMemLimit();

        /**
         * Execution providers by manifest key (e.g. {@code "gdino.detector"=cpu},
         * {@code "sam2.memory_attention"=cuda,cpu}), replacing execution-providers for that graph: for a graph
         * TensorRT cannot build, or one that runs better elsewhere. Each key must name a loaded graph.
         */
        java.util.Map<String, List<String>> graphProviders();

        /**
         * Where TensorRT keeps the engines it builds and its timing cache, so that a restart loads them
         * instead of building again (seconds to minutes per graph); unset = no cache. An engine is specific
         * to the GPU model, TensorRT version and the graph: a changed graph is built again.
         */
        Optional<Path> tensorrtCacheDir();

        /** Let TensorRT run layers in half precision (faster on tensor cores; outputs may differ slightly). */
        @WithDefault("false")
        boolean tensorrtFp16();

        /**
         * Frames per session whose SAM 2 encoder output may be computed while the LLM chooses the key box
         * (about 24 MB each at SAM 2.1's sizes); 0 turns it off.
         */
        @WithDefault("8")
        int prefetchFrames();

        /**
         * Whether one tracking call pipelines its frames: frame t+1 is read, preprocessed and encoded on a
         * second thread while frame t goes through memory attention, the decoder and the memory encoder.
         */
        @WithDefault("true")
        boolean pipeline();

        /** Where per-session scratch files (FIFOs, MP4 spools) go; default: the system temp folder. */
        Optional<Path> workDir();
    }

    interface Intake {
        /** Least time between two intake Progress events of one session. */
        @WithDefault("250ms")
        Duration progressInterval();

        /** Frame rate assumed when frames carry no timestamps and the client gives none. */
        @WithDefault("25")
        double defaultFps();
    }

    /** How FFmpeg is driven for containers and images. */
    interface Media {
        /** Most bytes FFmpeg reads to identify a stream before it starts decoding (its probesize). */
        @WithDefault("32768")
        long probeBytes();

        /** Most stream time FFmpeg reads to fill in stream parameters (its analyzeduration). */
        @WithDefault("500ms")
        Duration analyzeDuration();

        /**
         * Longest a decoder may make no progress while a call waits on it; then the call ends with
         * DEADLINE_EXCEEDED naming this key.
         */
        @WithDefault("30s")
        Duration stallTimeout();
    }

    /**
     * gRPC transport: HTTP/2 keepalive, so that peers that vanished without closing (a dropped network,
     * a killed device) are found and their calls freed.
     */
    interface Transport {
        /** Idle time on a connection after which the server pings the client; gRPC's minimum is 10 s. */
        @WithDefault("60s")
        Duration keepaliveTime();

        /** Time the server waits for the ping's answer before it closes the connection. */
        @WithDefault("20s")
        Duration keepaliveTimeout();

        /** Shortest interval between client pings the server accepts (more often: the connection is closed). */
        @WithDefault("10s")
        Duration permitKeepaliveTime();

        /** Whether clients may ping while they have no call open. */
        @WithDefault("true")
        boolean permitKeepaliveWithoutCalls();

        /**
         * Time a new connection has to complete its HTTP/2 handshake; a socket that never does (a port scan,
         * a stuck client) is closed after it instead of holding a file descriptor for gRPC's 120 s.
         */
        @WithDefault("10s")
        Duration handshakeTimeout();
    }

    /**
     * The vision LLM of GPT-PS. Configured when {@code base-url} or {@code api-key} is set; otherwise
     * Segment runs the training-free baseline and says so.
     */
    interface Llm {
        /** OpenAI-compatible endpoint, e.g. http://localhost:8000/v1 (vLLM); with only an api-key, OpenAI's. */
        Optional<String> baseUrl();

        /** Bearer key; endpoints without authentication need none. */
        Optional<String> apiKey();

        /** Model for the key-frame step. */
        @WithDefault("gpt-4o")
        String keyFrameModel();

        /** Model for the key-box step. */
        @WithDefault("gpt-4o")
        String keyBoxModel();

        /** Image detail level of the key-frame tiles: low, high or auto. */
        @WithDefault("auto")
        String keyFrameDetail();

        /** Image detail level of the key-box tiles (boxes are small: high). */
        @WithDefault("high")
        String keyBoxDetail();

        /** Time limit of one whole request, sending to the answer's last byte (a timeout is retried). */
        @WithDefault("60s")
        Duration timeout();

        /** Retries after a 429, a 5xx, a timeout or a connection failure (other errors are not retried). */
        @WithDefault("3")
        int maxRetries();

        /** First backoff; doubled per retry, with jitter, up to max-backoff. */
        @WithDefault("500ms")
        Duration initialBackoff();

        @WithDefault("8s")
        Duration maxBackoff();

        /** Most requests in flight per process. */
        @WithDefault("4")
        int maxConcurrent();

        /** Most requests waiting for a free slot; beyond that a call fails at once (and falls back). */
        @WithDefault("64")
        int maxQueued();

        /** Answers kept, by (model, detail, prompt, image digest); 0 turns the cache off. */
        @WithDefault("512")
        int cacheEntries();
    }

    /** Online mode (Start.mode = MODE_ONLINE): overload policy and the bounds of a live stream. */
    interface Online {
        /** What happens when frames arrive faster than they are tracked (SegmentOptions.overload overrides it). */
        @WithDefault("backpressure")
        OverloadPolicy overload();

        /**
         * Frames that may wait to be tracked once the first window is out: backpressure holds the client
         * beyond it, skip skips the oldest beyond it.
         */
        @WithDefault("32")
        int maxBacklog();

        /**
         * Skip policy: most frames received and not yet answered (waiting for selection, tracking or a slow
         * reader); beyond it the client is held in flow control too. At least the window plus max-backlog.
         */
        @WithDefault("512")
        int maxPending();

        /** Frames one tracking step handles before intake gets its turn on the session again. */
        @WithDefault("4")
        int stepFrames();

        /** Frames kept before the next one to track (a recent window for re-selection); older ones are forgotten. */
        @WithDefault("50")
        int keepRecentFrames();

        /**
         * Re-acquisition: most frames answered after a re-selection's chosen frame that a find may track again;
         * while a re-selection runs the sidecar holds at most this many frames beyond keep-recent-frames, and
         * a find further back than that is not re-seeded (the next attempt looks at newer frames).
         */
        @WithDefault("300")
        int maxRetrackFrames();

        /** Conditioning frames kept per object; beyond it the oldest one that is not the first is dropped. */
        @WithDefault("4")
        int maxConditioningFrames();

        /**
         * Re-acquisition: once every tracked object has been absent (object score <= 0) this long, on the
         * frames' timestamps, the selection runs again on a recent window; 0 turns it off.
         */
        @WithDefault("2s")
        java.time.Duration reacquireAfter();

        /**
         * Re-acquisition attempts per absence (found or not): a failed one is retried after reacquire-after
         * again, up to this many; the count starts again once an object is seen.
         */
        @WithDefault("3")
        int reacquireAttempts();

        /**
         * Audio referents: longest a frame's masks wait for its window of audio (the second it falls in) to
         * arrive and be tagged, and the first window's selection for the audio of its frames; after it the
         * frame is sent with every object silent and MaskFrame.audio_late set.
         */
        @WithDefault("2s")
        java.time.Duration audioWait();

        /** The two overload policies. */
        enum OverloadPolicy {
            BACKPRESSURE,
            SKIP
        }
    }

    /** GPT-PS defaults (method.md §3–§5); SegmentOptions override them per call. */
    interface Selection {
        /** Key-frame window length in frames. */
        @WithDefault("50")
        int windowFrames();

        /** Frames shown to the LLM per window. */
        @WithDefault("5")
        int framesPerWindow();

        /** Step between the frames shown. */
        @WithDefault("10")
        int frameStep();

        /** Detector box threshold for candidates. */
        @WithDefault("0.25")
        float boxThreshold();

        /** Detector text (phrase) threshold. */
        @WithDefault("0.2")
        float textThreshold();

        /** Most candidate boxes per pivot (at most 6: the tile has six box colours). */
        @WithDefault("3")
        int maxCandidates();

        /** Box threshold of the last-resort detection when no pivot gave a box (method.md §7). */
        @WithDefault("0.001")
        float fallbackBoxThreshold();

        /** Text threshold of that last-resort detection. */
        @WithDefault("0.1")
        float fallbackTextThreshold();

        /** Most objects one referent may yield ("the two dogs"). */
        @WithDefault("3")
        int maxObjects();

        /**
         * Least score of the last-resort box: below it the referent is reported not found rather than an
         * arbitrary detection tracked. 0 takes any box above the fallback thresholds (the reference).
         */
        @WithDefault("0.1")
        float lastResortMinScore();
    }

    /** Audio referents: tagging, LBRU and who sounds when (method.md §1.2, §2, §4 AVS). */
    interface Audio {
        /** Tagger labels (the whole clip's most probable) shown to the LLM or mapped by the baseline. */
        @WithDefault("5")
        int topK();

        /**
         * Least score of a label to count as heard: below it for every label, the clip is silent (nothing
         * segmented, FALLBACK_KIND_NO_SOUND).
         */
        @WithDefault("0.1")
        float minLabelScore();

        /** Length of the windows tagged to tell when each source sounds, in seconds. */
        @WithDefault("1.0")
        double windowSeconds();

        /** A category sounds in a window when one of its labels scores at least this there. */
        @WithDefault("0.3")
        float soundingThreshold();

        /** Frames shown to the LLM in the LBRU tile, spread evenly over the video (AVS shows 5). */
        @WithDefault("5")
        int framesShown();

        /** Detector box threshold for a category's candidates (AVS: 0.25). */
        @WithDefault("0.25")
        float boxThreshold();

        /** Detector text threshold for a category's candidates (AVS: 0.25). */
        @WithDefault("0.25")
        float textThreshold();
    }

    /** What happens on SIGTERM (api.Draining). */
    interface Shutdown {
        /**
         * Longest the running calls may take to finish once the process is asked to stop; then the rest end
         * with UNAVAILABLE naming this key. The pod's terminationGracePeriodSeconds must be longer.
         */
        @WithDefault("60s")
        Duration drainTimeout();
    }

    /** Who may call the public gRPC port; the health service always answers (probes carry no key). */
    interface Auth {
        /** {@code none}: every caller; {@code api-key}: only callers that send one of the keys below. */
        @WithDefault("none")
        dev.refseg.auth.AuthMode mode();

        /**
         * File of keys, one a line; blank lines and lines starting with {@code #} are skipped. Re-read when
         * it changes (checked at most once a second), so a rotated Kubernetes Secret takes effect in place.
         */
        Optional<Path> keysFile();

        /** Keys given in the configuration itself (a comma list): for development and tests, said so at start. */
        Optional<List<String>> keys();
    }
}
