package dev.refseg.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.refseg.mask.BinaryMask;
import dev.refseg.mask.MaskProtos;
import dev.refseg.mask.PixelBox;
import dev.refseg.synth.SampleClip;
import dev.refseg.synth.SyntheticClip;
import dev.refseg.v1.Box;
import dev.refseg.v1.Frame;
import dev.refseg.v1.ObjectMask;
import dev.refseg.v1.Prompt;
import dev.refseg.v1.PropagateRequest;
import dev.refseg.v1.PropagateStart;
import dev.refseg.v1.PropagationGrpc;
import io.grpc.Status;
import io.quarkus.test.junit.QuarkusTest;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Propagate never invents an object: a prompt that cannot mark one on the 320x240 sample frames (a box
 * wholly or partly outside the frame, of zero area, an empty mask, a mask of another size, an object id
 * out of range) is refused naming the prompt field and the frame size, and a good call succeeds right
 * after.
 */
@QuarkusTest
class PropagatePromptsTest extends CallTest {
    static final int FRAMES = 12;
    static SyntheticClip clip;
    static List<Frame> frames;

    @BeforeAll
    static void setUp() {
        clip = SampleClip.render();
        frames = TextClips.frames(clip).subList(0, FRAMES);
    }

    static PropagateTest.Collector propagate(Prompt... prompts) throws InterruptedException {
        PropagateTest.Collector c = new PropagateTest.Collector(-1);
        var in = PropagationGrpc.newStub(channel).propagate(c);
        in.onNext(PropagateRequest.newBuilder().setStart(PropagateStart.newBuilder().addAllPrompts(List.of(prompts)))
                .build());
        frames.forEach(f -> in.onNext(PropagateRequest.newBuilder().setFrame(f).build()));
        in.onCompleted();
        assertTrue(c.done.await(60, TimeUnit.SECONDS), "no end of stream");
        return c;
    }

    /** Object 1's true box on frame 3. */
    static Prompt good() {
        return Prompt.newBuilder().setObjectId(1).setFrameIndex(3)
                .setBox(MaskProtos.box(PixelBox.of(clip.truth().get(0).get(3)))).build();
    }

    static Prompt box(float x1, float y1, float x2, float y2) {
        return Prompt.newBuilder().setObjectId(1).setFrameIndex(3)
                .setBox(Box.newBuilder().setX1(x1).setY1(y1).setX2(x2).setY2(y2)).build();
    }

    /** The call ends with {@code code} and every fragment; then a good box prompt tracks every frame. */
    static void assertRejected(Prompt p, Status.Code code, String... fragments) throws Exception {
        PropagateTest.Collector c = propagate(good(), p);
        assertEquals(code, c.status.getCode(), String.valueOf(c.status));
        for (String f : fragments) {
            assertTrue(c.status.getDescription().contains(f), "'" + c.status.getDescription() + "' lacks '" + f + "'");
        }
        PropagateTest.Collector good = propagate(good());
        assertEquals(Status.Code.OK, good.status.getCode(), String.valueOf(good.status));
        assertEquals(FRAMES, good.masks.size());
    }

    @Test
    void aBoxWhollyOutsideTheFrameIsNoObject() throws Exception {
        assertRejected(box(400, 300, 480, 360), Status.Code.INVALID_ARGUMENT, "start.prompts[1].box",
                "lies wholly outside the 320x240 frame");
        assertRejected(box(-50, 10, 0, 60), Status.Code.INVALID_ARGUMENT, "start.prompts[1].box", "wholly outside");
    }

    @Test
    void aBoxPartlyOutsideTheFrameIsRefusedNotClamped() throws Exception {
        assertRejected(box(300, 200, 340, 250), Status.Code.INVALID_ARGUMENT, "start.prompts[1].box",
                "reaches outside the 320x240 frame", "x in [0, 320], y in [0, 240]");
    }

    @Test
    void aBoxMustHaveAnArea() throws Exception {
        assertRejected(box(10, 10, 10, 50), Status.Code.INVALID_ARGUMENT, "start.prompts[1].box", "has no area");
        assertRejected(box(60, 50, 20, 10), Status.Code.INVALID_ARGUMENT, "start.prompts[1].box", "x1 < x2");
    }

    @Test
    void aMaskMustHaveTheFramesSizeAndAPixel() throws Exception {
        Prompt empty = Prompt.newBuilder().setObjectId(2).setFrameIndex(3).setMask(MaskProtos.rle(BinaryMask.empty(240,
                320))).build();
        assertRejected(empty, Status.Code.INVALID_ARGUMENT, "start.prompts[1].mask", "is empty");
        BinaryMask small = BinaryMask.empty(100, 100);
        small.set(50, 50, true);
        Prompt other = empty.toBuilder().setMask(MaskProtos.rle(small)).build();
        assertRejected(other, Status.Code.INVALID_ARGUMENT, "start.prompts[1].mask.size", "is [100, 100]",
                "the frames are [240, 320]");
        Prompt huge = empty.toBuilder().setMask(empty.getMask().toBuilder().setSize(0, 100_000)).build();
        assertRejected(huge, Status.Code.RESOURCE_EXHAUSTED, "start.prompts[1].mask.size[0]", "mask height 100000",
                "refseg.limits.max-height = 2160");
    }

    @Test
    void idsAndFramesAreReadAsUnsigned() throws Exception {
        assertRejected(box(10, 10, 50, 50).toBuilder().setObjectId(-1).build(), Status.Code.INVALID_ARGUMENT,
                "start.prompts[1].object_id", "must be in [1, 65535], got 4294967295");
        assertRejected(box(10, 10, 50, 50).toBuilder().setObjectId(65_536).build(), Status.Code.INVALID_ARGUMENT,
                "start.prompts[1].object_id", "got 65536");
        assertRejected(box(10, 10, 50, 50).toBuilder().setFrameIndex(-1).build(), Status.Code.INVALID_ARGUMENT,
                "start.prompts[1].frame_index", "got 4294967295", "refseg.limits.max-frames-per-session = 18000");
    }

    /**
     * A prompt on a frame that never came is found only once the frames are in, by the tracker, which
     * names it in its own request; the client still reads the path it sent: start.prompts[i].
     */
    @Test
    void aPromptBeyondTheFramesSentNamesTheClientsField() throws Exception {
        assertRejected(box(10, 10, 50, 50).toBuilder().setFrameIndex(47).build(), Status.Code.INVALID_ARGUMENT,
                "start.prompts[1].frame_index: is 47 but only 12 frames were received");
    }

    @Test
    void theLargestObjectIdIsEchoedAsSent() throws Exception {
        PropagateTest.Collector c = propagate(good().toBuilder().setObjectId(65_535).build());
        assertEquals(Status.Code.OK, c.status.getCode(), String.valueOf(c.status));
        assertEquals(FRAMES, c.masks.size());
        for (var m : c.masks) {
            assertEquals(1, m.getObjectsCount());
            ObjectMask o = m.getObjects(0);
            assertEquals(65_535, o.getObjectId());
            assertTrue(o.getPresent(), "the disc is in view on the first frames");
        }
    }
}
