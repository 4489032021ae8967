package dev.refseg.api;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.Map;

/**
 * Test servers of their own for the drain tests: a drained server takes no more calls, so no other test
 * class may share it.
 */
final class DrainProfiles {
    private DrainProfiles() {
    }

    /** The default drain timeout (60 s): a running stream has all the time it needs. */
    public static class LongTimeout implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("refseg.shutdown.drain-timeout", "60s");
        }
    }

    /** A drain timeout a stalled stream outlives, and the fake LLM, whose question can be held. */
    public static class ShortTimeout extends FakeLlmProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> m = new java.util.HashMap<>(super.getConfigOverrides());
            m.put("refseg.shutdown.drain-timeout", "1s");
            return m;
        }
    }
}
