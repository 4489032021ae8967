package dev.refseg.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.refseg.eval.JandF;
import dev.refseg.runtime.CanonicalGraphs;
import dev.refseg.inference.InferenceBackend;
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
    /** The loaded models (also when the stages reach them through the sidecar contract). */
    @Inject
    dev.refseg.inference.ModelSet models;

    @AfterEach
    void nothingLeaks() throws InterruptedException {
        Leaks.assertAllReleased(inference, slots);
    }

    @Test
    void segmentsOnTheTransformersFamilyAndAFixedSizeDetector() throws Exception {
        assertEquals(CanonicalGraphs.TRANSFORMERS, models.sam2().family());
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

    /**
     * An audio referent on the hub layout, whose tagger is the Audio Spectrogram Transformer family
     * (input_values padded to 1024 frames, logits through a sigmoid), with the fixed-size detector and
     * the transformers-family tracker: the red disc's 500 Hz tone names it, without an LLM.
     */
    @Test
    void segmentsAnAudioReferentWithTheAstTagger() throws Exception {
        SyntheticClip clip = AvsClips.oneSounding();
        StreamClient.Outcome o;
        try (StreamClient c = new StreamClient()) {
            o = c.run(AvsClips.requests(clip, dev.refseg.v1.AudioReferentSpec.getDefaultInstance(),
                    SegmentOptions.getDefaultInstance()));
        }
        assertEquals(Status.Code.OK, o.status().getCode(), o.description());
        dev.refseg.v1.Referent r = o.of(SegmentResponse.EventCase.REFERENT).get(0).getReferent();
        assertEquals("red", r.getText());
        assertEquals("Bell", r.getLabels(0).getName());
        double miou = dev.refseg.eval.AvsMetrics.meanIou(AvsClips.sounding(o, clip.frameCount()), AvsClips.truth(clip));
        assertTrue(miou >= 0.85, "mIoU " + miou);
    }
}
