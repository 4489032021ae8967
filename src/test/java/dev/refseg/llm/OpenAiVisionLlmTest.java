package dev.refseg.llm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The request really carries the prompt and the image (a parameter silently dropped would pass otherwise).
 * A Quarkus test: the extension's HTTP client for langchain4j needs the running application (CDI).
 */
@io.quarkus.test.junit.QuarkusTest
class OpenAiVisionLlmTest {
    @Test
    void sendsTextAndImageAsADataUrlWithTheDetailLevel() throws Exception {
        byte[] jpeg = {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, 1, 2, 3};
        try (FakeOpenAi fake = new FakeOpenAi(body -> body.contains("the red disc") ? "It is frame two. [2]" : "[9]")) {
            VisionLlm llm = new OpenAiVisionLlm(fake.baseUrl(), "test-key", Duration.ofSeconds(10));
            VisionLlm.Reply r = llm.ask("gpt-test", "Which frame shows the red disc?", jpeg, "high");
            assertEquals("It is frame two. [2]", r.text());
            assertEquals(11, r.inputTokens());
            assertEquals(7, r.outputTokens());
            String body = fake.requests.get(0);
            String compact = body.replaceAll("\\s", "");
            assertTrue(compact.contains("\"model\":\"gpt-test\""), body);
            assertTrue(body.contains("Which frame shows the red disc?"), body);
            assertTrue(compact.contains("\"url\":\"data:image/jpeg;base64," + Base64.getEncoder().encodeToString(jpeg)
                    + "\""), body);
            assertTrue(compact.contains("\"detail\":\"high\""), body);
            // Nothing else either: exactly the body langchain4j's chat model sent before the switch to its client.
            assertEquals(new ObjectMapper().readTree("{\"model\":\"gpt-test\",\"messages\":[{\"role\":\"user\","
                    + "\"content\":[{\"type\":\"text\",\"text\":\"Which frame shows the red disc?\"},"
                    + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/jpeg;base64,/9j/AQID\","
                    + "\"detail\":\"high\"}}]}]}"), new ObjectMapper().readTree(body));
        }
    }

