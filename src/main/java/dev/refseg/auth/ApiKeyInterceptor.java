package dev.refseg.auth;

import dev.refseg.config.RefsegConfig;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.grpc.GlobalInterceptor;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.spi.Prioritized;
import jakarta.inject.Singleton;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/**
 * API keys on the public gRPC port ({@code refseg.auth.mode=api-key}): a call must carry one of the
 * {@link ApiKeys} as {@code authorization: Bearer <key>} or {@code x-api-key: <key>} metadata, or it is
 * refused with {@code UNAUTHENTICATED} before any service sees it. Registered for every service the
 * Quarkus way ({@link GlobalInterceptor}), reflection included: reflection describes the whole API, so
 * with keys on it takes a key too ({@code grpcurl -H 'authorization: Bearer …'} sends it there as well).
 * Only the standard health service stays open, since Kubernetes' probes carry no key.
 *
 * <p>The refusal says which metadata is expected and never repeats what was sent; the log, at DEBUG,
 * gives the method, the peer and at most the {@link ApiKeys#fingerprint} of a refused key. Refusals are
 * counted in {@code refseg_auth_refused_total{reason}} ({@code missing}, {@code malformed},
 * {@code invalid}). With {@code refseg.auth.mode=none} (the default) every call passes untouched.
 */
@GlobalInterceptor
@Singleton
public class ApiKeyInterceptor implements ServerInterceptor, Prioritized {
    /** Where the keys come from, e.g. " (file /keys/api-keys, 1 inline in refseg.auth.keys)". */
    private static String sources(RefsegConfig.Auth auth, int inline) {
        java.util.List<String> from = new java.util.ArrayList<>();
        auth.keysFile().ifPresent(f -> from.add("file " + f));
        if (inline > 0) {
            from.add(inline + " inline in refseg.auth.keys");
        }
        return from.isEmpty() ? "" : " (" + String.join(", ", from) + ")";
    }

    /** Services served without a key: the probes' health check. */
    public static final Set<String> OPEN_SERVICES = Set.of("grpc.health.v1.Health");
    static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    static final Metadata.Key<String> X_API_KEY = Metadata.Key.of("x-api-key", Metadata.ASCII_STRING_MARSHALLER);
    static final String EXPECTED = "send the API key as metadata 'authorization: Bearer <key>' or 'x-api-key: <key>'";
    private static final Logger LOG = Logger.getLogger(ApiKeyInterceptor.class);
    /** The scheme is case-insensitive (RFC 7235); the token has no spaces (RFC 6750). */
    private static final Pattern BEARER = Pattern.compile("(?i)bearer +(\\S+) *");
    /** Values looked at per metadata key: gRPC bounds the metadata's size, this bounds the hashing. */
    private static final int MAX_VALUES = 4;

    /** Why a call was refused: the metric's {@code reason} tag. */
    enum Reason {
        MISSING, MALFORMED, INVALID;

        String tag() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final ApiKeys keys;
    private final Map<Reason, Counter> refused = new EnumMap<>(Reason.class);

    /**
     * Reads the keys at start, so a missing file or a mode without keys stops the start instead of
     * refusing every call.
     */
    public ApiKeyInterceptor(RefsegConfig config, MeterRegistry meters) {
        RefsegConfig.Auth auth = config.auth();
        List<String> inline = auth.keys().orElse(List.of());
        if (auth.mode() == AuthMode.NONE) {
            keys = null;
            if (auth.keysFile().isPresent() || !inline.isEmpty()) {
                LOG.warn("refseg.auth.keys-file / refseg.auth.keys are set but refseg.auth.mode=none: no key is "
                        + "asked for; set refseg.auth.mode=api-key to require one");
            } else {
                LOG.info("refseg.auth.mode=none: the gRPC API serves every caller, without a key");
            }
            return;
        }
        keys = new ApiKeys(inline, auth.keysFile().orElse(null), System::nanoTime);
        for (Reason r : Reason.values()) {
            refused.put(r, Counter.builder("refseg.auth.refused").description("gRPC calls refused for want of a valid API key")
                    .tag("reason", r.tag()).register(meters));
        }
        if (keys.inlineCount() > 0) {
            LOG.warnf("refseg.auth.keys holds %d API key(s) in the configuration itself: for development and tests "
                    + "only; in production use refseg.auth.keys-file (e.g. a mounted Secret)", keys.inlineCount());
        }
        LOG.infof("API keys required on the gRPC port ('authorization: Bearer <key>' or 'x-api-key: <key>'): %d key(s)%s, "
                + "fingerprints %s; open without a key: %s", keys.count(), sources(auth, keys.inlineCount()),
                keys.fingerprints(), OPEN_SERVICES);
    }

