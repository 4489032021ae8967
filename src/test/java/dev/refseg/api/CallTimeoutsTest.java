package dev.refseg.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.refseg.media.ImageDecoder;
import dev.refseg.synth.ClipGenerator;
import dev.refseg.synth.SampleClip;
import dev.refseg.synth.SyntheticClip;
import dev.refseg.v1.Box;
import dev.refseg.v1.Frame;
import dev.refseg.v1.MaskFrame;
import dev.refseg.v1.PropagateRequest;
import dev.refseg.v1.PropagateStart;
import dev.refseg.v1.PropagationGrpc;
import dev.refseg.v1.Prompt;
import dev.refseg.v1.SegmentRequest;
import dev.refseg.v1.Start;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 8, item 5 and the request-size limit of item 9: clients that go silent, stop reading or send a
 * message over the limit end their call with a status naming the key, and everything they held is freed
 * within the configured time. (Peers that vanish without closing: {@link VanishedPeerTest}.)
 */
@QuarkusTest
@TestProfile(ShortTimeoutsProfile.class)
class CallTimeoutsTest extends CallTest {

    @AfterEach
    void theServerServes() throws Exception {
        assertServes(TestPorts.grpc());
    }

    /** A good call (start and one frame) completes. */
    static void assertServes(int port) throws Exception {
        try (StreamClient client = new StreamClient(port)) {
            StreamClient.Outcome ok = client.run(List.of(start(), SegmentRequest.newBuilder()
                    .setFrame(png(SampleClip.render(), 0)).build()));
            assertEquals(Status.Code.OK, ok.status().getCode(), ok.description());
        }
    }

    static SegmentRequest start() {
        return SegmentRequest.newBuilder().setStart(Start.newBuilder().setText("the red disc")).build();
    }

