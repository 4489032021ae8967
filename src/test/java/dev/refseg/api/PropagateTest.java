package dev.refseg.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.refseg.eval.JandF;
import dev.refseg.inference.InferenceBackend;
import dev.refseg.mask.BinaryMask;
import dev.refseg.mask.MaskPng;
import dev.refseg.mask.MaskProtos;
import dev.refseg.mask.PixelBox;
import dev.refseg.media.ImageDecoder;
import dev.refseg.segment.SessionSlots;
import dev.refseg.synth.SampleClip;
import dev.refseg.synth.SyntheticClip;
import dev.refseg.v1.Frame;
import dev.refseg.v1.MaskFrame;
import dev.refseg.v1.ObjectMask;
import dev.refseg.v1.PassDirection;
import dev.refseg.v1.PropagateRequest;
import dev.refseg.v1.PropagateStart;
import dev.refseg.v1.PropagationGrpc;
import dev.refseg.v1.Prompt;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Propagation.Propagate over gRPC with the fixture models: masks for every frame, once each, in order. */
@QuarkusTest
class PropagateTest {
    static SyntheticClip clip;
    static List<Frame> frames = new ArrayList<>();
    static ManagedChannel channel;

    @Inject
    InferenceBackend inference;
    @Inject
    SessionSlots slots;

