package dev.refseg.llm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Base64;
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
}
