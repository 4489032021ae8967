package dev.refseg.config;

import io.smallrye.config.ConfigSourceContext;
import io.smallrye.config.ConfigSourceFactory;
import io.smallrye.config.ConfigValue;
import io.smallrye.config.PropertiesConfigSource;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.eclipse.microprofile.config.spi.ConfigSource;

/**
 * Defaults that follow {@code refseg.role}: the inference sidecar listens on 127.0.0.1:9100 (its HTTP
 * metrics on 8090), so that a sidecar started with only {@code refseg.role=inference} is reachable from
 * its own host or pod and nowhere else, and does not take the gateway's ports. Just above
 * application.properties (whose 9000 is the gateway's and embedded port) and below environment variables
 * and system properties: a sidecar told QUARKUS_GRPC_SERVER_HOST/PORT or -D… listens there.
 */
public class RoleDefaults implements ConfigSourceFactory {
    /** Above application.properties (250), below environment variables (300) and system properties (400). */
    static final int ORDINAL = 260;

    @Override
    public Iterable<ConfigSource> getConfigSources(ConfigSourceContext context) {
        ConfigValue role = context.getValue("refseg.role");
        if (role == null || role.getValue() == null
                || !role.getValue().strip().toLowerCase(Locale.ROOT).equals("inference")) {
            return List.of();
        }
        return List.of(new PropertiesConfigSource(Map.of("quarkus.grpc.server.host", "127.0.0.1",
                "quarkus.grpc.server.port", "9100", "quarkus.http.port", "8090"), "refseg role defaults", ORDINAL));
    }
}
