package dev.refseg.api;

import dev.refseg.config.RefsegConfig;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Ends streaming calls whose client went silent ({@code refseg.limits.input-idle-timeout}: no next
 * message while the server waits for one) or stopped reading ({@code refseg.limits.output-stall-timeout}:
 * a response held back by flow control). One daemon thread looks at every open call a few times per
 * timeout; a stuck call is aborted, which frees its session slot, media session, tracker and scratch
 * files like any other end. (Peers that vanished without closing the connection are found by the
 * transport's keepalive, {@code refseg.transport.*}.)
 */
@Singleton
public class CallWatchdog {
    public static final String KEY_INPUT_IDLE = "refseg.limits.input-idle-timeout";
    public static final String KEY_OUTPUT_STALL = "refseg.limits.output-stall-timeout";

    private final Set<StreamingCall<?, ?>> calls = ConcurrentHashMap.newKeySet();
    private final Duration inputIdle;
    private final Duration outputStall;
    private final ScheduledExecutorService timer;

    public CallWatchdog(RefsegConfig config) {
        this.inputIdle = config.limits().inputIdleTimeout();
        this.outputStall = config.limits().outputStallTimeout();
        if (inputIdle.isNegative() || inputIdle.isZero() || outputStall.isNegative() || outputStall.isZero()) {
            throw new IllegalArgumentException(KEY_INPUT_IDLE + " and " + KEY_OUTPUT_STALL + " must be positive");
        }
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "refseg-call-watchdog");
            t.setDaemon(true);
            return t;
        });
        long period = Math.max(10, Math.min(1000, Math.min(inputIdle.toMillis(), outputStall.toMillis()) / 4));
        timer.scheduleWithFixedDelay(this::scan, period, period, TimeUnit.MILLISECONDS);
    }

    void watch(StreamingCall<?, ?> call) {
        calls.add(call);
    }

    void forget(StreamingCall<?, ?> call) {
        calls.remove(call);
    }

    /** Calls being watched (for tests and leak checks). */
    public int watched() {
        return calls.size();
    }

    private void scan() {
        long now = System.nanoTime();
        for (StreamingCall<?, ?> c : calls) {
            c.checkTimeouts(now, inputIdle, outputStall);
        }
    }

    @PreDestroy
    void stop() {
        timer.shutdownNow();
    }
}
