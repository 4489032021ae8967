package dev.refseg.api;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The fake LLM of {@link FakeLlmProfile} with tracing on and every span kept ({@link CapturedSpans}), in
 * the embedded role through the sidecar contract (the gateway's code path, the sidecar on an in-process
 * channel), or as the inference sidecar itself ({@link Sidecar}). No warm-up run: these tests time nothing.
 */
public class SplitTracingProfile extends FakeLlmProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
        Map<String, String> m = new HashMap<>(super.getConfigOverrides());
        m.putAll(CapturedSpans.PROFILE_CONFIG);
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
