package dev.refseg.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.refseg.llm.FakeOpenAi;
import dev.refseg.v1.Box;
import dev.refseg.v1.Candidate;
import dev.refseg.v1.FallbackKind;
import dev.refseg.v1.Frame;
import dev.refseg.v1.KeyBox;
import dev.refseg.v1.KeyFrame;
import dev.refseg.v1.KeySelectionGrpc;
import dev.refseg.v1.SegmentResponse;
import dev.refseg.v1.SelectKeyBoxRequest;
import dev.refseg.v1.SelectKeyFrameRequest;
import io.grpc.Status;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.jboss.logmanager.ExtLogRecord;
import org.junit.jupiter.api.Test;

/**
 * What the server logs while its LLM fails: every record of the application, down to DEBUG, is read
 * while calls with a distinctive referent run against an endpoint that quotes the API key in its error
 * bodies (as a mistyped-key reply may). Neither the key nor the referent may appear; the failures
 * themselves must (else the capture proves nothing).
 */
@QuarkusTest
@TestProfile(FakeLlmProfile.class)
class SecretsInLogsTest extends CallTest {
    static final FakeOpenAi FAKE = FakeLlmProfile.FAKE;
    static final String KEY = FakeLlmProfile.API_KEY;
    static final String REFERENT = "the orange disc left of the quokka-umbrella-5521";

    @Test
    void aFailingLlmLogsNeitherItsKeyNorTheReferent() throws Exception {
        String quoting = "{\"error\":{\"message\":\"Incorrect API key provided: " + KEY + "\",\"type\":\"auth\"}}";
        FAKE.reset();
        // Key frames: 503 (retried once, which logs); key boxes: 401 (not retried).
        FAKE.script(body -> new FakeOpenAi.Answer(body.contains("candidate box") ? 401 : 503, "", 0, 0, quoting));
        List<Frame> frames = TextClips.frames(TextClips.discs(60));
        List<String> reasons = new ArrayList<>();
        LogCapture log = LogCapture.start("dev.refseg", "dev.langchain4j", "io.quarkiverse.langchain4j",
                "io.quarkus.rest.client", "io.quarkus.grpc");
        try {
            var stub = KeySelectionGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
            KeyFrame k = stub.selectKeyFrame(SelectKeyFrameRequest.newBuilder().setReferent(REFERENT)
                    .addAllFrames(frames.subList(0, 5)).build());
            assertEquals(FallbackKind.FALLBACK_KIND_LLM_ERROR, k.getFallback().getKind(), k.toString());
            reasons.add(k.getFallback().getReason());
            KeyBox b = stub.selectKeyBox(SelectKeyBoxRequest.newBuilder().setReferent(REFERENT)
                    .addAllFrames(frames.subList(0, 5)).setPivotFrameIndex(2)
                    .addCandidates(candidate(10, 10, 40, 40)).addCandidates(candidate(60, 20, 90, 50)).build());
            assertEquals(FallbackKind.FALLBACK_KIND_LLM_ERROR, b.getFallback().getKind(), b.toString());
            reasons.add(b.getFallback().getReason());
            try (StreamClient c = new StreamClient()) {
                StreamClient.Outcome o = c.run(TextClips.requests(REFERENT, TextClips.WINDOWS, frames));
                assertEquals(Status.Code.OK, o.status().getCode(), o.description());
                o.of(SegmentResponse.EventCase.SUMMARY).get(0).getSummary().getFallbacksList()
                        .forEach(f -> reasons.add(f.getReason()));
            }
        } finally {
            log.stop();
        }
        String text = log.text();
        assertTrue(text.contains("attempt 1 failed"), "the retry was logged (and captured):\n" + text);
        assertTrue(text.contains("[api key redacted]"), "the logged failure quoted the key, cut out:\n" + text);
        assertFalse(text.contains(KEY), text);
        assertFalse(text.contains("quokka"), text);
        assertTrue(reasons.size() > 2, reasons.toString());
        for (String reason : reasons) {
            assertFalse(reason.contains(KEY), reason);
        }
        assertTrue(reasons.stream().anyMatch(r -> r.contains("[api key redacted]")), reasons.toString());
    }

    private static Candidate candidate(float x1, float y1, float x2, float y2) {
        return Candidate.newBuilder().setBox(Box.newBuilder().setX1(x1).setY1(y1).setX2(x2).setY2(y2)).setScore(0.9f)
                .setPhrase("disc").build();
    }

    /**
     * Every record that reaches the root logger while it runs, as the log would show it (message with its
     * parameters, and the stack trace of any exception), with the given categories lowered to DEBUG.
     */
    static final class LogCapture extends Handler {
        private final List<String> lines = new CopyOnWriteArrayList<>();
        private final Map<Logger, Level> before = new LinkedHashMap<>();

        static LogCapture start(String... categories) {
            LogCapture c = new LogCapture();
            c.setLevel(Level.ALL);
            for (String name : categories) {
                Logger l = Logger.getLogger(name);
                c.before.put(l, l.getLevel());
                l.setLevel(Level.FINE);
            }
            Logger.getLogger("").addHandler(c);
            return c;
        }

        void stop() {
            Logger.getLogger("").removeHandler(this);
            before.forEach(Logger::setLevel);
        }

        String text() {
            return String.join("\n", lines);
        }

        @Override
        public void publish(LogRecord r) {
            StringBuilder line = new StringBuilder(r.getLevel() + " [" + r.getLoggerName() + "] ");
            line.append(r instanceof ExtLogRecord e ? e.getFormattedMessage() : r.getMessage());
            if (r.getThrown() != null) {
                StringWriter trace = new StringWriter();
                r.getThrown().printStackTrace(new PrintWriter(trace));
                line.append('\n').append(trace);
            }
            lines.add(line.toString());
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }
}
