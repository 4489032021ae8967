package dev.refseg.segment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.refseg.config.RefsegConfig;
import io.smallrye.config.WithDefault;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code refseg.online.*} as the server reads them: the documented defaults pass the start-up check, and
 * each integer key just outside its range stops the start with a message naming the key, its range and
 * the value (so no setting is clamped silently).
 */
class OnlineSettingsTest {
    /** The Online mapping with its @WithDefault values, except {@code overrides} (method name to value). */
    private static RefsegConfig.Online online(Map<String, Object> overrides) {
        return (RefsegConfig.Online) Proxy.newProxyInstance(OnlineSettingsTest.class.getClassLoader(),
                new Class<?>[] {RefsegConfig.Online.class}, (proxy, m, args) -> {
                    if (overrides.containsKey(m.getName())) {
                        return overrides.get(m.getName());
                    }
                    return parse(m);
                });
    }

    private static Object parse(Method m) {
        String v = m.getAnnotation(WithDefault.class).value();
        Class<?> t = m.getReturnType();
        if (t == int.class) {
            return Integer.parseInt(v);
        }
        if (t == Duration.class) {
            return Duration.parse("PT" + v.toUpperCase());
        }
        return RefsegConfig.Online.OverloadPolicy.valueOf(v.toUpperCase());
    }

    @Test
    void theDefaultsPass() {
        RefsegConfig.Online d = online(Map.of());
        OnlineSettings.checkDefaults(d);
        assertEquals(300, d.maxRetrackFrames());
        OnlineSession.Settings s = OnlineSettings.of(d, dev.refseg.v1.SegmentOptions.getDefaultInstance(), 50, 25, 6);
        assertEquals(300, s.maxRetrack());
        assertEquals(25, s.reselectFrames());
        assertEquals(6, s.reselectStep());
    }

    @Test
    void eachKeyOutsideItsRangeIsNamed() {
        Map<String, int[]> ranges = Map.of("maxBacklog", new int[] {1, 100_000}, "maxPending", new int[] {1, 1_000_000},
                "stepFrames", new int[] {1, 256}, "keepRecentFrames", new int[] {0, 10_000},
                "maxConditioningFrames", new int[] {2, 64}, "reacquireAttempts", new int[] {1, 1000},
                "maxRetrackFrames", new int[] {0, 100_000});
        ranges.forEach((name, r) -> {
            String key = "refseg.online." + name.replaceAll("([A-Z])", "-$1").toLowerCase();
            for (int bad : new int[] {r[0] - 1, r[1] + 1}) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> OnlineSettings.checkDefaults(online(Map.of(name, bad))), key + " = " + bad);
                assertTrue(e.getMessage().contains(key) && e.getMessage().contains("[" + r[0] + ", " + r[1] + "]")
                        && e.getMessage().contains("got " + bad), e.getMessage());
            }
            OnlineSettings.checkDefaults(online(Map.of(name, r[0])));
            OnlineSettings.checkDefaults(online(Map.of(name, r[1])));
        });
        assertThrows(IllegalArgumentException.class,
                () -> OnlineSettings.checkDefaults(online(Map.of("reacquireAfter", Duration.ofMillis(-1)))));
        assertThrows(IllegalArgumentException.class,
                () -> OnlineSettings.checkDefaults(online(Map.of("audioWait", Duration.ofMillis(-1)))));
    }
}
