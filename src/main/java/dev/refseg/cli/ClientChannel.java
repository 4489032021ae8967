package dev.refseg.cli;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.TlsChannelCredentials;
import io.grpc.stub.MetadataUtils;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * How the client reaches refseg: plain text or TLS (the system's trusted CAs, or those of one PEM file), and
 * the API key it sends on every call as {@code authorization: Bearer <key>} (README, "Security"). The key
 * travels in plain text too when TLS is off, e.g. to a server behind a TLS-terminating proxy.
 *
 * @param target    {@code host:port} or any gRPC target
 * @param apiKey    the key to send, or null for none
 * @param tls       whether to use TLS
 * @param caCert    PEM file of the CAs to trust instead of the system's, or null
 * @param authority the name to expect in the server's certificate (and send as {@code :authority}) instead
 *                  of the target's host, or null
 */
record ClientChannel(String target, String apiKey, boolean tls, Path caCert, String authority) {
    /** The environment variable read for the key when neither {@code --api-key} nor {@code --api-key-file} is given. */
    static final String API_KEY_ENV = "REFSEG_API_KEY";
    static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    /**
     * The key to send: {@code --api-key}'s value, else the content of {@code --api-key-file} (white space
     * around it, such as a final newline, ignored), else {@code REFSEG_API_KEY} from {@code env}; null when
     * none of them gives one (an empty environment variable gives none).
     *
     * @throws IllegalArgumentException when both options are given, the key file cannot be read, or the key
     *                                  is not printable ASCII without spaces (as gRPC metadata carries it and
     *                                  the server keeps keys)
     */
    static String apiKey(String option, Path file, Map<String, String> env) {
        if (option != null && file != null) {
            throw new IllegalArgumentException("give --api-key or --api-key-file, not both");
        }
        String key;
        String source;
        if (option != null) {
            key = option;
            source = "--api-key";
        } else if (file != null) {
            source = "--api-key-file " + file;
            try {
                key = Files.readString(file, StandardCharsets.UTF_8).strip();
            } catch (IOException e) {
                throw new IllegalArgumentException(source + ": cannot read it (" + e + ")", e);
            }
        } else {
            key = env.get(API_KEY_ENV);
            source = API_KEY_ENV;
            if (key == null || key.isEmpty()) {
                return null;
            }
        }
        if (key.isEmpty() || !key.chars().allMatch(c -> c > 0x20 && c < 0x7F)) {
            throw new IllegalArgumentException(source + ": the API key must be printable ASCII without spaces"
                    + (key.isEmpty() ? " (it is empty)" : ""));
        }
        return key;
    }

    /** Whether the channel uses TLS: {@code --tls}, or implied by {@code --ca-cert}. */
    boolean secure() {
        return tls || caCert != null;
    }

    /**
     * A new channel to the target with this transport, sending the key (if any) on every call.
     *
     * @return the channel; the caller shuts it down
     * @throws IOException when the CA file cannot be read or holds no usable certificate
     */
    ManagedChannel open() throws IOException {
        ManagedChannelBuilder<?> builder;
        if (caCert != null) {
            try {
                builder = Grpc.newChannelBuilder(target, TlsChannelCredentials.newBuilder().trustManager(caCert.toFile())
                        .build());
            } catch (IOException | RuntimeException e) {
                throw new IOException("--ca-cert " + caCert + ": not a readable PEM certificate (" + e.getMessage() + ")",
                        e);
            }
        } else {
            builder = Grpc.newChannelBuilder(target, tls ? TlsChannelCredentials.create()
                    : InsecureChannelCredentials.create());
        }
        if (authority != null) {
            builder.overrideAuthority(authority);
        }
        if (apiKey != null) {
            Metadata headers = new Metadata();
            headers.put(AUTHORIZATION, "Bearer " + apiKey);
            builder.intercept(MetadataUtils.newAttachHeadersInterceptor(headers));
        }
        return builder.build();
    }

    /** The settings, with the key left out (a record would print it). */
    @Override
    public String toString() {
        return "ClientChannel[target=" + target + ", apiKey=" + (apiKey != null ? "(set)" : "none") + ", tls=" + secure()
                + ", caCert=" + caCert + ", authority=" + authority + "]";
    }
}
