package dev.refseg.models;

import dev.refseg.runtime.GraphTimer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;

/** A {@link GraphTimer} that keeps every run's wall time per graph, for the first and the median run. */
public final class GraphTimes implements GraphTimer {
    private final Map<String, List<Long>> nanos = new LinkedHashMap<>();

    @Override
    public synchronized void record(String graph, long runNanos) {
        nanos.computeIfAbsent(graph, k -> new ArrayList<>()).add(runNanos);
    }

    /** Milliseconds of the graph's first run, if it ran. */
    public synchronized OptionalDouble firstMs(String graph) {
        List<Long> l = nanos.get(graph);
        return l == null ? OptionalDouble.empty() : OptionalDouble.of(l.get(0) / 1e6);
    }

    /** Median milliseconds over all its runs (the mean of the middle two for an even count), if it ran. */
    public synchronized OptionalDouble medianMs(String graph) {
        List<Long> l = nanos.get(graph);
        if (l == null) {
            return OptionalDouble.empty();
        }
        long[] s = l.stream().mapToLong(Long::longValue).sorted().toArray();
        int m = s.length / 2;
        return OptionalDouble.of((s.length % 2 == 1 ? s[m] : (s[m - 1] + s[m]) / 2.0) / 1e6);
    }

    /** Graphs that ran, in the order they first ran. */
    public synchronized List<String> graphs() {
        return List.copyOf(nanos.keySet());
    }
}
