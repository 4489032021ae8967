package dev.refseg.segment;

import io.grpc.Status;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

/** Waiting for LLM answers inside a call: useful work meanwhile, and an early end when the client leaves. */
final class CallWaits {
    private static final long POLL_MS = 20;

    private CallWaits() {
    }

    /**
     * Waits for one answer, doing {@code idleWork} meanwhile (it returns false when it has nothing left),
     * and gives up at once when the client cancels.
     *
     * @throws io.grpc.StatusRuntimeException CANCELLED when the client left or the thread was interrupted
     */
    static void await(CompletableFuture<String> f, BooleanSupplier idleWork, BooleanSupplier cancelled) {
        boolean work = true;
        while (!f.isDone()) {
            stopIfCancelled(cancelled);
            if (work) {
                work = idleWork.getAsBoolean();
                continue;
            }
            try {
                f.get(POLL_MS, TimeUnit.MILLISECONDS);
            } catch (TimeoutException | ExecutionException | java.util.concurrent.CancellationException e) {
                // polled again, failed, or abandoned because the call is ending: the loop's test decides
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw Status.CANCELLED.withDescription("interrupted").asRuntimeException();
            }
        }
        stopIfCancelled(cancelled); // an answer abandoned because the call is ending is no answer to go on with
    }

    /**
     * Ends the call's work with CANCELLED once the client has left (or its deadline has passed).
     *
     * @throws io.grpc.StatusRuntimeException CANCELLED
     */
    static void stopIfCancelled(BooleanSupplier cancelled) {
        if (cancelled.getAsBoolean()) {
            throw Status.CANCELLED.withDescription("the client cancelled the call").asRuntimeException();
        }
    }
}
