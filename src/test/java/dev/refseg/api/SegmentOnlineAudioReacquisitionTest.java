package dev.refseg.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.refseg.eval.AvsMetrics;
import dev.refseg.llm.FakeOpenAi;
import dev.refseg.llm.ReadingScript;
import dev.refseg.mask.BinaryMask;
import dev.refseg.synth.ClipGenerator;
import dev.refseg.synth.ClipSpec;
import dev.refseg.synth.Colour;
import dev.refseg.synth.ObjectSpec;
import dev.refseg.synth.Shape;
import dev.refseg.synth.SyntheticClip;
import dev.refseg.v1.AudioReferentSpec;
import dev.refseg.v1.Reacquisition;
import dev.refseg.v1.SegmentResponse;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Re-acquisition of an audio referent (README "Online mode"): the sounding red disc leaves the frame for
 * 3 s and comes back far from where it was first seen; the tracker of {@link AvsProfile.LostStaysLost}
 * never finds it again by itself, so the re-selection by its category ("red", LBRU's name for it) must.
 * Scored as AVSBench scores (the disc sounds throughout) on the frames answered after the re-seed, whose
 * count depends on load and is printed with the mIoU over every frame after the return.
 */
@QuarkusTest
@TestProfile(AvsProfile.LostStaysLost.class)
class SegmentOnlineAudioReacquisitionTest extends OnlineTestBase {
    /** A red disc sounding 500 Hz throughout, 160x120 at 10 fps: leaves left at frame 38, back at 68. */
    static SyntheticClip clip() {
        return ClipGenerator.render(new ClipSpec(160, 120, 130, 10, List.of(
                new ObjectSpec(Shape.DISC, Colour.RED, 13, 100, 30, -3, 1, -58, 147, 13, 107, 0, 500, 0, 99)),
                true, 5));
    }

    @Test
    void aSoundingObjectTheTrackerLostIsReacquiredByItsCategory() throws Exception {
        SyntheticClip clip = clip();
        int left = 38;
        int back = 68;
        assertTrue(clip.truth().get(0).get(left - 1).area() > 0 && clip.truth().get(0).get(left).area() == 0);
        assertTrue(clip.truth().get(0).get(back - 1).area() == 0 && clip.truth().get(0).get(back).area() > 0);
        FAKE.reset();
        FAKE.script(body -> {
            String prompt = ReadingScript.parse(body).prompt();
            return FakeOpenAi.Answer.text(prompt.contains("sound classifier") ? "[red | Bell | 3]"
                    : prompt.contains("audio track tells") ? "[1]" : ReadingScript.answer(body));
        });
        StreamClient.Outcome o = SegmentOnlineAudioTest.run(SegmentOnlineAudioTest.online(clip,
                AudioReferentSpec.getDefaultInstance(), 10));
        List<BinaryMask> sounding = AvsClips.sounding(o, clip.frameCount()); // every frame once (checks)
        List<BinaryMask> truth = AvsClips.truth(clip);
        List<Reacquisition> events = o.of(SegmentResponse.EventCase.REACQUISITION).stream()
                .map(SegmentResponse::getReacquisition).toList();
        events.forEach(e -> System.out.printf("audio reacquisition: %s%n", e.toString().replace('\n', ' ')));
        List<Reacquisition> found = events.stream().filter(Reacquisition::getFound).toList();
        assertFalse(found.isEmpty(), "the disc was not re-acquired: " + events);
        Reacquisition f = found.get(0);
        assertTrue(f.getFrameIndex() >= back, "re-seeded on " + f.getFrameIndex() + ", before the return at " + back);
        assertEquals(List.of(1), f.getObjectIdsList());
        // The frames answered after the found event carry the re-seed's work.
        List<Integer> after = new ArrayList<>();
        boolean seen = false;
        for (SegmentResponse e : o.events()) {
            seen |= e.hasReacquisition() && e.getReacquisition().getFound();
            if (seen && e.hasMask()) {
                after.add(e.getMask().getFrameIndex());
            }
        }
        double miouAfterFound = AvsMetrics.meanIou(after.stream().map(sounding::get).toList(),
                after.stream().map(truth::get).toList());
        double miouAfterReturn = AvsMetrics.meanIou(sounding.subList(back, clip.frameCount()),
                truth.subList(back, clip.frameCount()));
        System.out.printf("audio: back at %d, re-seeded on %d (attempt %d): AVS mIoU after the return %.3f, on the "
                + "%d frames answered after the re-seed %.3f%n", back, f.getFrameIndex(), f.getAttempt(),
                miouAfterReturn, after.size(), miouAfterFound);
        assertTrue(after.size() >= 20, "only " + after.size() + " frames were answered after the re-seed");
        assertTrue(miouAfterFound >= 0.85, "mIoU after the re-seed " + miouAfterFound);
    }
}
