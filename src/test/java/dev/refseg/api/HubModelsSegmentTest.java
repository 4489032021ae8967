package dev.refseg.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.refseg.eval.JandF;
import dev.refseg.inference.CanonicalGraphs;
import dev.refseg.inference.InferenceBackend;
import dev.refseg.inference.LocalInference;
import dev.refseg.segment.SessionSlots;
import dev.refseg.synth.SampleClip;
import dev.refseg.synth.SyntheticClip;
import dev.refseg.v1.SegmentOptions;
import dev.refseg.v1.SegmentResponse;
import dev.refseg.v1.Summary;
import io.grpc.Status;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The whole Segment call over gRPC on the hub-style model directory: same outputs as on NVIDIA's family. */
@QuarkusTest
@TestProfile(HubModelsProfile.class)
class HubModelsSegmentTest {
    @Inject
    InferenceBackend inference;
    @Inject
    SessionSlots slots;

    @AfterEach
    void nothingLeaks() throws InterruptedException {
        Leaks.assertAllReleased(inference, slots);
    }

    @Test
    void segmentsOnTheTransformersFamilyAndAFixedSizeDetector() throws Exception {
        assertEquals(CanonicalGraphs.TRANSFORMERS, ((LocalInference) inference).models().sam2().family());
        SyntheticClip clip = SampleClip.render();
        StreamClient.Outcome o;
        try (StreamClient c = new StreamClient()) {
            o = c.run(TextClips.requests("the blue square", SegmentOptions.getDefaultInstance(), TextClips.frames(clip)));
        }
        assertEquals(Status.Code.OK, o.status().getCode(), o.description());
        Summary s = o.of(SegmentResponse.EventCase.SUMMARY).get(0).getSummary();
        assertEquals(48, s.getMasksOut());
        JandF score = TextClips.score(o, 1, clip, 1);
        System.out.printf("hub models, the blue square: J&F %.3f%n", score.jf());
        assertTrue(score.jf() >= 0.9, "J&F " + score.jf());
    }
}
