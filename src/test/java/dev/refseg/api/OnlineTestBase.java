package dev.refseg.api;

import dev.refseg.inference.InferenceBackend;
import dev.refseg.llm.FakeOpenAi;
import dev.refseg.segment.SessionSlots;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * What the online-mode gRPC tests share (subclasses are {@code @QuarkusTest @TestProfile(FakeLlmProfile.class)}):
 * the fake LLM answering as the prompts ask, cleared before each test, and a check after each that the
 * server released every session, tracker, slot and scratch file.
 */
abstract class OnlineTestBase {
    static final FakeOpenAi FAKE = FakeLlmProfile.FAKE;

    @Inject
    InferenceBackend inference;
    @Inject
    SessionSlots slots;

    @BeforeEach
    void readingLlm() {
        FakeLlmProfile.readingScript();
    }

    @AfterEach
    void nothingLeaks() throws InterruptedException {
        Leaks.assertNothingLeft(inference, slots);
    }
}
