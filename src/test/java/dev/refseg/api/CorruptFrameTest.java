package dev.refseg.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.refseg.mask.MaskProtos;
import dev.refseg.mask.PixelBox;
import dev.refseg.media.CorruptJpeg;
import dev.refseg.synth.SampleClip;
import dev.refseg.synth.SyntheticClip;
import dev.refseg.v1.Frame;
import dev.refseg.v1.KeySelectionGrpc;
import dev.refseg.v1.SelectKeyFrameRequest;
import dev.refseg.v1.ImageFormat;
import dev.refseg.v1.Progress;
import dev.refseg.v1.PropagateStart;
import dev.refseg.v1.Prompt;
import dev.refseg.v1.SegmentRequest;
import dev.refseg.v1.SegmentResponse.EventCase;
import dev.refseg.v1.Start;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.junit.QuarkusTest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 10, item 1: intake checks a JPEG's structure, not its pixels, so a frame whose scan data is
 * corrupt is accepted and found only when a later stage decodes it. The call still ends with
 * INVALID_ARGUMENT naming that frame, frees everything (checked after each test by {@link CallTest}),
 * and the server goes on serving.
 */
@QuarkusTest
class CorruptFrameTest extends CallTest {
    static SyntheticClip clip;
    static List<byte[]> jpegs;
    static StreamClient client;

    @BeforeAll
    static void setUp() throws Exception {
        clip = SampleClip.render();
        jpegs = TextClips.jpegs(clip);
        client = new StreamClient();
    }

    @AfterAll
    static void tearDown() throws Exception {
        client.close();
    }

    /** The sample clip as JPEG frames, frame {@code bad} (if any) with its scan data damaged. */
    static List<Frame> frames(int bad) {
        List<Frame> out = new ArrayList<>();
        for (int i = 0; i < jpegs.size(); i++) {
            byte[] data = i == bad ? CorruptJpeg.damageScan(jpegs.get(i)) : jpegs.get(i);
            out.add(Frame.newBuilder().setIndex(i).setFormat(ImageFormat.IMAGE_FORMAT_JPEG)
                    .setData(ByteString.copyFrom(data)).build());
        }
        return out;
    }

    static StreamClient.Outcome segment(int bad) throws InterruptedException {
        List<SegmentRequest> reqs = new ArrayList<>();
        reqs.add(SegmentRequest.newBuilder().setStart(Start.newBuilder().setText("the red disc")).build());
        frames(bad).forEach(f -> reqs.add(SegmentRequest.newBuilder().setFrame(f).build()));
        return client.run(reqs);
    }

    /** Frame 0 is decoded first by the detector; frame 30 only when tracking reaches it. */
    @Test
    void segmentEndsNamingTheCorruptFrameWhereverItIsDecoded() throws Exception {
        for (int bad : new int[] {30, 0}) {
            StreamClient.Outcome o = segment(bad);
            assertEquals(Status.Code.INVALID_ARGUMENT, o.status().getCode(), o.description());
            assertTrue(o.description().startsWith("frame[" + bad + "].data: corrupt JPEG: "), o.description());
            // Accepted at intake: every frame was taken in before any stage ran.
            List<Progress> progress = o.of(EventCase.PROGRESS).stream().map(e -> e.getProgress()).toList();
            Progress last = progress.get(progress.size() - 1);
            assertTrue(last.getInputComplete(), "intake did not complete");
            assertEquals(jpegs.size(), last.getFramesDecoded());
            assertTrue(o.of(EventCase.SUMMARY).isEmpty(), "a summary was sent for a failed call");
            Leaks.assertNothingLeft(inference, slots);
        }
        StreamClient.Outcome good = segment(-1);
        assertEquals(Status.Code.OK, good.status().getCode(), good.description());
        assertEquals(jpegs.size(), good.of(EventCase.MASK).size());
    }

    /** The key-selection RPCs name the frame as their request does: frames[i], its place in the list. */
    @Test
    void keySelectionNamesTheCorruptFrameAsTheRequestDoes() {
        var stub = KeySelectionGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
        List<Frame> bad = frames(5);
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> stub.selectKeyFrame(
                SelectKeyFrameRequest.newBuilder().setReferent("the red disc").addFrames(bad.get(20))
                        .addFrames(bad.get(5)).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().startsWith("frames[1].data: corrupt JPEG: "),
                e.getStatus().getDescription());
        int chosen = stub.selectKeyFrame(SelectKeyFrameRequest.newBuilder().setReferent("the red disc")
                .addFrames(bad.get(20)).addFrames(bad.get(6)).build()).getFrameIndex();
        assertTrue(chosen == 20 || chosen == 6, "the next call is served: chose " + chosen);
    }

    @Test
    void propagateEndsNamingTheCorruptFrame() throws Exception {
        Prompt box = Prompt.newBuilder().setObjectId(1).setFrameIndex(10)
                .setBox(MaskProtos.box(PixelBox.of(clip.truth().get(0).get(10)))).build();
        PropagateTest.Collector bad = PropagateTest.propagate(channel, PropagateStart.newBuilder().addPrompts(box).build(),
                frames(40));
        assertEquals(Status.Code.INVALID_ARGUMENT, bad.status.getCode(), String.valueOf(bad.status));
        assertTrue(bad.status.getDescription().startsWith("frame[40].data: corrupt JPEG: "), bad.status.getDescription());
        assertTrue(bad.masks.size() >= 30, "frames before the corrupt one were tracked: " + bad.masks.size());
        Leaks.assertNothingLeft(inference, slots);
        PropagateTest.Collector good = PropagateTest.propagate(channel, PropagateStart.newBuilder().addPrompts(box).build(),
                frames(-1));
        assertEquals(Status.Code.OK, good.status.getCode(), String.valueOf(good.status));
        assertEquals(jpegs.size(), good.masks.size());
    }
}