    /** An endpoint that trickles its answer cannot hold a request past refseg.llm.timeout in all. */
    @Test
    void aTricklingAnswerIsCutAtTheTimeout() throws Exception {
        try (FakeOpenAi fake = new FakeOpenAi(body -> "[1]")) {
            fake.script(body -> FakeOpenAi.Answer.trickle("[1]", 200)); // ~60 s for the whole body
            VisionLlm llm = new OpenAiVisionLlm(fake.baseUrl(), "k", Duration.ofSeconds(2));
            long t0 = System.nanoTime();
            RuntimeException e = org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class,
                    () -> llm.ask("m", "which?", new byte[] {1}, "low"));
            double took = (System.nanoTime() - t0) / 1e9;
            assertTrue(e.getMessage().contains("took longer than refseg.llm.timeout = PT2S in all"), e.getMessage());
            assertTrue(GuardedLlm.retryable(e), "a timeout is retryable");
            assertTrue(took < 20, "cut after " + took + " s");
            assertTrue(FakeOpenAi.await(() -> fake.aborted.get() == 1, 10_000), "the request is aborted on the wire");
        }
    }

    /**
     * A cancelled question's request is aborted on the wire (the server sees the connection closed), its
     * slot is free at once, and the question queued behind it is answered long before the 30 s timeout.
     */
    @Test
    void cancellingAQuestionAbortsItsRequestAndFreesItsSlot() throws Exception {
        try (FakeOpenAi fake = new FakeOpenAi(body -> "[3]")) {
            fake.script(body -> body.contains("hold") ? FakeOpenAi.Answer.hold() : FakeOpenAi.Answer.text("[3]"));
            SimpleMeterRegistry meters = new SimpleMeterRegistry();
            try (GuardedLlm llm = new GuardedLlm(new OpenAiVisionLlm(fake.baseUrl(), "k", Duration.ofSeconds(30)),
                    new GuardedLlm.Policy(2, Duration.ofMillis(10), Duration.ofMillis(10)), 1, 4, 16, meters)) {
                byte[] image = {1, 2, 3};
                CompletableFuture<String> held = llm.ask("key_box", "m", "high", "hold on", image);
                CompletableFuture<String> queuedAndDropped = llm.ask("key_box", "m", "high", "hold too", image);
                CompletableFuture<String> next = llm.ask("key_box", "m", "high", "which box?", image);
                assertTrue(FakeOpenAi.await(() -> fake.inFlight.get() == 1, 10_000), "the first request is held");
                assertEquals(1, llm.inFlight());
                queuedAndDropped.cancel(true);
                held.cancel(true);
                assertTrue(FakeOpenAi.await(() -> fake.aborted.get() == 1, 10_000), "the server saw the connection closed");
                assertEquals("[3]", next.get(10, TimeUnit.SECONDS), "the slot was free long before the timeout");
                assertEquals(0, llm.inFlight());
                assertEquals(2, fake.requests.size(), "the queued question was dropped unasked: " + fake.requests);
                assertTrue(fake.requests.get(1).contains("which box?"));
                assertEquals(1, meters.get("refseg.llm.calls").tag("outcome", "cancelled").counter().count());
                assertEquals(1, meters.get("refseg.llm.calls").tag("outcome", "ok").counter().count());
                assertNull(meters.find("refseg.llm.failures").counter(), "a cancelled request is not a failure");
                assertNull(meters.find("refseg.llm.retries").counter(), "nor retried");
                // Not cached: asked again, it is a new request.
                fake.script(body -> FakeOpenAi.Answer.text("[1]"));
                assertEquals("[1]", llm.ask("key_box", "m", "high", "hold on", image).get(10, TimeUnit.SECONDS));
            }
        }
    }

    /** The HTTP client's own errors, as GuardedLlm sees them: which are worth a retry. */
    @Test
    void httpErrorsAreClassifiedForRetries() throws Exception {
        try (FakeOpenAi fake = new FakeOpenAi(body -> "[1]")) {
            VisionLlm llm = new OpenAiVisionLlm(fake.baseUrl(), "k", Duration.ofSeconds(1));
            for (int status : new int[] {429, 500, 503, 400, 401, 404}) {
                fake.script(body -> FakeOpenAi.Answer.status(status));
                RuntimeException e = org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class,
                        () -> llm.ask("m", "q", new byte[] {1}, "low"));
                assertEquals(status == 429 || status >= 500, GuardedLlm.retryable(e), status + ": " + e);
            }
            fake.script(body -> new FakeOpenAi.Answer(200, "[1]", 2500));
            RuntimeException timeout = org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class,
                    () -> llm.ask("m", "q", new byte[] {1}, "low"));
            assertTrue(GuardedLlm.retryable(timeout), "timeout: " + timeout);
        }
    }

    /**
     * An HTTP 200 whose body is no usable chat completion (not JSON, no choices, a number out of range) is
     * not retried: asking again gets the same kind of answer. The step falls back at once, and the
     * failure says what was wrong.
     */
    @Test
    void unusableRepliesAreAskedOnce() throws Exception {
        String outOfRange = "{\"id\":\"c\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"m\",\"choices\":"
                + "[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"[1]\"},\"finish_reason\":\"stop\"}],"
                + "\"usage\":{\"prompt_tokens\":99999999999,\"completion_tokens\":1,\"total_tokens\":2}}";
        String noChoices = "{\"id\":\"c\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"m\",\"choices\":[]}";
        try (FakeOpenAi fake = new FakeOpenAi(body -> "[1]")) {
            for (String body : new String[] {"this is not JSON", noChoices, outOfRange, "{}"}) {
                fake.reset();
                fake.script(b -> FakeOpenAi.Answer.body(body));
                SimpleMeterRegistry meters = new SimpleMeterRegistry();
                try (GuardedLlm llm = new GuardedLlm(new OpenAiVisionLlm(fake.baseUrl(), "k", Duration.ofSeconds(5)),
                        new GuardedLlm.Policy(2, Duration.ofMillis(10), Duration.ofMillis(10)), 1, 4, 0, meters)) {
                    CompletableFuture<String> f = llm.ask("key_frame", "m", "low", "which?", new byte[] {1});
                    assertNull(GuardedLlm.textOf(f), body);
                    assertEquals(1, fake.requests.size(), body + ": asked " + fake.requests.size() + " times");
                    String why = GuardedLlm.failureOf(f);
                    assertTrue(why.contains("after 1 attempt") && why.contains("unusable reply (HTTP 200)"), body + ": " + why);
                    assertEquals(1, meters.get("refseg.llm.failures").tag("reason", "not_retryable").counter().count());
                }
            }
        }
    }

    /**
     * An endpoint that quotes the key in its error body (as a mistyped-key reply may): the failure keeps
     * its status, kind and retry class, but neither its messages nor its stack trace hold the key.
     */
    @Test
    void anErrorBodyQuotingTheKeyLosesTheKey() throws Exception {
        String key = "sk-refseg-test-0123456789abcdef";
        try (FakeOpenAi fake = new FakeOpenAi(body -> "[1]")) {
            VisionLlm llm = new OpenAiVisionLlm(fake.baseUrl(), key, Duration.ofSeconds(5));
            String quoting = "{\"error\":{\"message\":\"Incorrect API key provided: " + key + "\",\"type\":\"x\"}}";
            for (int status : new int[] {401, 503, 200}) {
                fake.script(body -> new FakeOpenAi.Answer(status, "", 0, 0, status == 200 ? "not JSON: " + key : quoting));
                RuntimeException e = org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class,
                        () -> llm.ask("m", "q", new byte[] {1}, "low"));
                java.io.StringWriter trace = new java.io.StringWriter();
                e.printStackTrace(new java.io.PrintWriter(trace));
                assertTrue(!trace.toString().contains(key), status + ": " + trace);
                // Jackson quotes no more than the first token of a body that is not JSON: nothing to cut there.
                assertEquals(status != 200, trace.toString().contains("[api key redacted]"), status + ": " + trace);
                assertEquals(status == 503, GuardedLlm.retryable(e), status + ": " + e);
                if (status == 200) {
                    assertTrue(e instanceof UnusableReply, e.toString());
                } else {
                    Throwable http = e;
                    while (!(http instanceof dev.langchain4j.exception.HttpException) && http.getCause() != null) {
                        http = http.getCause();
                    }
                    assertEquals(status, ((dev.langchain4j.exception.HttpException) http).statusCode(), e.toString());
                }
            }
        }
    }

    /** A connection that cannot be made is still worth a retry. */
    @Test
    void connectionFailuresStayRetryable() throws Exception {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        VisionLlm llm = new OpenAiVisionLlm("http://127.0.0.1:" + port + "/v1", "k", Duration.ofSeconds(2));
        RuntimeException e = org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class,
                () -> llm.ask("m", "q", new byte[] {1}, "low"));
        assertTrue(GuardedLlm.retryable(e), "refused connection: " + e);
    }
}
