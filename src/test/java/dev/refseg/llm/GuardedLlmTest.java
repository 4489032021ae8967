package dev.refseg.llm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.langchain4j.exception.InvalidRequestException;
import dev.langchain4j.exception.RateLimitException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Cache, retries, the concurrency cap and the queue bound, around a scripted VisionLlm. */
class GuardedLlmTest {
    static final GuardedLlm.Policy FAST = new GuardedLlm.Policy(2, Duration.ofMillis(5), Duration.ofMillis(20));
    static final byte[] IMAGE = {1, 2, 3};

    @Test
    void identicalQuestionsAreAnsweredFromTheCache() {
        AtomicInteger calls = new AtomicInteger();
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (GuardedLlm llm = new GuardedLlm((m, p, i, d) -> new VisionLlm.Reply("[" + calls.incrementAndGet() + "]", 5, 2),
                FAST, 2, 8, 16, meters)) {
            assertEquals("[1]", llm.ask("key_frame", "m", "high", "which?", IMAGE).join());
            assertEquals("[1]", llm.ask("key_frame", "m", "high", "which?", IMAGE).join());
            // Another image, prompt, model or detail is another question.
            assertEquals("[2]", llm.ask("key_frame", "m", "high", "which?", new byte[] {9}).join());
            assertEquals("[3]", llm.ask("key_frame", "m", "low", "which?", IMAGE).join());
            assertEquals("[4]", llm.ask("key_frame", "m2", "high", "which?", IMAGE).join());
            assertEquals(4, calls.get());
            assertEquals(1, meters.get("refseg.llm.cache.hits").counter().count());
            assertEquals(20, meters.get("refseg.llm.tokens").tag("direction", "in").counter().count());
        }
    }

    @Test
    void rateLimitsAreRetriedWithBackoffAndBadRequestsAreNot() {
        AtomicInteger calls = new AtomicInteger();
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (GuardedLlm llm = new GuardedLlm((m, p, i, d) -> {
            int n = calls.incrementAndGet();
            if (p.equals("bad")) {
                throw new InvalidRequestException("400 bad request");
            }
            if (n < 3) {
                throw new RateLimitException("429 slow down");
            }
            return new VisionLlm.Reply("[2]", 0, 0);
        }, FAST, 2, 8, 0, meters)) {
            assertEquals("[2]", llm.ask("key_box", "m", "high", "good", IMAGE).join());
            assertEquals(3, calls.get());
            assertEquals(2, meters.get("refseg.llm.retries").counter().count());

            calls.set(0);
            CompletableFuture<String> bad = llm.ask("key_box", "m", "high", "bad", IMAGE);
            assertNull(GuardedLlm.textOf(bad));
            assertEquals(1, calls.get(), "a 400 is not retried");
            assertTrue(GuardedLlm.failureOf(bad).contains("after 1 attempt"), GuardedLlm.failureOf(bad));
        }
    }

    /**
     * README: only 429, 5xx, timeouts and connection failures are retried. A reply that arrived but cannot
     * be read (Jackson's errors are IOExceptions) is not; a broken connection (a plain IOException) is.
     */
    @Test
    void unreadableRepliesAreNotRetriedButBrokenConnectionsAre() {
        AtomicInteger calls = new AtomicInteger();
        try (GuardedLlm llm = new GuardedLlm((m, p, i, d) -> {
            calls.incrementAndGet();
            if (p.equals("json")) {
                throw new dev.langchain4j.exception.LangChain4jException(
                        new com.fasterxml.jackson.core.JsonParseException(null, "Unrecognized token 'this'"));
            }
            if (p.equals("unusable")) {
                throw new UnusableReply("no choices", null);
            }
            throw new java.io.UncheckedIOException(new java.io.IOException("Connection reset"));
        }, FAST, 2, 8, 0, new SimpleMeterRegistry())) {
            for (String unreadable : new String[] {"json", "unusable"}) {
                calls.set(0);
                CompletableFuture<String> f = llm.ask("key_frame", "m", "auto", unreadable, IMAGE);
                assertNull(GuardedLlm.textOf(f));
                assertEquals(1, calls.get(), unreadable + " is asked once");
            }
            calls.set(0);
            assertNull(GuardedLlm.textOf(llm.ask("key_frame", "m", "auto", "reset", IMAGE)));
            assertEquals(3, calls.get(), "a reset connection is retried");
        }
    }

