package dev.refseg.inference;

import dev.refseg.v1.CaptionTokens;
import dev.refseg.v1.CaptionTokensRequest;
import dev.refseg.v1.OpenSession;

/**
 * The one interface between the gateway and the inference side. In the embedded role it is
 * {@link LocalInference}, in the same JVM; in the gateway role it will be a gRPC client of
 * {@code proto/refseg/v1/inference.proto}, whose messages these methods take and return, so that both
 * sides run the same tests.
 */
public interface InferenceBackend {

    /** Opens a media session for one client call. The caller must close it, however the call ends. */
    MediaSession openSession(OpenSession open);

    /** Whether the detector (text referents) is loaded. */
    boolean hasDetector();

    /** Whether the audio tagger (audio referents) is loaded. */
    boolean hasTagger();

    /**
     * How many tokens the detector's text encoder makes of a caption, and how many it reads, so that a
     * longer referent is refused at Start rather than cut inside the detector.
     *
     * @throws io.grpc.StatusRuntimeException FAILED_PRECONDITION when no detector is loaded
     */
    CaptionTokens captionTokens(CaptionTokensRequest request);

    /** Sessions open now (for metrics and leak tests). */
    int openSessions();

    /** Tracking states alive now (for metrics and leak tests). */
    int liveTrackers();

    /** Objects the process may track at once ({@code refseg.limits.max-tracked-objects}). */
    int maxTrackedObjects();

    /** Objects tracked now (for metrics and leak tests). */
    int trackedObjects();
}
