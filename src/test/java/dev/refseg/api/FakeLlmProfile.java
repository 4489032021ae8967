package dev.refseg.api;

import dev.refseg.llm.FakeOpenAi;
import dev.refseg.llm.ReadingScript;
import io.quarkus.test.junit.QuarkusTestProfile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * The application with its LLM pointed at one fake OpenAI-compatible server on loopback, shared by the
 * tests of this profile (each sets the script it needs). Short timeouts and backoffs keep the failure
 * tests quick; the cache is off so that a test's script, not an earlier test's answer, decides.
 */
public class FakeLlmProfile implements QuarkusTestProfile {
    static final FakeOpenAi FAKE = start();
    static final int MAX_CONCURRENT = 2;
    /** Distinctive, so that a test can look for it in logs and messages. */
    static final String API_KEY = "sk-refseg-fake-7d3e91c4b25a";

    /** Clears what the fake recorded and lets it answer as the prompts ask (ReadingScript). */
    static void readingScript() {
        FAKE.reset();
        FAKE.script(body -> FakeOpenAi.Answer.text(ReadingScript.answer(body)));
    }

    private static FakeOpenAi start() {
        try {
            return new FakeOpenAi(ReadingScript::answer);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("refseg.llm.base-url", FAKE.baseUrl(), "refseg.llm.api-key", API_KEY,
                "refseg.llm.key-frame-model", "fake-frame-model", "refseg.llm.key-box-model", "fake-box-model",
                "refseg.llm.timeout", "5s", "refseg.llm.max-retries", "1", "refseg.llm.initial-backoff", "50ms",
                "refseg.llm.max-backoff", "200ms", "refseg.llm.max-concurrent", String.valueOf(MAX_CONCURRENT),
                "refseg.llm.cache-entries", "0");
    }
}
