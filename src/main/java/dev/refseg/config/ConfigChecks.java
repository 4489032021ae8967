package dev.refseg.config;

import dev.refseg.segment.SelectionParams;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

/**
 * Settings checked when the service starts, so that a value out of range stops the start with a message
 * naming the key, instead of being clamped in every call.
 */
@Singleton
class ConfigChecks {
    void onStart(@Observes StartupEvent e, RefsegConfig config) {
        SelectionParams.checkDefaults(config.selection());
        dev.refseg.segment.AudioParams.checkDefaults(config.audio());
        dev.refseg.segment.OnlineSettings.checkDefaults(config.online());
    }
}
