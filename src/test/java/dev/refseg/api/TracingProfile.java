package dev.refseg.api;

import java.util.HashMap;
import java.util.Map;

/** The fake LLM of {@link FakeLlmProfile}, with OpenTelemetry's SDK turned on (it is off by default). */
public class TracingProfile extends FakeLlmProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
        Map<String, String> m = new HashMap<>(super.getConfigOverrides());
        m.put("quarkus.otel.sdk.disabled", "false");
        return m;
    }
}
