package dev.refseg.config;

import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.config.MeterFilter;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.util.Locale;

/** Tags common to every meter the process exports at /q/metrics (Quarkus applies MeterFilter beans to all registries). */
@Singleton
public class MeterTags {

    /**
     * {@code role} = refseg.role ({@code embedded}, {@code gateway}, {@code inference}): a gateway and its
     * sidecar export meters of the same names (JVM, calls, sessions), and one Prometheus scrapes both.
     */
    @Produces
    @Singleton
    MeterFilter roleTag(RefsegConfig config) {
        return MeterFilter.commonTags(Tags.of("role", config.role().name().toLowerCase(Locale.ROOT)));
    }
}
