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

        /** Longest audio track accepted, in seconds. */
        @WithDefault("600")
        double maxAudioSeconds();

        /** Most container bytes (MediaChunk) one session may send. */
        @WithDefault("2147483648")
        long maxMediaBytes();
    }

    interface Models {
        /**
         * Folder with manifest.properties and the ONNX files. Unset: the generated fixture (demo) models
         * are used, and the log says so.
         */
        Optional<Path> dir();
    }

    interface Inference {
        /** Execution providers in order of preference: cuda, tensorrt, cpu. CPU is always the last resort. */
        @WithDefault("cpu")
        List<String> executionProviders();

        /** GPU index for the CUDA/TensorRT providers. */
        @WithDefault("0")
        int deviceId();

        /** ONNX Runtime intra-op threads per session; 0 = min(4, available processors). */
        @WithDefault("0")
        int intraOpThreads();

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
}
