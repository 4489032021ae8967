package dev.refseg.llm;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

/**
 * A fake OpenAI-compatible chat endpoint on loopback: records every request body and answers with
 * whatever the script returns for it (so tests can answer by reading the prompt and the image). Counts
 * requests in flight, and the most seen at once, for the concurrency tests; and requests whose client
 * closed the connection before the answer was sent ({@link #aborted}), which a JDK HTTP server cannot
 * see, hence Vert.x here.
 */
public final class FakeOpenAi implements AutoCloseable {
    /**
     * What to answer: an HTTP status (200 = a chat completion with {@code content}) after a delay;
     * a negative delay holds the request open until the client gives up. With {@code body}, that is
     * sent as it is instead (a reply that is not a usable chat completion).
     */
    public record Answer(int status, String content, long delayMillis, long millisPerByte, String body) {
        public Answer(int status, String content, long delayMillis) {
            this(status, content, delayMillis, 0, null);
        }

        /** A 200 reply whose body is {@code body} verbatim (not JSON, no choices, ...). */
        public static Answer body(String body) {
            return new Answer(200, "", 0, 0, body);
        }

        public static Answer text(String content) {
            return new Answer(200, content, 0);
        }

        public static Answer status(int status) {
            return new Answer(status, "", 0);
        }

        /** Never answers: the request stays open until the client closes the connection. */
        public static Answer hold() {
            return new Answer(200, "", -1);
        }

        /** Answers 200 at once, then sends the body one byte every {@code millisPerByte}. */
        public static Answer trickle(String content, long millisPerByte) {
            return new Answer(200, content, 0, millisPerByte, null);
        }
    }

    private final Vertx vertx = Vertx.vertx();
    private final HttpServer server;
    public final List<String> requests = new CopyOnWriteArrayList<>();
    public final AtomicInteger inFlight = new AtomicInteger();
    public final AtomicInteger maxInFlight = new AtomicInteger();
    /** Requests whose connection the client closed before they were answered. */
    public final AtomicInteger aborted = new AtomicInteger();
    /** Requests the script held (answer {@link Answer#hold()}), and how many of those the client closed. */
    public final AtomicInteger held = new AtomicInteger();
    public final AtomicInteger heldAborted = new AtomicInteger();
    /** For each of those, how long after it arrived the connection was closed, in milliseconds. */
    public final List<Long> abortedAfterMillis = new CopyOnWriteArrayList<>();
    /** For each request answered, when it arrived and when its answer was sent ({@link System#nanoTime}). */
    public final List<long[]> answeredNanos = new CopyOnWriteArrayList<>();
    /** The W3C traceparent header of each request that had one (tracing tests). */
    public final List<String> traceparents = new CopyOnWriteArrayList<>();
    private volatile Function<String, Answer> script;

    public FakeOpenAi(Function<String, String> answer) throws IOException {
        script = body -> Answer.text(answer.apply(body));
        server = vertx.createHttpServer().requestHandler(this::handle);
        try {
            server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            vertx.close();
            throw new IOException("the fake LLM server did not start", e);
        }
    }

    private void handle(HttpServerRequest req) {
        HttpServerResponse res = req.response();
        if (!req.path().equals("/v1/chat/completions")) {
            res.setStatusCode(404).end();
            return;
        }
        String traceparent = req.getHeader("traceparent");
        if (traceparent != null) {
            traceparents.add(traceparent);
        }
        int now = inFlight.incrementAndGet();
        maxInFlight.accumulateAndGet(now, Math::max);
        AtomicBoolean finished = new AtomicBoolean();
        AtomicBoolean holding = new AtomicBoolean();
        long arrived = System.nanoTime();
        res.closeHandler(v -> {
            if (finished.compareAndSet(false, true)) {
                abortedAfterMillis.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - arrived));
                aborted.incrementAndGet();
                if (holding.get()) {
                    heldAborted.incrementAndGet();
                }
                inFlight.decrementAndGet();
            }
        });
        req.body().onSuccess(buffer -> {
            String body = buffer.toString(StandardCharsets.UTF_8);
            requests.add(body);
            // Scripts may block (they wait for each other in the overlap tests): not on the event loop.
            vertx.<Answer>executeBlocking(() -> script.apply(body), false).onFailure(e -> answer(res,
                    Answer.status(500), finished, arrived)).onSuccess(a -> {
                if (a.delayMillis() < 0) {
                    // Callbacks and the close handler run on the one event loop: no race between them.
                    holding.set(true);
                    held.incrementAndGet();
                    if (finished.get()) {
                        heldAborted.incrementAndGet(); // the client left while the script ran
                    }
                    return; // held until the client leaves
                }
                if (a.delayMillis() == 0) {
                    answer(res, a, finished, arrived);
                } else {
                    vertx.setTimer(a.delayMillis(), t -> answer(res, a, finished, arrived));
                }
            });
        });
    }

    private void answer(HttpServerResponse res, Answer a, AtomicBoolean finished, long arrived) {
        if (!finished.compareAndSet(false, true)) {
            return; // the client already left
        }
        answeredNanos.add(new long[] {arrived, System.nanoTime()});
        byte[] json = a.body() != null ? a.body().getBytes(StandardCharsets.UTF_8)
                : a.status() == 200 ? completion(a.content())
                : ("{\"error\":{\"message\":\"fake error " + a.status() + "\",\"type\":\"fake\"}}")
                        .getBytes(StandardCharsets.UTF_8);
        res.setStatusCode(a.status()).putHeader("Content-Type", "application/json");
        if (a.millisPerByte() > 0) {
            finished.set(false); // still in flight: the close handler counts an abort until the last byte
            res.setChunked(true);
            trickle(res, json, 0, a.millisPerByte(), finished);
            return;
        }
        inFlight.decrementAndGet();
        res.end(Buffer.buffer(json));
    }

    private void trickle(HttpServerResponse res, byte[] json, int at, long millisPerByte, AtomicBoolean finished) {
        if (finished.get()) {
            return; // the client left
        }
        if (at == json.length) {
            if (finished.compareAndSet(false, true)) {
                inFlight.decrementAndGet();
                res.end();
            }
            return;
        }
        res.write(Buffer.buffer(new byte[] {json[at]}));
        vertx.setTimer(millisPerByte, t -> trickle(res, json, at + 1, millisPerByte, finished));
    }

    /** Replaces the script (tests of one running application share one fake). */
    public void script(Function<String, Answer> s) {
        script = s;
    }

    public void reset() {
        requests.clear();
        maxInFlight.set(0);
        aborted.set(0);
        held.set(0);
        heldAborted.set(0);
        abortedAfterMillis.clear();
        answeredNanos.clear();
        traceparents.clear();
    }

    /** Waits up to {@code millis} for the condition; true when it held. */
    public static boolean await(BooleanSupplier condition, long millis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(5);
        }
        return true;
    }

    private static byte[] completion(String content) {
        String escaped = content.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
        return ("{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"fake\","
                + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"" + escaped
                + "\"},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":11,\"completion_tokens\":7,"
                + "\"total_tokens\":18}}").getBytes(StandardCharsets.UTF_8);
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + server.actualPort() + "/v1";
    }

    @Override
    public void close() {
        vertx.close();
    }
}