    /**
     * Nothing to do once this bean exists; the observer makes it exist at start. Quarkus' gRPC server only
     * logs an interceptor it cannot create and goes on without the API, so without this a missing keys file
     * would leave a process that is up, healthy on HTTP, and serves no gRPC at all.
     */
    void keysReadAtStart(@Observes StartupEvent e) {
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
            ServerCallHandler<Q, R> next) {
        if (keys == null || OPEN_SERVICES.contains(call.getMethodDescriptor().getServiceName())) {
            return next.startCall(call, headers);
        }
        Refusal refusal = check(headers);
        if (refusal == null) {
            return next.startCall(call, headers);
        }
        refused.get(refusal.reason()).increment();
        if (LOG.isDebugEnabled()) {
            LOG.debugf("refused %s from %s: %s%s", call.getMethodDescriptor().getFullMethodName(),
                    call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR), refusal.reason().tag(),
                    refusal.fingerprint() == null ? "" : " (key fingerprint " + refusal.fingerprint() + ")");
        }
        call.close(Status.UNAUTHENTICATED.withDescription(refusal.message()), new Metadata());
        return new ServerCall.Listener<>() {
        };
    }

    /** A refused call: the reason, the client's message, and the fingerprint of a well-formed key that is not valid. */
    record Refusal(Reason reason, String message, String fingerprint) {
    }

    /**
     * Null when the metadata carries a valid key (any one of the values sent, in either form); else why
     * not. A malformed value is reported only when no well-formed key came with it.
     */
    Refusal check(Metadata headers) {
        String malformed = null;
        String firstWrong = null;
        boolean any = false;
        for (String v : first(headers.getAll(AUTHORIZATION))) {
            any = true;
            Matcher m = BEARER.matcher(v);
            if (!m.matches()) {
                malformed = "metadata 'authorization' must be 'Bearer <key>'; " + EXPECTED;
            } else if (keys.accepts(m.group(1))) {
                return null;
            } else if (firstWrong == null) {
                firstWrong = m.group(1);
            }
        }
        for (String v : first(headers.getAll(X_API_KEY))) {
            any = true;
            String k = v.strip();
            if (k.isEmpty()) {
                malformed = malformed != null ? malformed : "metadata 'x-api-key' is empty; " + EXPECTED;
            } else if (keys.accepts(k)) {
                return null;
            } else if (firstWrong == null) {
                firstWrong = k;
            }
        }
        if (!any) {
            return new Refusal(Reason.MISSING, "this call needs an API key: " + EXPECTED, null);
        }
        if (firstWrong == null) {
            return new Refusal(Reason.MALFORMED, malformed, null);
        }
        return new Refusal(Reason.INVALID, "the API key sent is not valid; " + EXPECTED + " with a valid key",
                ApiKeys.fingerprint(firstWrong));
    }

    private static List<String> first(Iterable<String> values) {
        if (values == null) {
            return List.of();
        }
        List<String> out = new java.util.ArrayList<>();
        for (String v : values) {
            if (out.size() == MAX_VALUES) {
                break;
            }
            out.add(v);
        }
        return out;
    }

    /** Before every other interceptor of the services: a refused call costs nothing further. */
    @Override
    public int getPriority() {
        return Integer.MAX_VALUE - 100;
    }
}
