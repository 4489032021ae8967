package dev.refseg.api;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.jboss.logmanager.ExtLogRecord;

/** The application's log records, each with the MDC it was logged with, from opening to closing. */
final class SessionLines implements AutoCloseable {
    private final List<ExtLogRecord> records = Collections.synchronizedList(new ArrayList<>());
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord r) {
            if (r instanceof ExtLogRecord e) {
                e.copyMdc(); // the MDC as the logging thread has it now
                records.add(e);
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    SessionLines() {
        Logger.getLogger("").addHandler(capture);
    }

    List<ExtLogRecord> records() {
        synchronized (records) {
            return new ArrayList<>(records);
        }
    }

    /** The session id of the (first) record whose message contains {@code message}; waits for it, bounded. */
    String sessionOf(String message) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            for (ExtLogRecord r : records()) {
                if (r.getFormattedMessage().contains(message)) {
                    String session = r.getMdc(SessionLog.MDC_KEY);
                    assertTrue(session != null, "no session id on: " + r.getFormattedMessage());
                    return session;
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no log line \"" + message + "\"");
    }

    @Override
    public void close() {
        Logger.getLogger("").removeHandler(capture);
    }
}
