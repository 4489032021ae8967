package dev.refseg.deploy;

import dev.refseg.config.RefsegConfig;
import io.smallrye.config.ConfigMappings;
import io.smallrye.config.common.utils.StringUtil;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/** The refseg.* keys and the environment variable names MicroProfile Config reads them from. */
final class ConfigKeys {
    /**
     * Keys the manifests may set before RefsegConfig maps them (work built in parallel with the
     * manifests); empty now. Remove each once RefsegConfig maps it.
     */
    static final Set<String> PENDING = Set.of();

    /** A key that holds a map ("refseg.x.y.*") takes any name below it. */
    private static final String MAP_SUFFIX = ".*";
    /** SmallRye lists a list-valued key a second time as "key[*]"; the plain key covers it. */
    private static final String LIST_SUFFIX = "[*]";

    private ConfigKeys() {
    }

    /** Every key RefsegConfig maps, as SmallRye derives them from its interfaces (kebab case). */
    static Set<String> mapped() {
        Set<String> keys = new TreeSet<>(ConfigMappings.getProperties(
                ConfigMappings.ConfigClass.configClass(RefsegConfig.class, "refseg")).keySet());
        keys.removeIf(k -> k.endsWith(LIST_SUFFIX));
        return keys;
    }

    /** MicroProfile Config's rule: every character but letters and digits becomes '_', then upper case. */
    static String envName(String key) {
        return StringUtil.replaceNonAlphanumericByUnderscores(key).toUpperCase(Locale.ROOT);
    }

    /** The key an environment variable sets, among the mapped and the pending ones; empty when none. */
    static Optional<String> keyOf(String env) {
        return Stream.concat(mapped().stream(), PENDING.stream()).filter(k -> k.endsWith(MAP_SUFFIX)
                ? env.startsWith(envName(k.substring(0, k.length() - MAP_SUFFIX.length())) + "_")
                : env.equals(envName(k))).findFirst();
    }
}
