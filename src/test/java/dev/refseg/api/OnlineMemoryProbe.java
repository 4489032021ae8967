package dev.refseg.api;

import dev.refseg.segment.OnlineSession;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Heap and process RSS over a long online stream: {@code probe.frames} (20,000) synthetic 80x60 frames at
 * {@code probe.fps} (50) through one online Segment call, with the fixture models and the fake LLM; prints
 * the heap after a GC and the RSS every 1,000 frames, and the call's J&F. A probe (tag "probe"), not a test:
 * {@code ./mvnw -o test -Dtest=OnlineMemoryProbe -Dgroups=probe -Dsurefire.excludedGroups=none}.
 */
@Tag("probe")
@QuarkusTest
@TestProfile(FakeLlmProfile.class)
class OnlineMemoryProbe {
    @Test
    void heapAndRssStayFlat() throws Exception {
        FakeLlmProfile.readingScript();
        int frames = Integer.getInteger("probe.frames", 20_000);
        long period = (long) (1e9 / Integer.getInteger("probe.fps", 50));
        OnlineSession.resetMaxPending();
        long t0 = System.nanoTime();
        System.out.println("frames  seconds  heap_after_gc_MB  rss_MB  max_unanswered  max_held");
        try (StreamClient c = new StreamClient()) {
            LiveStream.Result r = new LiveStream(LiveStream.clip(frames), "the red disc", LiveStream.WINDOW).run(c, period,
                    0, i -> {
                        if ((i + 1) % 1000 == 0) {
                            System.gc();
                            long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
                            System.out.printf("%6d  %7.1f  %16.1f  %6.1f  %14d  %8d%n", i + 1, (System.nanoTime() - t0) / 1e9,
                                    heap / 1e6, rssMb(), OnlineSession.maxPendingSeen(), OnlineSession.maxHeldSeen());
                        }
                        return true;
                    });
            System.out.printf("status %s, masks %d, skipped %d, missing %d, mean J&F %.3f, first mask %.0f ms%n",
                    r.status.getCode(), r.masks, r.skipped, r.missing(), r.meanJf(), r.summary.getFirstMaskMillis());
        }
    }

    private static double rssMb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
                }
            }
        } catch (java.io.IOException e) {
            return -1;
        }
        return -1;
    }
}