    @Test
    void retriesAreBounded() {
        AtomicInteger calls = new AtomicInteger();
        try (GuardedLlm llm = new GuardedLlm((m, p, i, d) -> {
            calls.incrementAndGet();
            throw new RateLimitException("429");
        }, FAST, 2, 8, 0, new SimpleMeterRegistry())) {
            CompletableFuture<String> f = llm.ask("key_frame", "m", "auto", "q", IMAGE);
            assertNull(GuardedLlm.textOf(f));
            assertEquals(3, calls.get());
            assertTrue(GuardedLlm.failureOf(f).contains("3 attempt"), GuardedLlm.failureOf(f));
        }
    }

    @Test
    void neverMoreInFlightThanTheCapAndTheQueueIsBounded() throws Exception {
        AtomicInteger active = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        CountDownLatch release = new CountDownLatch(1);
        try (GuardedLlm llm = new GuardedLlm((m, p, i, d) -> {
            most.accumulateAndGet(active.incrementAndGet(), Math::max);
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            active.decrementAndGet();
            return new VisionLlm.Reply("[1]", 0, 0);
        }, FAST, 2, 3, 0, new SimpleMeterRegistry())) {
            CompletableFuture<?>[] asked = new CompletableFuture<?>[5];
            for (int i = 0; i < 5; i++) {
                asked[i] = llm.ask("key_frame", "m", "auto", "q" + i, IMAGE);
            }
            // 2 running + 3 queued fill it: the sixth fails at once.
            CompletableFuture<String> refused = llm.ask("key_frame", "m", "auto", "q6", IMAGE);
            assertTrue(refused.isCompletedExceptionally());
            assertInstanceOf(GuardedLlm.LlmFailure.class, refused.handle((v, e) -> e).join());
            assertTrue(GuardedLlm.failureOf(refused).contains("refseg.llm.max-queued = 3"), GuardedLlm.failureOf(refused));
            // Both threads at work before the release (on a busy machine the second may start late).
            assertTrue(FakeOpenAi.await(() -> active.get() == 2, 5000));
            release.countDown();
            CompletableFuture.allOf(asked).get(10, TimeUnit.SECONDS);
            assertEquals(2, most.get());
        }
    }

    /** A VisionLlm that holds every question until released or interrupted, and says which happened. */
    static final class Holding implements VisionLlm {
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicInteger started = new AtomicInteger();
        final AtomicInteger interrupted = new AtomicInteger();
        volatile String onInterrupt; // null: throw as a well-behaved client does; else answer this anyway

        @Override
        public Reply ask(String model, String prompt, byte[] jpeg, String detail) {
            started.incrementAndGet();
            try {
                if (!prompt.startsWith("quick")) {
                    release.await(30, TimeUnit.SECONDS);
                }
                return new Reply("[1]", 0, 0);
            } catch (InterruptedException e) {
                interrupted.incrementAndGet();
                Thread.currentThread().interrupt();
                if (onInterrupt != null) {
                    return new Reply(onInterrupt, 0, 0);
                }
                throw new RequestAborted("interrupted");
            }
        }
    }

    @Test
    void cancellingARunningQuestionInterruptsItAndFreesTheThreadAtOnce() throws Exception {
        Holding held = new Holding();
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (GuardedLlm llm = new GuardedLlm(held, FAST, 1, 4, 0, meters)) {
            CompletableFuture<String> first = llm.ask("key_box", "m", "high", "slow", IMAGE);
            CompletableFuture<String> second = llm.ask("key_box", "m", "high", "quick", IMAGE);
            assertTrue(FakeOpenAi.await(() -> held.started.get() == 1, 5000));
            first.cancel(true);
            // The only thread is free again: the queued question is answered without releasing the first.
            assertEquals("[1]", second.get(5, TimeUnit.SECONDS));
            assertEquals(1, held.interrupted.get());
            assertEquals(0, llm.inFlight());
            assertEquals(1, meters.get("refseg.llm.calls").tag("outcome", "cancelled").counter().count());
            assertNull(meters.find("refseg.llm.failures").counter(), "a cancelled request is not a failure");
            // The interrupt did not leak into the next question the thread took.
            assertEquals("[1]", llm.ask("key_box", "m", "high", "quick again", IMAGE).get(5, TimeUnit.SECONDS));
            assertEquals(1, held.interrupted.get());
        }
    }

