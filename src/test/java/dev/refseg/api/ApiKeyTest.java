package dev.refseg.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.refseg.v1.AudioReferentGrpc;
import dev.refseg.v1.DescribeRequest;
import dev.refseg.v1.KeySelectionGrpc;
import dev.refseg.v1.PropagateRequest;
import dev.refseg.v1.PropagateStart;
import dev.refseg.v1.PropagationGrpc;
import dev.refseg.v1.SegmentRequest;
import dev.refseg.v1.SelectKeyFrameRequest;
import grpc.health.v1.HealthGrpc;
import grpc.health.v1.HealthOuterClass.HealthCheckRequest;
import grpc.health.v1.HealthOuterClass.HealthCheckResponse;
import io.grpc.ClientInterceptor;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.stub.MetadataUtils;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * API keys on the public port ({@link ApiKeyProfile}): every public service refuses a call without a
 * valid key with UNAUTHENTICATED, naming the metadata expected and never what was sent, and serves it
 * with one in either form; the health service answers without a key, reflection does not; refusals are
 * counted by reason; a rotated keys file holds without a restart. Each call is a valid request, so only
 * the key decides.
 */
@QuarkusTest
@TestProfile(ApiKeyProfile.class)
class ApiKeyTest extends CallTest {
    static final String FILE_KEY = ApiKeyProfile.FILE_KEY;
    static final String INLINE_KEY = ApiKeyProfile.INLINE_KEY;
    static final String WRONG = "wrong-key-51c7e0a9";

    @Inject
    MeterRegistry meters;

    /** What a caller sends, and how the call must end: OK, or UNAUTHENTICATED for {@code reason}. */
    record Caller(String name, Metadata headers, String reason, String says) {
        ClientInterceptor interceptor() {
            return MetadataUtils.newAttachHeadersInterceptor(headers);
        }
    }

    /** A valid request of one RPC, sent with the caller's metadata; the status it ends with. */
    interface Rpc {
        Status call(ClientInterceptor credentials) throws Exception;
    }

    static final List<Caller> CALLERS = List.of(
            new Caller("no key", metadata(), "missing", "this call needs an API key: send the API key as metadata "
                    + "'authorization: Bearer <key>' or 'x-api-key: <key>'"),
            new Caller("a wrong bearer key", metadata("authorization", "Bearer " + WRONG), "invalid", "not valid"),
            new Caller("a wrong x-api-key", metadata("x-api-key", WRONG), "invalid", "not valid"),
            new Caller("another scheme", metadata("authorization", "Basic " + FILE_KEY), "malformed",
                    "metadata 'authorization' must be 'Bearer <key>'"),
            new Caller("bearer without a key", metadata("authorization", "Bearer"), "malformed", "must be 'Bearer <key>'"),
            new Caller("a key without its scheme", metadata("authorization", FILE_KEY), "malformed", "must be 'Bearer <key>'"),
            new Caller("the file's key as bearer", metadata("authorization", "Bearer " + FILE_KEY), null, null),
            new Caller("the inline key as x-api-key", metadata("x-api-key", INLINE_KEY), null, null),
            new Caller("the file's key as x-api-key", metadata("x-api-key", FILE_KEY), null, null),
            new Caller("a lower-case scheme", metadata("authorization", "bearer " + INLINE_KEY), null, null),
            new Caller("a wrong bearer key beside a valid x-api-key",
                    metadata("authorization", "Bearer " + WRONG, "x-api-key", INLINE_KEY), null, null));

    static Map<String, Rpc> rpcs() {
        Map<String, Rpc> rpcs = new LinkedHashMap<>();
        rpcs.put("Segmenter.Segment", c -> {
            try (StreamClient s = new StreamClient(TestPorts.grpc(), c)) {
                return s.run(List.of(SegmentRequest.newBuilder().setStart(RequestNumbersTest.TEXT_START).build(),
                        SegmentRequest.newBuilder().setFrame(RequestNumbersTest.frame(0)).build(),
                        SegmentRequest.newBuilder().setFrame(RequestNumbersTest.frame(1)).build())).status();
            }
        });
        rpcs.put("Propagation.Propagate", c -> {
            PropagateTest.Collector out = new PropagateTest.Collector(-1);
            var in = PropagationGrpc.newStub(channel).withInterceptors(c).propagate(out);
            in.onNext(PropagateRequest.newBuilder().setStart(PropagateStart.newBuilder()
                    .addPrompts(RequestNumbersTest.BOX_PROMPT)).build());
            in.onNext(PropagateRequest.newBuilder().setFrame(RequestNumbersTest.frame(0)).build());
            in.onCompleted();
            return out.await();
        });
        rpcs.put("KeySelection.SelectKeyFrame", c -> unary(() -> KeySelectionGrpc.newBlockingStub(channel)
                .withInterceptors(c).withDeadlineAfter(60, TimeUnit.SECONDS).selectKeyFrame(SelectKeyFrameRequest
                        .newBuilder().setReferent("the red disc").addFrames(RequestNumbersTest.frame(3))
                        .addFrames(RequestNumbersTest.frame(7)).build())));
        rpcs.put("AudioReferent.Describe", c -> unary(() -> AudioReferentGrpc.newBlockingStub(channel).withInterceptors(c)
                .withDeadlineAfter(60, TimeUnit.SECONDS).describe(DescribeRequest.newBuilder()
                        .addAudio(RequestNumbersTest.SECOND).addFrames(RequestNumbersTest.frame(3))
                        .addFrames(RequestNumbersTest.frame(7)).setMaxObjects(1).build())));
        return rpcs;
    }

