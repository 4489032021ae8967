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
            release.countDown();
            CompletableFuture.allOf(asked).get(10, TimeUnit.SECONDS);
            assertEquals(2, most.get());
        }
    }
}
