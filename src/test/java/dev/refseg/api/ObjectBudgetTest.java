package dev.refseg.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.refseg.synth.SampleClip;
import dev.refseg.synth.SyntheticClip;
import dev.refseg.v1.Box;
import dev.refseg.v1.PropagateRequest;
import dev.refseg.v1.PropagateStart;
import dev.refseg.v1.PropagationGrpc;
import dev.refseg.v1.Prompt;
import io.grpc.Status;
import io.quarkus.test.junit.QuarkusTest;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Objects tracked at once are bounded by refseg.limits.max-tracked-objects (16 by default): each keeps a
 * memory bank, and a single call with 64 prompts used to run the server out of heap.
 */
@QuarkusTest
class ObjectBudgetTest extends CallTest {

    static PropagateTest.Collector propagate(int objects, boolean read, SyntheticClip clip) throws Exception {
        PropagateTest.Collector c = new PropagateTest.Collector(-1, read);
        var in = PropagationGrpc.newStub(channel).propagate(c);
        PropagateStart.Builder s = PropagateStart.newBuilder();
        for (int k = 0; k < objects; k++) {
            s.addPrompts(Prompt.newBuilder().setObjectId(k + 1).setFrameIndex(0)
                    .setBox(Box.newBuilder().setX1(10 + k).setY1(10).setX2(60 + k).setY2(60)));
        }
        in.onNext(PropagateRequest.newBuilder().setStart(s).build());
        for (int i = 0; i < 6; i++) {
            in.onNext(PropagateRequest.newBuilder().setFrame(CallTimeoutsTest.png(clip, i)).build());
        }
        in.onCompleted();
        return c;
    }

    @Test
    void tooManyObjectsInOneCallAreRefusedAtStart() throws Exception {
        Status s = propagate(17, true, SampleClip.render()).await();
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, s.getCode(), s.getDescription());
        assertEquals("start.prompts: objects 17 exceeds the limit refseg.limits.max-tracked-objects = 16",
                s.getDescription());
        assertEquals(Status.Code.OK, propagate(16, true, SampleClip.render()).await().getCode());
    }

    @Test
    void objectsOfOtherCallsCount() throws Exception {
        SyntheticClip clip = SampleClip.render();
        PropagateTest.Collector holder = propagate(16, false, clip); // tracks 16 objects, blocked on its unread output
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (inference.trackedObjects() < 16 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(16, inference.trackedObjects());
        Status s = propagate(1, true, clip).await();
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, s.getCode(), s.getDescription());
        assertTrue(s.getDescription().contains("1 object(s), with the 16 that other calls track now, make 17, which "
                + "exceeds the limit refseg.limits.max-tracked-objects = 16"), s.getDescription());
        holder.requests.cancel("done", null);
        while (inference.trackedObjects() > 0 && System.nanoTime() < deadline + TimeUnit.SECONDS.toNanos(30)) {
            Thread.sleep(20);
        }
        assertEquals(Status.Code.OK, propagate(1, true, clip).await().getCode());
    }
}