    @Test
    void everyPublicServiceWantsAValidKeyInEitherForm() throws Exception {
        Map<String, Double> before = refusals();
        Map<String, Double> expected = new LinkedHashMap<>(before);
        for (Map.Entry<String, Rpc> rpc : rpcs().entrySet()) {
            for (Caller caller : CALLERS) {
                String what = rpc.getKey() + " with " + caller.name();
                Status s = rpc.getValue().call(caller.interceptor());
                if (caller.reason() == null) {
                    assertEquals(Status.Code.OK, s.getCode(), what + ": " + s);
                    continue;
                }
                assertEquals(Status.Code.UNAUTHENTICATED, s.getCode(), what + ": " + s);
                String d = s.getDescription();
                assertTrue(d.contains(caller.says()) && d.contains("'authorization: Bearer <key>' or 'x-api-key: <key>'"),
                        what + ": " + d);
                assertFalse(d.contains(WRONG) || d.contains(FILE_KEY) || d.contains(INLINE_KEY), what + ": " + d);
                expected.merge(caller.reason(), 1.0, Double::sum);
            }
        }
        assertEquals(expected, refusals());
        String metrics = new String(java.net.URI.create("http://localhost:" + TestPorts.http() + "/q/metrics").toURL()
                .openStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(metrics.lines().anyMatch(l -> l.startsWith("refseg_auth_refused_total{reason=\"missing\"")),
                metrics.lines().filter(l -> l.contains("auth")).toList().toString());
    }

    @Test
    void healthAnswersWithoutAKeyAndReflectionWantsOne() throws Exception {
        HealthCheckResponse h = HealthGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                .check(HealthCheckRequest.getDefaultInstance());
        assertEquals(HealthCheckResponse.ServingStatus.SERVING, h.getStatus());

        ExecutionException refused = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                () -> listServices(CALLERS.get(0).interceptor()));
        assertEquals(Status.Code.UNAUTHENTICATED, Status.fromThrowable(refused.getCause()).getCode());
        List<String> services = listServices(MetadataUtils.newAttachHeadersInterceptor(metadata("x-api-key", FILE_KEY)));
        assertTrue(services.containsAll(List.of("refseg.v1.Segmenter", "refseg.v1.AudioReferent",
                "refseg.v1.KeySelection", "refseg.v1.Propagation")), services.toString());
    }

    /** The keys file is replaced as a Secret is rotated: the new key holds, the old one no longer, without a restart. */
    @Test
    void aRotatedKeysFileHoldsWithoutARestart() throws Exception {
        Rpc keyFrame = rpcs().get("KeySelection.SelectKeyFrame");
        String rotated = "rotated-key-6b1d93f2ce";
        try {
            ApiKeyProfile.writeKeysFile(ApiKeyProfile.KEYS_FILE, rotated);
            awaitAccepted(keyFrame, rotated);
            Status old = keyFrame.call(bearer(FILE_KEY));
            assertEquals(Status.Code.UNAUTHENTICATED, old.getCode(), old.toString());
            assertEquals(Status.Code.OK, keyFrame.call(bearer(INLINE_KEY)).getCode(), "inline keys stay");
        } finally {
            ApiKeyProfile.writeKeysFile(ApiKeyProfile.KEYS_FILE, FILE_KEY);
            awaitAccepted(keyFrame, FILE_KEY);
        }
    }

    /** The file is looked at once a second at most: waits (up to 20 s) until the key is taken. */
    private static void awaitAccepted(Rpc rpc, String key) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        Status s = rpc.call(bearer(key));
        while (s.getCode() == Status.Code.UNAUTHENTICATED && System.nanoTime() < deadline) {
            Thread.sleep(100);
            s = rpc.call(bearer(key));
        }
        assertEquals(Status.Code.OK, s.getCode(), s.toString());
    }

    private Map<String, Double> refusals() {
        Map<String, Double> out = new LinkedHashMap<>();
        for (String reason : List.of("missing", "malformed", "invalid")) {
            out.put(reason, meters.get("refseg.auth.refused").tag("reason", reason).counter().count());
        }
        return out;
    }

    private static List<String> listServices(ClientInterceptor credentials) throws Exception {
        return ServiceDiscoveryTest.listServices(ServerReflectionGrpc.newStub(channel).withInterceptors(credentials));
    }

    private static ClientInterceptor bearer(String key) {
        return MetadataUtils.newAttachHeadersInterceptor(metadata("authorization", "Bearer " + key));
    }

    static Metadata metadata(String... keyValues) {
        Metadata m = new Metadata();
        for (int i = 0; i + 1 < keyValues.length; i += 2) {
            m.put(Metadata.Key.of(keyValues[i], Metadata.ASCII_STRING_MARSHALLER), keyValues[i + 1]);
        }
        return m;
    }

    private static Status unary(Runnable call) {
        try {
            call.run();
            return Status.OK;
        } catch (StatusRuntimeException e) {
            return e.getStatus();
        }
    }
}
