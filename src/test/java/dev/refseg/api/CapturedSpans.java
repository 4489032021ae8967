package dev.refseg.api;

import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.data.SpanData;
import jakarta.enterprise.inject.Alternative;
import jakarta.inject.Singleton;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Every span the application ends, kept in memory: Quarkus adds each SpanProcessor bean to its tracer
 * provider. An alternative, so only the profiles that enable it ({@link #PROFILE_CONFIG}) keep spans.
 */
@Alternative
@Singleton
public class CapturedSpans implements SpanProcessor {
    /** Tracing on, and no OTLP exporter looking for a collector (this processor is the only destination). */
    static final Map<String, String> PROFILE_CONFIG = Map.of("quarkus.otel.sdk.disabled", "false",
            "quarkus.otel.exporter.otlp.enabled", "false");

    private final List<SpanData> ended = new CopyOnWriteArrayList<>();

    @Override
    public void onStart(Context parent, ReadWriteSpan span) {
    }

    @Override
    public boolean isStartRequired() {
        return false;
    }

    @Override
    public void onEnd(ReadableSpan span) {
        ended.add(span.toSpanData());
    }

    @Override
    public boolean isEndRequired() {
        return true;
    }

    void clear() {
        ended.clear();
    }

    List<SpanData> of(String traceId) {
        return ended.stream().filter(s -> s.getTraceId().equals(traceId)).toList();
    }

    /** The one ended span that {@code matches}, waiting for it (a span ends just after its call does). */
    SpanData await(String what, Predicate<SpanData> matches) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            List<SpanData> found = ended.stream().filter(matches).toList();
            if (found.size() > 1) {
                throw new AssertionError("more than one " + what + ": " + found);
            }
            if (found.size() == 1) {
                return found.get(0);
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no span " + what + " ended; spans: " + ended.stream().map(SpanData::getName).toList());
    }
}
