package dev.refseg.llm;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A fake OpenAI-compatible chat endpoint on loopback: records every request body and answers with
 * whatever the script returns for it (so tests can answer by reading the prompt and the image). Counts
 * requests in flight, and the most seen at once, for the concurrency tests.
 */
public final class FakeOpenAi implements AutoCloseable {
    /** What to answer: an HTTP status (200 = a chat completion with {@code content}) after a delay. */
    public record Answer(int status, String content, long delayMillis) {
        public static Answer text(String content) {
            return new Answer(200, content, 0);
        }

        public static Answer status(int status) {
            return new Answer(status, "", 0);
        }
    }

    final HttpServer server;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    public final List<String> requests = new CopyOnWriteArrayList<>();
    public final AtomicInteger inFlight = new AtomicInteger();
    public final AtomicInteger maxInFlight = new AtomicInteger();
    private volatile Function<String, Answer> script;

    public FakeOpenAi(Function<String, String> answer) throws IOException {
        script = body -> Answer.text(answer.apply(body));
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(threads);
        server.createContext("/v1/chat/completions", ex -> {
            int now = inFlight.incrementAndGet();
            maxInFlight.accumulateAndGet(now, Math::max);
            try {
                String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                requests.add(body);
                Answer a = script.apply(body);
                if (a.delayMillis() > 0) {
                    Thread.sleep(a.delayMillis());
                }
                byte[] json = a.status() == 200 ? completion(a.content())
                        : ("{\"error\":{\"message\":\"fake error " + a.status() + "\",\"type\":\"fake\"}}")
                                .getBytes(StandardCharsets.UTF_8);
                ex.getResponseHeaders().add("Content-Type", "application/json");
                ex.sendResponseHeaders(a.status(), json.length);
                ex.getResponseBody().write(json);
            } catch (InterruptedException | IOException e) {
                // the client gave up (timeout): nothing to answer
            } finally {
                inFlight.decrementAndGet();
                ex.close();
            }
        });
        server.start();
    }

    /** Replaces the script (tests of one running application share one fake). */
    public void script(Function<String, Answer> s) {
        script = s;
    }

    public void reset() {
        requests.clear();
        maxInFlight.set(0);
    }

    private static byte[] completion(String content) {
        String escaped = content.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
        return ("{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"fake\","
                + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"" + escaped
                + "\"},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":11,\"completion_tokens\":7,"
                + "\"total_tokens\":18}}").getBytes(StandardCharsets.UTF_8);
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
