package dev.refseg.api;

import dev.refseg.inference.InferenceBackend;
import dev.refseg.segment.SessionSlots;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * What the online-mode tests share (subclasses add {@code @QuarkusTest} and the FakeLlmProfile): the fake
 * LLM answering as the prompts ask before each test, and nothing left behind after it (trackers,
 * sessions, slots, scratch files, native readers).
 */
abstract class OnlineTestBase {
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
