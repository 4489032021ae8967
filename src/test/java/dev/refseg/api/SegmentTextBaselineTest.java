package dev.refseg.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.refseg.eval.JandF;
import dev.refseg.inference.InferenceBackend;
import dev.refseg.segment.SessionSlots;
import dev.refseg.synth.SampleClip;
import dev.refseg.synth.SyntheticClip;
import dev.refseg.v1.FallbackKind;
import dev.refseg.v1.KeyFrame;
import dev.refseg.v1.KeySelectionGrpc;
import dev.refseg.v1.SegmentOptions;
import dev.refseg.v1.SegmentResponse;
import dev.refseg.v1.SelectKeyFrameRequest;
import dev.refseg.v1.SelectionPath;
import dev.refseg.v1.Summary;
import io.grpc.Status;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** No LLM configured (the default test profile): text referents take the training-free baseline, flagged. */
@QuarkusTest
class SegmentTextBaselineTest {
    @Inject
    InferenceBackend inference;
    @Inject
    SessionSlots slots;

    @AfterEach
    void nothingLeaks() throws InterruptedException {
        Leaks.assertAllReleased(inference, slots);
    }

    @Test
    void baselineSegmentsAndSaysSo() throws Exception {
        SyntheticClip clip = SampleClip.render();
        StreamClient.Outcome o;
        try (StreamClient c = new StreamClient()) {
            o = c.run(TextClips.requests("the blue square", SegmentOptions.getDefaultInstance(), TextClips.frames(clip)));
        }
        assertEquals(Status.Code.OK, o.status().getCode(), o.description());
        Summary s = o.of(SegmentResponse.EventCase.SUMMARY).get(0).getSummary();
        assertEquals(SelectionPath.SELECTION_PATH_BASELINE, s.getPath());
        assertEquals(List.of(FallbackKind.FALLBACK_KIND_NO_LLM, FallbackKind.FALLBACK_KIND_NO_LLM),
                s.getFallbacksList().stream().map(f -> f.getKind()).toList());
        assertTrue(s.getFallbacks(0).getReason().contains("no LLM is configured"), s.getFallbacks(0).getReason());
        assertEquals(48, s.getMasksOut());
        assertEquals(1, s.getObjects());
        KeyFrame k = o.of(SegmentResponse.EventCase.KEY_FRAME).get(0).getKeyFrame();
        assertEquals(List.of(0, 10, 20, 30, 40), k.getShownFramesList());
        JandF score = TextClips.score(o, 1, clip, 1);
        System.out.printf("baseline, the blue square: J&F %.3f%n", score.jf());
        assertTrue(score.jf() >= 0.9, "J&F " + score.jf());
        List<dev.refseg.v1.Stage> stages = s.getTimingsList().stream().map(t -> t.getStage()).toList();
        assertEquals(List.of(dev.refseg.v1.Stage.STAGE_INTAKE, dev.refseg.v1.Stage.STAGE_CANDIDATES,
                dev.refseg.v1.Stage.STAGE_PROPAGATION), stages);
    }

    @Test
    void aReferentFoundNowhereStillGetsEveryFrameWithNoObject() throws Exception {
        SyntheticClip clip = SampleClip.render();
        StreamClient.Outcome o;
        try (StreamClient c = new StreamClient()) {
            o = c.run(TextClips.requests("the cyan star", SegmentOptions.getDefaultInstance(),
                    TextClips.frames(clip).subList(0, 12)));
        }
        assertEquals(Status.Code.OK, o.status().getCode(), o.description());
        Summary s = o.of(SegmentResponse.EventCase.SUMMARY).get(0).getSummary();
        assertEquals(12, s.getMasksOut());
        assertEquals(0, s.getObjects());
        assertEquals(FallbackKind.FALLBACK_KIND_NO_CANDIDATES, s.getFallbacks(s.getFallbacksCount() - 1).getKind());
        for (SegmentResponse e : o.of(SegmentResponse.EventCase.MASK)) {
            assertEquals(0, e.getMask().getObjectsCount());
        }
    }

    @Test
    void keyFrameRpcWithoutLlmIsTheDetectorsMostConfidentFrame() throws Exception {
        SyntheticClip clip = SampleClip.render();
        List<dev.refseg.v1.Frame> frames = TextClips.frames(clip);
        var channel = io.grpc.ManagedChannelBuilder.forAddress("localhost", TestPorts.grpc()).usePlaintext().build();
        try {
            KeyFrame k = KeySelectionGrpc.newBlockingStub(channel).selectKeyFrame(SelectKeyFrameRequest.newBuilder()
                    .setReferent("the red disc").addFrames(frames.get(20)).addFrames(frames.get(5)).build());
            // The disc is off-screen on frame 20 (it leaves around 14), so only frame 5 has a detection.
            assertEquals(5, k.getFrameIndex());
            assertEquals(FallbackKind.FALLBACK_KIND_NO_LLM, k.getFallback().getKind());
        } finally {
            channel.shutdownNow();
        }
    }
}