    static Frame png(SyntheticClip clip, int i) throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        ImageIO.write(ImageDecoder.toImage(clip.frames().get(i), clip.width(), clip.height()), "png", b);
        return Frame.newBuilder().setIndex(i).setData(ByteString.copyFrom(b.toByteArray())).build();
    }


    @Test
    void aSilentClientIsEndedNamingTheIdleKey() throws Exception {
        SyntheticClip clip = SampleClip.render();
        try (StreamClient client = new StreamClient()) {
            StreamClient.Call c = client.open();
            c.requests.onNext(start());
            c.requests.onNext(SegmentRequest.newBuilder().setFrame(png(clip, 0)).build());
            awaitSessions(1);
            long t0 = System.nanoTime();
            StreamClient.Outcome o = c.await();
            double took = (System.nanoTime() - t0) / 1e9;
            assertEquals(Status.Code.DEADLINE_EXCEEDED, o.status().getCode(), o.description());
            assertTrue(o.description().contains("refseg.limits.input-idle-timeout = PT3S"), o.description());
            assertTrue(o.description().startsWith("input: "), o.description());
            assertTrue(took < 3 * ShortTimeoutsProfile.IDLE_SECONDS, "freed after " + took + " s");
            // A stream that never sends its start is ended the same way.
            StreamClient.Outcome silent = client.open().await();
            assertEquals(Status.Code.DEADLINE_EXCEEDED, silent.status().getCode(), silent.description());
        }
    }

    /** The idle clock stops at half-close: work that takes longer than the timeout afterwards is not cut. */
    @Test
    void aLongCallAfterHalfCloseIsNotCut() throws Exception {
        List<Frame> once = TextClips.frames(SampleClip.render());
        // 240 frames: tracking takes well over the timeout (about 25 ms a frame here with the demo models).
        List<Frame> twice = new java.util.ArrayList<>();
        for (int i = 0; i < 5 * once.size(); i++) {
            twice.add(once.get(i % once.size()).toBuilder().setIndex(i).build());
        }
        try (StreamClient client = new StreamClient()) {
            long t0 = System.nanoTime();
            StreamClient.Outcome o = client.run(TextClips.requests("the blue square",
                    dev.refseg.v1.SegmentOptions.getDefaultInstance(), twice));
            double took = (System.nanoTime() - t0) / 1e9;
            assertEquals(Status.Code.OK, o.status().getCode(), o.description());
            assertEquals(240, o.of(dev.refseg.v1.SegmentResponse.EventCase.MASK).size());
            assertTrue(took > ShortTimeoutsProfile.IDLE_SECONDS, "the call took only " + took
                    + " s, so it does not show that the idle timeout spares the work after half-close");
        }
    }

    /** A client that sends everything but never reads: the tracker's masks back up, the call ends. */
    @Test
    void aClientThatStopsReadingIsEndedNamingTheStallKey() throws Exception {
        SyntheticClip clip = ClipGenerator.render(ClipGenerator.randomSpec(5, 640, 480, 16, 3, false));
        ManagedChannel ch = NettyChannelBuilder.forAddress("localhost", TestPorts.grpc()).usePlaintext()
                .flowControlWindow(1024).build();
        try {
            CountDownLatch started = new CountDownLatch(1);
            ClientResponseObserver<PropagateRequest, MaskFrame> reader = new ClientResponseObserver<>() {
                @Override
                public void beforeStart(ClientCallStreamObserver<PropagateRequest> r) {
                    r.disableAutoRequestWithInitial(0); // never asks for a response
                    started.countDown();
                }

                @Override
                public void onNext(MaskFrame value) {
                }

                @Override
                public void onError(Throwable t) {
                }

                @Override
                public void onCompleted() {
                }
            };
            var in = PropagationGrpc.newStub(ch).propagate(reader);
            PropagateStart.Builder s = PropagateStart.newBuilder().setIncludePng(true);
            for (int k = 0; k < 16; k++) { // many objects, each with a PNG mask: the output is large
                int x = (k % 4) * 150;
                int y = (k / 4) * 110;
                s.addPrompts(Prompt.newBuilder().setObjectId(k + 1).setFrameIndex(0)
                        .setBox(Box.newBuilder().setX1(x).setY1(y).setX2(x + 90).setY2(y + 100)));
            }
            in.onNext(PropagateRequest.newBuilder().setStart(s).build());
            for (int i = 0; i < clip.frameCount(); i++) {
                in.onNext(PropagateRequest.newBuilder().setFrame(png(clip, i)).build());
            }
            in.onCompleted();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
            while (metric("Propagate", "DEADLINE_EXCEEDED") == 0 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertEquals(1, metric("Propagate", "DEADLINE_EXCEEDED"), "the stalled call was not ended");
            Leaks.assertNothingLeft(inference, slots);
            ((ClientCallStreamObserver<PropagateRequest>) in).cancel("done", null);
        } finally {
            ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void aMessageOverTheRequestLimitIsRefusedNamingTheKey() throws Exception {
        try (StreamClient client = new StreamClient()) {
            byte[] big = new byte[5 << 20];
            StreamClient.Outcome o = client.run(List.of(start(), SegmentRequest.newBuilder().setFrame(Frame.newBuilder()
                    .setIndex(0).setData(ByteString.copyFrom(big))).build()));
            assertEquals(Status.Code.RESOURCE_EXHAUSTED, o.status().getCode(), o.description());
            assertTrue(o.description().contains("refseg.limits.max-request-bytes = 4194304"), o.description());
            assertTrue(o.description().startsWith("request: message 1 "), o.description());
            // Unary calls too.
            ManagedChannel ch = NettyChannelBuilder.forAddress("localhost", TestPorts.grpc()).usePlaintext().build();
            try {
                io.grpc.StatusRuntimeException e = org.junit.jupiter.api.Assertions.assertThrows(
                        io.grpc.StatusRuntimeException.class, () -> dev.refseg.v1.KeySelectionGrpc.newBlockingStub(ch)
                                .selectKeyFrame(dev.refseg.v1.SelectKeyFrameRequest.newBuilder().setReferent("x")
                                        .addFrames(Frame.newBuilder().setData(ByteString.copyFrom(big))).build()));
                assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
                assertTrue(e.getStatus().getDescription().contains("refseg.limits.max-request-bytes"),
                        e.getStatus().getDescription());
            } finally {
                ch.shutdownNow();
            }
        }
    }

    static double metric(String rpc, String status) throws Exception {
        String text;
        try (InputStream in = java.net.URI.create("http://localhost:" + TestPorts.http() + "/q/metrics").toURL().openStream()) {
            text = new String(in.readAllBytes());
        }
        return text.lines().filter(l -> l.startsWith("refseg_calls_total{") && l.contains("rpc=\"" + rpc + "\"")
                && l.contains("status=\"" + status + "\"")).mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .sum();
    }
}