    @Test
    void cancellingAQueuedQuestionTakesItOffTheQueue() throws Exception {
        Holding held = new Holding();
        try (GuardedLlm llm = new GuardedLlm(held, FAST, 1, 1, 0, new SimpleMeterRegistry())) {
            CompletableFuture<String> running = llm.ask("key_frame", "m", "auto", "slow 1", IMAGE);
            assertTrue(FakeOpenAi.await(() -> held.started.get() == 1, 5000));
            CompletableFuture<String> queued = llm.ask("key_frame", "m", "auto", "slow 2", IMAGE);
            assertTrue(llm.ask("key_frame", "m", "auto", "slow 3", IMAGE).isCompletedExceptionally(), "queue full");
            queued.cancel(true);
            CompletableFuture<String> next = llm.ask("key_frame", "m", "auto", "slow 4", IMAGE);
            assertTrue(!next.isDone(), "the cancelled question's place is free: " + GuardedLlm.failureOf(next));
            held.release.countDown();
            assertEquals("[1]", running.get(5, TimeUnit.SECONDS));
            assertEquals("[1]", next.get(5, TimeUnit.SECONDS));
            assertEquals(2, held.started.get(), "the cancelled question was never asked");
        }
    }

    @Test
    void cancellingDuringABackoffWaitEndsTheWait() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        GuardedLlm.Policy slowRetry = new GuardedLlm.Policy(3, Duration.ofSeconds(60), Duration.ofSeconds(60));
        try (GuardedLlm llm = new GuardedLlm((m, p, i, d) -> {
            if (p.equals("refused")) {
                calls.incrementAndGet();
                throw new RateLimitException("429");
            }
            return new VisionLlm.Reply("[2]", 0, 0);
        }, slowRetry, 1, 4, 0, new SimpleMeterRegistry())) {
            CompletableFuture<String> refused = llm.ask("key_frame", "m", "auto", "refused", IMAGE);
            CompletableFuture<String> other = llm.ask("key_frame", "m", "auto", "other", IMAGE);
            assertTrue(FakeOpenAi.await(() -> calls.get() == 1, 5000));
            refused.cancel(true);
            assertEquals("[2]", other.get(10, TimeUnit.SECONDS), "answered long before the 30 s wait would end");
            assertEquals(1, calls.get(), "no retry after the cancel");
        }
    }

    @Test
    void aCancelledQuestionNeverPoisonsTheCache() throws Exception {
        Holding held = new Holding();
        held.onInterrupt = "[partial]"; // a client that hands back whatever it had when interrupted
        try (GuardedLlm llm = new GuardedLlm(held, FAST, 1, 4, 16, new SimpleMeterRegistry())) {
            CompletableFuture<String> first = llm.ask("key_box", "m", "high", "slow", IMAGE);
            assertTrue(FakeOpenAi.await(() -> held.started.get() == 1, 5000));
            first.cancel(true);
            assertTrue(FakeOpenAi.await(() -> llm.inFlight() == 0, 5000));
            held.release.countDown();
            assertEquals("[1]", llm.ask("key_box", "m", "high", "slow", IMAGE).get(5, TimeUnit.SECONDS));
            assertEquals(2, held.started.get(), "asked again, not answered from the cache");
        }
    }

    @Test
    void closingAbandonsRunningAndQueuedQuestions() throws Exception {
        Holding held = new Holding();
        GuardedLlm llm = new GuardedLlm(held, FAST, 1, 4, 0, new SimpleMeterRegistry());
        CompletableFuture<String> running = llm.ask("key_box", "m", "high", "slow 1", IMAGE);
        CompletableFuture<String> queued = llm.ask("key_box", "m", "high", "slow 2", IMAGE);
        assertTrue(FakeOpenAi.await(() -> held.started.get() == 1, 5000));
        llm.close();
        assertTrue(running.isCancelled() && queued.isCancelled());
        assertTrue(FakeOpenAi.await(() -> held.interrupted.get() == 1 && llm.inFlight() == 0, 5000));
        assertEquals(1, held.started.get());
        assertTrue(GuardedLlm.failureOf(llm.ask("key_box", "m", "high", "late", IMAGE)).contains("closed"));
    }
}
