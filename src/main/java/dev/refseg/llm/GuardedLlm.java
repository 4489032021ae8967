package dev.refseg.llm;

import dev.langchain4j.exception.HttpException;
import dev.langchain4j.exception.NonRetriableException;
import dev.langchain4j.exception.RetriableException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;

/**
 * Every LLM call of the process goes through here: answers cached by (model, detail, prompt, image
 * digest); at most {@code maxConcurrent} requests in flight (the pool's size) and at most
 * {@code maxQueued} waiting (the pool's queue), so a burst of sessions cannot pile up unbounded work;
 * bounded retries with exponential backoff and jitter on 429, 5xx, timeouts and connection failures;
 * Micrometer meters for calls, latency, retries, failures, tokens and cache hits, tagged by step.
 * A question whose future is cancelled (its call ended) gives its pool thread back at once: see
 * {@link #ask}.
 */
public final class GuardedLlm implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(GuardedLlm.class);

    /** The call did not produce an answer; {@code getMessage()} says why, for the fallback's reason. */
    public static final class LlmFailure extends RuntimeException {
        public LlmFailure(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** Retry and backoff policy. */
    public record Policy(int maxRetries, Duration initialBackoff, Duration maxBackoff) {
    }

    private final VisionLlm llm;
    private final Policy policy;
    private final ThreadPoolExecutor pool;
    private final Map<String, String> cache;
    private final int cacheEntries;
    private final int maxQueued;
    private final MeterRegistry meters;
    private final AtomicInteger inFlight = new AtomicInteger();
    /** Questions asked and not yet answered, for close(). */
    private final Set<CompletableFuture<String>> live = ConcurrentHashMap.newKeySet();

    public GuardedLlm(VisionLlm llm, Policy policy, int maxConcurrent, int maxQueued, int cacheEntries,
            MeterRegistry meters) {
        if (maxConcurrent < 1 || maxQueued < 0 || policy.maxRetries() < 0) {
            throw new IllegalArgumentException("refseg.llm: max-concurrent must be >= 1, max-queued and max-retries >= 0");
        }
        this.llm = llm;
        this.policy = policy;
        this.cacheEntries = cacheEntries;
        this.maxQueued = maxQueued;
        this.meters = meters;
        AtomicInteger n = new AtomicInteger();
        this.pool = new ThreadPoolExecutor(maxConcurrent, maxConcurrent, 30, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(Math.max(1, maxQueued)), r -> {
                    Thread t = new Thread(r, "refseg-llm-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        pool.allowCoreThreadTimeOut(true);
        this.cache = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
                return size() > GuardedLlm.this.cacheEntries;
            }
        };
        meters.gauge("refseg.llm.in.flight", inFlight);
    }

    /**
     * Asks asynchronously. The future completes with the reply text, or exceptionally with an
     * {@link LlmFailure} once the retries are spent (or at once when the queue is full or this is closed).
     * Cancelling the future abandons the question: taken off the queue if it is waiting, its HTTP request
     * aborted (or its backoff wait ended) if it is running, so its pool thread is free at once; an abandoned
     * question's answer is never cached, and its aborted request is counted as {@code cancelled}, not as
     * a failure.
     *
     * @param step the method step, for the meters ("key_frame", "key_box")
     */
    public CompletableFuture<String> ask(String step, String model, String detail, String prompt, byte[] jpeg) {
        String key = cacheKey(model, detail, prompt, jpeg);
        String hit = cached(key);
        if (hit != null) {
            counter("refseg.llm.cache.hits", "Answers served from the cache", step).increment();
            return CompletableFuture.completedFuture(hit);
        }
        CompletableFuture<String> result = new CompletableFuture<>();
        // The request runs on a pool thread in the asking call's trace context (its span when tracing is on).
        AbandonableTask task = new AbandonableTask(pool, io.opentelemetry.context.Context.current().wrap(
                () -> answer(result, step, model, detail, prompt, jpeg, key)));
        live.add(result);
        result.whenComplete((text, error) -> {
            live.remove(result);
            if (result.isCancelled()) {
                task.abandon();
            }
        });
        try {
            pool.execute(task);
        } catch (RejectedExecutionException e) {
            if (pool.isShutdown()) {
                result.completeExceptionally(new LlmFailure("the LLM client is closed (the server is stopping)", e));
            } else {
                fail(step, "queue_full");
                result.completeExceptionally(new LlmFailure("too many LLM requests waiting (refseg.llm.max-queued = "
                        + maxQueued + ")", e));
            }
        }
        return result;
    }

    /** Runs one question on a pool thread, unless it was abandoned while queued. */
    private void answer(CompletableFuture<String> result, String step, String model, String detail, String prompt,
            byte[] jpeg, String key) {
        if (result.isDone()) {
            return;
        }
        try {
            String text = call(result, step, model, detail, prompt, jpeg);
            remember(key, text);
            result.complete(text);
        } catch (RuntimeException e) {
            result.completeExceptionally(e); // a no-op once abandoned
        }
    }

    /** One call with its retries, on a pool thread; throws {@link RequestAborted} once {@code result} is cancelled. */
    private String call(CompletableFuture<String> result, String step, String model, String detail, String prompt,
            byte[] jpeg) {
        Duration backoff = policy.initialBackoff();
        for (int attempt = 0; ; attempt++) {
            long t0 = System.nanoTime();
            inFlight.incrementAndGet();
            VisionLlm.Reply r;
            try {
                r = llm.ask(model, prompt, jpeg, detail);
            } catch (RuntimeException e) {
                if (result.isCancelled()) {
                    throw cancelled(step);
                }
                boolean retry = retryable(e) && attempt < policy.maxRetries();
                record(step, retry ? "retried" : "error", t0);
                if (!retry) {
                    fail(step, retryable(e) ? "retries_exhausted" : "not_retryable");
                    throw new LlmFailure("LLM " + model + " failed after " + (attempt + 1) + " attempt(s): "
                            + describe(e), e);
                }
                counter("refseg.llm.retries", "LLM requests retried", step).increment();
                LOG.infof("LLM %s attempt %d failed (%s); retrying in %s", model, attempt + 1, describe(e), backoff);
                r = null;
            } finally {
                inFlight.decrementAndGet();
            }
            if (r != null) {
                tokens(step, "in", r.inputTokens());
                tokens(step, "out", r.outputTokens());
                if (result.isCancelled()) {
                    throw cancelled(step); // whatever came back for an abandoned question is not trusted
                }
                record(step, "ok", t0);
                return r.text() == null ? "" : r.text();
            }
            if (!pause(jittered(backoff))) {
                throw new RequestAborted("abandoned while waiting to retry");
            }
            backoff = backoff.multipliedBy(2).compareTo(policy.maxBackoff()) > 0 ? policy.maxBackoff() : backoff.multipliedBy(2);
        }
    }

    /** Counts an aborted request (not a failure: its call ended) and says so. */
    private RequestAborted cancelled(String step) {
        counter("refseg.llm.calls", "LLM requests by outcome", step, "outcome", "cancelled").increment();
        return new RequestAborted("abandoned: its call ended");
    }

    /**
     * Rate limits, server errors, timeouts and broken connections are worth another try; the rest are not,
     * in particular a successful reply that cannot be used ({@link UnusableReply}, or a JSON error: Jackson's
     * exceptions are IOExceptions, but the reply arrived whole and would arrive the same again).
     */
    static boolean retryable(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof HttpException h) {
                return h.statusCode() == 429 || h.statusCode() >= 500;
            }
            if (t instanceof UnusableReply || t instanceof com.fasterxml.jackson.core.JsonProcessingException) {
                return false;
            }
            if (t instanceof RetriableException || t instanceof IOException
                    || t instanceof java.util.concurrent.TimeoutException) {
                return true;
            }
            if (t instanceof NonRetriableException) {
                return false;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }

    private static String describe(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root && root.getMessage() == null) {
            root = root.getCause();
        }
        String m = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
        return m.length() > 300 ? m.substring(0, 300) + "..." : m;
    }

    /** Full jitter over the upper half: spreads retries of concurrent calls without shrinking the wait too much. */
    private static Duration jittered(Duration d) {
        long ms = d.toMillis();
        return Duration.ofMillis(ms / 2 + ThreadLocalRandom.current().nextLong(ms / 2 + 1));
    }

    /** Waits before a retry; false when the question was abandoned meanwhile (the wait was interrupted). */
    private static boolean pause(Duration d) {
        try {
            Thread.sleep(d.toMillis());
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    static String cacheKey(String model, String detail, String prompt, byte[] jpeg) {
        try {
            MessageDigest image = MessageDigest.getInstance("SHA-256");
            MessageDigest all = MessageDigest.getInstance("SHA-256");
            for (String part : new String[] {model, detail, prompt}) {
                all.update(part.getBytes(StandardCharsets.UTF_8));
                all.update((byte) 0);
            }
            all.update(image.digest(jpeg));
            return HexFormat.of().formatHex(all.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private String cached(String key) {
        if (cacheEntries <= 0) {
            return null;
        }
        synchronized (cache) {
            return cache.get(key);
        }
    }

    private void remember(String key, String text) {
        if (cacheEntries > 0) {
            synchronized (cache) {
                cache.put(key, text);
            }
        }
    }

    private void record(String step, String outcome, long t0) {
        counter("refseg.llm.calls", "LLM requests by outcome", step, "outcome", outcome).increment();
        Timer.builder("refseg.llm.latency").description("LLM request latency").tag("step", step)
                .register(meters).record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
    }

    private void fail(String step, String reason) {
        counter("refseg.llm.failures", "LLM calls that gave no answer", step, "reason", reason).increment();
    }

    private void tokens(String step, String direction, int n) {
        if (n > 0) {
            counter("refseg.llm.tokens", "LLM tokens", step, "direction", direction).increment(n);
        }
    }

    private Counter counter(String name, String description, String step, String... tags) {
        Counter.Builder b = Counter.builder(name).description(description).tag("step", step);
        for (int i = 0; i + 1 < tags.length; i += 2) {
            b.tag(tags[i], tags[i + 1]);
        }
        return b.register(meters);
    }

    /** The reply of a finished (or, waiting for it, unfinished) call; null when it failed. */
    public static String textOf(CompletableFuture<String> f) {
        try {
            return f.get();
        } catch (java.util.concurrent.ExecutionException | CancellationException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LlmFailure("interrupted while waiting for the LLM", e);
        }
    }

    /** Why a finished call failed, in words; null when it succeeded. */
    public static String failureOf(CompletableFuture<String> f) {
        if (!f.isCompletedExceptionally()) {
            return null;
        }
        if (f.isCancelled()) {
            return "the question was cancelled";
        }
        try {
            f.join();
            return null;
        } catch (RuntimeException e) {
            Throwable c = e.getCause() != null ? e.getCause() : e;
            return c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage();
        }
    }

    /** Twice the concurrency cap, but no more than the pool and its queue hold. */
    public int perCallLimit() {
        return Math.min(2 * pool.getMaximumPoolSize(), pool.getMaximumPoolSize() + Math.max(1, maxQueued));
    }

    /** Requests in flight now (for tests and the gauge). */
    public int inFlight() {
        return inFlight.get();
    }

    /** Refuses new questions and abandons every pending one (queued or in flight; their futures are cancelled). */
    @Override
    public void close() {
        pool.shutdown();
        // Queued questions go first: cancelling a running one frees its thread, which would otherwise take the
        // next queued question before that one's own cancel reached it.
        pool.getQueue().drainTo(new java.util.ArrayList<>());
        List.copyOf(live).forEach(f -> f.cancel(true));
        pool.shutdownNow();
    }
}
