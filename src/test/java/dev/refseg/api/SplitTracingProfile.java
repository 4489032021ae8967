package dev.refseg.api;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Tracing on with every span kept ({@link CapturedSpans}), in the role given: the embedded role through
 * the sidecar contract (the gateway's code path with the sidecar on an in-process channel), or the
 * inference sidecar itself ({@link Sidecar}). No warm-up run: these tests time nothing.
 */
public class SplitTracingProfile implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
        Map<String, String> m = new HashMap<>(CapturedSpans.PROFILE_CONFIG);
        m.put("refseg.models.warm-up", "false");
        m.put("refseg.inference.address", "loopback");
        return m;
    }

    @Override
    public Set<Class<?>> getEnabledAlternatives() {
        return Set.of(CapturedSpans.class);
    }

    /** The inference role: the process serves refseg.v1.Inference on the test port. */
    public static class Sidecar extends SplitTracingProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> m = new HashMap<>(super.getConfigOverrides());
            m.remove("refseg.inference.address");
            m.put("refseg.role", "inference");
            return m;
        }
    }
}
