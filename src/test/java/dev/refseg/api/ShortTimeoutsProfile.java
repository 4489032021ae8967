package dev.refseg.api;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.Map;

/** Short client timeouts and a fast keepalive, so the tests of silent and vanished clients are quick. */
public class ShortTimeoutsProfile implements QuarkusTestProfile {
    static final int IDLE_SECONDS = 3;

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("refseg.limits.input-idle-timeout", IDLE_SECONDS + "s",
                "refseg.limits.output-stall-timeout", IDLE_SECONDS + "s",
                "refseg.limits.max-request-bytes", String.valueOf(4 << 20));
    }
}
