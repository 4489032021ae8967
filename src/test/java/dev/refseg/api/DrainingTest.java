package dev.refseg.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.refseg.mask.MaskProtos;
import dev.refseg.mask.PixelBox;
import dev.refseg.synth.SampleClip;
import dev.refseg.synth.SyntheticClip;
import dev.refseg.v1.Frame;
import dev.refseg.v1.KeySelectionGrpc;
import dev.refseg.v1.MaskFrame;
import dev.refseg.v1.PropagateRequest;
import dev.refseg.v1.PropagateStart;
import dev.refseg.v1.PropagationGrpc;
import dev.refseg.v1.Prompt;
import dev.refseg.v1.SegmentRequest;
import dev.refseg.v1.SelectKeyFrameRequest;
import dev.refseg.v1.Start;
import grpc.health.v1.HealthGrpc;
import grpc.health.v1.HealthOuterClass.HealthCheckRequest;
import grpc.health.v1.HealthOuterClass.HealthCheckResponse.ServingStatus;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Issue 12, item 7: draining as SIGTERM starts it (the entry point called directly, the test JVM lives
 * on). Health goes NOT_SERVING, new calls are refused with UNAVAILABLE, and a stream running when the
 * drain began finishes normally within the drain timeout, after which the drain returns with nothing left.
 */
@QuarkusTest
@TestProfile(DrainProfiles.LongTimeout.class)
class DrainingTest extends DrainTestBase {

    @Test
    void aRunningStreamFinishesWhileNewCallsAreRefused() throws Exception {
        SyntheticClip clip = SampleClip.render();
        List<Frame> frames = TextClips.frames(clip);
        ManagedChannel ch = ManagedChannelBuilder.forAddress("localhost", TestPorts.grpc()).usePlaintext()
                .maxInboundMessageSize(64 << 20).build();
        try {
            // A Propagate stream under way: its start and half the frames sent, the rest to come.
            PropagateTest.Collector running = new PropagateTest.Collector(-1);
            StreamObserver<PropagateRequest> in = PropagationGrpc.newStub(ch).propagate(running);
            in.onNext(PropagateRequest.newBuilder().setStart(PropagateStart.newBuilder().addPrompts(box(clip, 0)))
                    .build());
            int half = frames.size() / 2;
            for (Frame f : frames.subList(0, half)) {
                in.onNext(PropagateRequest.newBuilder().setFrame(f).build());
            }
            awaitTrue(() -> slots.inUse() == 1, "the stream holds its session");

            CompletableFuture<Void> drained = CompletableFuture.runAsync(draining::drain);

            HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(ch);
            awaitTrue(() -> health.check(HealthCheckRequest.getDefaultInstance()).getStatus()
                    == ServingStatus.NOT_SERVING, "health NOT_SERVING");
            assertEquals(ServingStatus.NOT_SERVING, health.check(HealthCheckRequest.newBuilder()
                    .setService("refseg.v1.Segmenter").build()).getStatus());
            // Liveness's entry stays SERVING: a draining process is alive and must not be restarted.
            assertEquals(ServingStatus.SERVING, health.check(HealthCheckRequest.newBuilder()
                    .setService(Draining.LIVENESS_SERVICE).build()).getStatus());

            // New calls, streaming and unary, are refused so that clients retry elsewhere.
            try (StreamClient client = new StreamClient()) {
                StreamClient.Outcome refused = client.run(List.of(SegmentRequest.newBuilder()
                        .setStart(Start.newBuilder().setText("the red disc")).build(),
                        SegmentRequest.newBuilder().setFrame(frames.get(0)).build()));
                assertEquals(Status.Code.UNAVAILABLE, refused.status().getCode(), refused.description());
                assertTrue(refused.description().contains("draining"), refused.description());
                assertTrue(refused.events().isEmpty(), "a refused call sends nothing: " + refused.events());
            }
            StatusRuntimeException unary = assertThrows(StatusRuntimeException.class, () -> KeySelectionGrpc
                    .newBlockingStub(ch).withDeadlineAfter(60, TimeUnit.SECONDS).selectKeyFrame(SelectKeyFrameRequest
                            .newBuilder().setReferent("the red disc").addAllFrames(frames.subList(0, 2)).build()));
            assertEquals(Status.Code.UNAVAILABLE, unary.getStatus().getCode());
            assertTrue(unary.getStatus().getDescription().contains("draining"), unary.getStatus().getDescription());
            // The stream has not half-closed and the timeout is a minute away: the drain still waits for it.
            assertFalse(drained.isDone(), "the drain returned while a stream was running");

            // The running stream goes on: the rest of its frames, half-close, a mask for every frame, OK.
            for (Frame f : frames.subList(half, frames.size())) {
                in.onNext(PropagateRequest.newBuilder().setFrame(f).build());
            }
            in.onCompleted();
            Status end = running.await();
            assertEquals(Status.Code.OK, end.getCode(), String.valueOf(end));
            assertEquals(frames.size(), running.masks.stream().map(MaskFrame::getFrameIndex).distinct().count());

            drained.get(30, TimeUnit.SECONDS);
            assertEquals(0, draining.running());
            assertTrue(draining.isDraining());
            Leaks.assertNothingLeft(inference, slots);
        } finally {
            ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    static Prompt box(SyntheticClip clip, int object) {
        return Prompt.newBuilder().setObjectId(object + 1).setFrameIndex(0)
                .setBox(MaskProtos.box(PixelBox.of(clip.truth().get(object).get(0)))).build();
    }
}
