package dev.refseg.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The sidecar listens on the loopback by default; explicit settings win; other roles are untouched. */
class RoleDefaultsTest {
    static SmallRyeConfig config(Map<String, String> applicationProperties, Map<String, String> systemProperties) {
        return new SmallRyeConfigBuilder().withSources(new PropertiesConfigSource(applicationProperties,
                "application.properties", 250), new PropertiesConfigSource(systemProperties, "system", 400))
                .withSources(new RoleDefaults()).build();
    }

    static final Map<String, String> APP = Map.of("quarkus.grpc.server.port", "9000");

    @Test
    void theInferenceRoleListensOnTheLoopbackUnlessTold() {
        SmallRyeConfig c = config(APP, Map.of("refseg.role", "inference"));
        assertEquals("127.0.0.1", c.getValue("quarkus.grpc.server.host", String.class));
        assertEquals(9100, c.getValue("quarkus.grpc.server.port", Integer.class));
        assertEquals(8090, c.getValue("quarkus.http.port", Integer.class));

        Map<String, String> told = new HashMap<>(Map.of("refseg.role", "INFERENCE"));
        told.put("quarkus.grpc.server.host", "0.0.0.0");
        told.put("quarkus.grpc.server.port", "9500");
        SmallRyeConfig explicit = config(APP, told);
        assertEquals("0.0.0.0", explicit.getValue("quarkus.grpc.server.host", String.class));
        assertEquals(9500, explicit.getValue("quarkus.grpc.server.port", Integer.class));
    }

    @Test
    void otherRolesKeepTheirPorts() {
        for (String role : new String[] {"embedded", "gateway"}) {
            SmallRyeConfig c = config(APP, Map.of("refseg.role", role));
            assertEquals(9000, c.getValue("quarkus.grpc.server.port", Integer.class));
            assertEquals(false, c.getOptionalValue("quarkus.grpc.server.host", String.class).isPresent());
        }
        assertEquals(9000, config(APP, Map.of()).getValue("quarkus.grpc.server.port", Integer.class));
    }
}