    @BeforeAll
    static void setUp() throws Exception {
        clip = SampleClip.render();
        for (int i = 0; i < clip.frameCount(); i++) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            ImageIO.write(ImageDecoder.toImage(clip.frames().get(i), clip.width(), clip.height()), "png", b);
            frames.add(Frame.newBuilder().setIndex(i).setData(ByteString.copyFrom(b.toByteArray())).build());
        }
        channel = ManagedChannelBuilder.forAddress("localhost", TestPorts.grpc()).usePlaintext().maxInboundMessageSize(64 << 20)
                .build();
    }

    @AfterAll
    static void tearDown() throws Exception {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    @AfterEach
    void nothingLeaks() throws InterruptedException {
        Leaks.assertAllReleased(inference, slots);
    }

    /** Collects the stream; cancels after {@code cancelAfter} masks when >= 0. */
    static final class Collector implements ClientResponseObserver<PropagateRequest, MaskFrame> {
        final List<MaskFrame> masks = Collections.synchronizedList(new ArrayList<>());
        final CountDownLatch done = new CountDownLatch(1);
        final int cancelAfter;
        final boolean read;
        volatile Status status;
        ClientCallStreamObserver<PropagateRequest> requests;

        Collector(int cancelAfter) {
            this(cancelAfter, true);
        }

        /** @param read false: never asks for a response, so the server's sends back up (flow control) */
        Collector(int cancelAfter, boolean read) {
            this.cancelAfter = cancelAfter;
            this.read = read;
        }

        /** The final status, once the call has ended (within 60 s). */
        Status await() throws InterruptedException {
            org.junit.jupiter.api.Assertions.assertTrue(done.await(60, TimeUnit.SECONDS), "the call did not end");
            return status;
        }

        @Override
        public void beforeStart(ClientCallStreamObserver<PropagateRequest> r) {
            requests = r;
            if (!read) {
                r.disableAutoRequestWithInitial(0);
            }
        }

        @Override
        public void onNext(MaskFrame m) {
            masks.add(m);
            if (masks.size() == cancelAfter) {
                requests.cancel("test cancels mid-stream", null);
            }
        }

        @Override
        public void onError(Throwable t) {
            status = Status.fromThrowable(t);
            done.countDown();
        }

        @Override
        public void onCompleted() {
            status = Status.OK;
            done.countDown();
        }
    }

    static Collector propagate(PropagateStart start, int cancelAfter) throws InterruptedException {
        return propagate(channel, start, frames, cancelAfter);
    }

    /** A whole Propagate call of {@code frames} on {@code ch}, to its end. */
    static Collector propagate(ManagedChannel ch, PropagateStart start, List<Frame> frames) throws InterruptedException {
        return propagate(ch, start, frames, -1);
    }

    private static Collector propagate(ManagedChannel ch, PropagateStart start, List<Frame> frames, int cancelAfter)
            throws InterruptedException {
        Collector c = new Collector(cancelAfter);
        var in = PropagationGrpc.newStub(ch).propagate(c);
        in.onNext(PropagateRequest.newBuilder().setStart(start).build());
        for (Frame f : frames) {
            in.onNext(PropagateRequest.newBuilder().setFrame(f).build());
        }
        in.onCompleted();
        assertTrue(c.done.await(120, TimeUnit.SECONDS), "no end of stream");
        return c;
    }

    static Prompt box(int object, int frame) {
        return Prompt.newBuilder().setObjectId(object + 1).setFrameIndex(frame)
                .setBox(MaskProtos.box(PixelBox.of(clip.truth().get(object).get(frame)))).build();
    }

    static JandF score(List<MaskFrame> masks, int object) {
        BinaryMask[] pred = new BinaryMask[clip.frameCount()];
        for (MaskFrame m : masks) {
            for (ObjectMask o : m.getObjectsList()) {
                if (o.getObjectId() == object + 1) {
                    pred[m.getFrameIndex()] = MaskProtos.fromRle(o.getRle(), "rle");
                }
            }
        }
        return JandF.of(List.of(pred), clip.truth().get(object));
    }

    @Test
    void twoObjectsFromAMiddlePivot() throws Exception {
        Collector c = propagate(PropagateStart.newBuilder().addPrompts(box(1, 24)).addPrompts(box(2, 24))
                .setIncludePng(true).build(), -1);
        assertEquals(Status.Code.OK, c.status.getCode(), String.valueOf(c.status));
        List<Integer> order = c.masks.stream().map(MaskFrame::getFrameIndex).toList();
        List<Integer> expected = new ArrayList<>();
        for (int t = 24; t < 48; t++) {
            expected.add(t);
        }
        for (int t = 23; t >= 0; t--) {
            expected.add(t);
        }
        assertEquals(expected, order, "each frame exactly once: forward from the pivot, then backward");
        assertEquals(PassDirection.PASS_DIRECTION_PROMPT, c.masks.get(0).getDirection());
        assertEquals(PassDirection.PASS_DIRECTION_FORWARD, c.masks.get(1).getDirection());
        assertEquals(PassDirection.PASS_DIRECTION_BACKWARD, c.masks.get(47).getDirection());
        double blue = score(c.masks, 1).jf();
        double green = score(c.masks, 2).jf();
        assertTrue(blue >= 0.9 && green >= 0.9, "J&F blue " + blue + ", green " + green);
        // The PNG carries the same mask as the RLE.
        ObjectMask o = c.masks.get(5).getObjects(0);
        assertEquals(MaskProtos.fromRle(o.getRle(), "rle"), MaskPng.decode(o.getPng().toByteArray()));
        // Model time per graph and output frames are exported.
        String metrics = new String(java.net.URI.create("http://localhost:" + TestPorts.http() + "/q/metrics").toURL().openStream()
                .readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        List<String> timings = metrics.lines().filter(l -> l.startsWith("refseg_model_run_seconds_count")).toList();
        assertTrue(timings.stream().anyMatch(l -> l.contains("graph=\"sam2.memory_attention\"")), "graph timings: " + timings);
        // Host-side work is timed apart from ONNX Runtime's own time.
        List<String> steps = metrics.lines().filter(l -> l.startsWith("refseg_step_seconds_count")).toList();
        for (String step : List.of("tensor_copy_in", "tensor_copy_out", "sam2_preprocess", "sam2_bank_assembly")) {
            assertTrue(steps.stream().anyMatch(l -> l.contains("step=\"" + step + "\"")), step + ": " + steps);
        }
        assertTrue(metrics.contains("refseg_frames_out_total"), "no frame counter");
        assertTrue(metrics.contains("refseg_propagation_fps_count"), "no tracking rate");
    }

    @Test
    void maskPromptTracksTheLeavingObject() throws Exception {
        Prompt mask = Prompt.newBuilder().setObjectId(1).setFrameIndex(0)
                .setMask(MaskProtos.rle(clip.truth().get(0).get(0))).build();
        Collector c = propagate(PropagateStart.newBuilder().addPrompts(mask).build(), -1);
        assertEquals(Status.Code.OK, c.status.getCode(), String.valueOf(c.status));
        assertEquals(48, c.masks.size());
        assertTrue(score(c.masks, 0).jf() >= 0.9, "J&F " + score(c.masks, 0).jf());
    }

    @Test
    void cancellingMidStreamReleasesTheTrackingState() throws Exception {
        Collector c = propagate(PropagateStart.newBuilder().addPrompts(box(0, 0)).build(), 3);
        assertEquals(Status.Code.CANCELLED, c.status.getCode());
        assertTrue(c.masks.size() < 48);
        // nothingLeaks() checks the tracker state, media session and slot are freed.
    }

    @Test
    void badPromptsAreNamed() throws Exception {
        Collector noPrompt = propagate(PropagateStart.getDefaultInstance(), -1);
        assertEquals(Status.Code.INVALID_ARGUMENT, noPrompt.status.getCode());
        assertTrue(noPrompt.status.getDescription().contains("start.prompts"));
        Collector late = propagate(PropagateStart.newBuilder().addPrompts(box(0, 0).toBuilder().setFrameIndex(99))
                .build(), -1);
        assertEquals(Status.Code.INVALID_ARGUMENT, late.status.getCode());
        assertTrue(late.status.getDescription().startsWith("start.prompts[0].frame_index: is 99 but only 48 frames"),
                late.status.getDescription());
    }
}
